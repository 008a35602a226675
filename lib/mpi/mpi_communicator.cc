// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// The MPI communicator (contract in ckpt/mpi_communicator.h).
//
// Every collective is a sequence of nonblocking MPI collectives on the
// duplicated communicator, each awaited by polling MPI_Test against one
// deadline for the whole call. Whatever MPI may read or write while a
// collective runs (the request, sizes, counts, displacements, data) lives in
// one heap-allocated Pending. A Pending whose collective did not complete
// (deadline, MPI error) cannot be cancelled (MPI forbids MPI_Cancel and
// MPI_Request_free on collective requests), so it is never freed while MPI
// may still use it: the communicator keeps it, and its destructor hands the
// still incomplete ones to a process-wide list that is never freed.

#include "ckpt/mpi_communicator.h"

#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "ckpt/communicator.h"
#include "mpi/mpi_communicator_internal.h"

namespace ckpt::mpi {
namespace {

absl::StatusCode CodeForMpiErrorClass(int error_class) {
  switch (error_class) {
    case MPI_ERR_NO_MEM:
      return absl::StatusCode::kResourceExhausted;
    // The ranks disagree (different collectives, roots or sizes) or ckpt
    // misused MPI.
    case MPI_ERR_BUFFER:
    case MPI_ERR_COUNT:
    case MPI_ERR_TYPE:
    case MPI_ERR_TAG:
    case MPI_ERR_COMM:
    case MPI_ERR_RANK:
    case MPI_ERR_ROOT:
    case MPI_ERR_GROUP:
    case MPI_ERR_OP:
    case MPI_ERR_ARG:
    case MPI_ERR_TRUNCATE:
    case MPI_ERR_REQUEST:
      return absl::StatusCode::kInternal;
    // MPI_ERR_OTHER, MPI_ERR_INTERN, MPI_ERR_UNKNOWN, a failed process
    // (MPIX_ERR_PROC_FAILED with ULFM), ...: the transport failed.
    default:
      return absl::StatusCode::kUnavailable;
  }
}

}  // namespace

absl::Status MpiError(int code, absl::string_view what,
                      absl::string_view collective, int rank) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  if (MPI_Error_string(code, text, &length) != MPI_SUCCESS || length < 0 ||
      length >= MPI_MAX_ERROR_STRING) {
    length = std::snprintf(text, sizeof(text), "MPI error code %d", code);
  }
  int error_class = code;
  if (MPI_Error_class(code, &error_class) != MPI_SUCCESS) {
    error_class = MPI_ERR_UNKNOWN;
  }
  return absl::Status(
      CodeForMpiErrorClass(error_class),
      absl::StrCat("rank ", rank, ": ", collective, ": ", what, " failed: ",
                   absl::string_view(text, static_cast<size_t>(length)),
                   " (MPI error class ", error_class, ")"));
}

