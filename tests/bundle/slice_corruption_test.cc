// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Corrupt and malformed partitioned (sliced) tensors. Each test crafts a
// bundle by hand (index through lib/table's TableBuilder, entries, slice
// keys and payloads from the spec encoder in slice_spec_encoder.h, not
// ckpt's own encoders) holding one damaged partitioned tensor, and requires
// the documented status code and a message naming the key and, where there
// is one, the offending slice, from Read(), ReadSlice() and Verify().

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "bundle/slice_layout.h"
#include "bundle/slice_spec_encoder.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/dtype.h"
#include "ckpt/env.h"
#include "ckpt/tensor.h"
#include "ckpt/tensor_slice.h"
#include "testing/test_util.h"

namespace ckpt {
namespace {

namespace spec = ::ckpt::testing::spec;
using ::ckpt::testing::FromHex;
using ::ckpt::testing::TempDir;
using StatusCode = absl::StatusCode;

constexpr int32_t kFloat = 1;
constexpr int32_t kInt32 = 3;

// Row-major floats whose values are their element index in `dims`.
std::vector<float> Iota(int64_t n, float first = 0) {
  std::vector<float> v(static_cast<size_t>(n));
  for (size_t i = 0; i < v.size(); ++i) v[i] = first + static_cast<float>(i);
  return v;
}

std::string Bytes(const std::vector<float>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()),
                     v.size() * sizeof(float));
}

// A bundle crafted entry by entry.
struct Crafted {
  explicit Crafted(int shards = 1)
      : prefix(dir.Join("ckpt")),
        num_shards(shards),
        data(static_cast<size_t>(shards)) {}

  // A plain entry of `dtype` and `dims` holding `bytes`, in `shard`.
  spec::Entry Put(const std::string& key, int32_t dtype,
                  std::vector<int64_t> dims, absl::string_view bytes,
                  int shard = 0) {
    spec::Entry e{dtype, std::move(dims), shard};
    spec::AppendFixed(&data[static_cast<size_t>(shard)], bytes, &e);
    entries[key] = spec::EntryValue(e);
    return e;
  }

  // The entry of slice `text` of tensor `name`: rows [r, r + n) of a float
  // [n_rows, 3] matrix holding 3r, 3r + 1, ... (the whole matrix is 0..).
  void PutRows(const std::string& name, const std::string& text,
               int shard = 0) {
    const spec::Slice s = spec::ParseSlice(text);
    REQUIRE(s.size() == 2);
    REQUIRE(s[1].full());
    Put(spec::SliceKey(name, s), kFloat, {s[0].length, 3},
        Bytes(Iota(3 * s[0].length, static_cast<float>(3 * s[0].start))),
        shard);
  }

  // The full-tensor entry of `name`, listing `slice_protos`.
  void PutFull(const std::string& name, int32_t dtype,
               std::vector<int64_t> dims,
               std::vector<std::string> slice_protos) {
    spec::Entry e{dtype, std::move(dims)};
    e.slices = std::move(slice_protos);
    entries[name] = spec::EntryValue(e);
  }

  // The float [4, 3] tensor "v" listing `texts` (row slices), the entries
  // of the row slices in `stored`.
  void PutMatrix(const std::vector<std::string>& texts,
                 const std::vector<std::string>& stored) {
    std::vector<std::string> protos;
    for (const std::string& t : texts) protos.push_back(spec::SliceProto(t));
    PutFull("v", kFloat, {4, 3}, protos);
    for (const std::string& t : stored) PutRows("v", t);
  }

  void Write() {
    spec::KeyValues kvs = {{"", spec::HeaderValue(num_shards)}};
    kvs.insert(kvs.end(), entries.begin(), entries.end());
    spec::WriteTable(IndexFilename(prefix), kvs);
    for (int s = 0; s < num_shards; ++s) {
      testing::WriteFileOrDie(DataFilename(prefix, s, num_shards),
                              data[static_cast<size_t>(s)]);
    }
  }

  std::unique_ptr<BundleReader> Open() {
    Write();
    absl::StatusOr<std::unique_ptr<BundleReader>> r =
        BundleReader::Open(Env::Default(), prefix);
    CKPT_REQUIRE_OK(r);
    return *std::move(r);
  }

  TempDir dir;
  std::string prefix;
  int num_shards;
  std::map<std::string, std::string> entries;
  std::vector<std::string> data;
};

TensorSlice MustParse(absl::string_view text) {
  absl::StatusOr<TensorSlice> s = TensorSlice::Parse(text);
  CKPT_REQUIRE_OK(s);
  return *std::move(s);
}

