// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// DT_STRING payload encoding and verified decoding (see string_codec.h).

#include "bundle/string_codec.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ckpt/crc32c.h"
#include "util/coding.h"
#include "util/fuzzing.h"

namespace ckpt::bundle {
namespace {

// Extends `crc` with a length as TensorFlow feeds it to the length checksum:
// 4 bytes little-endian, or 8 bytes when it does not fit in 32 bits.
uint32_t ExtendLength(uint32_t crc, uint64_t len) {
  char buf[8];
  if (len > 0xFFFFFFFFu) {
    std::memcpy(buf, &len, 8);  // little-endian hosts only
    return crc32c::Extend(crc, buf, 8);
  }
  EncodeFixed32(buf, static_cast<uint32_t>(len));
  return crc32c::Extend(crc, buf, 4);
}

}  // namespace

uint32_t EncodeStringPrefix(absl::Span<const std::string> values,
                            std::string* out) {
  uint32_t crc = 0;
  for (const std::string& s : values) {
    PutVarint64(out, s.size());
    crc = ExtendLength(crc, s.size());
  }
  char stored[4];
  EncodeFixed32(stored, crc32c::Mask(crc));
  out->append(stored, 4);
  return crc32c::Extend(crc, stored, 4);
}

uint64_t StringPayloadSize(absl::Span<const std::string> values) {
  uint64_t total = 4;
  for (const std::string& s : values) {
    total += static_cast<uint64_t>(VarintLength(s.size())) + s.size();
  }
  return total;
}

uint32_t EncodeStringTensor(absl::Span<const std::string> values,
                            std::string* out) {
  uint32_t crc = EncodeStringPrefix(values, out);
  for (const std::string& s : values) {
    out->append(s);
    crc = crc32c::Extend(crc, s.data(), s.size());
  }
  return crc32c::Mask(crc);
}

absl::Status DecodeStringTensor(absl::string_view payload, int64_t num_elements,
                                uint32_t masked_entry_crc,
                                std::vector<std::string>* out) {
  const uint64_t size = payload.size();
  if (num_elements < 0) {
    return absl::DataLossError(
        absl::StrCat("string tensor: negative element count ", num_elements));
  }
  const uint64_t n = static_cast<uint64_t>(num_elements);
  // Every length varint takes at least one byte, the checksum four.
  if (size < 4 || n > size - 4) {
    return absl::DataLossError(
        absl::StrCat("string tensor: ", n, " elements cannot fit in ", size,
                     " bytes (each needs a length byte, plus 4 checksum "
                     "bytes)"));
  }

  // Pass 1: lengths. Sum them without overflow against the bytes that
  // remain, and compute the length checksum.
  const char* p = payload.data();
  const char* const limit = payload.data() + payload.size();
  uint64_t total = 0;
  uint32_t length_crc = 0;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t len = 0;
    const char* q = GetVarint64Ptr(p, limit, &len);
    if (q == nullptr) {
      return absl::DataLossError(
          absl::StrCat("string tensor: malformed length varint of element ", i,
                       " at byte ", p - payload.data()));
    }
    p = q;
    const uint64_t remaining = static_cast<uint64_t>(limit - p);
    if (len > remaining || total > remaining - len) {
      return absl::DataLossError(absl::StrCat(
          "string tensor: element ", i, " has length ", len, ", more than the ",
          remaining, " bytes left in the payload"));
    }
    total += len;
    length_crc = ExtendLength(length_crc, len);
  }
  const char* const checksum_at = p;
  if (static_cast<uint64_t>(limit - p) < 4) {
    return absl::DataLossError(
        "string tensor: payload ends before the length checksum");
  }
  const uint32_t stored_length_crc = DecodeFixed32(p);
  p += 4;
  if (crc32c::Unmask(stored_length_crc) != length_crc &&
      !kFuzzingSkipChecksums) {
    return absl::DataLossError(
        absl::StrCat("string tensor: length checksum mismatch (stored 0x",
                     absl::Hex(stored_length_crc), ", computed 0x",
                     absl::Hex(crc32c::Mask(length_crc)), ")"));
  }
  const uint64_t string_bytes = static_cast<uint64_t>(limit - p);
  if (string_bytes != total) {
    return absl::DataLossError(
        absl::StrCat("string tensor: lengths sum to ", total, " bytes but ",
                     string_bytes, " bytes follow the length checksum"));
  }
  const uint32_t entry_crc =
      crc32c::Extend(length_crc, checksum_at, 4 + string_bytes);
  if (entry_crc != crc32c::Unmask(masked_entry_crc) && !kFuzzingSkipChecksums) {
    return absl::DataLossError(
        absl::StrCat("string tensor: checksum mismatch (stored 0x",
                     absl::Hex(masked_entry_crc), ", computed 0x",
                     absl::Hex(crc32c::Mask(entry_crc)), ")"));
  }
  if (out == nullptr) return absl::OkStatus();

  // Pass 2: everything is verified; n <= payload size bounds the vector.
  std::vector<std::string> values;
  values.reserve(n);
  const char* lengths = payload.data();
  const char* data = p;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t len = 0;
    lengths = GetVarint64Ptr(lengths, checksum_at, &len);  // parsed above
    values.emplace_back(data, static_cast<size_t>(len));
    data += len;
  }
  *out = std::move(values);
  return absl::OkStatus();
}

absl::Status DecodeStringTensor(std::string&& payload, int64_t num_elements,
                                uint32_t masked_entry_crc,
                                std::vector<std::string>* out) {
  if (num_elements != 1 || out == nullptr) {
    return DecodeStringTensor(absl::string_view(payload), num_elements,
                              masked_entry_crc, out);
  }
  if (absl::Status s = DecodeStringTensor(absl::string_view(payload), 1,
                                          masked_entry_crc, nullptr);
      !s.ok()) {
    return s;
  }
  // Verified: one length varint, the length checksum, then the string,
  // which runs to the end of the payload.
  uint64_t len = 0;
  const char* const begin = payload.data();
  const char* const after_length =
      GetVarint64Ptr(begin, begin + payload.size(), &len);
  payload.erase(0, static_cast<size_t>(after_length - begin) + 4);
  std::vector<std::string> values;
  values.push_back(std::move(payload));
  *out = std::move(values);
  return absl::OkStatus();
}

}  // namespace ckpt::bundle
