// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Run under mpirun by the ctest mpi_abort_test/ranks_2 (tests/CMakeLists.txt):
// the last rank calls Abort() while the others wait in a Barrier with a
// 60-second timeout. MPI_Abort must end the whole job at once, with the
// status's code as mpirun's exit status; a Barrier that returns means it did
// not ("the job was not ended").

#include <mpi.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ckpt/communicator.h"
#include "ckpt/mpi_communicator.h"

int main(int argc, char** argv) {
  if (MPI_Init(&argc, &argv) != MPI_SUCCESS) return 1;
  ckpt::MpiCommunicatorOptions options;
  options.timeout = absl::Seconds(60);
  absl::StatusOr<std::unique_ptr<ckpt::Communicator>> comm =
      ckpt::NewMpiCommunicator(MPI_COMM_WORLD, options);
  if (!comm.ok()) {
    std::fprintf(stderr, "NewMpiCommunicator: %s\n",
                 comm.status().ToString().c_str());
    return 1;
  }
  if ((*comm)->rank() == (*comm)->size() - 1) {
    // Let the others enter the Barrier first.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    (*comm)->Abort(absl::DataLossError("shard 3 is corrupt"));
    std::printf("rank %d: Abort() returned: the job was not ended\n",
                (*comm)->rank());
    return 0;
  }
  const absl::Status s = (*comm)->Barrier();
  std::printf("rank %d: Barrier returned %s: the job was not ended\n",
              (*comm)->rank(), s.ToString().c_str());
  comm->reset();
  MPI_Finalize();
  return 0;
}