template <typename T>
absl::Status StatusOf(const absl::StatusOr<T>& s) {
  return s.status();
}

// Requires `status` to have `code` and a message containing every one of
// `substrings`.
void RequireError(const absl::Status& status, StatusCode code,
                  const std::vector<std::string>& substrings) {
  INFO(status.ToString());
  REQUIRE(status.code() == code);
  for (const std::string& s : substrings) {
    CHECK_THAT(std::string(status.message()), Catch::Matchers::Contains(s));
  }
}

absl::Status VerifyKey(const BundleReader& r, const std::string& key) {
  absl::StatusOr<BundleEntry> e = r.GetEntry(key);
  if (!e.ok()) return e.status();
  return r.Verify(key, *e);
}

// ReadSlice of `text` of "v" gives rows of the 0.. matrix.
void RequireRows(const BundleReader& r, const std::string& text) {
  const spec::Slice s = spec::ParseSlice(text);
  absl::StatusOr<Tensor> t = r.ReadSlice("v", MustParse(text));
  CKPT_REQUIRE_OK(t);
  REQUIRE(s[1].full());
  CHECK(t->Equals(Tensor::FromVector<float>(
                      {s[0].length, 3},
                      Iota(3 * s[0].length, static_cast<float>(3 * s[0].start)))
                      .value()));
}

// Every read of the whole of "v" fails with `code` and `substrings`.
void RequireWholeReadsFail(const BundleReader& r, StatusCode code,
                           const std::vector<std::string>& substrings) {
  RequireError(StatusOf(r.Read("v")), code, substrings);
  std::string buf(48, '\0');
  RequireError(r.ReadInto("v", absl::MakeSpan(buf)), code, substrings);
  absl::Status st;
  r.ReadManyInto({BundleReader::ReadRequest{"v", absl::MakeSpan(buf)}}, 2,
                 absl::MakeSpan(&st, 1));
  RequireError(st, code, substrings);
}

// ---------------------------------------------------------------------------
// Layouts.
// ---------------------------------------------------------------------------

TEST_CASE("overlapping slices are DataLoss", "[slice][corruption]") {
  Crafted b;
  b.PutMatrix({"0,3:-", "2,2:-"}, {"0,3:-", "2,2:-"});
  std::unique_ptr<BundleReader> r = b.Open();
  const std::vector<std::string> want = {"'v'", "Overlapping slices", "0,3:-",
                                         "2,2:-"};
  RequireWholeReadsFail(*r, StatusCode::kDataLoss, want);
  RequireError(StatusOf(r->ReadSlice("v", MustParse("0,1:-"))),
               StatusCode::kDataLoss, want);
  RequireError(StatusOf(r->GetSlices("v")), StatusCode::kDataLoss, want);
  RequireError(VerifyKey(*r, "v"), StatusCode::kDataLoss, want);
  RequireError(VerifyKey(*r, spec::SliceKey("v", "2,2:-")),
               StatusCode::kDataLoss, want);
}

TEST_CASE("slices that leave a hole: whole reads fail, covered regions read",
          "[slice][corruption]") {
  Crafted b;
  b.PutMatrix({"0,1:-", "2,2:-"}, {"0,1:-", "2,2:-"});
  std::unique_ptr<BundleReader> r = b.Open();
  RequireWholeReadsFail(*r, StatusCode::kDataLoss,
                        {"'v'", "insufficient slices"});
  RequireRows(*r, "2,2:-");
  RequireRows(*r, "0,1:-");
  RequireRows(*r, "3,1:-");
  absl::StatusOr<Tensor> part = r->ReadSlice("v", MustParse("0,1:1,2"));
  CKPT_REQUIRE_OK(part);
  CHECK(part->Equals(Tensor::FromVector<float>({1, 2}, {1, 2}).value()));
  RequireError(StatusOf(r->ReadSlice("v", MustParse("1,1:-"))),
               StatusCode::kDataLoss, {"'v'", "insufficient slices", "1,1:-"});
  RequireError(StatusOf(r->ReadSlice("v", MustParse("0,3:0,1"))),
               StatusCode::kDataLoss,
               {"'v'", "insufficient slices", "0,3:0,1"});
  RequireError(VerifyKey(*r, "v"), StatusCode::kDataLoss, {"'v'", "hole"});
  CKPT_REQUIRE_OK(VerifyKey(*r, spec::SliceKey("v", "0,1:-")));
  CKPT_REQUIRE_OK(VerifyKey(*r, spec::SliceKey("v", "2,2:-")));
}

