// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Partitioned (sliced) tensors in the `ckpt` commands other than convert
// (convert_slices_test.cc): ls lists a partitioned tensor once and hides
// its slice keys, verify checks every slice and fails on damage, show /
// stats / diff / inspect read the assembled tensor, and show --slice reads
// only the stored slices its selection meets. Bundles are written with
// BundleWriter::AddSlice (tests/tools/slice_fixtures.h).

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
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
using ::ckpt::testing::DropIndexKeyOrDie;
using ::ckpt::testing::FlipStoredByteOrDie;
using ::ckpt::testing::RunCliFunction;
using ::ckpt::testing::SliceKey;
using ::ckpt::testing::TempDir;
using ::ckpt::testing::WriteSlicedBundle;
using Result = testing::CommandResult;

Result Cli(const std::vector<std::string>& args) {
  return RunCliFunction(RunCli, args);
}

TEST_CASE("ls lists a partitioned tensor once, slice keys hidden",
          "[cli][ls][slices]") {
  TempDir tmp;
  const std::string p = tmp.Join("ckpt-1");
  WriteSlicedBundle(p, 1);
  const Result r = Cli({"ls", p});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(r.out ==
        "KEY  DTYPE    SHAPE  SIZE\n"
        "a    float32  [2]       8\n"
        "s    int64    []        8\n"
        "v    float32  [4,3]    48  2 slices\n"
        "w    int32    [5]      20  3 slices\n");

  const Result slices = Cli({"ls", "--slices", p});
  REQUIRE(slices.code == 0);
  CHECK(slices.out ==
        "KEY            DTYPE    SHAPE  SIZE\n"
        "a              float32  [2]       8\n"
        "s              int64    []        8\n"
        "v              float32  [4,3]    48  2 slices\n"
        "  slice 0,2:-  float32  [2,3]    24  shard 0\n"
        "  slice 2,2:-  float32  [2,3]    24  shard 0\n"
        "w              int32    [5]      20  3 slices\n"
        "  slice 0,2    int32    [2]       8  shard 0\n"
        "  slice 2,2    int32    [2]       8  shard 0\n"
        "  slice 4,1    int32    [1]       4  shard 0\n");
}

TEST_CASE("ls --json gives each slice's region and stored part",
          "[cli][ls][slices]") {
  TempDir tmp;
  const std::string p = tmp.Join("ckpt-1");
  WriteSlicedBundle(p, 2);
  auto reader = BundleReader::Open(Env::Default(), p).value();
  const BundleEntry v0 = reader->GetEntry(SliceKey("v", "0,2:-")).value();
  const BundleEntry v1 = reader->GetEntry(SliceKey("v", "2,2:-")).value();
  CHECK(v1.shard_id == 1);
  const Result r = Cli({"ls", "--json", p});
  INFO(r.err);
  REQUIRE(r.code == 0);
  const std::string slice_key0 =
      "\\u0000v\\u0000\\u0001\\u0001\\u0002\\u0080\\u0082\\u0080\\u007f";
  CHECK_THAT(
      r.out,
      Contains(absl::StrCat(
          "  {\"key\": \"v\", \"dtype\": \"float32\", \"shape\": [4,3], "
          "\"size\": 48, \"shard\": 0, \"offset\": 0, \"crc32c\": 0, "
          "\"slices\": [{\"slice\": \"0,2:-\", \"start\": [0,0], \"length\": "
          "[2,3], \"key\": \"",
          slice_key0, "\", \"shard\": 0, \"offset\": ", v0.offset,
          ", \"size\": 24, \"crc32c\": ", v0.masked_crc32c,
          "}, {\"slice\": \"2,2:-\", \"start\": [2,0], \"length\": [2,3], ")));
  CHECK_THAT(r.out,
             Contains(absl::StrCat("\"shard\": 1, \"offset\": ", v1.offset,
                                   ", \"size\": 24, "
                                   "\"crc32c\": ",
                                   v1.masked_crc32c, "}]},\n")));
  // Slice keys are not rows of their own: 4 tensors.
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 6);
}

TEST_CASE("ls shows orphaned slice keys with a note", "[cli][ls][slices]") {
  TempDir tmp;
  const std::string p = tmp.Join("ckpt-1");
  {
    BundleWriterOptions options;
    options.sync = false;
    auto w = BundleWriter::Create(Env::Default(), p, options).value();
    CKPT_REQUIRE_OK(w->Add("a", testing::SliceFixtureA()));
    CKPT_REQUIRE_OK(w->Add(SliceKey("ghost", "0,1"), testing::SliceFixtureA()));
    CKPT_REQUIRE_OK(w->Add(SliceKey("a", "0,1"), testing::SliceFixtureA()));
    CKPT_REQUIRE_OK(w->Finish());
  }
  const Result r = Cli({"ls", p});
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out,
             Contains("\\x00a\\x00\\x01\\x01\\x01\\x80\\x81      float32  "
                      "[2]       8  orphaned slice 0,1 of 'a': the "
                      "tensor is not partitioned\n"));
  CHECK_THAT(r.out, Contains("orphaned slice 0,1 of 'ghost': no such "
                             "tensor\n"));
  const Result json = Cli({"ls", "--json", p});
  CHECK_THAT(json.out, Contains("\"orphan\": \"orphaned slice 0,1 of 'ghost':"
                                " no such tensor\"}"));
  const Result verify = Cli({"verify", p});
  CHECK(verify.code == kExitFailed);
  CHECK_THAT(verify.err, Contains("an orphaned slice"));
  CHECK_THAT(verify.err, Contains("FAILED: 0 of 1 tensors and 2 of 2 slices "
                                  "failed"));
}

