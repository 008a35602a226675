// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: communicator.h
// -----------------------------------------------------------------------------
//
// A Communicator connects the processes (ranks) of one job so that they can
// save and restore one checkpoint together (docs/distributed.md). ckpt needs
// only a few collectives on byte strings; an implementation maps them onto a
// distributed engine:
//
//   * NewMpiCommunicator() (ckpt/mpi_communicator.h, the optional ckpt::mpi
//     component): MPI processes, a user's own MPI_Comm;
//   * NewLocalCommunicators() (below): N ranks as threads of one process, for
//     tests and for one process driving several writers.
//
// Contract for every implementation:
//   * Every rank calls the same collectives in the same order (as MPI
//     requires). A collective returns once every rank has joined it.
//   * No rank waits forever: a collective that has not completed within the
//     communicator's timeout returns DeadlineExceeded on the ranks that wait.
//     After Abort() on any rank, every collective in progress or started
//     later returns Aborted carrying that rank's status (the local
//     implementation), or the job ends (MPI_Abort; see
//     ckpt/mpi_communicator.h).
//   * A failed collective leaves the communicator unusable (as a broken MPI
//     communicator is): every later call fails.
//
// Example (one rank's view; each rank runs the same code):
//
//   std::unique_ptr<ckpt::Communicator> comm = ...;
//   absl::Status mine = WriteMyPart();
//   // Every rank sees the first failure, whichever rank it happened on.
//   absl::Status all = ckpt::AgreeOnStatus(*comm, mine);

#ifndef CKPT_COMMUNICATOR_H_
#define CKPT_COMMUNICATOR_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace ckpt {

class Communicator {
 public:
  virtual ~Communicator() = default;

  // This rank, in [0, size()).
  virtual int rank() const = 0;
  // The number of ranks, >= 1.
  virtual int size() const = 0;

  // Every rank's `mine`, indexed by rank, on every rank.
  virtual absl::StatusOr<std::vector<std::string>> AllGather(
      absl::string_view mine) = 0;
  // `data` of rank `root` on every rank (`data` is ignored elsewhere).
  // InvalidArgument if root is out of range.
  virtual absl::StatusOr<std::string> Broadcast(int root,
                                                absl::string_view data) = 0;
  // Returns once every rank has called it.
  virtual absl::Status Barrier() = 0;

  // Gives up on the job because of `why` (not OK): see the file comment.
  virtual void Abort(const absl::Status& why) = 0;

  // OK if collectives may run on a thread other than the caller's while the
  // caller goes on (an asynchronous collective save runs them on its
  // background thread); otherwise FailedPrecondition saying why (an MPI
  // communicator needs MPI_THREAD_MULTIPLE). The default is OK.
  virtual absl::Status CheckBackgroundUse() const { return absl::OkStatus(); }
};

// Collectives built on the interface (communicator.cc).

// The job's verdict on one step every rank took: OK if `mine` is OK on every
// rank, else the failure of the lowest failing rank, with its code and its
// message prefixed "rank R: ". A failure of the collective itself is
// returned as is.
absl::Status AgreeOnStatus(Communicator& comm, const absl::Status& mine);

// Rank `root`'s `value` (a result or a failure) on every rank: the value,
// or root's failure with its code and its message prefixed "rank R: ".
// `value` is ignored on the other ranks. A failure of the collective itself
// is returned as is.
absl::StatusOr<std::string> BroadcastResult(
    Communicator& comm, int root, const absl::StatusOr<std::string>& value);

// `n` ranks of one job as threads of this process: the communicator of rank
// r is element r; each must be used by one thread at a time. A collective
// that waits more than `timeout` returns DeadlineExceeded. InvalidArgument
// if n < 1 or timeout <= 0.
absl::StatusOr<std::vector<std::unique_ptr<Communicator>>>
NewLocalCommunicators(int n, absl::Duration timeout = absl::Seconds(60));

}  // namespace ckpt

#endif  // CKPT_COMMUNICATOR_H_
