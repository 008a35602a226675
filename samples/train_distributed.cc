// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// train_distributed: a model trained across MPI processes and checkpointed
// from all of them (docs/distributed.md). Built with the ckpt::mpi component.
//
//   mpirun -n R train_distributed DIR [--steps N] [--save-every K]
//                                     [--kill-at STEP] [--check-only]
//
// The model: data-parallel dense weights (the same on every rank: each rank
// computes a gradient on its own synthetic data, the gradients are gathered
// and summed in rank order, every rank applies the sum) and an embedding
// table partitioned over the ranks (ShardedVariable::CreateLocal; each rank
// updates its own rows). A collective CheckpointManager in DIR keeps the
// newest 3 checkpoints, saving every K steps; the first call restores the
// newest one (any rank count) or initializes.
//
// --kill-at STEP: rank 0 kills itself with SIGKILL right after that step, as
// a preempted job dies (mpirun then ends every rank).
// --check-only: restore the newest checkpoint and check, on every rank, that
// what it holds is bit for bit what the checkpoint stores (its rows of the
// table, read back from the files as regions, and the dense weights); no
// training.
//
// Rank 0 prints "resumed from step S on R ranks" or "initialized", and at the
// end "final state crc32c 0x...": the CRC-32C of the final checkpoint's
// dense weights and whole table, read back by one process. A run resumed
// after a kill on the same rank count prints the same value as an
// uninterrupted one. Exit: 0 ok, 1 error (on any rank), 2 usage.

#include <mpi.h>

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/checkpoint.h"
#include "ckpt/checkpoint_manager.h"
#include "ckpt/communicator.h"
#include "ckpt/crc32c.h"
#include "ckpt/env.h"
#include "ckpt/mpi_communicator.h"
#include "ckpt/status.h"
#include "ckpt/trackable.h"

