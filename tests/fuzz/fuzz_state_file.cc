// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: tests/fuzz/fuzz_state_file.cc
// -----------------------------------------------------------------------------
//
// libFuzzer target: the `checkpoint` state file
// (lib/checkpoint/checkpoint_state.h). The input is the file's text. A state
// that parses must serialize (Python text_format style, string escapes,
// Python double repr) to text that parses back to the same state and
// serializes to the same bytes again; anything else traps. NaN timestamps
// compare equal to NaN (their sign is not kept by repr).

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "checkpoint/checkpoint_state.h"
#include "fuzz_inputs.h"

namespace {

bool SameDouble(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return a == b;
}

bool SameState(const ckpt::checkpoint::CheckpointState& a,
               const ckpt::checkpoint::CheckpointState& b) {
  if (a.model_checkpoint_path != b.model_checkpoint_path ||
      a.all_model_checkpoint_paths != b.all_model_checkpoint_paths ||
      a.all_model_checkpoint_timestamps.size() !=
          b.all_model_checkpoint_timestamps.size() ||
      !SameDouble(a.last_preserved_timestamp, b.last_preserved_timestamp)) {
    return false;
  }
  for (size_t i = 0; i < a.all_model_checkpoint_timestamps.size(); ++i) {
    if (!SameDouble(a.all_model_checkpoint_timestamps[i],
                    b.all_model_checkpoint_timestamps[i])) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > ckpt::fuzz::kMaxFuzzInputBytes) return -1;
  const absl::string_view text(reinterpret_cast<const char*>(data), size);

  auto state = ckpt::checkpoint::ParseCheckpointState(text, "fuzz/checkpoint");
  if (!state.ok()) return 0;
  if (state->model_checkpoint_path.empty()) __builtin_trap();  // contract

  const std::string serialized =
      ckpt::checkpoint::SerializeCheckpointState(*state);
  auto again =
      ckpt::checkpoint::ParseCheckpointState(serialized, "fuzz/reserialized");
  if (!again.ok()) __builtin_trap();
  if (!SameState(*state, *again)) __builtin_trap();
  if (ckpt::checkpoint::SerializeCheckpointState(*again) != serialized)
    __builtin_trap();

  // Doubles of the input through Python repr, as the writer prints them.
  for (double t : state->all_model_checkpoint_timestamps) {
    (void)ckpt::checkpoint::PythonDoubleRepr(t);
  }
  return 0;
}
