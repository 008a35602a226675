// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// BundleWriter:
//   * keys beyond one pending-index buffer; the writer's temporary files
//     (none left after Finish, Abandon, destruction or an error), sticky
//     errors, option and argument checks, alignment, zero-size tensors,
//     failing writes, fsyncs and renames (PathFaultEnv), streaming through a
//     small buffer;
//   * AddBatch: byte-identical to Add() (model-based, with and without LZ4,
//     1 to 4 threads), argument checks before any write, a failed parallel
//     write (testing::FaultEnv) naming the key and leaving no file;
//   * checksum helpers (same files as the writing thread) and writeback
//     hints.

#include "ckpt/bundle_writer.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/types/span.h"
#include "bundle/bundle_test_util.h"
#include "bundle/entry_codec.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/crc32c.h"
#include "ckpt/dtype.h"
#include "ckpt/env.h"
#include "ckpt/status.h"
#include "ckpt/tensor.h"
#include "testing/fault_env.h"
#include "testing/test_util.h"
#include "util/mutex.h"

namespace ckpt {
namespace {

using absl::StatusCode;
using ::ckpt::testing::AnyTempFile;
using ::ckpt::testing::BytesTensor;
using ::ckpt::testing::Children;
using ::ckpt::testing::FillBatchBytes;
using ::ckpt::testing::FromHex;
using ::ckpt::testing::kMiB;
using ::ckpt::testing::MustCreate;
using ::ckpt::testing::MustOpen;
using ::ckpt::testing::RandomString;
using ::ckpt::testing::ReadFileOrDie;
using ::ckpt::testing::SomeTensor;
using ::ckpt::testing::TempDir;
using ::ckpt::testing::TestOptions;

TEST_CASE("writer: keys beyond one index buffer and longer than one") {
  // The writer keeps pending keys in 64 KiB buffers; keys of 70 and 100 KiB
  // get buffers of their own. Added in random order, listed sorted, with
  // Add and AddBatch (which encodes entries on its threads).
  std::unique_ptr<Env> env = NewMemEnv();
  std::mt19937_64 rng(404);
  std::vector<std::string> keys;
  for (int i = 0; i < 3000; ++i) {
    keys.push_back(absl::StrCat("model/t", rng() % 100000, "_", i,
                                "/.ATTRIBUTES/VARIABLE_VALUE"));
  }
  keys.push_back(std::string(100 << 10, 'k'));
  keys.push_back(std::string(70 << 10, '\xff'));
  std::shuffle(keys.begin(), keys.end(), rng);
  for (const bool batch : {false, true}) {
    INFO("batch " << batch);
    BundleWriterOptions o = TestOptions();
    o.num_shards = 2;
    const std::string prefix = batch ? "/b/batch" : "/b/add";
    std::unique_ptr<BundleWriter> w = MustCreate(env.get(), prefix, o);
    std::vector<Tensor> values;
    values.reserve(keys.size());
    for (size_t i = 0; i < keys.size(); ++i) {
      values.push_back(Tensor::Scalar<int64_t>(static_cast<int64_t>(i)));
    }
    if (batch) {
      std::vector<BundleWriter::BatchItem> items;
      for (size_t i = 0; i < keys.size(); ++i) {
        items.push_back({keys[i], &values[i], static_cast<int>(i % 2)});
      }
      CKPT_REQUIRE_OK(w->AddBatch(items, 2));
    } else {
      for (size_t i = 0; i < keys.size(); ++i) {
        CKPT_REQUIRE_OK(w->Add(keys[i], values[i], static_cast<int>(i % 2)));
      }
    }
    CHECK(w->num_entries() == static_cast<int64_t>(keys.size()));
    CKPT_REQUIRE_OK(w->Finish());

    std::unique_ptr<BundleReader> r = MustOpen(env.get(), prefix);
    auto listed = r->ListEntries();
    CKPT_REQUIRE_OK(listed);
    std::vector<std::string> sorted = keys;
    std::sort(sorted.begin(), sorted.end());
    REQUIRE(listed->size() == sorted.size());
    for (size_t i = 0; i < sorted.size(); ++i) {
      REQUIRE((*listed)[i].first == sorted[i]);
    }
    for (size_t i = 0; i < keys.size(); i += 97) {
      absl::StatusOr<Tensor> t = r->Read(keys[i]);
      CKPT_REQUIRE_OK(t);
      CHECK(t->flat<int64_t>()[0] == static_cast<int64_t>(i));
    }
    absl::StatusOr<Tensor> t = r->Read(std::string(100 << 10, 'k'));
    CKPT_REQUIRE_OK(t);
  }
}

// ---- writer: temporary files, errors, arguments ----

TEST_CASE("writer: only temporary names exist until Finish") {
  TempDir dir;
  const std::string prefix = dir.Join("ckpt-1");
  BundleWriterOptions o = TestOptions();
  o.num_shards = 2;
  std::unique_ptr<BundleWriter> w = MustCreate(Env::Default(), prefix, o);
  CKPT_REQUIRE_OK(w->Add("a", SomeTensor()));
  std::vector<std::string> during = Children(Env::Default(), dir.path());
  REQUIRE(during.size() == 2);
  for (const std::string& n : during) {
    CHECK(absl::StartsWith(n, "ckpt-1.data-0000"));
    CHECK(absl::StrContains(n, "-of-00002.tempstate"));
    const std::string digits = n.substr(n.find(".tempstate") + 10);
    CHECK(!digits.empty());
    CHECK(std::all_of(digits.begin(), digits.end(),
                      [](char c) { return c >= '0' && c <= '9'; }));
  }
  CKPT_REQUIRE_OK(w->Finish());
  CHECK(Children(Env::Default(), dir.path()) ==
        std::vector<std::string>{"ckpt-1.data-00000-of-00002",
                                 "ckpt-1.data-00001-of-00002", "ckpt-1.index"});
  // The empty shard's file exists and is empty.
  CHECK(ReadFileOrDie(DataFilename(prefix, 1, 2)).empty());
}

TEST_CASE("writer: Abandon removes every file and is idempotent") {
  TempDir dir;
  std::unique_ptr<BundleWriter> w =
      MustCreate(Env::Default(), dir.Join("ckpt"));
  CKPT_REQUIRE_OK(w->Add("a", SomeTensor()));
  w->Abandon();
  CHECK(Children(Env::Default(), dir.path()).empty());
  w->Abandon();
  CHECK(Children(Env::Default(), dir.path()).empty());
  CKPT_REQUIRE_ERROR(w->Add("b", SomeTensor()), StatusCode::kFailedPrecondition,
                     "Abandon");
  CKPT_REQUIRE_ERROR(w->Finish(), StatusCode::kFailedPrecondition, "Abandon");
}

TEST_CASE("writer: destruction before Finish removes every file") {
  TempDir dir;
  {
    std::unique_ptr<BundleWriter> w =
        MustCreate(Env::Default(), dir.Join("ckpt"));
    CKPT_REQUIRE_OK(w->Add("a", SomeTensor()));
    CHECK(Children(Env::Default(), dir.path()).size() == 1);
  }
  CHECK(Children(Env::Default(), dir.path()).empty());
}

TEST_CASE("writer: destruction and Abandon after Finish keep the bundle") {
  TempDir dir;
  const std::string prefix = dir.Join("ckpt");
  {
    std::unique_ptr<BundleWriter> w = MustCreate(Env::Default(), prefix);
    CKPT_REQUIRE_OK(w->Add("a", SomeTensor()));
    CKPT_REQUIRE_OK(w->Finish());
    w->Abandon();
    CKPT_REQUIRE_ERROR(w->Finish(), StatusCode::kFailedPrecondition, "Finish");
    CKPT_REQUIRE_ERROR(w->Add("b", SomeTensor()),
                       StatusCode::kFailedPrecondition, "Finish");
  }
  CHECK(Children(Env::Default(), dir.path()).size() == 2);
  CHECK(MustOpen(Env::Default(), prefix)->Read("a")->Equals(SomeTensor()));
}

TEST_CASE(
    "writer: a duplicate key is a sticky InvalidArgument and removes files") {
  TempDir dir;
  std::unique_ptr<BundleWriter> w =
      MustCreate(Env::Default(), dir.Join("ckpt"));
  CKPT_REQUIRE_OK(w->Add("a", SomeTensor()));
  CKPT_REQUIRE_ERROR(w->Add("a", SomeTensor()), StatusCode::kInvalidArgument,
                     "'a' was already added");
  CHECK(Children(Env::Default(), dir.path()).empty());
  CKPT_REQUIRE_ERROR(w->Add("b", SomeTensor()), StatusCode::kInvalidArgument,
                     "'a' was already added");
  CKPT_REQUIRE_ERROR(w->Finish(), StatusCode::kInvalidArgument,
                     "'a' was already added");
  CKPT_REQUIRE_ERROR(w->status(), StatusCode::kInvalidArgument, "'a'");
  CHECK(Children(Env::Default(), dir.path()).empty());
}

TEST_CASE("writer: empty key is InvalidArgument") {
  std::unique_ptr<Env> env = NewMemEnv();
  std::unique_ptr<BundleWriter> w = MustCreate(env.get(), "p");
  CKPT_REQUIRE_ERROR(w->Add("", SomeTensor()), StatusCode::kInvalidArgument,
                     "empty key");
}

TEST_CASE("writer: shard out of range is InvalidArgument") {
  std::unique_ptr<Env> env = NewMemEnv();
  BundleWriterOptions o = TestOptions();
  o.num_shards = 2;
  std::unique_ptr<BundleWriter> w = MustCreate(env.get(), "p", o);
  CKPT_REQUIRE_ERROR(w->Add("k", SomeTensor(), 2), StatusCode::kInvalidArgument,
                     "shard 2 out of range [0, 2)");
}

TEST_CASE("writer: negative shard is InvalidArgument") {
  std::unique_ptr<Env> env = NewMemEnv();
  std::unique_ptr<BundleWriter> w = MustCreate(env.get(), "p");
  CKPT_REQUIRE_ERROR(w->Add("k", SomeTensor(), -1),
                     StatusCode::kInvalidArgument, "shard -1");
}

TEST_CASE("writer: a tensor of a non-storable dtype is InvalidArgument") {
  std::unique_ptr<Env> env = NewMemEnv();
  std::unique_ptr<BundleWriter> w = MustCreate(env.get(), "p");
  CKPT_REQUIRE_ERROR(w->Add("k", Tensor()), StatusCode::kInvalidArgument,
                     "cannot be stored");
}

TEST_CASE("writer: bad options are InvalidArgument") {
  std::unique_ptr<Env> env = NewMemEnv();
  auto with = [](std::function<void(BundleWriterOptions&)> f) {
    BundleWriterOptions o = TestOptions();
    f(o);
    return o;
  };
  CKPT_REQUIRE_ERROR(BundleWriter::Create(env.get(), "p", with([](auto& o) {
                                            o.num_shards = 0;
                                          })),
                     StatusCode::kInvalidArgument, "num_shards 0");
  CKPT_REQUIRE_ERROR(BundleWriter::Create(env.get(), "p", with([](auto& o) {
                                            o.data_alignment = 0;
                                          })),
                     StatusCode::kInvalidArgument, "data_alignment 0");
  CKPT_REQUIRE_ERROR(BundleWriter::Create(env.get(), "p", with([](auto& o) {
                                            o.index_block_size = 0;
                                          })),
                     StatusCode::kInvalidArgument, "index_block_size 0");
  CKPT_REQUIRE_ERROR(BundleWriter::Create(env.get(), "p", with([](auto& o) {
                                            o.index_restart_interval = 0;
                                          })),
                     StatusCode::kInvalidArgument, "index_restart_interval 0");
  CKPT_REQUIRE_ERROR(BundleWriter::Create(env.get(), "p", with([](auto& o) {
                                            o.write_buffer_bytes = size_t{1}
                                                                   << 40;
                                          })),
                     StatusCode::kInvalidArgument, "write_buffer_bytes");
  CKPT_REQUIRE_ERROR(BundleWriter::Create(env.get(), "p", with([](auto& o) {
                                            o.compression =
                                                static_cast<Compression>(9);
                                          })),
                     StatusCode::kInvalidArgument, "compression 9");
  CKPT_REQUIRE_ERROR(BundleWriter::Create(env.get(), "", TestOptions()),
                     StatusCode::kInvalidArgument, "empty prefix");
  CHECK(Children(env.get(), "").empty());
}

TEST_CASE("writer: zero-size tensors store no bytes at the current offset") {
  std::unique_ptr<Env> env = NewMemEnv();
  std::unique_ptr<BundleWriter> w = MustCreate(env.get(), "p");
  CKPT_REQUIRE_OK(w->Add("a", SomeTensor()));
  CKPT_REQUIRE_OK(w->Add(
      "empty", Tensor::Create(DataType::kDouble, TensorShape({3, 0})).value()));
  CKPT_REQUIRE_OK(w->Add("b", SomeTensor()));
  CKPT_REQUIRE_OK(w->Finish());
  std::unique_ptr<BundleReader> r = MustOpen(env.get(), "p");
  BundleEntry e = r->GetEntry("empty").value();
  CHECK(e.offset == 16);
  CHECK(e.size == 0);
  CHECK(e.masked_crc32c == 0xA282EAD8u);
  CHECK(r->GetEntry("b")->offset == 16);
  CHECK(bundle::EncodeEntry(e) ==
        FromHex("08 02 12 06 12 02 08 03 12 00 20 10 35 d8 ea 82 a2"));
  CHECK(r->Read("empty")->num_elements() == 0);
}

TEST_CASE("writer: alignment pads with zeros not covered by the CRC") {
  std::unique_ptr<Env> env = NewMemEnv();
  BundleWriterOptions o = TestOptions();
  o.data_alignment = 8;
  std::unique_ptr<BundleWriter> w = MustCreate(env.get(), "p", o);
  CKPT_REQUIRE_OK(w->Add("a", Tensor::Scalar<int8_t>(5)));
  CKPT_REQUIRE_OK(w->Add("b", Tensor::Scalar<int16_t>(-1)));
  CKPT_REQUIRE_OK(w->Finish());
  std::unique_ptr<BundleReader> r = MustOpen(env.get(), "p");
  BundleEntry b = r->GetEntry("b").value();
  CHECK(b.offset == 8);
  CHECK(b.size == 2);
  CHECK(b.masked_crc32c == crc32c::Mask(crc32c::Value("\xff\xff", 2)));
  CHECK(ReadFileToString(env.get(), DataFilename("p", 0, 1), 1000).value() ==
        std::string("\x05\0\0\0\0\0\0\0\xff\xff\0\0\0\0\0\0", 16));
}

// An Env that forwards to another one, fails the operations on paths chosen
// by substring (appends beyond a byte budget, renames, fsyncs) and records
// the writeback hints it gets.
class PathFaultEnv : public EnvWrapper {
 public:
  explicit PathFaultEnv(Env* base) : EnvWrapper(base) {}
  struct Writeback {
    std::string path;
    uint64_t offset;
    uint64_t n;
  };
  std::vector<Writeback> writebacks() const {
    MutexLock lock(&mu_);
    return writebacks_;
  }
  // Appends fail once this many bytes went to files whose path contains
  // `append_fail_path`.
  std::string append_fail_path;
  uint64_t append_budget = UINT64_MAX;
  std::string rename_fail_target;  // RenameFile to a target containing this
  std::string sync_fail_path;      // Sync of a file containing this

  absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(
      const std::string& path) override {
    CKPT_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> f,
                          EnvWrapper::NewWritableFile(path));
    return std::unique_ptr<WritableFile>(new File(this, std::move(f)));
  }
  absl::Status RenameFile(const std::string& s, const std::string& t) override {
    if (!rename_fail_target.empty() &&
        absl::StrContains(t, rename_fail_target)) {
      return absl::PermissionDeniedError(
          absl::StrCat(s, ": rename: Permission denied (errno 13)"));
    }
    return EnvWrapper::RenameFile(s, t);
  }

 private:
  class File : public WritableFile {
   public:
    File(PathFaultEnv* env, std::unique_ptr<WritableFile> f)
        : env_(env), f_(std::move(f)) {}
    absl::Status Append(absl::string_view data) override {
      if (!env_->append_fail_path.empty() &&
          absl::StrContains(path(), env_->append_fail_path)) {
        if (data.size() > env_->append_budget) {
          return absl::ResourceExhaustedError(absl::StrCat(
              path(), ": write: No space left on device (errno 28)"));
        }
        env_->append_budget -= data.size();
      }
      return f_->Append(data);
    }
    absl::Status Sync() override {
      if (!env_->sync_fail_path.empty() &&
          absl::StrContains(path(), env_->sync_fail_path)) {
        return absl::UnknownError(
            absl::StrCat(path(), ": fsync: Input/output error (errno 5)"));
      }
      return f_->Sync();
    }
    void StartWriteback(uint64_t offset, uint64_t n) override {
      {
        MutexLock lock(&env_->mu_);
        env_->writebacks_.push_back({path(), offset, n});
      }
      f_->StartWriteback(offset, n);
    }
    absl::Status Close() override { return f_->Close(); }
    const std::string& path() const override { return f_->path(); }

