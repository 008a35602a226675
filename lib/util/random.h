// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// RandomUint64: the random suffixes of temporary file names
// ("<file>.tempstate<n>", "<file>.tmp<n>"), so that two writers of one
// directory never share a temporary file. One generator for the process,
// used under a mutex: Debian's Abseil random pool is not instrumented for
// ThreadSanitizer, so concurrent first uses would be reported as races.

#ifndef CKPT_LIB_UTIL_RANDOM_H_
#define CKPT_LIB_UTIL_RANDOM_H_

#include <cstdint>

namespace ckpt {

// A uniformly random 64-bit value. Thread-safe.
uint64_t RandomUint64();

}  // namespace ckpt

#endif  // CKPT_LIB_UTIL_RANDOM_H_