TEST_CASE("a slice outside the full shape is DataLoss", "[slice][corruption]") {
  Crafted b;
  b.PutMatrix({"0,2:-", "2,3:-"}, {"0,2:-", "2,3:-"});
  std::unique_ptr<BundleReader> r = b.Open();
  const std::vector<std::string> want = {"'v'", "2,3:-", "extends past"};
  RequireWholeReadsFail(*r, StatusCode::kDataLoss, want);
  RequireError(StatusOf(r->ReadSlice("v", MustParse("0,1:-"))),
               StatusCode::kDataLoss, want);
  RequireError(StatusOf(r->GetSlices("v")), StatusCode::kDataLoss, want);
  RequireError(VerifyKey(*r, "v"), StatusCode::kDataLoss, want);
}

TEST_CASE("a slice of the wrong rank is DataLoss", "[slice][corruption]") {
  Crafted b;
  b.PutFull("v", kFloat, {4, 3},
            {spec::SliceProto("0,2:-"), spec::SliceProto("2,2")});
  b.PutRows("v", "0,2:-");
  std::unique_ptr<BundleReader> r = b.Open();
  const std::vector<std::string> want = {"'v'", "2,2", "rank 1"};
  RequireWholeReadsFail(*r, StatusCode::kDataLoss, want);
  RequireError(StatusOf(r->ReadSlice("v", MustParse("0,2:-"))),
               StatusCode::kDataLoss, want);
  RequireError(VerifyKey(*r, "v"), StatusCode::kDataLoss, want);
}

// Extents no valid TensorSliceProto holds: each is DataLoss naming the key
// and the value.
TEST_CASE("an extent with start + length overflowing int64 is DataLoss",
          "[slice][corruption]") {
  Crafted b;
  const int64_t big = std::numeric_limits<int64_t>::max() - 1;
  b.PutFull(
      "v", kFloat, {4, 3},
      {spec::SliceProto("0,2:-"), spec::SliceProto(spec::Slice{{big, 5}, {}})});
  b.PutRows("v", "0,2:-");
  std::unique_ptr<BundleReader> r = b.Open();
  const std::vector<std::string> want = {"'v'", absl::StrCat(big),
                                         "overflows int64"};
  RequireWholeReadsFail(*r, StatusCode::kDataLoss, want);
  RequireError(StatusOf(r->ReadSlice("v", MustParse("0,2:-"))),
               StatusCode::kDataLoss, want);
  RequireError(StatusOf(r->GetSlices("v")), StatusCode::kDataLoss, want);
  RequireError(VerifyKey(*r, "v"), StatusCode::kDataLoss, want);
}

TEST_CASE("an extent with a length below -1 is DataLoss",
          "[slice][corruption]") {
  Crafted b;
  b.PutFull(
      "v", kFloat, {4, 3},
      {spec::SliceProto("0,2:-"), spec::SliceProto(spec::Slice{{2, -2}, {}})});
  b.PutRows("v", "0,2:-");
  std::unique_ptr<BundleReader> r = b.Open();
  const std::vector<std::string> want = {"'v'", "length -2"};
  RequireWholeReadsFail(*r, StatusCode::kDataLoss, want);
  RequireError(StatusOf(r->GetSlices("v")), StatusCode::kDataLoss, want);
  RequireError(VerifyKey(*r, "v"), StatusCode::kDataLoss, want);
}

TEST_CASE("a full dimension with a non-zero start is DataLoss",
          "[slice][corruption]") {
  Crafted b;
  // Extent { start: 1 } without a length: "full", but starting at 1.
  b.PutFull(
      "v", kFloat, {4, 3},
      {spec::SliceProto("0,2:-"), FromHex("0a 04 08 02 10 02 0a 02 08 01")});
  b.PutRows("v", "0,2:-");
  std::unique_ptr<BundleReader> r = b.Open();
  const std::vector<std::string> want = {"'v'", "full dimension starts at 1"};
  RequireWholeReadsFail(*r, StatusCode::kDataLoss, want);
  RequireError(StatusOf(r->GetSlices("v")), StatusCode::kDataLoss, want);
  RequireError(VerifyKey(*r, "v"), StatusCode::kDataLoss, want);
}

