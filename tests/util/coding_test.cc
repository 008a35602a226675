// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
#include "util/coding.h"

#include <random>
#include <string>
#include <vector>

#include "testing/test_util.h"

namespace ckpt {
namespace {

TEST_CASE("Fixed32 and Fixed64 are little-endian") {
  std::string s;
  PutFixed32(&s, 0x04030201u);
  PutFixed64(&s, 0x0807060504030201ull);
  REQUIRE(s == std::string("\x01\x02\x03\x04\x01\x02\x03\x04\x05\x06\x07\x08", 12));
  REQUIRE(DecodeFixed32(s.data()) == 0x04030201u);
  REQUIRE(DecodeFixed64(s.data() + 4) == 0x0807060504030201ull);
}

TEST_CASE("Varint64 round trips at every bit boundary") {
  std::vector<uint64_t> values = {0, 1, 127, 128, 16383, 16384, ~0ull};
  for (int shift = 0; shift < 64; ++shift) {
    values.push_back(uint64_t{1} << shift);
    values.push_back((uint64_t{1} << shift) - 1);
  }
  std::string s;
  for (uint64_t v : values) PutVarint64(&s, v);
  absl::string_view in = s;
  for (uint64_t v : values) {
    uint64_t got = 0;
    REQUIRE(GetVarint64(&in, &got));
    REQUIRE(got == v);
  }
  REQUIRE(in.empty());
  for (uint64_t v : values) {
    std::string one;
    PutVarint64(&one, v);
    REQUIRE(static_cast<int>(one.size()) == VarintLength(v));
  }
}

TEST_CASE("Varint32 rejects values wider than 32 bits") {
  std::string s;
  PutVarint64(&s, uint64_t{1} << 32);
  absl::string_view in = s;
  uint32_t v = 0;
  REQUIRE_FALSE(GetVarint32(&in, &v));
  std::string ok;
  PutVarint32(&ok, 0xffffffffu);
  in = ok;
  REQUIRE(GetVarint32(&in, &v));
  REQUIRE(v == 0xffffffffu);
}

TEST_CASE("Truncated varints are rejected without reading past the end") {
  std::string s;
  PutVarint64(&s, ~0ull);
  for (size_t len = 0; len < s.size(); ++len) {
    absl::string_view in(s.data(), len);
    uint64_t v = 0;
    REQUIRE_FALSE(GetVarint64(&in, &v));
  }
}

TEST_CASE("Overlong varints are rejected") {
  // Eleven continuation bytes: longer than any 64-bit varint.
  const std::string s(11, '\x80');
  absl::string_view in = s;
  uint64_t v = 0;
  REQUIRE_FALSE(GetVarint64(&in, &v));
  // Ten bytes whose last carries bits above 2^64.
  std::string wide(9, '\xff');
  wide.push_back('\x7f');
  in = wide;
  REQUIRE_FALSE(GetVarint64(&in, &v));
}

TEST_CASE("Random varint streams decode as encoded") {
  std::mt19937_64 rng(1234);
  std::vector<uint64_t> values;
  std::string s;
  for (int i = 0; i < 10000; ++i) {
    const uint64_t v = rng() >> (rng() % 64);
    values.push_back(v);
    PutVarint64(&s, v);
  }
  absl::string_view in = s;
  for (uint64_t v : values) {
    uint64_t got = 0;
    REQUIRE(GetVarint64(&in, &got));
    REQUIRE(got == v);
  }
}

}  // namespace
}  // namespace ckpt
