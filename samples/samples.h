// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: samples/samples.h
// -----------------------------------------------------------------------------
//
// The samples as library functions, so that tests run exactly what the sample
// programs run:
//
//   TrainMlp     trains a small MLP with Adam on synthetic data, saving a
//                checkpoint every K steps through a CheckpointManager;
//                resumes from the newest one.
//   GolfMirror   restores TensorFlow's golf/ckpt-1 into a C++ mirror of its
//                Keras model and checks every value against the file.
//   Transfer     restores only the backbone of a trained model into a model
//                with a new head (expect_partial) and trains the head.
//
// Each writes a human-readable log to `log` (may be null).

#ifndef CKPT_SAMPLES_SAMPLES_H_
#define CKPT_SAMPLES_SAMPLES_H_

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ckpt/checkpoint.h"
#include "ckpt/tensor.h"

namespace ckpt_samples {

struct TrainOptions {
  std::string dir;          // checkpoints are written as <dir>/ckpt-<n>
  int64_t steps = 400;      // train until the step counter reaches this
  int64_t save_every = 50;  // save when the step counter is a multiple of it
  int max_to_keep = 3;      // CheckpointManager: newest checkpoints kept
  // Restore the newest checkpoint in dir first. Without it, a directory that
  // already holds checkpoints is FailedPrecondition (never overwritten).
  bool resume = false;
  uint64_t seed = 42;  // data and initial weights
  std::ostream* log = nullptr;
  // Called after each step with the step counter (the sample program uses it
  // to kill itself partway).
  std::function<void(int64_t step)> after_step;
};

struct TrainResult {
  int64_t start_step = 0;  // 0, or the step restored from a checkpoint
  int64_t final_step = 0;
  float final_loss = 0;
  std::string restored_from;       // the checkpoint resumed from, if any
  std::vector<std::string> saved;  // prefixes written by this run
  // Every variable of model and optimizer (kernels, biases, Adam's iter and
  // hyper-parameters, m and v slots) in a fixed order, and their CRC-32C.
  std::vector<ckpt::Tensor> state;
  uint32_t state_crc32c = 0;
};

absl::StatusOr<TrainResult> TrainMlp(const TrainOptions& options);

struct GolfResult {
  int values_checked = 0;  // variables compared with the file, slots included
  ckpt::RestoreReport report;
};

// Restores `prefix` (TensorFlow's golf/ckpt-1) into the mirror, asserts
// assert_consumed() and compares every variable with the bundle's tensor.
absl::StatusOr<GolfResult> GolfMirror(const std::string& prefix,
                                      std::ostream* log);

struct GolfTransferResult {
  int values_checked = 0;  // restored variables compared with the file
  ckpt::RestoreReport report;
};

// Restores the first two layers of `prefix` (TensorFlow's golf/ckpt-1) and
// Adam's state for them into a differently named C++ classifier with a new
// head, by path rules; compares every restored variable with the file.
absl::StatusOr<GolfTransferResult> GolfTransfer(const std::string& prefix,
                                                std::ostream* log);

struct TransferResult {
  std::string source;               // the pretrained checkpoint
  std::string target;               // the fine-tuned checkpoint
  int backbone_values = 0;          // restored variables of the backbone
  bool backbone_unchanged = false;  // after training the head, bit for bit
  float head_loss_before = 0, head_loss_after = 0;
  ckpt::RestoreReport report;  // of the partial restore
};

// Trains a source model (two hidden layers and a 1-output head) in
// <dir>/source, restores its two hidden layers into a model with a new
// 3-output head, trains only the head and saves to <dir>/target.
absl::StatusOr<TransferResult> Transfer(const std::string& dir,
                                        std::ostream* log);

}  // namespace ckpt_samples

#endif  // CKPT_SAMPLES_SAMPLES_H_