TEST_CASE("a malformed TensorSliceProto is DataLoss", "[slice][corruption]") {
  std::string bad_slice;
  std::string why;
  SECTION("truncated varint in an Extent") {
    bad_slice = FromHex("0a 02 08 80");  // start: varint cut short
    why = "malformed Extent";
  }
  SECTION("Extent longer than the slice") {
    bad_slice = FromHex("0a 05 08 01");
    why = "malformed TensorSliceProto";
  }
  SECTION("extent field with wire type varint") {
    bad_slice = FromHex("08 01");
    why = "malformed TensorSliceProto";
  }
  SECTION("start with wire type length-delimited") {
    bad_slice = FromHex("0a 03 0a 01 00");
    why = "malformed Extent";
  }
  SECTION("length with wire type fixed32") {
    bad_slice = FromHex("0a 05 15 01 00 00 00");
    why = "malformed Extent";
  }
  Crafted b;
  b.PutFull("v", kFloat, {4, 3}, {spec::SliceProto("0,2:-"), bad_slice});
  b.PutRows("v", "0,2:-");
  std::unique_ptr<BundleReader> r = b.Open();
  CKPT_REQUIRE_OK(r->GetEntry("v"));  // listed: the entry itself parses
  const std::vector<std::string> want = {"'v'", "slice 1", why};
  RequireWholeReadsFail(*r, StatusCode::kDataLoss, want);
  RequireError(StatusOf(r->ReadSlice("v", MustParse("0,2:-"))),
               StatusCode::kDataLoss, want);
  RequireError(StatusOf(r->GetSlices("v")), StatusCode::kDataLoss, want);
  RequireError(VerifyKey(*r, "v"), StatusCode::kDataLoss, want);
}

TEST_CASE(
    "a slices field with the wrong wire type is skipped, as protobuf "
    "does: the entry is plain, and its size is DataLoss",
    "[slice][corruption]") {
  Crafted b;
  // dtype, shape [4, 3], then field 7 as a varint: an unknown field to
  // protobuf (TensorFlow's parser), which skips it. What is left is an
  // unpartitioned float32 [4,3] entry of size 0.
  b.entries["v"] = FromHex("08 01 12 08 12 02 08 04 12 02 08 03 38 01");
  std::unique_ptr<BundleReader> r = b.Open();
  RequireError(StatusOf(r->GetEntry("v")), StatusCode::kDataLoss,
               {"'v'", "size 0 does not match float32 x [4,3] = 48 bytes"});
  RequireError(StatusOf(r->Read("v")), StatusCode::kDataLoss,
               {"'v'", "size 0 does not match"});
  RequireError(StatusOf(r->GetSlices("v")), StatusCode::kDataLoss,
               {"'v'", "size 0 does not match"});
}

TEST_CASE("more than kMaxSlicesPerTensor slices is DataLoss",
          "[slice][corruption]") {
  const int64_t limit = static_cast<int64_t>(bundle::kMaxSlicesPerTensor);
  const bool over = GENERATE(false, true);
  const int64_t n = over ? limit + 1 : limit;
  Crafted b;
  std::vector<std::string> protos;
  for (int64_t i = 0; i < n; ++i) {
    protos.push_back(spec::SliceProto(spec::Slice{{i, 1}}));
  }
  b.PutFull("v", kFloat, {n}, protos);
  std::unique_ptr<BundleReader> r = b.Open();
  absl::StatusOr<std::vector<TensorSlice>> slices = r->GetSlices("v");
  if (!over) {
    CKPT_REQUIRE_OK(slices);
    CHECK(slices->size() == bundle::kMaxSlicesPerTensor);
    // Entries missing: the first one read is named.
    RequireError(StatusOf(r->Read("v")), StatusCode::kDataLoss,
                 {"'v'", "0,1", "missing"});
    return;
  }
  const std::vector<std::string> want = {"'v'", absl::StrCat(limit)};
  RequireError(StatusOf(slices), StatusCode::kDataLoss, want);
  RequireError(StatusOf(r->Read("v")), StatusCode::kDataLoss, want);
  RequireError(StatusOf(r->ReadSlice("v", MustParse("0,1"))),
               StatusCode::kDataLoss, want);
  RequireError(VerifyKey(*r, "v"), StatusCode::kDataLoss, want);
}

// The overlap check of kMaxSlicesPerTensor slices that all meet in
// dimension 0 (column slices) compares every pair; it must stay quick.
TEST_CASE("kMaxSlicesPerTensor column slices validate in reasonable time",
          "[slice][corruption]") {
  const int64_t n = static_cast<int64_t>(bundle::kMaxSlicesPerTensor);
  Crafted b;
  std::vector<std::string> protos;
  for (int64_t i = 0; i < n; ++i) {
    protos.push_back(spec::SliceProto(spec::Slice{{}, {i, 1}}));
  }
  b.PutFull("v", kFloat, {2, n}, protos);
  std::unique_ptr<BundleReader> r = b.Open();
  const auto start = std::chrono::steady_clock::now();
  CKPT_REQUIRE_OK(r->GetSlices("v"));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  std::printf("GetSlices of %lld column slices: %.3f s\n",
              static_cast<long long>(n), seconds);
  CHECK(seconds < 120);  // only a pathological regression fails
}

