// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// MappedBundleReader:
//   * values equal BundleReader::Read for random bundles (fixed seeds) of
//     every storable dtype and many shapes, one and three shards, aligned
//     and densely packed data;
//   * borrowed tensors for aligned uncompressed numeric entries, owned ones
//     for strings, LZ4, misaligned and empty entries, and for an Env without
//     memory regions (FaultEnv);
//   * views keep their data file mapped after the reader is gone, and a
//     reader opened on a shared BundleReader serves the same views;
//   * lazy mapping (a missing shard only fails its own keys), errors
//     (corrupt byte, truncated data file, unknown key, missing index), the
//     once-per-key checksum, concurrent Get and GetBytes, and the MemEnv.

#include "ckpt/mapped_bundle.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/bundle_writer.h"
#include "ckpt/dtype.h"
#include "ckpt/env.h"
#include "ckpt/tensor.h"
#include "testing/fault_env.h"
#include "testing/test_util.h"

namespace ckpt {
namespace {

using absl::StatusCode;
using ::ckpt::testing::ReadFileOrDie;
using ::ckpt::testing::TempDir;
using ::ckpt::testing::VectorTensor;
using ::ckpt::testing::WriteFileOrDie;
using ::ckpt::testing::StorableDataTypes;

BundleWriterOptions TestOptions() {
  BundleWriterOptions o;
  o.sync = false;
  return o;
}

struct Item {
  std::string key;
  Tensor tensor;
  int shard = 0;
};

void WriteBundle(Env* env, const std::string& prefix,
                 const BundleWriterOptions& options,
                 const std::vector<Item>& items) {
  absl::StatusOr<std::unique_ptr<BundleWriter>> w =
      BundleWriter::Create(env, prefix, options);
  CKPT_REQUIRE_OK(w);
  for (const Item& item : items) {
    CKPT_REQUIRE_OK((*w)->Add(item.key, item.tensor, item.shard));
  }
  CKPT_REQUIRE_OK((*w)->Finish());
}

std::unique_ptr<MappedBundleReader> MustOpen(Env* env,
                                             const std::string& prefix) {
  absl::StatusOr<std::unique_ptr<MappedBundleReader>> r =
      MappedBundleReader::Open(env, prefix);
  CKPT_REQUIRE_OK(r);
  return *std::move(r);
}

Tensor MustGet(const MappedBundleReader& r, const std::string& key) {
  absl::StatusOr<Tensor> t = r.Get(key);
  CKPT_REQUIRE_OK(t);
  return *std::move(t);
}

// ---- random tensors ----

TensorShape RandomShape(std::mt19937_64& rng) {
  switch (rng() % 6) {
    case 0:
      return TensorShape();  // scalar
    case 1:                  // zero elements
      return TensorShape({static_cast<int64_t>(rng() % 4), 0, 2});
    default: {
      const int rank = 1 + static_cast<int>(rng() % 3);
      std::vector<int64_t> dims;
      for (int i = 0; i < rank; ++i) {
        dims.push_back(1 +
                       static_cast<int64_t>(rng() % (rank == 1 ? 300 : 12)));
      }
      return TensorShape(dims);
    }
  }
}

Tensor RandomTensor(std::mt19937_64& rng, DataType dtype) {
  TensorShape shape = RandomShape(rng);
  if (dtype == DataType::kString) {
    std::vector<std::string> values(static_cast<size_t>(shape.num_elements()));
    for (std::string& v : values) {
      v.resize(rng() % 20);
      for (char& c : v) c = static_cast<char>(rng());
    }
    return Tensor::FromStrings(shape, std::move(values)).value();
  }
  Tensor t = Tensor::Create(dtype, shape).value();
  for (char& c : t.mutable_bytes()) {
    c = static_cast<char>(rng());
    if (dtype == DataType::kBool) c = static_cast<char>(c & 1);
    if (dtype == DataType::kInt4) c = static_cast<char>((c & 0xf) - 8);
    if (dtype == DataType::kUInt4) c = static_cast<char>(c & 0xf);
  }
  return t;
}

std::vector<Item> RandomItems(uint64_t seed, int n, int num_shards) {
  std::mt19937_64 rng(seed);
  const std::vector<DataType> dtypes = StorableDataTypes();
  std::vector<Item> items;
  for (int i = 0; i < n; ++i) {
    // Every dtype at least once, then random ones.
    const DataType dtype = i < static_cast<int>(dtypes.size())
                               ? dtypes[static_cast<size_t>(i)]
                               : dtypes[rng() % dtypes.size()];
    items.push_back(
        {absl::StrCat("var_", i, "/.ATTRIBUTES/VARIABLE_VALUE"),
         RandomTensor(rng, dtype),
         static_cast<int>(rng() % static_cast<uint64_t>(num_shards))});
  }
  return items;
}

bool IsAlignedFor(const char* p, DataType dtype) {
  const size_t align = std::min<size_t>(DataTypeSize(dtype), 8);
  return align <= 1 || reinterpret_cast<uintptr_t>(p) % align == 0;
}

// Flips one bit of `path` in place (no truncation: safe while mapped).
void FlipByteInPlace(const std::string& path, int64_t offset) {
  std::FILE* f = std::fopen(path.c_str(), "r+b");
  REQUIRE(f != nullptr);
  REQUIRE(std::fseek(f, static_cast<long>(offset), SEEK_SET) == 0);
  const int c = std::fgetc(f);
  REQUIRE(c != EOF);
  REQUIRE(std::fseek(f, static_cast<long>(offset), SEEK_SET) == 0);
  REQUIRE(std::fputc(c ^ 0x01, f) != EOF);
  REQUIRE(std::fclose(f) == 0);
}

TEST_CASE("Get equals BundleReader::Read for random bundles") {
  struct Config {
    int num_shards;
    int64_t alignment;
  };
  const Config configs[] = {{1, 1}, {1, 64}, {3, 1}, {3, 8}};
  TempDir tmp;
  uint64_t seed = 7000;
  for (const Config& c : configs) {
    ++seed;
    INFO("seed " << seed << " shards " << c.num_shards << " alignment "
                 << c.alignment);
    BundleWriterOptions o = TestOptions();
    o.num_shards = c.num_shards;
    o.data_alignment = c.alignment;
    const std::string prefix = tmp.Join(absl::StrCat("b", seed, "/ckpt-1"));
    const std::vector<Item> items = RandomItems(seed, 120, c.num_shards);
    WriteBundle(Env::Default(), prefix, o, items);

    std::unique_ptr<MappedBundleReader> r = MustOpen(Env::Default(), prefix);
    REQUIRE(r->index().num_shards() == c.num_shards);
    REQUIRE(r->index().prefix() == prefix);
    int borrowed = 0;
    int copied = 0;
    for (int pass = 0; pass < 2; ++pass) {  // the second pass is cached
      for (const Item& item : items) {
        INFO("key " << item.key << " dtype "
                    << DataTypeName(item.tensor.dtype()) << " shape "
                    << item.tensor.shape().DebugString() << " pass " << pass);
        absl::StatusOr<Tensor> want = r->index().Read(item.key);
        CKPT_REQUIRE_OK(want);
        REQUIRE(want->Equals(item.tensor));
        const Tensor got = MustGet(*r, item.key);
        REQUIRE(got.Equals(*want));
        if (item.tensor.is_string()) {
          CHECK(!got.is_borrowed());
          CKPT_REQUIRE_ERROR(r->GetBytes(item.key),
                             StatusCode::kInvalidArgument, "use Get()");
          continue;
        }
        absl::StatusOr<absl::string_view> bytes = r->GetBytes(item.key);
        CKPT_REQUIRE_OK(bytes);
        REQUIRE(*bytes == item.tensor.bytes());
        if (item.tensor.num_elements() == 0) {
          CHECK(!got.is_borrowed());
          continue;
        }
        // Borrowed exactly when the mapped bytes are aligned for the type.
        const bool aligned = IsAlignedFor(bytes->data(), item.tensor.dtype());
        CHECK(got.is_borrowed() == aligned);
        if (got.is_borrowed()) {
          CHECK(got.bytes().data() == bytes->data());
          ++borrowed;
        } else {
          ++copied;
        }
        if (c.alignment % 8 == 0) CHECK(got.is_borrowed());
      }
    }
    CHECK(borrowed > 0);
    if (c.alignment == 1) CHECK(copied > 0);  // some are misaligned
  }
}

TEST_CASE("Uncompressed numeric tensors borrow the mapping") {
  TempDir tmp;
  const std::string prefix = tmp.Join("ckpt-1");
  BundleWriterOptions o = TestOptions();
  o.data_alignment = 64;
  std::vector<float> values(1000);
  for (size_t i = 0; i < values.size(); ++i) values[i] = 0.5f * i;
  WriteBundle(Env::Default(), prefix, o,
              {{"w", VectorTensor<float>({10, 100}, values)},
               {"step", Tensor::Scalar<int64_t>(42)}});
  std::unique_ptr<MappedBundleReader> r = MustOpen(Env::Default(), prefix);
  const Tensor w = MustGet(*r, "w");
  REQUIRE(w.is_borrowed());
  REQUIRE(w.dtype() == DataType::kFloat);
  REQUIRE(w.shape() == TensorShape({10, 100}));
  REQUIRE(std::vector<float>(w.flat<float>().begin(), w.flat<float>().end()) ==
          values);
  Tensor copy = w;  // copies share borrowed bytes and stay read-only
  REQUIRE(copy.is_borrowed());
  REQUIRE(copy.bytes().data() == w.bytes().data());
  REQUIRE(copy.mutable_bytes().empty());
  const Tensor step = MustGet(*r, "step");
  REQUIRE(step.is_borrowed());
  REQUIRE(step.flat<int64_t>()[0] == 42);
  // A copy shares the borrowed bytes; all views point into one mapping.
  const Tensor w2 = MustGet(*r, "w");
  REQUIRE(w2.bytes().data() == w.bytes().data());
  absl::StatusOr<absl::string_view> bytes = r->GetBytes("w");
  CKPT_REQUIRE_OK(bytes);
  REQUIRE(bytes->data() == w.bytes().data());
  REQUIRE(bytes->size() == values.size() * sizeof(float));
}

TEST_CASE("Misaligned entries are copied out of the mapping") {
  TempDir tmp;
  const std::string prefix = tmp.Join("ckpt-1");
  // Densely packed: the float tensor starts at offset 3.
  WriteBundle(
      Env::Default(), prefix, TestOptions(),
      {{"a_bytes", VectorTensor<int8_t>({3}, {1, 2, 3})},
       {"b_floats", VectorTensor<float>({4}, {1.5f, 2.5f, 3.5f, 4.5f})}});
  std::unique_ptr<MappedBundleReader> r = MustOpen(Env::Default(), prefix);
  REQUIRE(r->index().GetEntry("b_floats")->offset == 3);
  const Tensor a = MustGet(*r, "a_bytes");
  REQUIRE(a.is_borrowed());
  const Tensor b = MustGet(*r, "b_floats");
  REQUIRE(!b.is_borrowed());
  REQUIRE(b.flat<float>()[3] == 4.5f);
  REQUIRE(b.Equals(r->index().Read("b_floats").value()));
  absl::StatusOr<absl::string_view> bytes = r->GetBytes("b_floats");
  CKPT_REQUIRE_OK(bytes);
  REQUIRE(*bytes == b.bytes());
}

TEST_CASE("String and LZ4 entries are read owned") {
  TempDir tmp;
  const std::string prefix = tmp.Join("ckpt-1");
  BundleWriterOptions o = TestOptions();
  o.compression = Compression::kLz4;
  o.data_alignment = 64;
  std::vector<float> smooth(4096);
  for (size_t i = 0; i < smooth.size(); ++i) smooth[i] = (i % 16) * 0.25f;
  std::vector<int32_t> ints(2048);
  for (size_t i = 0; i < ints.size(); ++i)
    ints[i] = static_cast<int32_t>(i / 64);
  std::vector<int32_t> noise(16);
  std::mt19937 rng(11);
  for (int32_t& v : noise) v = static_cast<int32_t>(rng());
  const Tensor names =
      Tensor::FromStrings({3}, {"alpha", std::string("b\0c", 3), ""}).value();
  WriteBundle(Env::Default(), prefix, o,
              {{"names", names},
               {"smooth", VectorTensor<float>({64, 64}, smooth)},
               {"ints", VectorTensor<int32_t>({2048}, ints)},
               {"noise", VectorTensor<int32_t>({16}, noise)}});
  std::unique_ptr<MappedBundleReader> r = MustOpen(Env::Default(), prefix);
  REQUIRE(r->index().GetEntry("smooth")->compression == Compression::kLz4);
  REQUIRE(r->index().GetEntry("ints")->compression == Compression::kLz4);
  REQUIRE(r->index().GetEntry("noise")->compression == Compression::kNone);

  const Tensor got_names = MustGet(*r, "names");
  REQUIRE(!got_names.is_borrowed());
  REQUIRE(got_names.Equals(names));
  for (const std::string key : {"smooth", "ints"}) {
    INFO(key);
    const Tensor t = MustGet(*r, key);
    REQUIRE(!t.is_borrowed());
    REQUIRE(t.Equals(r->index().Read(key).value()));
    CKPT_REQUIRE_ERROR(r->GetBytes(key), StatusCode::kInvalidArgument,
                       "LZ4-compressed");
  }
  REQUIRE(MustGet(*r, "smooth").flat<float>()[17] == 0.25f);
  // Uncompressed entries of an LZ4 bundle are still borrowed.
  const Tensor n = MustGet(*r, "noise");
  REQUIRE(n.is_borrowed());
  REQUIRE(std::vector<int32_t>(n.flat<int32_t>().begin(),
                               n.flat<int32_t>().end()) == noise);
  CKPT_REQUIRE_ERROR(r->GetBytes("names"), StatusCode::kInvalidArgument,
                     "this one is string");
}

TEST_CASE("Shards are mapped lazily and a missing shard fails only its keys") {
  TempDir tmp;
  const std::string prefix = tmp.Join("ckpt-1");
  BundleWriterOptions o = TestOptions();
  o.num_shards = 3;
  WriteBundle(Env::Default(), prefix, o,
              {{"s0", VectorTensor<int32_t>({2}, {1, 2}), 0},
               {"s1", VectorTensor<int32_t>({2}, {3, 4}), 1},
               {"s2", VectorTensor<int32_t>({2}, {5, 6}), 2}});
  const std::string shard1 = DataFilename(prefix, 1, 3);
  REQUIRE(std::remove(shard1.c_str()) == 0);

  std::unique_ptr<MappedBundleReader> r = MustOpen(Env::Default(), prefix);
  REQUIRE(MustGet(*r, "s0").flat<int32_t>()[1] == 2);
  REQUIRE(MustGet(*r, "s2").flat<int32_t>()[0] == 5);
  CKPT_REQUIRE_ERROR(r->Get("s1"), StatusCode::kNotFound, shard1);
  CKPT_REQUIRE_ERROR(r->Get("s1"), StatusCode::kNotFound, "'s1'");
  CKPT_REQUIRE_ERROR(r->GetBytes("s1"), StatusCode::kNotFound, shard1);
  // The other shards keep working after the failure.
  REQUIRE(MustGet(*r, "s0").flat<int32_t>()[0] == 1);
}

TEST_CASE("A corrupted tensor byte is DataLoss naming the key") {
  TempDir tmp;
  const std::string prefix = tmp.Join("ckpt-1");
  WriteBundle(Env::Default(), prefix, TestOptions(),
              {{"good", VectorTensor<int64_t>({4}, {1, 2, 3, 4})},
               {"model/kernel", VectorTensor<float>({3}, {1, 2, 3})}});
  std::unique_ptr<MappedBundleReader> r0 = MustOpen(Env::Default(), prefix);
  const int64_t offset = r0->index().GetEntry("model/kernel")->offset;
  r0.reset();
  const std::string data = DataFilename(prefix, 0, 1);
  FlipByteInPlace(data, offset + 5);

  std::unique_ptr<MappedBundleReader> r = MustOpen(Env::Default(), prefix);
  for (int i = 0; i < 2; ++i) {  // a failure is not remembered as verified
    CKPT_REQUIRE_ERROR(r->Get("model/kernel"), StatusCode::kDataLoss,
                       "checksum mismatch");
    CKPT_REQUIRE_ERROR(r->Get("model/kernel"), StatusCode::kDataLoss,
                       "'model/kernel'");
    CKPT_REQUIRE_ERROR(r->GetBytes("model/kernel"), StatusCode::kDataLoss,
                       data);
  }
  // Same code and message as BundleReader.
  const absl::Status mapped = r->Get("model/kernel").status();
  const absl::Status read = r->index().Read("model/kernel").status();
  REQUIRE(mapped == read);
  REQUIRE(MustGet(*r, "good").flat<int64_t>()[3] == 4);
}

TEST_CASE("A truncated data file is DataLoss") {
  TempDir tmp;
  const std::string prefix = tmp.Join("ckpt-1");
  WriteBundle(Env::Default(), prefix, TestOptions(),
              {{"first", VectorTensor<int32_t>({2}, {1, 2})},
               {"second", VectorTensor<int32_t>({4}, {3, 4, 5, 6})}});
  const std::string data = DataFilename(prefix, 0, 1);
  const std::string contents = ReadFileOrDie(data);
  REQUIRE(contents.size() == 24);
  WriteFileOrDie(data, contents.substr(0, 20));  // before mapping

  std::unique_ptr<MappedBundleReader> r = MustOpen(Env::Default(), prefix);
  CKPT_REQUIRE_ERROR(r->Get("second"), StatusCode::kDataLoss,
                     "extend past the end");
  CKPT_REQUIRE_ERROR(
      r->Get("second"), StatusCode::kDataLoss,
      "bytes [8, 24) extend past the end of the file (20 bytes)");
  CKPT_REQUIRE_ERROR(r->GetBytes("second"), StatusCode::kDataLoss, data);
  REQUIRE(r->Get("second").status() == r->index().Read("second").status());
  REQUIRE(MustGet(*r, "first").flat<int32_t>()[1] == 2);
}

TEST_CASE("Unknown keys are NotFound") {
  TempDir tmp;
  const std::string prefix = tmp.Join("ckpt-1");
  WriteBundle(Env::Default(), prefix, TestOptions(),
              {{"x", Tensor::Scalar<float>(1)}});
  std::unique_ptr<MappedBundleReader> r = MustOpen(Env::Default(), prefix);
  CKPT_REQUIRE_ERROR(r->Get("no such key"), StatusCode::kNotFound,
                     "no such key");
  CKPT_REQUIRE_ERROR(r->GetBytes("no such key"), StatusCode::kNotFound,
                     "no such key");
  CKPT_REQUIRE_ERROR(r->Get(""), StatusCode::kNotFound, "bundle header");
  CKPT_REQUIRE_ERROR(MappedBundleReader::Open(Env::Default(), tmp.Join("nope")),
                     StatusCode::kNotFound, "bundle index not found");
  CKPT_REQUIRE_ERROR(MappedBundleReader::Open(nullptr, prefix),
                     StatusCode::kInvalidArgument, "null env");
}

TEST_CASE("Empty tensors are served without bytes") {
  TempDir tmp;
  SECTION("next to other tensors") {
    const std::string prefix = tmp.Join("ckpt-1");
    WriteBundle(
        Env::Default(), prefix, TestOptions(),
        {{"a", VectorTensor<int32_t>({2}, {1, 2})},
         {"empty_f", Tensor::Create(DataType::kFloat, {0}).value()},
         {"empty_i", Tensor::Create(DataType::kInt64, {2, 0, 3}).value()}});
    std::unique_ptr<MappedBundleReader> r = MustOpen(Env::Default(), prefix);
    for (const std::string key : {"empty_f", "empty_i"}) {
      const Tensor t = MustGet(*r, key);
      REQUIRE(t.num_elements() == 0);
      REQUIRE(t.Equals(r->index().Read(key).value()));
      absl::StatusOr<absl::string_view> bytes = r->GetBytes(key);
      CKPT_REQUIRE_OK(bytes);
      REQUIRE(bytes->empty());
    }
    REQUIRE(MustGet(*r, "empty_i").shape() == TensorShape({2, 0, 3}));
  }
  SECTION("in an empty data file") {
    const std::string prefix = tmp.Join("ckpt-2");
    WriteBundle(Env::Default(), prefix, TestOptions(),
                {{"empty", Tensor::Create(DataType::kDouble, {0, 4}).value()}});
    REQUIRE(ReadFileOrDie(DataFilename(prefix, 0, 1)).empty());
    std::unique_ptr<MappedBundleReader> r = MustOpen(Env::Default(), prefix);
    const Tensor t = MustGet(*r, "empty");
    REQUIRE(t.shape() == TensorShape({0, 4}));
    REQUIRE(t.dtype() == DataType::kDouble);
    REQUIRE(MustGet(*r, "empty").num_elements() == 0);
  }
}

TEST_CASE("Concurrent Get from four threads") {
  TempDir tmp;
  const std::string prefix = tmp.Join("ckpt-1");
  BundleWriterOptions o = TestOptions();
  o.num_shards = 3;
  o.data_alignment = 8;
  const std::vector<Item> items = RandomItems(4242, 60, 3);
  WriteBundle(Env::Default(), prefix, o, items);
  std::unique_ptr<MappedBundleReader> r = MustOpen(Env::Default(), prefix);
  std::vector<int> bad(4, 0);
  std::vector<int> done(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round) {
        // All threads on the same key, then each on keys of its own.
        const Item& same = items[static_cast<size_t>(round) % items.size()];
        const Item& own =
            items[static_cast<size_t>(round * 4 + t) % items.size()];
        for (const Item* item : {&same, &own}) {
          absl::StatusOr<Tensor> got = r->Get(item->key);
          if (!got.ok() || !got->Equals(item->tensor)) ++bad[t];
          if (!item->tensor.is_string()) {
            absl::StatusOr<absl::string_view> bytes = r->GetBytes(item->key);
            if (!bytes.ok() || *bytes != item->tensor.bytes()) ++bad[t];
          }
          ++done[t];
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  REQUIRE(bad == std::vector<int>(4, 0));
  REQUIRE(done == std::vector<int>(4, 40));
}

TEST_CASE("The checksum of an entry is verified on its first Get only") {
  TempDir tmp;
  const std::string prefix = tmp.Join("ckpt-1");
  WriteBundle(Env::Default(), prefix, TestOptions(),
              {{"v", VectorTensor<int32_t>({4}, {1, 2, 3, 4})}});
  std::unique_ptr<MappedBundleReader> r = MustOpen(Env::Default(), prefix);
  REQUIRE(MustGet(*r, "v").flat<int32_t>()[0] == 1);
  // Rewriting a mapped file in place (which ckpt never does) shows through
  // the shared mapping; the verified entry is not checked again.
  FlipByteInPlace(DataFilename(prefix, 0, 1), 0);
  const Tensor v = MustGet(*r, "v");
  REQUIRE(v.is_borrowed());
  REQUIRE(v.flat<int32_t>()[0] == 0);
  // A new reader verifies again.
  std::unique_ptr<MappedBundleReader> fresh = MustOpen(Env::Default(), prefix);
  CKPT_REQUIRE_ERROR(fresh->Get("v"), StatusCode::kDataLoss,
                     "checksum mismatch");
}

TEST_CASE("The MemEnv serves borrowed tensors") {
  std::unique_ptr<Env> env = NewMemEnv();
  BundleWriterOptions o = TestOptions();
  o.num_shards = 2;
  o.data_alignment = 8;
  const std::vector<Item> items = RandomItems(99, 40, 2);
  WriteBundle(env.get(), "/mem/ckpt-1", o, items);
  std::unique_ptr<MappedBundleReader> r = MustOpen(env.get(), "/mem/ckpt-1");
  int borrowed = 0;
  for (const Item& item : items) {
    INFO(item.key);
    const Tensor got = MustGet(*r, item.key);
    REQUIRE(got.Equals(item.tensor));
    if (!item.tensor.is_string() && item.tensor.num_elements() > 0) {
      CHECK(got.is_borrowed());
      ++borrowed;
    }
  }
  CHECK(borrowed > 0);
  CKPT_REQUIRE_OK(env->DeleteFile(DataFilename("/mem/ckpt-1", 1, 2)));
  // The open reader keeps its snapshot; a fresh one sees the file missing.
  for (const Item& item : items) {
    REQUIRE(MustGet(*r, item.key).Equals(item.tensor));
  }
  std::unique_ptr<MappedBundleReader> r2 = MustOpen(env.get(), "/mem/ckpt-1");
  for (const Item& item : items) {
    if (item.shard == 1) {
      CKPT_REQUIRE_ERROR(r2->Get(item.key), StatusCode::kNotFound,
                         "data file of bundle");
    } else {
      REQUIRE(MustGet(*r2, item.key).Equals(item.tensor));
    }
  }
}

TEST_CASE("An Env without memory regions falls back to owned reads") {
  testing::FaultEnv env;
  CKPT_REQUIRE_ERROR(env.NewReadOnlyMemoryRegion("/x"),
                     StatusCode::kUnimplemented, "/x");
  const std::vector<Item> items = RandomItems(5, 30, 1);
  WriteBundle(&env, "/ckpt-1", TestOptions(), items);
  std::unique_ptr<MappedBundleReader> r = MustOpen(&env, "/ckpt-1");
  for (const Item& item : items) {
    INFO(item.key);
    const Tensor got = MustGet(*r, item.key);
    REQUIRE(!got.is_borrowed());
    REQUIRE(got.Equals(item.tensor));
    if (item.tensor.is_string()) continue;
    absl::StatusOr<absl::string_view> a = r->GetBytes(item.key);
    CKPT_REQUIRE_OK(a);
    REQUIRE(*a == item.tensor.bytes());
    absl::StatusOr<absl::string_view> b = r->GetBytes(item.key);
    CKPT_REQUIRE_OK(b);
    REQUIRE(b->data() == a->data());  // one copy, kept by the reader
  }
  CKPT_REQUIRE_ERROR(r->Get("missing"), StatusCode::kNotFound, "missing");
}

TEST_CASE("Views outlive the reader and keep the file mapped") {
  TempDir tmp;
  const std::string prefix = tmp.Join("ckpt-1");
  BundleWriterOptions o = TestOptions();
  o.data_alignment = 64;
  std::vector<double> values(4096);
  for (size_t i = 0; i < values.size(); ++i) values[i] = 0.25 * i;
  WriteBundle(Env::Default(), prefix, o,
              {{"w", VectorTensor<double>({64, 64}, values)}});
  Tensor w;
  {
    std::unique_ptr<MappedBundleReader> r = MustOpen(Env::Default(), prefix);
    w = MustGet(*r, "w");
    REQUIRE(w.is_borrowed());
    REQUIRE(w.view_owner() != nullptr);
  }
  // The reader is gone and the files are deleted: the view still reads
  // the mapped bytes.
  REQUIRE(std::remove(IndexFilename(prefix).c_str()) == 0);
  REQUIRE(std::remove(DataFilename(prefix, 0, 1).c_str()) == 0);
  const Tensor copy = w;
  w = Tensor();
  REQUIRE(std::vector<double>(copy.flat<double>().begin(),
                              copy.flat<double>().end()) == values);
}

TEST_CASE("A reader opened on a shared BundleReader serves the same views") {
  TempDir tmp;
  const std::string prefix = tmp.Join("ckpt-1");
  const std::vector<Item> items = RandomItems(7, 20, 1);
  WriteBundle(Env::Default(), prefix, TestOptions(), items);
  absl::StatusOr<std::unique_ptr<BundleReader>> index =
      BundleReader::Open(Env::Default(), prefix);
  CKPT_REQUIRE_OK(index);
  std::shared_ptr<const BundleReader> shared(*std::move(index));
  absl::StatusOr<std::unique_ptr<MappedBundleReader>> r =
      MappedBundleReader::Open(Env::Default(), shared);
  CKPT_REQUIRE_OK(r);
  REQUIRE(&(*r)->index() == shared.get());
  for (const Item& item : items) {
    INFO(item.key);
    REQUIRE(MustGet(**r, item.key).Equals(item.tensor));
  }
  CKPT_REQUIRE_ERROR(MappedBundleReader::Open(nullptr, shared),
                     StatusCode::kInvalidArgument, "null env");
  CKPT_REQUIRE_ERROR(MappedBundleReader::Open(
                         Env::Default(), std::shared_ptr<const BundleReader>()),
                     StatusCode::kInvalidArgument, "null reader");
}

TEST_CASE("Get with a known entry verifies on every call") {
  TempDir tmp;
  const std::string prefix = tmp.Join("ckpt-1");
  const std::vector<Item> items = RandomItems(11, 30, 1);
  WriteBundle(Env::Default(), prefix, TestOptions(), items);
  std::unique_ptr<MappedBundleReader> r = MustOpen(Env::Default(), prefix);
  for (const Item& item : items) {
    INFO(item.key);
    absl::StatusOr<BundleEntry> entry = r->index().GetEntry(item.key);
    CKPT_REQUIRE_OK(entry);
    absl::StatusOr<Tensor> got = r->Get(item.key, *entry);
    CKPT_REQUIRE_OK(got);
    REQUIRE(got->Equals(item.tensor));
  }
  // A wrong checksum in the caller's entry is caught on each call.
  const Item* plain = nullptr;
  for (const Item& item : items) {
    if (!item.tensor.holds_strings() && !item.tensor.bytes().empty()) {
      plain = &item;
      break;
    }
  }
  REQUIRE(plain != nullptr);
  absl::StatusOr<BundleEntry> entry = r->index().GetEntry(plain->key);
  CKPT_REQUIRE_OK(entry);
  CKPT_REQUIRE_OK(r->Get(plain->key, *entry));
  BundleEntry wrong = *entry;
  wrong.masked_crc32c ^= 1;
  for (int call = 0; call < 2; ++call) {
    CKPT_REQUIRE_ERROR(r->Get(plain->key, wrong), StatusCode::kDataLoss,
                       "checksum mismatch");
  }
}

}  // namespace
}  // namespace ckpt
