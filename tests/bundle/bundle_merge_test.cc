// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// MergeBundles:
//   * byte identity with an independent merge written from the spec
//     (tf-checkpoint-format.md §1.4): raw input tables, entries re-serialized
//     with the generated protobuf classes, data files numbered by first
//     appearance, TensorFlow's table options; fixed cases and 20 random ones;
//   * the merged bundle reads back and verifies; the inputs' indexes go;
//   * every refusal, with its code and message, changing no file;
//   * faults (testing::FaultEnv): a crash at every mutating call, then a
//     power loss, leaves no output index or a complete one; a failing call
//     leaves the inputs readable (renames undone) or a complete output.

#include "ckpt/bundle_merge.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "bundle/bundle_test_util.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/bundle_writer.h"
#include "ckpt/dtype.h"
#include "ckpt/env.h"
#include "ckpt/proto/tensor_bundle.pb.h"
#include "ckpt/tensor.h"
#include "ckpt/tensor_slice.h"
#include "table/table.h"
#include "table/table_builder.h"
#include "testing/fault_env.h"
#include "testing/test_util.h"

namespace ckpt {
namespace {

using absl::StatusCode;
using ::ckpt::testing::BytesTensor;
using ::ckpt::testing::FaultEnv;
using ::ckpt::testing::FaultKind;
using ::ckpt::testing::RandomTensor;
using ::ckpt::testing::TempDir;
using ::ckpt::testing::TestOptions;

// ---------------------------------------------------------------------------
// Inputs: what each writer writes, and what the merged bundle must hold.

// One tensor given to an input's writer: whole (no slice) or a slice of the
// partitioned tensor `key` of shape `full_shape`.
struct Piece {
  std::string key;
  Tensor tensor;
  int shard = 0;
  std::optional<TensorSlice> slice;
  TensorShape full_shape;
};

struct InputSpec {
  int num_shards = 1;
  std::vector<Piece> pieces;
  BundleWriterOptions options = TestOptions();
};

struct Scenario {
  std::vector<InputSpec> inputs;
  std::map<std::string, Tensor> expected;  // full tensors by key
};

// Part [r0, r1) x [c0, c1) of the rank-2 tensor `full`.
Tensor Box(const Tensor& full, int64_t r0, int64_t r1, int64_t c0, int64_t c1) {
  const int64_t cols = full.shape().dim(1);
  const TensorShape shape({r1 - r0, c1 - c0});
  if (full.dtype() == DataType::kString) {
    std::vector<std::string> values;
    for (int64_t r = r0; r < r1; ++r) {
      for (int64_t c = c0; c < c1; ++c) {
        values.push_back(full.strings()[static_cast<size_t>(r * cols + c)]);
      }
    }
    return Tensor::FromStrings(shape, std::move(values)).value();
  }
  const size_t elem = DataTypeSize(full.dtype());
  Tensor out = Tensor::Create(full.dtype(), shape).value();
  char* to = out.mutable_bytes().data();
  for (int64_t r = r0; r < r1; ++r) {
    const size_t n = static_cast<size_t>(c1 - c0) * elem;
    std::memcpy(
        to, full.bytes().data() + static_cast<size_t>(r * cols + c0) * elem, n);
    to += n;
  }
  return out;
}

TensorSlice RowsCols(int64_t r0, int64_t r1, int64_t c0, int64_t c1) {
  return TensorSlice::FromStartLength({r0, c0}, {r1 - r0, c1 - c0}).value();
}

// Adds slice [r0, r1) x [c0, c1) of `full` (stored as `key`) to `input`.
void AddPart(InputSpec& input, const std::string& key, const Tensor& full,
             int64_t r0, int64_t r1, int64_t c0, int64_t c1, int shard = 0) {
  input.pieces.push_back({key, Box(full, r0, r1, c0, c1), shard,
                          RowsCols(r0, r1, c0, c1), full.shape()});
}

void AddWhole(Scenario& s, size_t input, const std::string& key, Tensor t,
              int shard = 0) {
  s.inputs[input].pieces.push_back({key, t, shard, std::nullopt, {}});
  s.expected.emplace(key, std::move(t));
}

std::string InputPrefix(const std::string& root, size_t i, size_t n) {
  return absl::StrFormat("%s/out_temp/part-%05d-of-%05d", root, i, n);
}

std::vector<std::string> WriteInputs(Env* env, const Scenario& s,
                                     const std::string& root) {
  std::vector<std::string> prefixes;
  for (size_t i = 0; i < s.inputs.size(); ++i) {
    const InputSpec& in = s.inputs[i];
    prefixes.push_back(InputPrefix(root, i, s.inputs.size()));
    BundleWriterOptions o = in.options;
    o.num_shards = in.num_shards;
    std::unique_ptr<BundleWriter> w =
        testing::MustCreate(env, prefixes.back(), o);
    for (const Piece& p : in.pieces) {
      if (p.slice.has_value()) {
        CKPT_REQUIRE_OK(
            w->AddSlice(p.key, p.full_shape, *p.slice, p.tensor, p.shard));
      } else {
        CKPT_REQUIRE_OK(w->Add(p.key, p.tensor, p.shard));
      }
    }
    CKPT_REQUIRE_OK(w->Finish());
  }
  return prefixes;
}

// ---------------------------------------------------------------------------
// The independent merge, from the specification's text.

std::string OutDataName(const std::string& prefix, int id, int n) {
  return absl::StrFormat("%s.data-%05d-of-%05d", prefix, id, n);
}

std::string ReadAll(Env* env, const std::string& path) {
  absl::StatusOr<std::string> s =
      ReadFileToString(env, path, uint64_t{1} << 30);
  CKPT_REQUIRE_OK(s);
  return *s;
}

struct Reference {
  std::string index;                        // the merged .index
  std::map<std::string, std::string> data;  // output data file -> bytes
};

// The input index `prefix`.index as (key, raw value) pairs, header first.
std::vector<std::pair<std::string, std::string>> RawIndex(
    Env* env, const std::string& prefix) {
  std::unique_ptr<RandomAccessFile> file =
      env->NewRandomAccessFile(prefix + ".index").value();
  std::unique_ptr<table::Table> t = table::Table::Open(std::move(file)).value();
  std::vector<std::pair<std::string, std::string>> out;
  std::unique_ptr<table::Iterator> it = t->NewIterator();
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    out.emplace_back(std::string(it->key()), std::string(it->value()));
  }
  CKPT_REQUIRE_OK(it->status());
  return out;
}

Reference ReferenceMerge(Env* env, const std::vector<std::string>& inputs,
                         const std::string& output) {
  proto::BundleHeaderProto merged_header;
  int num_shards = 0;
  std::map<std::string, proto::BundleEntryProto> entries;
  std::map<std::string, int> ids;  // input data file -> new id
  std::vector<std::string> order;  // input data files by new id
  for (size_t i = 0; i < inputs.size(); ++i) {
    const auto raw = RawIndex(env, inputs[i]);
    REQUIRE(!raw.empty());
    REQUIRE(raw[0].first.empty());
    proto::BundleHeaderProto header;
    REQUIRE(header.ParseFromString(raw[0].second));
    if (i == 0) merged_header = header;
    num_shards += header.num_shards();
    for (size_t j = 1; j < raw.size(); ++j) {
      proto::BundleEntryProto e;
      REQUIRE(e.ParseFromString(raw[j].second));
      auto it = entries.find(raw[j].first);
      if (it != entries.end()) {  // both partitioned: concatenate
        REQUIRE(it->second.slices_size() > 0);
        REQUIRE(e.slices_size() > 0);
        for (const auto& s : e.slices()) *it->second.add_slices() = s;
        continue;
      }
      const std::string file =
          OutDataName(inputs[i], e.shard_id(), header.num_shards());
      auto [id, added] = ids.emplace(file, static_cast<int>(ids.size()));
      if (added) order.push_back(file);
      e.set_shard_id(id->second);
      entries.emplace(raw[j].first, e);
    }
  }
  merged_header.set_num_shards(num_shards);
  Reference ref;
  const int k = static_cast<int>(order.size());
  for (int id = 0; id < k; ++id) {
    ref.data[OutDataName(output, id, k)] =
        ReadAll(env, order[static_cast<size_t>(id)]);
  }
  std::unique_ptr<Env> mem = NewMemEnv();
  std::unique_ptr<WritableFile> f = mem->NewWritableFile("/ref.index").value();
  table::TableOptions o;
  o.block_size = 262144;  // the spec's table options (no compression)
  o.block_restart_interval = 16;
  table::TableBuilder b(o, f.get());
  CKPT_REQUIRE_OK(b.Add("", merged_header.SerializeAsString()));
  for (const auto& [key, e] : entries) {
    CKPT_REQUIRE_OK(b.Add(key, e.SerializeAsString()));
  }
  CKPT_REQUIRE_OK(b.Finish());
  CKPT_REQUIRE_OK(f->Close());
  ref.index = ReadAll(mem.get(), "/ref.index");
  return ref;
}

// ---------------------------------------------------------------------------
// Checks.

// The merged bundle holds exactly `expected`, every entry verifies.
void CheckReadsBack(Env* env, const std::string& prefix,
                    const std::map<std::string, Tensor>& expected) {
  std::unique_ptr<BundleReader> r = testing::MustOpen(env, prefix);
  size_t listed = 0;
  const absl::Status scan = r->ForEachEntry(
      [&](absl::string_view key, BundleEntry&& e) -> absl::Status {
        INFO("key " << std::string(key));
        CKPT_REQUIRE_OK(r->Verify(key, e));
        if (expected.count(std::string(key)) != 0) ++listed;
        return absl::OkStatus();
      });
  CKPT_REQUIRE_OK(scan);
  REQUIRE(listed == expected.size());
  for (const auto& [key, want] : expected) {
    INFO("key " << key);
    absl::StatusOr<Tensor> got = r->Read(key);
    CKPT_REQUIRE_OK(got);
    REQUIRE(got->Equals(want));
  }
}

// Every file under `dir`, recursively, with its bytes.
void Snapshot(Env* env, const std::string& dir,
              std::map<std::string, std::string>* out) {
  const std::vector<std::string> names = testing::Children(env, dir);
  for (const std::string& name : names) {
    const std::string path = JoinPath(dir, name);
    if (env->IsDirectory(path).value()) {
      (*out)[path + "/"] = "";
      Snapshot(env, path, out);
    } else {
      (*out)[path] = ReadAll(env, path);
    }
  }
}

std::map<std::string, std::string> Snapshot(Env* env, const std::string& dir) {
  std::map<std::string, std::string> out;
  Snapshot(env, dir, &out);
  return out;
}

// Merges the inputs of `s` written at /m, compares the result byte for
// byte with ReferenceMerge, and reads it back.
void CheckMerge(const Scenario& s) {
  std::unique_ptr<Env> env = NewMemEnv();
  const std::vector<std::string> inputs = WriteInputs(env.get(), s, "/m");
  const Reference ref = ReferenceMerge(env.get(), inputs, "/m/out");
  MergeBundlesOptions o;
  o.env = env.get();
  o.sync = false;
  CKPT_REQUIRE_OK(MergeBundles(inputs, "/m/out", o));
  REQUIRE(ReadAll(env.get(), "/m/out.index") == ref.index);
  std::map<std::string, std::string> want = ref.data;
  want["/m/out.index"] = ref.index;
  // The inputs' indexes and their emptied directory are gone.
  REQUIRE(Snapshot(env.get(), "/m") == want);
  CheckReadsBack(env.get(), "/m/out", s.expected);
}

// ---------------------------------------------------------------------------
// Fixed cases.

Tensor Floats(TensorShape shape, float first) {
  std::vector<float> v(static_cast<size_t>(shape.num_elements()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = first + static_cast<float>(i);
  return testing::VectorTensor<float>(std::move(shape), v);
}

Tensor Strings(TensorShape shape, const std::string& base) {
  std::vector<std::string> v;
  for (int64_t i = 0; i < shape.num_elements(); ++i) {
    v.push_back(
        absl::StrCat(base, i, std::string(static_cast<size_t>(i * 37), 'x')));
  }
  return Tensor::FromStrings(std::move(shape), std::move(v)).value();
}

TEST_CASE("merge: two inputs of plain tensors") {
  Scenario s;
  s.inputs.resize(2);
  AddWhole(s, 0, "a", Floats({2, 2}, 1));
  AddWhole(s, 0, "c", Floats({3}, 10));
  AddWhole(s, 1, "b", Floats({}, 5));
  AddWhole(s, 1, "d", Floats({0, 4}, 0));
  CheckMerge(s);
}

TEST_CASE("merge: one input is renamed as it is") {
  Scenario s;
  s.inputs.resize(1);
  s.inputs[0].num_shards = 2;
  AddWhole(s, 0, "x", Floats({5}, 1), 1);
  AddWhole(s, 0, "y", Floats({5}, 2), 0);
  CheckMerge(s);
}

TEST_CASE("merge: four inputs with several data files each") {
  Scenario s;
  s.inputs.resize(4);
  for (size_t i = 0; i < 4; ++i) {
    s.inputs[i].num_shards = 1 + static_cast<int>(i % 3);
    for (int sh = s.inputs[i].num_shards - 1; sh >= 0; --sh) {
      // Keys interleave across inputs; the later shards come first in key
      // order, so new ids follow key order, not shard order.
      AddWhole(s, i, absl::StrCat("k", sh, "/", i),
               Floats({3, 2}, static_cast<float>(sh * 7)), sh);
      AddWhole(s, i, absl::StrCat("z", i, "/", sh),
               Floats({1}, static_cast<float>(i)), sh);
    }
  }
  CheckMerge(s);
}

TEST_CASE("merge: string tensors") {
  Scenario s;
  s.inputs.resize(3);
  s.inputs[2].num_shards = 2;
  AddWhole(s, 0, "s/0", Strings({3}, "zero"));
  AddWhole(s, 1, "s/1", Strings({2, 2}, "one"));
  AddWhole(s, 2, "s/2", Strings({}, "two"), 1);
  AddWhole(s, 2, "s/3", Strings({0}, "three"), 0);
  AddWhole(s, 2, "f", Floats({2}, 3), 1);
  CheckMerge(s);
}

TEST_CASE("merge: a partitioned tensor whose slices come from several inputs") {
  Scenario s;
  s.inputs.resize(3);
  s.inputs[1].num_shards = 2;
  const Tensor v = Floats({6, 3}, 100);
  AddPart(s.inputs[0], "v", v, 0, 2, 0, 3);
  AddPart(s.inputs[1], "v", v, 4, 6, 0, 3, 1);  // shard 1 first ...
  AddPart(s.inputs[1], "v", v, 2, 3, 0, 3, 0);  // ... listed after shard 0
  AddPart(s.inputs[2], "v", v, 3, 4, 0, 3);
  s.expected.emplace("v", v);
  // Column slices of a string tensor, and plain tensors around them.
  const Tensor w = Strings({2, 4}, "w");
  AddPart(s.inputs[2], "w", w, 0, 2, 0, 1);
  AddPart(s.inputs[0], "w", w, 0, 2, 1, 4);
  s.expected.emplace("w", w);
  AddWhole(s, 0, "a", Floats({1}, 1));
  AddWhole(s, 1, "zz", Floats({2}, 2), 1);
  AddWhole(s, 2, "m", Floats({2}, 2));
  CheckMerge(s);
}

// ---------------------------------------------------------------------------
// Random model-based cases.

Tensor RandomMatrix(std::mt19937_64& rng, DataType dtype, int64_t rows,
                    int64_t cols) {
  const TensorShape shape({rows, cols});
  if (dtype == DataType::kString) {
    std::vector<std::string> v;
    for (int64_t i = 0; i < rows * cols; ++i) {
      v.push_back(testing::RandomString(rng));
    }
    return Tensor::FromStrings(shape, std::move(v)).value();
  }
  Tensor t = Tensor::Create(dtype, shape).value();
  for (char& c : t.mutable_bytes()) c = static_cast<char>(rng());
  return t;
}

// Cut points 0 = c_0 < ... < c_k = n, k >= 1.
std::vector<int64_t> Cuts(std::mt19937_64& rng, int64_t n) {
  std::set<int64_t> cuts = {0, n};
  const int extra = static_cast<int>(rng() % static_cast<uint64_t>(n));
  for (int i = 0; i < extra; ++i) {
    cuts.insert(1 + static_cast<int64_t>(rng() % static_cast<uint64_t>(n - 1)));
  }
  return {cuts.begin(), cuts.end()};
}

Scenario RandomScenario(uint64_t seed) {
  std::mt19937_64 rng(seed);
  Scenario s;
  s.inputs.resize(2 + rng() % 3);
  std::vector<DataType> dtypes;
  for (DataType d : testing::StorableDataTypes()) {
    if (d != DataType::kVariant) dtypes.push_back(d);
  }
  std::set<std::string> keys;
  const auto new_key = [&](const std::string& base) {
    std::string key;
    do {
      key = absl::StrCat(base, rng() % 1000);
    } while (!keys.insert(key).second);
    return key;
  };
  for (size_t i = 0; i < s.inputs.size(); ++i) {
    InputSpec& in = s.inputs[i];
    in.num_shards = 1 + static_cast<int>(rng() % 3);
    in.options.index_block_size = rng() % 2 == 0 ? 262144 : 64;
    const int extra = static_cast<int>(rng() % 5);
    for (int j = 0; j < in.num_shards + extra; ++j) {  // every shard used
      const int shard =
          j < in.num_shards
              ? j
              : static_cast<int>(rng() % static_cast<uint64_t>(in.num_shards));
      AddWhole(s, i, new_key("t"),
               RandomTensor(rng, dtypes[rng() % dtypes.size()]), shard);
    }
  }
  const DataType sliceable[] = {DataType::kFloat,  DataType::kInt32,
                                DataType::kDouble, DataType::kUInt8,
                                DataType::kInt64,  DataType::kString};
  const int partitioned = static_cast<int>(rng() % 3);
  for (int p = 0; p < partitioned; ++p) {
    const std::string key = new_key("p");
    const int64_t rows = 2 + static_cast<int64_t>(rng() % 5);
    const int64_t cols = 1 + static_cast<int64_t>(rng() % 3);
    const Tensor full = RandomMatrix(rng, sliceable[rng() % 6], rows, cols);
    std::vector<int64_t> rc = Cuts(rng, rows);
    std::vector<int64_t> cc = {0, cols};
    if (rc.size() == 2) cc = Cuts(rng, cols);  // then cut columns
    if (rc.size() == 2 && cc.size() == 2) rc = {0, 1, rows};
    for (size_t a = 0; a + 1 < rc.size(); ++a) {
      for (size_t b = 0; b + 1 < cc.size(); ++b) {
        InputSpec& in = s.inputs[rng() % s.inputs.size()];
        AddPart(in, key, full, rc[a], rc[a + 1], cc[b], cc[b + 1],
                static_cast<int>(rng() % static_cast<uint64_t>(in.num_shards)));
      }
    }
    s.expected.emplace(key, full);
  }
  // Writers get their tensors in a random order.
  for (InputSpec& in : s.inputs)
    std::shuffle(in.pieces.begin(), in.pieces.end(), rng);
  return s;
}

TEST_CASE("merge: random inputs match the reference (model-based)") {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    INFO("seed " << seed);
    CheckMerge(RandomScenario(seed));
  }
}

TEST_CASE("merge: POSIX files in the TensorFlow temp directory layout") {
  TempDir dir;
  Scenario s;
  s.inputs.resize(2);
  AddWhole(s, 0, "a", Floats({4}, 1));
  AddWhole(s, 1, "b", Floats({4}, 2));
  const std::vector<std::string> inputs =
      WriteInputs(Env::Default(), s, dir.path());
  // A third input beside the output: its directory stays.
  std::unique_ptr<BundleWriter> w =
      testing::MustCreate(Env::Default(), dir.Join("side"));
  CKPT_REQUIRE_OK(w->Add("c", Floats({1}, 3)));
  CKPT_REQUIRE_OK(w->Finish());
  s.expected.emplace("c", Floats({1}, 3));
  std::vector<std::string> all = inputs;
  all.push_back(dir.Join("side"));
  CKPT_REQUIRE_OK(MergeBundles(all, dir.Join("out")));  // Env::Default()
  CheckReadsBack(Env::Default(), dir.Join("out"), s.expected);
  REQUIRE(absl::IsNotFound(Env::Default()->FileExists(dir.Join("out_temp"))));
  std::vector<std::string> names =
      testing::Children(Env::Default(), dir.path());
  REQUIRE(names == std::vector<std::string>{
                       "out.data-00000-of-00003", "out.data-00001-of-00003",
                       "out.data-00002-of-00003", "out.index"});
}

Scenario TwoPlain() {
  Scenario s;
  s.inputs.resize(2);
  AddWhole(s, 0, "a", Floats({8}, 1));
  AddWhole(s, 1, "b", Floats({8}, 2));
  return s;
}

TEST_CASE("merge: delete_inputs = false keeps the input indexes") {
  std::unique_ptr<Env> env = NewMemEnv();
  const Scenario s = TwoPlain();
  const std::vector<std::string> inputs = WriteInputs(env.get(), s, "/m");
  MergeBundlesOptions o;
  o.env = env.get();
  o.delete_inputs = false;
  CKPT_REQUIRE_OK(MergeBundles(inputs, "/m/out", o));
  CheckReadsBack(env.get(), "/m/out", s.expected);
  for (const std::string& p : inputs) {
    CKPT_REQUIRE_OK(env->FileExists(p + ".index"));
  }
}

// ---------------------------------------------------------------------------
// Refusals: each leaves every file as it was.

struct Refusal {
  std::unique_ptr<Env> env = NewMemEnv();
  std::vector<std::string> inputs;
  MergeBundlesOptions options;

  explicit Refusal(const Scenario& s) {
    inputs = WriteInputs(env.get(), s, "/m");
    options.env = env.get();
    options.sync = false;
  }
  // MergeBundles to /m/out; requires that no file changed.
  absl::Status Merge() {
    const auto before = Snapshot(env.get(), "/m");
    absl::Status st = MergeBundles(inputs, "/m/out", options);
    REQUIRE(Snapshot(env.get(), "/m") == before);
    return st;
  }
};

Scenario TwoPartitioned(const Tensor& a, const TensorSlice& sa,
                        const TensorShape& shape_a, const Tensor& b,
                        const TensorSlice& sb, const TensorShape& shape_b) {
  Scenario s;
  s.inputs.resize(2);
  s.inputs[0].pieces.push_back({"v", a, 0, sa, shape_a});
  s.inputs[1].pieces.push_back({"v", b, 0, sb, shape_b});
  return s;
}

TEST_CASE("merge refuses: a plain key in two inputs") {
  Scenario s;
  s.inputs.resize(3);
  AddWhole(s, 0, "a", Floats({1}, 1));
  AddWhole(s, 1, "x", Floats({1}, 1));
  AddWhole(s, 2, "x", Floats({1}, 2));
  Refusal r(s);
  CKPT_REQUIRE_ERROR(r.Merge(), StatusCode::kInvalidArgument,
                     "duplicate key 'x' in inputs '" + r.inputs[1] + "' and '" +
                         r.inputs[2] + "'");
}

TEST_CASE(
    "merge refuses: a key plain in one input and partitioned in another") {
  Scenario s;
  s.inputs.resize(2);
  AddWhole(s, 0, "v", Floats({4, 3}, 1));
  AddPart(s.inputs[1], "v", Floats({4, 3}, 1), 0, 2, 0, 3);
  Refusal r(s);
  CKPT_REQUIRE_ERROR(r.Merge(), StatusCode::kInvalidArgument,
                     "duplicate key 'v' in inputs '" + r.inputs[0]);
}

TEST_CASE("merge refuses: partitioned tensors of different dtypes or shapes") {
  SECTION("dtypes") {
    const Tensor ints =
        testing::VectorTensor<int32_t>({2, 3}, {1, 2, 3, 4, 5, 6});
    Refusal r(TwoPartitioned(Floats({2, 3}, 0), RowsCols(0, 2, 0, 3), {4, 3},
                             ints, RowsCols(2, 4, 0, 3), {4, 3}));
    CKPT_REQUIRE_ERROR(r.Merge(), StatusCode::kInvalidArgument,
                       "partitioned tensor 'v' is float32 [4,3] in input '" +
                           r.inputs[0] + "' but int32 [4,3] in input '" +
                           r.inputs[1] + "'");
  }
  SECTION("shapes") {
    Refusal r(TwoPartitioned(Floats({2, 3}, 0), RowsCols(0, 2, 0, 3), {4, 3},
                             Floats({2, 3}, 0), RowsCols(2, 4, 0, 3), {5, 3}));
    CKPT_REQUIRE_ERROR(r.Merge(), StatusCode::kInvalidArgument,
                       "is float32 [4,3] in input '" + r.inputs[0] +
                           "' but float32 [5,3] in input '" + r.inputs[1] +
                           "'");
  }
}

TEST_CASE("merge refuses: slices of two inputs that overlap") {
  Refusal r(TwoPartitioned(Floats({3, 3}, 0), RowsCols(0, 3, 0, 3), {4, 3},
                           Floats({2, 3}, 0), RowsCols(2, 4, 0, 3), {4, 3}));
  CKPT_REQUIRE_ERROR(r.Merge(), StatusCode::kInvalidArgument,
                     "partitioned tensor 'v' of inputs '" + r.inputs[0] +
                         "', '" + r.inputs[1] + "': slice layout: Overlapping");
}

TEST_CASE("merge refuses: a hole with require_complete_slices") {
  const Tensor full = Floats({4, 3}, 0);
  Scenario s;
  s.inputs.resize(2);
  AddPart(s.inputs[0], "v", full, 0, 1, 0, 3);
  AddPart(s.inputs[1], "v", full, 2, 4, 0, 3);
  Refusal r(s);
  CKPT_REQUIRE_ERROR(r.Merge(), StatusCode::kInvalidArgument,
                     "partitioned tensor 'v' of inputs '" + r.inputs[0] +
                         "', '" + r.inputs[1] +
                         "': the 2 slices leave a hole: they cover 9 of the "
                         "12 elements");
  // Without the check the merge goes through and the covered rows read.
  r.options.require_complete_slices = false;
  CKPT_REQUIRE_OK(MergeBundles(r.inputs, "/m/out", r.options));
  std::unique_ptr<BundleReader> reader =
      testing::MustOpen(r.env.get(), "/m/out");
  absl::StatusOr<Tensor> rows = reader->ReadSlice("v", RowsCols(2, 4, 0, 3));
  CKPT_REQUIRE_OK(rows);
  REQUIRE(rows->Equals(Box(full, 2, 4, 0, 3)));
  REQUIRE(!reader->Read("v").ok());
}

// Rewrites the header of the bundle `prefix` with `edit`, keeping the
// entries.
template <typename Edit>
void EditHeader(Env* env, const std::string& prefix, Edit edit) {
  auto raw = RawIndex(env, prefix);
  proto::BundleHeaderProto h;
  REQUIRE(h.ParseFromString(raw[0].second));
  edit(h);
  raw[0].second = h.SerializeAsString();
  std::unique_ptr<WritableFile> f =
      env->NewWritableFile(prefix + ".index").value();
  table::TableBuilder b(table::TableOptions(), f.get());
  for (const auto& [k, v] : raw) CKPT_REQUIRE_OK(b.Add(k, v));
  CKPT_REQUIRE_OK(b.Finish());
  CKPT_REQUIRE_OK(f->Close());
}

TEST_CASE("merge refuses: inputs of different format versions") {
  SECTION("an LZ4 input (min_consumer 2) after a plain one") {
    Scenario s = TwoPlain();
    std::mt19937_64 rng(3);
    s.inputs[1].options.compression = Compression::kLz4;
    s.inputs[1].pieces.push_back(
        {"c", BytesTensor(rng, 4096, true), 0, std::nullopt, {}});
    Refusal r(s);
    CKPT_REQUIRE_ERROR(r.Merge(), StatusCode::kInvalidArgument,
                       "inputs '" + r.inputs[0] + "' and '" + r.inputs[1] +
                           "' have different format versions (producer 1, "
                           "min_consumer 0 vs producer 1, min_consumer 2, "
                           "features lz4)");
  }
  SECTION("another producer version") {
    Refusal r(TwoPlain());
    EditHeader(r.env.get(), r.inputs[1], [](proto::BundleHeaderProto& h) {
      h.mutable_version()->set_producer(2);
    });
    CKPT_REQUIRE_ERROR(r.Merge(), StatusCode::kInvalidArgument,
                       "(producer 1, min_consumer 0 vs producer 2, "
                       "min_consumer 0)");
  }
  SECTION("a big-endian input: refused when opened, as by BundleReader") {
    // BundleReader opens little-endian bundles only, so endianness cannot
    // disagree between inputs that open.
    Refusal r(TwoPlain());
    EditHeader(r.env.get(), r.inputs[1], [](proto::BundleHeaderProto& h) {
      h.set_endianness(proto::BundleHeaderProto::BIG);
    });
    CKPT_REQUIRE_ERROR(r.Merge(), StatusCode::kFailedPrecondition,
                       "big-endian");
  }
}

TEST_CASE("merge refuses: an output index that exists") {
  Refusal r(TwoPlain());
  CKPT_REQUIRE_OK(WriteStringToFileAtomic(r.env.get(), "/m/out.index", "old"));
  CKPT_REQUIRE_ERROR(r.Merge(), StatusCode::kFailedPrecondition,
                     "/m/out.index: MergeBundles: the output index already "
                     "exists");
}

TEST_CASE("replace_output: an existing output is replaced by the last rename") {
  Refusal r(TwoPlain());
  // An old bundle at the output, as a killed collective save leaves one.
  {
    BundleWriterOptions o;
    o.sync = false;
    absl::StatusOr<std::unique_ptr<BundleWriter>> w =
        BundleWriter::Create(r.env.get(), "/m/out", o);
    CKPT_REQUIRE_OK(w);
    CKPT_REQUIRE_OK((*w)->Add("old", Tensor::Scalar<float>(1.0f)));
    CKPT_REQUIRE_OK((*w)->Finish());
  }
  // Refused without the option (nothing changes: Merge() checks), then
  // replaced with it.
  CKPT_REQUIRE_ERROR(r.Merge(), StatusCode::kFailedPrecondition,
                     "the output index already exists");
  r.options.replace_output = true;
  r.options.delete_inputs = false;
  CKPT_REQUIRE_OK(MergeBundles(r.inputs, "/m/out", r.options));
  absl::StatusOr<std::unique_ptr<BundleReader>> merged =
      BundleReader::Open(r.env.get(), "/m/out");
  CKPT_REQUIRE_OK(merged);
  REQUIRE((*merged)->num_shards() == 2);
  REQUIRE(absl::IsNotFound((*merged)->GetEntry("old").status()));
  CKPT_REQUIRE_OK((*merged)->ForEachEntry(
      [&](absl::string_view key, const BundleEntry& entry) {
        return (*merged)->Verify(key, entry);
      }));
}

TEST_CASE("merge refuses: a missing or short input data file") {
  Refusal r(TwoPlain());
  const std::string data = r.inputs[1] + ".data-00000-of-00001";
  const std::string context =
      data + ": data file of input '" + r.inputs[1] + "' holding key 'b': ";
  SECTION("missing") {
    CKPT_REQUIRE_OK(r.env->DeleteFile(data));
    CKPT_REQUIRE_ERROR(r.Merge(), StatusCode::kDataLoss, context + "missing");
  }
  SECTION("too short") {
    const std::string bytes = ReadAll(r.env.get(), data);
    CKPT_REQUIRE_OK(WriteStringToFileAtomic(r.env.get(), data,
                                            bytes.substr(0, bytes.size() - 1)));
    CKPT_REQUIRE_ERROR(
        r.Merge(), StatusCode::kDataLoss,
        context + "31 bytes, but the key's bytes end at 32 (a truncated");
  }
}

TEST_CASE("merge refuses: an input without data entries") {
  Scenario s = TwoPlain();
  s.inputs.emplace_back();  // an empty bundle: one empty data file
  Refusal r(s);
  CKPT_REQUIRE_ERROR(
      r.Merge(), StatusCode::kInvalidArgument,
      "input '" + r.inputs[2] + "' has no entry that names a data file");
}

TEST_CASE("merge refuses: an input data file that no entry names") {
  Scenario s = TwoPlain();
  s.inputs[1].num_shards = 2;  // shard 1 stays empty
  Refusal r(s);
  CKPT_REQUIRE_ERROR(r.Merge(), StatusCode::kInvalidArgument,
                     "input '" + r.inputs[1] +
                         "' has 2 data files but its entries name 1 of them "
                         "(not " +
                         r.inputs[1] + ".data-00001-of-00002)");
}

TEST_CASE(
    "merge refuses: no inputs or an input twice or an empty output or a "
    "missing input") {
  std::unique_ptr<Env> env = NewMemEnv();
  MergeBundlesOptions o;
  o.env = env.get();
  CKPT_REQUIRE_ERROR(MergeBundles({}, "/m/out", o),
                     StatusCode::kInvalidArgument,
                     "MergeBundles: no input prefixes");
  Refusal r(TwoPlain());
  r.inputs.push_back(r.inputs[0]);
  CKPT_REQUIRE_ERROR(r.Merge(), StatusCode::kInvalidArgument,
                     "input '" + r.inputs[0] + "' is listed twice");
  CKPT_REQUIRE_ERROR(MergeBundles({r.inputs[0]}, "", r.options),
                     StatusCode::kInvalidArgument, "empty output prefix");
  r.inputs.back() = "/m/none";  // BundleReader's error
  CKPT_REQUIRE_ERROR(r.Merge(), StatusCode::kNotFound, "/m/none.index");
}

// ---------------------------------------------------------------------------
// Faults.

Scenario FaultScenario() {
  Scenario s;
  s.inputs.resize(3);
  s.inputs[1].num_shards = 2;
  const Tensor v = Floats({4, 2}, 50);
  AddPart(s.inputs[0], "v", v, 0, 2, 0, 2);
  AddPart(s.inputs[2], "v", v, 2, 4, 0, 2);
  s.expected.emplace("v", v);
  AddWhole(s, 0, "a", Floats({3}, 1));
  AddWhole(s, 1, "b", Strings({2}, "b"), 1);
  AddWhole(s, 1, "c", Floats({2, 2}, 2), 0);
  AddWhole(s, 2, "d", Floats({}, 9));
  for (InputSpec& in : s.inputs) in.options.sync = true;  // durable inputs
  return s;
}

TEST_CASE(
    "merge: a crash at any call then power loss leaves no output or all of "
    "it") {
  const Scenario s = FaultScenario();
  MergeBundlesOptions o;  // sync = true
  for (int64_t i = 0;; ++i) {
    INFO("crash at call " << i);
    REQUIRE(i < 1000);
    FaultEnv env;
    const std::vector<std::string> inputs = WriteInputs(&env, s, "/ck");
    env.ResetCounter();
    env.InjectFault(i, FaultKind::kCrash);
    o.env = &env;
    const absl::Status st = MergeBundles(inputs, "/ck/out", o);
    const bool finished = !env.crashed();
    INFO(absl::StrJoin(env.call_log(), "\n"));
    env.PowerLoss(/*seed=*/static_cast<uint64_t>(i), /*tear=*/true);
    if (finished) CKPT_REQUIRE_OK(st);
    if (env.FileExists("/ck/out.index").ok()) {
      CheckReadsBack(&env, "/ck/out", s.expected);
    } else {
      REQUIRE(!finished);
    }
    if (finished) {
      REQUIRE(i > 10);  // the sweep went through the whole commit
      break;
    }
  }
}

TEST_CASE("merge: a failing call leaves the inputs or a complete output") {
  const Scenario s = FaultScenario();
  MergeBundlesOptions o;
  for (int64_t i = 0;; ++i) {
    INFO("EIO at call " << i);
    REQUIRE(i < 1000);
    FaultEnv env;
    const std::vector<std::string> inputs = WriteInputs(&env, s, "/ck");
    env.ResetCounter();
    env.InjectFault(i, FaultKind::kIoErrorOnce);
    o.env = &env;
    const absl::Status st = MergeBundles(inputs, "/ck/out", o);
    INFO(st.ToString() << "\n" << absl::StrJoin(env.call_log(), "\n"));
    if (env.FileExists("/ck/out.index").ok()) {
      CheckReadsBack(&env, "/ck/out", s.expected);
      if (st.ok() && env.mutating_calls() <= i) {  // no fault fired
        REQUIRE(i > 10);
        break;
      }
      continue;
    }
    REQUIRE(!st.ok());
    REQUIRE(st.code() == StatusCode::kUnknown);  // the injected EIO
    // Nothing lost: every input reads as written, and a retry succeeds.
    std::vector<std::string> names = testing::Children(&env, "/ck/out_temp");
    REQUIRE(!testing::AnyTempFile(names));
    REQUIRE(!testing::AnyTempFile(testing::Children(&env, "/ck")));
    for (size_t in = 0; in < inputs.size(); ++in) {
      std::unique_ptr<BundleReader> r = testing::MustOpen(&env, inputs[in]);
      for (const Piece& p : s.inputs[in].pieces) {
        absl::StatusOr<Tensor> t = p.slice.has_value()
                                       ? r->ReadSlice(p.key, *p.slice)
                                       : r->Read(p.key);
        CKPT_REQUIRE_OK(t);
        REQUIRE(t->Equals(p.tensor));
      }
    }
    CKPT_REQUIRE_OK(MergeBundles(inputs, "/ck/out", o));
    CheckReadsBack(&env, "/ck/out", s.expected);
  }
}

}  // namespace
}  // namespace ckpt
