// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// String codec: the payload of a DT_STRING tensor in a bundle data file
// (docs/format.md §7 String tensors). Pure: no I/O.
//
//   varint64 len(s_0) ... varint64 len(s_{n-1})
//   uint32   Mask(L)    L = crc32c of the lengths as LE32 (LE64 if > 2^32-1)
//   bytes    s_0 ... s_{n-1}
//
// The entry checksum is Mask(C), C = crc32c continued from L over the 4
// stored checksum bytes and then the string bytes. It is NOT the CRC of the
// stored bytes (the varints are not covered).
//
// The writer streams: EncodeStringPrefix() gives the varints and the length
// checksum together with the running CRC, and the caller extends that CRC
// over each string as it writes it.
//
// The decoder trusts nothing: the element count must fit the payload before
// anything is allocated (n + 4 <= size), lengths are summed with overflow
// checks against the bytes that remain, the payload must be consumed
// exactly, and both checksums are verified before strings are copied out.
// Every failure is DataLoss.

#ifndef CKPT_LIB_BUNDLE_STRING_CODEC_H_
#define CKPT_LIB_BUNDLE_STRING_CODEC_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace ckpt::bundle {

// Appends the varint lengths and the masked length checksum of `values` to
// `*out` and returns the running (unmasked) entry CRC after those 4 checksum
// bytes; extend it with crc32c::Extend over each string in order, then Mask.
uint32_t EncodeStringPrefix(absl::Span<const std::string> values,
                            std::string* out);

// Total payload bytes of `values`: varints + 4 + string bytes.
uint64_t StringPayloadSize(absl::Span<const std::string> values);

// Appends the whole payload to `*out` and returns the masked entry CRC.
uint32_t EncodeStringTensor(absl::Span<const std::string> values,
                            std::string* out);

// Decodes a payload of `num_elements` strings and verifies the length
// checksum and `masked_entry_crc`. With `out` == nullptr only verifies.
// DataLoss on any inconsistency; `*out` is untouched on failure.
absl::Status DecodeStringTensor(absl::string_view payload, int64_t num_elements,
                                uint32_t masked_entry_crc,
                                std::vector<std::string>* out);

// The same, taking the payload's buffer: a single string (a scalar, such as
// the object graph) is moved out of it instead of copied. Same checks and
// errors; on failure `payload` and `*out` are unchanged, on success
// `payload` is valid but unspecified. With `out` == nullptr, or a count
// other than 1, it decodes as the overload above.
absl::Status DecodeStringTensor(std::string&& payload, int64_t num_elements,
                                uint32_t masked_entry_crc,
                                std::vector<std::string>* out);

}  // namespace ckpt::bundle

#endif  // CKPT_LIB_BUNDLE_STRING_CODEC_H_
