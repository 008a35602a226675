// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: checkpoint/async_saver.h
// -----------------------------------------------------------------------------
//
// AsyncSaver: the background half of Checkpoint::WriteAsync. One save in
// flight at a time; its staging buffers (the snapshot) are kept and reused
// by the next save.
//
// Contract:
//   * Start() first waits for the save in flight. If that save failed and
//     its error was not collected by Wait(), Start() returns the error and
//     starts nothing: an error is reported exactly once.
//   * Start() stages the plan's live tensors on the calling thread (the
//     snapshot), then returns; a thread writes the plan and, if that
//     succeeded, runs `after_write`. The result is kept for Wait().
//   * If no thread can be started, the save runs on the calling thread.
//   * The destructor waits for the save in flight; its result is dropped.
//   * Start(), Wait() and the destructor must not race each other (the
//     owning Checkpoint calls them from one thread); in_flight() may be
//     called from anywhere.

#ifndef CKPT_LIB_CHECKPOINT_ASYNC_SAVER_H_
#define CKPT_LIB_CHECKPOINT_ASYNC_SAVER_H_

#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "checkpoint/save_plan.h"
#include "ckpt/checkpoint.h"

namespace ckpt {
namespace checkpoint {

class AsyncSaver {
 public:
  AsyncSaver() = default;
  ~AsyncSaver();
  AsyncSaver(const AsyncSaver&) = delete;
  AsyncSaver& operator=(const AsyncSaver&) = delete;

  absl::Status Start(SavePlan plan, std::string prefix, SaveOptions options,
                     std::function<absl::Status()> after_write);
  // Waits for the save in flight; returns its result once (OK afterwards
  // and when nothing ran).
  absl::Status Wait();
  bool in_flight() const { return running_.load(std::memory_order_acquire); }
  // Bytes of the staging buffers (one copy of the values at most).
  uint64_t staging_bytes() const { return staging_.bytes(); }

 private:
  // The whole background job: write, commit, then `after_write`.
  static absl::Status Run(const SavePlan& plan, const std::string& prefix,
                          const SaveOptions& options,
                          const std::function<absl::Status()>& after_write);

  StagingBuffers staging_;
  std::thread worker_;
  absl::Status result_;  // written by the worker, read after join
  std::atomic<bool> running_{false};
};

// `s` (the result of a save that nobody collected with Wait()) as the error
// of the call that found it; OK stays OK.
absl::Status AsPreviousSaveError(const absl::Status& s);

}  // namespace checkpoint
}  // namespace ckpt

#endif  // CKPT_LIB_CHECKPOINT_ASYNC_SAVER_H_
