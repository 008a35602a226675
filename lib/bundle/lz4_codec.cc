// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Byte shuffling and raw LZ4 blocks (see lz4_codec.h).

#include "bundle/lz4_codec.h"

#include <lz4.h>

#include <cstring>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"

namespace ckpt::bundle {

uint64_t Lz4MaxInputSize() { return LZ4_MAX_INPUT_SIZE; }

uint64_t Lz4CompressBound(uint64_t raw_size) {
  if (raw_size > Lz4MaxInputSize()) return 0;
  return static_cast<uint64_t>(LZ4_compressBound(static_cast<int>(raw_size)));
}

void ShuffleBytes(absl::string_view in, size_t elem_size,
                  absl::Span<char> out) {
  if (in.empty()) return;
  if (elem_size <= 1 || in.size() < elem_size) {
    std::memcpy(out.data(), in.data(), in.size());
    return;
  }
  const size_t n = in.size() / elem_size;
  for (size_t b = 0; b < elem_size; ++b) {
    char* plane = out.data() + b * n;
    const char* src = in.data() + b;
    for (size_t i = 0; i < n; ++i) plane[i] = src[i * elem_size];
  }
  const size_t tail = n * elem_size;
  std::memcpy(out.data() + tail, in.data() + tail, in.size() - tail);
}

void UnshuffleBytes(absl::string_view in, size_t elem_size,
                    absl::Span<char> out) {
  if (in.empty()) return;
  if (elem_size <= 1 || in.size() < elem_size) {
    std::memcpy(out.data(), in.data(), in.size());
    return;
  }
  const size_t n = in.size() / elem_size;
  for (size_t b = 0; b < elem_size; ++b) {
    const char* plane = in.data() + b * n;
    char* dst = out.data() + b;
    for (size_t i = 0; i < n; ++i) dst[i * elem_size] = plane[i];
  }
  const size_t tail = n * elem_size;
  std::memcpy(out.data() + tail, in.data() + tail, in.size() - tail);
}

std::optional<std::string> Lz4Compress(absl::string_view raw) {
  if (raw.size() > Lz4MaxInputSize()) return std::nullopt;
  const int bound = LZ4_compressBound(static_cast<int>(raw.size()));
  std::string out(static_cast<size_t>(bound), '\0');
  const int n = LZ4_compress_default(raw.data(), out.data(),
                                     static_cast<int>(raw.size()), bound);
  if (n <= 0) return std::nullopt;
  out.resize(static_cast<size_t>(n));
  return out;
}

absl::Status Lz4Decompress(absl::string_view stored, absl::Span<char> out) {
  if (out.size() > Lz4MaxInputSize()) {
    return absl::DataLossError(absl::StrCat("LZ4 block: raw size ", out.size(),
                                            " exceeds the LZ4 limit of ",
                                            Lz4MaxInputSize(), " bytes"));
  }
  const uint64_t bound = Lz4CompressBound(out.size());
  if (stored.empty() || stored.size() > bound) {
    return absl::DataLossError(absl::StrCat(
        "LZ4 block: stored size ", stored.size(), " is impossible for ",
        out.size(), " raw bytes (must be in [1, ", bound, "])"));
  }
  char dummy = 0;
  char* dst = out.empty() ? &dummy : out.data();
  const int n =
      LZ4_decompress_safe(stored.data(), dst, static_cast<int>(stored.size()),
                          static_cast<int>(out.size()));
  if (n < 0) {
    return absl::DataLossError(
        absl::StrCat("LZ4 block: malformed (", stored.size(),
                     " stored bytes, expected ", out.size(), " raw bytes)"));
  }
  if (static_cast<uint64_t>(n) != out.size()) {
    return absl::DataLossError(absl::StrCat("LZ4 block: decompressed to ", n,
                                            " bytes, expected ", out.size()));
  }
  return absl::OkStatus();
}

}  // namespace ckpt::bundle
