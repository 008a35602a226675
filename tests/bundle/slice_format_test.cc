// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Partitioned (sliced) tensors, byte for byte. BundleWriter::AddSlice and
// EncodeTensorNameSlice are checked against the examples of docs/format.md
// §11 and against an encoder written from that text (slice_spec_encoder.h),
// never against ckpt's own EncodeTensorNameSlice/EncodeEntry: random
// partitions of random tensors over 1-3 shards must give exactly the
// predicted index (every raw key and value) and data files. Also AddSlice's
// refusals.

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "bundle/slice_spec_encoder.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/bundle_writer.h"
#include "ckpt/dtype.h"
#include "ckpt/env.h"
#include "ckpt/tensor.h"
#include "ckpt/tensor_slice.h"
#include "testing/test_util.h"

namespace ckpt {
namespace {

namespace spec = ::ckpt::testing::spec;
using ::ckpt::testing::FromHex;
using ::ckpt::testing::ReadFileOrDie;
using ::ckpt::testing::TempDir;
using StatusCode = absl::StatusCode;

constexpr char kVarKey[] = "v/.ATTRIBUTES/VARIABLE_VALUE";

TensorSlice MustParse(absl::string_view text) {
  absl::StatusOr<TensorSlice> s = TensorSlice::Parse(text);
  CKPT_REQUIRE_OK(s);
  return *std::move(s);
}

std::unique_ptr<BundleWriter> MustCreate(const std::string& prefix,
                                         int num_shards = 1) {
  BundleWriterOptions options;
  options.num_shards = num_shards;
  options.sync = false;
  absl::StatusOr<std::unique_ptr<BundleWriter>> w =
      BundleWriter::Create(Env::Default(), prefix, options);
  CKPT_REQUIRE_OK(w);
  return *std::move(w);
}

std::unique_ptr<BundleReader> MustOpen(const std::string& prefix) {
  absl::StatusOr<std::unique_ptr<BundleReader>> r =
      BundleReader::Open(Env::Default(), prefix);
  CKPT_REQUIRE_OK(r);
  return *std::move(r);
}

Tensor Floats(TensorShape shape, float first) {
  std::vector<float> v(static_cast<size_t>(shape.num_elements()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = first + static_cast<float>(i);
  return Tensor::FromVector<float>(std::move(shape), v).value();
}

std::string Hex(absl::string_view s) {
  std::string out;
  for (const char c : s) {
    absl::StrAppend(&out,
                    absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2));
  }
  return out;
}

// ---------------------------------------------------------------------------
// OrderedCode and slice keys.
// ---------------------------------------------------------------------------

TEST_CASE("SignedNumIncreasing examples of the spec", "[slice][format]") {
  const std::vector<std::pair<int64_t, std::string>> examples = {
      {0, "80"},       {2, "82"},   {-1, "7f"},    {63, "bf"},
      {64, "c040"},    {-64, "40"}, {-65, "3fbf"}, {0x424242, "f0424242"},
      {-0x800, "3800"}};
  for (const auto& [v, hex] : examples) {
    INFO(v);
    CHECK(Hex(spec::SignedNumIncreasing(v)) == hex);
  }
  // The extremes (10 bytes, two header bytes) and a 9-byte value.
  CHECK(Hex(spec::SignedNumIncreasing(std::numeric_limits<int64_t>::max())) ==
        "ffc07fffffffffffffff");
  CHECK(Hex(spec::SignedNumIncreasing(std::numeric_limits<int64_t>::min())) ==
        "003f8000000000000000");
  CHECK(Hex(spec::SignedNumIncreasing(int64_t{1} << 55)) ==
        "ff8080000000000000");
  CHECK(Hex(spec::NumIncreasing(0)) == "00");
  CHECK(Hex(spec::NumIncreasing(2)) == "0102");
  CHECK(Hex(spec::NumIncreasing(0x1234)) == "021234");
  CHECK(Hex(spec::OrderedString(std::string("a\0b\xff", 4))) ==
        "6100ff62ff000001");
}

TEST_CASE("slice keys of the spec's examples", "[slice][format]") {
  const std::string name = kVarKey;
  const std::string rows_full =
      FromHex("00") + name + FromHex("00 01 01 02 80 82 80 7f");
  const std::string rows_explicit =
      FromHex("00") + name + FromHex("00 01 01 02 80 82 80 83");
  CHECK(spec::SliceKey(name, "0,2:-") == rows_full);
  CHECK(spec::SliceKey(name, "0,2:0,3") == rows_explicit);
  CHECK(EncodeTensorNameSlice(name, MustParse("0,2:-")) == rows_full);
  CHECK(EncodeTensorNameSlice(name, MustParse("0,2:0,3")) == rows_explicit);
  for (const std::string& key : {rows_full, rows_explicit}) {
    CHECK(IsSliceKey(key));
    absl::StatusOr<std::pair<std::string, TensorSlice>> d =
        DecodeTensorNameSlice(key);
    CKPT_REQUIRE_OK(d);
    CHECK(d->first == name);
  }
  CHECK(DecodeTensorNameSlice(rows_full)->second == MustParse("0,2:-"));
  CHECK(DecodeTensorNameSlice(rows_explicit)->second == MustParse("0,2:0,3"));
  CHECK_FALSE(IsSliceKey(name));
  CHECK_FALSE(IsSliceKey(""));
  // A scalar's slice and names with the escaped bytes.
  CHECK(EncodeTensorNameSlice("s", TensorSlice()) == FromHex("00 73 00 01 00"));
  const std::string odd("a\0\xff", 3);
  CHECK(EncodeTensorNameSlice(odd, MustParse("1,2")) ==
        spec::SliceKey(odd, "1,2"));
  CHECK(DecodeTensorNameSlice(spec::SliceKey(odd, "1,2"))->first == odd);
}

TEST_CASE("slice keys of large starts and lengths match the spec encoder",
          "[slice][format]") {
  std::vector<int64_t> values = {0,
                                 1,
                                 63,
                                 64,
                                 127,
                                 128,
                                 8191,
                                 8192,
                                 0x424242,
                                 std::numeric_limits<int64_t>::max(),
                                 std::numeric_limits<int64_t>::max() - 1};
  for (int b = 1; b < 63; ++b) {
    values.push_back((int64_t{1} << b) - 1);
    values.push_back(int64_t{1} << b);
    values.push_back((int64_t{1} << b) + 1);
  }
  std::mt19937_64 rng(20260301);
  for (int i = 0; i < 200; ++i) {
    values.push_back(static_cast<int64_t>(rng() >> (rng() % 64)) &
                     std::numeric_limits<int64_t>::max());
  }
  for (const int64_t v : values) {
    INFO(v);
    // v as a start (length 0) and as a length (start 0): both valid slices.
    for (const auto& [start, length] :
         {std::pair<int64_t, int64_t>{v, 0}, {0, v}}) {
      absl::StatusOr<TensorSlice> slice =
          TensorSlice::Create({TensorSlice::Extent{start, length}});
      CKPT_REQUIRE_OK(slice);
      const std::string expected =
          spec::SliceKey("t", {spec::Extent{start, length}});
      const std::string key = EncodeTensorNameSlice("t", *slice);
      REQUIRE(Hex(key) == Hex(expected));
      absl::StatusOr<std::pair<std::string, TensorSlice>> d =
          DecodeTensorNameSlice(key);
      CKPT_REQUIRE_OK(d);
      CHECK(d->first == "t");
      CHECK(d->second == *slice);
    }
  }
  // Keys sort like their starts (OrderedCode's purpose).
  std::sort(values.begin(), values.end());
  for (size_t i = 1; i < values.size(); ++i) {
    if (values[i] == values[i - 1]) continue;
    CHECK(spec::SignedNumIncreasing(values[i - 1]) <
          spec::SignedNumIncreasing(values[i]));
  }
}

// ---------------------------------------------------------------------------
// The worked example of docs/format.md §11.3.
// ---------------------------------------------------------------------------

TEST_CASE("the spec's worked example: float [4,3] as two row slices",
          "[slice][format]") {
  TempDir dir;
  const std::string prefix = dir.Join("ckpt");
  std::unique_ptr<BundleWriter> w = MustCreate(prefix);
  CKPT_REQUIRE_OK(w->AddSlice(kVarKey, TensorShape({4, 3}),
                              MustParse("0,2:0,3"), Floats({2, 3}, 0)));
  CKPT_REQUIRE_OK(w->AddSlice(kVarKey, TensorShape({4, 3}),
                              MustParse("2,2:0,3"), Floats({2, 3}, 6)));
  CKPT_REQUIRE_OK(w->Finish());

  const std::string name = kVarKey;
  const spec::KeyValues expected = {
      {"", FromHex("08011a020801")},
      {FromHex("00") + name + FromHex("00 01 01 02 80 82 80 83"),
       FromHex("0801 1208 1202 0802 1202 0803 2818 35c0db3d17")},
      {FromHex("00") + name + FromHex("00 01 01 02 82 82 80 83"),
       FromHex("0801 1208 1202 0802 1202 0803 2018 2818 35d4844e02")},
      {name,
       FromHex("0801 1208 1202 0804 1202 0803"
               "3a08 0a02 1002 0a02 1003  3a0a 0a04 0802 1002 0a02 1003")},
  };
  const spec::KeyValues index = spec::ReadTable(IndexFilename(prefix));
  REQUIRE(index.size() == expected.size());
  for (size_t i = 0; i < index.size(); ++i) {
    INFO("entry " << i);
    CHECK(Hex(index[i].first) == Hex(expected[i].first));
    CHECK(Hex(index[i].second) == Hex(expected[i].second));
  }
  // The whole index file is what TensorFlow's table writer makes of them.
  const std::string rebuilt = dir.Join("rebuilt.index");
  spec::WriteTable(rebuilt, expected);
  CHECK(ReadFileOrDie(IndexFilename(prefix)) == ReadFileOrDie(rebuilt));
  // The data file: floats 0..11, the slices in call order.
  CHECK(Hex(ReadFileOrDie(DataFilename(prefix, 0, 1))) ==
        Hex(FromHex("00000000 0000803f 00000040 00004040 00008040 0000a040"
                    "0000c040 0000e040 00000041 00001041 00002041 00003041")));

  // The spec encoder agrees with the example, so the random tests below
  // check against the same rules.
  spec::Entry full{1, {4, 3}};
  full.slices = {spec::SliceProto("0,2:0,3"), spec::SliceProto("2,2:0,3")};
  CHECK(spec::EntryValue(full) == expected[3].second);
  CHECK(spec::SliceKey(name, "2,2:0,3") == expected[2].first);

  std::unique_ptr<BundleReader> r = MustOpen(prefix);
  absl::StatusOr<Tensor> t = r->Read(kVarKey);
  CKPT_REQUIRE_OK(t);
  CHECK(t->Equals(Floats({4, 3}, 0)));
  absl::StatusOr<std::vector<TensorSlice>> slices = r->GetSlices(kVarKey);
  CKPT_REQUIRE_OK(slices);
  CHECK(*slices ==
        std::vector<TensorSlice>{MustParse("0,2:0,3"), MustParse("2,2:0,3")});
}

TEST_CASE("a slice that covers the tensor is stored as a plain entry",
          "[slice][format]") {
  const std::string text = GENERATE("-:-", "0,4:0,3", "0,4:-", "-:0,3");
  TempDir dir;
  const std::string prefix = dir.Join("ckpt");
  std::unique_ptr<BundleWriter> w = MustCreate(prefix);
  const Tensor t = Floats({4, 3}, 0);
  CKPT_REQUIRE_OK(w->AddSlice("v", TensorShape({4, 3}), MustParse(text), t));
  CKPT_REQUIRE_OK(w->AddSlice("s", TensorShape(), TensorSlice(),
                              Tensor::Scalar<int64_t>(7)));
  CKPT_REQUIRE_OK(w->Finish());

  std::string data;
  spec::Entry s{9, {}};
  spec::Entry v{1, {4, 3}};
  spec::AppendFixed(&data, t.bytes(), &v);
  const int64_t seven = 7;
  spec::AppendFixed(
      &data, absl::string_view(reinterpret_cast<const char*>(&seven), 8), &s);
  const spec::KeyValues expected = {{"", spec::HeaderValue(1)},
                                    {"s", spec::EntryValue(s)},
                                    {"v", spec::EntryValue(v)}};
  CHECK(spec::ReadTable(IndexFilename(prefix)) == expected);
  CHECK(ReadFileOrDie(DataFilename(prefix, 0, 1)) == data);
}

TEST_CASE("slices over three shards: listed by shard, then call order",
          "[slice][format]") {
  TempDir dir;
  const std::string prefix = dir.Join("ckpt");
  std::unique_ptr<BundleWriter> w = MustCreate(prefix, 3);
  const TensorShape shape({6, 2});
  // Call order: rows 2-3 on shard 2, rows 4-5 on shard 1, rows 0-1 on 2.
  const std::vector<std::pair<std::string, int>> calls = {
      {"2,2:-", 2}, {"4,2:-", 1}, {"0,2:-", 2}};
  std::vector<std::string> data(3);
  spec::KeyValues expected_slices;
  for (const auto& [text, shard] : calls) {
    const spec::Slice s = spec::ParseSlice(text);
    const Tensor part = Floats({2, 2}, static_cast<float>(2 * s[0].start));
    CKPT_REQUIRE_OK(w->AddSlice("w", shape, MustParse(text), part, shard));
    spec::Entry e{1, {2, 2}, shard};
    spec::AppendFixed(&data[static_cast<size_t>(shard)], part.bytes(), &e);
    expected_slices.emplace_back(spec::SliceKey("w", s), spec::EntryValue(e));
  }
  CKPT_REQUIRE_OK(w->Finish());
  spec::Entry full{1, {6, 2}, /*shard_id=*/1};
  full.slices = {spec::SliceProto("4,2:-"), spec::SliceProto("2,2:-"),
                 spec::SliceProto("0,2:-")};
  spec::KeyValues expected = {{"", spec::HeaderValue(3)}};
  std::sort(expected_slices.begin(), expected_slices.end());
  expected.insert(expected.end(), expected_slices.begin(),
                  expected_slices.end());
  expected.emplace_back("w", spec::EntryValue(full));
  CHECK(spec::ReadTable(IndexFilename(prefix)) == expected);
  for (int i = 0; i < 3; ++i) {
    CHECK(ReadFileOrDie(DataFilename(prefix, i, 3)) ==
          data[static_cast<size_t>(i)]);
  }
  std::unique_ptr<BundleReader> r = MustOpen(prefix);
  absl::StatusOr<Tensor> t = r->Read("w");
  CKPT_REQUIRE_OK(t);
  CHECK(t->Equals(Floats({6, 2}, 0)));
}

// ---------------------------------------------------------------------------
// Random partitions against the spec encoder.
// ---------------------------------------------------------------------------

// Dtypes of the random tensors (strings included).
const std::vector<DataType>& RandomDtypes() {
  static const std::vector<DataType> kDtypes = {
      DataType::kFloat,     DataType::kDouble,    DataType::kInt32,
      DataType::kUInt8,     DataType::kInt16,     DataType::kInt8,
      DataType::kString,    DataType::kComplex64, DataType::kInt64,
      DataType::kBool,      DataType::kBFloat16,  DataType::kUInt16,
      DataType::kHalf,      DataType::kUInt32,    DataType::kUInt64,
      DataType::kComplex128};
  return kDtypes;
}

std::string SliceText(const spec::Slice& s) {
  std::vector<std::string> parts;
  for (const spec::Extent& e : s) {
    parts.push_back(e.full() ? "-" : absl::StrCat(e.start, ",", e.length));
  }
  return absl::StrJoin(parts, ":");
}

// Row-major element indices, in the full tensor of `dims`, of the elements
// of `s`, in the slice's own row-major order.
std::vector<int64_t> SliceIndices(const std::vector<int64_t>& dims,
                                  const spec::Slice& s) {
  const size_t rank = dims.size();
  std::vector<int64_t> lo(rank), len(rank);
  for (size_t d = 0; d < rank; ++d) {
    lo[d] = s[d].full() ? 0 : s[d].start;
    len[d] = s[d].full() ? dims[d] : s[d].length;
  }
  int64_t n = 1;
  for (size_t d = 0; d < rank; ++d) n *= len[d];
  std::vector<int64_t> out;
  for (int64_t i = 0; i < n; ++i) {
    int64_t rest = i, flat = 0, stride = 1;
    for (size_t k = rank; k-- > 0;) {
      flat += (lo[k] + rest % len[k]) * stride;
      rest /= len[k];
      stride *= dims[k];
    }
    out.push_back(flat);
  }
  return out;
}

std::vector<int64_t> SliceDims(const std::vector<int64_t>& dims,
                               const spec::Slice& s) {
  std::vector<int64_t> out;
  for (size_t d = 0; d < dims.size(); ++d) {
    out.push_back(s[d].full() ? dims[d] : s[d].length);
  }
  return out;
}

bool CoversAll(const std::vector<int64_t>& dims, const spec::Slice& s) {
  for (size_t d = 0; d < dims.size(); ++d) {
    if (!s[d].full() && (s[d].start != 0 || s[d].length != dims[d])) {
      return false;
    }
  }
  return true;
}

struct RandomTensor {
  std::string name;
  DataType dtype;
  std::vector<int64_t> dims;
  std::string bytes;                 // fixed-size dtypes
  std::vector<std::string> strings;  // string
  bool tiled = true;                 // its slices cover it
  bool plain = false;                // added with Add()

  // The part `s` of the tensor as a payload.
  Tensor Part(const spec::Slice& s) const {
    const std::vector<int64_t> idx = SliceIndices(dims, s);
    TensorShape shape(SliceDims(dims, s));
    if (dtype == DataType::kString) {
      std::vector<std::string> v;
      for (int64_t i : idx) v.push_back(strings[static_cast<size_t>(i)]);
      return Tensor::FromStrings(std::move(shape), std::move(v)).value();
    }
    const size_t elem = DataTypeSize(dtype);
    std::string b;
    for (int64_t i : idx)
      b += bytes.substr(static_cast<size_t>(i) * elem, elem);
    return Tensor::FromBytes(dtype, std::move(shape), b).value();
  }
};

RandomTensor MakeRandomTensor(std::mt19937_64& rng, std::string name) {
  RandomTensor t;
  t.name = std::move(name);
  t.dtype = RandomDtypes()[rng() % RandomDtypes().size()];
  const int rank = 1 + static_cast<int>(rng() % 4);
  int64_t n = 1;
  for (int d = 0; d < rank; ++d) {
    t.dims.push_back(1 + static_cast<int64_t>(rng() % 5));
    n *= t.dims.back();
  }
  if (t.dtype == DataType::kString) {
    for (int64_t i = 0; i < n; ++i) {
      std::string s(rng() % 12, '\0');
      for (char& c : s) c = static_cast<char>(rng() % 256);
      t.strings.push_back(std::move(s));
    }
  } else {
    t.bytes.resize(static_cast<size_t>(n) * DataTypeSize(t.dtype));
    for (char& c : t.bytes) {
      c = static_cast<char>(t.dtype == DataType::kBool ? rng() % 2 : rng());
    }
  }
  return t;
}

// A grid partition of `dims`: per dimension "-", one explicit piece, or
// 2-3 pieces at random cuts.
std::vector<spec::Slice> RandomGrid(std::mt19937_64& rng,
                                    const std::vector<int64_t>& dims) {
  std::vector<std::vector<spec::Extent>> per_dim;
  for (const int64_t n : dims) {
    std::vector<spec::Extent> pieces;
    const int mode = static_cast<int>(rng() % 3);
    if (mode == 0) {
      pieces.push_back(spec::Extent{});
    } else if (mode == 1 || n == 1) {
      pieces.push_back(spec::Extent{0, n});
    } else {
      std::vector<int64_t> cuts = {0, n};
      const int k = 1 + static_cast<int>(rng() % 2);
      for (int i = 0; i < k; ++i)
        cuts.push_back(
            1 + static_cast<int64_t>(rng() % static_cast<uint64_t>(n - 1)));
      std::sort(cuts.begin(), cuts.end());
      cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
      for (size_t i = 0; i + 1 < cuts.size(); ++i) {
        pieces.push_back(spec::Extent{cuts[i], cuts[i + 1] - cuts[i]});
      }
    }
    per_dim.push_back(std::move(pieces));
  }
  std::vector<spec::Slice> cells = {spec::Slice()};
  for (const auto& pieces : per_dim) {
    std::vector<spec::Slice> next;
    for (const spec::Slice& c : cells) {
      for (const spec::Extent& e : pieces) {
        next.push_back(c);
        next.back().push_back(e);
      }
    }
    cells = std::move(next);
  }
  return cells;
}

struct Op {
  size_t tensor;
  spec::Slice slice;  // ignored for plain tensors
  int shard;
};

TEST_CASE("random partitions give exactly the spec encoder's bytes",
          "[slice][format]") {
  std::mt19937_64 rng(0x51ce5);
  for (int trial = 0; trial < 60; ++trial) {
    INFO("trial " << trial);
    const int num_shards = 1 + static_cast<int>(rng() % 3);
    std::vector<RandomTensor> tensors;
    std::vector<Op> ops;
    const int num_tensors = 1 + static_cast<int>(rng() % 5);
    for (int i = 0; i < num_tensors; ++i) {
      RandomTensor t = MakeRandomTensor(rng, absl::StrCat("t", i, "/x"));
      if (rng() % 5 == 0) {
        t.plain = true;
        ops.push_back(
            {tensors.size(),
             {},
             static_cast<int>(rng() % static_cast<uint64_t>(num_shards))});
      } else {
        std::vector<spec::Slice> cells = RandomGrid(rng, t.dims);
        std::shuffle(cells.begin(), cells.end(), rng);
        if (cells.size() > 1 && rng() % 4 == 0) {
          cells.resize(1 + rng() % (cells.size() - 1));  // leave a hole
          t.tiled = false;
        }
        for (spec::Slice& c : cells) {
          ops.push_back(
              {tensors.size(), std::move(c),
               static_cast<int>(rng() % static_cast<uint64_t>(num_shards))});
        }
      }
      tensors.push_back(std::move(t));
    }
    std::shuffle(ops.begin(), ops.end(), rng);

    // The prediction.
    std::vector<std::string> data(static_cast<size_t>(num_shards));
    std::map<std::string, std::string> expected;
    std::map<std::string, std::vector<std::pair<int, std::string>>> lists;
    std::map<std::string, int> full_shard;
    std::vector<std::string> stored_keys;
    for (const Op& op : ops) {
      const RandomTensor& t = tensors[op.tensor];
      const bool whole = t.plain || CoversAll(t.dims, op.slice);
      const spec::Slice part = t.plain ? spec::Slice(t.dims.size()) : op.slice;
      const Tensor value = t.Part(part);
      spec::Entry e{static_cast<int32_t>(t.dtype), value.shape().dims(),
                    op.shard};
      std::string& shard_data = data[static_cast<size_t>(op.shard)];
      if (t.dtype == DataType::kString) {
        spec::AppendStrings(&shard_data, value.strings(), &e);
      } else {
        spec::AppendFixed(&shard_data, value.bytes(), &e);
      }
      const std::string key = whole ? t.name : spec::SliceKey(t.name, part);
      REQUIRE(expected.emplace(key, spec::EntryValue(e)).second);
      stored_keys.push_back(key);
      if (!whole) {
        lists[t.name].emplace_back(op.shard, spec::SliceProto(part));
        auto [it, added] = full_shard.emplace(t.name, op.shard);
        if (!added) it->second = std::min(it->second, op.shard);
      }
    }
    for (auto& name_list : lists) {
      const std::string& name = name_list.first;
      auto& list = name_list.second;
      const RandomTensor& t =
          *std::find_if(tensors.begin(), tensors.end(),
                        [&](const RandomTensor& x) { return x.name == name; });
      std::stable_sort(
          list.begin(), list.end(),
          [](const auto& a, const auto& b) { return a.first < b.first; });
      spec::Entry full{static_cast<int32_t>(t.dtype), t.dims, full_shard[name]};
      for (const auto& shard_proto : list) {
        full.slices.push_back(shard_proto.second);
      }
      REQUIRE(expected.emplace(name, spec::EntryValue(full)).second);
    }
    expected.emplace("", spec::HeaderValue(num_shards));

    // The bundle, with AddSlice/Add calls or one AddBatch.
    TempDir dir;
    const std::string prefix = dir.Join("ckpt");
    std::unique_ptr<BundleWriter> w = MustCreate(prefix, num_shards);
    const bool batch = rng() % 2 == 0;
    std::vector<Tensor> values;
    std::vector<TensorSlice> slices;
    std::vector<TensorShape> shapes;
    values.reserve(ops.size());
    slices.reserve(ops.size());
    shapes.reserve(ops.size());
    std::vector<BundleWriter::BatchItem> items;
    for (const Op& op : ops) {
      const RandomTensor& t = tensors[op.tensor];
      values.push_back(t.Part(t.plain ? spec::Slice(t.dims.size()) : op.slice));
      if (t.plain) {
        items.push_back({t.name, &values.back(), op.shard});
        continue;
      }
      slices.push_back(MustParse(SliceText(op.slice)));
      shapes.emplace_back(t.dims);
      items.push_back(
          {t.name, &values.back(), op.shard, &slices.back(), &shapes.back()});
    }
    if (batch) {
      CKPT_REQUIRE_OK(w->AddBatch(items, 2));
    } else {
      for (const BundleWriter::BatchItem& item : items) {
        if (item.slice == nullptr) {
          CKPT_REQUIRE_OK(w->Add(item.key, *item.tensor, item.shard_id));
        } else {
          CKPT_REQUIRE_OK(w->AddSlice(item.key, *item.full_shape, *item.slice,
                                      *item.tensor, item.shard_id));
        }
      }
    }
    CKPT_REQUIRE_OK(w->Finish());

    // Every raw key and value, and every data file.
    const spec::KeyValues index = spec::ReadTable(IndexFilename(prefix));
    REQUIRE(index.size() == expected.size());
    size_t i = 0;
    for (const auto& [key, value] : expected) {
      INFO("key " << Hex(key));
      CHECK(Hex(index[i].first) == Hex(key));
      CHECK(Hex(index[i].second) == Hex(value));
      ++i;
    }
    for (int s = 0; s < num_shards; ++s) {
      CHECK(ReadFileOrDie(DataFilename(prefix, s, num_shards)) ==
            data[static_cast<size_t>(s)]);
    }

    // Slice keys decode to what was added; reads give the tensors back.
    std::unique_ptr<BundleReader> r = MustOpen(prefix);
    for (const Op& op : ops) {
      const RandomTensor& t = tensors[op.tensor];
      if (t.plain || CoversAll(t.dims, op.slice)) continue;
      absl::StatusOr<std::pair<std::string, TensorSlice>> d =
          DecodeTensorNameSlice(spec::SliceKey(t.name, op.slice));
      CKPT_REQUIRE_OK(d);
      CHECK(d->first == t.name);
      CHECK(d->second.DebugString() == SliceText(op.slice));
      absl::StatusOr<Tensor> got = r->ReadSlice(t.name, d->second);
      CKPT_REQUIRE_OK(got);
      CHECK(got->Equals(t.Part(op.slice)));
    }
    for (const RandomTensor& t : tensors) {
      INFO(t.name << " " << DataTypeName(t.dtype));
      const spec::Slice all(t.dims.size());
      if (!t.tiled) {
        CKPT_REQUIRE_ERROR(r->Read(t.name), StatusCode::kDataLoss,
                           "insufficient slices");
        CKPT_REQUIRE_ERROR(r->Verify(t.name, r->GetEntry(t.name).value()),
                           StatusCode::kDataLoss, "hole");
        continue;
      }
      absl::StatusOr<Tensor> got = r->Read(t.name);
      CKPT_REQUIRE_OK(got);
      CHECK(got->Equals(t.Part(all)));
      // A random region.
      spec::Slice region;
      for (const int64_t n : t.dims) {
        if (rng() % 4 == 0) {
          region.push_back(spec::Extent{});
          continue;
        }
        const int64_t start =
            static_cast<int64_t>(rng() % static_cast<uint64_t>(n));
        region.push_back(spec::Extent{
            start, static_cast<int64_t>(rng() %
                                        static_cast<uint64_t>(n - start + 1))});
      }
      INFO("region " << SliceText(region));
      got = r->ReadSlice(t.name, MustParse(SliceText(region)));
      CKPT_REQUIRE_OK(got);
      CHECK(got->Equals(t.Part(region)));
      if (t.dtype != DataType::kString) {
        std::string buf(got->bytes().size(), '\x55');
        CKPT_REQUIRE_OK(r->ReadSliceInto(t.name, MustParse(SliceText(region)),
                                         absl::MakeSpan(buf)));
        CHECK(buf == std::string(got->bytes()));
      }
      for (const std::string& key : stored_keys) {
        CKPT_REQUIRE_OK(r->Verify(key, r->GetEntry(key).value()));
      }
    }
  }
}

// ---------------------------------------------------------------------------
// AddSlice's refusals.
// ---------------------------------------------------------------------------

TEST_CASE("AddSlice refuses invalid slices with InvalidArgument",
          "[slice][format]") {
  TempDir dir;
  std::unique_ptr<BundleWriter> w = MustCreate(dir.Join("ckpt"), 2);
  const TensorShape shape({4, 3});
  const Tensor rows = Floats({2, 3}, 0);
  absl::Status st;
  std::vector<std::string> want;
  SECTION("slice past the shape") {
    st = w->AddSlice("v", shape, MustParse("3,2:-"), rows);
    want = {"'v'", "3,2:-", "extends past"};
  }
  SECTION("slice of another rank") {
    st = w->AddSlice("v", shape, MustParse("0,2"), Floats({2}, 0));
    want = {"'v'", "0,2", "rank"};
  }
  SECTION("tensor of another shape") {
    st = w->AddSlice("v", shape, MustParse("0,2:-"), Floats({3, 2}, 0));
    want = {"'v'", "0,2:-", "not the slice's shape"};
  }
  SECTION("full key added whole before") {
    CKPT_REQUIRE_OK(w->Add("v", Floats({4, 3}, 0)));
    st = w->AddSlice("v", shape, MustParse("0,2:-"), rows);
    want = {"'v'", "0,2:-", "whole"};
  }
  SECTION("full key added whole after") {
    CKPT_REQUIRE_OK(w->AddSlice("v", shape, MustParse("0,2:-"), rows));
    st = w->Add("v", Floats({4, 3}, 0));
    want = {"'v'", "partitioned"};
  }
  SECTION("a covering slice after slices") {
    CKPT_REQUIRE_OK(w->AddSlice("v", shape, MustParse("0,2:-"), rows));
    st = w->AddSlice("v", shape, MustParse("-:-"), Floats({4, 3}, 0));
    want = {"'v'", "partitioned"};
  }
  SECTION("another dtype") {
    CKPT_REQUIRE_OK(w->AddSlice("v", shape, MustParse("0,2:-"), rows));
    st = w->AddSlice(
        "v", shape, MustParse("2,2:-"),
        Tensor::FromVector<int32_t>({2, 3}, {1, 2, 3, 4, 5, 6}).value(), 1);
    want = {"'v'", "2,2:-", "float32", "int32"};
  }
  SECTION("another full shape") {
    CKPT_REQUIRE_OK(w->AddSlice("v", shape, MustParse("0,2:-"), rows));
    st = w->AddSlice("v", TensorShape({5, 3}), MustParse("2,2:-"), rows);
    want = {"'v'", "2,2:-", "[4,3]", "[5,3]"};
  }
  SECTION("the empty key") {
    st = w->AddSlice("", shape, MustParse("0,2:-"), rows);
    want = {"empty key"};
  }
  SECTION("a shard out of range") {
    st = w->AddSlice("v", shape, MustParse("0,2:-"), rows, 2);
    want = {"shard 2"};
  }
  INFO(st.ToString());
  REQUIRE(st.code() == StatusCode::kInvalidArgument);
  for (const std::string& s : want) {
    CHECK_THAT(std::string(st.message()), Catch::Matchers::Contains(s));
  }
  // Nothing of it reached the files (the writer is failed, sticky).
  CHECK(w->Finish().code() == StatusCode::kInvalidArgument);
}

// The duplicate is refused; the message must say which tensor and which
// slice in words a user recognizes, not only the encoded slice key.
TEST_CASE("AddSlice of a slice added before names the tensor and the slice",
          "[slice][format]") {
  TempDir dir;
  std::unique_ptr<BundleWriter> w = MustCreate(dir.Join("ckpt"), 2);
  const TensorShape shape({4, 3});
  const Tensor rows = Floats({2, 3}, 0);
  const TensorSlice s = MustParse("0,2:-");
  absl::Status st;
  SECTION("two calls") {
    CKPT_REQUIRE_OK(w->AddSlice("v", shape, s, rows));
    st = w->AddSlice("v", shape, s, rows, 1);
  }
  SECTION("one batch") {
    const std::vector<BundleWriter::BatchItem> items = {
        {"v", &rows, 0, &s, &shape}, {"v", &rows, 1, &s, &shape}};
    st = w->AddBatch(items, 2);
  }
  INFO(st.ToString());
  REQUIRE(st.code() == StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(st.message()), Catch::Matchers::Contains("'v'"));
  CHECK_THAT(std::string(st.message()), Catch::Matchers::Contains("0,2:-"));
}

}  // namespace
}  // namespace ckpt
