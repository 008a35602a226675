// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// BundleWriter + BundleReader:
//   * model-based round trips (fixed seeds) of random bundles holding every
//     storable dtype, scalars, zero-size tensors, strings (empty, binary,
//     long), many keys in a many-block index, several shards, alignment,
//     LZ4 on/off with and without shuffling; checked against a std::map;
//   * the spec's worked example byte for byte, and TensorFlow's own bundles
//     rewritten byte for byte;
//   * the writer's temporary files (none left after Finish, Abandon,
//     destruction or an error), sticky errors, option and argument checks;
//   * reader errors: missing index (with prefix hint), missing data file,
//     sliced entries, ReadInto buffer checks, truncated/corrupt data, and
//     concurrent reads;
//   * AddBatch: byte-identical to Add() (model-based, with and without LZ4,
//     1 to 4 threads), argument checks before any write, a failed parallel
//     write (FaultEnv) naming the key and leaving no file;
//   * ReadManyInto: equal to Read() for tensors of up to several 1 MiB
//     chunks (model-based), and per-request errors (corrupt chunk, cut data
//     file, bad buffer, unknown key, string tensor).

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/types/span.h"
#include "bundle/entry_codec.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/bundle_writer.h"
#include "ckpt/crc32c.h"
#include "ckpt/dtype.h"
#include "ckpt/env.h"
#include "ckpt/proto/tensor_bundle.pb.h"
#include "ckpt/status.h"
#include "ckpt/tensor.h"
#include "table/block.h"
#include "table/format.h"
#include "table/table.h"
#include "table/table_builder.h"
#include "testing/fault_env.h"
#include "testing/test_util.h"
#include "util/mutex.h"