TEST_CASE("verify counts tensors and slices", "[cli][verify][slices]") {
  TempDir tmp;
  const std::string p = tmp.Join("ckpt-1");
  WriteSlicedBundle(p, 3);
  const Result r = Cli({"verify", p});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(r.out ==
        "OK: 4 tensors (5 slices), 84 bytes in 3 data file(s) "
        "verified: " +
            p + "\n");
  const Result json = Cli({"verify", "--json", p});
  REQUIRE(json.code == 0);
  CHECK(json.out == "{\"prefix\": \"" + p +
                        "\", \"ok\": true, \"tensors\": 4, \"verified\": 4, "
                        "\"slices\": 5, \"slices_verified\": 5, \"bytes\": 84, "
                        "\"data_files\": 3, \"missing_data_files\": [], "
                        "\"failures\": []}\n");
}

TEST_CASE("verify fails on a deleted slice entry", "[cli][verify][slices]") {
  TempDir tmp;
  const std::string p = tmp.Join("ckpt-1");
  WriteSlicedBundle(p, 1);
  DropIndexKeyOrDie(p, SliceKey("w", "2,2"));
  const Result r = Cli({"verify", p});
  CHECK(r.code == kExitFailed);
  CHECK(r.out.empty());
  CHECK_THAT(r.err, Contains("'w'"));
  CHECK_THAT(r.err, Contains("2,2"));
  CHECK_THAT(r.err, Contains("FAILED: 1 of 4 tensors and 0 of 4 slices "
                             "failed"));
  const Result json = Cli({"verify", "--json", p});
  CHECK(json.code == kExitFailed);
  CHECK_THAT(json.out, Contains("\"ok\": false, \"tensors\": 4, \"verified\": "
                                "3, \"slices\": 4, \"slices_verified\": 4"));
  CHECK_THAT(json.out, Contains("\"key\": \"w\", \"error\": "));
  // ls still lists it, the missing part marked.
  const Result ls = Cli({"ls", "--slices", p});
  CHECK_THAT(ls.out, Contains("  slice 2,2    -        -         -  "
                              "(no entry)\n"));
}

TEST_CASE("verify fails on a damaged slice, naming tensor and slice",
          "[cli][verify][slices]") {
  TempDir tmp;
  const std::string p = tmp.Join("ckpt-1");
  WriteSlicedBundle(p, 2);
  FlipStoredByteOrDie(p, SliceKey("v", "2,2:-"));
  const Result r = Cli({"verify", p});
  CHECK(r.code == kExitFailed);
  CHECK_THAT(r.err, Contains("slice 2,2:- of tensor 'v'"));
  CHECK_THAT(r.err, Contains(DataFilename(p, 1, 2)));
  CHECK_THAT(r.err, Contains("FAILED: 0 of 4 tensors and 1 of 5 slices "
                             "failed"));
  const Result json = Cli({"verify", "--json", p});
  CHECK(json.code == kExitFailed);
  CHECK_THAT(json.out,
             Contains("\"tensor\": \"v\", \"slice\": \"2,2:-\"}]}\n"));
}

TEST_CASE("verify fails on a hole in the slices", "[cli][verify][slices]") {
  TempDir tmp;
  const std::string p = tmp.Join("ckpt-1");
  WriteSlicedBundle(p, 1, /*skip_v_row2=*/true);
  const Result r = Cli({"verify", p});
  CHECK(r.code == kExitFailed);
  CHECK_THAT(r.err, Contains("'v'"));
  CHECK_THAT(r.err, Contains("leave a hole"));
  CHECK_THAT(r.err, Contains("FAILED: 1 of 4 tensors and 0 of 4 slices"));
}

