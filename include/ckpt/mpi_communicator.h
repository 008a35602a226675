// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: ckpt/mpi_communicator.h
// -----------------------------------------------------------------------------
//
// The MPI implementation of ckpt::Communicator (ckpt/communicator.h): the
// ranks of a checkpoint are the processes of a user's MPI communicator. This
// header and its library belong to the optional component ckpt::mpi (CMake
// target `ckpt::mpi`, built when CMake finds MPI); the core library ckpt
// never depends on MPI.
//
// Contract:
//   * MPI is initialized by the caller (MPI_Init or MPI_Init_thread) and
//     finalized by the caller after every MPI communicator of ckpt has been
//     destroyed. No thread level beyond the caller's own use is needed: every
//     MPI call is made on the thread that calls the Communicator method, never
//     on a helper thread. Under MPI_THREAD_SINGLE or MPI_THREAD_FUNNELED use
//     the communicator from the main thread; under MPI_THREAD_SERIALIZED from
//     one thread at a time.
//   * NewMpiCommunicator() is collective over `comm`: every rank of `comm`
//     calls it. It duplicates `comm` (MPI_Comm_idup), so that ckpt's messages
//     never match the user's, and sets MPI_ERRORS_RETURN on the duplicate; the
//     user's `comm` is not otherwise touched (an error of the duplication
//     itself still goes to `comm`'s error handler). The destructor frees the
//     duplicate (MPI_Comm_free; every rank destroys its communicator).
//   * Bounded waits: each collective is started nonblocking (MPI_Iallgather,
//     MPI_Iallgatherv, MPI_Ibcast, MPI_Ibarrier) and polled with MPI_Test
//     until it completes or `MpiCommunicatorOptions::timeout` has passed since
//     the call began. Then it returns DeadlineExceeded naming the collective,
//     the rank and the timeout. The timeout is local: ranks may use different
//     ones.
//   * An error returned by MPI becomes a status (never an abort): Internal for
//     the classes that mean the ranks disagree or ckpt misused MPI (arguments,
//     counts, truncation), ResourceExhausted for MPI_ERR_NO_MEM, Unavailable
//     for the rest (the transport failed), each with MPI_Error_string's text.
//   * After a failed collective (a deadline or an MPI error) the communicator
//     is broken: every later call returns FailedPrecondition carrying the
//     first failure. MPI offers no way to cancel a started collective, so its
//     buffers are kept alive for as long as MPI may still use them (until the
//     other ranks join it, or for the rest of the process). Broadcast with a
//     root out of range is InvalidArgument and breaks nothing.
//   * Byte strings of any size: counts beyond INT_MAX (MPI's `int` counts)
//     are sent in several rounds, never truncated.
//   * Abort(why) prints "ckpt: rank R aborting the job: <why>" to stderr and
//     calls MPI_Abort on the communicator with the error code
//     static_cast<int>(why.code()) (absl::StatusCode::kUnknown, 2, if `why` is
//     OK), so the code is never 0. It does not return. MPI_Abort ends every
//     process of the job under mpirun (Open MPI and MPICH kill the whole job,
//     not just `comm`), and mpirun likewise ends the job when one rank is
//     killed or exits without MPI_Finalize. That is how "no rank waits
//     forever" holds for a dead rank: the job ends, instead of a collective
//     returning Aborted as with NewLocalCommunicators().
//
// Example:
//
//   MPI_Init(&argc, &argv);
//   {
//     absl::StatusOr<std::unique_ptr<ckpt::Communicator>> comm =
//         ckpt::NewMpiCommunicator(MPI_COMM_WORLD);
//     if (!comm.ok()) ...;
//     absl::Status all = ckpt::AgreeOnStatus(**comm, WriteMyPart());
//     if (!all.ok()) (*comm)->Abort(all);  // or retry, on every rank
//   }  // the duplicate communicator is freed here, before MPI_Finalize
//   MPI_Finalize();

#ifndef CKPT_MPI_COMMUNICATOR_H_
#define CKPT_MPI_COMMUNICATOR_H_

#include <mpi.h>

#include <memory>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ckpt/communicator.h"

namespace ckpt {

struct MpiCommunicatorOptions {
  // How long one collective (NewMpiCommunicator's duplication included) may
  // wait for the other ranks. Must be positive; absl::InfiniteDuration()
  // waits forever.
  absl::Duration timeout = absl::Seconds(60);
};

// A Communicator over a duplicate of `comm` (not owned; see the file
// comment). FailedPrecondition if MPI is not initialized or already
// finalized, InvalidArgument if `comm` is MPI_COMM_NULL or the timeout is not
// positive, DeadlineExceeded if the duplication did not complete in time, or
// an MPI error as a status.
absl::StatusOr<std::unique_ptr<Communicator>> NewMpiCommunicator(
    MPI_Comm comm, const MpiCommunicatorOptions& options = {});

}  // namespace ckpt

#endif  // CKPT_MPI_COMMUNICATOR_H_
