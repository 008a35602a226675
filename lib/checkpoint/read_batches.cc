// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// ReadBatches (contract in checkpoint/read_batches.h). Batches are claimed
// in order by whichever thread asks first (the helper, or Finish() on the
// caller's thread); batches_[0, claimed_) are claimed. A batch is touched
// only by the thread that claimed it, until read_ counts it, which Finish()
// waits for under the mutex; std::deque keeps it in place while others are
// pushed.

#include "checkpoint/read_batches.h"

#include <system_error>
#include <utility>

#include "absl/types/span.h"

namespace ckpt::checkpoint {

ReadBatches::~ReadBatches() {
  {
    MutexLock lock(&mu_);
    stop_ = true;
  }
  cv_.SignalAll();
  if (helper_.joinable()) helper_.join();
}

void ReadBatches::Read(const BundleReader& reader, Batch& batch) noexcept {
  batch.statuses.assign(batch.reads.size(), absl::OkStatus());
  reader.ReadManyInto(batch.reads, 1, absl::MakeSpan(batch.statuses));
}

void ReadBatches::Submit(Batch batch) {
  {
    MutexLock lock(&mu_);
    batches_.push_back(std::move(batch));
  }
  if (!helper_.joinable() && !no_helper_) {
    try {
      helper_ = std::thread(&ReadBatches::Run, this);
    } catch (const std::system_error&) {
      no_helper_ = true;  // Finish() reads them
    }
  }
  cv_.SignalAll();
}

bool ReadBatches::ReadNextLocked() {
  if (claimed_ == batches_.size()) return false;
  Batch& batch = batches_[claimed_++];
  mu_.Unlock();
  Read(reader_, batch);
  mu_.Lock();
  ++read_;
  cv_.SignalAll();
  return true;
}

std::vector<ReadBatches::Batch> ReadBatches::Finish() {
  std::vector<Batch> out;
  MutexLock lock(&mu_);
  while (ReadNextLocked()) {
  }
  while (read_ < batches_.size()) cv_.Wait(&mu_);
  for (Batch& b : batches_) out.push_back(std::move(b));
  batches_.clear();
  claimed_ = 0;
  read_ = 0;
  return out;
}

void ReadBatches::Run() {
  MutexLock lock(&mu_);
  while (true) {
    if (ReadNextLocked()) continue;
    if (stop_) return;
    cv_.Wait(&mu_);
  }
}

}  // namespace ckpt::checkpoint
