// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// DT_VARIANT payload encoding and verified decoding (see variant_codec.h).

#include "bundle/variant_codec.h"

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

// VariantTensorDataProto field numbers.
constexpr uint64_t kTypeNameField = 1;
constexpr uint64_t kMetadataField = 2;
constexpr uint64_t kTensorsField = 3;

absl::Status ElementError(uint64_t i, absl::string_view what) {
  return absl::DataLossError(
      absl::StrCat("variant tensor: element ", i, ": ", what));
}

}  // namespace

uint32_t PutVariantLength(uint32_t crc, uint64_t len, std::string* out) {
  PutVarint64(out, len);
  char le[8];
  std::memcpy(le, &len, 8);  // little-endian hosts only
  return crc32c::Extend(crc, le, 8);
}

uint32_t PutVariantChecksum(uint32_t crc, std::string* out) {
  char stored[4];
  EncodeFixed32(stored, crc32c::Mask(crc));
  out->append(stored, 4);
  return crc32c::Extend(crc, stored, 4);
}

uint64_t VariantPayloadSize(absl::Span<const std::string> elements) {
  uint64_t total = 0;
  for (const std::string& e : elements) {
    total += static_cast<uint64_t>(VarintLength(e.size())) + e.size() + 4;
  }
  return total;
}

uint32_t EncodeVariantTensor(absl::Span<const std::string> elements,
                             std::string* out) {
  uint32_t crc = 0;
  for (const std::string& e : elements) {
    crc = PutVariantLength(crc, e.size(), out);
    out->append(e);
    crc = crc32c::Extend(crc, e.data(), e.size());
    crc = PutVariantChecksum(crc, out);
  }
  return crc32c::Mask(crc);
}

absl::StatusOr<VariantElementInfo> ParseVariantElement(
    absl::string_view element) {
  VariantElementInfo info;
  const char* p = element.data();
  const char* const limit = element.data() + element.size();
  const auto error = [&](const char* at, absl::string_view what) {
    return absl::DataLossError(
        absl::StrCat("not a valid VariantTensorDataProto: ", what, " at byte ",
                     at - element.data(), " of ", element.size()));
  };
  while (p < limit) {
    const char* const field_start = p;
    uint64_t tag = 0;
    p = GetVarint64Ptr(p, limit, &tag);
    if (p == nullptr) return error(field_start, "malformed field tag");
    const uint64_t field = tag >> 3;
    if (field == 0) return error(field_start, "field number 0");
    uint64_t value = 0;
    switch (tag & 7) {
      case 0:  // varint
        p = GetVarint64Ptr(p, limit, &value);
        if (p == nullptr) return error(field_start, "malformed varint field");
        break;
      case 1:  // fixed64
        if (limit - p < 8) return error(field_start, "truncated fixed64 field");
        p += 8;
        break;
      case 5:  // fixed32
        if (limit - p < 4) return error(field_start, "truncated fixed32 field");
        p += 4;
        break;
      case 2: {  // length-delimited
        p = GetVarint64Ptr(p, limit, &value);
        if (p == nullptr || value > static_cast<uint64_t>(limit - p)) {
          return error(field_start, "length-delimited field past the end");
        }
        const absl::string_view bytes(p, static_cast<size_t>(value));
        p += value;
        // A known field with another wire type is an unknown field to
        // protobuf, and skipped like one.
        if (field == kTypeNameField) {
          info.type_name.assign(bytes.data(), bytes.size());
        } else if (field == kMetadataField) {
          info.metadata_bytes = value;
        } else if (field == kTensorsField) {
          ++info.num_tensors;
        }
        break;
      }
      default:  // groups (3, 4) are never used by this message; 6, 7 invalid
        return error(field_start,
                     absl::StrCat("unsupported wire type ", tag & 7));
    }
  }
  return info;
}

absl::Status DecodeVariantTensor(absl::string_view payload,
                                 int64_t num_elements,
                                 uint32_t masked_entry_crc,
                                 std::vector<std::string>* out) {
  const uint64_t size = payload.size();
  if (num_elements < 0) {
    return absl::DataLossError(
        absl::StrCat("variant tensor: negative element count ", num_elements));
  }
  const uint64_t n = static_cast<uint64_t>(num_elements);
  // Checked before anything is allocated: the vector below has n entries.
  if (n > size / kMinVariantElementBytes) {
    return absl::DataLossError(absl::StrCat(
        "variant tensor: ", n, " elements cannot fit in ", size,
        " bytes (each needs at least ", kMinVariantElementBytes, ")"));
  }
  std::vector<std::string> values;
  if (out != nullptr) values.reserve(static_cast<size_t>(n));
  const char* p = payload.data();
  const char* const limit = payload.data() + payload.size();
  uint32_t crc = 0;
  for (uint64_t i = 0; i < n; ++i) {
    if (p == limit) {
      return absl::DataLossError(
          absl::StrCat("variant tensor: payload ends "
                       "after ",
                       i, " of ", n, " elements"));
    }
    uint64_t len = 0;
    const char* q = GetVarint64Ptr(p, limit, &len);
    if (q == nullptr) {
      return ElementError(i, absl::StrCat("malformed length varint at byte ",
                                          p - payload.data()));
    }
    p = q;
    const uint64_t remaining = static_cast<uint64_t>(limit - p);
    if (len > remaining || remaining - len < 4) {
      return ElementError(
          i, absl::StrCat("length ", len,
                          " plus its 4-byte checksum is more "
                          "than the ",
                          remaining, " bytes left in the payload"));
    }
    char le[8];
    std::memcpy(le, &len, 8);  // little-endian hosts only
    crc = crc32c::Extend(crc, le, 8);
    const absl::string_view element(p, static_cast<size_t>(len));
    crc = crc32c::Extend(crc, element.data(), element.size());
    p += len;
    const uint32_t stored = DecodeFixed32(p);
    if (crc32c::Unmask(stored) != crc && !kFuzzingSkipChecksums) {
      return ElementError(
          i, absl::StrCat("checksum mismatch (stored 0x", absl::Hex(stored),
                          ", computed 0x", absl::Hex(crc32c::Mask(crc)), ")"));
    }
    crc = crc32c::Extend(crc, p, 4);
    p += 4;
    absl::StatusOr<VariantElementInfo> parsed = ParseVariantElement(element);
    if (!parsed.ok()) return ElementError(i, parsed.status().message());
    if (out != nullptr) values.emplace_back(element);
  }
  if (p != limit) {
    return absl::DataLossError(absl::StrCat(
        "variant tensor: ", limit - p, " trailing bytes after the ", n,
        " elements (payload of ", size, " bytes)"));
  }
  if (crc != crc32c::Unmask(masked_entry_crc) && !kFuzzingSkipChecksums) {
    return absl::DataLossError(
        absl::StrCat("variant tensor: entry checksum mismatch (stored 0x",
                     absl::Hex(masked_entry_crc), ", computed 0x",
                     absl::Hex(crc32c::Mask(crc)), ")"));
  }
  if (out != nullptr) *out = std::move(values);
  return absl::OkStatus();
}

}  // namespace ckpt::bundle