namespace {

constexpr int64_t kDense = 256;
constexpr int64_t kRows = 1000;
constexpr int64_t kDim = 16;
constexpr char kDenseKey[] = "model/dense/.ATTRIBUTES/VARIABLE_VALUE";
constexpr char kTableKey[] = "model/table/.ATTRIBUTES/VARIABLE_VALUE";

struct Model : ckpt::Trackable {
  ckpt::Variable dense{ckpt::DataType::kFloat, ckpt::TensorShape{kDense}};
  ckpt::ShardedVariable table;
  ckpt::Variable step{ckpt::DataType::kInt64, ckpt::TensorShape{}};
  void VisitChildren(ckpt::ChildVisitor& visit) override {
    visit("dense", dense);
    visit("table", table);
    visit("step", step);
  }
};

// Deterministic "data": a value in [-1, 1) from (step, rank, i).
float Data(int64_t step, int rank, int64_t i) {
  uint64_t x = static_cast<uint64_t>(step) * 0x9E3779B97F4A7C15ull ^
               static_cast<uint64_t>(rank) * 0xC2B2AE3D27D4EB4Full ^
               static_cast<uint64_t>(i) * 0x165667B19E3779F9ull;
  x ^= x >> 31;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 29;
  return static_cast<float>(x >> 40) / static_cast<float>(1 << 23) - 1.0f;
}

absl::Status Initialize(Model& m) {
  for (int64_t i = 0; i < kDense; ++i) {
    m.dense.mutable_flat<float>()[i] = 0.01f * static_cast<float>(i % 17);
  }
  for (int p = 0; p < m.table.num_parts(); ++p) {
    ckpt::Tensor& part = m.table.mutable_part(p);
    const int64_t row0 = m.table.row_offset(p);
    for (int64_t r = 0; r < part.shape().dim(0); ++r) {
      for (int64_t c = 0; c < kDim; ++c) {
        part.mutable_flat<float>()[r * kDim + c] =
            0.001f * static_cast<float>((row0 + r) % 97 + c);
      }
    }
  }
  return absl::OkStatus();
}

// One step: dense weights move by the sum of every rank's gradient (summed
// in rank order, so the same on every rank); each rank's rows of the table
// move by a function of the step and the row alone.
absl::Status Step(ckpt::Communicator& comm, Model& m, int64_t step) {
  std::vector<float> grad(kDense);
  for (int64_t i = 0; i < kDense; ++i) {
    grad[i] = m.dense.flat<float>()[i] - Data(step, comm.rank(), i);
  }
  CKPT_ASSIGN_OR_RETURN(std::vector<std::string> all,
                        comm.AllGather(absl::string_view(
                            reinterpret_cast<const char*>(grad.data()),
                            grad.size() * sizeof(float))));
  std::vector<float> sum(kDense, 0.0f);
  for (const std::string& g : all) {
    for (int64_t i = 0; i < kDense; ++i) {
      float v;
      std::memcpy(&v, g.data() + i * sizeof(float), sizeof(float));
      sum[i] += v;
    }
  }
  for (int64_t i = 0; i < kDense; ++i) {
    m.dense.mutable_flat<float>()[i] -=
        0.05f * sum[i] / static_cast<float>(comm.size());
  }
  for (int p = 0; p < m.table.num_parts(); ++p) {
    ckpt::Tensor& part = m.table.mutable_part(p);
    const int64_t row0 = m.table.row_offset(p);
    for (int64_t r = 0; r < part.shape().dim(0); ++r) {
      if ((row0 + r + step) % 7 != 0) continue;  // the rows this step saw
      for (int64_t c = 0; c < kDim; ++c) {
        float& w = part.mutable_flat<float>()[r * kDim + c];
        w -= 0.1f * (w - Data(step, 0, (row0 + r) * kDim + c));
      }
    }
  }
  m.step.mutable_flat<int64_t>()[0] = step;
  return absl::OkStatus();
}

// Every rank: its rows and the dense weights equal the checkpoint's bytes.
absl::Status CheckAgainstFiles(const Model& m, const std::string& prefix) {
  CKPT_ASSIGN_OR_RETURN(std::unique_ptr<ckpt::BundleReader> reader,
                        ckpt::BundleReader::Open(ckpt::Env::Default(), prefix));
  CKPT_ASSIGN_OR_RETURN(ckpt::Tensor dense, reader->Read(kDenseKey));
  if (dense.bytes() != m.dense.value().bytes()) {
    return absl::DataLossError("dense weights differ from " + prefix);
  }
  for (int p = 0; p < m.table.num_parts(); ++p) {
    CKPT_ASSIGN_OR_RETURN(ckpt::Tensor rows,
                          reader->ReadSlice(kTableKey, m.table.slice(p)));
    if (rows.bytes() != m.table.part(p).bytes()) {
      return absl::DataLossError(absl::StrCat(
          "table rows from ", m.table.row_offset(p), " differ from ", prefix));
    }
  }
  return absl::OkStatus();
}

// Rank 0: the CRC-32C of the dense weights and the whole table as one
// process reads them back from `prefix`.
absl::StatusOr<uint32_t> FinalCrc(const std::string& prefix) {
  CKPT_ASSIGN_OR_RETURN(std::unique_ptr<ckpt::BundleReader> reader,
                        ckpt::BundleReader::Open(ckpt::Env::Default(), prefix));
  CKPT_ASSIGN_OR_RETURN(ckpt::Tensor dense, reader->Read(kDenseKey));
  CKPT_ASSIGN_OR_RETURN(ckpt::Tensor table, reader->Read(kTableKey));
  uint32_t crc =
      ckpt::crc32c::Value(dense.bytes().data(), dense.bytes().size());
  return ckpt::crc32c::Extend(crc, table.bytes().data(), table.bytes().size());
}

struct Args {
  std::string dir;
  int64_t steps = 60;
  int64_t save_every = 10;
  int64_t kill_at = -1;
  bool check_only = false;
};

absl::Status Run(ckpt::Communicator& comm, const Args& args) {
  const bool root = comm.rank() == 0;
  Model m;
  CKPT_ASSIGN_OR_RETURN(
      m.table, ckpt::ShardedVariable::CreateLocal(
                   ckpt::DataType::kFloat, ckpt::TensorShape{kRows, kDim},
                   comm.size(), comm.rank(), comm.size()));
  ckpt::Checkpoint ckpt;
  CKPT_RETURN_IF_ERROR(ckpt.Track("model", m));
  ckpt::CheckpointManagerOptions options;
  options.max_to_keep = 3;
  options.communicator = &comm;
  CKPT_ASSIGN_OR_RETURN(
      std::unique_ptr<ckpt::CheckpointManager> manager,
      ckpt::CheckpointManager::Create(&ckpt, args.dir, std::move(options)));
  CKPT_ASSIGN_OR_RETURN(
      ckpt::CheckpointManager::Restored restored,
      manager->RestoreOrInitialize([&] { return Initialize(m); }));
  int64_t first = 1;
  if (restored.prefix) {
    CKPT_RETURN_IF_ERROR(restored.status->AssertExistingObjectsMatched());
    first = m.step.flat<int64_t>()[0] + 1;
    if (root) {
      std::printf("resumed from step %lld on %d ranks (%s)\n",
                  static_cast<long long>(first - 1), comm.size(),
                  restored.prefix->c_str());
    }
    const absl::Status same = CheckAgainstFiles(m, *restored.prefix);
    CKPT_RETURN_IF_ERROR(ckpt::AgreeOnStatus(comm, same));
    if (root) {
      std::printf("every rank holds what %s stores, bit for bit\n",
                  restored.prefix->c_str());
    }
    if (args.check_only) return absl::OkStatus();
  } else if (args.check_only) {
    return absl::NotFoundError(args.dir + ": no checkpoint to check");
  } else if (root) {
    std::printf("initialized\n");
  }
  for (int64_t step = first; step <= args.steps; ++step) {
    CKPT_RETURN_IF_ERROR(Step(comm, m, step));
    if (step % args.save_every == 0 || step == args.steps) {
      CKPT_ASSIGN_OR_RETURN(std::optional<std::string> saved, manager->Save());
      if (root && saved)
        std::printf("step %lld: saved %s\n", static_cast<long long>(step),
                    saved->c_str());
    }
    if (step == args.kill_at && root) {
      std::printf("step %lld: killed\n", static_cast<long long>(step));
      std::fflush(stdout);
      std::raise(SIGKILL);
    }
  }
  if (root) {
    const std::optional<std::string> latest = manager->latest_checkpoint();
    if (!latest) return absl::InternalError("no checkpoint after training");
    CKPT_ASSIGN_OR_RETURN(const uint32_t crc, FinalCrc(*latest));
    std::printf("final state crc32c 0x%08x\n", crc);
  }
  return absl::OkStatus();
}

bool ParseArgs(int argc, char** argv, Args* args) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto number = [&](int64_t* out) {
      return i + 1 < argc && absl::SimpleAtoi(argv[++i], out);
    };
    if (a == "--steps") {
      if (!number(&args->steps) || args->steps < 1) return false;
    } else if (a == "--save-every") {
      if (!number(&args->save_every) || args->save_every < 1) return false;
    } else if (a == "--kill-at") {
      if (!number(&args->kill_at)) return false;
    } else if (a == "--check-only") {
      args->check_only = true;
    } else if (args->dir.empty() && a.rfind("--", 0) != 0) {
      args->dir = a;
    } else {
      return false;
    }
  }
  return !args->dir.empty();
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  Args args;
  if (!ParseArgs(argc, argv, &args)) {
    if (rank == 0) {
      std::fprintf(stderr,
                   "usage: mpirun -n R train_distributed DIR [--steps N] "
                   "[--save-every K] [--kill-at STEP] [--check-only]\n");
    }
    MPI_Finalize();
    return 2;
  }
  absl::Status result;
  absl::StatusOr<std::unique_ptr<ckpt::Communicator>> comm =
      ckpt::NewMpiCommunicator(MPI_COMM_WORLD);
  result = comm.ok() ? Run(**comm, args) : comm.status();
  if (!result.ok()) {
    std::fprintf(stderr, "train_distributed: rank %d: %s\n", rank,
                 result.ToString().c_str());
  }
  comm = absl::StatusOr<std::unique_ptr<ckpt::Communicator>>();  // freed first
  MPI_Finalize();
  return result.ok() ? 0 : 1;
}
