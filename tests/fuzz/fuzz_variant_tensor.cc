// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: tests/fuzz/fuzz_variant_tensor.cc
// -----------------------------------------------------------------------------
//
// libFuzzer target: the DT_VARIANT payload decoder
// (lib/bundle/variant_codec.h). Input layout:
//
//   i64le num_elements (may be negative or huge) | u32le masked crc | payload
//
// The fuzz build skips checksum comparisons, so the crc only matters for
// coverage. Verify-only and decoding modes must agree; whatever decodes must
// re-encode to VariantPayloadSize() bytes, no longer than the input, that
// decode to the same elements, each of which ParseVariantElement accepts; a
// mismatch traps.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "bundle/variant_codec.h"
#include "fuzz_inputs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > ckpt::fuzz::kMaxFuzzInputBytes) return -1;
  absl::string_view in(reinterpret_cast<const char*>(data), size);
  const int64_t num_elements =
      static_cast<int64_t>(ckpt::fuzz::ConsumeLittleEndian(&in, 8));
  const uint32_t crc =
      static_cast<uint32_t>(ckpt::fuzz::ConsumeLittleEndian(&in, 4));
  const absl::string_view payload = in;

  const absl::Status verified =
      ckpt::bundle::DecodeVariantTensor(payload, num_elements, crc, nullptr);
  std::vector<std::string> out;
  const absl::Status decoded =
      ckpt::bundle::DecodeVariantTensor(payload, num_elements, crc, &out);
  if (verified.ok() != decoded.ok()) __builtin_trap();
  if (!decoded.ok()) {
    if (!out.empty()) __builtin_trap();  // untouched on failure
    return 0;
  }
  if (out.size() != static_cast<uint64_t>(num_elements)) __builtin_trap();
  for (const std::string& e : out) {
    if (!ckpt::bundle::ParseVariantElement(e).ok()) __builtin_trap();
  }

  const absl::Span<const std::string> elements(out);
  std::string encoded;
  const uint32_t encoded_crc =
      ckpt::bundle::EncodeVariantTensor(elements, &encoded);
  if (encoded.size() != ckpt::bundle::VariantPayloadSize(elements)) {
    __builtin_trap();
  }
  if (encoded.size() > payload.size()) __builtin_trap();  // canonical <= any
  std::vector<std::string> again;
  if (!ckpt::bundle::DecodeVariantTensor(encoded, num_elements, encoded_crc,
                                         &again)
           .ok() ||
      again != out) {
    __builtin_trap();
  }
  return 0;
}