// ---------------------------------------------------------------------------
// Slice entries that disagree with the tensor.
// ---------------------------------------------------------------------------

TEST_CASE("a listed slice whose entry is absent is DataLoss",
          "[slice][corruption]") {
  Crafted b;
  b.PutMatrix({"0,2:-", "2,2:-"}, {"0,2:-"});
  std::unique_ptr<BundleReader> r = b.Open();
  const std::vector<std::string> want = {"'v'", "2,2:-", "missing"};
  RequireWholeReadsFail(*r, StatusCode::kDataLoss, want);
  RequireRows(*r, "0,2:-");
  RequireError(StatusOf(r->ReadSlice("v", MustParse("3,1:-"))),
               StatusCode::kDataLoss, want);
  RequireError(VerifyKey(*r, "v"), StatusCode::kDataLoss, want);
  CKPT_REQUIRE_OK(VerifyKey(*r, spec::SliceKey("v", "0,2:-")));
}

TEST_CASE("a slice entry of another dtype is DataLoss", "[slice][corruption]") {
  Crafted b;
  b.PutMatrix({"0,2:-", "2,2:-"}, {"0,2:-"});
  const std::vector<int32_t> ints = {6, 7, 8, 9, 10, 11};
  b.Put(spec::SliceKey("v", "2,2:-"), kInt32, {2, 3},
        std::string(reinterpret_cast<const char*>(ints.data()), 24));
  std::unique_ptr<BundleReader> r = b.Open();
  const std::vector<std::string> want = {"'v'", "2,2:-", "int32", "float32"};
  RequireWholeReadsFail(*r, StatusCode::kDataLoss, want);
  RequireRows(*r, "0,2:-");
  RequireError(StatusOf(r->ReadSlice("v", MustParse("2,1:-"))),
               StatusCode::kDataLoss, want);
  RequireError(VerifyKey(*r, "v"), StatusCode::kDataLoss, want);
  RequireError(VerifyKey(*r, spec::SliceKey("v", "2,2:-")),
               StatusCode::kDataLoss, want);
}

TEST_CASE("a slice entry of another shape is DataLoss", "[slice][corruption]") {
  Crafted b;
  b.PutMatrix({"0,2:-", "2,2:-"}, {"0,2:-"});
  b.Put(spec::SliceKey("v", "2,2:-"), kFloat, {3, 2}, Bytes(Iota(6, 6)));
  std::unique_ptr<BundleReader> r = b.Open();
  const std::vector<std::string> want = {"'v'", "2,2:-", "[3,2]", "[2,3]"};
  RequireWholeReadsFail(*r, StatusCode::kDataLoss, want);
  RequireError(StatusOf(r->ReadSlice("v", MustParse("2,1:-"))),
               StatusCode::kDataLoss, want);
  RequireError(VerifyKey(*r, "v"), StatusCode::kDataLoss, want);
  RequireError(VerifyKey(*r, spec::SliceKey("v", "2,2:-")),
               StatusCode::kDataLoss, want);
}

// The slice entry of rows 2-3 is itself a partitioned tensor whose own
// slices are well formed: reading "v" and verifying either key must refuse
// it.
TEST_CASE("a slice entry that is itself partitioned is DataLoss",
          "[slice][corruption]") {
  Crafted b;
  b.PutMatrix({"0,2:-", "2,2:-"}, {"0,2:-"});
  const std::string inner = spec::SliceKey("v", "2,2:-");
  b.PutFull(inner, kFloat, {2, 3},
            {spec::SliceProto("0,1:-"), spec::SliceProto("1,1:-")});
  b.Put(spec::SliceKey(inner, "0,1:-"), kFloat, {1, 3}, Bytes(Iota(3, 6)));
  b.Put(spec::SliceKey(inner, "1,1:-"), kFloat, {1, 3}, Bytes(Iota(3, 9)));
  std::unique_ptr<BundleReader> r = b.Open();
  const std::vector<std::string> want = {"'v'", "2,2:-", "itself partitioned"};
  RequireWholeReadsFail(*r, StatusCode::kDataLoss, want);
  RequireRows(*r, "0,2:-");
  RequireError(VerifyKey(*r, "v"), StatusCode::kDataLoss, want);
  // Verified on its own, the slice entry must be checked against "v" too
  // (Verify's contract: "A slice entry is checked ... against the tensor it
  // belongs to"), however well formed its own slices are.
  RequireError(VerifyKey(*r, inner), StatusCode::kDataLoss,
               {"2,2:-", "itself partitioned"});
}