namespace {

using Clock = std::chrono::steady_clock;

// Polling. Each MPI_Test drives MPI's progress, so data moves only while a
// rank polls. Waiting for the other ranks to arrive (a Barrier, the first
// step of AllGather and Broadcast) yields between tests for kSpinTime (a
// collective among live ranks usually completes within it), then sleeps
// between tests, from kFirstNap up to kMaxNap: a rank that waits for a
// straggler does not burn a core. Moving the data once the ranks are there
// (the later steps) only yields between tests, as MPI's blocking
// collectives do: a sleeping rank would stall a pipelined transfer.
constexpr auto kSpinTime = std::chrono::milliseconds(20);
constexpr auto kFirstNap = std::chrono::microseconds(20);
constexpr auto kMaxNap = std::chrono::microseconds(500);
enum class Poll { kArrival, kTransfer };

// Everything MPI may use while one collective runs.
struct Pending {
  MPI_Request request = MPI_REQUEST_NULL;
  MPI_Comm comm = MPI_COMM_NULL;  // MPI_Comm_idup's result
  std::vector<int64_t> sizes;     // MPI_INT64_T sizes
  std::vector<int> counts;        // MPI_Iallgatherv's counts, displacements
  std::vector<int> displs;
  std::unique_ptr<char[]> buffer;  // one round of AllGather
  int64_t buffer_capacity = 0;
  std::string payload;  // Broadcast's data
};

// Collectives that never completed, kept for as long as the process lives:
// MPI may still write into them. Reachable from a global, so leak checkers
// do not report them.
void KeepForever(std::unique_ptr<Pending> pending) {
  static std::mutex* mu = new std::mutex;
  static auto* kept = new std::vector<std::unique_ptr<Pending>>;
  std::lock_guard<std::mutex> lock(*mu);
  kept->push_back(std::move(pending));
}

// The deadline of a call that starts now, or none for a timeout too long to
// represent.
Clock::time_point DeadlineAfter(absl::Duration timeout) {
  if (timeout >= absl::Hours(24 * 365 * 100)) return Clock::time_point::max();
  return Clock::now() + std::chrono::duration_cast<Clock::duration>(
                            absl::ToChronoNanoseconds(timeout));
}

enum class Wait { kDone, kDeadline, kError };

// Polls `*request` until it completes or `deadline` passes; `*error` is
// MPI_Test's code on kError.
Wait AwaitRequest(MPI_Request* request, Clock::time_point deadline, Poll poll,
                  int* error) {
  const Clock::time_point start = Clock::now();
  auto nap = std::chrono::duration_cast<Clock::duration>(kFirstNap);
  for (;;) {
    int done = 0;
    const int rc = MPI_Test(request, &done, MPI_STATUS_IGNORE);
    if (rc != MPI_SUCCESS) {
      *error = rc;
      return Wait::kError;
    }
    if (done) return Wait::kDone;
    const Clock::time_point now = Clock::now();
    if (now >= deadline) return Wait::kDeadline;
    if (poll == Poll::kTransfer || now - start < kSpinTime) {
      std::this_thread::yield();
    } else {
      std::this_thread::sleep_for(std::min(nap, deadline - now));
      nap = std::min<Clock::duration>(nap * 2, kMaxNap);
    }
  }
}

absl::Status TimedOut(int rank, absl::string_view collective,
                      absl::Duration timeout) {
  return absl::DeadlineExceededError(absl::StrCat(
      "rank ", rank, ": ", collective, " did not complete within ",
      absl::FormatDuration(timeout),
      " (MpiCommunicatorOptions::timeout): not every rank joined it"));
}

class MpiCommunicator : public Communicator {
 public:
  MpiCommunicator(MPI_Comm comm, int rank, int size, absl::Duration timeout,
                  int64_t max_bytes_per_call)
      : comm_(comm),
        rank_(rank),
        size_(size),
        timeout_(timeout),
        max_bytes_per_call_(max_bytes_per_call) {}

  ~MpiCommunicator() override {
    int finalized = 0;
    MPI_Finalized(&finalized);
    for (std::unique_ptr<Pending>& pending : abandoned_) {
      int done = 0;
      if (finalized || pending->request == MPI_REQUEST_NULL ||
          MPI_Test(&pending->request, &done, MPI_STATUS_IGNORE) !=
              MPI_SUCCESS ||
          !done) {
        KeepForever(std::move(pending));
      }
    }
    // Pending operations on it still complete normally (MPI_Comm_free only
    // marks it for deallocation).
    if (!finalized) MPI_Comm_free(&comm_);
  }

  void set_timeout(absl::Duration timeout) { timeout_ = timeout; }

  int rank() const override { return rank_; }
  int size() const override { return size_; }

