// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// ChecksumPool (contract in util/checksum_pool.h). A piece is owned by
// whoever moves its state out of kQueued: a helper (under the pool's mutex,
// and only while the job is attached) or the job's own Crc() (a lock-free
// compare-and-swap). A helper publishes its result under the mutex and
// signals done_cv_; waiting for a piece, and detaching a job, happen under
// the same mutex, so a detached job has no helper left reading its bytes.

#include "util/checksum_pool.h"

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "ckpt/crc32c.h"

namespace ckpt {

struct ChecksumPool::Piece {
  enum State : uint8_t { kQueued, kTaken, kDone, kSelf };
  const char* data = nullptr;
  size_t size = 0;
  uint32_t crc = 0;  // valid once state is kDone or kSelf
  std::atomic<uint8_t> state{kQueued};
};

ChecksumPool::ChecksumPool(int num_threads)
    : num_threads_(std::max(num_threads, 0)) {}

ChecksumPool::~ChecksumPool() { Stop(); }

void ChecksumPool::Stop() {
  std::vector<std::thread> threads;
  {
    MutexLock lock(&mu_);
    stopping_ = true;
    threads.swap(threads_);
  }
  work_cv_.SignalAll();
  for (std::thread& t : threads) t.join();
}

int ChecksumPool::num_started() const {
  MutexLock lock(&mu_);
  return static_cast<int>(threads_.size());
}

void ChecksumPool::Attach(ChecksumJob* job) {
  {
    MutexLock lock(&mu_);
    jobs_.push_back(job);
    if (threads_.empty() && !stopping_) {
      threads_.reserve(static_cast<size_t>(num_threads_));
      for (int i = 0; i < num_threads_; ++i) {
        // A thread that cannot be started (resource limits) is not an
        // error: Crc() computes the pieces no helper takes.
        try {
          threads_.emplace_back(&ChecksumPool::Run, this);
        } catch (...) {
          break;
        }
      }
    }
  }
  work_cv_.SignalAll();
}

void ChecksumPool::Detach(ChecksumJob* job) {
  MutexLock lock(&mu_);
  jobs_.erase(std::find(jobs_.begin(), jobs_.end(), job));
  // No helper takes a piece of `job` from now on; wait for those taken.
  for (size_t p = 0; p < job->num_pieces_; ++p) {
    while (job->pieces_[p].state.load(std::memory_order_acquire) ==
           Piece::kTaken) {
      done_cv_.Wait(&mu_);
    }
  }
}

ChecksumPool::Piece* ChecksumPool::Take(ChecksumJob** owner) {
  for (ChecksumJob* job : jobs_) {
    while (job->next_ < job->num_pieces_) {
      Piece& p = job->pieces_[job->next_++];
      uint8_t queued = Piece::kQueued;
      if (p.state.compare_exchange_strong(queued, Piece::kTaken,
                                          std::memory_order_acq_rel)) {
        *owner = job;
        return &p;
      }
    }
  }
  return nullptr;
}

void ChecksumPool::Run() {
  mu_.Lock();
  Piece* done = nullptr;
  ChecksumJob* done_job = nullptr;
  while (true) {
    if (done != nullptr) {
      done->state.store(Piece::kDone, std::memory_order_release);
      done_job->by_helpers_.fetch_add(1, std::memory_order_relaxed);
      done_cv_.SignalAll();
      done = nullptr;
    }
    Piece* p = Take(&done_job);
    if (p != nullptr) {
      // The job stays attached (its pieces alive, its bytes readable) until
      // this piece is marked done: Detach() waits for kTaken pieces.
      mu_.Unlock();
      p->crc = crc32c::Value(p->data, p->size);
      mu_.Lock();
      done = p;
      continue;
    }
    if (stopping_) break;
    work_cv_.Wait(&mu_);
  }
  mu_.Unlock();
}

ChecksumJob::ChecksumJob(ChecksumPool* pool,
                         absl::Span<const absl::string_view> ranges) {
  constexpr size_t kPiece = ChecksumPool::kPieceBytes;
  first_piece_.reserve(ranges.size() + 1);
  for (absl::string_view r : ranges) {
    first_piece_.push_back(num_pieces_);
    num_pieces_ += (r.size() + kPiece - 1) / kPiece;
  }
  first_piece_.push_back(num_pieces_);
  pieces_ = std::make_unique<ChecksumPool::Piece[]>(num_pieces_);
  size_t p = 0;
  for (absl::string_view r : ranges) {
    for (size_t at = 0; at < r.size(); at += kPiece, ++p) {
      pieces_[p].data = r.data() + at;
      pieces_[p].size = std::min(kPiece, r.size() - at);
    }
  }
  if (pool != nullptr && pool->num_threads() > 0 && num_pieces_ > 0) {
    pool_ = pool;
    pool_->Attach(this);
  }
}

ChecksumJob::~ChecksumJob() {
  if (pool_ != nullptr) pool_->Detach(this);
}

uint32_t ChecksumJob::Crc(size_t i) {
  using Piece = ChecksumPool::Piece;
  const size_t begin = first_piece_[i];
  const size_t end = first_piece_[i + 1];
  // 1. From the back, every piece no helper has started.
  bool wait = false;
  for (size_t p = end; p > begin; --p) {
    Piece& piece = pieces_[p - 1];
    uint8_t queued = Piece::kQueued;
    if (piece.state.compare_exchange_strong(queued, Piece::kSelf,
                                            std::memory_order_acq_rel)) {
      piece.crc = crc32c::Value(piece.data, piece.size);
    } else if (queued == Piece::kTaken) {
      wait = true;
    }
  }
  // 2. The pieces helpers hold.
  if (wait) {
    MutexLock lock(&pool_->mu_);
    for (size_t p = begin; p < end; ++p) {
      while (pieces_[p].state.load(std::memory_order_acquire) ==
             Piece::kTaken) {
        pool_->done_cv_.Wait(&pool_->mu_);
      }
    }
  }
  // 3. Combined in order.
  uint32_t crc = 0;
  for (size_t p = begin; p < end; ++p) {
    crc = p == begin ? pieces_[p].crc
                     : crc32c::Combine(crc, pieces_[p].crc, pieces_[p].size);
  }
  return crc;
}

}  // namespace ckpt
