// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: ckpt/crc32c.h
// -----------------------------------------------------------------------------
//
// CRC-32C (Castagnoli; reflected polynomial 0x82F63B78, initial value and
// final xor 0xFFFFFFFF), the checksum of every TensorBundle block and tensor.
// Value("123456789") == 0xE3069283.
//
// The implementation is chosen once at run time: SSE4.2 `crc32` instructions
// over three interleaved streams when the CPU has them, otherwise a portable
// slicing-by-8 table implementation. Both give identical results.
//
// Masking: checksums stored in files are Mask()ed, as LevelDB and TensorFlow
// do, so that a CRC computed over bytes that themselves contain CRCs is not
// degenerate.
//
// Example:
//
//   uint32_t crc = ckpt::crc32c::Value(data.data(), data.size());
//   crc = ckpt::crc32c::Extend(crc, more.data(), more.size());
//   uint32_t stored = ckpt::crc32c::Mask(crc);

#ifndef CKPT_CRC32C_H_
#define CKPT_CRC32C_H_

#include <cstddef>
#include <cstdint>

namespace ckpt {
namespace crc32c {

// Returns the CRC-32C of concat(A, data[0, n)) where `init_crc` is the CRC-32C
// of A. Extend(0, ...) starts a new checksum.
uint32_t Extend(uint32_t init_crc, const char* data, size_t n);

// CRC-32C of data[0, n).
inline uint32_t Value(const char* data, size_t n) { return Extend(0, data, n); }

// CRC-32C of concat(A, B) given crc_a = CRC(A), crc_b = CRC(B) and the length
// of B, in O(log len_b). Lets parallel writers checksum pieces independently.
uint32_t Combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b);

inline constexpr uint32_t kMaskDelta = 0xa282ead8u;

// Rotate right by 15 bits and add a constant.
inline constexpr uint32_t Mask(uint32_t crc) {
  return ((crc >> 15) | (crc << 17)) + kMaskDelta;
}
// Inverse of Mask.
inline constexpr uint32_t Unmask(uint32_t masked) {
  uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

// True when Extend uses the SSE4.2 instructions.
bool IsHardwareAccelerated();

// The portable implementation, always available (tests, benchmarks).
uint32_t ExtendPortable(uint32_t init_crc, const char* data, size_t n);

}  // namespace crc32c
}  // namespace ckpt

#endif  // CKPT_CRC32C_H_
