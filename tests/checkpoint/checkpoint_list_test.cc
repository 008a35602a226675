// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// ListCheckpoints: a directory kept by CheckpointManager (keep_best, a pin,
// fixed timestamps), TensorFlow-written directories, state files with
// absolute, relative, duplicate and outside paths, missing and corrupted
// files (files_present, verify), and the errors for a directory without a
// state file or with a garbage state or metadata file.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "checkpoint/checkpoint_list_fixtures.h"
#include "ckpt/bundle_format.h"
#include "ckpt/checkpoint.h"
#include "ckpt/checkpoint_manager.h"
#include "ckpt/env.h"
#include "testing/test_util.h"

namespace ckpt {
namespace {

using ::ckpt::testing::TempDir;
using ::ckpt::testing::WriteFileOrDie;
using ::ckpt::testing::checkpoint_list::kT0;
using ::ckpt::testing::checkpoint_list::kWKey;
using ::ckpt::testing::checkpoint_list::ManagedRun;
using ::ckpt::testing::checkpoint_list::SmallModel;
namespace fs = std::filesystem;

// Saved by ManagedRun: ckpt-2 is the best (smallest).
constexpr double kMetrics[] = {0.5, 0.1, 0.7, 0.9, 0.8};

uint64_t FileSize(const std::string& path) { return fs::file_size(path); }

std::string NormalizedJoin(const std::string& dir, const std::string& name) {
  return fs::path(JoinPath(dir, name)).lexically_normal().string();
}

int64_t CheckpointBytes(const std::string& prefix) {
  return static_cast<int64_t>(FileSize(IndexFilename(prefix)) +
                              FileSize(DataFilename(prefix, 0, 1)));
}

std::vector<CheckpointInfo> List(const std::string& dir, bool verify = false) {
  absl::StatusOr<std::vector<CheckpointInfo>> list =
      ListCheckpoints(Env::Default(), dir, verify);
  CKPT_REQUIRE_OK(list);
  return *std::move(list);
}

// A one-shard checkpoint at `prefix` (not made by a manager).
void WriteCheckpoint(const std::string& prefix, int64_t value) {
  SmallModel model;
  model.Set(value);
  Checkpoint checkpoint;
  REQUIRE(checkpoint.Track("model", model).ok());
  CKPT_REQUIRE_OK(checkpoint.Write(prefix));
}

TEST_CASE(
    "ListCheckpoints lists a managed directory: metrics, pins, "
    "timestamps, sizes") {
  TempDir dir;
  ManagedRun(dir.path(), kMetrics);
  for (const bool verify : {false, true}) {
    const std::vector<CheckpointInfo> list = List(dir.path(), verify);
    REQUIRE(list.size() == 4);
    const int64_t numbers[] = {1, 2, 4, 5};
    const double metrics[] = {0.5, 0.1, 0.9, 0.8};
    for (size_t i = 0; i < list.size(); ++i) {
      const CheckpointInfo& c = list[i];
      INFO(c.prefix);
      const std::string name = absl::StrCat("ckpt-", numbers[i]);
      CHECK(c.prefix == dir.Join(name));
      CHECK(c.name == name);
      CHECK(c.number == numbers[i]);
      CHECK(c.timestamp == kT0 + 3600.0 * static_cast<double>(numbers[i]));
      CHECK(c.bytes == CheckpointBytes(c.prefix));
      CHECK(c.bytes > 0);
      CHECK(c.metric == metrics[i]);
      CHECK(c.pinned == (numbers[i] == 1));
      CHECK_FALSE(c.preserved);
      CHECK(c.latest == (numbers[i] == 5));
      CHECK(c.files_present);
      if (verify) {
        REQUIRE(c.verified.has_value());
        CKPT_REQUIRE_OK(*c.verified);
      } else {
        CHECK_FALSE(c.verified.has_value());
      }
    }
  }
}

TEST_CASE(
    "ListCheckpoints takes the directory spelled with a slash or "
    "relative") {
  TempDir dir;
  ManagedRun(dir.path(), kMetrics);
  const std::vector<CheckpointInfo> slash = List(dir.path() + "//");
  REQUIRE(slash.size() == 4);
  CHECK(slash[0].prefix == dir.Join("ckpt-1"));
  CHECK(slash[0].name == "ckpt-1");
  // Prefixes keep the directory's spelling; names are relative to it.
  const std::vector<CheckpointInfo> dot = List(dir.path() + "/./");
  REQUIRE(dot.size() == 4);
  CHECK(dot[0].prefix == dir.path() + "/./ckpt-1");
  CHECK(dot[0].name == "ckpt-1");
  CHECK(dot[0].pinned);
  CHECK(dot[3].latest);
  const std::string relative =
      fs::relative(dir.path(), fs::current_path()).string();
  const std::vector<CheckpointInfo> rel = List(relative);
  REQUIRE(rel.size() == 4);
  CHECK(rel[3].name == "ckpt-5");
  CHECK(rel[3].latest);
  CHECK(rel[0].pinned);
  CHECK(rel[0].files_present);
}

TEST_CASE("ListCheckpoints reads TensorFlow-written directories") {
  if (testing::SkipWithoutTfTestData()) return;
  TempDir dir;
  fs::copy(testing::TfPath("golf"), dir.path(),
           fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  const std::vector<CheckpointInfo> list = List(dir.path(), /*verify=*/true);
  REQUIRE(list.size() == 2);
  CHECK(list[0].name == "ckpt-1");
  CHECK(list[0].number == 1);
  CHECK(list[0].timestamp == 1606867698.033619);
  CHECK(list[1].timestamp == 1606867791.8105);
  for (const CheckpointInfo& c : list) {
    CHECK(c.bytes == 1740 + 37074);
    CHECK_FALSE(c.metric.has_value());
    CHECK_FALSE(c.pinned);
    CHECK_FALSE(c.preserved);  // both after last_preserved_timestamp
    CHECK(c.files_present);
    REQUIRE(c.verified.has_value());
    CKPT_REQUIRE_OK(*c.verified);
  }
  CHECK_FALSE(list[0].latest);
  CHECK(list[1].latest);

  // Keras save_weights: no timestamps, the named checkpoint is gone.
  TempDir til;
  fs::copy(testing::TfPath("til"), til.path(),
           fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  const std::vector<CheckpointInfo> gone = List(til.path(), /*verify=*/true);
  REQUIRE(gone.size() == 1);
  const CheckpointInfo& c = gone[0];
  CHECK(c.name == "cp-0050.ckpt");
  CHECK_FALSE(c.number.has_value());
  CHECK_FALSE(c.timestamp.has_value());
  CHECK(c.preserved);  // no timestamp: no manager deletes it
  CHECK(c.latest);
  CHECK_FALSE(c.files_present);
  CHECK(c.bytes == 0);
  REQUIRE(c.verified.has_value());
  CKPT_REQUIRE_ERROR(*c.verified, absl::StatusCode::kNotFound,
                     "cp-0050.ckpt.index");
}

TEST_CASE(
    "ListCheckpoints resolves absolute, relative, outside and "
    "duplicate paths") {
  TempDir dir;
  TempDir other;
  WriteCheckpoint(dir.Join("ckpt-1"), 1);
  WriteCheckpoint(dir.Join("ckpt-2"), 2);
  WriteCheckpoint(dir.Join("model.ckpt-1000"), 3);
  WriteCheckpoint(other.Join("ckpt-9"), 9);
  // Absolute paths (as TensorFlow 1 writes them), one spelled twice, one
  // outside the directory; the latest is not in the list.
  WriteFileOrDie(
      dir.Join("checkpoint"),
      absl::StrCat("model_checkpoint_path: \"", dir.Join("model.ckpt-1000"),
                   "\"\n", "all_model_checkpoint_paths: \"", dir.Join("ckpt-1"),
                   "\"\n", "all_model_checkpoint_paths: \"",
                   other.Join("ckpt-9"), "\"\n",
                   "all_model_checkpoint_paths: \"./ckpt-2\"\n",
                   "all_model_checkpoint_paths: \"", dir.path(), "//ckpt-1\"\n",
                   "all_model_checkpoint_timestamps: 100.0\n",
                   "all_model_checkpoint_timestamps: 200.0\n",
                   "all_model_checkpoint_timestamps: 300.0\n",
                   "all_model_checkpoint_timestamps: 400.0\n",
                   "last_preserved_timestamp: 200.0\n"));
  WriteFileOrDie(dir.Join("checkpoint.manager"),
                 "ckpt-manager-metadata 1\n0.25\t1\tckpt-1\n-\t1\tckpt-9\n");
  const std::vector<CheckpointInfo> list = List(dir.path());
  REQUIRE(list.size() == 4);
  CHECK(list[0].prefix == dir.Join("ckpt-1"));
  CHECK(list[0].name == "ckpt-1");
  CHECK(list[0].number == 1);
  CHECK(list[0].timestamp == 100.0);
  CHECK(list[0].preserved);  // 100 <= 200
  CHECK(list[0].metric == 0.25);
  CHECK(list[0].pinned);

  CHECK(list[1].prefix == other.Join("ckpt-9"));
  CHECK(list[1].name == other.Join("ckpt-9"));  // outside: the prefix
  CHECK(list[1].number == 9);
  CHECK(list[1].preserved);     // 200 <= 200
  CHECK_FALSE(list[1].pinned);  // metadata is for the directory's own
  CHECK(list[1].files_present);

  CHECK(list[2].prefix == dir.Join("ckpt-2"));
  CHECK(list[2].name == "ckpt-2");
  CHECK(list[2].timestamp == 300.0);
  CHECK_FALSE(list[2].preserved);
  CHECK_FALSE(list[2].latest);

  CHECK(list[3].prefix == dir.Join("model.ckpt-1000"));
  CHECK(list[3].name == "model.ckpt-1000");
  CHECK(list[3].number == 1000);
  CHECK_FALSE(list[3].timestamp.has_value());
  CHECK(list[3].preserved);
  CHECK(list[3].latest);
  CHECK(list[3].files_present);

  // The directory spelled relative to the working directory: the absolute
  // paths are still inside it.
  const std::string relative =
      fs::relative(dir.path(), fs::current_path()).string();
  REQUIRE(relative.front() != '/');
  const std::vector<CheckpointInfo> by_rel = List(relative);
  REQUIRE(by_rel.size() == 4);
  CHECK(by_rel[0].name == "ckpt-1");
  CHECK(by_rel[0].metric == 0.25);
  CHECK(by_rel[0].pinned);
  CHECK(by_rel[1].name == other.Join("ckpt-9"));
  CHECK(by_rel[2].prefix == NormalizedJoin(relative, "ckpt-2"));
  CHECK(by_rel[2].name == "ckpt-2");
  CHECK(by_rel[3].name == "model.ckpt-1000");

  // Relative paths in the state file, timestamps that do not match the
  // paths (ignored, as the manager does), no metadata.
  TempDir rel;
  WriteCheckpoint(rel.Join("cp-0001.ckpt"), 1);
  WriteFileOrDie(rel.Join("checkpoint"),
                 "model_checkpoint_path: \"cp-0001.ckpt\"\n"
                 "all_model_checkpoint_paths: \"cp-0001.ckpt\"\n"
                 "all_model_checkpoint_paths: \"sub/ckpt-3\"\n"
                 "all_model_checkpoint_timestamps: 5.0\n");
  const std::vector<CheckpointInfo> r = List(rel.path());
  REQUIRE(r.size() == 2);
  CHECK(r[0].prefix == rel.Join("cp-0001.ckpt"));
  CHECK_FALSE(r[0].number.has_value());
  CHECK_FALSE(r[0].timestamp.has_value());
  CHECK(r[0].latest);
  CHECK(r[0].files_present);
  CHECK(r[1].name == "sub/ckpt-3");
  CHECK(r[1].number == 3);
  CHECK_FALSE(r[1].files_present);
  CHECK(r[1].bytes == 0);
}

TEST_CASE("ListCheckpoints: a deleted data file is listed, not an error") {
  TempDir dir;
  ManagedRun(dir.path(), kMetrics);
  const std::string prefix = dir.Join("ckpt-4");
  const std::string data = DataFilename(prefix, 0, 1);
  const uint64_t index_size = FileSize(IndexFilename(prefix));
  REQUIRE(fs::remove(data));
  for (const bool verify : {false, true}) {
    const std::vector<CheckpointInfo> list = List(dir.path(), verify);
    REQUIRE(list.size() == 4);
    const CheckpointInfo& c = list[2];
    REQUIRE(c.prefix == prefix);
    CHECK_FALSE(c.files_present);
    CHECK(c.bytes == static_cast<int64_t>(index_size));
    CHECK(c.metric == 0.9);
    CHECK(list[3].files_present);
    if (verify) {
      REQUIRE(c.verified.has_value());
      CKPT_REQUIRE_ERROR(*c.verified, absl::StatusCode::kNotFound,
                         "ckpt-4.data-00000-of-00001");
      CKPT_REQUIRE_OK(*list[3].verified);
    }
  }
  // The index gone too: the data files left are counted.
  TempDir d2;
  WriteCheckpoint(d2.Join("ckpt-1"), 1);
  WriteFileOrDie(d2.Join("checkpoint"), "model_checkpoint_path: \"ckpt-1\"\n");
  const uint64_t data_size = FileSize(DataFilename(d2.Join("ckpt-1"), 0, 1));
  REQUIRE(fs::remove(IndexFilename(d2.Join("ckpt-1"))));
  const std::vector<CheckpointInfo> list = List(d2.path());
  REQUIRE(list.size() == 1);
  CHECK_FALSE(list[0].files_present);
  CHECK(list[0].bytes == static_cast<int64_t>(data_size));
  CHECK(list[0].latest);
}

TEST_CASE("ListCheckpoints: a corrupted data byte fails verification only") {
  TempDir dir;
  ManagedRun(dir.path(), kMetrics);
  testing::CorruptStoredByte(dir.Join("ckpt-2"), kWKey, 3, 0x10);
  const std::vector<CheckpointInfo> plain = List(dir.path());
  REQUIRE(plain.size() == 4);
  CHECK(plain[1].files_present);  // the files are all there

  const std::vector<CheckpointInfo> list = List(dir.path(), /*verify=*/true);
  REQUIRE(list.size() == 4);
  for (const CheckpointInfo& c : list) {
    INFO(c.prefix);
    REQUIRE(c.verified.has_value());
    if (c.name == "ckpt-2") {
      CKPT_REQUIRE_ERROR(*c.verified, absl::StatusCode::kDataLoss, kWKey);
    } else {
      CKPT_REQUIRE_OK(*c.verified);
    }
  }
  // A corrupted index: listed, not present.
  const std::string index = IndexFilename(dir.Join("ckpt-5"));
  std::string bytes = testing::ReadFileOrDie(index);
  bytes[bytes.size() - 3] ^= 0x55;  // the footer's magic
  WriteFileOrDie(index, bytes);
  const std::vector<CheckpointInfo> damaged = List(dir.path(), true);
  REQUIRE(damaged.size() == 4);
  CHECK_FALSE(damaged[3].files_present);
  CHECK(damaged[3].latest);
  CHECK(damaged[3].bytes > 0);
  REQUIRE(damaged[3].verified.has_value());
  CHECK(absl::IsDataLoss(*damaged[3].verified));
}

TEST_CASE("ListCheckpoints errors: no state file, no directory, garbage") {
  TempDir dir;
  CKPT_REQUIRE_ERROR(ListCheckpoints(Env::Default(), dir.path()),
                     absl::StatusCode::kNotFound,
                     absl::StrCat(dir.path(), ": no `checkpoint` state file"));
  CKPT_REQUIRE_ERROR(ListCheckpoints(Env::Default(), dir.path()),
                     absl::StatusCode::kNotFound, "`ckpt ls PREFIX`");
  CKPT_REQUIRE_ERROR(ListCheckpoints(nullptr, dir.Join("nope")),
                     absl::StatusCode::kNotFound,
                     absl::StrCat(dir.Join("nope"), ": no such directory"));
  WriteCheckpoint(dir.Join("ckpt-1"), 1);
  CKPT_REQUIRE_ERROR(ListCheckpoints(nullptr, dir.Join("ckpt-1.index")),
                     absl::StatusCode::kFailedPrecondition, "not a directory");

  WriteFileOrDie(dir.Join("checkpoint"), "this is { not a state file\n");
  CKPT_REQUIRE_ERROR(ListCheckpoints(nullptr, dir.path()),
                     absl::StatusCode::kDataLoss, dir.Join("checkpoint"));
  WriteFileOrDie(dir.Join("checkpoint"), std::string(2 << 20, ' '));
  CKPT_REQUIRE_ERROR(ListCheckpoints(nullptr, dir.path()),
                     absl::StatusCode::kResourceExhausted,
                     dir.Join("checkpoint"));

  WriteFileOrDie(dir.Join("checkpoint"), "model_checkpoint_path: \"ckpt-1\"\n");
  REQUIRE(List(dir.path()).size() == 1);
  WriteFileOrDie(dir.Join("checkpoint.manager"), "garbage\n");
  CKPT_REQUIRE_ERROR(ListCheckpoints(nullptr, dir.path()),
                     absl::StatusCode::kDataLoss,
                     dir.Join("checkpoint.manager:1"));
}

}  // namespace
}  // namespace ckpt