namespace ckpt {
namespace {

using absl::StatusCode;
using ::ckpt::testing::ReadFileOrDie;
using ::ckpt::testing::TempDir;
using ::ckpt::testing::WriteFileOrDie;

using ::ckpt::testing::FromHex;
using ::ckpt::testing::StorableDataTypes;

BundleWriterOptions TestOptions() {
  BundleWriterOptions o;
  o.sync = false;
  return o;
}

std::unique_ptr<BundleWriter> MustCreate(
    Env* env, const std::string& prefix,
    BundleWriterOptions o = TestOptions()) {
  absl::StatusOr<std::unique_ptr<BundleWriter>> w =
      BundleWriter::Create(env, prefix, o);
  CKPT_REQUIRE_OK(w);
  return *std::move(w);
}

std::unique_ptr<BundleReader> MustOpen(Env* env, const std::string& prefix) {
  absl::StatusOr<std::unique_ptr<BundleReader>> r =
      BundleReader::Open(env, prefix);
  CKPT_REQUIRE_OK(r);
  return *std::move(r);
}

std::vector<std::string> Children(Env* env, const std::string& dir) {
  absl::StatusOr<std::vector<std::string>> c = env->GetChildren(dir);
  CKPT_REQUIRE_OK(c);
  std::vector<std::string> out = *c;
  std::sort(out.begin(), out.end());
  return out;
}

bool AnyTempFile(const std::vector<std::string>& names) {
  return std::any_of(names.begin(), names.end(), [](const std::string& n) {
    return absl::StrContains(n, ".tempstate");
  });
}

// ---- random tensors ----

TensorShape RandomShape(std::mt19937_64& rng) {
  switch (rng() % 6) {
    case 0:
      return TensorShape();  // scalar
    case 1: {                // zero-size
      std::vector<int64_t> dims = {static_cast<int64_t>(rng() % 4), 0,
                                   static_cast<int64_t>(1 + rng() % 3)};
      return TensorShape(dims);
    }
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

void FillFixed(std::mt19937_64& rng, DataType dtype, absl::Span<char> bytes) {
  const size_t elem = DataTypeSize(dtype);
  const int kind = static_cast<int>(rng() % 4);
  for (size_t i = 0; i < bytes.size(); ++i) {
    unsigned char b = 0;
    switch (kind) {
      case 0:  // incompressible
        b = static_cast<unsigned char>(rng());
        break;
      case 1:  // zeros
        b = 0;
        break;
      case 2:  // few distinct elements
        b = static_cast<unsigned char>((i / elem) % 3 * 17 + i % elem);
        break;
      default:  // smooth values, filled below for float32
        b = static_cast<unsigned char>(i / 64);
        break;
    }
    bytes[i] = static_cast<char>(b);
  }
  if (kind == 3 && dtype == DataType::kFloat) {
    for (size_t i = 0; i + 4 <= bytes.size(); i += 4) {
      const float f = std::sin(static_cast<float>(i) * 0.01f);
      std::memcpy(bytes.data() + i, &f, 4);
    }
  }
  // Keep the value domains of the narrow types realistic.
  for (char& c : bytes) {
    if (dtype == DataType::kBool) c = static_cast<char>(c & 1);
    if (dtype == DataType::kInt4) c = static_cast<char>((c & 0xf) - 8);
    if (dtype == DataType::kUInt4) c = static_cast<char>(c & 0xf);
  }
}

std::string RandomString(std::mt19937_64& rng) {
  size_t len = 0;
  switch (rng() % 4) {
    case 0:
      len = 0;
      break;
    case 1:
      len = rng() % 10;
      break;
    case 2:
      len = 100 + rng() % 300;  // two-byte varint
      break;
    default:
      len = rng() % 40;
      break;
  }
  std::string s(len, '\0');
  for (char& c : s) c = static_cast<char>(rng());  // binary, NULs included
  return s;
}

Tensor RandomTensor(std::mt19937_64& rng, DataType dtype) {
  TensorShape shape = RandomShape(rng);
  if (dtype == DataType::kString) {
    std::vector<std::string> values(static_cast<size_t>(shape.num_elements()));
    for (std::string& v : values) v = RandomString(rng);
    absl::StatusOr<Tensor> t = Tensor::FromStrings(shape, std::move(values));
    CKPT_REQUIRE_OK(t);
    return *std::move(t);
  }
  absl::StatusOr<Tensor> t = Tensor::Create(dtype, shape);
  CKPT_REQUIRE_OK(t);
  FillFixed(rng, dtype, t->mutable_bytes());
  return *std::move(t);
}

std::string RandomKey(std::mt19937_64& rng, int i) {
  switch (rng() % 4) {
    case 0: {  // binary bytes, including 0x00 and 0xff
      std::string k(1 + rng() % 6, '\0');
      for (char& c : k) c = static_cast<char>(rng());
      return k;
    }
    case 1:
      return std::string(1 + rng() % 3, '\xff') + std::to_string(i);
    default:
      return absl::StrCat("model/layer_with_weights-", rng() % 50, "/kernel_",
                          i, "/.ATTRIBUTES/VARIABLE_VALUE");
  }
}

struct Expected {
  Tensor tensor;
  int shard = 0;
};

// Writes a random bundle with `options`, returns what it holds.
std::map<std::string, Expected> WriteRandomBundle(
    Env* env, const std::string& prefix, const BundleWriterOptions& options,
    uint64_t seed, int num_tensors) {
  std::mt19937_64 rng(seed);
  const std::vector<DataType> dtypes = StorableDataTypes();
  std::map<std::string, Expected> expected;
  std::unique_ptr<BundleWriter> w = MustCreate(env, prefix, options);
  for (int i = 0; i < num_tensors; ++i) {
    // Every dtype at least once, then random ones.
    const DataType dtype = i < static_cast<int>(dtypes.size())
                               ? dtypes[static_cast<size_t>(i)]
                               : dtypes[rng() % dtypes.size()];
    std::string key = RandomKey(rng, i);
    if (expected.count(key) != 0) key += "#dup";
    REQUIRE(expected.count(key) == 0);
    Expected e{
        RandomTensor(rng, dtype),
        static_cast<int>(rng() % static_cast<uint64_t>(options.num_shards))};
    CKPT_REQUIRE_OK(w->Add(key, e.tensor, e.shard));
    expected.emplace(key, std::move(e));
  }
  CHECK(w->num_entries() == num_tensors);
  CKPT_REQUIRE_OK(w->Finish());
  CKPT_REQUIRE_OK(w->status());
  return expected;
}

// Number of data blocks of an index file (entries of its index block, whose
// restart interval is 1).
uint32_t IndexDataBlocks(Env* env, const std::string& prefix) {
  std::unique_ptr<RandomAccessFile> f =
      env->NewRandomAccessFile(IndexFilename(prefix)).value();
  std::string footer(table::kFooterLength, '\0');
  CKPT_REQUIRE_OK(
      f->Read(f->size() - table::kFooterLength, footer.size(), footer.data()));
  table::Footer decoded;
  CKPT_REQUIRE_OK(decoded.DecodeFrom(footer));
  absl::StatusOr<std::string> block =
      table::ReadBlock(*f, decoded.index_handle, uint64_t{1} << 30);
  CKPT_REQUIRE_OK(block);
  absl::StatusOr<std::shared_ptr<const table::Block>> b =
      table::Block::Create(*std::move(block), "index");
  CKPT_REQUIRE_OK(b);
  return (*b)->num_restarts();
}

// Reads everything back through every API and compares with `expected`.
// Returns the number of LZ4-compressed entries.
int CheckBundle(Env* env, const std::string& prefix,
                const BundleWriterOptions& options,
                const std::map<std::string, Expected>& expected) {
  std::unique_ptr<BundleReader> r = MustOpen(env, prefix);
  CHECK(r->num_shards() == options.num_shards);
  CHECK(r->header().producer_version == 1);

  absl::StatusOr<std::vector<std::pair<std::string, BundleEntry>>> list =
      r->ListEntries();
  CKPT_REQUIRE_OK(list);
  REQUIRE(list->size() == expected.size());
  int num_lz4 = 0;
  auto exp_it = expected.begin();
  for (const auto& [key, entry] : *list) {
    REQUIRE(key == exp_it->first);  // key order matches std::map order
    const Expected& want = exp_it->second;
    ++exp_it;
    INFO("key " << key.size() << " bytes, dtype "
                << DataTypeName(want.tensor.dtype()) << " shape "
                << want.tensor.shape().DebugString());
    CHECK(entry.dtype == want.tensor.dtype());
    CHECK(entry.shape == want.tensor.shape());
    CHECK(entry.shard_id == want.shard);
    CHECK(entry.num_slices == 0);
    CHECK(entry.offset % options.data_alignment == 0);
    if (entry.compression == Compression::kLz4) {
      ++num_lz4;
      CHECK(options.compression == Compression::kLz4);
      CHECK(entry.size * 8 <=
            static_cast<int64_t>(want.tensor.bytes().size()) * 7);
      CHECK(entry.byte_shuffle ==
            (options.byte_shuffle && IsFloatingDataType(entry.dtype) &&
             DataTypeSize(entry.dtype) > 1));
    }
    if (want.tensor.num_elements() == 0 && !want.tensor.is_string()) {
      CHECK(entry.size == 0);
      CHECK(entry.masked_crc32c == crc32c::Mask(0));
    }

    absl::StatusOr<BundleEntry> got_entry = r->GetEntry(key);
    CKPT_REQUIRE_OK(got_entry);
    CHECK(got_entry->offset == entry.offset);

    absl::StatusOr<Tensor> t = r->Read(key);
    CKPT_REQUIRE_OK(t);
    REQUIRE(t->Equals(want.tensor));

    if (!want.tensor.is_string()) {
      std::vector<char> buf(want.tensor.bytes().size() + 1, '\x5a');
      CKPT_REQUIRE_OK(r->ReadInto(
          key, absl::MakeSpan(buf.data(), want.tensor.bytes().size())));
      CHECK(absl::string_view(buf.data(), want.tensor.bytes().size()) ==
            want.tensor.bytes());
      CHECK(buf.back() == '\x5a');  // nothing written past the buffer
    }
    absl::StatusOr<std::string> stored = r->ReadStoredBytes(key);
    CKPT_REQUIRE_OK(stored);
    CHECK(static_cast<int64_t>(stored->size()) == entry.size);
  }
  if (num_lz4 > 0) {
    CHECK(r->header().min_consumer_version == 2);
    CHECK(r->header().features == std::vector<std::string>{"lz4"});
  } else {
    CHECK(r->header().min_consumer_version == 0);
    CHECK(r->header().features.empty());
  }
  CKPT_REQUIRE_ERROR(r->Read("no such key"), StatusCode::kNotFound,
                     "no such key");

  // Every shard file exists (even one without tensors), padded to the
  // alignment, and no temporary file is left.
  for (int s = 0; s < options.num_shards; ++s) {
    absl::StatusOr<uint64_t> size =
        env->GetFileSize(DataFilename(prefix, s, options.num_shards));
    CKPT_REQUIRE_OK(size);
    CHECK(*size % static_cast<uint64_t>(options.data_alignment) == 0);
  }
  CHECK(!AnyTempFile(Children(env, Dirname(prefix))));
  return num_lz4;
}

struct Config {
  int num_shards;
  int64_t alignment;
  Compression compression;
  bool shuffle;
  size_t index_block_size;
  int restart_interval;
};

TEST_CASE("random bundles round-trip (model-based with fixed seeds)") {
  const Config configs[] = {
      {1, 1, Compression::kNone, true, 262144, 16},
      {1, 1, Compression::kNone, true, 256, 16},
      {3, 1, Compression::kNone, true, 256, 4},
      {2, 8, Compression::kNone, true, 256, 16},
      {4, 64, Compression::kNone, true, 512, 1},
      {1, 1, Compression::kLz4, true, 256, 16},
      {3, 1, Compression::kLz4, false, 256, 16},
      {2, 16, Compression::kLz4, true, 1024, 3},
  };
  std::unique_ptr<Env> env = NewMemEnv();
  uint64_t seed = 1000;
  for (const Config& c : configs) {
    for (int rep = 0; rep < 2; ++rep, ++seed) {
      INFO("seed " << seed << " shards " << c.num_shards << " alignment "
                   << c.alignment << " lz4 "
                   << (c.compression == Compression::kLz4) << " shuffle "
                   << c.shuffle << " block " << c.index_block_size);
      BundleWriterOptions o = TestOptions();
      o.num_shards = c.num_shards;
      o.data_alignment = c.alignment;
      o.compression = c.compression;
      o.byte_shuffle = c.shuffle;
      o.index_block_size = c.index_block_size;
      o.index_restart_interval = c.restart_interval;
      o.write_buffer_bytes = (rep == 0) ? 4096 : 0;
      const std::string prefix = absl::StrCat("/m", seed, "/dir/ckpt-1");
      std::map<std::string, Expected> expected =
          WriteRandomBundle(env.get(), prefix, o, seed, 150);
      const int num_lz4 = CheckBundle(env.get(), prefix, o, expected);
      if (c.compression == Compression::kLz4) CHECK(num_lz4 > 10);
      // 150 entries: one data block at TF's block size, many at 256..1024.
      const uint32_t blocks = IndexDataBlocks(env.get(), prefix);
      if (c.index_block_size <= 1024) {
        CHECK(blocks > 5);
      } else {
        CHECK(blocks == 1);
      }
    }
  }
}

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

TEST_CASE("round trip on the POSIX file system with many index blocks") {
  TempDir dir;
  BundleWriterOptions o;  // sync on: exercises fsync of files and directory
  o.index_block_size = 256;
  o.num_shards = 2;
  o.compression = Compression::kLz4;
  const std::string prefix = dir.Join("sub/dir/model");
  std::map<std::string, Expected> expected =
      WriteRandomBundle(Env::Default(), prefix, o, 77, 400);
  CHECK(CheckBundle(Env::Default(), prefix, o, expected) > 0);
  CHECK(IndexDataBlocks(Env::Default(), prefix) > 50);
}

TEST_CASE("LZ4 compresses compressible tensors and marks the header") {
  std::unique_ptr<Env> env = NewMemEnv();
  BundleWriterOptions o = TestOptions();
  o.compression = Compression::kLz4;
  std::unique_ptr<BundleWriter> w = MustCreate(env.get(), "p", o);
  std::vector<float> smooth(10000);
  for (size_t i = 0; i < smooth.size(); ++i) {
    smooth[i] = std::sin(static_cast<float>(i) * 0.001f);
  }
  Tensor weights = Tensor::FromVector<float>({100, 100}, smooth).value();
  Tensor zeros = Tensor::Create(DataType::kInt64, TensorShape({1000})).value();
  Tensor tiny = Tensor::Scalar<int32_t>(7);  // cannot save 1/8
  CKPT_REQUIRE_OK(w->Add("weights", weights));
  CKPT_REQUIRE_OK(w->Add("zeros", zeros));
  CKPT_REQUIRE_OK(w->Add("tiny", tiny));
  CKPT_REQUIRE_OK(w->Finish());

  std::unique_ptr<BundleReader> r = MustOpen(env.get(), "p");
  CHECK(r->header().min_consumer_version == 2);
  CHECK(r->header().features == std::vector<std::string>{"lz4"});
  BundleEntry we = r->GetEntry("weights").value();
  CHECK(we.compression == Compression::kLz4);
  CHECK(we.byte_shuffle);
  CHECK(we.size < 40000 * 7 / 8);
  BundleEntry ze = r->GetEntry("zeros").value();
  CHECK(ze.compression == Compression::kLz4);
  CHECK(!ze.byte_shuffle);  // integers are not shuffled
  BundleEntry te = r->GetEntry("tiny").value();
  CHECK(te.compression == Compression::kNone);
  CHECK(te.size == 4);
  CHECK(r->Read("weights")->Equals(weights));
  CHECK(r->Read("zeros")->Equals(zeros));
  CHECK(r->Read("tiny")->Equals(tiny));
  // The header value itself.
  // 08 01 | 1a 04 08 01 10 02 | c2 3e 03 "lz4"
  CHECK(bundle::EncodeHeader(r->header()) ==
        FromHex("08 01 1a 04 08 01 10 02 c2 3e 03 6c 7a 34"));
}

TEST_CASE(
    "LZ4 requested but nothing compressible keeps a TF-compatible header") {
  std::unique_ptr<Env> env = NewMemEnv();
  BundleWriterOptions o = TestOptions();
  o.compression = Compression::kLz4;
  std::unique_ptr<BundleWriter> w = MustCreate(env.get(), "p", o);
  std::mt19937_64 rng(5);
  std::vector<int64_t> noise(1000);
  for (int64_t& v : noise) v = static_cast<int64_t>(rng());
  CKPT_REQUIRE_OK(
      w->Add("noise", Tensor::FromVector<int64_t>({1000}, noise).value()));
  CKPT_REQUIRE_OK(
      w->Add("s", Tensor::FromStrings({}, {std::string(1000, 'a')}).value()));
  CKPT_REQUIRE_OK(w->Finish());
  std::unique_ptr<BundleReader> r = MustOpen(env.get(), "p");
  CHECK(r->header().min_consumer_version == 0);
  CHECK(r->header().features.empty());
  CHECK(r->GetEntry("s")->compression == Compression::kNone);
}

// ---- byte compatibility ----

TEST_CASE("spec worked example (x float 1.0 and y int64 1 2) is byte-exact") {
  TempDir dir;
  const std::string prefix = dir.Join("ckpt");
  std::unique_ptr<BundleWriter> w = MustCreate(Env::Default(), prefix);
  CKPT_REQUIRE_OK(w->Add("x", Tensor::Scalar<float>(1.0f)));
  CKPT_REQUIRE_OK(
      w->Add("y", Tensor::FromVector<int64_t>({2}, {1, 2}).value()));
  CKPT_REQUIRE_OK(w->Finish());
  CHECK(ReadFileOrDie(DataFilename(prefix, 0, 1)) ==
        FromHex("0000803f 0100000000000000 0200000000000000"));
  const std::string index = ReadFileOrDie(IndexFilename(prefix));
  CHECK(index.size() == 138);
  CHECK(index ==
        FromHex("00000608011a02080100010b780801120028043581a5da2b00011179080912"
                "04120208022004281035e02e377d"
                "0000000001000000001cbe94ca000000000100000000c0f2a1b00001027a00"
                "35000000000100000000abf8e179"
                "3a08470e" +
                std::string(72, '0') + "57fb808b247547db"));
  std::vector<std::string> files = Children(Env::Default(), dir.path());
  CHECK(files ==
        std::vector<std::string>{"ckpt.data-00000-of-00001", "ckpt.index"});
}

// Rewrites a TensorFlow bundle with BundleWriter (tensors added in data
// file order, to the same shards) and requires identical files.
void RewriteAndCompare(const std::string& rel_prefix) {
  const std::string src = ::ckpt::testing::TfPath(rel_prefix);
  std::unique_ptr<BundleReader> r = MustOpen(Env::Default(), src);
  absl::StatusOr<std::vector<std::pair<std::string, BundleEntry>>> list =
      r->ListEntries();
  CKPT_REQUIRE_OK(list);
  std::vector<std::pair<std::string, BundleEntry>> order = *list;
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    return std::make_pair(a.second.shard_id, a.second.offset) <
           std::make_pair(b.second.shard_id, b.second.offset);
  });
  TempDir dir;
  const std::string dst = dir.Join("copy");
  BundleWriterOptions o = TestOptions();
  o.num_shards = r->num_shards();
  std::unique_ptr<BundleWriter> w = MustCreate(Env::Default(), dst, o);
  for (const auto& [key, entry] : order) {
    absl::StatusOr<Tensor> t = r->Read(key);
    CKPT_REQUIRE_OK(t);
    CKPT_REQUIRE_OK(w->Add(key, *t, entry.shard_id));
  }
  CKPT_REQUIRE_OK(w->Finish());
  CHECK(ReadFileOrDie(IndexFilename(dst)) == ReadFileOrDie(IndexFilename(src)));
  for (int s = 0; s < r->num_shards(); ++s) {
    CHECK(ReadFileOrDie(DataFilename(dst, s, r->num_shards())) ==
          ReadFileOrDie(DataFilename(src, s, r->num_shards())));
  }
}

TEST_CASE("TensorFlow bundles are rewritten byte for byte") {
  if (::ckpt::testing::SkipWithoutTfTestData()) return;
  for (const char* p : {"fsrcnn/ckpt-1", "golf/ckpt-1", "golf/ckpt-2",
                        "til/cp-0000.ckpt", "saved_model_counter/variables",
                        "saved_model_half_plus_three/variables"}) {
    INFO(p);
    RewriteAndCompare(p);
  }
}

TEST_CASE("every TensorFlow entry and header re-encodes byte for byte") {
  if (::ckpt::testing::SkipWithoutTfTestData()) return;
  for (const char* p : {"fsrcnn/ckpt-1", "golf/ckpt-1", "golf/ckpt-2",
                        "til/cp-0000.ckpt", "saved_model_counter/variables",
                        "saved_model_half_plus_three/variables",
                        "saved_model_half_plus_two_tf2_cpu/variables",
                        "keras_new_optimizer_index_only/ckpt-1"}) {
    INFO(p);
    const std::string index = IndexFilename(::ckpt::testing::TfPath(p));
    std::unique_ptr<table::Table> t =
        table::Table::Open(Env::Default()->NewRandomAccessFile(index).value())
            .value();
    std::unique_ptr<table::Iterator> it = t->NewIterator();
    it->SeekToFirst();
    REQUIRE(it->Valid());
    REQUIRE(it->key().empty());
    absl::StatusOr<BundleHeader> header = bundle::DecodeHeader(it->value());
    CKPT_REQUIRE_OK(header);
    CHECK(bundle::EncodeHeader(*header) == it->value());
    int n = 0;
    for (it->Next(); it->Valid(); it->Next()) {
      const std::string key(it->key());
      INFO(key);
      absl::StatusOr<BundleEntry> e =
          bundle::DecodeEntry(key, it->value(), *header);
      CKPT_REQUIRE_OK(e);
      CHECK(bundle::EncodeEntry(*e) == it->value());
      ++n;
    }
    CKPT_REQUIRE_OK(it->status());
    CHECK(n > 0);
  }
}

// ---- writer: temporary files, errors, arguments ----

Tensor SomeTensor() {
  return Tensor::FromVector<float>({2, 2}, {1, 2, 3, 4}).value();
}

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

// An Env that forwards to another one, fails chosen operations and records
// the writeback hints it gets.
class FaultEnv : public Env {
 public:
  explicit FaultEnv(Env* base) : base_(base) {}
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
                          base_->NewWritableFile(path));
    return std::unique_ptr<WritableFile>(new File(this, std::move(f)));
  }
  absl::StatusOr<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& path) override {
    return base_->NewRandomAccessFile(path);
  }
  absl::Status FileExists(const std::string& p) override {
    return base_->FileExists(p);
  }
  absl::StatusOr<bool> IsDirectory(const std::string& p) override {
    return base_->IsDirectory(p);
  }
  absl::StatusOr<uint64_t> GetFileSize(const std::string& p) override {
    return base_->GetFileSize(p);
  }
  absl::StatusOr<std::vector<std::string>> GetChildren(
      const std::string& d) override {
    return base_->GetChildren(d);
  }
  absl::Status DeleteFile(const std::string& p) override {
    return base_->DeleteFile(p);
  }
  absl::Status RenameFile(const std::string& s, const std::string& t) override {
    if (!rename_fail_target.empty() &&
        absl::StrContains(t, rename_fail_target)) {
      return absl::PermissionDeniedError(
          absl::StrCat(s, ": rename: Permission denied (errno 13)"));
    }
    return base_->RenameFile(s, t);
  }
  absl::Status CreateDir(const std::string& d) override {
    return base_->CreateDir(d);
  }
  absl::Status DeleteDir(const std::string& d) override {
    return base_->DeleteDir(d);
  }
  absl::Status SyncDir(const std::string& d) override {
    return base_->SyncDir(d);
  }
  uint64_t NowMicros() override { return base_->NowMicros(); }

 private:
  class File : public WritableFile {
   public:
    File(FaultEnv* env, std::unique_ptr<WritableFile> f)
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
    FaultEnv* env_;
    std::unique_ptr<WritableFile> f_;
  };
  mutable Mutex mu_;
  std::vector<Writeback> writebacks_ ABSL_GUARDED_BY(mu_);
  Env* base_;
};