  absl::StatusOr<std::vector<std::string>> AllGather(
      absl::string_view mine) override {
    static constexpr absl::string_view kName = "AllGather";
    if (absl::Status s = Usable(); !s.ok()) return s;
    const Clock::time_point deadline = DeadlineAfter(timeout_);
    const size_t n = static_cast<size_t>(size_);
    const size_t me = static_cast<size_t>(rank_);
    auto op = std::make_unique<Pending>();
    op->sizes.assign(n, 0);
    op->sizes[me] = static_cast<int64_t>(mine.size());
    int rc =
        MPI_Iallgather(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, op->sizes.data(), 1,
                       MPI_INT64_T, comm_, &op->request);
    if (rc != MPI_SUCCESS) {
      return Break(MpiError(rc, "MPI_Iallgather", kName, rank_), nullptr);
    }
    if (absl::Status s = Await(op, kName, deadline, Poll::kArrival); !s.ok()) {
      return s;
    }

    int64_t longest = 0;
    for (size_t r = 0; r < n; ++r) {
      if (op->sizes[r] < 0 ||
          (r == me && op->sizes[r] != static_cast<int64_t>(mine.size()))) {
        return Break(absl::InternalError(
                         absl::StrCat("rank ", rank_, ": AllGather: rank ", r,
                                      " announced ", op->sizes[r], " bytes")),
                     nullptr);
      }
      longest = std::max(longest, op->sizes[r]);
    }
    std::vector<std::string> out(n);
    for (size_t r = 0; r < n; ++r) {
      out[r].reserve(static_cast<size_t>(op->sizes[r]));
    }

    // Rounds of MPI_Iallgatherv, each moving at most per_rank bytes of every
    // rank, so that the round's total (and every count and displacement)
    // fits MPI's `int`. Strings under max_bytes_per_call_ / size take one.
    const int64_t per_rank = std::max<int64_t>(1, max_bytes_per_call_ / size_);
    op->counts.assign(n, 0);
    op->displs.assign(n, 0);
    for (int64_t offset = 0; offset < longest; offset += per_rank) {
      int64_t total = 0;
      for (size_t r = 0; r < n; ++r) {
        const int64_t count =
            std::clamp<int64_t>(op->sizes[r] - offset, 0, per_rank);
        op->counts[r] = static_cast<int>(count);
        op->displs[r] = static_cast<int>(total);
        total += count;
      }
      if (total > op->buffer_capacity) {
        op->buffer =
            std::make_unique_for_overwrite<char[]>(static_cast<size_t>(total));
        op->buffer_capacity = total;
      }
      if (op->counts[me] > 0) {
        std::memcpy(op->buffer.get() + op->displs[me], mine.data() + offset,
                    static_cast<size_t>(op->counts[me]));
      }
      rc = MPI_Iallgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, op->buffer.get(),
                           op->counts.data(), op->displs.data(), MPI_BYTE,
                           comm_, &op->request);
      if (rc != MPI_SUCCESS) {
        return Break(MpiError(rc, "MPI_Iallgatherv", kName, rank_), nullptr);
      }
      if (absl::Status s = Await(op, kName, deadline, Poll::kTransfer);
          !s.ok()) {
        return s;
      }
      for (size_t r = 0; r < n; ++r) {
        out[r].append(op->buffer.get() + op->displs[r],
                      static_cast<size_t>(op->counts[r]));
      }
    }
    return out;
  }

