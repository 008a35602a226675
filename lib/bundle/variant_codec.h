// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Variant codec: the payload of a DT_VARIANT tensor in a bundle data file
// (docs/format.md §8 Variant tensors; TensorFlow's WriteVariantTensor and
// ReadVariantTensor). Pure: no I/O.
//
// ckpt does not interpret variant values (decoding them needs TensorFlow's
// variant registry); it carries each element's serialized
// VariantTensorDataProto as an opaque byte string. For n elements e_0 ...
// e_{n-1} (row-major) the payload is, element after element:
//
//   varint64 len(e_i) | e_i | u32 mask(C_i)
//
// where C is one running CRC-32C, starting at 0, extended per element over
// len(e_i) as an 8-byte little-endian integer (always 8 bytes, unlike the
// 4-byte lengths of string tensors; not the varint bytes), then over e_i; C_i
// is its value at that point. After the 4 stored checksum bytes are written,
// C is extended over them too. The entry checksum is mask(C) after the last
// element, i.e. it covers every stored checksum. A tensor of 0 elements has
// an empty payload and the entry checksum mask(0).
//
// Each element must be a well-formed VariantTensorDataProto on the wire:
//   1 type_name (bytes), 2 metadata (bytes), 3 tensors (TensorProto,
//   repeated); other fields are skipped. Only the wire format is checked (the
//   nested TensorProto messages are not parsed).
//
// The decoder trusts nothing: the element count must fit the payload (each
// element needs at least 5 bytes) before anything is allocated, every length
// is checked against the bytes that remain, every element checksum and the
// entry checksum are verified, and the payload must be consumed exactly.
// Every failure is DataLoss naming the element and what is wrong.

#ifndef CKPT_LIB_BUNDLE_VARIANT_CODEC_H_
#define CKPT_LIB_BUNDLE_VARIANT_CODEC_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace ckpt::bundle {

// Fewest payload bytes of one element: a 1-byte varint and the checksum.
inline constexpr int64_t kMinVariantElementBytes = 5;

// Streaming encoder, one element at a time (the writer appends the element
// bytes itself, extending the CRC over them):
//   crc = PutVariantLength(crc, e.size(), &head);   // append head
//   crc = crc32c::Extend(crc, e.data(), e.size());  // append e
//   crc = PutVariantChecksum(crc, &tail);           // append tail
// Start with crc = 0; the entry checksum is crc32c::Mask(crc) at the end.

// Appends varint64 `len` to *out; returns `crc` extended over `len` as 8
// little-endian bytes.
uint32_t PutVariantLength(uint32_t crc, uint64_t len, std::string* out);

// Appends the 4 bytes of mask(crc) to *out; returns `crc` extended over them.
uint32_t PutVariantChecksum(uint32_t crc, std::string* out);

// Total payload bytes of `elements`.
uint64_t VariantPayloadSize(absl::Span<const std::string> elements);

// Appends the whole payload to *out and returns the masked entry checksum.
uint32_t EncodeVariantTensor(absl::Span<const std::string> elements,
                             std::string* out);

// Decodes a payload of `num_elements` elements, verifying every element
// checksum, the entry checksum `masked_entry_crc`, and each element's wire
// format. With `out` == nullptr only verifies. DataLoss on any inconsistency;
// *out is untouched on failure.
absl::Status DecodeVariantTensor(absl::string_view payload,
                                 int64_t num_elements,
                                 uint32_t masked_entry_crc,
                                 std::vector<std::string>* out);

// What `ckpt show` prints about one element.
struct VariantElementInfo {
  std::string type_name;        // field 1 (the last one, as protobuf does)
  uint64_t metadata_bytes = 0;  // field 2 (the last one)
  int64_t num_tensors = 0;      // occurrences of field 3
};

// Parses the wire format of one serialized VariantTensorDataProto (the
// validation described above). DataLoss naming the byte offset when it is
// malformed.
absl::StatusOr<VariantElementInfo> ParseVariantElement(
    absl::string_view element);

}  // namespace ckpt::bundle

#endif  // CKPT_LIB_BUNDLE_VARIANT_CODEC_H_
