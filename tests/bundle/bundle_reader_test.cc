// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// BundleReader: errors for a missing index (with prefix hint), missing or
// lazily opened data files, sliced entries, bad entries and headers, an
// oversized index, ReadInto buffer checks, truncated and corrupt data
// (LZ4 included); and concurrent reads.

#include "ckpt/bundle_reader.h"

#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/types/span.h"
#include "bundle/bundle_test_util.h"
#include "ckpt/bundle_writer.h"
#include "ckpt/env.h"
#include "ckpt/proto/tensor_bundle.pb.h"
#include "ckpt/tensor.h"
#include "table/table_builder.h"
#include "testing/test_util.h"

namespace ckpt {
namespace {

using absl::StatusCode;
using ::ckpt::testing::Expected;
using ::ckpt::testing::MustCreate;
using ::ckpt::testing::MustOpen;
using ::ckpt::testing::ReadFileOrDie;
using ::ckpt::testing::SomeTensor;
using ::ckpt::testing::TempDir;
using ::ckpt::testing::TestOptions;
using ::ckpt::testing::WriteFileOrDie;
using ::ckpt::testing::WriteRandomBundle;
using ::ckpt::testing::WriteRawIndex;

// ---- reader ----

TEST_CASE("reader: missing index is NotFound") {
  std::unique_ptr<Env> env = NewMemEnv();
  CKPT_REQUIRE_ERROR(BundleReader::Open(env.get(), "nothing/here"),
                     StatusCode::kNotFound, "nothing/here.index");
}

TEST_CASE("reader: an index file name as prefix gets a hint") {
  TempDir dir;
  const std::string prefix = dir.Join("ckpt-3");
  std::unique_ptr<BundleWriter> w = MustCreate(Env::Default(), prefix);
  CKPT_REQUIRE_OK(w->Add("a", SomeTensor()));
  CKPT_REQUIRE_OK(w->Finish());
  CKPT_REQUIRE_ERROR(BundleReader::Open(Env::Default(), prefix + ".index"),
                     StatusCode::kNotFound, "did you mean '" + prefix + "'");
}

TEST_CASE("reader: a data file name as prefix gets a hint") {
  std::unique_ptr<Env> env = NewMemEnv();
  CKPT_REQUIRE_ERROR(
      BundleReader::Open(env.get(), "run/ckpt-3.data-00000-of-00001"),
      StatusCode::kNotFound, "did you mean 'run/ckpt-3'");
}

TEST_CASE(
    "reader: missing data file is NotFound naming file and key but listing "
    "works") {
  std::unique_ptr<Env> env = NewMemEnv();
  std::unique_ptr<BundleWriter> w = MustCreate(env.get(), "p");
  CKPT_REQUIRE_OK(w->Add("a", SomeTensor()));
  CKPT_REQUIRE_OK(w->Add("s", Tensor::FromStrings({}, {"x"}).value()));
  CKPT_REQUIRE_OK(w->Finish());
  CKPT_REQUIRE_OK(env->DeleteFile(DataFilename("p", 0, 1)));
  std::unique_ptr<BundleReader> r = MustOpen(env.get(), "p");
  CHECK(r->ListEntries()->size() == 2);
  CKPT_REQUIRE_ERROR(r->Read("a"), StatusCode::kNotFound,
                     "p.data-00000-of-00001");
  CKPT_REQUIRE_ERROR(r->Read("a"), StatusCode::kNotFound, "'a'");
  CKPT_REQUIRE_ERROR(r->Read("s"), StatusCode::kNotFound, "'s'");
  std::vector<char> buf(16);
  CKPT_REQUIRE_ERROR(r->ReadInto("a", absl::MakeSpan(buf)),
                     StatusCode::kNotFound, "p.data-00000-of-00001");
  CKPT_REQUIRE_ERROR(r->ReadStoredBytes("a"), StatusCode::kNotFound, "'a'");
}

TEST_CASE("reader: data files are opened lazily") {
  std::unique_ptr<Env> env = NewMemEnv();
  BundleWriterOptions o = TestOptions();
  o.num_shards = 2;
  std::unique_ptr<BundleWriter> w = MustCreate(env.get(), "p", o);
  CKPT_REQUIRE_OK(w->Add("a", SomeTensor(), 0));
  CKPT_REQUIRE_OK(w->Add("b", SomeTensor(), 1));
  CKPT_REQUIRE_OK(w->Finish());
  CKPT_REQUIRE_OK(env->DeleteFile(DataFilename("p", 1, 2)));
  std::unique_ptr<BundleReader> r = MustOpen(env.get(), "p");
  CHECK(r->Read("a")->Equals(SomeTensor()));
  CKPT_REQUIRE_ERROR(r->Read("b"), StatusCode::kNotFound,
                     "p.data-00001-of-00002");
}

TEST_CASE("reader: ReadInto checks the buffer size and the dtype") {
  std::unique_ptr<Env> env = NewMemEnv();
  std::unique_ptr<BundleWriter> w = MustCreate(env.get(), "p");
  CKPT_REQUIRE_OK(w->Add("a", SomeTensor()));
  CKPT_REQUIRE_OK(w->Add("s", Tensor::FromStrings({}, {"x"}).value()));
  CKPT_REQUIRE_OK(w->Finish());
  std::unique_ptr<BundleReader> r = MustOpen(env.get(), "p");
  std::vector<char> small(15);
  CKPT_REQUIRE_ERROR(r->ReadInto("a", absl::MakeSpan(small)),
                     StatusCode::kInvalidArgument, "15 bytes");
  std::vector<char> buf(16);
  CKPT_REQUIRE_ERROR(r->ReadInto("s", absl::MakeSpan(buf)),
                     StatusCode::kInvalidArgument, "string");
  CKPT_REQUIRE_ERROR(r->ReadInto("zz", absl::MakeSpan(buf)),
                     StatusCode::kNotFound, "'zz'");
  CKPT_REQUIRE_ERROR(r->GetEntry(""), StatusCode::kNotFound, "header");
}

TEST_CASE("reader: corrupt tensor bytes are DataLoss in every read API") {
  TempDir dir;
  const std::string prefix = dir.Join("p");
  std::unique_ptr<BundleWriter> w = MustCreate(Env::Default(), prefix);
  CKPT_REQUIRE_OK(w->Add("a", SomeTensor()));
  CKPT_REQUIRE_OK(w->Add("s", Tensor::FromStrings({2}, {"ab", "c"}).value()));
  CKPT_REQUIRE_OK(w->Finish());
  const std::string data_path = DataFilename(prefix, 0, 1);
  std::string data = ReadFileOrDie(data_path);
  data[3] ^= 1;                // inside "a"
  data[data.size() - 1] ^= 1;  // inside the strings
  WriteFileOrDie(data_path, data);
  std::unique_ptr<BundleReader> r = MustOpen(Env::Default(), prefix);
  CKPT_REQUIRE_ERROR(r->Read("a"), StatusCode::kDataLoss, "checksum mismatch");
  CKPT_REQUIRE_ERROR(r->Read("a"), StatusCode::kDataLoss, "'a'");
  std::vector<char> buf(16);
  CKPT_REQUIRE_ERROR(r->ReadInto("a", absl::MakeSpan(buf)),
                     StatusCode::kDataLoss, data_path);
  CKPT_REQUIRE_ERROR(r->ReadStoredBytes("a"), StatusCode::kDataLoss,
                     "checksum");
  CKPT_REQUIRE_ERROR(r->Read("s"), StatusCode::kDataLoss, "'s'");
  CKPT_REQUIRE_ERROR(r->ReadStoredBytes("s"), StatusCode::kDataLoss,
                     "checksum");
}

TEST_CASE("reader: a truncated data file is DataLoss before reading") {
  std::unique_ptr<Env> env = NewMemEnv();
  std::unique_ptr<BundleWriter> w = MustCreate(env.get(), "p");
  CKPT_REQUIRE_OK(w->Add("a", SomeTensor()));
  CKPT_REQUIRE_OK(w->Add("b", SomeTensor()));
  CKPT_REQUIRE_OK(w->Finish());
  // Replace the data file with its first 20 bytes.
  std::string data =
      ReadFileToString(env.get(), DataFilename("p", 0, 1), 1000).value();
  CKPT_REQUIRE_OK(WriteStringToFileAtomic(env.get(), DataFilename("p", 0, 1),
                                          data.substr(0, 20)));
  std::unique_ptr<BundleReader> r = MustOpen(env.get(), "p");
  CHECK(r->Read("a")->Equals(SomeTensor()));
  CKPT_REQUIRE_ERROR(
      r->Read("b"), StatusCode::kDataLoss,
      "bytes [16, 32) extend past the end of the file (20 bytes)");
}

TEST_CASE("reader: corrupt LZ4 data is caught by the CRC") {
  std::unique_ptr<Env> env = NewMemEnv();
  BundleWriterOptions o = TestOptions();
  o.compression = Compression::kLz4;
  std::unique_ptr<BundleWriter> w = MustCreate(env.get(), "p", o);
  std::vector<float> smooth(4096);
  for (size_t i = 0; i < smooth.size(); ++i)
    smooth[i] = static_cast<float>(i % 10);
  CKPT_REQUIRE_OK(
      w->Add("w", Tensor::FromVector<float>({4096}, smooth).value()));
  CKPT_REQUIRE_OK(w->Finish());
  std::string data =
      ReadFileToString(env.get(), DataFilename("p", 0, 1), 1 << 20).value();
  data[data.size() / 2] ^= 0x40;
  CKPT_REQUIRE_OK(
      WriteStringToFileAtomic(env.get(), DataFilename("p", 0, 1), data));
  std::unique_ptr<BundleReader> r = MustOpen(env.get(), "p");
  CKPT_REQUIRE_ERROR(r->Read("w"), StatusCode::kDataLoss, "checksum mismatch");
}

// Two empty TensorSliceProtos: rank-0 slices of a rank-2 tensor. Listed;
// reading checks the slices (tests/bundle/slice_*_test.cc cover the rest).
TEST_CASE("reader: a sliced entry with bad slices is listed, reads DataLoss") {
  std::unique_ptr<Env> env = NewMemEnv();
  proto::BundleEntryProto p;
  p.set_dtype(proto::DT_FLOAT);
  p.mutable_shape()->add_dim()->set_size(4);
  p.mutable_shape()->add_dim()->set_size(3);
  p.add_slices();
  p.add_slices();
  WriteRawIndex(env.get(), "p", 1,
                {{"v/.ATTRIBUTES/VARIABLE_VALUE", p.SerializeAsString()}});
  std::unique_ptr<BundleReader> r = MustOpen(env.get(), "p");
  absl::StatusOr<BundleEntry> e = r->GetEntry("v/.ATTRIBUTES/VARIABLE_VALUE");
  CKPT_REQUIRE_OK(e);
  CHECK(e->num_slices == 2);
  CHECK(e->shape == TensorShape({4, 3}));
  CHECK(r->ListEntries()->size() == 1);
  CKPT_REQUIRE_ERROR(r->Read("v/.ATTRIBUTES/VARIABLE_VALUE"),
                     StatusCode::kDataLoss,
                     "'v/.ATTRIBUTES/VARIABLE_VALUE': slice 0 of 2");
  std::vector<char> buf(48);
  CKPT_REQUIRE_ERROR(
      r->ReadInto("v/.ATTRIBUTES/VARIABLE_VALUE", absl::MakeSpan(buf)),
      StatusCode::kDataLoss, "has rank 0");
  CKPT_REQUIRE_ERROR(r->ReadStoredBytes("v/.ATTRIBUTES/VARIABLE_VALUE"),
                     StatusCode::kInvalidArgument, "partitioned");
}

TEST_CASE("reader: a bad entry fails listing with the index path and key") {
  std::unique_ptr<Env> env = NewMemEnv();
  proto::BundleEntryProto p;
  p.set_dtype(proto::DT_FLOAT);
  p.mutable_shape();
  p.set_size(4);
  p.set_shard_id(3);
  WriteRawIndex(env.get(), "p", 2, {{"bad", p.SerializeAsString()}});
  std::unique_ptr<BundleReader> r = MustOpen(env.get(), "p");
  CKPT_REQUIRE_ERROR(r->ListEntries(), StatusCode::kInvalidArgument,
                     "p.index: key 'bad': shard_id 3 out of range [0, 2)");
  CKPT_REQUIRE_ERROR(r->Read("bad"), StatusCode::kInvalidArgument,
                     "shard_id 3");
}

TEST_CASE("reader: an index without header entry is DataLoss") {
  std::unique_ptr<Env> env = NewMemEnv();
  std::unique_ptr<WritableFile> f = env->NewWritableFile("p.index").value();
  table::TableBuilder b(table::TableOptions(), f.get());
  CKPT_REQUIRE_OK(b.Add("a", "x"));
  CKPT_REQUIRE_OK(b.Finish());
  CKPT_REQUIRE_OK(f->Close());
  CKPT_REQUIRE_ERROR(BundleReader::Open(env.get(), "p"), StatusCode::kDataLoss,
                     "p.index: no header entry");
}

TEST_CASE("reader: an index above max_index_bytes is refused") {
  std::unique_ptr<Env> env = NewMemEnv();
  std::unique_ptr<BundleWriter> w = MustCreate(env.get(), "p");
  CKPT_REQUIRE_OK(w->Add("a", SomeTensor()));
  CKPT_REQUIRE_OK(w->Finish());
  BundleReaderOptions o;
  o.max_index_bytes = 10;
  CKPT_REQUIRE_ERROR(BundleReader::Open(env.get(), "p", o),
                     StatusCode::kResourceExhausted, "max_index_bytes");
}

TEST_CASE("reader: concurrent reads from several threads") {
  std::unique_ptr<Env> env = NewMemEnv();
  BundleWriterOptions o = TestOptions();
  o.num_shards = 3;
  o.compression = Compression::kLz4;
  std::map<std::string, Expected> expected =
      WriteRandomBundle(env.get(), "p", o, 4242, 60);
  std::unique_ptr<BundleReader> r = MustOpen(env.get(), "p");
  std::vector<int> failures(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int rep = 0; rep < 3; ++rep) {
        for (const auto& [key, want] : expected) {
          absl::StatusOr<Tensor> got = r->Read(key);
          if (!got.ok() || !got->Equals(want.tensor)) ++failures[t];
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  CHECK(failures == std::vector<int>(4, 0));
}

}  // namespace
}  // namespace ckpt
