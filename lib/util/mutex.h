// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: util/mutex.h
// -----------------------------------------------------------------------------
//
// ckpt::Mutex, ckpt::MutexLock and ckpt::CondVar: a std::mutex (and a
// std::condition_variable on it) with Abseil's thread-safety
// annotations, used instead of absl::Mutex. Debian's Abseil is built without
// ThreadSanitizer instrumentation, so TSan cannot see the ordering an
// absl::Mutex provides and reports false races; std::mutex goes through
// pthread, which TSan intercepts. Same usage as absl::Mutex for what ckpt
// needs:
//
//   mutable Mutex mu_;
//   int n_ ABSL_GUARDED_BY(mu_);
//   void Inc() { MutexLock lock(&mu_); ++n_; }
//
// CondVar::Wait(&mu) must be called with `mu` held; it releases `mu` while
// blocked and holds it again on return (spurious wakeups happen: loop on the
// predicate).

#ifndef CKPT_LIB_UTIL_MUTEX_H_
#define CKPT_LIB_UTIL_MUTEX_H_

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "absl/base/thread_annotations.h"

namespace ckpt {

class ABSL_LOCKABLE Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;
  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { mu_.lock(); }
  void Unlock() ABSL_UNLOCK_FUNCTION() { mu_.unlock(); }

 private:
  friend class CondVar;
  std::mutex mu_;
};

class CondVar {
 public:
  CondVar() = default;
  CondVar(const CondVar&) = delete;
  CondVar& operator=(const CondVar&) = delete;
  void Wait(Mutex* mu) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    std::unique_lock<std::mutex> lock(mu->mu_, std::adopt_lock);
    cv_.wait(lock);
    lock.release();  // still held: the caller's lock owns it
  }
  // Wait() that gives up at `deadline`: false if it passed (the mutex is
  // held again either way).
  bool WaitUntil(Mutex* mu, std::chrono::steady_clock::time_point deadline)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    std::unique_lock<std::mutex> lock(mu->mu_, std::adopt_lock);
    const bool woken =
        cv_.wait_until(lock, deadline) == std::cv_status::no_timeout;
    lock.release();
    return woken;
  }
  void Signal() { cv_.notify_one(); }
  void SignalAll() { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

class ABSL_SCOPED_LOCKABLE MutexLock {
 public:
  explicit MutexLock(Mutex* mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : mu_(mu) {
    mu_->Lock();
  }
  ~MutexLock() ABSL_UNLOCK_FUNCTION() { mu_->Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex* mu_;
};

}  // namespace ckpt

#endif  // CKPT_LIB_UTIL_MUTEX_H_
