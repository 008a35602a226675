// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Tests for ckpt/crc32c.h: published check values, LevelDB/TensorFlow
// masking, agreement of the hardware and portable implementations (and of
// both with a bit-at-a-time reference) at every small length and alignment,
// Extend() at split points, and Combine().

#include "ckpt/crc32c.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "testing/test_util.h"

namespace ckpt::crc32c {
namespace {

// The definition: one bit at a time, reflected polynomial 0x82F63B78.
uint32_t ReferenceExtend(uint32_t init_crc, const char* data, size_t n) {
  uint32_t crc = ~init_crc;
  for (size_t i = 0; i < n; ++i) {
    crc ^= static_cast<unsigned char>(data[i]);
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 1u) ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
    }
  }
  return ~crc;
}

uint32_t ReferenceValue(const std::string& s) {
  return ReferenceExtend(0, s.data(), s.size());
}

uint32_t ValueOf(const std::string& s) { return Value(s.data(), s.size()); }

// Deterministic pseudo-random bytes (fixed seed, same on every platform).
std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 gen(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(gen() & 0xffu);
  return s;
}

TEST_CASE("Check value of \"123456789\"", "[crc32c]") {
  const std::string s = "123456789";
  CHECK(ValueOf(s) == 0xE3069283u);
  CHECK(ExtendPortable(0, s.data(), s.size()) == 0xE3069283u);
  CHECK(ReferenceValue(s) == 0xE3069283u);
}

TEST_CASE("RFC 3720 B.4 vectors", "[crc32c]") {
  std::string ascending(32, '\0');
  std::string descending(32, '\0');
  for (int i = 0; i < 32; ++i) {
    ascending[static_cast<size_t>(i)] = static_cast<char>(i);
    descending[static_cast<size_t>(i)] = static_cast<char>(31 - i);
  }
  const std::string zeros(32, '\0');
  const std::string ones(32, '\xff');
  CHECK(ValueOf(zeros) == 0x8A9136AAu);
  CHECK(ValueOf(ones) == 0x62A8AB43u);
  CHECK(ValueOf(ascending) == 0x46DD794Eu);
  CHECK(ValueOf(descending) == 0x113FDB5Cu);
  for (const std::string* s : std::vector<const std::string*>{
           &zeros, &ones, &ascending, &descending}) {
    CHECK(ExtendPortable(0, s->data(), s->size()) == ValueOf(*s));
  }
}

TEST_CASE("Empty input", "[crc32c]") {
  CHECK(Value(nullptr, 0) == 0u);
  CHECK(ExtendPortable(0, nullptr, 0) == 0u);
  CHECK(Extend(0x12345678u, nullptr, 0) == 0x12345678u);
  CHECK(ExtendPortable(0x12345678u, nullptr, 0) == 0x12345678u);
}

TEST_CASE("Mask constants from the format", "[crc32c]") {
  STATIC_REQUIRE(Mask(0) == 0xA282EAD8u);
  STATIC_REQUIRE(Unmask(0xA282EAD8u) == 0u);
  // An empty LevelDB block (restart offset 0, one restart) + type byte 0.
  const std::string empty_block("\x00\x00\x00\x00\x01\x00\x00\x00\x00", 9);
  CHECK(Mask(ValueOf(empty_block)) == 0xB0A1F2C0u);
}

TEST_CASE("Mask and Unmask are inverse", "[crc32c]") {
  std::mt19937 gen(7);
  std::vector<uint32_t> values = {0u,          1u,          0x7fffffffu,
                                  0x80000000u, 0xffffffffu, 0xE3069283u};
  for (int i = 0; i < 1000; ++i) values.push_back(gen());
  for (uint32_t v : values) {
    INFO("value " << v);
    CHECK(Unmask(Mask(v)) == v);
    CHECK(Mask(Unmask(v)) == v);
    CHECK(Mask(v) != v);
    CHECK(Mask(Mask(v)) != Mask(v));
  }
}

TEST_CASE("Portable matches the bitwise reference", "[crc32c]") {
  const std::string data = RandomBytes(600, 1);
  for (size_t len = 0; len <= 300; ++len) {
    for (size_t offset = 0; offset < 8; ++offset) {
      INFO("len " << len << " offset " << offset);
      const char* p = data.data() + offset;
      REQUIRE(ExtendPortable(0, p, len) == ReferenceExtend(0, p, len));
      REQUIRE(ExtendPortable(0xdeadbeefu, p, len) ==
              ReferenceExtend(0xdeadbeefu, p, len));
    }
  }
}

TEST_CASE("Hardware is used when the CPU has SSE4.2", "[crc32c]") {
#if defined(__x86_64__) && defined(__GNUC__)
  __builtin_cpu_init();
  CHECK(IsHardwareAccelerated() == (__builtin_cpu_supports("sse4.2") != 0));
#else
  CHECK_FALSE(IsHardwareAccelerated());
#endif
}

TEST_CASE("Extend equals portable at every length and alignment", "[crc32c]") {
  if (!IsHardwareAccelerated()) {
    WARN("no SSE4.2: Extend is the portable code; comparing anyway");
  }
  constexpr size_t kMaxLen = 2048;
  constexpr size_t kMaxAlign = 16;
  const std::string data = RandomBytes(kMaxLen + kMaxAlign, 2);
  for (size_t align = 0; align < kMaxAlign; ++align) {
    const char* p = data.data() + align;
    for (size_t len = 0; len <= kMaxLen; ++len) {
      const uint32_t init = static_cast<uint32_t>(len * 2654435761u);
      const uint32_t hw = Extend(init, p, len);
      const uint32_t sw = ExtendPortable(init, p, len);
      if (hw != sw) {
        INFO("align " << align << " len " << len);
        REQUIRE(hw == sw);
      }
    }
  }
}

