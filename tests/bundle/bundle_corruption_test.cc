// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Corrupted and malformed bundles. Each test writes a small reference bundle
// (float, int64 and string tensors in two shards, an index of several small
// blocks) with BundleWriter into a fresh directory, damages one thing, and
// requires the documented status code and a message naming what is wrong.
//
// Malformed indexes (bad sizes, shards, offsets, key order) are built here
// from scratch: a tiny table writer and a hand encoder of BundleEntryProto,
// independent of ckpt's own table and proto code.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "bundle/slice_spec_encoder.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/bundle_writer.h"
#include "ckpt/crc32c.h"
#include "ckpt/dtype.h"
#include "ckpt/env.h"
#include "ckpt/tensor.h"
#include "testing/test_util.h"

namespace ckpt {
namespace {

using ::ckpt::testing::ReadFileOrDie;
using ::ckpt::testing::TempDir;
using ::ckpt::testing::WriteFileOrDie;

using Status = absl::Status;
using StatusCode = absl::StatusCode;

// ---------------------------------------------------------------------------
// Byte helpers (little-endian fixed32, base-128 varints).
// ---------------------------------------------------------------------------

using testing::spec::PutFixed32;
using testing::spec::PutVarint;

uint32_t GetFixed32(absl::string_view s) {
  REQUIRE(s.size() >= 4);
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) {
    v = (v << 8) | static_cast<unsigned char>(s[static_cast<size_t>(i)]);
  }
  return v;
}

using ::ckpt::testing::GetVarint;

// Flips every bit of the byte at `offset` in the file at `path`.
void FlipByte(const std::string& path, size_t offset) {
  std::string contents = ReadFileOrDie(path);
  REQUIRE(offset < contents.size());
  contents[offset] = static_cast<char>(~contents[offset]);
  WriteFileOrDie(path, contents);
}

void Truncate(const std::string& path, size_t size) {
  std::string contents = ReadFileOrDie(path);
  REQUIRE(size <= contents.size());
  WriteFileOrDie(path, contents.substr(0, size));
}

// ---------------------------------------------------------------------------
// An independent reader of the table layout (footer, index block, blocks).
// ---------------------------------------------------------------------------

struct Handle {
  uint64_t offset = 0;
  uint64_t size = 0;
};

Handle DecodeHandle(absl::string_view* in) {
  Handle h;
  h.offset = GetVarint(in);
  h.size = GetVarint(in);
  return h;
}

using KeyValues = std::vector<std::pair<std::string, std::string>>;

// Entries of one uncompressed block (trailer stripped).
KeyValues ParseBlock(absl::string_view block) {
  REQUIRE(block.size() >= 4);
  const uint32_t num_restarts = GetFixed32(block.substr(block.size() - 4));
  const size_t end = block.size() - 4 - 4 * size_t{num_restarts};
  absl::string_view in = block.substr(0, end);
  KeyValues out;
  std::string key;
  while (!in.empty()) {
    const uint64_t shared = GetVarint(&in);
    const uint64_t unshared = GetVarint(&in);
    const uint64_t value_len = GetVarint(&in);
    REQUIRE(shared <= key.size());
    REQUIRE(unshared + value_len <= in.size());
    key = key.substr(0, shared) + std::string(in.substr(0, unshared));
    in.remove_prefix(unshared);
    out.emplace_back(key, std::string(in.substr(0, value_len)));
    in.remove_prefix(value_len);
  }
  return out;
}

struct TableLayout {
  Handle metaindex;
  Handle index;
  std::vector<Handle> data_blocks;
  KeyValues entries;  // all data-block entries, header included
};

TableLayout ParseTable(const std::string& file) {
  REQUIRE(file.size() >= 48);
  absl::string_view footer = absl::string_view(file).substr(file.size() - 48);
  REQUIRE(GetFixed32(footer.substr(40)) == 0x8b80fb57u);
  REQUIRE(GetFixed32(footer.substr(44)) == 0xdb477524u);
  TableLayout t;
  t.metaindex = DecodeHandle(&footer);
  t.index = DecodeHandle(&footer);
  REQUIRE(file[t.index.offset + t.index.size] == '\0');  // uncompressed
  for (const auto& [key, value] : ParseBlock(
           absl::string_view(file).substr(t.index.offset, t.index.size))) {
    absl::string_view v = value;
    const Handle h = DecodeHandle(&v);
    REQUIRE(file[h.offset + h.size] == '\0');
    t.data_blocks.push_back(h);
    for (auto& kv :
         ParseBlock(absl::string_view(file).substr(h.offset, h.size))) {
      t.entries.push_back(std::move(kv));
    }
  }
  return t;
}

// ---------------------------------------------------------------------------
// An independent table writer: restart interval 1, one data block per inner
// list in the given key order (sorted or not), index key = the block's last
// key, empty metaindex, 48-byte footer.
// ---------------------------------------------------------------------------

std::string BuildBlock(const KeyValues& kvs) {
  std::string block;
  std::vector<uint32_t> restarts;
  for (const auto& [key, value] : kvs) {
    restarts.push_back(static_cast<uint32_t>(block.size()));
    PutVarint(&block, 0);
    PutVarint(&block, key.size());
    PutVarint(&block, value.size());
    block += key;
    block += value;
  }
  if (restarts.empty()) restarts.push_back(0);
  for (uint32_t r : restarts) PutFixed32(&block, r);
  PutFixed32(&block, static_cast<uint32_t>(restarts.size()));
  return block;
}

Handle AppendBlock(std::string* file, const std::string& block) {
  Handle h{file->size(), block.size()};
  *file += block;
  const char type = 0;
  const uint32_t crc =
      crc32c::Extend(crc32c::Value(block.data(), block.size()), &type, 1);
  file->push_back(type);
  PutFixed32(file, crc32c::Mask(crc));
  return h;
}

std::string EncodeHandle(const Handle& h) {
  std::string out;
  PutVarint(&out, h.offset);
  PutVarint(&out, h.size);
  return out;
}

std::string BuildTable(const std::vector<KeyValues>& blocks) {
  std::string file;
  KeyValues index;
  for (const KeyValues& kvs : blocks) {
    const Handle h = AppendBlock(&file, BuildBlock(kvs));
    index.emplace_back(kvs.back().first, EncodeHandle(h));
  }
  const Handle metaindex = AppendBlock(&file, BuildBlock({}));
  const Handle index_handle = AppendBlock(&file, BuildBlock(index));
  std::string footer = EncodeHandle(metaindex) + EncodeHandle(index_handle);
  footer.resize(40, '\0');
  PutFixed32(&footer, 0x8b80fb57u);
  PutFixed32(&footer, 0xdb477524u);
  return file + footer;
}

// ---------------------------------------------------------------------------
// Hand-encoded BundleHeaderProto / BundleEntryProto.
// ---------------------------------------------------------------------------

std::string EncodeHeader(int num_shards) {
  std::string out;
  out.push_back('\x08');
  PutVarint(&out, static_cast<uint64_t>(num_shards));
  out += std::string("\x1a\x02\x08\x01", 4);  // version { producer: 1 }
  return out;
}

// The test's own encoder of entries, written from the spec (shared with the
// slice tests): canonical proto3, as TensorFlow writes them.
using RawEntry = testing::spec::Entry;
std::string EncodeEntry(const RawEntry& e) {
  return testing::spec::EntryValue(e);
}

RawEntry DecodeEntry(absl::string_view in) {
  RawEntry e;
  while (!in.empty()) {
    const uint64_t tag = GetVarint(&in);
    switch (tag) {
      case 0x08:
        e.dtype = static_cast<int32_t>(GetVarint(&in));
        break;
      case 0x12: {
        const uint64_t len = GetVarint(&in);
        absl::string_view shape = in.substr(0, len);
        in.remove_prefix(len);
        while (!shape.empty()) {
          REQUIRE(GetVarint(&shape) == 0x12);
          const uint64_t dim_len = GetVarint(&shape);
          absl::string_view dim = shape.substr(0, dim_len);
          shape.remove_prefix(dim_len);
          int64_t size = 0;
          while (!dim.empty()) {
            REQUIRE(GetVarint(&dim) == 0x08);
            size = static_cast<int64_t>(GetVarint(&dim));
          }
          e.dims.push_back(size);
        }
        break;
      }
      case 0x18:
        e.shard_id = static_cast<int32_t>(GetVarint(&in));
        break;
      case 0x20:
        e.offset = static_cast<int64_t>(GetVarint(&in));
        break;
      case 0x28:
        e.size = static_cast<int64_t>(GetVarint(&in));
        break;
      case 0x35:
        e.crc = GetFixed32(in);
        in.remove_prefix(4);
        break;
      default:
        FAIL("unexpected tag " << tag);
    }
  }
  return e;
}

// ---------------------------------------------------------------------------
// The reference bundle.
// ---------------------------------------------------------------------------

constexpr int kNumShards = 2;
constexpr char kFloatKey[] = "alpha/float";     // float [4, 5], shard 0
constexpr char kInt64Key[] = "beta/int64";      // int64 [6], shard 1
constexpr char kStringKey[] = "gamma/string";   // string [3], shard 0
constexpr char kFloat2Key[] = "delta/float";    // float [2, 3, 2], shard 1
constexpr char kScalarKey[] = "epsilon/int64";  // int64 scalar, shard 0
constexpr char kString2Key[] = "zeta/string";   // string [2], shard 1

struct RefTensor {
  std::string key;
  Tensor tensor;
  int shard;
};

// Fixed, deterministic contents (no randomness).
std::vector<RefTensor> ReferenceTensors() {
  std::vector<float> f1(20);
  for (size_t i = 0; i < f1.size(); ++i) {
    f1[i] = 0.5f * static_cast<float>(i) - 3;
  }
  std::vector<int64_t> i1(6);
  for (size_t i = 0; i < i1.size(); ++i) {
    i1[i] = static_cast<int64_t>(i * i) * 1000003 - 7;
  }
  std::vector<float> f2(12);
  for (size_t i = 0; i < f2.size(); ++i) {
    f2[i] = 1.0f / static_cast<float>(i + 1);
  }

  std::vector<RefTensor> out;
  out.push_back({kFloatKey, Tensor::FromVector<float>({4, 5}, f1).value(), 0});
  out.push_back({kInt64Key, Tensor::FromVector<int64_t>({6}, i1).value(), 1});
  out.push_back(
      {kStringKey,
       Tensor::FromStrings({3}, {"", "hello", std::string(300, 'x')}).value(),
       0});
  out.push_back(
      {kFloat2Key, Tensor::FromVector<float>({2, 3, 2}, f2).value(), 1});
  out.push_back({kScalarKey, Tensor::Scalar<int64_t>(42), 0});
  out.push_back(
      {kString2Key, Tensor::FromStrings({2}, {"ab", "c"}).value(), 1});
  // Padding entries so that the index has several blocks.
  for (int i = 0; i < 10; ++i) {
    out.push_back({absl::StrCat("pad/", i < 10 ? "0" : "", i),
                   Tensor::Scalar<int32_t>(100 + i), i % kNumShards});
  }
  return out;
}

struct Reference {
  TempDir dir;
  std::string prefix;
  std::string index_path;
  std::string data_path[kNumShards];
};

// Writes the reference bundle into a fresh directory.
std::unique_ptr<Reference> MakeReference() {
  auto ref = std::make_unique<Reference>();
  ref->prefix = ref->dir.Join("ref");
  ref->index_path = IndexFilename(ref->prefix);
  for (int i = 0; i < kNumShards; ++i) {
    ref->data_path[i] = DataFilename(ref->prefix, i, kNumShards);
  }
  BundleWriterOptions options;
  options.num_shards = kNumShards;
  options.index_block_size = 64;
  options.index_restart_interval = 2;
  options.sync = false;
  absl::StatusOr<std::unique_ptr<BundleWriter>> writer =
      BundleWriter::Create(Env::Default(), ref->prefix, options);
  CKPT_REQUIRE_OK(writer);
  for (const RefTensor& t : ReferenceTensors()) {
    CKPT_REQUIRE_OK((*writer)->Add(t.key, t.tensor, t.shard));
  }
  CKPT_REQUIRE_OK((*writer)->Finish());
  return ref;
}

std::unique_ptr<BundleReader> OpenOrDie(const std::string& prefix) {
  absl::StatusOr<std::unique_ptr<BundleReader>> reader =
      BundleReader::Open(Env::Default(), prefix);
  CKPT_REQUIRE_OK(reader);
  return std::move(reader).value();
}

absl::StatusOr<std::unique_ptr<BundleReader>> Open(const std::string& prefix) {
  return BundleReader::Open(Env::Default(), prefix);
}

// Requires `status` to have `code` and a message containing every one of
// `substrings`.
void RequireError(const Status& status, StatusCode code,
                  std::vector<std::string> substrings) {
  INFO(status.ToString());
  REQUIRE(status.code() == code);
  for (const std::string& s : substrings) {
    REQUIRE_THAT(std::string(status.message()), Catch::Matchers::Contains(s));
  }
}

template <typename T>
Status StatusOf(const absl::StatusOr<T>& s) {
  return s.status();
}

// The reference index's entries (header first), decoded independently.
KeyValues ReferenceIndexEntries(const Reference& ref) {
  return ParseTable(ReadFileOrDie(ref.index_path)).entries;
}

RawEntry ReferenceEntry(const Reference& ref, absl::string_view key) {
  for (const auto& [k, v] : ReferenceIndexEntries(ref)) {
    if (k == key) return DecodeEntry(v);
  }
  FAIL("no entry " << key);
  return {};
}

// Replaces the reference index with a hand-built one: the header alone in
// the first block (BundleReader::Open reads only that block), all tensor
// entries after `edit` changed them in the second.
template <typename Edit>
void RewriteIndex(const Reference& ref, Edit edit) {
  KeyValues entries = ReferenceIndexEntries(ref);
  REQUIRE(entries.front().first.empty());
  const KeyValues header(entries.begin(), entries.begin() + 1);
  entries.erase(entries.begin());
  edit(&entries);
  WriteFileOrDie(ref.index_path, BuildTable({header, entries}));
}

// Replaces the entry of `key` with `entry` (re-encoded).
void ReplaceEntry(const Reference& ref, absl::string_view key,
                  const RawEntry& entry) {
  RewriteIndex(ref, [&](KeyValues* entries) {
    for (auto& [k, v] : *entries) {
      if (k == key) {
        v = EncodeEntry(entry);
        return;
      }
    }
    FAIL("no entry " << key);
  });
}

// Expected values of the reference tensors, by key.
Tensor ReferenceTensor(absl::string_view key) {
  for (RefTensor& t : ReferenceTensors()) {
    if (t.key == key) return std::move(t.tensor);
  }
  FAIL("no tensor " << key);
  return {};
}

void RequireReadsOk(const BundleReader& reader, absl::string_view key) {
  INFO("key " << key);
  absl::StatusOr<Tensor> t = reader.Read(key);
  CKPT_REQUIRE_OK(t);
  REQUIRE(t->Equals(ReferenceTensor(key)));
}

// ---------------------------------------------------------------------------
// The reference itself and the crafting machinery.
// ---------------------------------------------------------------------------

TEST_CASE("Reference bundle reads back and has several index blocks",
          "[corruption]") {
  std::unique_ptr<Reference> ref = MakeReference();
  const TableLayout layout = ParseTable(ReadFileOrDie(ref->index_path));
  REQUIRE(layout.data_blocks.size() >= 3);
  REQUIRE(layout.entries.size() == ReferenceTensors().size() + 1);
  REQUIRE(layout.entries.front().first.empty());
  REQUIRE(layout.entries.front().second == EncodeHeader(kNumShards));

  std::unique_ptr<BundleReader> reader = OpenOrDie(ref->prefix);
  REQUIRE(reader->num_shards() == kNumShards);
  for (const RefTensor& t : ReferenceTensors()) {
    RequireReadsOk(*reader, t.key);
    absl::StatusOr<BundleEntry> entry = reader->GetEntry(t.key);
    CKPT_REQUIRE_OK(entry);
    REQUIRE(entry->shard_id == t.shard);
  }
}

TEST_CASE("Entries are canonical and a hand-built index of them reads back",
          "[corruption]") {
  std::unique_ptr<Reference> ref = MakeReference();
  // Decoding and re-encoding every entry gives the writer's bytes back.
  for (const auto& [key, value] : ReferenceIndexEntries(*ref)) {
    if (key.empty()) continue;
    INFO("key " << key);
    REQUIRE(EncodeEntry(DecodeEntry(value)) == value);
  }
  // The crafting machinery alone (one block, no edit) yields a valid bundle.
  RewriteIndex(*ref, [](KeyValues*) {});
  std::unique_ptr<BundleReader> reader = OpenOrDie(ref->prefix);
  absl::StatusOr<std::vector<std::pair<std::string, BundleEntry>>> listed =
      reader->ListEntries();
  CKPT_REQUIRE_OK(listed);
  REQUIRE(listed->size() == ReferenceTensors().size());
  for (const RefTensor& t : ReferenceTensors()) RequireReadsOk(*reader, t.key);
}

// ---------------------------------------------------------------------------
// Index file: footer, truncation, block checksums.
// ---------------------------------------------------------------------------

TEST_CASE("Bad footer magic is DataLoss naming the index", "[corruption]") {
  std::unique_ptr<Reference> ref = MakeReference();
  const size_t size = ReadFileOrDie(ref->index_path).size();
  FlipByte(ref->index_path, size - 1);
  RequireError(StatusOf(Open(ref->prefix)), StatusCode::kDataLoss,
               {"ref.index", "magic"});
}

TEST_CASE("Index file shorter than the footer is DataLoss", "[corruption]") {
  std::unique_ptr<Reference> ref = MakeReference();
  const std::string index = ReadFileOrDie(ref->index_path);
  SECTION("47 bytes") {
    // The last 47 bytes: everything but the first byte of a valid footer.
    WriteFileOrDie(ref->index_path, index.substr(index.size() - 47));
    RequireError(StatusOf(Open(ref->prefix)), StatusCode::kDataLoss,
                 {"ref.index", "too short", "47"});
  }
  SECTION("empty") {
    WriteFileOrDie(ref->index_path, "");
    RequireError(StatusOf(Open(ref->prefix)), StatusCode::kDataLoss,
                 {"ref.index", "too short"});
  }
}

TEST_CASE("Index file truncated mid-block is DataLoss", "[corruption]") {
  std::unique_ptr<Reference> ref = MakeReference();
  const std::string index = ReadFileOrDie(ref->index_path);
  const TableLayout layout = ParseTable(index);
  const Handle second = layout.data_blocks[1];
  const size_t cut = second.offset + second.size / 2;
  SECTION("footer lost") {
    Truncate(ref->index_path, cut);
    // The last 48 bytes are now block bytes, not a footer.
    RequireError(StatusOf(Open(ref->prefix)), StatusCode::kDataLoss,
                 {"ref.index", "magic"});
  }
  SECTION("footer kept, index block handle past the end") {
    WriteFileOrDie(ref->index_path,
                   index.substr(0, cut) + index.substr(index.size() - 48));
    RequireError(StatusOf(Open(ref->prefix)), StatusCode::kDataLoss,
                 {"ref.index", "past end of file"});
  }
}

TEST_CASE("Index block checksum byte flipped is DataLoss", "[corruption]") {
  std::unique_ptr<Reference> ref = MakeReference();
  const TableLayout layout = ParseTable(ReadFileOrDie(ref->index_path));
  SECTION("checksum of the index block") {
    FlipByte(ref->index_path, layout.index.offset + layout.index.size + 2);
    RequireError(StatusOf(Open(ref->prefix)), StatusCode::kDataLoss,
                 {"ref.index", "checksum"});
  }
  SECTION("content of the index block") {
    FlipByte(ref->index_path, layout.index.offset + 1);
    RequireError(StatusOf(Open(ref->prefix)), StatusCode::kDataLoss,
                 {"ref.index", "checksum"});
  }
  SECTION("checksum of the first data block (holds the header)") {
    const Handle first = layout.data_blocks.front();
    FlipByte(ref->index_path, first.offset + first.size + 1);
    RequireError(StatusOf(Open(ref->prefix)), StatusCode::kDataLoss,
                 {"ref.index", "checksum"});
  }
  SECTION("checksum of the last data block") {
    const Handle last = layout.data_blocks.back();
    FlipByte(ref->index_path, last.offset + last.size + 4);
    // Open needs only the index block and the header's block.
    std::unique_ptr<BundleReader> reader = OpenOrDie(ref->prefix);
    RequireError(StatusOf(reader->ListEntries()), StatusCode::kDataLoss,
                 {"ref.index", "checksum"});
    RequireError(
        reader->ForEachEntry([](absl::string_view, const BundleEntry&) {
          return absl::OkStatus();
        }),
        StatusCode::kDataLoss, {"ref.index", "checksum"});
    // The last key lives in the last block.
    RequireError(StatusOf(reader->Read("zeta/string")), StatusCode::kDataLoss,
                 {"ref.index", "checksum"});
    // Keys in intact blocks still read.
    RequireReadsOk(*reader, kFloatKey);
  }
}

// ---------------------------------------------------------------------------
// Data files.
// ---------------------------------------------------------------------------

TEST_CASE("Tensor data byte flipped is DataLoss naming the key",
          "[corruption]") {
  std::unique_ptr<Reference> ref = MakeReference();
  const RawEntry entry = ReferenceEntry(*ref, kFloatKey);
  REQUIRE(entry.size == 80);
  FlipByte(ref->data_path[0], static_cast<size_t>(entry.offset + 37));
  std::unique_ptr<BundleReader> reader = OpenOrDie(ref->prefix);
  RequireError(StatusOf(reader->Read(kFloatKey)), StatusCode::kDataLoss,
               {kFloatKey, "ref.data-00000-of-00002", "checksum mismatch"});
  RequireError(StatusOf(reader->ReadStoredBytes(kFloatKey)),
               StatusCode::kDataLoss, {kFloatKey, "checksum mismatch"});
  std::string buffer(80, '\0');
  RequireError(reader->ReadInto(kFloatKey, absl::MakeSpan(buffer)),
               StatusCode::kDataLoss, {kFloatKey, "checksum mismatch"});
  // The other tensors of the same shard are intact.
  RequireReadsOk(*reader, kStringKey);
  RequireReadsOk(*reader, kScalarKey);
}

TEST_CASE("String tensor length checksum corrupted is DataLoss",
          "[corruption]") {
  std::unique_ptr<Reference> ref = MakeReference();
  const RawEntry entry = ReferenceEntry(*ref, kStringKey);
  // Layout: varint lengths 0, 5, 300 (1 + 1 + 2 bytes), then the 4-byte
  // masked length checksum, then the string bytes.
  REQUIRE(entry.size == 4 + 4 + 305);
  const std::string data = ReadFileOrDie(ref->data_path[0]);
  REQUIRE(data.substr(static_cast<size_t>(entry.offset), 4) ==
          std::string("\x00\x05\xac\x02", 4));
  SECTION("length checksum") {
    FlipByte(ref->data_path[0], static_cast<size_t>(entry.offset + 4 + 1));
    std::unique_ptr<BundleReader> reader = OpenOrDie(ref->prefix);
    RequireError(StatusOf(reader->Read(kStringKey)), StatusCode::kDataLoss,
                 {kStringKey, "ref.data-00000-of-00002", "length checksum"});
    RequireReadsOk(*reader, kFloatKey);
  }
  SECTION("a length varint") {
    // 5 -> 4: the lengths no longer match their checksum.
    std::string edited = data;
    edited[static_cast<size_t>(entry.offset + 1)] = '\x04';
    WriteFileOrDie(ref->data_path[0], edited);
    RequireError(StatusOf(OpenOrDie(ref->prefix)->Read(kStringKey)),
                 StatusCode::kDataLoss, {kStringKey, "length checksum"});
  }
  SECTION("string bytes") {
    FlipByte(ref->data_path[0], static_cast<size_t>(entry.offset + 8 + 2));
    RequireError(StatusOf(OpenOrDie(ref->prefix)->Read(kStringKey)),
                 StatusCode::kDataLoss, {kStringKey, "checksum mismatch"});
  }
}

TEST_CASE("Data file truncated is DataLoss", "[corruption]") {
  std::unique_ptr<Reference> ref = MakeReference();
  // The last tensor written to shard 1 is pad/09.
  const RawEntry last = ReferenceEntry(*ref, "pad/09");
  REQUIRE(last.shard_id == 1);
  const size_t size = ReadFileOrDie(ref->data_path[1]).size();
  REQUIRE(static_cast<int64_t>(size) == last.offset + last.size);
  Truncate(ref->data_path[1], size - 1);
  std::unique_ptr<BundleReader> reader = OpenOrDie(ref->prefix);
  RequireError(StatusOf(reader->Read("pad/09")), StatusCode::kDataLoss,
               {"pad/09", "ref.data-00001-of-00002", "past the end"});
  std::string buffer(4, '\0');
  RequireError(reader->ReadInto("pad/09", absl::MakeSpan(buffer)),
               StatusCode::kDataLoss, {"pad/09", "past the end"});
  // Earlier tensors of the shard are still whole.
  RequireReadsOk(*reader, kInt64Key);
  RequireReadsOk(*reader, kString2Key);
}

TEST_CASE("Data file missing is NotFound naming it", "[corruption]") {
  std::unique_ptr<Reference> ref = MakeReference();
  CKPT_REQUIRE_OK(Env::Default()->DeleteFile(ref->data_path[1]));
  // Listing needs the index alone.
  std::unique_ptr<BundleReader> reader = OpenOrDie(ref->prefix);
  absl::StatusOr<std::vector<std::pair<std::string, BundleEntry>>> listed =
      reader->ListEntries();
  CKPT_REQUIRE_OK(listed);
  REQUIRE(listed->size() == ReferenceTensors().size());
  RequireError(StatusOf(reader->Read(kInt64Key)), StatusCode::kNotFound,
               {"ref.data-00001-of-00002", "missing", kInt64Key});
  RequireError(StatusOf(reader->Read(kString2Key)), StatusCode::kNotFound,
               {"ref.data-00001-of-00002", "missing", kString2Key});
  // Shard 0 is unaffected.
  RequireReadsOk(*reader, kFloatKey);
  RequireReadsOk(*reader, kStringKey);
}

// ---------------------------------------------------------------------------
// Malformed entries (hand-built indexes).
// ---------------------------------------------------------------------------

TEST_CASE("Entry whose size disagrees with dtype x shape is DataLoss",
          "[corruption]") {
  std::unique_ptr<Reference> ref = MakeReference();
  RawEntry entry = ReferenceEntry(*ref, kFloatKey);
  REQUIRE(entry.size == 80);
  SECTION("smaller") { entry.size = 76; }
  SECTION("larger") { entry.size = 84; }
  ReplaceEntry(*ref, kFloatKey, entry);
  // Reading the crafted file: well under 1 MiB allocated.
  testing::AllocationScope allocation_scope;
  absl::StatusOr<std::unique_ptr<BundleReader>> reader = Open(ref->prefix);
  CKPT_REQUIRE_OK(reader);
  RequireError(
      StatusOf((*reader)->Read(kFloatKey)), StatusCode::kDataLoss,
      {"ref.index", kFloatKey, absl::StrCat("size ", entry.size), "80"});
  RequireReadsOk(**reader, kScalarKey);
  CHECK(allocation_scope.peak_bytes() < (int64_t{1} << 20));
}

TEST_CASE("Entry with shard id out of range is InvalidArgument",
          "[corruption]") {
  std::unique_ptr<Reference> ref = MakeReference();
  RawEntry entry = ReferenceEntry(*ref, kInt64Key);
  std::string shown;
  SECTION("equal to num_shards") {
    entry.shard_id = kNumShards;
    shown = "2";
  }
  SECTION("negative") {
    entry.shard_id = -1;
    shown = "-1";
  }
  ReplaceEntry(*ref, kInt64Key, entry);
  // Reading the crafted file: well under 1 MiB allocated.
  testing::AllocationScope allocation_scope;
  std::unique_ptr<BundleReader> reader = OpenOrDie(ref->prefix);
  RequireError(StatusOf(reader->Read(kInt64Key)), StatusCode::kInvalidArgument,
               {"ref.index", kInt64Key, "shard_id " + shown, "out of range"});
  RequireReadsOk(*reader, kFloatKey);
  CHECK(allocation_scope.peak_bytes() < (int64_t{1} << 20));
}

TEST_CASE("Entry with offset + size past the end of the data file is DataLoss",
          "[corruption]") {
  std::unique_ptr<Reference> ref = MakeReference();
  RawEntry entry = ReferenceEntry(*ref, kFloat2Key);
  REQUIRE(entry.shard_id == 1);
  const int64_t file_size =
      static_cast<int64_t>(ReadFileOrDie(ref->data_path[1]).size());
  SECTION("just past the end") { entry.offset = file_size - entry.size + 1; }
  SECTION("offset beyond the end") { entry.offset = file_size + 1000; }
  SECTION("offset + size overflows int64") {
    entry.offset = std::numeric_limits<int64_t>::max() - 8;
  }
  ReplaceEntry(*ref, kFloat2Key, entry);
  // Reading the crafted file: well under 1 MiB allocated.
  testing::AllocationScope allocation_scope;
  std::unique_ptr<BundleReader> reader = OpenOrDie(ref->prefix);
  RequireError(StatusOf(reader->Read(kFloat2Key)), StatusCode::kDataLoss,
               {kFloat2Key, "ref.data-00001-of-00002", "past the end"});
  std::string buffer(48, '\0');
  RequireError(reader->ReadInto(kFloat2Key, absl::MakeSpan(buffer)),
               StatusCode::kDataLoss, {kFloat2Key, "past the end"});
  RequireError(StatusOf(reader->ReadStoredBytes(kFloat2Key)),
               StatusCode::kDataLoss, {kFloat2Key, "past the end"});
  RequireReadsOk(*reader, kInt64Key);
  CHECK(allocation_scope.peak_bytes() < (int64_t{1} << 20));
}

TEST_CASE("Entry with an unknown dtype is listed, reading it is Unimplemented",
          "[corruption]") {
  std::unique_ptr<Reference> ref = MakeReference();
  RawEntry entry = ReferenceEntry(*ref, kScalarKey);
  entry.dtype = 99;
  ReplaceEntry(*ref, kScalarKey, entry);
  std::unique_ptr<BundleReader> reader = OpenOrDie(ref->prefix);
  RequireError(StatusOf(reader->Read(kScalarKey)), StatusCode::kUnimplemented,
               {"ref.index", kScalarKey, "unknown dtype 99"});
  absl::StatusOr<std::vector<std::pair<std::string, BundleEntry>>> listed =
      reader->ListEntries();
  CKPT_REQUIRE_OK(listed);
  CHECK(listed->size() == ReferenceTensors().size());
  RequireReadsOk(*reader, kFloatKey);
}

TEST_CASE("Entry with dtype resource is listed, reading it is DataLoss",
          "[corruption]") {
  std::unique_ptr<Reference> ref = MakeReference();
  RawEntry entry = ReferenceEntry(*ref, kFloatKey);
  entry.dtype = 20;
  ReplaceEntry(*ref, kFloatKey, entry);
  std::unique_ptr<BundleReader> reader = OpenOrDie(ref->prefix);
  const BundleEntry listed = reader->GetEntry(kFloatKey).value();
  CHECK(listed.dtype == DataType::kResource);
  RequireError(reader->Verify(kFloatKey, listed), StatusCode::kDataLoss,
               {"ref.index", kFloatKey, "resource", "cannot appear"});
  RequireReadsOk(*reader, kScalarKey);
  RequireReadsOk(*reader, kStringKey);
}

TEST_CASE("Entry with a negative dimension is InvalidArgument",
          "[corruption]") {
  std::unique_ptr<Reference> ref = MakeReference();
  RawEntry entry = ReferenceEntry(*ref, kFloatKey);
  entry.dims = {-4, 5};
  ReplaceEntry(*ref, kFloatKey, entry);
  // Reading the crafted file: well under 1 MiB allocated.
  testing::AllocationScope allocation_scope;
  std::unique_ptr<BundleReader> reader = OpenOrDie(ref->prefix);
  RequireError(StatusOf(reader->Read(kFloatKey)), StatusCode::kInvalidArgument,
               {"ref.index", kFloatKey, "negative", "-4"});
  RequireReadsOk(*reader, kScalarKey);
  CHECK(allocation_scope.peak_bytes() < (int64_t{1} << 20));
}

TEST_CASE("Entry checksum that disagrees with the data is DataLoss",
          "[corruption]") {
  std::unique_ptr<Reference> ref = MakeReference();
  RawEntry entry = ReferenceEntry(*ref, kFloat2Key);
  entry.crc ^= 0x00010000u;
  ReplaceEntry(*ref, kFloat2Key, entry);
  std::unique_ptr<BundleReader> reader = OpenOrDie(ref->prefix);
  RequireError(StatusOf(reader->Read(kFloat2Key)), StatusCode::kDataLoss,
               {kFloat2Key, "checksum mismatch"});
  RequireReadsOk(*reader, kInt64Key);
}

TEST_CASE("String tensor declaring a huge length is DataLoss", "[corruption]") {
  std::unique_ptr<Reference> ref = MakeReference();
  // A one-element string tensor whose length varint says 2^40 bytes,
  // appended to shard 1. The reader must refuse it without allocating.
  std::string data = ReadFileOrDie(ref->data_path[1]);
  std::string payload;
  PutVarint(&payload, uint64_t{1} << 40);
  PutFixed32(&payload, 0x12345678u);
  payload += "abc";
  RawEntry entry;
  entry.dtype = static_cast<int32_t>(DataType::kString);
  entry.dims = {1};
  entry.shard_id = 1;
  entry.offset = static_cast<int64_t>(data.size());
  entry.size = static_cast<int64_t>(payload.size());
  entry.crc = 0x9abcdef0u;
  WriteFileOrDie(ref->data_path[1], data + payload);
  ReplaceEntry(*ref, kString2Key, entry);
  // Reading the crafted file: well under 1 MiB allocated.
  testing::AllocationScope allocation_scope;
  std::unique_ptr<BundleReader> reader = OpenOrDie(ref->prefix);
  RequireError(StatusOf(reader->Read(kString2Key)), StatusCode::kDataLoss,
               {"ref.data-00001-of-00002", kString2Key, "1099511627776"});
  RequireReadsOk(*reader, kInt64Key);
  CHECK(allocation_scope.peak_bytes() < (int64_t{1} << 20));
}

TEST_CASE("String tensor with more elements than stored bytes is DataLoss",
          "[corruption]") {
  std::unique_ptr<Reference> ref = MakeReference();
  RawEntry entry = ReferenceEntry(*ref, kString2Key);
  REQUIRE(entry.size == 9);
  entry.dims = {int64_t{1} << 40};
  ReplaceEntry(*ref, kString2Key, entry);
  // Reading the crafted file: well under 1 MiB allocated.
  testing::AllocationScope allocation_scope;
  std::unique_ptr<BundleReader> reader = OpenOrDie(ref->prefix);
  RequireError(StatusOf(reader->Read(kString2Key)), StatusCode::kDataLoss,
               {"ref.index", kString2Key, "1099511627776"});
  RequireReadsOk(*reader, kStringKey);
  CHECK(allocation_scope.peak_bytes() < (int64_t{1} << 20));
}

TEST_CASE("Entry whose element count overflows int64 is InvalidArgument",
          "[corruption]") {
  std::unique_ptr<Reference> ref = MakeReference();
  RawEntry entry = ReferenceEntry(*ref, kFloatKey);
  entry.dims = {int64_t{1} << 62, 4};
  ReplaceEntry(*ref, kFloatKey, entry);
  // Reading the crafted file: well under 1 MiB allocated.
  testing::AllocationScope allocation_scope;
  std::unique_ptr<BundleReader> reader = OpenOrDie(ref->prefix);
  RequireError(StatusOf(reader->Read(kFloatKey)), StatusCode::kInvalidArgument,
               {"ref.index", kFloatKey, "overflow"});
  std::string buffer(80, '\0');
  RequireError(reader->ReadInto(kFloatKey, absl::MakeSpan(buffer)),
               StatusCode::kInvalidArgument, {kFloatKey, "overflow"});
  RequireReadsOk(*reader, kScalarKey);
  CHECK(allocation_scope.peak_bytes() < (int64_t{1} << 20));
}

// ---------------------------------------------------------------------------
// Header entry and index file.
// ---------------------------------------------------------------------------

TEST_CASE("Header of a newer or big-endian bundle is FailedPrecondition",
          "[corruption]") {
  std::unique_ptr<Reference> ref = MakeReference();
  KeyValues entries = ReferenceIndexEntries(*ref);
  entries.erase(entries.begin());
  std::string header;
  std::string reason;
  // ckpt's consumer version is 2 (docs/format.md): one above TensorFlow's,
  // so that TensorFlow refuses bundles using ckpt extensions.
  SECTION("min_consumer 3") {
    // num_shards: 2, version { producer: 1, min_consumer: 3 }
    header = std::string("\x08\x02\x1a\x04\x08\x01\x10\x03", 8);
    reason = "3";
  }
  SECTION("bad_consumers lists version 2") {
    // num_shards: 2, version { producer: 1, bad_consumers: 2 }
    header = std::string("\x08\x02\x1a\x04\x08\x01\x18\x02", 8);
    reason = "bad_consumers";
  }
  SECTION("big-endian") {
    // num_shards: 2, endianness: BIG, version { producer: 1 }
    header = std::string("\x08\x02\x10\x01\x1a\x02\x08\x01", 8);
    reason = "endian";
  }
  WriteFileOrDie(ref->index_path, BuildTable({{{"", header}}, entries}));
  RequireError(StatusOf(Open(ref->prefix)), StatusCode::kFailedPrecondition,
               {"ref.index", reason});
}

TEST_CASE("Index file missing is NotFound naming it", "[corruption]") {
  std::unique_ptr<Reference> ref = MakeReference();
  SECTION("prefix") {
    CKPT_REQUIRE_OK(Env::Default()->DeleteFile(ref->index_path));
    RequireError(StatusOf(Open(ref->prefix)), StatusCode::kNotFound,
                 {"ref.index", "not found"});
  }
  SECTION("an index file name given as the prefix suggests the prefix") {
    RequireError(StatusOf(Open(ref->index_path)), StatusCode::kNotFound,
                 {"ref.index.index", ref->prefix});
  }
}

TEST_CASE("Snappy index block with a wrong declared length is DataLoss",
          "[corruption]") {
  if (::ckpt::testing::SkipWithoutTfTestData()) return;
  // The TensorFlow-written vector whose only data block is snappy-compressed
  // (153 stored bytes, type 1, declared uncompressed length 192 = c0 01).
  const std::string original =
      ::ckpt::testing::TfPath("saved_model_half_plus_two_tf2_cpu/variables");
  std::string index = ReadFileOrDie(IndexFilename(original));
  REQUIRE(index.size() == 239);
  REQUIRE(index.substr(0, 2) == "\xc0\x01");
  REQUIRE(index[153] == '\x01');
  bool corrupt = true;
  SECTION("unchanged (control)") { corrupt = false; }
  SECTION("declared length larger than the data") {
    index[0] = '\xff';  // 16383
    index[1] = '\x7f';
  }
  SECTION("declared length smaller than the data") {
    index[0] = '\x80';  // 128
    index[1] = '\x01';
  }
  // Re-seal the block so that only the snappy payload is wrong.
  const char type = 1;
  const uint32_t crc =
      crc32c::Extend(crc32c::Value(index.data(), 153), &type, 1);
  std::string trailer;
  PutFixed32(&trailer, crc32c::Mask(crc));
  index.replace(154, 4, trailer);

  TempDir dir;
  const std::string prefix = dir.Join("variables");
  WriteFileOrDie(IndexFilename(prefix), index);
  WriteFileOrDie(DataFilename(prefix, 0, 1),
                 ReadFileOrDie(DataFilename(original, 0, 1)));
  if (!corrupt) {
    std::unique_ptr<BundleReader> reader = OpenOrDie(prefix);
    absl::StatusOr<Tensor> b = reader->Read("b/.ATTRIBUTES/VARIABLE_VALUE");
    CKPT_REQUIRE_OK(b);
    REQUIRE(b->flat<float>()[0] == 2.0f);
    return;
  }
  // The header lives in that block, so Open already fails.
  RequireError(StatusOf(Open(prefix)), StatusCode::kDataLoss,
               {"variables.index", "snappy"});
}

// ---------------------------------------------------------------------------
// Malformed key order (hand-built indexes).
// ---------------------------------------------------------------------------

TEST_CASE("Unsorted keys in the index are DataLoss", "[corruption]") {
  std::unique_ptr<Reference> ref = MakeReference();
  KeyValues entries = ReferenceIndexEntries(*ref);
  const std::string header = entries[0].second;
  auto value_of = [&entries](absl::string_view key) {
    for (const auto& [k, v] : entries) {
      if (k == key) return v;
    }
    FAIL("no entry " << key);
    return std::string();
  };
  std::string bad_key;
  // The header has a block of its own, which Open reads; the index keys
  // (each block's last key) stay sorted.
  SECTION("within one block") {
    WriteFileOrDie(ref->index_path,
                   BuildTable({{{"", header}},
                               {{kFloatKey, value_of(kFloatKey)},
                                {kScalarKey, value_of(kScalarKey)},
                                {kInt64Key, value_of(kInt64Key)},
                                {kString2Key, value_of(kString2Key)}}}));
    bad_key = kInt64Key;
  }
  SECTION("across blocks") {
    WriteFileOrDie(ref->index_path,
                   BuildTable({{{"", header}},
                               {{kFloatKey, value_of(kFloatKey)},
                                {kScalarKey, value_of(kScalarKey)}},
                               {{kInt64Key, value_of(kInt64Key)},
                                {kString2Key, value_of(kString2Key)}}}));
    bad_key = kInt64Key;
  }
  // Reading the crafted file: well under 1 MiB allocated.
  testing::AllocationScope allocation_scope;
  std::unique_ptr<BundleReader> reader = OpenOrDie(ref->prefix);
  RequireError(StatusOf(reader->ListEntries()), StatusCode::kDataLoss,
               {"ref.index", bad_key, "out of order"});
  RequireError(reader->ForEachEntry([](absl::string_view, const BundleEntry&) {
    return absl::OkStatus();
  }),
               StatusCode::kDataLoss, {"ref.index", bad_key, "out of order"});
  CHECK(allocation_scope.peak_bytes() < (int64_t{1} << 20));
}

TEST_CASE("Duplicate key in the index is DataLoss", "[corruption]") {
  std::unique_ptr<Reference> ref = MakeReference();
  RewriteIndex(*ref, [](KeyValues* entries) {
    for (size_t i = 0; i < entries->size(); ++i) {
      if ((*entries)[i].first == kInt64Key) {
        entries->insert(entries->begin() + static_cast<std::ptrdiff_t>(i) + 1,
                        (*entries)[i]);
        return;
      }
    }
  });
  // Reading the crafted file: well under 1 MiB allocated.
  testing::AllocationScope allocation_scope;
  std::unique_ptr<BundleReader> reader = OpenOrDie(ref->prefix);
  RequireError(StatusOf(reader->ListEntries()), StatusCode::kDataLoss,
               {"ref.index", kInt64Key, "out of order"});
  CHECK(allocation_scope.peak_bytes() < (int64_t{1} << 20));
}

TEST_CASE("Index without the header entry is DataLoss", "[corruption]") {
  std::unique_ptr<Reference> ref = MakeReference();
  KeyValues entries = ReferenceIndexEntries(*ref);
  REQUIRE(entries.front().first.empty());
  entries.erase(entries.begin());
  WriteFileOrDie(ref->index_path, BuildTable({entries}));
  RequireError(StatusOf(Open(ref->prefix)), StatusCode::kDataLoss,
               {"ref.index", "header"});
}

// ---------------------------------------------------------------------------
// Writer errors.
// ---------------------------------------------------------------------------

TEST_CASE("Writer fails when the bundle directory cannot be created",
          "[corruption]") {
  TempDir dir;
  const std::string file = dir.Join("regular_file");
  WriteFileOrDie(file, "not a directory");
  std::string prefix;
  std::string named;
  SECTION("the prefix's directory is a regular file") {
    prefix = file + "/ckpt-1";
    named = file;
  }
  SECTION("a parent of the prefix's directory is a regular file") {
    prefix = file + "/sub/ckpt-1";
    named = file + "/sub";
  }
  absl::StatusOr<std::unique_ptr<BundleWriter>> writer =
      BundleWriter::Create(Env::Default(), prefix);
  RequireError(StatusOf(writer), StatusCode::kFailedPrecondition,
               {named + ": ", "ot a directory"});
  // Nothing was created next to the regular file.
  absl::StatusOr<std::vector<std::string>> children =
      Env::Default()->GetChildren(dir.path());
  CKPT_REQUIRE_OK(children);
  REQUIRE(*children == std::vector<std::string>{"regular_file"});
  REQUIRE(ReadFileOrDie(file) == "not a directory");
}

}  // namespace
}  // namespace ckpt
