// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: checkpoint/read_batches.h
// -----------------------------------------------------------------------------
//
// ReadBatches reads the values a restore walk has queued, in batches, on a
// helper thread while the walk goes on matching the rest. A walk over
// 100,000 small variables spends about as long matching as reading; with
// the reads behind it, the walk's thread no longer waits for them at the end
// (docs/performance.md, "Cold restores").
//
// Contract:
//   * Submit() hands over a batch: its requests (and the memory they point
//     to: the tensors' bytes, the entries, the keys, the slices) must stay
//     valid and untouched by the caller until Finish() has returned. The
//     helper starts with the first batch; if it cannot be started, that
//     batch and the later ones are read inside Finish().
//   * Finish() reads, on the calling thread, the batches the helper has not
//     started (so both threads read the backlog), waits for the helper's
//     batch in flight, and returns every batch in submission order, each
//     with one status per request (BundleReader::ReadManyInto's). The
//     object can then take new batches.
//   * The reader must outlive the object; the destructor waits for the
//     helper. Submit() and Finish() are called from one thread.
//
// Example:
//
//   ReadBatches batches(reader);
//   batches.Submit(std::move(first));   // read while the walk goes on
//   ...
//   for (ReadBatches::Batch& b : batches.Finish()) Report(b.statuses);

#ifndef CKPT_LIB_CHECKPOINT_READ_BATCHES_H_
#define CKPT_LIB_CHECKPOINT_READ_BATCHES_H_

#include <cstddef>
#include <deque>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/tensor.h"
#include "util/mutex.h"

namespace ckpt::checkpoint {

class ReadBatches {
 public:
  struct Batch {
    std::vector<BundleReader::ReadRequest> reads;
    // Per request, the caller's bookkeeping (carried, not used here).
    std::vector<size_t> matched;
    std::vector<ckpt::Tensor*> fresh;
    // Set by the read: one per request.
    std::vector<absl::Status> statuses;
  };

  explicit ReadBatches(const BundleReader& reader) : reader_(reader) {}
  ~ReadBatches();
  ReadBatches(const ReadBatches&) = delete;
  ReadBatches& operator=(const ReadBatches&) = delete;

  void Submit(Batch batch);
  std::vector<Batch> Finish();

 private:
  void Run();
  // Reads the first batch no thread has claimed, if any (called with mu_
  // held; releases it while reading); returns whether there was one.
  bool ReadNextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // noexcept: it runs between an unlock and a relock of mu_ (and on the
  // helper thread), so an allocation failure ends the process there, as it
  // does anywhere else a helper thread allocates.
  static void Read(const BundleReader& reader, Batch& batch) noexcept;

  const BundleReader& reader_;
  Mutex mu_;
  CondVar cv_;  // a batch submitted, read, or the helper asked to stop
  std::deque<Batch> batches_ ABSL_GUARDED_BY(mu_);
  // batches_[0, claimed_) were taken by a thread; read_ of them are read.
  size_t claimed_ ABSL_GUARDED_BY(mu_) = 0;
  size_t read_ ABSL_GUARDED_BY(mu_) = 0;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool no_helper_ = false;  // the helper could not be started
  std::thread helper_;
};

}  // namespace ckpt::checkpoint

#endif  // CKPT_LIB_CHECKPOINT_READ_BATCHES_H_
