// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// String codec: the examples of docs/format.md §7, round trips of random
// (binary, long, empty) strings, and every malformed-payload case rejected
// as DataLoss without allocating for claimed sizes.

#include "bundle/string_codec.h"

#include <cctype>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "ckpt/crc32c.h"
#include "testing/test_util.h"

namespace ckpt::bundle {
namespace {

using absl::StatusCode;

using ::ckpt::testing::FromHex;

struct Encoded {
  std::string payload;
  uint32_t masked_crc;
};

Encoded Encode(const std::vector<std::string>& values) {
  Encoded e;
  e.masked_crc = EncodeStringTensor(values, &e.payload);
  REQUIRE(e.payload.size() == StringPayloadSize(values));
  return e;
}

// The masked entry CRC computed straight from the spec's formula.
uint32_t SpecCrc(const std::vector<std::string>& values) {
  std::string lens;
  for (const std::string& s : values) {
    const uint32_t n = static_cast<uint32_t>(s.size());
    lens.append(reinterpret_cast<const char*>(&n), 4);
  }
  const uint32_t l = crc32c::Value(lens.data(), lens.size());
  const uint32_t masked_l = crc32c::Mask(l);
  std::string all = lens;
  all.append(reinterpret_cast<const char*>(&masked_l), 4);
  for (const std::string& s : values) all += s;
  return crc32c::Mask(crc32c::Value(all.data(), all.size()));
}

// ---- spec vectors ----

TEST_CASE("zero elements: d8 ea 82 a2 with entry crc 0x640CC1F6") {
  Encoded e = Encode({});
  CHECK(e.payload == FromHex("d8 ea 82 a2"));
  CHECK(e.masked_crc == 0x640CC1F6u);
  std::vector<std::string> out = {"stale"};
  CKPT_REQUIRE_OK(DecodeStringTensor(e.payload, 0, e.masked_crc, &out));
  CHECK(out.empty());
}

TEST_CASE("single empty string: 00 a6 7b 11 3a") {
  Encoded e = Encode({""});
  CHECK(e.payload == FromHex("00 a6 7b 11 3a"));
  CHECK(e.masked_crc == SpecCrc({""}));
  std::vector<std::string> out;
  CKPT_REQUIRE_OK(DecodeStringTensor(e.payload, 1, e.masked_crc, &out));
  CHECK(out == std::vector<std::string>{""});
}

TEST_CASE("ab and c: 02 01 03 71 7c 67 61 62 63") {
  Encoded e = Encode({"ab", "c"});
  CHECK(e.payload == FromHex("02 01 03 71 7c 67 61 62 63"));
  CHECK(e.masked_crc == SpecCrc({"ab", "c"}));
  std::vector<std::string> out;
  CKPT_REQUIRE_OK(DecodeStringTensor(e.payload, 2, e.masked_crc, &out));
  CHECK(out == std::vector<std::string>{"ab", "c"});
}

TEST_CASE("golf object graph prefix: d4 18 e8 98 e6 be for 3156 bytes") {
  std::string prefix;
  const std::vector<std::string> values = {std::string(3156, 'x')};
  EncodeStringPrefix(values, &prefix);
  CHECK(prefix == FromHex("d4 18 e8 98 e6 be"));
}

TEST_CASE("streaming prefix + Extend equals the one-shot encoding") {
  const std::vector<std::string> values = {"hello", "", std::string(300, 'z')};
  std::string payload;
  uint32_t crc = EncodeStringPrefix(values, &payload);
  for (const std::string& s : values) {
    payload += s;
    crc = crc32c::Extend(crc, s.data(), s.size());
  }
  Encoded e = Encode(values);
  CHECK(payload == e.payload);
  CHECK(crc32c::Mask(crc) == e.masked_crc);
  CHECK(e.masked_crc == SpecCrc(values));
}

TEST_CASE("random binary strings round-trip (fixed seed)") {
  std::mt19937_64 rng(12345);
  for (int iter = 0; iter < 50; ++iter) {
    const size_t n = rng() % 40;
    std::vector<std::string> values;
    for (size_t i = 0; i < n; ++i) {
      const size_t len = (rng() % 4 == 0) ? rng() % 20000 : rng() % 8;
      std::string s(len, '\0');
      for (char& c : s) c = static_cast<char>(rng());
      values.push_back(std::move(s));
    }
    Encoded e = Encode(values);
    CHECK(e.masked_crc == SpecCrc(values));
    std::vector<std::string> out;
    CKPT_REQUIRE_OK(DecodeStringTensor(e.payload, static_cast<int64_t>(n),
                                       e.masked_crc, &out));
    REQUIRE(out == values);
    CKPT_REQUIRE_OK(DecodeStringTensor(e.payload, static_cast<int64_t>(n),
                                       e.masked_crc, nullptr));
  }
}

TEST_CASE("a single string is moved out of its payload, verified alike") {
  std::mt19937_64 rng(777);
  for (size_t len : {size_t{0}, size_t{1}, size_t{127}, size_t{128},
                     size_t{20000}, size_t{1} << 20}) {
    INFO("length " << len);
    std::string value(len, '\0');
    for (char& c : value) c = static_cast<char>(rng());
    const Encoded e = Encode({value});
    std::vector<std::string> out;
    CKPT_REQUIRE_OK(
        DecodeStringTensor(std::string(e.payload), 1, e.masked_crc, &out));
    REQUIRE(out == std::vector<std::string>{value});
    // Every corruption of the payload fails as the copying decode does,
    // with `out` untouched.
    for (size_t at : {size_t{0}, e.payload.size() / 2, e.payload.size() - 1}) {
      std::string damaged = e.payload;
      damaged[at] ^= 0x10;
      const absl::Status copied = DecodeStringTensor(absl::string_view(damaged),
                                                     1, e.masked_crc, nullptr);
      std::vector<std::string> kept = {"untouched"};
      const absl::Status moved =
          DecodeStringTensor(std::move(damaged), 1, e.masked_crc, &kept);
      CHECK(!moved.ok());
      CHECK(moved == copied);
      CHECK(kept == std::vector<std::string>{"untouched"});
    }
  }
}

// ---- malformed payloads ----

TEST_CASE("malformed: a million elements claimed in 10 bytes") {
  // Crafted input: refused with well under 1 MiB allocated.
  testing::AllocationScope allocation_scope;
  std::vector<std::string> out;
  CKPT_REQUIRE_ERROR(
      DecodeStringTensor(std::string(10, '\0'), 1000000, 0, &out),
      StatusCode::kDataLoss, "1000000 elements cannot fit in 10 bytes");
  CHECK(out.empty());
  CHECK(allocation_scope.peak_bytes() < (int64_t{1} << 20));
}

TEST_CASE("malformed: element of length 2^60 fails fast") {
  // Crafted input: refused with well under 1 MiB allocated.
  testing::AllocationScope allocation_scope;
  std::string payload;
  const uint64_t huge = uint64_t{1} << 60;
  uint64_t v = huge;
  while (v >= 0x80) {
    payload.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  payload.push_back(static_cast<char>(v));
  payload += std::string(8, '\0');
  CKPT_REQUIRE_ERROR(DecodeStringTensor(payload, 1, 0, nullptr),
                     StatusCode::kDataLoss, "length 1152921504606846976");
  CHECK(allocation_scope.peak_bytes() < (int64_t{1} << 20));
}

TEST_CASE("malformed: lengths whose sum exceeds the payload") {
  // Two lengths of 5 each: each fits alone, their sum does not.
  const std::string payload = FromHex("05 05 00 00 00 00 61 62 63 64 65");
  CKPT_REQUIRE_ERROR(DecodeStringTensor(payload, 2, 0, nullptr),
                     StatusCode::kDataLoss, "element 1 has length 5");
}

TEST_CASE("malformed: truncated length varint") {
  CKPT_REQUIRE_ERROR(
      DecodeStringTensor(FromHex("80 80 80 80 80"), 1, 0, nullptr),
      StatusCode::kDataLoss, "malformed length varint of element 0");
}

TEST_CASE("malformed: over-long length varint") {
  CKPT_REQUIRE_ERROR(
      DecodeStringTensor(std::string(11, '\xff') + std::string(4, '\0'), 1, 0,
                         nullptr),
      StatusCode::kDataLoss, "malformed length varint");
}

TEST_CASE("malformed: payload shorter than the checksum") {
  CKPT_REQUIRE_ERROR(DecodeStringTensor(FromHex("d8 ea 82"), 0, 0, nullptr),
                     StatusCode::kDataLoss, "cannot fit in 3 bytes");
}

TEST_CASE("malformed: payload ends inside the length checksum") {
  // Two zero lengths (the first as a non-canonical 2-byte varint) leave
  // only 3 bytes for the 4-byte checksum.
  CKPT_REQUIRE_ERROR(
      DecodeStringTensor(FromHex("80 00 00 d8 ea 82"), 2, 0, nullptr),
      StatusCode::kDataLoss, "before the length checksum");
}

TEST_CASE("malformed: length checksum mismatch") {
  Encoded e = Encode({"ab", "c"});
  e.payload[3] ^= 0x01;
  CKPT_REQUIRE_ERROR(DecodeStringTensor(e.payload, 2, e.masked_crc, nullptr),
                     StatusCode::kDataLoss, "length checksum mismatch");
}

TEST_CASE("malformed: string bytes corrupted (entry checksum mismatch)") {
  Encoded e = Encode({"ab", "c"});
  e.payload.back() ^= 0x20;
  std::vector<std::string> out;
  CKPT_REQUIRE_ERROR(DecodeStringTensor(e.payload, 2, e.masked_crc, &out),
                     StatusCode::kDataLoss, "string tensor: checksum mismatch");
  CHECK(out.empty());
}

TEST_CASE("malformed: wrong entry checksum") {
  Encoded e = Encode({"ab", "c"});
  CKPT_REQUIRE_ERROR(
      DecodeStringTensor(e.payload, 2, e.masked_crc + 1, nullptr),
      StatusCode::kDataLoss, "checksum mismatch");
}

TEST_CASE("malformed: trailing bytes after the strings") {
  Encoded e = Encode({"ab", "c"});
  e.payload += "x";
  CKPT_REQUIRE_ERROR(DecodeStringTensor(e.payload, 2, e.masked_crc, nullptr),
                     StatusCode::kDataLoss, "lengths sum to 3 bytes but 4");
}

TEST_CASE("malformed: fewer elements than the payload holds") {
  Encoded e = Encode({"ab", "c"});
  // Read as one element: the second varint becomes part of the checksum.
  CKPT_REQUIRE_ERROR(DecodeStringTensor(e.payload, 1, e.masked_crc, nullptr),
                     StatusCode::kDataLoss, "checksum");
}

TEST_CASE("malformed: negative element count") {
  CKPT_REQUIRE_ERROR(DecodeStringTensor(FromHex("d8 ea 82 a2"), -1, 0, nullptr),
                     StatusCode::kDataLoss, "negative element count -1");
}

}  // namespace
}  // namespace ckpt::bundle
