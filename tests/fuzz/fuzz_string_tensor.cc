// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: tests/fuzz/fuzz_string_tensor.cc
// -----------------------------------------------------------------------------
//
// libFuzzer target: the DT_STRING payload decoder
// (lib/bundle/string_codec.h). Input layout:
//
//   i64le num_elements (may be negative or huge) | u32le masked crc | payload
//
// The fuzz build skips checksum comparisons, so the crc only matters for
// coverage. Whatever decodes must re-encode (canonical varints) to a payload
// of StringPayloadSize() bytes that decodes to the same strings with its own
// checksum; a mismatch traps. The decode taking the payload's buffer
// (std::string&&) must give the same status and strings.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "bundle/string_codec.h"
#include "fuzz_inputs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > ckpt::fuzz::kMaxFuzzInputBytes) return -1;
  absl::string_view in(reinterpret_cast<const char*>(data), size);
  const int64_t num_elements =
      static_cast<int64_t>(ckpt::fuzz::ConsumeLittleEndian(&in, 8));
  const uint32_t crc =
      static_cast<uint32_t>(ckpt::fuzz::ConsumeLittleEndian(&in, 4));
  const absl::string_view payload = in;

  // Verify-only mode first, then a real decode.
  const absl::Status verified =
      ckpt::bundle::DecodeStringTensor(payload, num_elements, crc, nullptr);
  std::vector<std::string> out;
  const absl::Status decoded =
      ckpt::bundle::DecodeStringTensor(payload, num_elements, crc, &out);
  if (verified.ok() != decoded.ok()) __builtin_trap();
  // The decode that takes the payload's buffer (and moves a single string
  // out of it) agrees, status and strings, and leaves `out` alone on error.
  std::vector<std::string> moved = {"untouched"};
  const absl::Status by_move = ckpt::bundle::DecodeStringTensor(
      std::string(payload), num_elements, crc, &moved);
  if (by_move != decoded) __builtin_trap();
  if (by_move.ok() ? moved != out
                   : moved != std::vector<std::string>{"untouched"}) {
    __builtin_trap();
  }
  if (!decoded.ok()) {
    if (!out.empty()) __builtin_trap();  // untouched on failure
    return 0;
  }
  if (out.size() != static_cast<uint64_t>(num_elements)) __builtin_trap();

  std::string encoded;
  const uint32_t encoded_crc = ckpt::bundle::EncodeStringTensor(
      absl::Span<const std::string>(out), &encoded);
  if (encoded.size() !=
      ckpt::bundle::StringPayloadSize(absl::Span<const std::string>(out))) {
    __builtin_trap();
  }
  if (encoded.size() > payload.size()) __builtin_trap();  // canonical <= any
  std::vector<std::string> again;
  if (!ckpt::bundle::DecodeStringTensor(encoded, num_elements, encoded_crc,
                                        &again)
           .ok() ||
      again != out) {
    __builtin_trap();
  }
  return 0;
}
