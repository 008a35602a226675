// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Internal hooks of the MPI communicator (ckpt/mpi_communicator.h), for its
// tests.

#ifndef CKPT_LIB_MPI_MPI_COMMUNICATOR_INTERNAL_H_
#define CKPT_LIB_MPI_MPI_COMMUNICATOR_INTERNAL_H_

#include <mpi.h>

#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "ckpt/communicator.h"
#include "ckpt/mpi_communicator.h"

namespace ckpt::mpi {

// The most bytes one MPI call moves: MPI's counts and displacements are
// `int`.
inline constexpr int64_t kMaxBytesPerCall = 2147483647;  // INT_MAX

// An MPI error code as a status: "rank R: <collective>: <what> failed:
// <MPI_Error_string> (MPI error class C)". ResourceExhausted for
// MPI_ERR_NO_MEM; Internal for the classes that mean the ranks disagree or
// ckpt misused MPI (MPI_ERR_BUFFER, COUNT, TYPE, TAG, COMM, RANK, ROOT,
// GROUP, OP, ARG, TRUNCATE, REQUEST); Unavailable for the rest (the
// transport failed: MPI_ERR_OTHER, MPI_ERR_INTERN, ...).
absl::Status MpiError(int code, absl::string_view what,
                      absl::string_view collective, int rank);

// NewMpiCommunicator() whose AllGather and Broadcast move at most
// `max_bytes_per_call` bytes (in [1, kMaxBytesPerCall]) per MPI call, so
// that a test exercises the rounds that strings over 2 GiB take with small
// strings.
absl::StatusOr<std::unique_ptr<Communicator>> NewMpiCommunicatorForTesting(
    MPI_Comm comm, const MpiCommunicatorOptions& options,
    int64_t max_bytes_per_call);

// Replaces the timeout of `comm`, a communicator made here, for the
// collectives it starts from now on; InvalidArgument for another kind of
// communicator or a timeout that is not positive. (Lets a test create a
// communicator with a generous timeout, then give one rank a short one.)
absl::Status SetTimeoutForTesting(Communicator& comm, absl::Duration timeout);

}  // namespace ckpt::mpi

#endif  // CKPT_LIB_MPI_MPI_COMMUNICATOR_INTERNAL_H_