TEST_CASE("Extend equals portable and reference on large buffers", "[crc32c]") {
  const std::string data = RandomBytes((1u << 20) + 3 * 8192 + 64, 3);
  const std::vector<size_t> lengths = {
      3 * 256 - 1,        3 * 256,           3 * 256 + 1,
      3 * 8192 - 1,       3 * 8192,          3 * 8192 + 7,
      6 * 8192 + 3 * 256, (1u << 20),        (1u << 20) + 1,
      (1u << 20) + 13,    (1u << 20) + 4099, (1u << 20) + 3 * 8192 + 5};
  for (size_t len : lengths) {
    for (size_t align : {0u, 1u, 5u}) {
      INFO("len " << len << " align " << align);
      const char* p = data.data() + align;
      const uint32_t sw = ExtendPortable(0, p, len);
      CHECK(Extend(0, p, len) == sw);
      if (align == 0) CHECK(ReferenceExtend(0, p, len) == sw);
    }
  }
}

TEST_CASE("Extend at split points equals Value of the whole", "[crc32c]") {
  const std::string data = RandomBytes(100000, 4);
  std::mt19937 gen(5);
  for (int i = 0; i < 200; ++i) {
    const size_t total = gen() % data.size();
    const size_t split = total == 0 ? 0 : gen() % (total + 1);
    INFO("total " << total << " split " << split);
    const uint32_t whole = Value(data.data(), total);
    const uint32_t a = Value(data.data(), split);
    CHECK(Extend(a, data.data() + split, total - split) == whole);
    CHECK(ExtendPortable(ExtendPortable(0, data.data(), split),
                         data.data() + split, total - split) == whole);
  }
}

TEST_CASE("Combine equals the CRC of the concatenation", "[crc32c]") {
  const std::string data = RandomBytes(200000, 6);
  std::mt19937 gen(8);
  std::vector<std::pair<size_t, size_t>> cases = {
      {0, 0}, {0, 1}, {1, 0}, {5, 0}, {0, 5}, {1, 1}, {9, 100000}};
  for (int i = 0; i < 100; ++i) {
    const size_t len_a = gen() % 100000;
    const size_t len_b = gen() % 100000;
    cases.emplace_back(len_a, len_b);
  }
  for (const auto& [len_a, len_b] : cases) {
    INFO("len_a " << len_a << " len_b " << len_b);
    const char* a = data.data();
    const char* b = data.data() + len_a;
    CHECK(Combine(Value(a, len_a), Value(b, len_b), len_b) ==
          Value(a, len_a + len_b));
  }
}

TEST_CASE("Combine with an empty second part is the identity", "[crc32c]") {
  for (uint32_t crc : {0u, 1u, 0xE3069283u, 0xffffffffu}) {
    CHECK(Combine(crc, 0, 0) == crc);
  }
  CHECK(Combine(0, 0, 0) == 0u);
}

// Lengths beyond memory: zeros of length 2^k built by doubling, then checked
// against a different split of the same total (exercises every power used
// by Combine, up to 2^60 bytes).
TEST_CASE("Combine is consistent for very large lengths", "[crc32c]") {
  constexpr int kMaxLog = 60;
  std::vector<uint32_t> zeros_crc(kMaxLog + 1);  // CRC of 2^k zero bytes
  const char zero = '\0';
  zeros_crc[0] = Value(&zero, 1);
  for (int k = 1; k <= kMaxLog; ++k) {
    zeros_crc[static_cast<size_t>(k)] =
        Combine(zeros_crc[static_cast<size_t>(k - 1)],
                zeros_crc[static_cast<size_t>(k - 1)], uint64_t{1} << (k - 1));
  }
  // Small k can be checked directly.
  for (int k = 0; k <= 16; ++k) {
    const std::string z(size_t{1} << k, '\0');
    CHECK(zeros_crc[static_cast<size_t>(k)] == ValueOf(z));
  }
  const uint32_t crc_a = ValueOf("prefix");
  for (int k = 1; k <= kMaxLog; ++k) {
    INFO("k " << k);
    const uint64_t n = uint64_t{1} << k;
    // (A || 0^(n-1)) || 0^1  vs  A || 0^n, with 0^(n-1) built from the binary
    // expansion of n - 1: the two sides use disjoint powers of x.
    uint32_t prefix_zeros = 0;  // becomes the CRC of n - 1 zeros
    uint64_t built = 0;
    for (int j = k - 1; j >= 0; --j) {
      prefix_zeros = Combine(prefix_zeros, zeros_crc[static_cast<size_t>(j)],
                             uint64_t{1} << j);
      built += uint64_t{1} << j;
    }
    REQUIRE(built == n - 1);
    const uint32_t left =
        Combine(Combine(crc_a, prefix_zeros, n - 1), zeros_crc[0], 1);
    const uint32_t right = Combine(crc_a, zeros_crc[static_cast<size_t>(k)], n);
    CHECK(left == right);
  }
}

TEST_CASE("Combine is associative", "[crc32c]") {
  const std::string data = RandomBytes(3000, 9);
  const uint32_t a = Value(data.data(), 1000);
  const uint32_t b = Value(data.data() + 1000, 1200);
  const uint32_t c = Value(data.data() + 2200, 800);
  CHECK(Combine(Combine(a, b, 1200), c, 800) ==
        Combine(a, Combine(b, c, 800), 2000));
  CHECK(Combine(Combine(a, b, 1200), c, 800) == ValueOf(data));
}

}  // namespace
}  // namespace ckpt::crc32c