// Writes at "d/p" with `o` through a FaultEnv whose data-file Appends run
// out of space after `budget` bytes, calling add(writer, i) for i = 0, 1, ...
// until one fails (at most `max_adds`). Requires that error, naming the
// temporary data file, to be sticky, and no file to be left.
void CheckDataWriteFailure(
    size_t budget, const BundleWriterOptions& o, int max_adds,
    const std::function<absl::Status(BundleWriter&, int)>& add) {
  std::unique_ptr<Env> mem = NewMemEnv();
  FaultEnv env(mem.get());
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
  FaultEnv env(mem.get());
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
  FaultEnv env(mem.get());
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
  FaultEnv env(mem.get());
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

// Writes an index holding `entries` (already serialized) under a header of
// `num_shards`, plus empty data files.
void WriteRawIndex(
    Env* env, const std::string& prefix, int num_shards,
    const std::vector<std::pair<std::string, std::string>>& entries) {
  std::unique_ptr<WritableFile> f =
      env->NewWritableFile(IndexFilename(prefix)).value();
  table::TableBuilder b(table::TableOptions(), f.get());
  BundleHeader h;
  h.num_shards = num_shards;
  h.producer_version = 1;
  CKPT_REQUIRE_OK(b.Add("", bundle::EncodeHeader(h)));
  for (const auto& [k, v] : entries) CKPT_REQUIRE_OK(b.Add(k, v));
  CKPT_REQUIRE_OK(b.Finish());
  CKPT_REQUIRE_OK(f->Close());
  for (int s = 0; s < num_shards; ++s) {
    CKPT_REQUIRE_OK(
        WriteStringToFileAtomic(env, DataFilename(prefix, s, num_shards), ""));
  }
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

// ---- AddBatch ----

constexpr size_t kMiB = size_t{1} << 20;

// Fills `bytes` quickly: random bytes, or (compressible) runs of 64 equal
// bytes from a five-letter alphabet, which LZ4 shrinks well.
void FillBatchBytes(std::mt19937_64& rng, bool compressible,
                    absl::Span<char> bytes) {
  if (compressible) {
    const uint64_t salt = rng() % 251;
    for (size_t i = 0; i < bytes.size(); ++i) {
      bytes[i] = static_cast<char>(((i >> 6) * 7 + salt) % 5);
    }
    return;
  }
  for (size_t i = 0; i < bytes.size(); i += 8) {
    const uint64_t v = rng();
    std::memcpy(bytes.data() + i, &v, std::min<size_t>(8, bytes.size() - i));
  }
}

// A uint8 vector tensor of `bytes` bytes.
Tensor BytesTensor(std::mt19937_64& rng, size_t bytes, bool compressible) {
  Tensor t = Tensor::Create(DataType::kUInt8,
                            TensorShape({static_cast<int64_t>(bytes)}))
                 .value();
  FillBatchBytes(rng, compressible, t.mutable_bytes());
  return t;
}

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
    FaultEnv env(mem.get());
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
    const std::vector<FaultEnv::Writeback> hints = env.writebacks();
    if (!set.sync || set.writeback_bytes == 0) {
      CHECK(hints.empty());
      continue;
    }
    for (int shard = 0; shard < 2; ++shard) {
      const std::string data = DataFilename(prefix, shard, 2);
      const uint64_t size = mem->GetFileSize(data).value();
      uint64_t covered = 0;
      for (const FaultEnv::Writeback& h : hints) {
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

// ---- ReadManyInto ----

// Writes a bundle of two shards for the ReadManyInto tests and returns its
// tensors: large ones that span several 1 MiB read chunks (5 MiB + 3 bytes,
// exactly 2 MiB, 1 MiB + 1), one of exactly 1 MiB, tiny and empty ones,
// random tensors of every fixed-size storable dtype, and one string tensor.
// With kLz4 the compressible ones are stored compressed and the random large
// ones are not.
std::map<std::string, Tensor> WriteReadManyBundle(Env* env,
                                                  const std::string& prefix,
                                                  Compression compression,
                                                  uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::map<std::string, Tensor> tensors;
  tensors.emplace("big/5MiB+3", BytesTensor(rng, 5 * kMiB + 3, false));
  tensors.emplace("big/5MiB+3/compressible",
                  BytesTensor(rng, 5 * kMiB + 3, true));
  {
    std::vector<float> v(kMiB / 2);  // 2 MiB
    for (size_t i = 0; i < v.size(); ++i) {
      v[i] = std::sin(static_cast<float>(i) * 0.001f);
    }
    tensors.emplace(
        "big/2MiB",
        Tensor::FromVector<float>({static_cast<int64_t>(v.size())}, v).value());
  }
  tensors.emplace("big/1MiB+1", BytesTensor(rng, kMiB + 1, false));
  tensors.emplace("exact/1MiB", BytesTensor(rng, kMiB, false));
  tensors.emplace("tiny/int32", Tensor::Scalar<int32_t>(-7));
  tensors.emplace("tiny/uint8", BytesTensor(rng, 1, false));
  tensors.emplace("empty/0",
                  Tensor::Create(DataType::kFloat, TensorShape({0})).value());
  tensors.emplace(
      "empty/3x0",
      Tensor::Create(DataType::kInt64, TensorShape({3, 0})).value());
  tensors.emplace(
      "strings",
      Tensor::FromStrings({2}, {"ab", std::string(300, 'c')}).value());
  for (DataType d : StorableDataTypes()) {
    if (d == DataType::kString) continue;
    for (int i = 0; i < 2; ++i) {
      tensors.emplace(
          absl::StrCat("random/", std::string(DataTypeName(d)), "/", i),
          RandomTensor(rng, d));
    }
  }
  BundleWriterOptions o = TestOptions();
  o.num_shards = 2;
  o.compression = compression;
  std::unique_ptr<BundleWriter> w = MustCreate(env, prefix, o);
  int shard = 0;
  for (const auto& [key, t] : tensors) {
    CKPT_REQUIRE_OK(w->Add(key, t, shard));
    shard = 1 - shard;
  }
  CKPT_REQUIRE_OK(w->Finish());
  return tensors;
}

// The buffers and statuses of one ReadManyInto call. Every buffer has one
// guard byte after the part handed to the reader; all bytes start as 0x5a.
struct ManyRead {
  std::vector<std::string> buffers;
  std::vector<absl::Status> statuses;

  absl::string_view data(size_t i) const {
    return absl::string_view(buffers[i].data(), buffers[i].size() - 1);
  }
  bool guard_intact(size_t i) const { return buffers[i].back() == '\x5a'; }
  bool untouched(size_t i) const {
    return buffers[i].find_first_not_of('\x5a') == std::string::npos;
  }
};

// One ReadManyInto call: request i reads keys[i] into a buffer of sizes[i]
// bytes, with entry (*entries)[i] when `entries` is not null.
ManyRead ReadMany(const BundleReader& r, const std::vector<std::string>& keys,
                  const std::vector<size_t>& sizes,
                  const std::vector<BundleEntry>* entries, int num_threads) {
  ManyRead m;
  for (size_t size : sizes) m.buffers.emplace_back(size + 1, '\x5a');
  std::vector<BundleReader::ReadRequest> requests;
  for (size_t i = 0; i < keys.size(); ++i) {
    requests.push_back({keys[i], absl::MakeSpan(m.buffers[i].data(), sizes[i]),
                        entries != nullptr ? &(*entries)[i] : nullptr});
  }
  m.statuses.assign(keys.size(), absl::CancelledError("status not set"));
  r.ReadManyInto(requests, num_threads, absl::MakeSpan(m.statuses));
  return m;
}

// The requests of the ReadManyInto tests: every fixed-size tensor of
// `tensors` (the largest twice, into two buffers) in a shuffled order.
struct RequestSet {
  std::vector<std::string> keys;
  std::vector<size_t> sizes;
  std::vector<BundleEntry> entries;
};

RequestSet AllFixedRequests(const BundleReader& r,
                            const std::map<std::string, Tensor>& tensors,
                            uint64_t seed) {
  std::vector<std::string> keys;
  for (const auto& [key, t] : tensors) {
    if (!t.is_string()) keys.push_back(key);
  }
  keys.push_back("big/5MiB+3");
  std::shuffle(keys.begin(), keys.end(), std::mt19937_64(seed));
  RequestSet q;
  for (const std::string& key : keys) {
    absl::StatusOr<BundleEntry> e = r.GetEntry(key);
    CKPT_REQUIRE_OK(e);
    q.keys.push_back(key);
    q.sizes.push_back(tensors.at(key).bytes().size());
    q.entries.push_back(*e);
  }
  return q;
}

TEST_CASE("ReadManyInto equals Read for every tensor (model-based)") {
  TempDir dir;
  for (Compression compression : {Compression::kNone, Compression::kLz4}) {
    const bool lz4 = compression == Compression::kLz4;
    INFO("lz4 " << lz4);
    const std::string prefix = dir.Join(lz4 ? "lz4" : "plain");
    const std::map<std::string, Tensor> tensors =
        WriteReadManyBundle(Env::Default(), prefix, compression, 4000);
    std::unique_ptr<BundleReader> r = MustOpen(Env::Default(), prefix);
    // Uncompressed multi-chunk tensors in both bundles; compressed ones
    // (large among them) in the LZ4 bundle.
    int multi_chunk = 0, compressed = 0;
    const std::vector<std::pair<std::string, BundleEntry>> list =
        r->ListEntries().value();
    for (const auto& [key, e] : list) {
      if (e.compression == Compression::kLz4) {
        ++compressed;
      } else if (e.size > static_cast<int64_t>(kMiB)) {
        ++multi_chunk;
      }
    }
    CHECK(multi_chunk >= (lz4 ? 2 : 4));
    CHECK(compressed >= (lz4 ? 3 : 0));
    CHECK(r->GetEntry("big/5MiB+3/compressible")->compression == compression);
    for (int threads : {1, 2, 8}) {
      for (bool with_entries : {false, true}) {
        INFO("threads " << threads << " with entries " << with_entries);
        const RequestSet q =
            AllFixedRequests(*r, tensors, static_cast<uint64_t>(threads));
        const ManyRead m = ReadMany(
            *r, q.keys, q.sizes, with_entries ? &q.entries : nullptr, threads);
        for (size_t i = 0; i < q.keys.size(); ++i) {
          INFO(q.keys[i]);
          CKPT_REQUIRE_OK(m.statuses[i]);
          absl::StatusOr<Tensor> want = r->Read(q.keys[i]);
          CKPT_REQUIRE_OK(want);
          REQUIRE(want->Equals(tensors.at(q.keys[i])));
          const bool same = m.data(i) == want->bytes();
          CHECK(same);
          CHECK(m.guard_intact(i));
        }
      }
    }
  }
}

TEST_CASE(
    "ReadManyInto: a corrupt byte in the 3rd MiB fails that request only") {
  TempDir dir;
  const std::string prefix = dir.Join("p");
  const std::map<std::string, Tensor> tensors =
      WriteReadManyBundle(Env::Default(), prefix, Compression::kNone, 4100);
  const BundleEntry big =
      MustOpen(Env::Default(), prefix)->GetEntry("big/5MiB+3").value();
  const std::string data_path = DataFilename(prefix, big.shard_id, 2);
  std::string data = ReadFileOrDie(data_path);
  const size_t flipped = static_cast<size_t>(big.offset) + 2 * kMiB + kMiB / 2;
  data[flipped] ^= 0x10;
  WriteFileOrDie(data_path, data);
  std::unique_ptr<BundleReader> r = MustOpen(Env::Default(), prefix);
  for (int threads : {1, 8}) {
    for (bool with_entries : {false, true}) {
      INFO("threads " << threads << " with entries " << with_entries);
      const RequestSet q = AllFixedRequests(*r, tensors, 9);
      const ManyRead m = ReadMany(*r, q.keys, q.sizes,
                                  with_entries ? &q.entries : nullptr, threads);
      int failed = 0;
      for (size_t i = 0; i < q.keys.size(); ++i) {
        INFO(q.keys[i]);
        CHECK(m.guard_intact(i));
        if (q.keys[i] == "big/5MiB+3") {
          ++failed;
          CKPT_REQUIRE_ERROR(m.statuses[i], StatusCode::kDataLoss,
                             "checksum mismatch");
          CKPT_REQUIRE_ERROR(m.statuses[i], StatusCode::kDataLoss,
                             "key 'big/5MiB+3'");
          CKPT_REQUIRE_ERROR(m.statuses[i], StatusCode::kDataLoss, data_path);
          continue;
        }
        CKPT_REQUIRE_OK(m.statuses[i]);
        const bool same = m.data(i) == tensors.at(q.keys[i]).bytes();
        CHECK(same);
      }
      CHECK(failed == 2);  // requested twice
    }
  }
}

TEST_CASE("ReadManyInto: runs with gaps, repeats and over 512 small tensors") {
  // 1500 small tensors written one after another, so runs hit the
  // 512-tensor cap; requests skip some (gaps inside a run) and repeat others
  // (two requests for the same bytes cannot share one scattered read).
  TempDir dir;
  const std::string prefix = dir.Join("p");
  std::mt19937_64 rng(31);
  std::map<std::string, Tensor> tensors;
  {
    std::unique_ptr<BundleWriter> w =
        MustCreate(Env::Default(), prefix, TestOptions());
    for (int i = 0; i < 1500; ++i) {
      const std::string key = absl::StrCat("t", 10000 + i);
      Tensor t = BytesTensor(rng, 1 + rng() % 300, false);
      CKPT_REQUIRE_OK(w->Add(key, t));
      tensors.emplace(key, std::move(t));
    }
    CKPT_REQUIRE_OK(w->Finish());
  }
  std::unique_ptr<BundleReader> r = MustOpen(Env::Default(), prefix);
  std::vector<std::string> keys;
  for (const auto& [key, t] : tensors) {
    const uint64_t pick = rng() % 5;
    if (pick == 0) continue;  // a gap
    keys.push_back(key);
    if (pick == 1) keys.push_back(key);  // a repeat
  }
  std::shuffle(keys.begin(), keys.end(), rng);
  std::vector<size_t> sizes;
  for (const std::string& key : keys) {
    sizes.push_back(tensors.at(key).bytes().size());
  }
  for (int threads : {1, 2}) {
    INFO("threads " << threads);
    const ManyRead m = ReadMany(*r, keys, sizes, nullptr, threads);
    for (size_t i = 0; i < keys.size(); ++i) {
      INFO(keys[i]);
      CKPT_REQUIRE_OK(m.statuses[i]);
      const bool same = m.data(i) == tensors.at(keys[i]).bytes();
      CHECK(same);
      CHECK(m.guard_intact(i));
    }
  }
}

TEST_CASE("ReadManyInto: a corrupt small tensor read in a run fails alone") {
  TempDir dir;
  const std::string prefix = dir.Join("p");
  const std::map<std::string, Tensor> tensors =
      WriteReadManyBundle(Env::Default(), prefix, Compression::kNone, 4150);
  const BundleEntry tiny =
      MustOpen(Env::Default(), prefix)->GetEntry("tiny/int32").value();
  REQUIRE(tiny.size > 0);
  const std::string data_path = DataFilename(prefix, tiny.shard_id, 2);
  std::string data = ReadFileOrDie(data_path);
  data[static_cast<size_t>(tiny.offset)] ^= 0x01;
  WriteFileOrDie(data_path, data);
  std::unique_ptr<BundleReader> r = MustOpen(Env::Default(), prefix);
  for (int threads : {1, 4}) {
    INFO("threads " << threads);
    const RequestSet q = AllFixedRequests(*r, tensors, 11);
    const ManyRead m = ReadMany(*r, q.keys, q.sizes, &q.entries, threads);
    int failed = 0;
    for (size_t i = 0; i < q.keys.size(); ++i) {
      INFO(q.keys[i]);
      if (q.keys[i] == "tiny/int32") {
        ++failed;
        CKPT_REQUIRE_ERROR(m.statuses[i], StatusCode::kDataLoss,
                           "key 'tiny/int32': checksum mismatch");
        continue;
      }
      CKPT_REQUIRE_OK(m.statuses[i]);
      CHECK(m.data(i) == tensors.at(q.keys[i]).bytes());
    }
    CHECK(failed >= 1);
  }
}

TEST_CASE("ReadManyInto: bad requests fail alone") {
  std::unique_ptr<Env> env = NewMemEnv();
  const std::map<std::string, Tensor> tensors =
      WriteReadManyBundle(env.get(), "p", Compression::kNone, 4200);
  std::unique_ptr<BundleReader> r = MustOpen(env.get(), "p");
  const std::vector<std::string> keys = {"tiny/int32", "nope",       "strings",
                                         "big/1MiB+1", "tiny/int32", "empty/0",
                                         "big/5MiB+3", "big/2MiB"};
  const std::vector<size_t> sizes = {3, 4, 16,           kMiB + 1,
                                     4, 0, 5 * kMiB + 2, 2 * kMiB};
  for (int threads : {1, 4}) {
    INFO("threads " << threads);
    const ManyRead m = ReadMany(*r, keys, sizes, nullptr, threads);
    CKPT_REQUIRE_ERROR(m.statuses[0], StatusCode::kInvalidArgument,
                       "key 'tiny/int32': ReadInto buffer has 3 bytes");
    CKPT_REQUIRE_ERROR(m.statuses[1], StatusCode::kNotFound, "'nope'");
    CKPT_REQUIRE_ERROR(m.statuses[2], StatusCode::kInvalidArgument,
                       "use Read()");
    CKPT_REQUIRE_ERROR(m.statuses[6], StatusCode::kInvalidArgument,
                       "5242882 bytes");
    for (size_t i : {size_t{0}, size_t{1}, size_t{2}, size_t{6}}) {
      INFO(i);
      CHECK(m.untouched(i));
    }
    for (size_t i : {size_t{3}, size_t{4}, size_t{5}, size_t{7}}) {
      INFO(keys[i]);
      CKPT_REQUIRE_OK(m.statuses[i]);
      CHECK(m.data(i) == tensors.at(keys[i]).bytes());
      CHECK(m.guard_intact(i));
    }
  }
  // Requests beyond `statuses` are not read.
  std::string small(5, '\x5a'), big(kMiB + 2, '\x5a');
  const BundleReader::ReadRequest requests[] = {
      {"tiny/int32", absl::MakeSpan(small.data(), 4)},
      {"big/1MiB+1", absl::MakeSpan(big.data(), kMiB + 1)}};
  absl::Status statuses[1];
  r->ReadManyInto(requests, 2, absl::MakeSpan(statuses));
  CKPT_REQUIRE_OK(statuses[0]);
  CHECK(absl::string_view(small.data(), 4) == tensors.at("tiny/int32").bytes());
  CHECK(big.find_first_not_of('\x5a') == std::string::npos);
}

TEST_CASE("ReadManyInto: a data file cut inside a large tensor is DataLoss") {
  TempDir dir;
  const std::string prefix = dir.Join("p");
  const std::map<std::string, Tensor> tensors =
      WriteReadManyBundle(Env::Default(), prefix, Compression::kNone, 4300);
  // Cut the shard of "big/5MiB+3" 2 MiB + 17 bytes into that tensor; every
  // tensor stored after it in that shard is cut off too.
  const std::vector<std::pair<std::string, BundleEntry>> list =
      MustOpen(Env::Default(), prefix)->ListEntries().value();
  BundleEntry big;
  for (const auto& [key, e] : list) {
    if (key == "big/5MiB+3") big = e;
  }
  const uint64_t cut = static_cast<uint64_t>(big.offset) + 2 * kMiB + 17;
  std::set<std::string> lost;  // requests that must fail
  for (const auto& [key, e] : list) {
    if (e.shard_id == big.shard_id &&
        static_cast<uint64_t>(e.offset + e.size) > cut) {
      lost.insert(key);
    }
  }
  const std::string data_path = DataFilename(prefix, big.shard_id, 2);
  const std::string data = ReadFileOrDie(data_path);
  // `checked_at_open`: cut before the reader opened the data file (the
  // range check sees it), else after (the reads come up short).
  for (bool checked_at_open : {true, false}) {
    WriteFileOrDie(data_path, data);
    std::unique_ptr<BundleReader> r = MustOpen(Env::Default(), prefix);
    const RequestSet q = AllFixedRequests(*r, tensors, 5);
    if (!checked_at_open) {
      // Open both data files (reading one intact tensor of each).
      std::set<int> opened;
      for (const auto& [key, e] : list) {
        if (lost.count(key) == 0 && e.dtype != DataType::kString &&
            opened.insert(e.shard_id).second) {
          CHECK(r->Read(key)->Equals(tensors.at(key)));
        }
      }
      REQUIRE(opened.size() == 2);
    }
    std::filesystem::resize_file(data_path, cut);
    for (int threads : {1, 8}) {
      INFO("checked at open " << checked_at_open << " threads " << threads);
      const ManyRead m = ReadMany(*r, q.keys, q.sizes, &q.entries, threads);
      for (size_t i = 0; i < q.keys.size(); ++i) {
        INFO(q.keys[i]);
        CHECK(m.guard_intact(i));
        if (lost.count(q.keys[i]) != 0 && q.sizes[i] == 0) {
          // An empty tensor whose offset lies past the cut: the range check
          // refuses it; once the file is open there is nothing to read.
          if (checked_at_open) {
            CKPT_REQUIRE_ERROR(m.statuses[i], StatusCode::kDataLoss,
                               "extend past the end of the file");
          }
          continue;
        }
        if (lost.count(q.keys[i]) != 0) {
          CKPT_REQUIRE_ERROR(m.statuses[i], StatusCode::kDataLoss, data_path);
          if (checked_at_open) {
            CKPT_REQUIRE_ERROR(m.statuses[i], StatusCode::kDataLoss,
                               "extend past the end of the file");
            CKPT_REQUIRE_ERROR(m.statuses[i], StatusCode::kDataLoss,
                               absl::StrCat("'", q.keys[i], "'"));
          } else {
            CKPT_REQUIRE_ERROR(m.statuses[i], StatusCode::kDataLoss,
                               "unexpected end of file");
            CKPT_REQUIRE_ERROR(m.statuses[i], StatusCode::kDataLoss,
                               absl::StrCat("(reading key '", q.keys[i], "')"));
          }
          continue;
        }
        CKPT_REQUIRE_OK(m.statuses[i]);
        CHECK(m.data(i) == tensors.at(q.keys[i]).bytes());
      }
    }
  }
  CHECK(lost.count("big/5MiB+3") == 1);
}

TEST_CASE("ReadInto: a corrupt byte in the 2nd chunk is a checksum mismatch") {
  std::unique_ptr<Env> env = NewMemEnv();
  const std::map<std::string, Tensor> tensors =
      WriteReadManyBundle(env.get(), "p", Compression::kNone, 4400);
  const BundleEntry big =
      MustOpen(env.get(), "p")->GetEntry("big/5MiB+3").value();
  const std::string data_path = DataFilename("p", big.shard_id, 2);
  std::string data =
      ReadFileToString(env.get(), data_path, uint64_t{1} << 30).value();
  const size_t at = kMiB + 12345;
  data[static_cast<size_t>(big.offset) + at] ^= 0x01;
  CKPT_REQUIRE_OK(WriteStringToFileAtomic(env.get(), data_path, data));
  std::unique_ptr<BundleReader> r = MustOpen(env.get(), "p");
  std::string out(5 * kMiB + 3, '\0');
  const absl::Status st = r->ReadInto("big/5MiB+3", absl::MakeSpan(out));
  CKPT_REQUIRE_ERROR(st, StatusCode::kDataLoss, "checksum mismatch");
  CKPT_REQUIRE_ERROR(st, StatusCode::kDataLoss, "key 'big/5MiB+3'");
  // `out` holds the (unverified) stored bytes, the flipped one included.
  std::string want(tensors.at("big/5MiB+3").bytes());
  want[at] ^= 0x01;
  const bool same = out == want;
  CHECK(same);
  // The other tensors are fine.
  std::vector<char> buf(kMiB + 1);
  CKPT_REQUIRE_OK(r->ReadInto("big/1MiB+1", absl::MakeSpan(buf)));
  CHECK(absl::string_view(buf.data(), buf.size()) ==
        tensors.at("big/1MiB+1").bytes());
}

// Regression: with ReadRequest::entry set, ReadManyInto once skipped the
// sliced-entry check that ReadInto makes, and read the full-tensor entry of a
// partitioned tensor from its meaningless offset 0.
TEST_CASE(
    "ReadManyInto: a sliced entry's slices are checked with or without "
    "entry") {
  std::unique_ptr<Env> env = NewMemEnv();
  // 48 bytes in the data file whose CRC the sliced entry carries, so reading
  // them as the tensor would even pass the checksum.
  const std::string bytes(48, '\x11');
  proto::BundleEntryProto p;
  p.set_dtype(proto::DT_FLOAT);
  p.mutable_shape()->add_dim()->set_size(4);
  p.mutable_shape()->add_dim()->set_size(3);
  p.set_crc32c(crc32c::Mask(crc32c::Value(bytes.data(), bytes.size())));
  p.add_slices();
  p.add_slices();
  WriteRawIndex(env.get(), "p", 1, {{"v", p.SerializeAsString()}});
  CKPT_REQUIRE_OK(
      WriteStringToFileAtomic(env.get(), DataFilename("p", 0, 1), bytes));
  std::unique_ptr<BundleReader> r = MustOpen(env.get(), "p");
  const BundleEntry e = r->GetEntry("v").value();
  REQUIRE(e.num_slices == 2);
  std::vector<char> buf(48);
  CKPT_REQUIRE_ERROR(r->ReadInto("v", absl::MakeSpan(buf)),
                     StatusCode::kDataLoss, "has rank 0");
  for (bool with_entry : {false, true}) {
    INFO("with entry " << with_entry);
    const BundleReader::ReadRequest requests[] = {
        {"v", absl::MakeSpan(buf), with_entry ? &e : nullptr}};
    absl::Status statuses[1];
    r->ReadManyInto(requests, 2, absl::MakeSpan(statuses));
    CKPT_REQUIRE_ERROR(statuses[0], StatusCode::kDataLoss, "has rank 0");
  }
}

}  // namespace
}  // namespace ckpt
