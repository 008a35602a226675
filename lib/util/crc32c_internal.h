// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// The hook between the dispatching CRC-32C (crc32c.cc) and the SSE4.2
// implementation (crc32c_sse42.cc, the only file compiled with -msse4.2).

#ifndef CKPT_LIB_UTIL_CRC32C_INTERNAL_H_
#define CKPT_LIB_UTIL_CRC32C_INTERNAL_H_

#include <cstddef>
#include <cstdint>

namespace ckpt::crc32c::internal {

// True when crc32c_sse42.cc was compiled with SSE4.2 support (x86-64 with
// -msse4.2); false for its portable stub.
bool Sse42Compiled();

// Same contract as crc32c::Extend(); callable only when Sse42Compiled() and
// the CPU reports SSE4.2.
uint32_t ExtendSse42(uint32_t init_crc, const char* data, size_t n);

}  // namespace ckpt::crc32c::internal

#endif  // CKPT_LIB_UTIL_CRC32C_INTERNAL_H_