TEST_CASE("an orphaned slice key whose entry is partitioned fails Verify",
          "[slice][corruption]") {
  Crafted b;
  b.Put("a", kFloat, {1}, Bytes(Iota(1)));
  const std::string orphan = spec::SliceKey("w", "0,2");
  b.PutFull(orphan, kFloat, {2},
            {spec::SliceProto("0,1"), spec::SliceProto("1,1")});
  b.Put(spec::SliceKey(orphan, "0,1"), kFloat, {1}, Bytes(Iota(1)));
  b.Put(spec::SliceKey(orphan, "1,1"), kFloat, {1}, Bytes(Iota(1, 1)));
  std::unique_ptr<BundleReader> r = b.Open();
  RequireError(VerifyKey(*r, orphan), StatusCode::kDataLoss, {"'w'", "0,2"});
}

// ---------------------------------------------------------------------------
// Slice keys.
// ---------------------------------------------------------------------------

TEST_CASE("an orphaned slice key fails Verify", "[slice][corruption]") {
  Crafted b;
  b.Put("a", kFloat, {1}, Bytes(Iota(1)));
  const std::string key = spec::SliceKey("w", "0,1");
  b.Put(key, kFloat, {1}, Bytes(Iota(1)));
  std::unique_ptr<BundleReader> r = b.Open();
  RequireError(VerifyKey(*r, key), StatusCode::kDataLoss,
               {"'w'", "0,1", "orphaned"});
  CKPT_REQUIRE_OK(VerifyKey(*r, "a"));
}

TEST_CASE("a slice key the tensor does not list fails Verify",
          "[slice][corruption]") {
  Crafted b;
  b.PutMatrix({"0,2:-", "2,2:-"}, {"0,2:-", "2,2:-"});
  const std::string extra = spec::SliceKey("v", "0,1:-");
  b.PutRows("v", "0,1:-");
  std::unique_ptr<BundleReader> r = b.Open();
  RequireError(VerifyKey(*r, extra), StatusCode::kDataLoss,
               {"'v'", "0,1:-", "not listed"});
  CKPT_REQUIRE_OK(VerifyKey(*r, "v"));
  absl::StatusOr<Tensor> t = r->Read("v");
  CKPT_REQUIRE_OK(t);
  CHECK(t->Equals(Tensor::FromVector<float>({4, 3}, Iota(12)).value()));
}

TEST_CASE("a slice key of a tensor that is not partitioned fails Verify",
          "[slice][corruption]") {
  Crafted b;
  b.Put("u", kFloat, {2}, Bytes(Iota(2)));
  const std::string key = spec::SliceKey("u", "0,1");
  b.Put(key, kFloat, {1}, Bytes(Iota(1)));
  std::unique_ptr<BundleReader> r = b.Open();
  RequireError(VerifyKey(*r, key), StatusCode::kDataLoss,
               {"'u'", "0,1", "not partitioned"});
  CKPT_REQUIRE_OK(VerifyKey(*r, "u"));
}

TEST_CASE("malformed and non-canonical slice keys are DataLoss",
          "[slice][corruption]") {
  const std::string v = FromHex("00") + "v" + FromHex("00 01");
  std::string key;
  std::string why;
  SECTION("rank with a leading zero byte") {
    key = v + FromHex("02 00 01 80 7f");
    why = "canonical";
  }
  SECTION("start in a longer form than needed") {
    key = v + FromHex("01 01 c0 02 81");
    why = "canonical";
  }
  SECTION("truncated extent") {
    key = v + FromHex("01 01 80");
    why = "truncated extent";
  }
  SECTION("trailing bytes") {
    key = v + FromHex("01 01 80 81 00");
    why = "trailing";
  }
  SECTION("name without terminator") {
    key = FromHex("00") + "v";
    why = "name";
  }
  SECTION("bad escape in the name") {
    key = FromHex("00") + "v" + FromHex("00 02 01 01 80 81");
    why = "name";
  }
  SECTION("rank above the maximum") {
    key = v + FromHex("01 ff");
    why = "rank 255";
  }
  SECTION("negative start") {
    key = v + FromHex("01 01 7e 81");
    why = "-2";
  }
  SECTION("full length with a start") {
    key = v + FromHex("01 01 81 7f");
    why = "full dimension";
  }
  INFO(why);
  RequireError(StatusOf(DecodeTensorNameSlice(key)), StatusCode::kDataLoss,
               {"not a valid encoded slice key", why});
  // In a bundle next to a valid partitioned "v": Verify refuses the key.
  Crafted b;
  b.PutMatrix({"0,4:-"}, {"0,4:-"});
  b.Put(key, kFloat, {1}, Bytes(Iota(1)));
  std::unique_ptr<BundleReader> r = b.Open();
  RequireError(VerifyKey(*r, key), StatusCode::kDataLoss,
               {"not a valid encoded slice key", why});
}

