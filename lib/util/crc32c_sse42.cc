// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// CRC-32C with the SSE4.2 `crc32` instruction. This file is compiled with
// -msse4.2 on x86-64 (lib/CMakeLists.txt); crc32c.cc calls ExtendSse42 only
// after checking the CPU at run time. Everything here that runs before that
// check must not use SSE4.2: the shift tables are therefore constexpr data.
//
// Large inputs are split into three interleaved streams so that three
// independent `crc32` instructions are in flight (latency 3, throughput 1):
// for a block A || B || C of 3 x N bytes the raw CRCs of A (continuing the
// running state), B and C (starting from 0) are computed together and then
// combined as Z_N(Z_N(crc_a) ^ crc_b) ^ crc_c, where Z_N appends N zero bytes
// and is applied with four table lookups. Inputs too short for that use a
// serial 8-bytes-at-a-time loop. On other targets the file is a stub.

#include <cstddef>
#include <cstdint>

#include "ckpt/crc32c.h"
#include "util/crc32c_internal.h"

#if defined(__SSE4_2__) && defined(__x86_64__)
#include <nmmintrin.h>

#include <array>
#include <cstring>
#endif

namespace ckpt {
namespace crc32c {
namespace internal {

#if defined(__SSE4_2__) && defined(__x86_64__)

namespace {

constexpr uint32_t kPoly = 0x82F63B78u;  // reflected Castagnoli polynomial

// Stream lengths in bytes: long blocks for big inputs, short blocks for the
// rest; both multiples of 8.
constexpr size_t kLong = 8192;
constexpr size_t kShort = 256;

// a(x) * b(x) mod P, reflected (bit 31 = x^0). Same as in crc32c.cc.
constexpr uint32_t MultModP(uint32_t a, uint32_t b) {
  uint32_t product = 0;
  for (int i = 0; i < 32; ++i) {
    if (a & (0x80000000u >> i)) product ^= b;
    b = (b & 1u) ? (b >> 1) ^ kPoly : b >> 1;
  }
  return product;
}

// x^(8 * len) mod P by square-and-multiply (compile time only).
constexpr uint32_t ZerosOperator(size_t len) {
  uint32_t op = 0x80000000u;      // x^0
  uint32_t square = 0x00800000u;  // x^8, then x^16, x^32, ...
  for (; len != 0; len >>= 1) {
    if (len & 1u) op = MultModP(square, op);
    square = MultModP(square, square);
  }
  return op;
}

// table[k][b] = Z(b << 8k): Z applied to a CRC one byte at a time.
using ShiftTable = std::array<std::array<uint32_t, 256>, 4>;
constexpr ShiftTable MakeShiftTable(size_t len) {
  const uint32_t op = ZerosOperator(len);
  ShiftTable t{};
  for (size_t k = 0; k < 4; ++k) {
    for (uint32_t b = 0; b < 256; ++b) t[k][b] = MultModP(op, b << (8 * k));
  }
  return t;
}

constexpr ShiftTable kLongShift = MakeShiftTable(kLong);
constexpr ShiftTable kShortShift = MakeShiftTable(kShort);

// Appends the table's number of zero bytes to a raw CRC state.
inline uint32_t Shift(const ShiftTable& t, uint32_t crc) {
  return t[0][crc & 0xffu] ^ t[1][(crc >> 8) & 0xffu] ^
         t[2][(crc >> 16) & 0xffu] ^ t[3][crc >> 24];
}

inline uint64_t Load64(const unsigned char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

// Consumes as many 3 x len blocks as fit; returns the updated raw state.
inline uint32_t ThreeStreams(uint32_t crc, const unsigned char** data,
                             size_t* n, size_t len, const ShiftTable& shift) {
  const unsigned char* p = *data;
  while (*n >= 3 * len) {
    uint64_t crc0 = crc;
    uint64_t crc1 = 0;
    uint64_t crc2 = 0;
    const unsigned char* const end = p + len;
    for (; p < end; p += 8) {
      crc0 = _mm_crc32_u64(crc0, Load64(p));
      crc1 = _mm_crc32_u64(crc1, Load64(p + len));
      crc2 = _mm_crc32_u64(crc2, Load64(p + 2 * len));
    }
    crc =
        Shift(shift, static_cast<uint32_t>(crc0)) ^ static_cast<uint32_t>(crc1);
    crc = Shift(shift, crc) ^ static_cast<uint32_t>(crc2);
    p += 2 * len;
    *n -= 3 * len;
  }
  *data = p;
  return crc;
}

}  // namespace

bool Sse42Compiled() { return true; }

uint32_t ExtendSse42(uint32_t init_crc, const char* data, size_t n) {
  const auto* p = reinterpret_cast<const unsigned char*>(data);
  uint32_t crc = ~init_crc;
  // Bytes up to an 8-byte boundary, so the wide loads below are aligned.
  for (; n > 0 && (reinterpret_cast<uintptr_t>(p) & 7u) != 0; ++p, --n) {
    crc = _mm_crc32_u8(crc, *p);
  }
  crc = ThreeStreams(crc, &p, &n, kLong, kLongShift);
  crc = ThreeStreams(crc, &p, &n, kShort, kShortShift);
  uint64_t crc64 = crc;
  for (; n >= 8; p += 8, n -= 8) crc64 = _mm_crc32_u64(crc64, Load64(p));
  crc = static_cast<uint32_t>(crc64);
  for (; n > 0; ++p, --n) crc = _mm_crc32_u8(crc, *p);
  return ~crc;
}

#else  // !(__SSE4_2__ && __x86_64__)

// Portable stub: never selected, since Sse42Compiled() is false.
bool Sse42Compiled() { return false; }

uint32_t ExtendSse42(uint32_t init_crc, const char* data, size_t n) {
  return ExtendPortable(init_crc, data, n);
}

#endif

}  // namespace internal
}  // namespace crc32c
}  // namespace ckpt
