// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: util/parallel.h
// -----------------------------------------------------------------------------
//
// ParallelFor: runs fn(0) .. fn(n - 1) on up to `num_threads` threads (the
// caller is one of them) and returns when all calls have returned. Work is
// handed out one index at a time from a shared counter, so uneven items
// balance themselves. Threads are started per call: meant for work of
// milliseconds or more (bundle shards, chunks of large tensors), not for
// tiny loops. `fn` must not throw and must be safe to call concurrently for
// different indexes.
//
//   ParallelFor(4, jobs.size(), [&](size_t i) { statuses[i] = Run(jobs[i]); });
//
// ResolveThreads(n): n if n > 0, else min(hardware threads, 8) (at least 1).

#ifndef CKPT_LIB_UTIL_PARALLEL_H_
#define CKPT_LIB_UTIL_PARALLEL_H_

#include <cstddef>

#include "absl/functional/function_ref.h"

namespace ckpt {

void ParallelFor(int num_threads, size_t n, absl::FunctionRef<void(size_t)> fn);

int ResolveThreads(int requested);

}  // namespace ckpt

#endif  // CKPT_LIB_UTIL_PARALLEL_H_
