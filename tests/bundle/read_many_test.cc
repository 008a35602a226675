// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// BundleReader::ReadManyInto: equal to Read() for tensors of up to several
// 1 MiB chunks (model-based), runs of small tensors, and per-request errors
// (corrupt chunk, cut data file, bad buffer, unknown key, string tensor,
// sliced entry); and ReadInto of a multi-chunk tensor with a corrupt chunk.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "bundle/bundle_test_util.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/bundle_writer.h"
#include "ckpt/crc32c.h"
#include "ckpt/dtype.h"
#include "ckpt/env.h"
#include "ckpt/proto/tensor_bundle.pb.h"
#include "ckpt/tensor.h"
#include "testing/test_util.h"

namespace ckpt {
namespace {

using absl::StatusCode;
using ::ckpt::testing::BytesTensor;
using ::ckpt::testing::kMiB;
using ::ckpt::testing::MustCreate;
using ::ckpt::testing::MustOpen;
using ::ckpt::testing::RandomTensor;
using ::ckpt::testing::ReadFileOrDie;
using ::ckpt::testing::StorableDataTypes;
using ::ckpt::testing::TempDir;
using ::ckpt::testing::TestOptions;
using ::ckpt::testing::WriteFileOrDie;
using ::ckpt::testing::WriteRawIndex;

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
