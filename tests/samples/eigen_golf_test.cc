// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// The eigen_golf sample: TensorFlow's golf checkpoint restored into Eigen
// matrices gives the same forward pass as an independent computation with
// plain loops over the bundle's tensors (read by key, no object graph).

#include "eigen_golf.h"

#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/env.h"
#include "testing/test_util.h"

namespace ckpt_samples {
namespace {

using ::ckpt::testing::TempDir;

// y = x * kernel + bias (kernel [in, out] row-major), relu if asked.
std::vector<float> Dense(const ckpt::BundleReader& reader,
                         const std::string& layer, const std::vector<float>& x,
                         bool relu) {
  const std::string base = "net/" + layer + "/";
  const ckpt::Tensor kernel =
      reader.Read(base + "kernel/.ATTRIBUTES/VARIABLE_VALUE").value();
  const ckpt::Tensor bias =
      reader.Read(base + "bias/.ATTRIBUTES/VARIABLE_VALUE").value();
  const int64_t in = kernel.shape().dim(0), out = kernel.shape().dim(1);
  REQUIRE(static_cast<int64_t>(x.size()) == in);
  std::vector<float> y(static_cast<size_t>(out));
  for (int64_t j = 0; j < out; ++j) {
    double sum = bias.flat<float>()[static_cast<size_t>(j)];
    for (int64_t i = 0; i < in; ++i) {
      sum += static_cast<double>(x[static_cast<size_t>(i)]) *
             kernel.flat<float>()[static_cast<size_t>(i * out + j)];
    }
    y[static_cast<size_t>(j)] =
        relu && sum < 0 ? 0.0f : static_cast<float>(sum);
  }
  return y;
}

TEST_CASE("EigenGolf: the Eigen forward pass equals an independent one") {
  if (ckpt::testing::SkipWithoutTfTestData()) return;
  for (const char* name : {"golf/ckpt-1", "golf/ckpt-2"}) {
    INFO(name);
    const std::string prefix = ckpt::testing::TfPath(name);
    const std::vector<float> x = {0.5f, -1.0f, 0.25f, 2.0f, 0.0f, -0.5f, 1.5f};
    std::ostringstream log;
    absl::StatusOr<EigenGolfResult> result = EigenGolf(prefix, x, &log);
    CKPT_REQUIRE_OK(result);
    REQUIRE(result->weights_restored == 6);
    REQUIRE(log.str().find("restored 6 weights") != std::string::npos);

    const auto reader =
        ckpt::BundleReader::Open(ckpt::Env::Default(), prefix).value();
    std::vector<float> y = Dense(*reader, "layer_with_weights-0", x, true);
    y = Dense(*reader, "layer_with_weights-1", y, true);
    y = Dense(*reader, "layer_with_weights-2", y, false);
    REQUIRE(result->output.size() == 7);
    for (size_t i = 0; i < 7; ++i) {
      REQUIRE(std::fabs(result->output[i] - y[i]) <=
              1e-5f * (1.0f + std::fabs(y[i])));
    }
  }
}

TEST_CASE("EigenGolf: bad input and a missing checkpoint are errors") {
  TempDir dir;
  CKPT_REQUIRE_ERROR(
      EigenGolf(dir.Join("nope"), std::vector<float>(7), nullptr),
      absl::StatusCode::kNotFound, "nope");
  CKPT_REQUIRE_ERROR(EigenGolf(dir.Join("nope"), {1, 2}, nullptr),
                     absl::StatusCode::kInvalidArgument, "7 inputs");
}

}  // namespace
}  // namespace ckpt_samples