// ---------------------------------------------------------------------------
// Slice data.
// ---------------------------------------------------------------------------

TEST_CASE("a damaged slice fails only the reads that touch it",
          "[slice][corruption]") {
  Crafted b;
  b.PutMatrix({"0,2:-", "2,2:-"}, {"0,2:-", "2,2:-"});
  b.Write();
  // Rows 2-3 are bytes [24, 48) of the data file.
  std::string data = b.data[0];
  data[30] = static_cast<char>(data[30] ^ 0x01);
  b.data[0] = data;
  std::unique_ptr<BundleReader> r = b.Open();
  const std::vector<std::string> want = {"checksum", "data-00000-of-00001"};
  RequireWholeReadsFail(*r, StatusCode::kDataLoss, want);
  RequireError(StatusOf(r->ReadSlice("v", MustParse("3,1:-"))),
               StatusCode::kDataLoss, want);
  RequireError(StatusOf(r->ReadSlice("v", MustParse("1,2:0,1"))),
               StatusCode::kDataLoss, want);
  std::string buf(12, '\0');
  RequireError(r->ReadSliceInto("v", MustParse("2,1:-"), absl::MakeSpan(buf)),
               StatusCode::kDataLoss, want);
  // Regions that do not meet rows 2-3 read only rows 0-1.
  RequireRows(*r, "0,2:-");
  RequireRows(*r, "1,1:-");
  CKPT_REQUIRE_OK(
      r->ReadSliceInto("v", MustParse("0,1:-"), absl::MakeSpan(buf)));
  CHECK(buf == Bytes(Iota(3)));
  // Verify: the full entry holds no bytes; the damaged slice entry fails.
  CKPT_REQUIRE_OK(VerifyKey(*r, "v"));
  CKPT_REQUIRE_OK(VerifyKey(*r, spec::SliceKey("v", "0,2:-")));
  RequireError(VerifyKey(*r, spec::SliceKey("v", "2,2:-")),
               StatusCode::kDataLoss, want);
}

TEST_CASE("the message of a damaged slice names the tensor and the slice",
          "[slice][corruption]") {
  Crafted b;
  b.PutMatrix({"0,2:-", "2,2:-"}, {"0,2:-", "2,2:-"});
  b.data[0][30] = static_cast<char>(b.data[0][30] ^ 0x01);
  std::unique_ptr<BundleReader> r = b.Open();
  RequireError(StatusOf(r->Read("v")), StatusCode::kDataLoss,
               {"checksum", "'v'", "2,2:-"});
}

TEST_CASE("a missing slice data file is NotFound for the reads that need it",
          "[slice][corruption]") {
  Crafted b(2);
  b.PutFull("v", kFloat, {4, 3},
            {spec::SliceProto("0,2:-"), spec::SliceProto("2,2:-")});
  b.PutRows("v", "0,2:-", 0);
  b.PutRows("v", "2,2:-", 1);
  b.Write();
  REQUIRE(std::remove(DataFilename(b.prefix, 1, 2).c_str()) == 0);
  absl::StatusOr<std::unique_ptr<BundleReader>> opened =
      BundleReader::Open(Env::Default(), b.prefix);
  CKPT_REQUIRE_OK(opened);
  const BundleReader& r = **opened;
  const std::vector<std::string> want = {"data-00001-of-00002"};
  RequireWholeReadsFail(r, StatusCode::kNotFound, want);
  RequireError(StatusOf(r.ReadSlice("v", MustParse("1,2:-"))),
               StatusCode::kNotFound, want);
  RequireRows(r, "0,2:-");
  CKPT_REQUIRE_OK(VerifyKey(r, "v"));
  RequireError(VerifyKey(r, spec::SliceKey("v", "2,2:-")),
               StatusCode::kNotFound, want);
}

// A crafted huge tensor must fail before anything of its size is allocated.
TEST_CASE("a huge partitioned tensor fails cleanly without allocating it",
          "[slice][corruption]") {
  const int64_t n = int64_t{1} << 40;
  Crafted b;
  std::string slice_text;
  SECTION("one explicit slice claiming the whole shape") {
    slice_text = absl::StrCat("0,", n);
  }
  SECTION("one full slice") { slice_text = "-"; }
  b.PutFull("v", kFloat, {n}, {spec::SliceProto(slice_text)});
  // Its entry claims 4 TiB; the data file holds 16 bytes.
  spec::Entry e{kFloat, {n}};
  e.size = 4 * n;
  e.crc = 0x12345678;
  b.entries[spec::SliceKey("v", slice_text)] = spec::EntryValue(e);
  b.data[0] = Bytes(Iota(4));
  std::unique_ptr<BundleReader> r = b.Open();
  testing::AllocationScope scope;
  RequireError(StatusOf(r->Read("v")), StatusCode::kDataLoss, {"past the end"});
  RequireError(StatusOf(r->ReadSlice("v", MustParse("0,4"))),
               StatusCode::kDataLoss, {"past the end"});
  RequireError(VerifyKey(*r, spec::SliceKey("v", slice_text)),
               StatusCode::kDataLoss, {"past the end"});
  CHECK(scope.peak_bytes() < (int64_t{1} << 20));
}

