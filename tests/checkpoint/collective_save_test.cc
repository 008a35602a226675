// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Tests for lib/checkpoint/collective_save.cc and collective restores: ranks
// are threads with in-process communicators (the MPI tests run the same
// model under mpirun). Save on N ranks, restore on M, every value bit for
// bit; the merged checkpoint is an ordinary one for a single process;
// disagreement, bad parts and failures on one rank fail every rank and
// leave earlier checkpoints intact. Catch2 assertions are made on the main
// thread only: each rank returns what it saw.

#include "checkpoint/collective_save.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/checkpoint.h"
#include "ckpt/communicator.h"
#include "ckpt/env.h"
#include "ckpt/object_graph.h"
#include "ckpt/status.h"
#include "ckpt/trackable.h"
#include "testing/distributed_model.h"
#include "testing/test_util.h"

namespace ckpt {
namespace {

using testing::TempDir;

using testing::DistModel;
using testing::EmbValue;
using testing::FailPartEnv;
using testing::kCols;
using testing::kRows;
using testing::MakeDistModel;
using testing::Mismatch;
using testing::RunRanks;

constexpr char kEmbKey[] = "model/emb/.ATTRIBUTES/VARIABLE_VALUE";

// Saves the model on `n` ranks (num_parts parts) with Checkpoint::Save.
std::vector<absl::StatusOr<std::string>> SaveOnRanks(
    const TempDir& dir, int n, int num_parts, Env* env = nullptr,
    const std::function<void(DistModel&, int)>& edit = nullptr) {
  return RunRanks<absl::StatusOr<std::string>>(
      n, [&](Communicator& comm) -> absl::StatusOr<std::string> {
        std::unique_ptr<DistModel> m =
            MakeDistModel(comm.rank(), comm.size(), num_parts, true);
        if (m == nullptr) return absl::InternalError("no model");
        if (edit) edit(*m, comm.rank());
        Checkpoint ckpt;
        CKPT_RETURN_IF_ERROR(ckpt.Track("model", *m));
        SaveOptions options;
        options.env = env;
        options.communicator = &comm;
        return ckpt.Save(dir.Join("ckpt"), options);
      });
}

// Restores `prefix` on `m` ranks; per rank "" or what went wrong.
std::vector<std::string> RestoreOnRanks(const std::string& prefix, int m,
                                        int num_parts) {
  return RunRanks<std::string>(m, [&](Communicator& comm) -> std::string {
    std::unique_ptr<DistModel> model =
        MakeDistModel(comm.rank(), comm.size(), num_parts, false);
    if (model == nullptr) return "no model";
    Checkpoint ckpt;
    if (!ckpt.Track("model", *model).ok()) return "track";
    RestoreOptions options;
    options.communicator = &comm;
    absl::StatusOr<RestoreStatus> status = ckpt.Restore(prefix, options);
    if (!status.ok()) return status.status().ToString();
    absl::Status matched = status->AssertExistingObjectsMatched();
    if (!matched.ok()) return matched.ToString();
    return Mismatch(*model);
  });
}

TEST_CASE("Save on N ranks, restore on M ranks: every value bit for bit") {
  const int n = GENERATE(1, 2, 4);
  const int m = GENERATE(1, 2, 4);
  INFO("saved on " << n << " ranks, restored on " << m);
  TempDir dir;
  for (const absl::StatusOr<std::string>& prefix : SaveOnRanks(dir, n, 4)) {
    CKPT_REQUIRE_OK(prefix);
    REQUIRE(*prefix == dir.Join("ckpt-1"));
  }
  const std::string prefix = dir.Join("ckpt-1");
  Env* env = Env::Default();
  REQUIRE(
      absl::IsNotFound(env->FileExists(checkpoint::CollectiveTempDir(prefix))));
  absl::StatusOr<std::string> latest = LatestCheckpoint(dir.path());
  CKPT_REQUIRE_OK(latest);
  REQUIRE(*latest == prefix);

  // An ordinary checkpoint for one process: every entry verifies, the
  // embedding reads whole.
  absl::StatusOr<std::unique_ptr<BundleReader>> reader =
      BundleReader::Open(env, prefix);
  CKPT_REQUIRE_OK(reader);
  CKPT_REQUIRE_OK((*reader)->ForEachEntry(
      [&](absl::string_view key, const BundleEntry& entry) {
        return (*reader)->Verify(key, entry);
      }));
  absl::StatusOr<Tensor> emb = (*reader)->Read(kEmbKey);
  CKPT_REQUIRE_OK(emb);
  REQUIRE(emb->shape() == TensorShape{kRows, kCols});
  for (int64_t r = 0; r < kRows; ++r) {
    for (int64_t c = 0; c < kCols; ++c) {
      REQUIRE(emb->flat<float>()[r * kCols + c] == EmbValue(r, c));
    }
  }
  absl::StatusOr<std::vector<TensorSlice>> slices =
      (*reader)->GetSlices(kEmbKey);
  CKPT_REQUIRE_OK(slices);
  REQUIRE(slices->size() == 4);

  for (const std::string& result : RestoreOnRanks(prefix, m, 2 * m)) {
    REQUIRE(result == "");
  }

  // Into one process that knows nothing of ranks: a plain variable.
  struct Plain : Trackable {
    Variable emb;
    void VisitChildren(ChildVisitor& visit) override { visit("emb", emb); }
  } plain;
  Checkpoint one;
  CKPT_REQUIRE_OK(one.Track("model", plain));
  absl::StatusOr<RestoreStatus> restored = one.Restore(prefix);
  CKPT_REQUIRE_OK(restored);
  REQUIRE(plain.emb.shape() == TensorShape{kRows, kCols});
  REQUIRE(plain.emb.flat<float>()[kRows * kCols - 1] ==
          EmbValue(kRows - 1, kCols - 1));
}

TEST_CASE("Replicated values are written once, spread over the ranks") {
  TempDir dir;
  for (const absl::StatusOr<std::string>& p : SaveOnRanks(dir, 2, 2)) {
    CKPT_REQUIRE_OK(p);
  }
  Env* env = Env::Default();
  absl::StatusOr<std::unique_ptr<BundleReader>> reader =
      BundleReader::Open(env, dir.Join("ckpt-1"));
  CKPT_REQUIRE_OK(reader);
  // One data file per rank that wrote; every key once; the bytes of the data
  // files are the unique bytes of the values.
  REQUIRE((*reader)->num_shards() == 2);
  uint64_t entry_bytes = 0;
  std::vector<uint64_t> shard_bytes(2, 0);
  CKPT_REQUIRE_OK(
      (*reader)->ForEachEntry([&](absl::string_view, const BundleEntry& entry) {
        entry_bytes += entry.size;
        shard_bytes[static_cast<size_t>(entry.shard_id)] += entry.size;
        return absl::OkStatus();
      }));
  uint64_t file_bytes = 0;
  for (int s = 0; s < 2; ++s) {
    absl::StatusOr<uint64_t> size =
        env->GetFileSize(DataFilename(dir.Join("ckpt-1"), s, 2));
    CKPT_REQUIRE_OK(size);
    file_bytes += *size;
  }
  REQUIRE(file_bytes == entry_bytes);
  // Values (bytes): emb 96 per rank; replicated dense 256, save_counter 8,
  // step 8. Rank 0 starts with the object graph, larger than 256 + 8 + 8, so
  // the lighter rank 1 gets every replicated value, largest first.
  absl::StatusOr<BundleEntry> graph = (*reader)->GetEntry(kObjectGraphKey);
  CKPT_REQUIRE_OK(graph);
  REQUIRE(graph->size > 272);
  REQUIRE(shard_bytes[0] == 96 + static_cast<uint64_t>(graph->size));
  REQUIRE(shard_bytes[1] == 96 + 256 + 8 + 8);
}

TEST_CASE("Ranks that disagree on the graph fail together, naming the key") {
  TempDir dir;
  auto results = SaveOnRanks(dir, 3, 3, nullptr, [](DistModel& m, int rank) {
    // Rank 2's dense has another shape.
    if (rank == 2) m.dense = Variable(DataType::kFloat, TensorShape{65});
  });
  for (const absl::StatusOr<std::string>& r : results) {
    INFO(r.status().ToString());
    REQUIRE(r.status().code() == absl::StatusCode::kFailedPrecondition);
    REQUIRE(absl::StrContains(
        r.status().message(),
        "rank 2 differs from rank 0: rank 0 has value "
        "'model/dense/.ATTRIBUTES/VARIABLE_VALUE' float32 [64] replicated, "
        "rank 2 has value 'model/dense/.ATTRIBUTES/VARIABLE_VALUE' float32 "
        "[65] replicated"));
  }
  Env* env = Env::Default();
  REQUIRE(absl::IsNotFound(env->FileExists(dir.Join("ckpt-1.index"))));
  REQUIRE(absl::IsNotFound(env->FileExists(dir.Join("checkpoint"))));
}

TEST_CASE("Parts that do not tile across the ranks are refused everywhere") {
  TempDir dir;
  auto results = RunRanks<absl::Status>(2, [&](Communicator& comm) {
    // Rank 0 holds rows 0-5, rank 1 rows 0-11 (as if alone): 0-5 twice.
    std::unique_ptr<DistModel> m =
        MakeDistModel(0, comm.rank() == 0 ? 2 : 1, 2, true);
    Checkpoint ckpt;
    CKPT_RETURN_IF_ERROR(ckpt.Track("model", *m));
    SaveOptions options;
    options.communicator = &comm;
    return ckpt.Save(dir.Join("ckpt"), options).status();
  });
  for (const absl::Status& s : results) {
    REQUIRE(s.code() == absl::StatusCode::kInvalidArgument);
    REQUIRE(absl::StrContains(
        s.message(),
        "partitioned value 'model/emb/.ATTRIBUTES/VARIABLE_VALUE': the parts "
        "of all 2 ranks holds (3 slices) do not tile [12,4]"));
  }
  REQUIRE(
      absl::IsNotFound(Env::Default()->FileExists(dir.Join("ckpt-1.index"))));
}

TEST_CASE("A failure on one rank fails every rank, the last checkpoint stays") {
  TempDir dir;
  for (const absl::StatusOr<std::string>& p : SaveOnRanks(dir, 3, 3)) {
    CKPT_REQUIRE_OK(p);
  }
  FailPartEnv env(Env::Default(), "part-00001-of-00003");
  std::vector<int64_t> counters(3, -1);
  auto results = RunRanks<absl::Status>(3, [&](Communicator& comm) {
    std::unique_ptr<DistModel> m = MakeDistModel(comm.rank(), 3, 3, true);
    Checkpoint ckpt;
    CKPT_RETURN_IF_ERROR(ckpt.Track("model", *m));
    ckpt.save_counter().mutable_flat<int64_t>()[0] = 1;
    SaveOptions options;
    options.env = &env;
    options.communicator = &comm;
    absl::Status s = ckpt.Save(dir.Join("ckpt"), options).status();
    counters[static_cast<size_t>(comm.rank())] =
        ckpt.save_counter().flat<int64_t>()[0];
    return s;
  });
  for (int r = 0; r < 3; ++r) {
    REQUIRE(results[r].code() == absl::StatusCode::kResourceExhausted);
    REQUIRE(absl::StrContains(results[r].message(), "rank 1: "));
    REQUIRE(absl::StrContains(results[r].message(), "disk full"));
    REQUIRE(counters[r] == 1);  // rolled back on every rank
  }
  Env* fs = Env::Default();
  REQUIRE(absl::IsNotFound(fs->FileExists(dir.Join("ckpt-2.index"))));
  REQUIRE(absl::IsNotFound(
      fs->FileExists(checkpoint::CollectiveTempDir(dir.Join("ckpt-2")))));
  absl::StatusOr<std::string> latest = LatestCheckpoint(dir.path());
  CKPT_REQUIRE_OK(latest);
  REQUIRE(*latest == dir.Join("ckpt-1"));
  for (const std::string& r : RestoreOnRanks(dir.Join("ckpt-1"), 2, 2)) {
    REQUIRE(r == "");
  }
}

TEST_CASE("A planning error on one rank is every rank's error") {
  TempDir dir;
  auto results = SaveOnRanks(dir, 2, 2, nullptr, [](DistModel& m, int rank) {
    if (rank == 1) m.dense = Variable();  // uninitialized
  });
  for (const absl::StatusOr<std::string>& r : results) {
    REQUIRE(r.status().code() == absl::StatusCode::kFailedPrecondition);
    REQUIRE(absl::StrContains(r.status().message(), "rank 1: "));
    REQUIRE(absl::StrContains(r.status().message(), "'model/dense'"));
  }
}

TEST_CASE("A killed save's temporary directory is cleared by the next save") {
  TempDir dir;
  Env* env = Env::Default();
  const std::string stale = checkpoint::CollectiveTempDir(dir.Join("ckpt-1"));
  CKPT_REQUIRE_OK(env->CreateDir(stale));
  CKPT_REQUIRE_OK(WriteStringToFileAtomic(
      env,
      checkpoint::CollectivePartPrefix(dir.Join("ckpt-1"), 1, 2) + ".index",
      "half-written"));
  for (const absl::StatusOr<std::string>& p : SaveOnRanks(dir, 2, 2)) {
    CKPT_REQUIRE_OK(p);
  }
  REQUIRE(absl::IsNotFound(env->FileExists(stale)));
  for (const std::string& r : RestoreOnRanks(dir.Join("ckpt-1"), 2, 2)) {
    REQUIRE(r == "");
  }
}

TEST_CASE("A local share saves only with a communicator") {
  TempDir dir;
  std::unique_ptr<DistModel> m = MakeDistModel(0, 2, 2, true);
  Checkpoint ckpt;
  CKPT_REQUIRE_OK(ckpt.Track("model", *m));
  CKPT_REQUIRE_ERROR(ckpt.Save(dir.Join("ckpt")),
                     absl::StatusCode::kInvalidArgument,
                     "the parts do not tile [12,4]");
  CKPT_REQUIRE_ERROR(m->emb.Concat(), absl::StatusCode::kFailedPrecondition,
                     "local share");
}

TEST_CASE("SaveAsync with a communicator: collective in the background") {
  TempDir dir;
  auto results = RunRanks<std::string>(3, [&](Communicator& comm) {
    std::unique_ptr<DistModel> m = MakeDistModel(comm.rank(), 3, 3, true);
    Checkpoint ckpt;
    if (!ckpt.Track("model", *m).ok()) return std::string("track");
    SaveOptions options;
    options.communicator = &comm;
    absl::StatusOr<std::string> prefix =
        ckpt.SaveAsync(dir.Join("ckpt"), options);
    if (!prefix.ok()) return prefix.status().ToString();
    // The snapshot was taken at the call: later changes are not saved.
    m->dense.mutable_flat<float>()[0] = -1.0f;
    absl::Status done = ckpt.Wait();
    return done.ok() ? *prefix : done.ToString();
  });
  for (const std::string& r : results) REQUIRE(r == dir.Join("ckpt-1"));
  absl::StatusOr<std::string> latest = LatestCheckpoint(dir.path());
  CKPT_REQUIRE_OK(latest);
  REQUIRE(*latest == dir.Join("ckpt-1"));
  for (const std::string& r : RestoreOnRanks(dir.Join("ckpt-1"), 2, 2)) {
    REQUIRE(r == "");
  }
}

TEST_CASE("SaveAsync with a communicator: a background failure is everyone's") {
  TempDir dir;
  FailPartEnv env(Env::Default(), "part-00002-of-00003");
  auto results = RunRanks<std::string>(3, [&](Communicator& comm) {
    std::unique_ptr<DistModel> m = MakeDistModel(comm.rank(), 3, 3, true);
    Checkpoint ckpt;
    if (!ckpt.Track("model", *m).ok()) return std::string("track");
    SaveOptions options;
    options.env = &env;
    options.communicator = &comm;
    absl::StatusOr<std::string> prefix =
        ckpt.SaveAsync(dir.Join("ckpt"), options);
    if (!prefix.ok()) return "not started: " + prefix.status().ToString();
    return ckpt.Wait().ToString();
  });
  for (const std::string& r : results) {
    REQUIRE(absl::StrContains(r, "RESOURCE_EXHAUSTED"));
    REQUIRE(absl::StrContains(r, "rank 2: "));
  }
  Env* fs = Env::Default();
  REQUIRE(absl::IsNotFound(fs->FileExists(dir.Join("ckpt-1.index"))));
  REQUIRE(absl::IsNotFound(fs->FileExists(dir.Join("checkpoint"))));
}

// A communicator whose collectives must stay on the caller's thread.
class ForegroundOnly : public Communicator {
 public:
  explicit ForegroundOnly(Communicator& inner) : inner_(inner) {}
  int rank() const override { return inner_.rank(); }
  int size() const override { return inner_.size(); }
  absl::StatusOr<std::vector<std::string>> AllGather(
      absl::string_view mine) override {
    return inner_.AllGather(mine);
  }
  absl::StatusOr<std::string> Broadcast(int root,
                                        absl::string_view data) override {
    return inner_.Broadcast(root, data);
  }
  absl::Status Barrier() override { return inner_.Barrier(); }
  void Abort(const absl::Status& why) override { inner_.Abort(why); }
  absl::Status CheckBackgroundUse() const override {
    return inner_.rank() == 1
               ? absl::FailedPreconditionError("no background collectives")
               : absl::OkStatus();
  }

