// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: samples/eigen_golf.h  (built with the optional ckpt::eigen)
// -----------------------------------------------------------------------------
//
// EigenGolf: TensorFlow's golf checkpoint (a Keras Sequential of
// Dense(64, relu), Dense(32, relu), Dense(7) over 7 inputs, trained with
// Adam) restored by structure into plain Eigen matrices, then the forward
// pass computed with Eigen. Only the weights are restored (the optimizer's
// slots and step stay in the file: an inference-only partial restore). The
// first kernel is a row-major matrix viewed in place; the others are Eigen's
// default column-major matrices, converted on restore (docs/adapters.md).

#ifndef CKPT_SAMPLES_EIGEN_GOLF_H_
#define CKPT_SAMPLES_EIGEN_GOLF_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ckpt/checkpoint.h"

namespace ckpt_samples {

struct EigenGolfResult {
  std::vector<float> output;  // the 7 outputs for the input
  int weights_restored = 0;   // kernels and biases
  ckpt::RestoreReport report;
};

// Restores `prefix` (golf/ckpt-1 or ckpt-2) and runs `input` (7 values)
// through the network.
absl::StatusOr<EigenGolfResult> EigenGolf(const std::string& prefix,
                                          const std::vector<float>& input,
                                          std::ostream* log);

}  // namespace ckpt_samples

#endif  // CKPT_SAMPLES_EIGEN_GOLF_H_