   private:
    PathFaultEnv* env_;
    std::unique_ptr<WritableFile> f_;
  };
  mutable Mutex mu_;
  std::vector<Writeback> writebacks_ ABSL_GUARDED_BY(mu_);
};

// Writes at "d/p" with `o` through a PathFaultEnv whose data-file Appends run
// out of space after `budget` bytes, calling add(writer, i) for i = 0, 1, ...
// until one fails (at most `max_adds`). Requires that error, naming the
// temporary data file, to be sticky, and no file to be left.
void CheckDataWriteFailure(
    size_t budget, const BundleWriterOptions& o, int max_adds,
    const std::function<absl::Status(BundleWriter&, int)>& add) {
  std::unique_ptr<Env> mem = NewMemEnv();
  PathFaultEnv env(mem.get());
  env.append_fail_path = ".data-";
  env.append_budget = budget;
  CKPT_REQUIRE_OK(env.CreateDir("d"));
  std::unique_ptr<BundleWriter> w = MustCreate(&env, "d/p", o);
  absl::Status st;
  for (int i = 0; i < max_adds && st.ok(); ++i) st = add(*w, i);
  CKPT_REQUIRE_ERROR(st, StatusCode::kResourceExhausted,
                     "No space left on device");
  CHECK(absl::StrContains(st.message(), "d/p.data-00000-of-00001.tempstate"));
  CHECK(Children(mem.get(), "d").empty());
  CKPT_REQUIRE_ERROR(w->Finish(), StatusCode::kResourceExhausted, "No space");
  CHECK(Children(mem.get(), "d").empty());
}

TEST_CASE("writer: a failing data write is sticky and removes temp files") {
  BundleWriterOptions o = TestOptions();
  o.write_buffer_bytes = 64;
  CheckDataWriteFailure(100, o, 100, [](BundleWriter& w, int i) {
    return w.Add(absl::StrCat("k", i), SomeTensor());
  });
}

TEST_CASE("writer: a failing data fsync in Finish leaves no file") {
  std::unique_ptr<Env> mem = NewMemEnv();
  PathFaultEnv env(mem.get());
  env.sync_fail_path = ".data-";
  BundleWriterOptions o = TestOptions();
  o.sync = true;
  std::unique_ptr<BundleWriter> w = MustCreate(&env, "p", o);
  CKPT_REQUIRE_OK(w->Add("k", SomeTensor()));
  CKPT_REQUIRE_ERROR(w->Finish(), StatusCode::kUnknown, "Input/output error");
  CHECK(Children(mem.get(), "").empty());
}

TEST_CASE("writer: a failing index write leaves no file") {
  std::unique_ptr<Env> mem = NewMemEnv();
  PathFaultEnv env(mem.get());
  env.append_fail_path = ".index";
  env.append_budget = 10;
  std::unique_ptr<BundleWriter> w = MustCreate(&env, "p");
  CKPT_REQUIRE_OK(w->Add("k", SomeTensor()));
  CKPT_REQUIRE_ERROR(w->Finish(), StatusCode::kResourceExhausted,
                     "p.index.tempstate");
  CHECK(Children(mem.get(), "").empty());
}

TEST_CASE("writer: a failing index rename leaves no index") {
  std::unique_ptr<Env> mem = NewMemEnv();
  PathFaultEnv env(mem.get());
  env.rename_fail_target = "p.index";
  std::unique_ptr<BundleWriter> w = MustCreate(&env, "p");
  CKPT_REQUIRE_OK(w->Add("k", SomeTensor()));
  CKPT_REQUIRE_ERROR(w->Finish(), StatusCode::kPermissionDenied,
                     "Permission denied");
  std::vector<std::string> left = Children(mem.get(), "");
  CHECK(!AnyTempFile(left));
  CHECK(std::find(left.begin(), left.end(), "p.index") == left.end());
}

TEST_CASE("writer: streams large tensors through a small buffer") {
  std::unique_ptr<Env> env = NewMemEnv();
  BundleWriterOptions o = TestOptions();
  o.write_buffer_bytes = 1000;
  std::unique_ptr<BundleWriter> w = MustCreate(env.get(), "p", o);
  std::vector<int32_t> big(3 << 20);  // 12 MiB: several CRC chunks
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<int32_t>(i * 7);
  Tensor t =
      Tensor::FromVector<int32_t>({static_cast<int64_t>(big.size())}, big)
          .value();
  CKPT_REQUIRE_OK(w->Add("small", SomeTensor()));
  CKPT_REQUIRE_OK(w->Add("big", t));
  CKPT_REQUIRE_OK(w->Add("small2", SomeTensor()));
  CKPT_REQUIRE_OK(w->Finish());
  std::unique_ptr<BundleReader> r = MustOpen(env.get(), "p");
  CHECK(r->Read("big")->Equals(t));
  CHECK(r->GetEntry("big")->masked_crc32c ==
        crc32c::Mask(crc32c::Value(t.bytes().data(), t.bytes().size())));
  CHECK(r->Read("small2")->Equals(SomeTensor()));
}

// ---- AddBatch ----

// A tensor for the AddBatch model tests: float32, int64, uint8 or bool of
// 1 byte to 3 MiB (about a fifth of them above the 1 MiB write buffer), a
// string tensor, or an empty tensor. With `compressible`, three quarters of
// the numeric ones are compressible.
Tensor BatchTestTensor(std::mt19937_64& rng, bool compressible) {
  const uint64_t kind = rng() % 10;
  if (kind == 0) {
    std::vector<std::string> values(rng() % 20);
    for (std::string& v : values) v = RandomString(rng);
    const int64_t n = static_cast<int64_t>(values.size());
    return Tensor::FromStrings(TensorShape({n}), std::move(values)).value();
  }
  static constexpr DataType kTypes[] = {DataType::kFloat, DataType::kInt64,
                                        DataType::kUInt8, DataType::kBool};
  const DataType dtype = kTypes[rng() % 4];
  if (kind == 1) {
    return Tensor::Create(dtype,
                          TensorShape({static_cast<int64_t>(rng() % 3), 0}))
        .value();
  }
  size_t bytes = 0;
  switch (rng() % 5) {
    case 0:
    case 1:
      bytes = rng() % 4096;
      break;
    case 2:
    case 3:
      bytes = rng() % (256 << 10);
      break;
    default:  // above the write buffer: written past it in 1 MiB pieces
      bytes = kMiB + rng() % (2 * kMiB);
      break;
  }
  const int64_t n =
      static_cast<int64_t>(std::max<size_t>(1, bytes / DataTypeSize(dtype)));
  Tensor t = Tensor::Create(dtype, TensorShape({n})).value();
  FillBatchBytes(rng, compressible && rng() % 4 != 0, t.mutable_bytes());
  if (dtype == DataType::kBool) {
    for (char& c : t.mutable_bytes()) c = static_cast<char>(c & 1);
  }
  return t;
}

// Tensors to add, in order, with their keys and shards.
struct BatchCase {
  std::vector<std::string> keys;
  std::vector<Tensor> tensors;
  std::vector<int> shards;

