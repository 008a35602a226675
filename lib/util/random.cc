// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// RandomUint64 (contract in util/random.h).

#include "util/random.h"

#include <cstdint>

#include "absl/random/random.h"
#include "util/mutex.h"

namespace ckpt {

uint64_t RandomUint64() {
  static Mutex mu;
  static absl::BitGen* gen = new absl::BitGen();  // never destroyed
  MutexLock lock(&mu);
  return absl::Uniform<uint64_t>(*gen);
}

}  // namespace ckpt
