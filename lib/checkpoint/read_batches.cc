// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// ReadBatches (contract in checkpoint/read_batches.h). The helper reads the
// batches in order; batches_[0, done_) are read. A batch is touched by the
// helper only between its submission and the moment done_ passes it, which
// Finish() waits for under the mutex.

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

void ReadBatches::Read(const BundleReader& reader, Batch& batch) {
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

std::vector<ReadBatches::Batch> ReadBatches::Finish() {
  std::vector<Batch> out;
  size_t done;
  {
    MutexLock lock(&mu_);
    if (!no_helper_) {
      while (done_ < batches_.size()) cv_.Wait(&mu_);
    }
    done = done_;
    for (Batch& b : batches_) out.push_back(std::move(b));
    batches_.clear();
    done_ = 0;
  }
  // Without a helper nothing was read: read what is left here.
  for (size_t i = done; i < out.size(); ++i) Read(reader_, out[i]);
  return out;
}

void ReadBatches::Run() {
  MutexLock lock(&mu_);
  while (true) {
    if (done_ < batches_.size()) {
      // std::deque keeps the batch in place while others are pushed.
      Batch& batch = batches_[done_];
      mu_.Unlock();
      Read(reader_, batch);
      mu_.Lock();
      ++done_;
      cv_.SignalAll();
      continue;
    }
    if (stop_) return;
    cv_.Wait(&mu_);
  }
}

}  // namespace ckpt::checkpoint
