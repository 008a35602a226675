// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// ParallelFor (contract in util/parallel.h): std::thread workers pulling
// indexes from one atomic counter; the calling thread works too.

#include "util/parallel.h"

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace ckpt {

void ParallelFor(int num_threads, size_t n,
                 absl::FunctionRef<void(size_t)> fn) {
  if (n == 0) return;
  const size_t threads =
      std::min(n, static_cast<size_t>(std::max(num_threads, 1)));
  if (threads == 1) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) fn(i);
  };
  std::vector<std::thread> workers;
  workers.reserve(threads - 1);
  for (size_t t = 1; t < threads; ++t) {
    // A thread that cannot be started (resource limits) is not an error:
    // the threads that did start, and the caller, do its share.
    try {
      workers.emplace_back(work);
    } catch (...) {
      break;
    }
  }
  work();
  for (std::thread& w : workers) w.join();
}

int ResolveThreads(int requested) {
  if (requested > 0) return requested;
  const unsigned hw = std::thread::hardware_concurrency();
  return static_cast<int>(std::clamp(hw, 1u, 8u));
}

}  // namespace ckpt
