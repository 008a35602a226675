// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: checkpoint/checkpoint_state.h
// -----------------------------------------------------------------------------
//
// The `checkpoint` state file of a checkpoint directory (docs/format.md §13):
// protobuf text format of CheckpointState naming the newest checkpoint prefix
// and the prefixes a CheckpointManager keeps, with their timestamps.
//
// Contract:
//   * Reading refuses files larger than kMaxCheckpointStateBytes (1 MiB) with
//     ResourceExhausted before reading a byte. TensorFlow writes about 60
//     bytes per kept checkpoint, so the limit allows ~15000 entries while
//     keeping a corrupt or hostile file from being slurped into memory.
//   * A missing file is NotFound naming the path. Text that does not parse as
//     CheckpointState (syntax errors, unknown fields, a repeated singular
//     field) and an empty `model_checkpoint_path` are DataLoss naming the
//     file (and, for syntax errors, line and column).
//   * ReadCheckpointState resolves every relative path against the directory
//     holding the file (as TensorFlow's get_checkpoint_state does); absolute
//     paths are kept. ParseCheckpointState resolves nothing.
//   * SerializeCheckpointState reproduces Python's text_format.MessageToString
//     byte for byte: one `name: value` line per value in field-number order,
//     fields holding their default (empty string, empty list, 0.0) omitted,
//     strings double-quoted with C escapes (\n \r \t \" \' \\ and \ooo octal
//     for other bytes below 0x20 and from 0x7f), doubles in Python's
//     shortest round-trip repr (`1606867791.8105`, `5.0`, `1e+16`, `1e-05`,
//     `inf`, `-inf`, `nan`). Parsing the output gives back the same state.
//   * WriteCheckpointState commits atomically (temp file, fsync, rename, fsync
//     of the directory). Paths under `dir` are stored relative to it, as
//     TensorFlow 2 does, so Read followed by Write leaves the bytes unchanged;
//     other paths are stored as given.
//   * The state file is advisory: nothing here checks that the named
//     checkpoints exist.
//
// Example:
//
//   CKPT_ASSIGN_OR_RETURN(ckpt::checkpoint::CheckpointState state,
//                         ckpt::checkpoint::ReadCheckpointState(env,
//                         "/models/run1"));
//   // state.model_checkpoint_path == "/models/run1/ckpt-2"

#ifndef CKPT_LIB_CHECKPOINT_CHECKPOINT_STATE_H_
#define CKPT_LIB_CHECKPOINT_CHECKPOINT_STATE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ckpt/env.h"

namespace ckpt::checkpoint {

// Name of the state file inside a checkpoint directory.
inline constexpr absl::string_view kCheckpointStateFilename = "checkpoint";

// Largest state file accepted by ReadCheckpointState.
inline constexpr uint64_t kMaxCheckpointStateBytes = uint64_t{1} << 20;

// Mirrors ckpt.proto.CheckpointState (proto/ckpt/proto/checkpoint_state.proto).
struct CheckpointState {
  // The newest checkpoint prefix. Never empty in a parsed state.
  std::string model_checkpoint_path;
  // Prefixes still kept, oldest first; TensorFlow keeps the newest last.
  std::vector<std::string> all_model_checkpoint_paths;
  // Seconds since the epoch, parallel to all_model_checkpoint_paths when
  // written by a CheckpointManager; empty when written by Checkpoint.save().
  std::vector<double> all_model_checkpoint_timestamps;
  // Seconds since the epoch; 0 when absent.
  double last_preserved_timestamp = 0;

  friend bool operator==(const CheckpointState&,
                         const CheckpointState&) = default;
};

// "dir/checkpoint".
std::string CheckpointStatePath(absl::string_view dir);

// Parses the text of a state file. `filename` is used in error messages only.
// No path is resolved.
absl::StatusOr<CheckpointState> ParseCheckpointState(
    absl::string_view text, absl::string_view filename);

// Reads `dir/checkpoint` and resolves relative paths against `dir`.
absl::StatusOr<CheckpointState> ReadCheckpointState(Env* env,
                                                    absl::string_view dir);

// The exact text TensorFlow (Python text_format) writes for `state`.
std::string SerializeCheckpointState(const CheckpointState& state);

// Atomically replaces `dir/checkpoint` with `state`, storing paths under
// `dir` relative to it. InvalidArgument for an empty model_checkpoint_path.
absl::Status WriteCheckpointState(Env* env, absl::string_view dir,
                                  const CheckpointState& state);

// Python's repr() of a double: shortest round-trip digits, fixed notation for
// decimal exponents in [-4, 16) with at least one fractional digit ("5.0"),
// otherwise scientific with a signed two-digit minimum exponent ("1e-05").
std::string PythonDoubleRepr(double value);

}  // namespace ckpt::checkpoint

#endif  // CKPT_LIB_CHECKPOINT_CHECKPOINT_STATE_H_