  absl::StatusOr<std::string> Broadcast(int root,
                                        absl::string_view data) override {
    static constexpr absl::string_view kName = "Broadcast";
    if (root < 0 || root >= size_) {
      return absl::InvalidArgumentError(
          absl::StrCat("Broadcast: root ", root, " is not a rank of ", size_));
    }
    if (absl::Status s = Usable(); !s.ok()) return s;
    const Clock::time_point deadline = DeadlineAfter(timeout_);
    auto op = std::make_unique<Pending>();
    op->sizes.assign(1, rank_ == root ? static_cast<int64_t>(data.size()) : 0);
    int rc =
        MPI_Ibcast(op->sizes.data(), 1, MPI_INT64_T, root, comm_, &op->request);
    if (rc != MPI_SUCCESS) {
      return Break(MpiError(rc, "MPI_Ibcast", kName, rank_), nullptr);
    }
    if (absl::Status s = Await(op, kName, deadline, Poll::kArrival); !s.ok()) {
      return s;
    }
    const int64_t total = op->sizes[0];
    if (total < 0) {
      return Break(absl::InternalError(
                       absl::StrCat("rank ", rank_, ": Broadcast: root ", root,
                                    " announced ", total, " bytes")),
                   nullptr);
    }
    // The root sends from its own copy, which is also its result (the
    // caller's `data` may be gone while an abandoned broadcast still runs).
    if (rank_ == root) {
      op->payload.assign(data.data(), data.size());
    } else {
      op->payload.resize(static_cast<size_t>(total));
    }
    for (int64_t offset = 0; offset < total; offset += max_bytes_per_call_) {
      const int count =
          static_cast<int>(std::min(total - offset, max_bytes_per_call_));
      rc = MPI_Ibcast(op->payload.data() + offset, count, MPI_BYTE, root, comm_,
                      &op->request);
      if (rc != MPI_SUCCESS) {
        return Break(MpiError(rc, "MPI_Ibcast", kName, rank_), nullptr);
      }
      if (absl::Status s = Await(op, kName, deadline, Poll::kTransfer);
          !s.ok()) {
        return s;
      }
    }
    return std::move(op->payload);
  }

  absl::Status Barrier() override {
    static constexpr absl::string_view kName = "Barrier";
    if (absl::Status s = Usable(); !s.ok()) return s;
    const Clock::time_point deadline = DeadlineAfter(timeout_);
    auto op = std::make_unique<Pending>();
    const int rc = MPI_Ibarrier(comm_, &op->request);
    if (rc != MPI_SUCCESS) {
      return Break(MpiError(rc, "MPI_Ibarrier", kName, rank_), nullptr);
    }
    return Await(op, kName, deadline, Poll::kArrival);
  }

  absl::Status CheckBackgroundUse() const override {
    int provided = MPI_THREAD_SINGLE;
    MPI_Query_thread(&provided);
    if (provided == MPI_THREAD_MULTIPLE) return absl::OkStatus();
    return absl::FailedPreconditionError(
        "collectives on a background thread (an asynchronous collective save) "
        "need MPI initialized with MPI_Init_thread(..., MPI_THREAD_MULTIPLE, "
        "...); this process has a lower thread level");
  }

  void Abort(const absl::Status& why) override {
    const absl::Status reason =
        why.ok() ? absl::UnknownError("Abort() called with an OK status") : why;
    std::fprintf(stderr, "ckpt: rank %d aborting the job: %s\n", rank_,
                 reason.ToString().c_str());
    std::fflush(stderr);
    const int code = static_cast<int>(reason.code());
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized) MPI_Abort(comm_, code);
    // MPI_Abort does not return; without MPI, end this process at least.
    std::_Exit(code);
  }

 private:
  absl::Status Usable() const {
    if (broken_.ok()) return absl::OkStatus();
    return absl::FailedPreconditionError(
        absl::StrCat("rank ", rank_,
                     ": the MPI communicator is unusable after an earlier "
                     "failure: ",
                     broken_.ToString()));
  }

  // Records the failure that breaks the communicator; `op` (if any) is the
  // collective that may still be running.
  absl::Status Break(absl::Status why, std::unique_ptr<Pending> op) {
    broken_ = why;
    if (op != nullptr) abandoned_.push_back(std::move(op));
    return why;
  }

  // Waits for op->request; on failure breaks the communicator and keeps op.
  absl::Status Await(std::unique_ptr<Pending>& op, absl::string_view name,
                     Clock::time_point deadline, Poll poll) {
    int error = MPI_SUCCESS;
    switch (AwaitRequest(&op->request, deadline, poll, &error)) {
      case Wait::kDone:
        return absl::OkStatus();
      case Wait::kDeadline:
        return Break(TimedOut(rank_, name, timeout_), std::move(op));
      case Wait::kError:
        break;
    }
    return Break(MpiError(error, "MPI_Test", name, rank_), std::move(op));
  }

  MPI_Comm comm_;
  const int rank_;
  const int size_;
  absl::Duration timeout_;
  const int64_t max_bytes_per_call_;
  absl::Status broken_;
  std::vector<std::unique_ptr<Pending>> abandoned_;
};

