// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// ExportCheckpoint (ckpt/bridges.h, lib/bridges/export.cc): round trips of
// every dtype each format carries through ImportCheckpoint, refusals naming
// the key, drop_optimizer with and without an object graph, sharding, and
// atomicity under injected write failures. The independent cross-checks
// (numpy reading the .npz, a separate safetensors parser) are in
// tests/python/test_bridges.py.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "bridges/safetensors_format.h"
#include "catch2/catch.hpp"
#include "ckpt/bridges.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/bundle_writer.h"
#include "ckpt/object_graph.h"
#include "testing/fault_env.h"
#include "testing/test_util.h"

namespace ckpt::bridges {
namespace {

using ::ckpt::testing::FaultEnv;
using ::ckpt::testing::FaultKind;
using ::ckpt::testing::TempDir;

// Every entry as (dtype, shape, bytes or joined strings): the model the
// round trips are checked against.
std::map<std::string, std::string> Contents(Env* env,
                                            const std::string& prefix) {
  std::map<std::string, std::string> out;
  auto reader = BundleReader::Open(env, prefix);
  REQUIRE(reader.ok());
  auto entries = (*reader)->ListEntries();
  REQUIRE(entries.ok());
  for (const auto& [key, entry] : *entries) {
    if (IsSliceKey(key)) continue;
    auto t = (*reader)->Read(key);
    REQUIRE(t.ok());
    std::string value = absl::StrCat(DataTypeName(t->dtype()), " ",
                                     t->shape().DebugString(), " ");
    if (t->holds_strings()) {
      for (const std::string& s : t->strings()) {
        absl::StrAppend(&value, s.size(), ":", s);
      }
    } else {
      absl::StrAppend(&value, t->bytes());
    }
    out[key] = value;
  }
  return out;
}

std::string FixedBytes(size_t n, uint8_t seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(seed + i * 37);
  return s;
}

// A bundle of every dtype safetensors carries (and, with `npz_only`, the
// ones only npz carries).
void WriteAllDtypes(Env* env, const std::string& prefix, bool npz_only) {
  auto w = BundleWriter::Create(env, prefix);
  REQUIRE(w.ok());
  std::vector<DataType> types = {
      DataType::kFloat,  DataType::kDouble, DataType::kHalf,   DataType::kInt8,
      DataType::kInt16,  DataType::kInt32,  DataType::kInt64,  DataType::kUInt8,
      DataType::kUInt16, DataType::kUInt32, DataType::kUInt64, DataType::kBool};
  if (npz_only) {
    types.push_back(DataType::kComplex64);
    types.push_back(DataType::kComplex128);
  } else {
    types.push_back(DataType::kBFloat16);
    types.push_back(DataType::kFloat8E4M3FN);
    types.push_back(DataType::kFloat8E5M2);
  }
  uint8_t seed = 1;
  for (DataType dt : types) {
    const TensorShape shape({2, 3});
    std::string bytes = FixedBytes(6 * DataTypeSize(dt), seed++);
    if (dt == DataType::kBool) bytes = std::string("\0\1\1\0\1\0", 6);
    auto t = Tensor::FromBytes(dt, shape, bytes);
    REQUIRE(t.ok());
    CKPT_REQUIRE_OK((*w)->Add(absl::StrCat("v/", DataTypeName(dt)), *t));
  }
  CKPT_REQUIRE_OK((*w)->Add("scalar", Tensor::Scalar<double>(-0.0)));
  auto empty = Tensor::Create(DataType::kFloat, TensorShape({0, 4}));
  CKPT_REQUIRE_OK((*w)->Add("empty", *empty));
  if (npz_only) {
    auto s = Tensor::FromStrings(TensorShape({3}), {"a", "", "xyz\x01"});
    CKPT_REQUIRE_OK((*w)->Add("strings", *s));
  }
  CKPT_REQUIRE_OK((*w)->Finish());
}

TEST_CASE("every dtype round trips through safetensors and npz") {
  TempDir dir;
  Env* env = Env::Default();
  for (ExportFormat format : {ExportFormat::kSafetensors, ExportFormat::kNpz}) {
    const bool npz = format == ExportFormat::kNpz;
    const std::string src = dir.Join(npz ? "src_npz" : "src_st");
    WriteAllDtypes(env, src, npz);
    const std::string out = dir.Join(npz ? "x.npz" : "x.safetensors");
    ExportOptions options;
    options.format = format;
    auto exported = ExportCheckpoint(env, src, out, options);
    CKPT_REQUIRE_OK(exported);
    CHECK(exported->files == std::vector<std::string>{out});
    CHECK_FALSE(exported->object_graph);
    const std::string back = dir.Join(npz ? "back_npz" : "back_st");
    auto imported = ImportCheckpoint(env, out, back, {});
    CKPT_REQUIRE_OK(imported);
    CHECK(imported->tensors == exported->tensors);
    CHECK(Contents(env, back) == Contents(env, src));
  }
}

TEST_CASE("a dtype the format lacks is refused naming the key") {
  TempDir dir;
  Env* env = Env::Default();
  WriteAllDtypes(env, dir.Join("npzonly"), /*npz_only=*/true);
  auto st = ExportCheckpoint(env, dir.Join("npzonly"),
                             dir.Join("out/x.safetensors"), {});
  CKPT_REQUIRE_ERROR(st, absl::StatusCode::kInvalidArgument,
                     "tensor 'strings' has dtype string, which "
                     "safetensors cannot carry (npz can)");
  WriteAllDtypes(env, dir.Join("stonly"), /*npz_only=*/false);
  ExportOptions npz;
  npz.format = ExportFormat::kNpz;
  CKPT_REQUIRE_ERROR(
      ExportCheckpoint(env, dir.Join("stonly"), dir.Join("out/x.npz"), npz),
      absl::StatusCode::kInvalidArgument,
      "'v/bfloat16' has dtype bfloat16, which npz cannot carry");
  // Refused from the plan: no output directory, no file.
  CHECK_FALSE(env->FileExists(dir.Join("out")).ok());
}

TEST_CASE("strings ending in NUL cannot go to npz") {
  TempDir dir;
  Env* env = Env::Default();
  auto w = BundleWriter::Create(env, dir.Join("s"));
  auto s = Tensor::FromStrings(TensorShape({2}), {"ok", std::string("a\0", 2)});
  CKPT_REQUIRE_OK((*w)->Add("names", *s));
  CKPT_REQUIRE_OK((*w)->Finish());
  ExportOptions npz;
  npz.format = ExportFormat::kNpz;
  CKPT_REQUIRE_ERROR(
      ExportCheckpoint(env, dir.Join("s"), dir.Join("s.npz"), npz),
      absl::StatusCode::kInvalidArgument, "'names' has an element ending in");
  CHECK_FALSE(env->FileExists(dir.Join("s.npz")).ok());
}

TEST_CASE("drop_optimizer without an object graph uses TF1 slot names") {
  TempDir dir;
  Env* env = Env::Default();
  auto w = BundleWriter::Create(env, dir.Join("tf1"));
  for (const char* key :
       {"dense/kernel", "dense/kernel/Adam", "dense/kernel/Adam_1",
        "beta1_power", "beta2_power", "global_step", "dense/Momentum_x",
        "emb/.OPTIMIZER_SLOT/opt/m"}) {
    CKPT_REQUIRE_OK((*w)->Add(key, Tensor::Scalar<float>(1)));
  }
  CKPT_REQUIRE_OK((*w)->Finish());
  ExportOptions options;
  options.drop_optimizer = true;
  auto r = ExportCheckpoint(env, dir.Join("tf1"), dir.Join("w.safetensors"),
                            options);
  CKPT_REQUIRE_OK(r);
  CHECK(r->dropped == 5);
  CHECK(r->tensors == 3);
  auto back =
      ImportCheckpoint(env, dir.Join("w.safetensors"), dir.Join("back"), {});
  CKPT_REQUIRE_OK(back);
  std::vector<std::string> keys;
  for (const auto& [key, v] : Contents(env, dir.Join("back"))) {
    keys.push_back(key);
  }
  CHECK(keys == std::vector<std::string>{"dense/Momentum_x", "dense/kernel",
                                         "global_step"});
}

TEST_CASE("drop_optimizer with an object graph drops slots and optimizers") {
  if (testing::SkipWithoutTfTestData()) return;
  TempDir dir;
  Env* env = Env::Default();
  ExportOptions options;
  options.drop_optimizer = true;
  options.format = ExportFormat::kNpz;
  auto r = ExportCheckpoint(env, testing::TfPath("golf/ckpt-2"),
                            dir.Join("g.npz"), options);
  CKPT_REQUIRE_OK(r);
  CHECK(r->dropped == 17);  // 12 slot variables, 5 optimizer hyper-parameters
  CHECK(r->tensors == 8);
  CHECK_FALSE(r->object_graph);  // its keys would name dropped tensors
  CKPT_REQUIRE_OK(ImportCheckpoint(env, dir.Join("g.npz"), dir.Join("b"), {}));
  for (const auto& [key, v] : Contents(env, dir.Join("b"))) {
    INFO(key);
    CHECK_FALSE(absl::StrContains(key, "optimizer"));
  }
}

TEST_CASE("the object graph and object paths travel in the metadata") {
  if (testing::SkipWithoutTfTestData()) return;
  TempDir dir;
  Env* env = Env::Default();
  const std::string golf = testing::TfPath("golf/ckpt-2");
  const std::string out = dir.Join("g.safetensors");
  auto r = ExportCheckpoint(env, golf, out, {});
  CKPT_REQUIRE_OK(r);
  CHECK(r->object_graph);
  auto header = ParseSafetensors(testing::ReadFileOrDie(out), out);
  CKPT_REQUIRE_OK(header);
  std::map<std::string, std::string> meta(header->metadata.begin(),
                                          header->metadata.end());
  CHECK(meta["format"] == "tf");
  CHECK(meta["ckpt.source"] == golf);
  CHECK(meta["ckpt.path.net/layer_with_weights-1/bias/.ATTRIBUTES/"
             "VARIABLE_VALUE"] == "net/layer_with_weights-1/bias");
  CHECK(meta["ckpt.path.net/layer_with_weights-1/bias/.OPTIMIZER_SLOT/net/"
             "optimizer/v/.ATTRIBUTES/VARIABLE_VALUE"] ==
        "net/layer_with_weights-1/bias/.OPTIMIZER_SLOT/net/optimizer/v");
  CHECK(meta.count("ckpt.object_graph") == 1);
  CKPT_REQUIRE_OK(ImportCheckpoint(env, out, dir.Join("back"), {}));
  CHECK(Contents(env, dir.Join("back")) == Contents(env, golf));
}

TEST_CASE("key rules rename, record the key and refuse collisions") {
  TempDir dir;
  Env* env = Env::Default();
  WriteAllDtypes(env, dir.Join("src"), false);
  ExportOptions options;
  options.key_rules = {{"^v/", "w."}, {"float", "f"}};
  auto r = ExportCheckpoint(env, dir.Join("src"), dir.Join("r.safetensors"),
                            options);
  CKPT_REQUIRE_OK(r);
  auto header =
      ParseSafetensors(testing::ReadFileOrDie(dir.Join("r.safetensors")), "r");
  CKPT_REQUIRE_OK(header);
  std::map<std::string, std::string> meta(header->metadata.begin(),
                                          header->metadata.end());
  CHECK(meta["ckpt.key.w.f32"] == "v/float32");
  CHECK(meta.count("ckpt.key.scalar") == 0);  // unchanged names
  options.key_rules = {{"^v/.*", "same"}};
  CKPT_REQUIRE_ERROR(ExportCheckpoint(env, dir.Join("src"),
                                      dir.Join("c.safetensors"), options),
                     absl::StatusCode::kInvalidArgument, "both map to 'same'");
  options.key_rules = {{".*", ""}};
  CKPT_REQUIRE_ERROR(ExportCheckpoint(env, dir.Join("src"),
                                      dir.Join("e.safetensors"), options),
                     absl::StatusCode::kInvalidArgument, "to an empty name");
}

TEST_CASE("a sharded export lays out shards and an index") {
  TempDir dir;
  Env* env = Env::Default();
  auto w = BundleWriter::Create(env, dir.Join("src"));
  for (int i = 0; i < 5; ++i) {
    auto t = Tensor::FromBytes(DataType::kFloat, TensorShape({100}),
                               FixedBytes(400, static_cast<uint8_t>(i)));
    CKPT_REQUIRE_OK((*w)->Add(absl::StrCat("t", i), *t));
  }
  CKPT_REQUIRE_OK((*w)->Finish());
  ExportOptions options;
  options.max_shard_bytes = 900;  // two tensors per shard
  auto r = ExportCheckpoint(env, dir.Join("src"),
                            dir.Join("hub/model.safetensors"), options);
  CKPT_REQUIRE_OK(r);
  CHECK(r->files == std::vector<std::string>{
                        dir.Join("hub/model-00001-of-00003.safetensors"),
                        dir.Join("hub/model-00002-of-00003.safetensors"),
                        dir.Join("hub/model-00003-of-00003.safetensors"),
                        dir.Join("hub/model.safetensors.index.json")});
  auto index = ParseSafetensorsIndex(
      testing::ReadFileOrDie(dir.Join("hub/model.safetensors.index.json")),
      "index");
  CKPT_REQUIRE_OK(index);
  CHECK(index->total_size == 2000);
  REQUIRE(index->weight_map.size() == 5);
  CHECK(index->weight_map[4].second == "model-00003-of-00003.safetensors");
  CKPT_REQUIRE_OK(ImportCheckpoint(
      env, dir.Join("hub/model.safetensors.index.json"), dir.Join("b"), {}));
  CHECK(Contents(env, dir.Join("b")) == Contents(env, dir.Join("src")));
  options.max_shard_bytes = 100;
  CKPT_REQUIRE_ERROR(
      ExportCheckpoint(env, dir.Join("src"), dir.Join("hub/model.st"), options),
      absl::StatusCode::kInvalidArgument, "<base>.safetensors");
}

TEST_CASE("a partitioned tensor is exported whole") {
  TempDir dir;
  Env* env = Env::Default();
  auto w = BundleWriter::Create(env, dir.Join("p"));
  const TensorShape full({4, 2});
  for (int part = 0; part < 2; ++part) {
    auto slice = TensorSlice::Parse(part == 0 ? "0,2:-" : "2,2:-");
    REQUIRE(slice.ok());
    auto t = Tensor::FromBytes(DataType::kFloat, TensorShape({2, 2}),
                               FixedBytes(16, static_cast<uint8_t>(part * 16)));
    CKPT_REQUIRE_OK((*w)->AddSlice("emb", full, *slice, *t));
  }
  CKPT_REQUIRE_OK((*w)->Finish());
  ExportOptions options;
  options.format = ExportFormat::kNpz;
  auto r = ExportCheckpoint(env, dir.Join("p"), dir.Join("p.npz"), options);
  CKPT_REQUIRE_OK(r);
  CHECK(r->tensors == 1);
  CKPT_REQUIRE_OK(ImportCheckpoint(env, dir.Join("p.npz"), dir.Join("b"), {}));
  auto merged = Contents(env, dir.Join("b"));
  REQUIRE(merged.size() == 1);
  CHECK(merged["emb"] == Contents(env, dir.Join("p"))["emb"]);
}

TEST_CASE("an object graph entry that is not a string scalar is DataLoss") {
  TempDir dir;
  Env* env = Env::Default();
  auto w = BundleWriter::Create(env, dir.Join("g"));
  CKPT_REQUIRE_OK(
      (*w)->Add(std::string(kObjectGraphKey), Tensor::Scalar<float>(1)));
  CKPT_REQUIRE_OK((*w)->Finish());
  CKPT_REQUIRE_ERROR(
      ExportCheckpoint(env, dir.Join("g"), dir.Join("g.safetensors"), {}),
      absl::StatusCode::kDataLoss, "not a string scalar");
}

TEST_CASE("a destination that is a file of the source is refused") {
  TempDir dir;
  Env* env = Env::Default();
  WriteAllDtypes(env, dir.Join("src"), false);
  ExportOptions npz;
  npz.format = ExportFormat::kNpz;
  CKPT_REQUIRE_ERROR(
      ExportCheckpoint(env, dir.Join("src"), dir.Join("src.index"), npz),
      absl::StatusCode::kInvalidArgument, "is a file of the checkpoint");
  CKPT_REQUIRE_ERROR(ExportCheckpoint(env, dir.Join("src"),
                                      dir.Join("src.data-00000-of-00001"), npz),
                     absl::StatusCode::kInvalidArgument,
                     "is a file of the checkpoint");
  CHECK(Contents(env, dir.Join("src")).size() == 17);
}

TEST_CASE("shards at the root of the file system are named by base name") {
  FaultEnv env;
  WriteAllDtypes(&env, "/src", false);
  ExportOptions options;
  options.max_shard_bytes = 64;
  auto r = ExportCheckpoint(&env, "/src", "/m.safetensors", options);
  CKPT_REQUIRE_OK(r);
  auto file = env.NewRandomAccessFile("/m.safetensors.index.json");
  REQUIRE(file.ok());
  std::string json((*file)->size(), '\0');
  CKPT_REQUIRE_OK((*file)->Read(0, json.size(), json.data()));
  auto index = ParseSafetensorsIndex(json, "index");
  CKPT_REQUIRE_OK(index);
  for (const auto& [name, shard] : index->weight_map) {
    INFO(name);
    CHECK(absl::StartsWith(shard, "m-0000"));
  }
}

TEST_CASE("a failing export leaves no partial file, at any write") {
  // A fault before the renames leaves nothing; a fault while renaming keeps
  // only complete files under their final names (never a temporary file).
  FaultEnv env;
  WriteAllDtypes(&env, "/src_st", false);
  WriteAllDtypes(&env, "/src_npz", true);
  for (ExportFormat format : {ExportFormat::kSafetensors, ExportFormat::kNpz}) {
    const std::string src =
        format == ExportFormat::kNpz ? "/src_npz" : "/src_st";
    ExportOptions options;
    options.format = format;
    options.max_shard_bytes = format == ExportFormat::kSafetensors ? 64 : 0;
    const std::string dst =
        format == ExportFormat::kNpz ? "/out/m.npz" : "/out/m.safetensors";
    // Every run below finds /out: they all make the same calls.
    CKPT_REQUIRE_OK(env.CreateDirs("/out"));
    env.ResetCounter();
    CKPT_REQUIRE_OK(ExportCheckpoint(&env, src, dst, options));
    const int64_t calls = env.mutating_calls();
    int64_t first_rename = -1;
    for (const std::string& call : env.call_log()) {
      if (absl::StrContains(call, " RenameFile ")) {
        first_rename = std::stoll(call.substr(0, call.find(' ')));
        break;
      }
    }
    REQUIRE(first_rename > 4);
    auto written = env.GetChildren("/out");
    REQUIRE(written.ok());
    for (const std::string& f : *written) {
      CKPT_REQUIRE_OK(env.DeleteFile("/out/" + f));
    }
    int64_t failed = 0;
    for (int64_t i = 0; i < calls; ++i) {
      env.ResetCounter();
      env.InjectFault(i, FaultKind::kIoErrorOnce);
      auto r = ExportCheckpoint(&env, src, dst, options);
      env.ClearFault();
      INFO("fault at call " << i);
      auto left = env.GetChildren("/out");
      if (!r.ok()) ++failed;
      if (left.ok()) {
        INFO(absl::StrJoin(*left, ", "));
        if (!r.ok() && i < first_rename) CHECK(left->empty());
        for (const std::string& f : *left) {
          CHECK_FALSE(absl::StrContains(f, ".tempstate"));
          CKPT_REQUIRE_OK(env.DeleteFile("/out/" + f));
        }
      }
    }
    CHECK(failed >= calls - 1);
  }
}

}  // namespace
}  // namespace ckpt::bridges
