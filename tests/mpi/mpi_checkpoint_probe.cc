// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Collective saves and restores across MPI processes (docs/distributed.md),
// run by ctest under mpirun (tests/CMakeLists.txt):
//
//   mpi_checkpoint_probe save DIR     every rank saves the distributed model
//                                     to DIR/ckpt (Checkpoint::Save): DIR/
//                                     ckpt-1 and the state file result
//   mpi_checkpoint_probe restore DIR  every rank restores DIR's latest
//                                     checkpoint, with another part layout,
//                                     and checks every value; rank 0 also
//                                     verifies every entry and restores the
//                                     embedding whole into a plain variable
//   mpi_checkpoint_probe fault DIR    a save whose part files fail on the
//                                     last rank fails on every rank with
//                                     that rank's error, rolls every counter
//                                     back and leaves DIR's latest checkpoint
//                                     (from `save`) as it was
//
// Saves on N ranks and restores on M are separate mpirun jobs sharing DIR.
// Each rank prints "rank R: ok" or "rank R: FAILED: ..."; the job's exit
// status is 0 only if every rank passed.

#include <mpi.h>

#include <cstdio>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/checkpoint.h"
#include "ckpt/communicator.h"
#include "ckpt/env.h"
#include "ckpt/mpi_communicator.h"
#include "ckpt/status.h"
#include "testing/distributed_model.h"

namespace ckpt {
namespace {

using testing::DistModel;
using testing::FailPartEnv;
using testing::MakeDistModel;

absl::Status Check(bool ok, const std::string& what) {
  return ok ? absl::OkStatus() : absl::InternalError(what);
}

absl::Status Save(Communicator& comm, const std::string& dir) {
  std::unique_ptr<DistModel> m =
      MakeDistModel(comm.rank(), comm.size(), 2 * comm.size(), true);
  CKPT_RETURN_IF_ERROR(Check(m != nullptr, "no model"));
  Checkpoint ckpt;
  CKPT_RETURN_IF_ERROR(ckpt.Track("model", *m));
  SaveOptions options;
  options.communicator = &comm;
  CKPT_ASSIGN_OR_RETURN(std::string prefix,
                        ckpt.Save(JoinPath(dir, "ckpt"), options));
  CKPT_RETURN_IF_ERROR(
      Check(prefix == JoinPath(dir, "ckpt-1"), "saved as " + prefix));
  CKPT_ASSIGN_OR_RETURN(std::string latest, LatestCheckpoint(dir));
  return Check(latest == prefix, "the state file names " + latest);
}

// Rank 0: the checkpoint is an ordinary one for a single process.
absl::Status CheckAsOneProcess(const std::string& prefix) {
  CKPT_ASSIGN_OR_RETURN(std::unique_ptr<BundleReader> reader,
                        BundleReader::Open(Env::Default(), prefix));
  CKPT_RETURN_IF_ERROR(reader->ForEachEntry(
      [&](absl::string_view key, const BundleEntry& entry) {
        return reader->Verify(key, entry);
      }));
  struct Plain : Trackable {
    Variable emb;
    void VisitChildren(ChildVisitor& visit) override { visit("emb", emb); }
  } plain;
  Checkpoint one;
  CKPT_RETURN_IF_ERROR(one.Track("model", plain));
  CKPT_RETURN_IF_ERROR(one.Restore(prefix).status());
  for (int64_t r = 0; r < testing::kRows; ++r) {
    for (int64_t c = 0; c < testing::kCols; ++c) {
      CKPT_RETURN_IF_ERROR(
          Check(plain.emb.flat<float>()[r * testing::kCols + c] ==
                    testing::EmbValue(r, c),
                absl::StrCat("plain restore: emb[", r, ",", c, "]")));
    }
  }
  return absl::OkStatus();
}

absl::Status Restore(Communicator& comm, const std::string& dir) {
  std::unique_ptr<DistModel> m =
      MakeDistModel(comm.rank(), comm.size(), 3 * comm.size(), false);
  CKPT_RETURN_IF_ERROR(Check(m != nullptr, "no model"));
  Checkpoint ckpt;
  CKPT_RETURN_IF_ERROR(ckpt.Track("model", *m));
  RestoreOptions options;
  options.communicator = &comm;
  CKPT_ASSIGN_OR_RETURN(RestoreStatus status, ckpt.Restore(dir, options));
  CKPT_RETURN_IF_ERROR(status.AssertExistingObjectsMatched());
  const std::string mismatch = testing::Mismatch(*m);
  CKPT_RETURN_IF_ERROR(Check(mismatch.empty(), "restored " + mismatch));
  if (comm.rank() == 0) {
    CKPT_RETURN_IF_ERROR(CheckAsOneProcess(JoinPath(dir, "ckpt-1")));
  }
  return absl::OkStatus();
}

absl::Status Fault(Communicator& comm, const std::string& dir) {
  const int victim = comm.size() - 1;
  char part[40];
  std::snprintf(part, sizeof(part), "part-%05d-of-%05d", victim, comm.size());
  FailPartEnv env(Env::Default(), part);
  std::unique_ptr<DistModel> m =
      MakeDistModel(comm.rank(), comm.size(), 2 * comm.size(), true);
  CKPT_RETURN_IF_ERROR(Check(m != nullptr, "no model"));
  Checkpoint ckpt;
  CKPT_RETURN_IF_ERROR(ckpt.Track("model", *m));
  ckpt.save_counter().mutable_flat<int64_t>()[0] = 1;
  SaveOptions options;
  options.env = &env;
  options.communicator = &comm;
  absl::StatusOr<std::string> saved = ckpt.Save(JoinPath(dir, "ckpt"), options);
  CKPT_RETURN_IF_ERROR(
      Check(saved.status().code() == absl::StatusCode::kResourceExhausted &&
                absl::StrContains(saved.status().message(),
                                  absl::StrCat("rank ", victim, ": ")),
            "the save returned " + saved.status().ToString()));
  CKPT_RETURN_IF_ERROR(Check(ckpt.save_counter().flat<int64_t>()[0] == 1,
                             "save_counter not rolled back"));
  CKPT_RETURN_IF_ERROR(Check(absl::IsNotFound(Env::Default()->FileExists(
                                 JoinPath(dir, "ckpt-2.index"))),
                             "ckpt-2.index exists"));
  CKPT_ASSIGN_OR_RETURN(std::string latest, LatestCheckpoint(dir));
  return Check(latest == JoinPath(dir, "ckpt-1"),
               "the state file names " + latest);
}

}  // namespace
}  // namespace ckpt

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  absl::Status result;
  if (argc != 3) {
    result = absl::InvalidArgumentError("usage: save|restore|fault DIR");
  } else {
    absl::StatusOr<std::unique_ptr<ckpt::Communicator>> comm =
        ckpt::NewMpiCommunicator(MPI_COMM_WORLD);
    if (!comm.ok()) {
      result = comm.status();
    } else {
      const std::string mode = argv[1], dir = argv[2];
      if (mode == "save") {
        result = ckpt::Save(**comm, dir);
      } else if (mode == "restore") {
        result = ckpt::Restore(**comm, dir);
      } else if (mode == "fault") {
        result = ckpt::Fault(**comm, dir);
      } else {
        result = absl::InvalidArgumentError("unknown mode " + mode);
      }
    }
  }
  std::printf("rank %d: %s\n", rank,
              result.ok() ? "ok" : ("FAILED: " + result.ToString()).c_str());
  int failed = result.ok() ? 0 : 1, any_failed = 0;
  MPI_Allreduce(&failed, &any_failed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  MPI_Finalize();
  return any_failed;
}