absl::StatusOr<std::unique_ptr<Communicator>> Create(
    MPI_Comm comm, const MpiCommunicatorOptions& options,
    int64_t max_bytes_per_call) {
  static constexpr absl::string_view kName = "NewMpiCommunicator";
  int initialized = 0;
  int finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (!initialized || finalized) {
    return absl::FailedPreconditionError(absl::StrCat(
        kName, ": MPI is ",
        finalized ? "already finalized" : "not initialized (call MPI_Init)"));
  }
  if (comm == MPI_COMM_NULL) {
    return absl::InvalidArgumentError(
        absl::StrCat(kName, ": the communicator is MPI_COMM_NULL"));
  }
  if (options.timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat(kName, ": timeout must be positive, got ",
                     absl::FormatDuration(options.timeout)));
  }
  if (max_bytes_per_call < 1 || max_bytes_per_call > kMaxBytesPerCall) {
    return absl::InvalidArgumentError(
        absl::StrCat(kName, ": max_bytes_per_call ", max_bytes_per_call,
                     " is not in [1, ", kMaxBytesPerCall, "]"));
  }
  // Errors of these two go to the error handler of the user's `comm`.
  int user_rank = 0;
  MPI_Comm_rank(comm, &user_rank);
  const Clock::time_point deadline = DeadlineAfter(options.timeout);
  auto op = std::make_unique<Pending>();
  int rc = MPI_Comm_idup(comm, &op->comm, &op->request);
  if (rc != MPI_SUCCESS) {
    return MpiError(rc, "MPI_Comm_idup", kName, user_rank);
  }
  int error = MPI_SUCCESS;
  switch (AwaitRequest(&op->request, deadline, Poll::kArrival, &error)) {
    case Wait::kDone:
      break;
    case Wait::kDeadline:
      KeepForever(std::move(op));
      return TimedOut(user_rank, kName, options.timeout);
    case Wait::kError:
      KeepForever(std::move(op));
      return MpiError(error, "MPI_Test", kName, user_rank);
  }
  MPI_Comm dup = op->comm;
  rc = MPI_Comm_set_errhandler(dup, MPI_ERRORS_RETURN);
  int rank = 0;
  int size = 0;
  if (rc == MPI_SUCCESS) rc = MPI_Comm_rank(dup, &rank);
  if (rc == MPI_SUCCESS) rc = MPI_Comm_size(dup, &size);
  if (rc != MPI_SUCCESS) {
    absl::Status s = MpiError(rc, "setting up the duplicate", kName, user_rank);
    MPI_Comm_free(&dup);
    return s;
  }
  return std::unique_ptr<Communicator>(std::make_unique<MpiCommunicator>(
      dup, rank, size, options.timeout, max_bytes_per_call));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Communicator>> NewMpiCommunicatorForTesting(
    MPI_Comm comm, const MpiCommunicatorOptions& options,
    int64_t max_bytes_per_call) {
  return Create(comm, options, max_bytes_per_call);
}

absl::Status SetTimeoutForTesting(Communicator& comm, absl::Duration timeout) {
  auto* mpi = dynamic_cast<MpiCommunicator*>(&comm);
  if (mpi == nullptr) {
    return absl::InvalidArgumentError(
        "SetTimeoutForTesting: not an MPI communicator");
  }
  if (timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("SetTimeoutForTesting: timeout must be positive, got ",
                     absl::FormatDuration(timeout)));
  }
  mpi->set_timeout(timeout);
  return absl::OkStatus();
}

}  // namespace ckpt::mpi

namespace ckpt {

absl::StatusOr<std::unique_ptr<Communicator>> NewMpiCommunicator(
    MPI_Comm comm, const MpiCommunicatorOptions& options) {
  return mpi::Create(comm, options, mpi::kMaxBytesPerCall);
}

}  // namespace ckpt
