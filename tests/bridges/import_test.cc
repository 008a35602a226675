// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// ImportCheckpoint (ckpt/bridges.h, lib/bridges/import.cc) on crafted and
// hostile input, one case per check of the import itself (the container
// checks have their own tests: safetensors_format_test, npy_format_test,
// zip_format_test): every failure leaves no bundle behind.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "bridges/npy_format.h"
#include "bridges/safetensors_format.h"
#include "bridges/zip_format.h"
#include "catch2/catch.hpp"
#include "ckpt/bridges.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/env.h"
#include "ckpt/object_graph.h"
#include "testing/test_util.h"

namespace ckpt::bridges {
namespace {

using ::ckpt::testing::TempDir;

// An .npz of (member name, bytes) written with ZipWriter.
void WriteZip(const std::string& path,
              const std::vector<std::pair<std::string, std::string>>& members) {
  auto file = Env::Default()->NewWritableFile(path);
  REQUIRE(file.ok());
  ZipWriter zip(file->get());
  for (const auto& [name, bytes] : members) {
    CKPT_REQUIRE_OK(zip.AddStored(name, {bytes}));
  }
  CKPT_REQUIRE_OK(zip.Finish());
  CKPT_REQUIRE_OK((*file)->Close());
}

std::string Npy(DataType dt, std::vector<int64_t> shape, std::string data) {
  auto header = SerializeNpyHeader(dt, shape);
  REQUIRE(header.ok());
  return *header + data;
}

void RequireNoBundle(const TempDir& dir) {
  CHECK_FALSE(Env::Default()->FileExists(dir.Join("out.index")).ok());
  auto children = Env::Default()->GetChildren(dir.path());
  REQUIRE(children.ok());
  for (const std::string& f : *children) {
    INFO(f);
    CHECK_FALSE(absl::StrContains(f, "out."));
  }
}

TEST_CASE("import: an unknown suffix is FailedPrecondition") {
  TempDir dir;
  testing::WriteFileOrDie(dir.Join("w.bin"), "x");
  CKPT_REQUIRE_ERROR(
      ImportCheckpoint(Env::Default(), dir.Join("w.bin"), dir.Join("out"), {}),
      absl::StatusCode::kFailedPrecondition, "w.bin");
  RequireNoBundle(dir);
}

TEST_CASE("import: an npz member that is not .npy is DataLoss") {
  TempDir dir;
  WriteZip(dir.Join("a.npz"), {{"a.npy", Npy(DataType::kUInt8, {1}, "x")},
                               {"notes.txt", "hello"}});
  CKPT_REQUIRE_ERROR(
      ImportCheckpoint(Env::Default(), dir.Join("a.npz"), dir.Join("out"), {}),
      absl::StatusCode::kDataLoss, "member 'notes.txt' is not an array");
  RequireNoBundle(dir);
}

TEST_CASE("import: an npy whose data disagrees with its header is DataLoss") {
  TempDir dir;
  WriteZip(dir.Join("a.npz"),
           {{"a.npy", Npy(DataType::kFloat, {3}, "12345678")}});
  CKPT_REQUIRE_ERROR(
      ImportCheckpoint(Env::Default(), dir.Join("a.npz"), dir.Join("out"), {}),
      absl::StatusCode::kDataLoss, "a.npz:a.npy");
  RequireNoBundle(dir);
}

TEST_CASE("import: a Fortran-order member is transposed to C order") {
  TempDir dir;
  // shape (2, 3), Fortran order: memory holds columns: a00 a10 a01 a11 ...
  std::string header = *SerializeNpyHeader(DataType::kUInt8, {2, 3});
  const size_t pos = header.find("False");
  REQUIRE(pos != std::string::npos);
  header.replace(pos, 5, "True ");
  WriteZip(dir.Join("f.npz"),
           {{"m.npy", header + std::string("\0\3\1\4\2\5", 6)}});
  CKPT_REQUIRE_OK(
      ImportCheckpoint(Env::Default(), dir.Join("f.npz"), dir.Join("out"), {}));
  auto r = BundleReader::Open(Env::Default(), dir.Join("out"));
  REQUIRE(r.ok());
  auto t = (*r)->Read("m");
  REQUIRE(t.ok());
  CHECK(t->shape() == TensorShape({2, 3}));
  CHECK(t->bytes() == std::string("\0\1\2\3\4\5", 6));
}

TEST_CASE("import: a carried object graph that does not parse is DataLoss") {
  TempDir dir;
  WriteZip(dir.Join("g.npz"), {{"_CHECKPOINTABLE_OBJECT_GRAPH.npy",
                                Npy(DataType::kUInt8, {3}, "\xff\xff\xff")}});
  CKPT_REQUIRE_ERROR(
      ImportCheckpoint(Env::Default(), dir.Join("g.npz"), dir.Join("out"), {}),
      absl::StatusCode::kDataLoss, "_CHECKPOINTABLE_OBJECT_GRAPH");
  RequireNoBundle(dir);
}

TEST_CASE("import: safetensors graph metadata that is not base64 is DataLoss") {
  TempDir dir;
  std::vector<SafetensorsTensorInfo> tensors = {
      {"a", DataType::kUInt8, {1}, 0, 0}};
  auto header = SerializeSafetensorsHeader(
      tensors, {{"ckpt.object_graph", "not base64!"}});
  REQUIRE(header.ok());
  testing::WriteFileOrDie(dir.Join("g.safetensors"), *header + "x");
  CKPT_REQUIRE_ERROR(ImportCheckpoint(Env::Default(), dir.Join("g.safetensors"),
                                      dir.Join("out"), {}),
                     absl::StatusCode::kDataLoss, "is not base64");
  RequireNoBundle(dir);
}

void WriteSafetensors(const std::string& path,
                      std::vector<SafetensorsTensorInfo> tensors) {
  auto header = SerializeSafetensorsHeader(tensors, {});
  REQUIRE(header.ok());
  std::string data;
  for (const auto& t : tensors) data.append(t.end - t.begin, 'z');
  testing::WriteFileOrDie(path, *header + data);
}

TEST_CASE("import: a shard holding a tensor its index does not list") {
  TempDir dir;
  WriteSafetensors(
      dir.Join("m-1.safetensors"),
      {{"a", DataType::kUInt8, {2}, 0, 0}, {"b", DataType::kUInt8, {2}, 0, 0}});
  testing::WriteFileOrDie(
      dir.Join("m.safetensors.index.json"),
      SerializeSafetensorsIndex(4, {}, {{"a", "m-1.safetensors"}}));
  CKPT_REQUIRE_ERROR(
      ImportCheckpoint(Env::Default(), dir.Join("m.safetensors.index.json"),
                       dir.Join("out"), {}),
      absl::StatusCode::kDataLoss, "tensor 'b' is not listed");
  RequireNoBundle(dir);
}

TEST_CASE("import: an index listing a tensor its shard lacks") {
  TempDir dir;
  WriteSafetensors(dir.Join("m-1.safetensors"),
                   {{"a", DataType::kUInt8, {2}, 0, 0}});
  testing::WriteFileOrDie(
      dir.Join("m.safetensors.index.json"),
      SerializeSafetensorsIndex(
          4, {}, {{"a", "m-1.safetensors"}, {"b", "m-1.safetensors"}}));
  CKPT_REQUIRE_ERROR(
      ImportCheckpoint(Env::Default(), dir.Join("m.safetensors.index.json"),
                       dir.Join("out"), {}),
      absl::StatusCode::kDataLoss, "lists 2 tensors for this file, it holds 1");
  RequireNoBundle(dir);
}

TEST_CASE("import: an index naming a missing shard is NotFound") {
  TempDir dir;
  testing::WriteFileOrDie(
      dir.Join("m.safetensors.index.json"),
      SerializeSafetensorsIndex(4, {}, {{"a", "gone.safetensors"}}));
  CKPT_REQUIRE_ERROR(
      ImportCheckpoint(Env::Default(), dir.Join("m.safetensors.index.json"),
                       dir.Join("out"), {}),
      absl::StatusCode::kNotFound, "gone.safetensors");
  RequireNoBundle(dir);
}

TEST_CASE("import: a tensor under a reserved key is DataLoss") {
  TempDir dir;
  WriteZip(dir.Join("g.npz"), {{"_CHECKPOINTABLE_OBJECT_GRAPH.npy",
                                Npy(DataType::kFloat, {}, "abcd")}});
  CKPT_REQUIRE_ERROR(
      ImportCheckpoint(Env::Default(), dir.Join("g.npz"), dir.Join("out"), {}),
      absl::StatusCode::kDataLoss, "a key reserved for the object graph");
  WriteSafetensors(dir.Join("s.safetensors"),
                   {{std::string("\0a", 2), DataType::kUInt8, {1}, 0, 0}});
  CKPT_REQUIRE_ERROR(ImportCheckpoint(Env::Default(), dir.Join("s.safetensors"),
                                      dir.Join("out"), {}),
                     absl::StatusCode::kDataLoss,
                     "reserved for partitioned tensors' slices");
  RequireNoBundle(dir);
}

TEST_CASE("import: key rules rename and refuse collisions") {
  TempDir dir;
  WriteSafetensors(dir.Join("w.safetensors"),
                   {{"layers.0.weight", DataType::kUInt8, {1}, 0, 0},
                    {"layers.1.weight", DataType::kUInt8, {1}, 0, 0}});
  ImportOptions options;
  options.key_rules = {{R"(^layers\.(\d)\.weight$)", "dense_$1/kernel"}};
  auto r = ImportCheckpoint(Env::Default(), dir.Join("w.safetensors"),
                            dir.Join("ok"), options);
  CKPT_REQUIRE_OK(r);
  auto reader = BundleReader::Open(Env::Default(), dir.Join("ok"));
  REQUIRE(reader.ok());
  CHECK((*reader)->GetEntry("dense_1/kernel").ok());
  options.key_rules = {{R"(\d)", ""}};
  CKPT_REQUIRE_ERROR(ImportCheckpoint(Env::Default(), dir.Join("w.safetensors"),
                                      dir.Join("out"), options),
                     absl::StatusCode::kInvalidArgument, "both map to");
  RequireNoBundle(dir);
}

}  // namespace
}  // namespace ckpt::bridges
