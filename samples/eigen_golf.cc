// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// EigenGolf (eigen_golf.h): the Keras model's structure declared over Eigen
// matrices, restored by structure, and its forward pass.

#include "eigen_golf.h"

#include <deque>
#include <ostream>
#include <string>
#include <vector>

#include "Eigen/Core"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ckpt/checkpoint.h"
#include "ckpt/eigen.h"
#include "ckpt/external_variable.h"
#include "ckpt/status.h"
#include "ckpt/trackable.h"

namespace ckpt_samples {
namespace {

using RowMatrixXf =
    Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// A Keras Dense layer over caller-owned Eigen memory: children "kernel"
// ([in, out]) and "bias" ([out]), as Keras names them. `Kernel` is the
// matrix type (row-major: viewed in place; column-major: converted).
template <typename Kernel>
struct Dense : ckpt::Trackable {
  Dense(int in, int out, bool with_relu)
      : kernel(Kernel::Zero(in, out)),
        bias(Eigen::VectorXf::Zero(out)),
        relu(with_relu) {}
  absl::Status Bind() {
    CKPT_RETURN_IF_ERROR(ckpt::eigen::Bind(kernel_var, kernel));
    return ckpt::eigen::Bind(bias_var, bias);
  }
  void VisitChildren(ckpt::ChildVisitor& visit) override {
    visit("kernel", kernel_var);
    visit("bias", bias_var);
  }
  Eigen::RowVectorXf Apply(const Eigen::RowVectorXf& x) const {
    Eigen::RowVectorXf y = x * kernel + bias.transpose();
    return relu ? Eigen::RowVectorXf(y.cwiseMax(0.0f)) : y;
  }
  Kernel kernel;
  Eigen::VectorXf bias;
  bool relu;
  ckpt::ExternalVariable kernel_var, bias_var;
};

// Keras's Sequential names its weighted layers layer_with_weights-<i>.
struct Net : ckpt::Trackable {
  absl::Status Bind() {
    CKPT_RETURN_IF_ERROR(l0.Bind());
    CKPT_RETURN_IF_ERROR(l1.Bind());
    return l2.Bind();
  }
  void VisitChildren(ckpt::ChildVisitor& visit) override {
    visit("layer_with_weights-0", l0);
    visit("layer_with_weights-1", l1);
    visit("layer_with_weights-2", l2);
  }
  Dense<RowMatrixXf> l0{7, 64, true};
  Dense<Eigen::MatrixXf> l1{64, 32, true};
  Dense<Eigen::MatrixXf> l2{32, 7, false};
};

}  // namespace

absl::StatusOr<EigenGolfResult> EigenGolf(const std::string& prefix,
                                          const std::vector<float>& input,
                                          std::ostream* log) {
  if (input.size() != 7) {
    return absl::InvalidArgumentError(
        absl::StrCat("EigenGolf: 7 inputs expected, got ", input.size()));
  }
  Net net;
  CKPT_RETURN_IF_ERROR(net.Bind());
  ckpt::Checkpoint root;
  CKPT_RETURN_IF_ERROR(root.Track("net", net));
  CKPT_ASSIGN_OR_RETURN(ckpt::RestoreStatus status, root.Restore(prefix));
  // Inference: the optimizer and its slots stay in the file.
  CKPT_RETURN_IF_ERROR(status.AssertExistingObjectsMatched());

  EigenGolfResult result;
  result.report = status.report();
  for (const ckpt::RestoreReport::Entry& e : result.report.matched) {
    result.weights_restored += absl::StartsWith(e.path, "net/");
  }
  const Eigen::RowVectorXf x =
      Eigen::Map<const Eigen::RowVectorXf>(input.data(), 7);
  const Eigen::RowVectorXf y = net.l2.Apply(net.l1.Apply(net.l0.Apply(x)));
  result.output.assign(y.data(), y.data() + y.size());
  if (log != nullptr) {
    *log << "restored " << result.weights_restored << " weights from " << prefix
         << " into Eigen matrices\n"
         << "output:";
    for (float v : result.output) *log << " " << v;
    *log << "\n";
  }
  return result;
}

}  // namespace ckpt_samples
