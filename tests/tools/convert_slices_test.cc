// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// `ckpt convert` and partitioned tensors: slices are kept byte for byte,
// --merge-slices writes them whole, --partition KEY=N splits a tensor along
// axis 0 as TensorFlow's fixed-size partitioner does (entries compared with
// the layout TensorFlow's SaveSliceInfo.spec gives), and bad flags are usage
// errors. Bundles from tests/tools/slice_fixtures.h.

#include "cli/convert_slices.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ckpt/bundle_reader.h"
#include "ckpt/bundle_writer.h"
#include "ckpt/env.h"
#include "ckpt/tensor.h"
#include "ckpt/tensor_slice.h"
#include "cli/cli.h"
#include "testing/test_util.h"
#include "tools/slice_fixtures.h"

namespace ckpt::cli {
namespace {

using ::Catch::Matchers::Contains;
using ::ckpt::testing::ReadFileOrDie;
using ::ckpt::testing::RunCliFunction;
using ::ckpt::testing::SliceKey;
using ::ckpt::testing::TempDir;
using ::ckpt::testing::WriteSlicedBundle;
using Result = testing::CommandResult;

Result Convert(const std::vector<std::string>& args) {
  return RunCliFunction(RunConvert, args);
}

std::unique_ptr<BundleReader> OpenOrDie(const std::string& prefix) {
  auto r = BundleReader::Open(Env::Default(), prefix);
  CKPT_REQUIRE_OK(r);
  return std::move(r).value();
}

// The slices of `key` as text, in stored order.
std::vector<std::string> SliceTexts(const BundleReader& r,
                                    const std::string& key) {
  std::vector<std::string> out;
  absl::StatusOr<std::vector<TensorSlice>> slices = r.GetSlices(key);
  CKPT_REQUIRE_OK(slices);
  for (const TensorSlice& s : *slices) {
    out.push_back(s.DebugString());
  }
  return out;
}

void RequireSameFiles(const std::string& a, const std::string& b,
                      int num_shards) {
  CHECK(ReadFileOrDie(IndexFilename(a)) == ReadFileOrDie(IndexFilename(b)));
  for (int s = 0; s < num_shards; ++s) {
    CHECK(ReadFileOrDie(DataFilename(a, s, num_shards)) ==
          ReadFileOrDie(DataFilename(b, s, num_shards)));
  }
}

TEST_CASE("convert keeps slices byte for byte", "[cli][convert][slices]") {
  for (int shards : {1, 3}) {
    INFO("shards " << shards);
    TempDir tmp;
    const std::string src = tmp.Join("src/ckpt-1");
    WriteSlicedBundle(src, shards);
    const std::string dst = tmp.Join("dst/ckpt-1");
    const Result r = Convert({src, dst});
    INFO(r.err);
    REQUIRE(r.code == 0);
    CHECK(r.out ==
          "Converted 4 tensors (2 partitioned, 5 slices; 84 -> 84 "
          "bytes stored, compression none) in " +
              std::to_string(shards) + " data file(s): " + src + " -> " + dst +
              "\n");
    RequireSameFiles(src, dst, shards);
  }
}

TEST_CASE("convert --merge-slices writes partitioned tensors whole",
          "[cli][convert][slices]") {
  TempDir tmp;
  const std::string src = tmp.Join("src/ckpt-1");
  WriteSlicedBundle(src, 1);
  const std::string dst = tmp.Join("dst/ckpt-1");
  const Result r = Convert({src, dst, "--merge-slices"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(r.out ==
        "Converted 4 tensors (84 -> 84 bytes stored, compression "
        "none) in 1 data file(s): " +
            src + " -> " + dst + "\n");
  auto out = OpenOrDie(dst);
  const auto entries = out->ListEntries().value();
  REQUIRE(entries.size() == 4);
  for (const auto& [key, entry] : entries) {
    CHECK_FALSE(IsSliceKey(key));
    CHECK(entry.num_slices == 0);
  }
  CHECK(out->Read("v")->Equals(testing::SliceFixtureV()));
  CHECK(out->Read("w")->Equals(testing::SliceFixtureW()));
  // The same files as writing the values whole in the same order.
  const std::string plain = tmp.Join("plain/ckpt-1");
  testing::WriteBundleOrDie(plain, {{"a", testing::SliceFixtureA()},
                                    {"v", testing::SliceFixtureV()},
                                    {"w", testing::SliceFixtureW()},
                                    {"s", testing::SliceFixtureS()}});
  RequireSameFiles(plain, dst, 1);
}

TEST_CASE("convert --partition splits rows as TensorFlow does",
          "[cli][convert][slices]") {
  TempDir tmp;
  const std::string src = tmp.Join("src/ckpt-1");
  std::vector<float> big(7 * 2);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<float>(i) / 4;
  const Tensor b = testing::VectorTensor<float>(TensorShape({7, 2}), big);
  testing::WriteBundleOrDie(src, {{"a", testing::SliceFixtureA()},
                                  {"b", b},
                                  {"s", testing::SliceFixtureS()}});
  const std::string dst = tmp.Join("dst/ckpt-1");
  const Result r = Convert({src, dst, "--partition", "b=3", "--partition=a=5"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(r.out ==
        "Converted 3 tensors (2 partitioned, 5 slices; 72 -> 72 "
        "bytes stored, compression none) in 1 data file(s): " +
            src + " -> " + dst + "\n");
  auto out = OpenOrDie(dst);
  // 7 rows in 3 parts: 3, 2, 2; every dimension as start,length.
  CHECK(SliceTexts(*out, "b") ==
        std::vector<std::string>{"0,3:0,2", "3,2:0,2", "5,2:0,2"});
  // N > rows: clamped to one part per row.
  CHECK(SliceTexts(*out, "a") == std::vector<std::string>{"0,1", "1,1"});
  CHECK(out->Read("b")->Equals(b));
  CHECK(out->Read("a")->Equals(testing::SliceFixtureA()));
  const BundleEntry full = out->GetEntry("b").value();
  CHECK(full.num_slices == 3);
  CHECK(full.shape == TensorShape({7, 2}));
  const BundleEntry part = out->GetEntry(SliceKey("b", "3,2:0,2")).value();
  CHECK(part.shape == TensorShape({2, 2}));
  CHECK(part.size == 16);
  // Data order: a's parts, b's parts, s, each where the tensor was.
  CHECK(out->GetEntry(SliceKey("a", "0,1")).value().offset == 0);
  CHECK(out->GetEntry(SliceKey("b", "0,3:0,2")).value().offset == 8);
  CHECK(part.offset == 8 + 24);
  CHECK(out->GetEntry("s").value().offset == 64);
  // The result is a valid checkpoint; merging it gives the source back.
  CHECK(RunCliFunction(RunVerify, {dst}).code == 0);
  const std::string merged = tmp.Join("merged/ckpt-1");
  REQUIRE(Convert({dst, merged, "--merge-slices"}).code == 0);
  RequireSameFiles(src, merged, 1);
}

TEST_CASE("convert --partition re-partitions a partitioned tensor",
          "[cli][convert][slices]") {
  TempDir tmp;
  const std::string src = tmp.Join("src/ckpt-1");
  WriteSlicedBundle(src, 2);
  const std::string dst = tmp.Join("dst/ckpt-1");
  const Result r = Convert({src, dst, "--partition", "v=4"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  auto out = OpenOrDie(dst);
  CHECK(SliceTexts(*out, "v") ==
        std::vector<std::string>{"0,1:0,3", "1,1:0,3", "2,1:0,3", "3,1:0,3"});
  CHECK(SliceTexts(*out, "w") == std::vector<std::string>{"0,2", "2,2", "4,1"});
  CHECK(out->Read("v")->Equals(testing::SliceFixtureV()));
  // The parts go to the shard of v's first slice.
  CHECK(out->GetEntry(SliceKey("v", "3,1:0,3")).value().shard_id == 0);
  CHECK(RunCliFunction(RunVerify, {dst}).code == 0);
}

TEST_CASE("convert --partition usage errors exit 2",
          "[cli][convert][slices][usage]") {
  TempDir tmp;
  const std::string src = tmp.Join("src/ckpt-1");
  WriteSlicedBundle(src, 1);
  const std::string dst = tmp.Join("dst/ckpt-1");
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--partition", "v"}, "bad --partition 'v'"},
      {{"--partition", "v=0"}, "bad --partition 'v=0'"},
      {{"--partition", "v=x"}, "bad --partition 'v=x'"},
      {{"--partition"}, "option '--partition' needs a value"},
      {{"--partition", "nope=2"}, "--partition: no tensor 'nope'"},
      {{"--partition", "s=2"}, "is a scalar"},
      {{"--partition", "w=2", "--partition", "w=3"}, "named twice"},
  };
  for (const auto& [flags, message] : cases) {
    std::vector<std::string> args = {src, dst};
    args.insert(args.end(), flags.begin(), flags.end());
    const Result r = Convert(args);
    INFO(r.err);
    CHECK(r.code == kExitUsage);
    CHECK_THAT(r.err, Contains(message));
    CHECK(r.out.empty());
    CHECK_FALSE(Env::Default()->FileExists(IndexFilename(dst)).ok());
  }
}

TEST_CASE("convert refuses a partitioned tensor with a missing slice",
          "[cli][convert][slices]") {
  TempDir tmp;
  const std::string src = tmp.Join("src/ckpt-1");
  WriteSlicedBundle(src, 1);
  testing::DropIndexKeyOrDie(src, SliceKey("w", "4,1"));
  const std::string dst = tmp.Join("dst/ckpt-1");
  const Result r = Convert({src, dst});
  CHECK(r.code == kExitDataLoss);
  CHECK_THAT(r.err, Contains("'w': slice 4,1 has no entry"));
  CHECK_FALSE(Env::Default()->FileExists(IndexFilename(dst)).ok());
}

TEST_CASE("SplitRows matches TensorFlow's fixed-size partitioner",
          "[cli][convert][slices]") {
  using Parts = std::vector<std::pair<int64_t, int64_t>>;
  CHECK(SplitRows(10, 3) == Parts{{0, 4}, {4, 3}, {7, 3}});
  CHECK(SplitRows(9, 3) == Parts{{0, 3}, {3, 3}, {6, 3}});
  CHECK(SplitRows(2, 5) == Parts{{0, 1}, {1, 1}});
  CHECK(SplitRows(5, 1) == Parts{{0, 5}});
}

}  // namespace
}  // namespace ckpt::cli