  size_t size() const { return keys.size(); }
  // AddBatch items for [begin, end), pointing into this case.
  std::vector<BundleWriter::BatchItem> Items(size_t begin, size_t end) const {
    std::vector<BundleWriter::BatchItem> items;
    for (size_t i = begin; i < end; ++i) {
      items.push_back({keys[i], &tensors[i], shards[i]});
    }
    return items;
  }
  void Push(std::string key, Tensor t, int shard) {
    keys.push_back(std::move(key));
    tensors.push_back(std::move(t));
    shards.push_back(shard);
  }
};

BatchCase RandomBatchCase(uint64_t seed, int n, int num_shards,
                          bool compressible) {
  std::mt19937_64 rng(seed);
  BatchCase c;
  for (int i = 0; i < n; ++i) {
    // Key order differs from insertion order.
    std::string key = absl::StrCat("layer_", rng() % 100, "/w", i);
    Tensor t = BatchTestTensor(rng, compressible);
    const int shard =
        static_cast<int>(rng() % static_cast<uint64_t>(num_shards));
    c.Push(std::move(key), std::move(t), shard);
  }
  return c;
}

// Writes `c` at `prefix` with one Add() per tensor.
void WriteWithAdd(Env* env, const std::string& prefix,
                  const BundleWriterOptions& o, const BatchCase& c) {
  std::unique_ptr<BundleWriter> w = MustCreate(env, prefix, o);
  for (size_t i = 0; i < c.size(); ++i) {
    CKPT_REQUIRE_OK(w->Add(c.keys[i], c.tensors[i], c.shards[i]));
  }
  CKPT_REQUIRE_OK(w->Finish());
}

// Writes `c` at `prefix` in pieces of `piece_sizes` (the rest in a last
// piece, possibly empty), on `num_threads`. Even pieces go through AddBatch,
// odd ones through Add() when `mix_add`, else through AddBatch too.
void WriteWithBatches(Env* env, const std::string& prefix,
                      const BundleWriterOptions& o, const BatchCase& c,
                      int num_threads,
                      const std::vector<size_t>& piece_sizes = {},
                      bool mix_add = false) {
  std::unique_ptr<BundleWriter> w = MustCreate(env, prefix, o);
  size_t begin = 0;
  for (size_t p = 0; p <= piece_sizes.size(); ++p) {
    const size_t end = p < piece_sizes.size()
                           ? std::min(c.size(), begin + piece_sizes[p])
                           : c.size();
    if (mix_add && p % 2 == 1) {
      for (size_t i = begin; i < end; ++i) {
        CKPT_REQUIRE_OK(w->Add(c.keys[i], c.tensors[i], c.shards[i]));
      }
    } else {
      CKPT_REQUIRE_OK(w->AddBatch(c.Items(begin, end), num_threads));
    }
    begin = end;
  }
  CHECK(w->num_entries() == static_cast<int64_t>(c.size()));
  CKPT_REQUIRE_OK(w->Finish());
}

// The index file, then every data file, of the bundle at `prefix`.
std::vector<std::string> BundleFileBytes(Env* env, const std::string& prefix,
                                         int num_shards) {
  std::vector<std::string> paths = {IndexFilename(prefix)};
  for (int s = 0; s < num_shards; ++s) {
    paths.push_back(DataFilename(prefix, s, num_shards));
  }
  std::vector<std::string> out;
  for (const std::string& p : paths) {
    absl::StatusOr<std::string> bytes =
        ReadFileToString(env, p, uint64_t{1} << 32);
    CKPT_REQUIRE_OK(bytes);
    out.push_back(*std::move(bytes));
  }
  return out;
}

// Requires the bundles at `a` and `b` to consist of byte-identical files.
void RequireSameFiles(Env* env, const std::string& a, const std::string& b,
                      int num_shards) {
  const std::vector<std::string> fa = BundleFileBytes(env, a, num_shards);
  const std::vector<std::string> fb = BundleFileBytes(env, b, num_shards);
  REQUIRE(fa.size() == fb.size());
  for (size_t i = 0; i < fa.size(); ++i) {
    INFO((i == 0 ? std::string("index") : absl::StrCat("data shard ", i - 1))
         << ": " << fa[i].size() << " vs " << fb[i].size() << " bytes");
    const bool same = fa[i] == fb[i];  // no 3 MiB dump on failure
    CHECK(same);
  }
}

// Add(), one AddBatch() on 1, 2 and 4 threads, and pieces of random sizes
// (all batches, or batches alternating with Add()) must all write the same
// files. Returns the number of tensors above the 1 MiB write buffer.
int CheckBatchEqualsAdd(const BundleWriterOptions& base, uint64_t seed,
                        bool compressible) {
  int large = 0;
  for (int num_shards : {1, 3, 5}) {
    INFO("seed " << seed << " shards " << num_shards);
    std::unique_ptr<Env> env = NewMemEnv();
    BundleWriterOptions o = base;
    o.num_shards = num_shards;
    const BatchCase c = RandomBatchCase(seed, 14, num_shards, compressible);
    for (const Tensor& t : c.tensors) {
      if (t.bytes().size() > o.write_buffer_bytes) ++large;
    }
    WriteWithAdd(env.get(), "/add/p", o, c);
    for (int threads : {1, 2, 4}) {
      INFO("one batch, threads " << threads);
      const std::string prefix = absl::StrCat("/batch", threads, "/p");
      WriteWithBatches(env.get(), prefix, o, c, threads);
      RequireSameFiles(env.get(), "/add/p", prefix, num_shards);
    }
    std::mt19937_64 rng(seed);
    std::vector<size_t> pieces;
    for (size_t n = 0; n < c.size();) {
      pieces.push_back(1 + rng() % 5);
      n += pieces.back();
    }
    for (bool mix_add : {false, true}) {
      INFO("pieces, mixed with Add " << mix_add);
      const std::string prefix = absl::StrCat("/pieces", mix_add, "/p");
      WriteWithBatches(env.get(), prefix, o, c, 3, pieces, mix_add);
      RequireSameFiles(env.get(), "/add/p", prefix, num_shards);
    }
  }
  return large;
}

TEST_CASE("AddBatch writes the same files as Add (model-based, fixed seeds)") {
  int large = 0;
  for (uint64_t seed = 3000; seed < 3003; ++seed) {
    large += CheckBatchEqualsAdd(TestOptions(), seed, false);
  }
  CHECK(large >= 10);
}

TEST_CASE("AddBatch with LZ4 writes the same files as Add") {
  BundleWriterOptions o = TestOptions();
  o.compression = Compression::kLz4;
  int large = 0;
  for (uint64_t seed = 3100; seed < 3102; ++seed) {
    large += CheckBatchEqualsAdd(o, seed, true);
  }
  CHECK(large >= 5);
  // The data really was compressed (so the compressed path was compared).
  std::unique_ptr<Env> env = NewMemEnv();
  o.num_shards = 3;
  const BatchCase c = RandomBatchCase(3100, 14, 3, true);
  WriteWithBatches(env.get(), "p", o, c, 4);
  std::unique_ptr<BundleReader> r = MustOpen(env.get(), "p");
  CHECK(r->header().features == std::vector<std::string>{"lz4"});
  int compressed = 0;
  const std::vector<std::pair<std::string, BundleEntry>> list =
      r->ListEntries().value();
  for (const auto& [key, entry] : list) {
    if (entry.compression == Compression::kLz4) ++compressed;
  }
  CHECK(compressed >= 3);
  for (size_t i = 0; i < c.size(); ++i) {
    CHECK(r->Read(c.keys[i])->Equals(c.tensors[i]));
  }
}

// checksum_threads changes who computes the CRCs, never the bytes: every
// way of adding (Add, one batch, pieces mixed with Add) on 1-5 shards with
// 0, 1 and 3 helpers writes the files of the writing thread alone. The
// tensors include several above the 256 KiB the helpers take and above
// their 1 MiB pieces.
TEST_CASE("checksum helpers write the same files as the writing thread") {
  for (int num_shards : {1, 4}) {
    std::unique_ptr<Env> env = NewMemEnv();
    BundleWriterOptions alone = TestOptions();
    alone.num_shards = num_shards;
    alone.checksum_threads = 0;
    const BatchCase c = RandomBatchCase(3200, 40, num_shards, false);
    int pooled = 0;
    int pieces = 0;
    for (const Tensor& t : c.tensors) {
      if (!t.is_string() && t.bytes().size() >= (256 << 10)) ++pooled;
      if (t.bytes().size() > (1 << 20)) ++pieces;
    }
    CHECK(pooled >= 5);
    CHECK(pieces >= 3);
    WriteWithAdd(env.get(), "/alone/p", alone, c);
    for (int helpers : {0, 1, 3}) {
      INFO("shards " << num_shards << " helpers " << helpers);
      BundleWriterOptions o = alone;
      o.checksum_threads = helpers;
      const std::string add = absl::StrCat("/add", helpers, "/p");
      WriteWithAdd(env.get(), add, o, c);
      RequireSameFiles(env.get(), "/alone/p", add, num_shards);
      const std::string batch = absl::StrCat("/batch", helpers, "/p");
      WriteWithBatches(env.get(), batch, o, c, 2);
      RequireSameFiles(env.get(), "/alone/p", batch, num_shards);
      const std::string mixed = absl::StrCat("/mixed", helpers, "/p");
      WriteWithBatches(env.get(), mixed, o, c, 2, {3, 2, 5, 1}, true);
      RequireSameFiles(env.get(), "/alone/p", mixed, num_shards);
    }
    // And the CRCs are right, not merely equal: every value reads back
    // (Read checks the CRC).
    std::unique_ptr<BundleReader> r = MustOpen(env.get(), "/batch3/p");
    for (size_t i = 0; i < c.size(); ++i) {
      absl::StatusOr<Tensor> t = r->Read(c.keys[i]);
      CKPT_REQUIRE_OK(t);
      CHECK(t->Equals(c.tensors[i]));
    }
  }
}

TEST_CASE("writer: checksum_threads out of range is InvalidArgument") {
  std::unique_ptr<Env> env = NewMemEnv();
  for (int n : {-1, 65}) {
    BundleWriterOptions o = TestOptions();
    o.checksum_threads = n;
    CKPT_REQUIRE_ERROR(BundleWriter::Create(env.get(), "p", o).status(),
                       StatusCode::kInvalidArgument,
                       absl::StrCat("checksum_threads ", n, " out of range"));
  }
}

// A write that fails while helpers read the tensor: the error is sticky, no
// file is left, and the tensor may be freed as soon as the call returns (a
// helper still reading it would be a use after free under ASan).
TEST_CASE("writer: a write failing under the checksum helpers leaves no file") {
  BundleWriterOptions o = TestOptions();
  o.checksum_threads = 2;
  for (bool batch : {false, true}) {
    INFO("batch " << batch);
    // 2 MiB each: the second one fails; each is freed right after.
    CheckDataWriteFailure(
        size_t{3} << 20, o, 8, [batch](BundleWriter& w, int i) {
          auto t = std::make_unique<Tensor>(
              Tensor::Create(DataType::kUInt8, TensorShape({2 << 20})).value());
          const std::string key = absl::StrCat("k", i);
          if (!batch) return w.Add(key, *t);
          const BundleWriter::BatchItem items[] = {{key, t.get(), 0}};
          return w.AddBatch(items, 1);
        });
  }
}

// With sync, every data file gets writeback hints covering it from offset 0
// with no gap, each at least writeback_bytes, leaving less than that
// unhinted; the index gets none (it is synced at once). Without sync, or
// with writeback_bytes 0, there are none. The files are the same in every
// case.
TEST_CASE("writer: writeback starts every writeback_bytes of a data file") {
  std::mt19937_64 rng(41);
  BatchCase c;
  for (int i = 0; i < 300; ++i) {
    c.Push(absl::StrCat("small", i), BytesTensor(rng, 10 << 10, false), i % 2);
  }
  c.Push("medium", BytesTensor(rng, 5 * kMiB + 3, false), 0);
  c.Push("large", BytesTensor(rng, 20 * kMiB + 5, false), 1);
  std::unique_ptr<Env> mem = NewMemEnv();
  BundleWriterOptions plain = TestOptions();
  plain.num_shards = 2;
  plain.write_buffer_bytes = 64 << 10;
  WriteWithAdd(mem.get(), "/plain/p", plain, c);
  struct Setting {
    bool sync;
    uint64_t writeback_bytes;
    bool batch;
  };
  for (const Setting& set :
       {Setting{true, kMiB, false}, Setting{true, kMiB, true},
        Setting{true, 0, false}, Setting{false, kMiB, true}}) {
    INFO("sync " << set.sync << " writeback_bytes " << set.writeback_bytes
                 << " batch " << set.batch);
    PathFaultEnv env(mem.get());
    BundleWriterOptions o = plain;
    o.sync = set.sync;
    o.writeback_bytes = set.writeback_bytes;
    const std::string prefix =
        absl::StrCat("/w", set.sync, set.writeback_bytes, set.batch, "/p");
    if (set.batch) {
      WriteWithBatches(&env, prefix, o, c, 2);
    } else {
      WriteWithAdd(&env, prefix, o, c);
    }
    RequireSameFiles(mem.get(), "/plain/p", prefix, 2);
    const std::vector<PathFaultEnv::Writeback> hints = env.writebacks();
    if (!set.sync || set.writeback_bytes == 0) {
      CHECK(hints.empty());
      continue;
    }
    for (int shard = 0; shard < 2; ++shard) {
      const std::string data = DataFilename(prefix, shard, 2);
      const uint64_t size = mem->GetFileSize(data).value();
      uint64_t covered = 0;
      for (const PathFaultEnv::Writeback& h : hints) {
        CHECK(!absl::StrContains(h.path, ".index"));
        if (!absl::StartsWith(h.path, data)) continue;
        CHECK(h.offset == covered);
        CHECK(h.n >= set.writeback_bytes);
        covered = h.offset + h.n;
      }
      INFO("shard " << shard << " of " << size << " bytes, hinted " << covered);
      CHECK(covered <= size);
      CHECK(size - covered < set.writeback_bytes);
      CHECK(covered >= 2 * kMiB);
    }
  }
}

TEST_CASE("AddBatch: a key twice in one batch is sticky and leaves no file") {
  TempDir dir;
  std::unique_ptr<BundleWriter> w =
      MustCreate(Env::Default(), dir.Join("ckpt"));
  CKPT_REQUIRE_OK(w->Add("first", SomeTensor()));
  const Tensor t = SomeTensor();
  const BundleWriter::BatchItem items[] = {
      {"a", &t, 0}, {"b", &t, 0}, {"a", &t, 0}};
  const absl::Status st = w->AddBatch(items, 2);
  CKPT_REQUIRE_ERROR(st, StatusCode::kInvalidArgument, "'a' appears twice");
  CHECK(Children(Env::Default(), dir.path()).empty());
  CHECK(w->status() == st);
  CHECK(w->Add("c", t) == st);
  CHECK(w->AddBatch(absl::MakeConstSpan(items, 2), 1) == st);
  CHECK(w->Finish() == st);
  CHECK(w->num_entries() == 1);
  CHECK(Children(Env::Default(), dir.path()).empty());
}

TEST_CASE(
    "AddBatch: a key added before is refused before anything is written") {
  ::ckpt::testing::FaultEnv env;
  std::unique_ptr<BundleWriter> w = MustCreate(&env, "/d/p");
  CKPT_REQUIRE_OK(w->Add("a", SomeTensor()));
  std::mt19937_64 rng(7);
  const Tensor big = BytesTensor(rng, 2 * kMiB, false);  // bypasses the buffer
  const Tensor t = SomeTensor();
  const BundleWriter::BatchItem items[] = {{"big", &big, 0}, {"a", &t, 0}};
  env.ResetCounter();
  CKPT_REQUIRE_ERROR(w->AddBatch(items, 2), StatusCode::kInvalidArgument,
                     "'a' was already added");
  // Only the cleanup ran: no byte of "big" was written.
  for (const std::string& call : env.call_log()) {
    INFO(call);
    CHECK(absl::StrContains(call, " DeleteFile "));
  }
  CHECK(Children(&env, "/d").empty());
  CKPT_REQUIRE_ERROR(w->Add("c", t), StatusCode::kInvalidArgument,
                     "'a' was already added");
}

TEST_CASE("AddBatch: null tensor and shard out of range are InvalidArgument") {
  const Tensor t = SomeTensor();
  BundleWriterOptions o = TestOptions();
  o.num_shards = 2;
  {
    std::unique_ptr<Env> env = NewMemEnv();
    std::unique_ptr<BundleWriter> w = MustCreate(env.get(), "p", o);
    const BundleWriter::BatchItem items[] = {{"a", &t, 1}, {"b", nullptr, 0}};
    CKPT_REQUIRE_ERROR(w->AddBatch(items, 2), StatusCode::kInvalidArgument,
                       "key 'b': null tensor");
    CHECK(Children(env.get(), "").empty());
  }
  for (int shard : {2, -1}) {
    INFO("shard " << shard);
    std::unique_ptr<Env> env = NewMemEnv();
    std::unique_ptr<BundleWriter> w = MustCreate(env.get(), "p", o);
    const BundleWriter::BatchItem items[] = {{"a", &t, 0}, {"b", &t, shard}};
    CKPT_REQUIRE_ERROR(
        w->AddBatch(items, 2), StatusCode::kInvalidArgument,
        absl::StrCat("key 'b': shard ", shard, " out of range [0, 2)"));
    CHECK(Children(env.get(), "").empty());
    CKPT_REQUIRE_ERROR(w->Finish(), StatusCode::kInvalidArgument,
                       "out of range");
  }
  {
    std::unique_ptr<Env> env = NewMemEnv();
    std::unique_ptr<BundleWriter> w = MustCreate(env.get(), "p", o);
    const BundleWriter::BatchItem items[] = {{"", &t, 0}};
    CKPT_REQUIRE_ERROR(w->AddBatch(items, 1), StatusCode::kInvalidArgument,
                       "empty key");
  }
}

TEST_CASE(
    "AddBatch: a failed parallel write names the key and leaves no file") {
  // Every tensor is at least the write buffer, so each reaches the file in
  // Append()s of its own: the k-th Append of a shard belongs to a known key.
  // A tensor whose CRC the writing thread computes is appended in 1 MiB
  // pieces; one the checksum helpers take (256 KiB and up) in one piece.
  for (int helpers : {0, 2}) {
    INFO("checksum helpers " << helpers);
    BundleWriterOptions o = TestOptions();
    o.num_shards = 3;
    o.write_buffer_bytes = 4096;
    o.checksum_threads = helpers;
    std::mt19937_64 rng(61);
    BatchCase c;
    std::vector<std::vector<std::string>> append_keys(3);
    for (size_t bytes : {size_t{8192}, 2 * kMiB + 8192, size_t{4096}}) {
      for (int s = 0; s < 3; ++s) {
        const std::string key = absl::StrCat("shard", s, "/t", bytes);
        c.Push(key, BytesTensor(rng, bytes, false), s);
        const size_t appends =
            helpers > 0 && bytes >= (256 << 10) ? 1 : (bytes + kMiB - 1) / kMiB;
        for (size_t k = 0; k < appends; ++k) {
          append_keys[static_cast<size_t>(s)].push_back(key);
        }
      }
    }
    int64_t batch_calls = 0;
    {
      ::ckpt::testing::FaultEnv env;
      std::unique_ptr<BundleWriter> w = MustCreate(&env, "/d/p", o);
      env.ResetCounter();
      CKPT_REQUIRE_OK(w->AddBatch(c.Items(0, c.size()), 3));
      batch_calls = env.mutating_calls();
      for (const std::string& call : env.call_log()) {
        CHECK(absl::StrContains(call, " Append "));
      }
    }
    REQUIRE(batch_calls == (helpers > 0 ? 9 : 15));
    for (int64_t i = 0; i < batch_calls; ++i) {
      INFO("ENOSPC at call " << i);
      ::ckpt::testing::FaultEnv env;
      std::unique_ptr<BundleWriter> w = MustCreate(&env, "/d/p", o);
      env.ResetCounter();
      env.InjectFault(i, ::ckpt::testing::FaultKind::kShortWrite);
      const absl::Status st = w->AddBatch(c.Items(0, c.size()), 3);
      const std::vector<std::string> log = env.call_log();
      INFO(absl::StrJoin(log, "\n"));
      CKPT_REQUIRE_ERROR(st, StatusCode::kResourceExhausted,
                         "No space left on device");
      CKPT_REQUIRE_ERROR(st, StatusCode::kResourceExhausted,
                         absl::StrCat("(injected at call ", i, ")"));
      // The failed call: "<i> Append <path>"; its shard, and how many Appends
      // of that shard came before it, give the key being written.
      REQUIRE(log.size() > static_cast<size_t>(i));
      const std::string head = absl::StrCat(i, " Append ");
      const std::string& failed = log[static_cast<size_t>(i)];
      REQUIRE(absl::StartsWith(failed, head));
      const std::string path = failed.substr(head.size());
      int shard = -1;
      for (int s = 0; s < 3; ++s) {
        if (absl::StartsWith(path, DataFilename("/d/p", s, 3) + ".tempstate")) {
          shard = s;
        }
      }
      REQUIRE(shard >= 0);
      size_t before = 0;
      for (size_t j = 0; j < static_cast<size_t>(i); ++j) {
        if (absl::EndsWith(log[j], absl::StrCat(" Append ", path))) ++before;
      }
      const std::vector<std::string>& keys =
          append_keys[static_cast<size_t>(shard)];
      REQUIRE(before < keys.size());
      CKPT_REQUIRE_ERROR(st, StatusCode::kResourceExhausted,
                         absl::StrCat("writing '", keys[before], "': ", path));
      CHECK(Children(&env, "/d").empty());
      CHECK(env.open_files() == 0);
      CHECK(w->status() == st);
      CHECK(w->Add("late", SomeTensor()) == st);
      CHECK(w->AddBatch({}, 2) == st);
      CHECK(w->Finish() == st);
      CHECK(Children(&env, "/d").empty());
    }
  }
}

TEST_CASE("AddBatch after Finish or Abandon is FailedPrecondition") {
  std::unique_ptr<Env> env = NewMemEnv();
  const Tensor t = SomeTensor();
  const BundleWriter::BatchItem items[] = {{"b", &t, 0}};
  {
    std::unique_ptr<BundleWriter> w = MustCreate(env.get(), "done");
    const BundleWriter::BatchItem first[] = {{"a", &t, 0}};
    CKPT_REQUIRE_OK(w->AddBatch(first, 2));
    CKPT_REQUIRE_OK(w->Finish());
    CKPT_REQUIRE_ERROR(w->AddBatch(items, 2), StatusCode::kFailedPrecondition,
                       "after Finish()");
    CKPT_REQUIRE_OK(w->status());
  }
  std::unique_ptr<BundleReader> r = MustOpen(env.get(), "done");
  CHECK(r->ListEntries()->size() == 1);
  CHECK(r->Read("a")->Equals(t));
  std::unique_ptr<BundleWriter> w = MustCreate(env.get(), "gone");
  w->Abandon();
  CKPT_REQUIRE_ERROR(w->AddBatch(items, 2), StatusCode::kFailedPrecondition,
                     "after Abandon()");
}

TEST_CASE("AddBatch then Add then AddBatch reads back every value") {
  std::unique_ptr<Env> env = NewMemEnv();
  BundleWriterOptions o = TestOptions();
  o.num_shards = 2;
  const BatchCase c = RandomBatchCase(3200, 24, 2, false);
  std::unique_ptr<BundleWriter> w = MustCreate(env.get(), "p", o);
  CKPT_REQUIRE_OK(w->AddBatch(c.Items(0, 8), 2));
  for (size_t i = 8; i < 16; ++i) {
    CKPT_REQUIRE_OK(w->Add(c.keys[i], c.tensors[i], c.shards[i]));
  }
  CKPT_REQUIRE_OK(w->AddBatch(c.Items(16, c.size()), 4));
  CHECK(w->num_entries() == 24);
  CKPT_REQUIRE_OK(w->Finish());
  std::unique_ptr<BundleReader> r = MustOpen(env.get(), "p");
  CHECK(r->ListEntries()->size() == c.size());
  for (size_t i = 0; i < c.size(); ++i) {
    INFO(c.keys[i]);
    absl::StatusOr<BundleEntry> e = r->GetEntry(c.keys[i]);
    CKPT_REQUIRE_OK(e);
    CHECK(e->shard_id == c.shards[i]);
    absl::StatusOr<Tensor> got = r->Read(c.keys[i]);
    CKPT_REQUIRE_OK(got);
    CHECK(got->Equals(c.tensors[i]));
  }
}

}  // namespace
}  // namespace ckpt
