// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// CRC-32C (Castagnoli): the portable slicing-by-8 implementation, the GF(2)
// arithmetic behind Combine(), and the one-time choice between the portable
// code and the SSE4.2 code in crc32c_sse42.cc.
//
// Representation: CRCs are "reflected" (bit 31 of a uint32_t holds the
// coefficient of x^0 and bit 0 that of x^31), so the polynomial
// x^32 + ... + 1 (0x1EDC6F41) appears as 0x82F63B78.

#include "ckpt/crc32c.h"
#include "util/crc32c_internal.h"

#include <array>
#include <cstddef>
#include <cstdint>

namespace ckpt {
namespace crc32c {
namespace {

constexpr uint32_t kPoly = 0x82F63B78u;  // reflected Castagnoli polynomial

// ---- slicing-by-8 tables, built at compile time ----

using Table = std::array<std::array<uint32_t, 256>, 8>;

// kTable[0][b] is the raw CRC (no pre/post inversion) of the single byte b;
// kTable[k][b] is that of b followed by k zero bytes.
constexpr Table MakeTable() {
  Table t{};
  for (uint32_t b = 0; b < 256; ++b) {
    uint32_t crc = b;
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 1u) ? (crc >> 1) ^ kPoly : crc >> 1;
    }
    t[0][b] = crc;
  }
  for (size_t k = 1; k < 8; ++k) {
    for (size_t b = 0; b < 256; ++b) {
      const uint32_t prev = t[k - 1][b];
      t[k][b] = (prev >> 8) ^ t[0][prev & 0xffu];
    }
  }
  return t;
}

constexpr Table kTable = MakeTable();

// Little-endian load, independent of host byte order and alignment.
inline uint32_t LoadLE32(const unsigned char* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) |
         (static_cast<uint32_t>(p[3]) << 24);
}

// Advances a raw CRC state over one byte.
inline uint32_t StepByte(uint32_t crc, unsigned char byte) {
  return (crc >> 8) ^ kTable[0][(crc ^ byte) & 0xffu];
}

// ---- GF(2)[x] / P arithmetic for Combine() ----

// a(x) * b(x) mod P in the reflected representation.
constexpr uint32_t MultModP(uint32_t a, uint32_t b) {
  uint32_t product = 0;
  for (int i = 0; i < 32; ++i) {
    if (a & (0x80000000u >> i)) product ^= b;  // coefficient of x^i in a
    b = (b & 1u) ? (b >> 1) ^ kPoly : b >> 1;  // b *= x
  }
  return product;
}

// kPowers[k] = x^(2^k) mod P for k in [0, 67): enough for x^(8 * len) with
// any 64-bit len, without relying on the multiplicative order of x.
constexpr int kNumPowers = 67;
constexpr std::array<uint32_t, kNumPowers> MakePowers() {
  std::array<uint32_t, kNumPowers> p{};
  p[0] = 0x40000000u;  // x^1
  for (int k = 1; k < kNumPowers; ++k) p[k] = MultModP(p[k - 1], p[k - 1]);
  return p;
}
constexpr std::array<uint32_t, kNumPowers> kPowers = MakePowers();

// x^(8 * len_bytes) mod P: the operator that appends len_bytes zero bytes to
// a raw CRC state. O(log len_bytes) multiplications.
uint32_t ZerosOperator(uint64_t len_bytes) {
  uint32_t result = 0x80000000u;  // x^0
  for (int k = 3; len_bytes != 0; ++k, len_bytes >>= 1) {
    if (len_bytes & 1u) result = MultModP(kPowers[k], result);
  }
  return result;
}

// ---- dispatch ----

using ExtendFn = uint32_t (*)(uint32_t, const char*, size_t);

bool CpuHasSse42() {
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2");
#else
  return false;
#endif
}

bool UseHardware() {
  static const bool use = internal::Sse42Compiled() && CpuHasSse42();
  return use;
}

}  // namespace

uint32_t ExtendPortable(uint32_t init_crc, const char* data, size_t n) {
  const auto* p = reinterpret_cast<const unsigned char*>(data);
  uint32_t crc = ~init_crc;
  for (; n >= 8; p += 8, n -= 8) {
    const uint32_t lo = LoadLE32(p) ^ crc;
    const uint32_t hi = LoadLE32(p + 4);
    crc = kTable[7][lo & 0xffu] ^ kTable[6][(lo >> 8) & 0xffu] ^
          kTable[5][(lo >> 16) & 0xffu] ^ kTable[4][lo >> 24] ^
          kTable[3][hi & 0xffu] ^ kTable[2][(hi >> 8) & 0xffu] ^
          kTable[1][(hi >> 16) & 0xffu] ^ kTable[0][hi >> 24];
  }
  for (; n > 0; ++p, --n) crc = StepByte(crc, *p);
  return ~crc;
}

uint32_t Extend(uint32_t init_crc, const char* data, size_t n) {
  static const ExtendFn impl =
      UseHardware() ? &internal::ExtendSse42 : &ExtendPortable;
  return impl(init_crc, data, n);
}

// With Z the operator that appends len_b zero bytes to a raw CRC state,
// CRC(A || B) = Z(CRC(A)) ^ CRC(B): the raw CRC is linear, and the terms the
// 0xFFFFFFFF pre/post inversions add to the two sides are equal.
uint32_t Combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b) {
  return MultModP(ZerosOperator(len_b), crc_a) ^ crc_b;
}

bool IsHardwareAccelerated() { return UseHardware(); }

}  // namespace crc32c
}  // namespace ckpt
