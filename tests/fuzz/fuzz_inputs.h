// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: tests/fuzz/fuzz_inputs.h
// -----------------------------------------------------------------------------
//
// Input layouts shared by the libFuzzer targets and the seed corpus
// generator (make_corpus.cc), so that generated seeds match what each target
// expects. Every target ignores inputs larger than kMaxFuzzInputBytes, which
// (together with the readers' own size checks) bounds memory per input.
//
//   fuzz_table          the whole input is an `.index` (table) file
//   fuzz_bundle         u32le index_len | index bytes | data bytes
//   fuzz_entry          u8 selector | u8 key_len | key | value
//   fuzz_string_tensor  i64le num_elements | payload
//   fuzz_lz4            u32le raw_size | u8 elem_size | stored LZ4 block
//   fuzz_object_graph   serialized TrackableObjectGraph bytes
//   fuzz_state_file     text of a `checkpoint` state file
//   fuzz_safetensors    a .safetensors file (and, apart, an index .json)
//   fuzz_npz            a zip archive of .npy members (and, apart, an .npy)
//
// Lengths and sizes read from the input are clamped to what the input holds
// (or to the documented bound), never trusted.

#ifndef CKPT_TESTS_FUZZ_FUZZ_INPUTS_H_
#define CKPT_TESTS_FUZZ_FUZZ_INPUTS_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "ckpt/env.h"

namespace ckpt::fuzz {

// Inputs larger than this are ignored by every target.
inline constexpr size_t kMaxFuzzInputBytes = size_t{1} << 20;

// Largest raw size fuzz_lz4 decodes into.
inline constexpr uint32_t kMaxLz4RawBytes = uint32_t{4} << 20;

// Reads a little-endian unsigned integer of `n` bytes from the front of
// `*in` and removes them; missing bytes read as zero.
inline uint64_t ConsumeLittleEndian(absl::string_view* in, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    if (in->empty()) break;
    v |= uint64_t{static_cast<uint8_t>((*in)[0])} << (8 * i);
    in->remove_prefix(1);
  }
  return v;
}

// Removes and returns up to `n` bytes from the front of `*in`.
inline absl::string_view ConsumeBytes(absl::string_view* in, size_t n) {
  if (n > in->size()) n = in->size();
  absl::string_view head = in->substr(0, n);
  in->remove_prefix(n);
  return head;
}

// Little-endian encoding of the low `n` bytes of `v` (for the generator).
inline std::string LittleEndian(uint64_t v, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  return out;
}

// Creates `path` in `env` holding `data`; false on any error (a harness
// then skips the input: the in-memory Env only fails for a missing parent).
inline bool PutFile(Env* env, const std::string& path, absl::string_view data) {
  auto file = env->NewWritableFile(path);
  if (!file.ok()) return false;
  return (*file)->Append(data).ok() && (*file)->Close().ok();
}

}  // namespace ckpt::fuzz

#endif  // CKPT_TESTS_FUZZ_FUZZ_INPUTS_H_
