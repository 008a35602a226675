// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Catch2's main for the MPI tests, run under mpirun (tests/CMakeLists.txt):
// every rank initializes MPI (MPI_THREAD_SINGLE: ckpt::mpi needs no thread
// support), runs the same test cases in the same order (they call
// collectives), and exits non-zero if any rank had a failure.
#define CATCH_CONFIG_RUNNER
#include <mpi.h>

#include <catch2/catch.hpp>
#include <string>

int main(int argc, char** argv) {
  if (MPI_Init(&argc, &argv) != MPI_SUCCESS) return 1;
  int rank = 0;
  int size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  Catch::Session session;
  int failed = session.applyCommandLine(argc, argv);
  if (failed == 0) {
    // Names the rank in Catch's report of a failure.
    session.configData().name = "mpi_communicator_test (rank " +
                                std::to_string(rank) + " of " +
                                std::to_string(size) + ")";
    failed = session.run();
  }
  int any_failed = 0;
  MPI_Allreduce(&failed, &any_failed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  MPI_Finalize();
  return any_failed == 0 ? 0 : 1;
}
