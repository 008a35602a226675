// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Variant codec: round trips against an encoder written here from
// docs/format.md §8 (independent of the library's), the
// VariantTensorDataProto wire parser, and one test per corruption case, each
// DataLoss naming what is wrong.

#include "bundle/variant_codec.h"

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "ckpt/crc32c.h"
#include "testing/test_util.h"

namespace ckpt::bundle {
namespace {

using absl::StatusCode;

// ---- an independent encoder, straight from the spec ----

void SpecVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void SpecLe(uint64_t v, int bytes, std::string* out) {
  for (int i = 0; i < bytes; ++i) {
    out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
}

uint32_t SpecMask(uint32_t crc) {
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

struct SpecPayload {
  std::string bytes;
  uint32_t masked_entry_crc = 0;
};

// Per element: varint len | bytes | le32 mask(C), where C runs over
// le64(len), the bytes, and every stored checksum before it.
SpecPayload SpecEncode(const std::vector<std::string>& elements) {
  SpecPayload p;
  std::string covered;  // everything the running CRC has seen
  for (const std::string& e : elements) {
    SpecVarint(e.size(), &p.bytes);
    SpecLe(e.size(), 8, &covered);
    covered += e;
    p.bytes += e;
    const uint32_t c = crc32c::Value(covered.data(), covered.size());
    std::string stored;
    SpecLe(SpecMask(c), 4, &stored);
    p.bytes += stored;
    covered += stored;
  }
  p.masked_entry_crc = SpecMask(crc32c::Value(covered.data(), covered.size()));
  return p;
}

// A VariantTensorDataProto on the wire: type_name, metadata, tensors.
std::string Proto(const std::string& type_name, const std::string& metadata,
                  int tensors) {
  std::string out;
  if (!type_name.empty()) {
    out.push_back(0x0a);
    SpecVarint(type_name.size(), &out);
    out += type_name;
  }
  if (!metadata.empty()) {
    out.push_back(0x12);
    SpecVarint(metadata.size(), &out);
    out += metadata;
  }
  for (int i = 0; i < tensors; ++i) {
    const std::string tensor = "\x08\x01";  // TensorProto{dtype: DT_FLOAT}
    out.push_back(0x1a);
    SpecVarint(tensor.size(), &out);
    out += tensor;
  }
  return out;
}

std::vector<std::string> Sample() {
  return {Proto("tensorflow::Iterator", "meta", 2), "",
          Proto("int", std::string("\x01\x00\x00\x00", 4), 0)};
}

// ---- round trips ----

TEST_CASE("zero elements: an empty payload with entry crc mask(0)") {
  std::string out;
  CHECK(EncodeVariantTensor({}, &out) == 0xa282ead8u);
  CHECK(out.empty());
  std::vector<std::string> decoded = {"stale"};
  CKPT_REQUIRE_OK(DecodeVariantTensor("", 0, 0xa282ead8u, &decoded));
  CHECK(decoded.empty());
}

TEST_CASE("encoding matches the spec encoder byte for byte") {
  const std::vector<std::string> elements = Sample();
  const SpecPayload spec = SpecEncode(elements);
  std::string out = "prefix";
  const uint32_t crc = EncodeVariantTensor(elements, &out);
  CHECK(out == "prefix" + spec.bytes);
  CHECK(crc == spec.masked_entry_crc);
  CHECK(VariantPayloadSize(elements) == spec.bytes.size());
  std::vector<std::string> decoded;
  CKPT_REQUIRE_OK(
      DecodeVariantTensor(spec.bytes, 3, spec.masked_entry_crc, &decoded));
  CHECK(decoded == elements);
}

TEST_CASE("the streaming helpers build the same payload") {
  const std::vector<std::string> elements = Sample();
  std::string out;
  uint32_t crc = 0;
  for (const std::string& e : elements) {
    crc = PutVariantLength(crc, e.size(), &out);
    out += e;
    crc = crc32c::Extend(crc, e.data(), e.size());
    crc = PutVariantChecksum(crc, &out);
  }
  const SpecPayload spec = SpecEncode(elements);
  CHECK(out == spec.bytes);
  CHECK(crc32c::Mask(crc) == spec.masked_entry_crc);
}

TEST_CASE("random elements round trip (fixed seed)") {
  std::mt19937_64 rng(20260419);
  for (int round = 0; round < 50; ++round) {
    std::vector<std::string> elements(rng() % 7);
    for (std::string& e : elements) {
      // Long enough now and then for a 2- or 3-byte length varint.
      const size_t meta = rng() % 4 == 0 ? 20000 + rng() % 50000 : rng() % 40;
      std::string metadata(meta, '\0');
      for (char& c : metadata) c = static_cast<char>(rng());
      e = Proto("t" + std::to_string(rng() % 100), metadata,
                static_cast<int>(rng() % 3));
    }
    const SpecPayload spec = SpecEncode(elements);
    std::string out;
    REQUIRE(EncodeVariantTensor(elements, &out) == spec.masked_entry_crc);
    REQUIRE(out == spec.bytes);
    std::vector<std::string> decoded;
    CKPT_REQUIRE_OK(DecodeVariantTensor(out,
                                        static_cast<int64_t>(elements.size()),
                                        spec.masked_entry_crc, &decoded));
    REQUIRE(decoded == elements);
    CKPT_REQUIRE_OK(DecodeVariantTensor(out,
                                        static_cast<int64_t>(elements.size()),
                                        spec.masked_entry_crc, nullptr));
  }
}

// ---- the element parser ----

TEST_CASE("ParseVariantElement reads type_name, metadata size, tensors") {
  absl::StatusOr<VariantElementInfo> info =
      ParseVariantElement(Proto("tensorflow::Iterator", "12345", 3));
  CKPT_REQUIRE_OK(info);
  CHECK(info->type_name == "tensorflow::Iterator");
  CHECK(info->metadata_bytes == 5);
  CHECK(info->num_tensors == 3);

  info = ParseVariantElement("");
  CKPT_REQUIRE_OK(info);
  CHECK(info->type_name.empty());
  CHECK(info->num_tensors == 0);

  // Unknown fields of every wire type are skipped.
  std::string unknown = Proto("x", "", 0);
  unknown += std::string("\x20\x05", 2);                    // 4: varint
  unknown += std::string("\x29", 1) + std::string(8, 'a');  // 5: fixed64
  unknown += std::string("\x35", 1) + std::string(4, 'b');  // 6: fixed32
  info = ParseVariantElement(unknown);
  CKPT_REQUIRE_OK(info);
  CHECK(info->type_name == "x");
}

TEST_CASE("ParseVariantElement rejects malformed wire format") {
  CKPT_REQUIRE_ERROR(ParseVariantElement(std::string("\x0a\x05"
                                                     "abc",
                                                     5)),
                     StatusCode::kDataLoss, "past the end");
  CKPT_REQUIRE_ERROR(ParseVariantElement(std::string("\x0b", 1)),
                     StatusCode::kDataLoss, "unsupported wire type 3");
  CKPT_REQUIRE_ERROR(ParseVariantElement(std::string("\x02\x00", 2)),
                     StatusCode::kDataLoss, "field number 0");
  CKPT_REQUIRE_ERROR(ParseVariantElement(std::string("\x80", 1)),
                     StatusCode::kDataLoss, "malformed field tag");
}

// ---- corruption: one case each ----

TEST_CASE("bad element length varint is DataLoss") {
  // Eleven continuation bytes: longer than any varint64.
  const std::string payload(11 + 4, '\xff');
  CKPT_REQUIRE_ERROR(DecodeVariantTensor(payload, 1, 0, nullptr),
                     StatusCode::kDataLoss,
                     "element 0: malformed length varint at byte 0");
}

TEST_CASE("an element length past the payload is DataLoss") {
  SpecPayload spec = SpecEncode({Proto("a", "xyz", 0)});
  spec.bytes[0] = 0x7f;  // claims 127 bytes
  CKPT_REQUIRE_ERROR(
      DecodeVariantTensor(spec.bytes, 1, spec.masked_entry_crc, nullptr),
      StatusCode::kDataLoss,
      "element 0: length 127 plus its 4-byte checksum is more than");
}

TEST_CASE("a truncated element is DataLoss") {
  const SpecPayload spec = SpecEncode(Sample());
  const std::string cut = spec.bytes.substr(0, spec.bytes.size() - 3);
  CKPT_REQUIRE_ERROR(
      DecodeVariantTensor(cut, 3, spec.masked_entry_crc, nullptr),
      StatusCode::kDataLoss, "element 2: length");
}

TEST_CASE("a bad element checksum is DataLoss naming the element") {
  const std::vector<std::string> elements = Sample();
  SpecPayload spec = SpecEncode(elements);
  // Flip a byte inside element 1's stored checksum (element 0 is 1 + n + 4
  // bytes, element 1 is empty: 1 varint byte then its checksum).
  const size_t at = 1 + elements[0].size() + 4 + 1;
  spec.bytes[at] = static_cast<char>(spec.bytes[at] ^ 0x01);
  CKPT_REQUIRE_ERROR(
      DecodeVariantTensor(spec.bytes, 3, spec.masked_entry_crc, nullptr),
      StatusCode::kDataLoss, "element 1: checksum mismatch (stored 0x");
}

TEST_CASE("damaged element bytes fail that element's checksum") {
  SpecPayload spec = SpecEncode(Sample());
  spec.bytes[3] = static_cast<char>(spec.bytes[3] ^ 0x20);
  CKPT_REQUIRE_ERROR(
      DecodeVariantTensor(spec.bytes, 3, spec.masked_entry_crc, nullptr),
      StatusCode::kDataLoss, "element 0: checksum mismatch");
}

TEST_CASE("a bad entry checksum is DataLoss") {
  const SpecPayload spec = SpecEncode(Sample());
  CKPT_REQUIRE_ERROR(
      DecodeVariantTensor(spec.bytes, 3, spec.masked_entry_crc ^ 1, nullptr),
      StatusCode::kDataLoss, "entry checksum mismatch (stored 0x");
}

TEST_CASE("trailing bytes after the last element are DataLoss") {
  const SpecPayload spec = SpecEncode(Sample());
  CKPT_REQUIRE_ERROR(
      DecodeVariantTensor(spec.bytes + "zz", 3, spec.masked_entry_crc, nullptr),
      StatusCode::kDataLoss, "2 trailing bytes after the 3 elements");
}

TEST_CASE("element count mismatches are DataLoss") {
  const SpecPayload spec = SpecEncode(Sample());
  // Fewer elements declared than stored: the rest is trailing.
  CKPT_REQUIRE_ERROR(
      DecodeVariantTensor(spec.bytes, 2, spec.masked_entry_crc, nullptr),
      StatusCode::kDataLoss, "trailing bytes after the 2 elements");
  // More declared than stored, still plausible for the size.
  CKPT_REQUIRE_ERROR(
      DecodeVariantTensor(spec.bytes, 4, spec.masked_entry_crc, nullptr),
      StatusCode::kDataLoss, "payload ends after 3 of 4 elements");
  const SpecPayload small = SpecEncode({"", "", ""});  // 15 bytes
  CKPT_REQUIRE_OK(
      DecodeVariantTensor(small.bytes, 3, small.masked_entry_crc, nullptr));
  // More than the payload can hold: refused before allocating.
  testing::AllocationScope scope;
  CKPT_REQUIRE_ERROR(DecodeVariantTensor(small.bytes, int64_t{1} << 40,
                                         small.masked_entry_crc, nullptr),
                     StatusCode::kDataLoss,
                     "1099511627776 elements cannot fit in 15 bytes");
  CHECK(scope.peak_bytes() < (1 << 16));
  CKPT_REQUIRE_ERROR(DecodeVariantTensor(small.bytes, -1, 0, nullptr),
                     StatusCode::kDataLoss, "negative element count");
}

TEST_CASE("an element that is not a VariantTensorDataProto is DataLoss") {
  const SpecPayload spec = SpecEncode({std::string("\x0b", 1)});
  CKPT_REQUIRE_ERROR(
      DecodeVariantTensor(spec.bytes, 1, spec.masked_entry_crc, nullptr),
      StatusCode::kDataLoss,
      "element 0: not a valid VariantTensorDataProto: unsupported wire type");
}

TEST_CASE("the output is untouched on failure") {
  const SpecPayload spec = SpecEncode(Sample());
  std::vector<std::string> out = {"keep"};
  CHECK_FALSE(
      DecodeVariantTensor(spec.bytes, 3, spec.masked_entry_crc ^ 1, &out).ok());
  CHECK(out == std::vector<std::string>{"keep"});
}

}  // namespace
}  // namespace ckpt::bundle