TEST_CASE("a huge tensor with one small slice reads only that slice",
          "[slice][corruption]") {
  const int64_t n = int64_t{1} << 40;
  Crafted b;
  b.PutFull("v", kFloat, {n}, {spec::SliceProto("0,4")});
  b.Put(spec::SliceKey("v", "0,4"), kFloat, {4}, Bytes(Iota(4)));
  std::unique_ptr<BundleReader> r = b.Open();
  testing::AllocationScope scope;
  RequireError(StatusOf(r->Read("v")), StatusCode::kDataLoss,
               {"'v'", "insufficient slices"});
  absl::StatusOr<Tensor> t = r->ReadSlice("v", MustParse("1,2"));
  CKPT_REQUIRE_OK(t);
  CHECK(t->Equals(Tensor::FromVector<float>({2}, {1, 2}).value()));
  RequireError(VerifyKey(*r, "v"), StatusCode::kDataLoss, {"'v'", "hole"});
  CHECK(scope.peak_bytes() < (int64_t{1} << 20));
}

// Slice entries that share stored bytes: each is inside the data file, but
// together they would make a small file claim a large tensor.
TEST_CASE("slices that share stored bytes are DataLoss before allocating",
          "[slice][corruption]") {
  constexpr int kParts = 64;
  constexpr int64_t kRows = 1024;  // per part: 1024 x 3 floats = 12 KiB
  Crafted b;
  std::vector<std::string> protos;
  for (int p = 0; p < kParts; ++p) {
    protos.push_back(
        spec::SliceProto(absl::StrCat(p * kRows, ",", kRows, ":-")));
  }
  b.PutFull("v", kFloat, {kParts * kRows, 3}, protos);
  // One real part's bytes; every slice entry points at them.
  spec::Entry e = b.Put(spec::SliceKey("v", absl::StrCat("0,", kRows, ":-")),
                        kFloat, {kRows, 3}, Bytes(Iota(3 * kRows)));
  for (int p = 1; p < kParts; ++p) {
    b.entries[spec::SliceKey("v", absl::StrCat(p * kRows, ",", kRows, ":-"))] =
        spec::EntryValue(e);
  }
  std::unique_ptr<BundleReader> r = b.Open();
  testing::AllocationScope scope;
  RequireError(StatusOf(r->Read("v")), StatusCode::kDataLoss,
               {"'v'", "share stored bytes"});
  // Less than the 768 KiB the tensor would take.
  CHECK(scope.peak_bytes() < kParts * kRows * 3 * 4 / 2);
  // A region inside one part reads that part alone.
  absl::StatusOr<Tensor> t = r->ReadSlice("v", MustParse("1,1:-"));
  CKPT_REQUIRE_OK(t);
  CHECK(t->Equals(Tensor::FromVector<float>({1, 3}, {3, 4, 5}).value()));
}

// 2^14 unit slices of a [2]^14 tensor: a valid tiling, but every axis has
// two starts, so the sweep compares ~n^2/4 pairs: refused, in bounded time.
TEST_CASE("a layout too costly to check for overlaps is ResourceExhausted",
          "[slice][corruption]") {
  constexpr int kRank = 14;
  Crafted b;
  std::vector<std::string> protos;
  for (int i = 0; i < (1 << kRank); ++i) {
    std::string text;
    for (int d = 0; d < kRank; ++d) {
      absl::StrAppend(&text, d == 0 ? "" : ":", (i >> d) & 1, ",1");
    }
    protos.push_back(spec::SliceProto(text));
  }
  b.PutFull("v", kFloat, std::vector<int64_t>(kRank, 2), protos);
  std::unique_ptr<BundleReader> r = b.Open();
  RequireError(StatusOf(r->GetSlices("v")), StatusCode::kResourceExhausted,
               {"'v'", "16384 slices", "comparisons"});
  RequireError(StatusOf(r->Read("v")), StatusCode::kResourceExhausted,
               {"comparisons"});
}

}  // namespace
}  // namespace ckpt