 private:
  Communicator& inner_;
};

TEST_CASE("SaveAsync with a communicator that forbids it starts nowhere") {
  auto results = RunRanks<absl::Status>(2, [](Communicator& comm) {
    ForegroundOnly fg(comm);
    std::unique_ptr<DistModel> m = MakeDistModel(comm.rank(), 2, 2, true);
    Checkpoint ckpt;
    CKPT_RETURN_IF_ERROR(ckpt.Track("model", *m));
    SaveOptions options;
    options.communicator = &fg;
    absl::Status s = ckpt.SaveAsync("/unused/ckpt", options).status();
    if (ckpt.save_in_flight()) return absl::InternalError("started");
    if (ckpt.save_counter().flat<int64_t>()[0] != 0) {
      return absl::InternalError("counter not rolled back");
    }
    return s;
  });
  for (const absl::Status& s : results) {
    REQUIRE(s.code() == absl::StatusCode::kFailedPrecondition);
    REQUIRE(s.message() == "rank 1: no background collectives");
  }
}

TEST_CASE("A ShardedVariable held whole by every rank is written once") {
  TempDir dir;
  auto results = RunRanks<absl::Status>(3, [&](Communicator& comm) {
    struct Whole : Trackable {
      ShardedVariable table;
      void VisitChildren(ChildVisitor& visit) override {
        visit("table", table);
      }
    } whole;
    CKPT_ASSIGN_OR_RETURN(
        whole.table, ShardedVariable::Create(DataType::kFloat,
                                             TensorShape{kRows, kCols}, 4));
    for (int p = 0; p < whole.table.num_parts(); ++p) {
      Tensor& part = whole.table.mutable_part(p);
      for (int64_t i = 0; i < part.num_elements(); ++i) {
        part.mutable_flat<float>()[i] =
            static_cast<float>(whole.table.row_offset(p) * kCols + i);
      }
    }
    Checkpoint ckpt;
    CKPT_RETURN_IF_ERROR(ckpt.Track("model", whole));
    SaveOptions options;
    options.communicator = &comm;
    return ckpt.Save(dir.Join("ckpt"), options).status();
  });
  for (const absl::Status& s : results) CKPT_REQUIRE_OK(s);
  absl::StatusOr<std::unique_ptr<BundleReader>> reader =
      BundleReader::Open(Env::Default(), dir.Join("ckpt-1"));
  CKPT_REQUIRE_OK(reader);
  absl::StatusOr<std::vector<TensorSlice>> slices =
      (*reader)->GetSlices("model/table/.ATTRIBUTES/VARIABLE_VALUE");
  CKPT_REQUIRE_OK(slices);
  REQUIRE(slices->size() == 4);  // once, not once per rank
  absl::StatusOr<Tensor> table =
      (*reader)->Read("model/table/.ATTRIBUTES/VARIABLE_VALUE");
  CKPT_REQUIRE_OK(table);
  for (int64_t i = 0; i < kRows * kCols; ++i) {
    REQUIRE(table->flat<float>()[i] == static_cast<float>(i));
  }
}

TEST_CASE("A collective restore waits for the collective save in flight") {
  TempDir dir;
  auto results = RunRanks<std::string>(2, [&](Communicator& comm) {
    std::unique_ptr<DistModel> m = MakeDistModel(comm.rank(), 2, 2, true);
    Checkpoint ckpt;
    if (!ckpt.Track("model", *m).ok()) return std::string("track");
    SaveOptions options;
    options.communicator = &comm;
    absl::StatusOr<std::string> first = ckpt.Save(dir.Join("ckpt"), options);
    if (!first.ok()) return first.status().ToString();
    absl::StatusOr<std::string> second =
        ckpt.SaveAsync(dir.Join("ckpt"), options);
    if (!second.ok()) return second.status().ToString();
    // Resolves the directory on rank 0 after the save in flight commits.
    RestoreOptions restore;
    restore.communicator = &comm;
    absl::StatusOr<RestoreStatus> restored = ckpt.Restore(dir.path(), restore);
    if (!restored.ok()) return restored.status().ToString();
    return Mismatch(*m) + (ckpt.save_in_flight() ? " in flight" : "");
  });
  for (const std::string& r : results) REQUIRE(r == "");
  absl::StatusOr<std::string> latest = LatestCheckpoint(dir.path());
  CKPT_REQUIRE_OK(latest);
  REQUIRE(*latest == dir.Join("ckpt-2"));
}

TEST_CASE("CreateLocal gives each rank a contiguous run of parts") {
  absl::StatusOr<ShardedVariable> v = ShardedVariable::CreateLocal(
      DataType::kFloat, TensorShape{10, 2}, 4, 1, 2);
  CKPT_REQUIRE_OK(v);
  // Parts of 3,3,2,2 rows; rank 1 of 2 holds parts 2 and 3.
  REQUIRE(v->is_local());
  REQUIRE(v->num_parts() == 2);
  REQUIRE(v->row_offset(0) == 6);
  REQUIRE(v->part(0).shape() == TensorShape{2, 2});
  REQUIRE(v->row_offset(1) == 8);
  REQUIRE(v->shape() == TensorShape{10, 2});
  CKPT_REQUIRE_ERROR(ShardedVariable::CreateLocal(DataType::kFloat,
                                                  TensorShape{10, 2}, 2, 0, 3),
                     absl::StatusCode::kInvalidArgument,
                     "2 parts of [10,2] cannot give each of 3 ranks a part");
  CKPT_REQUIRE_ERROR(ShardedVariable::CreateLocal(DataType::kFloat,
                                                  TensorShape{10, 2}, 4, 2, 2),
                     absl::StatusCode::kInvalidArgument,
                     "rank 2 is not one of 2 ranks");
}

}  // namespace
}  // namespace ckpt
