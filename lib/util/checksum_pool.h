// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: util/checksum_pool.h
// -----------------------------------------------------------------------------
//
// ChecksumPool and ChecksumJob compute the CRC-32C of byte ranges on helper
// threads while the caller does something else with the same bytes (the
// bundle writer writes them to a file). Write and checksum then overlap
// instead of taking turns on one thread.
//
// Each range of a job is cut into pieces of at most kPieceBytes. Helpers
// take pieces in job order. Crc(i) computes itself every piece of range i
// that no helper has started (from the back, so that it meets a helper
// coming from the front), waits for the pieces helpers hold, and combines
// the pieces' CRCs: the result is exactly crc32c::Value(range), whatever
// the helpers did. A pool with no threads, or whose threads could not be
// started, still gives every CRC (computed by Crc()).
//
//   ChecksumPool pool(1);  // one helper thread, started by the first job
//   std::vector<absl::string_view> ranges = {a, b};
//   {
//     ChecksumJob job(&pool, ranges);  // helpers start on a
//     Write(a);
//     uint32_t crc_a = job.Crc(0);
//     Write(b);
//     uint32_t crc_b = job.Crc(1);
//   }  // helpers no longer read a or b
//
// Contract:
//   * The ranges' bytes must stay readable and unchanged until the job is
//     destroyed. The destructor drops the pieces no helper has started and
//     waits for those in progress, so on every path (errors included) the
//     ranges may be freed once the job is gone.
//   * Crc() may be called from several threads at once for different
//     ranges (writers of different shards), at most once per range.
//   * A pool serves any number of jobs at a time; every job must be
//     destroyed before its pool (or before Stop()).

#ifndef CKPT_LIB_UTIL_CHECKSUM_POOL_H_
#define CKPT_LIB_UTIL_CHECKSUM_POOL_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "util/mutex.h"

namespace ckpt {

class ChecksumJob;

class ChecksumPool {
 public:
  // Largest piece a helper takes at a time: small enough that a writer
  // finishing early waits for little, large enough that the hand-over (one
  // lock per piece) costs nothing measurable.
  static constexpr size_t kPieceBytes = size_t{1} << 20;

  // `num_threads` helpers (0: none; Crc() then computes everything).
  // Threads start with the first job.
  explicit ChecksumPool(int num_threads);
  ~ChecksumPool();  // Stop()s
  ChecksumPool(const ChecksumPool&) = delete;
  ChecksumPool& operator=(const ChecksumPool&) = delete;

  // Joins the helper threads. Later jobs are computed by their Crc() calls.
  // No job may be alive. Idempotent.
  void Stop();

  int num_threads() const { return num_threads_; }
  // Helper threads running now (0 before the first job and after Stop()).
  int num_started() const;

 private:
  friend class ChecksumJob;
  struct Piece;

  void Attach(ChecksumJob* job);
  void Detach(ChecksumJob* job);
  // The next piece no one has started, marked as taken, and its job in
  // `*owner`; null if there is none.
  Piece* Take(ChecksumJob** owner) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Run();

  const int num_threads_;
  mutable Mutex mu_;
  CondVar work_cv_;  // helpers: a job arrived or Stop()
  CondVar done_cv_;  // callers and destructors: a piece is done
  std::vector<ChecksumJob*> jobs_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> threads_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

class ChecksumJob {
 public:
  // `pool` may be null (every CRC computed by Crc()).
  ChecksumJob(ChecksumPool* pool, absl::Span<const absl::string_view> ranges);
  ~ChecksumJob();
  ChecksumJob(const ChecksumJob&) = delete;
  ChecksumJob& operator=(const ChecksumJob&) = delete;

  size_t num_ranges() const { return first_piece_.size() - 1; }

  // crc32c::Value() of range `i` (not masked).
  uint32_t Crc(size_t i);

  // Pieces computed by helpers so far (for tests and measurements).
  size_t pieces_by_helpers() const {
    return by_helpers_.load(std::memory_order_relaxed);
  }

 private:
  friend class ChecksumPool;

  ChecksumPool* pool_ = nullptr;  // non-null while attached
  std::unique_ptr<ChecksumPool::Piece[]> pieces_;
  size_t num_pieces_ = 0;
  std::vector<size_t> first_piece_;  // range i: [first_piece_[i], [i + 1])
  size_t next_ = 0;  // helpers' scan position; guarded by pool_->mu_
  std::atomic<size_t> by_helpers_{0};
};

}  // namespace ckpt

#endif  // CKPT_LIB_UTIL_CHECKSUM_POOL_H_
