// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// BundleWriter and BundleReader together:
//   * model-based round trips (fixed seeds) of random bundles holding every
//     storable dtype, scalars, zero-size tensors, strings (empty, binary,
//     long), many keys in a many-block index, several shards, alignment,
//     LZ4 on/off with and without shuffling; checked against a std::map;
//     on the POSIX file system too;
//   * LZ4: what is compressed and how the header is marked;
//   * the spec's worked example byte for byte, and TensorFlow's own bundles
//     rewritten byte for byte (entries and headers re-encoded too).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "bundle/bundle_test_util.h"
#include "bundle/entry_codec.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/bundle_writer.h"
#include "ckpt/crc32c.h"
#include "ckpt/dtype.h"
#include "ckpt/env.h"
#include "ckpt/tensor.h"
#include "table/block.h"
#include "table/format.h"
#include "table/table.h"
#include "testing/test_util.h"

namespace ckpt {
namespace {

using absl::StatusCode;
using ::ckpt::testing::AnyTempFile;
using ::ckpt::testing::Children;
using ::ckpt::testing::Expected;
using ::ckpt::testing::FromHex;
using ::ckpt::testing::MustCreate;
using ::ckpt::testing::MustOpen;
using ::ckpt::testing::ReadFileOrDie;
using ::ckpt::testing::TempDir;
using ::ckpt::testing::TestOptions;
using ::ckpt::testing::WriteRandomBundle;

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

}  // namespace
}  // namespace ckpt