TEST_CASE("show assembles a partitioned tensor", "[cli][show][slices]") {
  TempDir tmp;
  const std::string p = tmp.Join("ckpt-1");
  WriteSlicedBundle(p, 2);
  const Result r = Cli({"show", p, "v"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(r.out ==
        "key: v  dtype: float32  shape: [4,3]\n"
        "array([[ 0.,  1.,  2.],\n"
        "       [ 3.,  4.,  5.],\n"
        "       [ 6.,  7.,  8.],\n"
        "       [ 9., 10., 11.]], dtype=float32)\n");
  const Result sliced = Cli({"show", "--json", p, "v", "--slice", "::-3,1:"});
  REQUIRE(sliced.code == 0);
  CHECK(sliced.out ==
        "{\"key\": \"v\", \"dtype\": \"float32\", \"shape\": "
        "[4,3], \"slice\": \"::-3,1:\", \"values\": [[10, 11], "
        "[1, 2]]}\n");
  const Result w = Cli({"show", p, "w", "--slice", "3"});
  REQUIRE(w.code == 0);
  CHECK(w.out ==
        "key: w  dtype: int32  shape: [5]  slice: 3\narray(13, "
        "dtype=int32)\n");
}

TEST_CASE("show --slice reads only the slices the selection meets",
          "[cli][show][slices]") {
  TempDir tmp;
  const std::string p = tmp.Join("ckpt-1");
  WriteSlicedBundle(p, 1);
  FlipStoredByteOrDie(p, SliceKey("v", "0,2:-"));
  DropIndexKeyOrDie(p, SliceKey("w", "0,2"));
  // Rows 2-3 of v live in the intact slice.
  const Result r = Cli({"show", "--json", p, "v", "--slice", "2:,0"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Contains("\"values\": [6, 9]}"));
  CHECK(Cli({"show", "--json", p, "w", "--slice", "2:"}).code == 0);
  // The whole tensor, or a region meeting the damaged slice, fails.
  const Result whole = Cli({"show", p, "v"});
  CHECK(whole.code == kExitDataLoss);
  CHECK(Cli({"show", p, "v", "--slice", "1:3"}).code == kExitDataLoss);
  CHECK(Cli({"show", p, "w", "--slice", "1"}).code == kExitDataLoss);
}

TEST_CASE("stats reads partitioned tensors whole", "[cli][stats][slices]") {
  TempDir tmp;
  const std::string p = tmp.Join("ckpt-1");
  WriteSlicedBundle(p, 2);
  const Result r = Cli({"stats", "--json", p});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Contains("{\"key\": \"v\", \"dtype\": \"float32\", "
                             "\"shape\": [4,3], \"elements\": 12, \"min\": 0, "
                             "\"max\": 11, \"mean\": 5.5, "));
  CHECK_THAT(r.out, Contains("{\"key\": \"w\", \"dtype\": \"int32\", "
                             "\"shape\": [5], \"elements\": 5, \"min\": 10, "
                             "\"max\": 14, \"mean\": 12, "));
  // One row per tensor, no slice keys.
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 6);
  const Result one = Cli({"stats", p, "w"});
  REQUIRE(one.code == 0);
  CHECK_THAT(one.out, Contains("w    int32  [5]           5   10   14    12"));
}

TEST_CASE("diff compares partitioned tensors by value", "[cli][diff][slices]") {
  TempDir tmp;
  const std::string sliced = tmp.Join("sliced/ckpt-1");
  WriteSlicedBundle(sliced, 2);
  const std::string plain = tmp.Join("plain/ckpt-1");
  testing::WriteBundleOrDie(plain, {{"a", testing::SliceFixtureA()},
                                    {"s", testing::SliceFixtureS()},
                                    {"v", testing::SliceFixtureV()},
                                    {"w", testing::SliceFixtureW()}});
  const Result same = Cli({"diff", sliced, plain});
  INFO(same.err);
  CHECK(same.code == 0);
  CHECK(same.out == "0 added, 0 removed, 0 changed, 4 equal\n");

  Tensor w = testing::SliceFixtureW();
  w.mutable_bytes()[4 * 4] = 20;  // element 4: 14 -> 20
  const std::string other = tmp.Join("other/ckpt-1");
  testing::WriteBundleOrDie(other, {{"a", testing::SliceFixtureA()},
                                    {"s", testing::SliceFixtureS()},
                                    {"v", testing::SliceFixtureV()},
                                    {"w", w}});
  const Result changed = Cli({"diff", sliced, other});
  CHECK(changed.code == kExitFailed);
  CHECK(changed.out ==
        "~ w: values differ: max |b-a| 6, relative L2 0.22207 (1 of 5 "
        "elements)\n0 added, 0 removed, 1 changed, 3 equal\n");
}

TEST_CASE("inspect_checkpoint flags on partitioned tensors",
          "[cli][inspect][slices]") {
  TempDir tmp;
  const std::string p = tmp.Join("ckpt-1");
  WriteSlicedBundle(p, 1);
  const Result one = Cli({"--file_name=" + p, "--tensor_name=w"});
  INFO(one.err);
  REQUIRE(one.code == 0);
  CHECK(one.out == "tensor_name:  w\n[10 11 12 13 14]\n");
  const Result names = Cli({"--file_name=" + p, "--all_tensor_names"});
  REQUIRE(names.code == 0);
  CHECK(names.out ==
        "tensor_name:  a\ntensor_name:  s\ntensor_name:  v\n"
        "tensor_name:  w\n");
  const Result all = Cli({"--file_name=" + p, "--all_tensors"});
  REQUIRE(all.code == 0);
  CHECK_THAT(all.out, Contains("tensor_name:  v\n[[ 0.  1.  2.]\n"));
}

}  // namespace
}  // namespace ckpt::cli
