// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// GolfTransfer: transfer learning from a TensorFlow checkpoint into a C++
// model that does not mirror it. TensorFlow's golf/ckpt-1 holds a Keras
// Sequential 7 -> 64 -> 32 -> 7 trained with Adam (see golf_mirror.cc). The
// C++ model here is a classifier with its own names and a new 4-class head:
//
//   classifier
//     features        hidden1 (7 -> 64), hidden2 (64 -> 32)
//     head            32 -> 4, new
//   optimizer         Adam, for the feature layers only
//
// Path rules (RestoreOptions::path_map) say where golf's objects go; the
// restore matches by the mapped structure, so the values wait for the
// layers to be built and Adam's m and v slots follow their variables:
//
//   net/layer_with_weights-0 -> classifier/features/hidden1
//   net/layer_with_weights-1 -> classifier/features/hidden2
//   net/optimizer            -> optimizer
//
// Everything else (golf's output layer and its slots, step, save_counter) is
// left out and reported unused; the new head is reported missing.

#include <ostream>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/checkpoint.h"
#include "ckpt/env.h"
#include "ckpt/path_map.h"
#include "ckpt/status.h"
#include "nn.h"
#include "samples.h"

namespace ckpt_samples {
namespace {

struct FeatureExtractor : ckpt::Trackable {
  void VisitChildren(ckpt::ChildVisitor& visit) override {
    visit("hidden1", hidden1);
    visit("hidden2", hidden2);
  }
  Dense hidden1{64, Activation::kRelu, "hidden1"};
  Dense hidden2{32, Activation::kRelu, "hidden2"};
};

struct Classifier : ckpt::Trackable {
  void VisitChildren(ckpt::ChildVisitor& visit) override {
    visit("features", features);
    visit("head", head);
  }
  FeatureExtractor features;
  Dense head{4, Activation::kLinear, "head"};
};

}  // namespace

absl::StatusOr<GolfTransferResult> GolfTransfer(const std::string& prefix,
                                                std::ostream* log) {
  Classifier classifier;
  Adam adam;
  ckpt::Checkpoint root;
  CKPT_RETURN_IF_ERROR(root.Track("classifier", classifier));
  CKPT_RETURN_IF_ERROR(root.Track("optimizer", adam));

  // [rules]
  ckpt::RestoreOptions options;
  options.path_map = {ckpt::PathRule::Prefix("net/layer_with_weights-0",
                                             "classifier/features/hidden1"),
                      ckpt::PathRule::Prefix("net/layer_with_weights-1",
                                             "classifier/features/hidden2"),
                      ckpt::PathRule::Prefix("net/optimizer", "optimizer")};
  options.keep_unmapped = false;  // golf's output layer, step: left out
  CKPT_ASSIGN_OR_RETURN(ckpt::RestoreStatus status, root.Read(prefix, options));
  // [rules]

  // Build the layers (their values were waiting) and Adam's slots for the
  // feature layers (golf's m and v for them are assigned).
  std::mt19937_64 rng(3);
  FeatureExtractor& f = classifier.features;
  CKPT_RETURN_IF_ERROR(f.hidden1.Build(7, rng));
  CKPT_RETURN_IF_ERROR(f.hidden2.Build(64, rng));
  CKPT_RETURN_IF_ERROR(classifier.head.Build(32, rng));
  const std::vector<ckpt::Variable*> features = {
      &f.hidden1.kernel(), &f.hidden1.bias(), &f.hidden2.kernel(),
      &f.hidden2.bias()};
  CKPT_RETURN_IF_ERROR(adam.Build(features));
  // The new head is not in the checkpoint: a partial restore.
  CKPT_RETURN_IF_ERROR(status.ExpectPartial());

  // Each restored variable against the file, by golf's own keys.
  CKPT_ASSIGN_OR_RETURN(std::unique_ptr<ckpt::BundleReader> reader,
                        ckpt::BundleReader::Open(ckpt::Env::Default(), prefix));
  std::vector<std::pair<const ckpt::Variable*, std::string>> expected = {
      {&adam.iter(), "net/optimizer/iter/.ATTRIBUTES/VARIABLE_VALUE"}};
  const char* const kNames[] = {"kernel", "bias"};
  for (size_t i = 0; i < features.size(); ++i) {
    const std::string path =
        absl::StrCat("net/layer_with_weights-", i / 2, "/", kNames[i % 2]);
    expected.push_back(
        {features[i], absl::StrCat(path, "/.ATTRIBUTES/VARIABLE_VALUE")});
    for (const char* slot : {"m", "v"}) {
      expected.push_back({adam.slot(slot, features[i]),
                          absl::StrCat(path, "/.OPTIMIZER_SLOT/net/optimizer/",
                                       slot, "/.ATTRIBUTES/VARIABLE_VALUE")});
    }
  }
  GolfTransferResult result;
  for (const auto& [var, key] : expected) {
    CKPT_ASSIGN_OR_RETURN(ckpt::Tensor stored, reader->Read(key));
    if (var == nullptr || !var->value().Equals(stored)) {
      return absl::InternalError(absl::StrCat(prefix,
                                              ": the value restored for '", key,
                                              "' differs from the file"));
    }
    ++result.values_checked;
  }
  result.report = status.report();
  if (log != nullptr) {
    *log << "restored " << result.report.matched.size() << " values of "
         << prefix << " into differently named objects; "
         << result.values_checked << " equal the file's tensors\n";
    for (const ckpt::RestoreReport::Entry& e : result.report.matched) {
      if (e.path.find("kernel") == std::string::npos) continue;
      *log << "  " << e.path << "  <-  " << e.checkpoint_path << "\n";
    }
    *log << result.report.unused.size() << " values left out (golf's output "
         << "layer and its slots, step, save_counter); "
         << result.report.missing.size() << " new values (the head)\n";
  }
  return result;
}

}  // namespace ckpt_samples
