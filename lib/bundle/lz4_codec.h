// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// LZ4 codec for the ckpt compression extension: byte shuffling into
// element-size planes and raw LZ4 blocks (no frame). Pure: no I/O.
//
// Shuffle: element i's byte b goes to position b * n + i (all first bytes,
// then all second bytes, ...); the tail of a buffer whose size is not a
// multiple of the element size is copied unchanged.
//
// Decompression trusts nothing: the stored size is checked against
// LZ4_compressBound(raw) before anything is touched, the output buffer has
// exactly the expected raw size (from dtype x shape), and a block that
// decodes to any other size, or fails to decode, is DataLoss.

#ifndef CKPT_LIB_BUNDLE_LZ4_CODEC_H_
#define CKPT_LIB_BUNDLE_LZ4_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace ckpt::bundle {

// Largest raw size one LZ4 block can hold (LZ4_MAX_INPUT_SIZE).
uint64_t Lz4MaxInputSize();
// LZ4_compressBound(raw_size); 0 when raw_size > Lz4MaxInputSize().
uint64_t Lz4CompressBound(uint64_t raw_size);

// Writes the planes of `in` to `out` (out.size() == in.size()).
// `elem_size` <= 1 copies.
void ShuffleBytes(absl::string_view in, size_t elem_size, absl::Span<char> out);
// Inverse of ShuffleBytes.
void UnshuffleBytes(absl::string_view in, size_t elem_size,
                    absl::Span<char> out);

// One LZ4 block of `raw` (LZ4_compress_default). nullopt if `raw` is larger
// than Lz4MaxInputSize() or compression fails.
std::optional<std::string> Lz4Compress(absl::string_view raw);

// Decodes the block `stored` into `out`, whose size is the expected raw
// size. DataLoss if `stored` is larger than the bound for that size, if the
// block is malformed, or if it decodes to a different size.
absl::Status Lz4Decompress(absl::string_view stored, absl::Span<char> out);

}  // namespace ckpt::bundle

#endif  // CKPT_LIB_BUNDLE_LZ4_CODEC_H_
