// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// TableBuilder / Table: model-based round trips, TensorFlow's block-splitting
// rules, index-key helpers, and byte-for-byte re-encoding of the index files
// TensorFlow wrote (shared/testdata/tf).

#include "table/table.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "ckpt/crc32c.h"
#include "ckpt/env.h"
#include "table/block.h"
#include "table/block_builder.h"
#include "table/format.h"
#include "table/table_builder.h"
#include "testing/test_util.h"
#include "util/coding.h"
#include "util/errors.h"

namespace ckpt::table {
namespace {

using Entries = std::vector<std::pair<std::string, std::string>>;
using Model = std::map<std::string, std::string>;

constexpr uint64_t kMaxFile = uint64_t{1} << 30;

std::string BuildTable(Env* env, const std::string& path,
                       const Entries& entries,
                       const TableOptions& options = TableOptions()) {
  auto file = env->NewWritableFile(path);
  CKPT_REQUIRE_OK(file);
  TableBuilder builder(options, file->get());
  for (const auto& [k, v] : entries) CKPT_REQUIRE_OK(builder.Add(k, v));
  CKPT_REQUIRE_OK(builder.Finish());
  CHECK(builder.num_entries() == entries.size());
  CKPT_REQUIRE_OK((*file)->Close());
  auto bytes = ReadFileToString(env, path, kMaxFile);
  CKPT_REQUIRE_OK(bytes);
  CHECK(bytes->size() == builder.file_size());
  return *bytes;
}

std::string BuildTableBytes(const Entries& entries,
                            const TableOptions& options = TableOptions()) {
  std::unique_ptr<Env> env = NewMemEnv();
  return BuildTable(env.get(), "/t.index", entries, options);
}

void WriteMem(Env* env, const std::string& path, const std::string& bytes) {
  auto file = env->NewWritableFile(path);
  CKPT_REQUIRE_OK(file);
  CKPT_REQUIRE_OK((*file)->Append(bytes));
  CKPT_REQUIRE_OK((*file)->Close());
}

std::unique_ptr<Table> OpenTable(Env* env, const std::string& path) {
  auto file = env->NewRandomAccessFile(path);
  CKPT_REQUIRE_OK(file);
  auto table = Table::Open(std::move(*file));
  CKPT_REQUIRE_OK(table);
  return std::move(*table);
}

Entries Scan(const Table& table) {
  Entries out;
  auto it = table.NewIterator();
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    out.emplace_back(std::string(it->key()), std::string(it->value()));
  }
  CKPT_REQUIRE_OK(it->status());
  return out;
}

// ---- an independent walk over the file layout ----

struct BlockInfo {
  std::string index_key;
  BlockHandle handle;
  Entries entries;
};

struct Layout {
  Footer footer;
  std::vector<BlockInfo> blocks;
};

Entries ScanBlock(const std::string& contents) {
  auto block = Block::Create(contents, "layout");
  CKPT_REQUIRE_OK(block);
  Entries out;
  auto it = (*block)->NewIterator();
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    out.emplace_back(std::string(it->key()), std::string(it->value()));
  }
  CKPT_REQUIRE_OK(it->status());
  return out;
}

Layout ReadLayout(const RandomAccessFile& file) {
  Layout layout;
  std::string footer(kFooterLength, '\0');
  CKPT_REQUIRE_OK(
      file.Read(file.size() - kFooterLength, kFooterLength, footer.data()));
  CKPT_REQUIRE_OK(layout.footer.DecodeFrom(footer));
  auto index = ReadBlock(file, layout.footer.index_handle, kMaxFile);
  CKPT_REQUIRE_OK(index);
  for (auto& [key, value] : ScanBlock(*index)) {
    BlockInfo info;
    info.index_key = key;
    absl::string_view v = value;
    CKPT_REQUIRE_OK(info.handle.DecodeFrom(&v));
    REQUIRE(v.empty());
    auto contents = ReadBlock(file, info.handle, kMaxFile);
    CKPT_REQUIRE_OK(contents);
    info.entries = ScanBlock(*contents);
    layout.blocks.push_back(std::move(info));
  }
  return layout;
}

std::string FinishedBlockSize(const Entries& entries, size_t begin, size_t end,
                              int restart_interval) {
  BlockBuilder b(restart_interval);
  for (size_t i = begin; i < end; ++i)
    b.Add(entries[i].first, entries[i].second);
  return std::string(b.Finish());
}

std::string Separator(std::string a, absl::string_view b) {
  FindShortestSeparator(&a, b);
  return a;
}

std::string Successor(std::string a) {
  FindShortSuccessor(&a);
  return a;
}

// Checks the rules of docs/format.md §3.5 on a written table: blocks
// contiguous from offset 0, each cut at the first entry that brings it to
// >= block_size or just before an entry of >= 2 * block_size bytes, index
// keys = separator / successor, then the metaindex, the index and the footer.
void CheckLayout(const std::string& bytes, const Entries& entries,
                 const TableOptions& options) {
  std::unique_ptr<Env> env = NewMemEnv();
  WriteMem(env.get(), "/layout.index", bytes);
  auto file = env->NewRandomAccessFile("/layout.index");
  CKPT_REQUIRE_OK(file);
  const Layout layout = ReadLayout(**file);

  uint64_t offset = 0;
  size_t next_entry = 0;
  for (size_t b = 0; b < layout.blocks.size(); ++b) {
    const BlockInfo& info = layout.blocks[b];
    INFO("block " << b << " of " << layout.blocks.size());
    REQUIRE(info.handle.offset == offset);
    REQUIRE_FALSE(info.entries.empty());
    const size_t begin = next_entry;
    const size_t end = begin + info.entries.size();
    REQUIRE(end <= entries.size());
    for (size_t i = begin; i < end; ++i)
      REQUIRE(info.entries[i - begin] == entries[i]);
    next_entry = end;

    const std::string full =
        FinishedBlockSize(entries, begin, end, options.block_restart_interval);
    REQUIRE(info.handle.size == full.size());
    if (end - begin > 1) {
      // It was not full before its last entry.
      CHECK(FinishedBlockSize(entries, begin, end - 1,
                              options.block_restart_interval)
                .size() < options.block_size);
    }
    const bool last = b + 1 == layout.blocks.size();
    if (!last) {
      const auto& next = entries[end];
      const bool next_is_big =
          next.first.size() + next.second.size() >= 2 * options.block_size;
      if (!next_is_big) CHECK(full.size() >= options.block_size);
      CHECK(info.index_key == Separator(entries[end - 1].first, next.first));
    } else {
      CHECK(info.index_key == Successor(entries[end - 1].first));
    }
    offset += info.handle.size + kBlockTrailerSize;
  }
  REQUIRE(next_entry == entries.size());
  // Big entries (other than the very first) start a block.
  for (size_t i = 1; i < entries.size(); ++i) {
    if (entries[i].first.size() + entries[i].second.size() <
        2 * options.block_size) {
      continue;
    }
    bool starts_block = false;
    size_t first = 0;
    for (const BlockInfo& info : layout.blocks) {
      if (first == i) starts_block = true;
      first += info.entries.size();
    }
    CHECK(starts_block);
  }
  CHECK(layout.footer.metaindex_handle.offset == offset);
  CHECK(layout.footer.metaindex_handle.size == 8);
  offset += 8 + kBlockTrailerSize;
  CHECK(layout.footer.index_handle.offset == offset);
  offset += layout.footer.index_handle.size + kBlockTrailerSize;
  CHECK(offset + kFooterLength == bytes.size());
}

// ---- random models ----

std::string RandomKey(std::mt19937* rng, const std::vector<std::string>& seen) {
  std::string key;
  if (!seen.empty() && (*rng)() % 2 == 0) {
    const std::string& base = seen[(*rng)() % seen.size()];
    key = base.substr(0, (*rng)() % (base.size() + 1));
  }
  const size_t extra = (*rng)() % 12;
  for (size_t i = 0; i < extra; ++i) {
    switch ((*rng)() % 5) {
      case 0:
        key.push_back('\0');
        break;
      case 1:
        key.push_back('\xff');
        break;
      case 2:
        key.push_back(static_cast<char>('a' + (*rng)() % 3));
        break;
      default:
        key.push_back(static_cast<char>((*rng)() % 256));
    }
  }
  return key;
}

Model RandomModel(std::mt19937* rng, size_t n, size_t block_size) {
  Model model;
  std::vector<std::string> seen;
  for (size_t i = 0; i < n; ++i) {
    std::string key = RandomKey(rng, seen);
    size_t value_size = (*rng)() % 48;
    if ((*rng)() % 40 == 0) value_size = 2 * block_size + (*rng)() % 8;
    if ((*rng)() % 40 == 0) value_size = block_size + (*rng)() % 8;
    std::string value(value_size, '\0');
    for (char& c : value) c = static_cast<char>((*rng)() % 256);
    seen.push_back(key);
    model[key] = std::move(value);
  }
  return model;
}

TEST_CASE("Index-key helpers follow the spec") {
  // ShortSuccessor: first byte != 0xff incremented, rest dropped.
  CHECK(Successor("step/.ATTRIBUTES/VARIABLE_VALUE") == "t");
  CHECK(Successor("counter") == "d");
  CHECK(Successor("c/.ATTRIBUTES/VARIABLE_VALUE") == "d");
  CHECK(Successor("_CHECKPOINTABLE_OBJECT_GRAPH") == "`");
  CHECK(Successor("layer_with_weights-1/kernel") == "m");
  CHECK(Successor("\xff\xff\xff") == "\xff\xff\xff");
  CHECK(Successor("") == "");
  CHECK(Successor("\xff\xff"
                  "a\xff") ==
        "\xff\xff"
        "b");
  CHECK(Successor(std::string("\xff\x00z", 3)) == "\xff\x01");

  // ShortestSeparator.
  CHECK(Separator("abc", "abe") == "abd");
  CHECK(Separator("abc", "abd") == "abc");     // c+1 == d: no room
  CHECK(Separator("abc", "abcdef") == "abc");  // prefix
  CHECK(Separator("", "a") == "");
  CHECK(Separator("a/kernel", "c/bias") == "b");
  CHECK(Separator("a\xff", "a\xff\x01") == "a\xff");
  CHECK(Separator("a\xfe"
                  "zz",
                  "c") == "b");
  CHECK(Separator("a\xfe"
                  "zz",
                  "b") ==
        "a\xfe"
        "zz");  // a+1 == b
  CHECK(Separator("\xff"
                  "a",
                  "\xff"
                  "c") ==
        "\xff"
        "b");
  CHECK(Separator("x\xfe", "x\xff") == "x\xfe");  // 0xfe+1 == 0xff: no room
  CHECK(Separator("step", "zzz") == "t");
  CHECK(Separator("_CHECKPOINTABLE_OBJECT_GRAPH", "a/.ATTRIBUTES") == "`");
  CHECK(Separator("_CHECKPOINTABLE_OBJECT_GRAPH", "`") ==
        "_CHECKPOINTABLE_OBJECT_GRAPH");
}

TEST_CASE("Empty table bytes") {
  const std::string bytes = BuildTableBytes({});
  const std::string empty_block("\x00\x00\x00\x00\x01\x00\x00\x00", 8);
  const std::string trailer("\x00\xc0\xf2\xa1\xb0", 5);
  std::string expected = empty_block + trailer + empty_block + trailer;
  expected += std::string("\x00\x08\x0d\x08", 4) + std::string(36, '\0');
  expected += std::string("\x57\xfb\x80\x8b\x24\x75\x47\xdb", 8);
  CHECK(bytes == expected);

  std::unique_ptr<Env> env = NewMemEnv();
  WriteMem(env.get(), "/e.index", bytes);
  auto table = OpenTable(env.get(), "/e.index");
  CHECK(Scan(*table).empty());
  CKPT_REQUIRE_ERROR(table->Get(""), absl::StatusCode::kNotFound,
                     "/e.index: key " + QuoteForMessage("") + " not found");
  auto it = table->NewIterator();
  it->Seek("a");
  CHECK_FALSE(it->Valid());
  CKPT_REQUIRE_OK(it->status());
}

TEST_CASE("Spec worked example is reproduced byte for byte") {
  std::string golden = absl::HexStringToBytes(
      "00000608011a02080100010b780801120028043581a5da2b0001117908091204120208"
      "022004281035e02e377d0000000001000000001cbe94ca000000000100000000c0f2a1"
      "b00001027a0035000000000100000000abf8e1793a08470e");
  golden += std::string(36, '\0');
  golden += absl::HexStringToBytes("57fb808b247547db");
  REQUIRE(golden.size() == 138);

  std::unique_ptr<Env> env = NewMemEnv();
  WriteMem(env.get(), "/w.index", golden);
  auto table = OpenTable(env.get(), "/w.index");
  const Entries entries = Scan(*table);
  REQUIRE(entries.size() == 3);
  CHECK(entries[0].first == "");
  CHECK(entries[0].second == absl::HexStringToBytes("08011a020801"));
  CHECK(entries[1].first == "x");
  CHECK(entries[2].first == "y");
  CHECK(BuildTableBytes(entries) == golden);
}

TEST_CASE("Model-based round trips with many small blocks") {
  const size_t block_sizes[] = {64, 100, 128, 256, 512};
  int multi_block_tables = 0;
  for (uint32_t seed = 1; seed <= 60; ++seed) {
    std::mt19937 rng(seed);
    TableOptions options;
    options.block_size = block_sizes[seed % 5];
    options.block_restart_interval = 1 + static_cast<int>(seed % 16);
    const size_t n = seed % 10 == 0 ? rng() % 3 : rng() % 400;
    const Model model = RandomModel(&rng, n, options.block_size);
    const Entries entries(model.begin(), model.end());
    INFO("seed " << seed << " block_size " << options.block_size << " interval "
                 << options.block_restart_interval << " n " << entries.size());

    std::unique_ptr<Env> env = NewMemEnv();
    const std::string bytes =
        BuildTable(env.get(), "/m.index", entries, options);
    CheckLayout(bytes, entries, options);
    auto table = OpenTable(env.get(), "/m.index");
    {
      auto file = env->NewRandomAccessFile("/m.index");
      CKPT_REQUIRE_OK(file);
      if (ReadLayout(**file).blocks.size() > 4) ++multi_block_tables;
    }
    REQUIRE(Scan(*table) == entries);

    auto it = table->NewIterator();
    for (size_t i = 0; i < entries.size(); ++i) {
      const auto& [key, value] = entries[i];
      auto got = table->Get(key);
      CKPT_REQUIRE_OK(got);
      REQUIRE(*got == value);

      it->Seek(key);
      REQUIRE(it->Valid());
      REQUIRE(it->key() == key);
      REQUIRE(it->value() == value);

      // Between this key and the next: the smallest longer key.
      const std::string between = key + std::string(1, '\0');
      if (model.count(between) == 0) {
        CKPT_REQUIRE_ERROR(table->Get(between), absl::StatusCode::kNotFound,
                           "not found");
      }
      it->Seek(between);
      auto expect = model.lower_bound(between);
      if (expect == model.end()) {
        REQUIRE_FALSE(it->Valid());
      } else {
        REQUIRE(it->Valid());
        REQUIRE(it->key() == expect->first);
      }
    }
    // Random targets, hits or misses.
    std::vector<std::string> seen;
    for (const auto& e : entries) seen.push_back(e.first);
    for (int probe = 0; probe < 200; ++probe) {
      const std::string target = RandomKey(&rng, seen);
      it->Seek(target);
      auto expect = model.lower_bound(target);
      if (expect == model.end()) {
        REQUIRE_FALSE(it->Valid());
      } else {
        REQUIRE(it->Valid());
        REQUIRE(it->key() == expect->first);
        REQUIRE(it->value() == expect->second);
        // Iterating on from a Seek visits the rest in order.
        it->Next();
        ++expect;
        if (expect == model.end()) {
          REQUIRE_FALSE(it->Valid());
        } else {
          REQUIRE(it->Valid());
          REQUIRE(it->key() == expect->first);
        }
      }
      auto got = table->Get(target);
      if (model.count(target) != 0) {
        CKPT_REQUIRE_OK(got);
        REQUIRE(*got == model.at(target));
      } else {
        REQUIRE(got.status().code() == absl::StatusCode::kNotFound);
      }
    }
    CKPT_REQUIRE_OK(it->status());
  }
  CHECK(multi_block_tables > 20);
}

TEST_CASE("An entry of at least 2 * block_size gets a block of its own") {
  TableOptions options;
  options.block_size = 1024;
  const std::string big(2048 - 1, 'B');  // key "b" + value = 2048 bytes
  const Entries entries = {{"a", "small"},
                           {"b", big},
                           {"c", "small"},
                           {"d", std::string(2047 - 1, 'D')},  // 2047: no flush
                           {"e", "x"}};
  const std::string bytes = BuildTableBytes(entries, options);
  CheckLayout(bytes, entries, options);

  std::unique_ptr<Env> env = NewMemEnv();
  WriteMem(env.get(), "/big.index", bytes);
  auto file = env->NewRandomAccessFile("/big.index");
  CKPT_REQUIRE_OK(file);
  const Layout layout = ReadLayout(**file);
  REQUIRE(layout.blocks.size() == 4);
  // Flushed before "b" (it is big) and after it (size estimate >= 1024).
  CHECK(layout.blocks[0].entries == Entries{entries[0]});
  CHECK(layout.blocks[1].entries == Entries{entries[1]});
  // "d" is one byte short of 2 * block_size, so it joins "c"'s block, which
  // it fills; "e" starts the last block.
  CHECK(layout.blocks[2].entries == Entries{entries[2], entries[3]});
  CHECK(layout.blocks[3].entries == Entries{entries[4]});
  CHECK(layout.blocks[0].index_key == "a");  // 'a' + 1 == 'b': unchanged
  CHECK(layout.blocks[1].index_key == "b");
  CHECK(layout.blocks[2].index_key == "d");
  CHECK(layout.blocks[3].index_key == "f");
  auto table = OpenTable(env.get(), "/big.index");
  CHECK(Scan(*table) == entries);
}

TEST_CASE("A big first entry is not flushed ahead of itself") {
  TableOptions options;
  options.block_size = 64;
  const Entries entries = {{"k", std::string(500, 'v')}, {"m", "1"}};
  const std::string bytes = BuildTableBytes(entries, options);
  CheckLayout(bytes, entries, options);
}

TEST_CASE("Keys must be strictly increasing") {
  std::unique_ptr<Env> env = NewMemEnv();
  auto file = env->NewWritableFile("/o.index");
  CKPT_REQUIRE_OK(file);
  TableBuilder builder(TableOptions(), file->get());
  CKPT_REQUIRE_OK(builder.Add("", "header"));
  CKPT_REQUIRE_OK(builder.Add("b", "1"));
  CKPT_REQUIRE_ERROR(
      builder.Add("a\x01", "2"), absl::StatusCode::kInvalidArgument,
      QuoteForMessage("a\x01") + " added after " + QuoteForMessage("b"));
  // Sticky.
  CKPT_REQUIRE_ERROR(builder.Add("c", "3"), absl::StatusCode::kInvalidArgument,
                     "strictly increasing");
  CKPT_REQUIRE_ERROR(builder.Finish(), absl::StatusCode::kInvalidArgument,
                     "strictly increasing");
  CHECK(builder.num_entries() == 2);
}

TEST_CASE("Duplicate keys are rejected") {
  std::unique_ptr<Env> env = NewMemEnv();
  auto file = env->NewWritableFile("/d.index");
  CKPT_REQUIRE_OK(file);
  TableBuilder builder(TableOptions(), file->get());
  CKPT_REQUIRE_OK(builder.Add("k", "1"));
  CKPT_REQUIRE_ERROR(builder.Add("k", "2"), absl::StatusCode::kInvalidArgument,
                     "/d.index: table keys must be strictly increasing");
  builder.Abandon();
}

TEST_CASE("Calls after Finish or Abandon fail") {
  std::unique_ptr<Env> env = NewMemEnv();
  auto file = env->NewWritableFile("/f.index");
  CKPT_REQUIRE_OK(file);
  TableBuilder builder(TableOptions(), file->get());
  CKPT_REQUIRE_OK(builder.Add("k", "1"));
  CKPT_REQUIRE_OK(builder.Finish());
  CKPT_REQUIRE_ERROR(builder.Add("l", "1"),
                     absl::StatusCode::kFailedPrecondition, "after Finish");
  CKPT_REQUIRE_ERROR(builder.Finish(), absl::StatusCode::kFailedPrecondition,
                     "after Finish");

  TableBuilder abandoned(TableOptions(), file->get());
  abandoned.Abandon();
  CKPT_REQUIRE_ERROR(abandoned.Add("k", "1"),
                     absl::StatusCode::kFailedPrecondition, "Abandon");
}

TEST_CASE("Invalid options are reported") {
  std::unique_ptr<Env> env = NewMemEnv();
  auto file = env->NewWritableFile("/opt.index");
  CKPT_REQUIRE_OK(file);
  TableOptions options;
  options.block_restart_interval = 0;
  TableBuilder builder(options, file->get());
  CKPT_REQUIRE_ERROR(builder.Add("k", "v"), absl::StatusCode::kInvalidArgument,
                     "block_restart_interval");
  CKPT_REQUIRE_ERROR(builder.Finish(), absl::StatusCode::kInvalidArgument,
                     "block_restart_interval");
}

// A WritableFile whose Append fails from the `fail_at`-th call on.
class FailingFile : public WritableFile {
 public:
  explicit FailingFile(int fail_at) : fail_at_(fail_at) {}
  absl::Status Append(absl::string_view data) override {
    if (++calls_ >= fail_at_) {
      return absl::ResourceExhaustedError("/fail: No space left on device");
    }
    written_.append(data.data(), data.size());
    return absl::OkStatus();
  }
  absl::Status Sync() override { return absl::OkStatus(); }
  absl::Status Close() override { return absl::OkStatus(); }
  const std::string& path() const override { return path_; }
  const std::string& written() const { return written_; }

 private:
  const int fail_at_;
  int calls_ = 0;
  std::string path_ = "/fail";
  std::string written_;
};

TEST_CASE("Write errors are sticky") {
  for (int fail_at = 1; fail_at <= 7; ++fail_at) {
    INFO("fail_at " << fail_at);
    FailingFile file(fail_at);
    TableOptions options;
    options.block_size = 16;
    TableBuilder builder(options, &file);
    absl::Status s;
    for (const char* key : {"a", "b", "c", "d"}) {
      s = builder.Add(key, "0123456789abcdef");
      if (!s.ok()) break;
    }
    if (s.ok()) s = builder.Finish();
    CKPT_REQUIRE_ERROR(s, absl::StatusCode::kResourceExhausted, "No space");
    CKPT_REQUIRE_ERROR(builder.status(), absl::StatusCode::kResourceExhausted,
                       "No space");
    CKPT_REQUIRE_ERROR(builder.Add("z", ""),
                       absl::StatusCode::kResourceExhausted, "No space");
    CKPT_REQUIRE_ERROR(builder.Finish(), absl::StatusCode::kResourceExhausted,
                       "No space");
  }
}

// ---- snappy blocks ----

// A snappy raw stream holding `data` as literals (valid for any decoder).
std::string SnappyLiterals(absl::string_view data) {
  std::string out;
  PutVarint32(&out, static_cast<uint32_t>(data.size()));
  while (!data.empty()) {
    const size_t n = std::min<size_t>(data.size(), 65536);
    if (n <= 60) {
      out.push_back(static_cast<char>((n - 1) << 2));
    } else if (n <= 256) {
      out.push_back(static_cast<char>(60 << 2));
      out.push_back(static_cast<char>(n - 1));
    } else {
      out.push_back(static_cast<char>(61 << 2));
      out.push_back(static_cast<char>((n - 1) & 0xff));
      out.push_back(static_cast<char>((n - 1) >> 8));
    }
    out.append(data.data(), n);
    data.remove_prefix(n);
  }
  return out;
}

std::string WithTrailer(absl::string_view contents, char type) {
  std::string out(contents);
  out.push_back(type);
  uint32_t crc = crc32c::Value(out.data(), out.size());
  PutFixed32(&out, crc32c::Mask(crc));
  return out;
}

TEST_CASE("Snappy-compressed blocks are read") {
  // Build a normal table, then rewrite its data blocks as snappy blocks.
  TableOptions options;
  options.block_size = 300;
  std::mt19937 rng(7);
  const Model model = RandomModel(&rng, 120, options.block_size);
  const Entries entries(model.begin(), model.end());
  std::unique_ptr<Env> env = NewMemEnv();
  BuildTable(env.get(), "/plain.index", entries, options);
  auto file = env->NewRandomAccessFile("/plain.index");
  CKPT_REQUIRE_OK(file);
  const Layout layout = ReadLayout(**file);
  REQUIRE(layout.blocks.size() > 3);

  std::string out;
  BlockBuilder index(1);
  for (const BlockInfo& info : layout.blocks) {
    auto contents = ReadBlock(**file, info.handle, kMaxFile);
    CKPT_REQUIRE_OK(contents);
    const std::string compressed = SnappyLiterals(*contents);
    BlockHandle handle{out.size(), compressed.size()};
    out += WithTrailer(compressed, kSnappyCompression);
    std::string handle_encoding;
    handle.EncodeTo(&handle_encoding);
    index.Add(info.index_key, handle_encoding);
  }
  Footer footer;
  footer.metaindex_handle = {out.size(), 8};
  out += WithTrailer(std::string("\0\0\0\0\1\0\0\0", 8), kNoCompression);
  const std::string index_compressed = SnappyLiterals(index.Finish());
  footer.index_handle = {out.size(), index_compressed.size()};
  out += WithTrailer(index_compressed, kSnappyCompression);
  footer.EncodeTo(&out);

  WriteMem(env.get(), "/snappy.index", out);
  auto table = OpenTable(env.get(), "/snappy.index");
  CHECK(Scan(*table) == entries);
  for (const auto& [k, v] : entries) {
    auto got = table->Get(k);
    CKPT_REQUIRE_OK(got);
    CHECK(*got == v);
  }
}

// ---- files on disk ----

TEST_CASE("Round trip through a real file") {
  testing::TempDir dir;
  const std::string path = dir.Join("disk.index");
  Env* env = Env::Default();
  Entries entries;
  for (int i = 0; i < 3000; ++i) {
    entries.emplace_back("tensor/" + std::to_string(100000 + i),
                         std::string(static_cast<size_t>(i % 50), 'x'));
  }
  TableOptions options;
  options.block_size = 4096;
  const std::string bytes = BuildTable(env, path, entries, options);
  CHECK(testing::ReadFileOrDie(path) == bytes);
  CheckLayout(bytes, entries, options);
  auto table = OpenTable(env, path);
  CHECK(Scan(*table) == entries);
  CKPT_REQUIRE_ERROR(table->Get("tensor/"), absl::StatusCode::kNotFound, path);
}

TEST_CASE("Concurrent readers share one Table") {
  TableOptions options;
  options.block_size = 256;
  std::mt19937 rng(4242);
  const Model model = RandomModel(&rng, 500, options.block_size);
  const Entries entries(model.begin(), model.end());
  std::unique_ptr<Env> env = NewMemEnv();
  BuildTable(env.get(), "/c.index", entries, options);
  auto table = OpenTable(env.get(), "/c.index");

  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (size_t i = static_cast<size_t>(t); i < entries.size(); i += 2) {
        auto got = table->Get(entries[i].first);
        if (!got.ok() || *got != entries[i].second) ++failures;
      }
      auto it = table->NewIterator();
      size_t n = 0;
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        if (n >= entries.size() || it->key() != entries[n].first) ++failures;
        ++n;
      }
      if (n != entries.size() || !it->status().ok()) ++failures;
    });
  }
  for (auto& th : threads) th.join();
  CHECK(failures.load() == 0);
}

// Counts the reads that reach the underlying file.
class CountingFile : public RandomAccessFile {
 public:
  CountingFile(std::unique_ptr<RandomAccessFile> base,
               std::shared_ptr<std::atomic<int>> reads)
      : base_(std::move(base)), reads_(std::move(reads)) {}
  absl::Status Read(uint64_t offset, size_t n, char* scratch) const override {
    ++*reads_;
    return base_->Read(offset, n, scratch);
  }
  uint64_t size() const override { return base_->size(); }
  const std::string& path() const override { return base_->path(); }

 private:
  std::unique_ptr<RandomAccessFile> base_;
  std::shared_ptr<std::atomic<int>> reads_;
};

TEST_CASE("Recently read data blocks are cached") {
  TableOptions options;
  options.block_size = 256;
  Entries entries;
  for (int i = 0; i < 400; ++i) {
    entries.emplace_back("k" + std::to_string(1000 + i), "value");
  }
  std::unique_ptr<Env> env = NewMemEnv();
  BuildTable(env.get(), "/cache.index", entries, options);
  auto base = env->NewRandomAccessFile("/cache.index");
  CKPT_REQUIRE_OK(base);
  auto reads = std::make_shared<std::atomic<int>>(0);
  auto table =
      Table::Open(std::make_unique<CountingFile>(std::move(*base), reads));
  CKPT_REQUIRE_OK(table);
  const int after_open = reads->load();
  CHECK(after_open == 2);  // footer + index block

  CKPT_REQUIRE_OK((*table)->Get("k1000"));
  CHECK(reads->load() == after_open + 1);
  CKPT_REQUIRE_OK((*table)->Get("k1001"));  // same block
  CKPT_REQUIRE_OK((*table)->Get("k1000"));
  CHECK(reads->load() == after_open + 1);

  // A full scan reads every block once; the cache stays bounded, and
  // everything still reads back correctly afterwards.
  CHECK(Scan(**table) == entries);
  const int after_scan = reads->load();
  CHECK(after_scan > after_open + 8);
  for (const auto& [k, v] : entries) {
    auto got = (*table)->Get(k);
    CKPT_REQUIRE_OK(got);
    CHECK(*got == v);
  }
}

// ---- TensorFlow-written index files ----

constexpr const char* kSnappyVector = "saved_model_half_plus_two_tf2_cpu";

std::vector<std::string> TfIndexFiles() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(
           testing::TfTestDataDir())) {
    if (e.is_regular_file() && e.path().extension() == ".index") {
      out.push_back(e.path().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST_CASE("Every TensorFlow-written index re-encodes byte for byte") {
  if (testing::SkipWithoutTfTestData()) return;
  int checked = 0;
  for (const std::string& path : TfIndexFiles()) {
    if (path.find(kSnappyVector) != std::string::npos) continue;
    INFO(path);
    auto table = OpenTable(Env::Default(), path);
    const Entries entries = Scan(*table);
    REQUIRE_FALSE(entries.empty());
    CHECK(entries[0].first.empty());  // the BundleHeaderProto
    for (const auto& [k, v] : entries) {
      auto got = table->Get(k);
      CKPT_REQUIRE_OK(got);
      CHECK(*got == v);
    }
    const std::string original = testing::ReadFileOrDie(path);
    const std::string rebuilt = BuildTableBytes(entries);
    CHECK(rebuilt.size() == original.size());
    CHECK(rebuilt == original);
    ++checked;
  }
  CHECK(checked >= 7);
}

TEST_CASE("fsrcnn index layout") {
  if (testing::SkipWithoutTfTestData()) return;
  auto file = Env::Default()->NewRandomAccessFile(
      testing::TfPath("fsrcnn/ckpt-1.index"));
  CKPT_REQUIRE_OK(file);
  const Layout layout = ReadLayout(**file);
  CHECK(layout.footer.metaindex_handle.offset == 3817);
  CHECK(layout.footer.metaindex_handle.size == 8);
  CHECK(layout.footer.index_handle.offset == 3830);
  CHECK(layout.footer.index_handle.size == 15);
  REQUIRE(layout.blocks.size() == 1);
  CHECK(layout.blocks[0].entries.size() == 58);
  CHECK(layout.blocks[0].index_key == "t");  // successor of "step/..."
  auto contents = ReadBlock(**file, layout.blocks[0].handle, kMaxFile);
  CKPT_REQUIRE_OK(contents);
  const char* end = contents->data() + contents->size();
  REQUIRE(DecodeFixed32(end - 4) == 4);
  CHECK(DecodeFixed32(end - 20) == 0);
  CHECK(DecodeFixed32(end - 16) == 1006);
  CHECK(DecodeFixed32(end - 12) == 2129);
  CHECK(DecodeFixed32(end - 8) == 3204);
}

TEST_CASE("The snappy-compressed TensorFlow index decodes") {
  if (testing::SkipWithoutTfTestData()) return;
  const std::string path =
      testing::TfPath(std::string(kSnappyVector) + "/variables.index");
  auto table = OpenTable(Env::Default(), path);
  const Entries entries = Scan(*table);
  std::vector<std::string> keys;
  for (const auto& e : entries) keys.push_back(e.first);
  CHECK(keys == std::vector<std::string>{"", "_CHECKPOINTABLE_OBJECT_GRAPH",
                                         "a/.ATTRIBUTES/VARIABLE_VALUE",
                                         "b/.ATTRIBUTES/VARIABLE_VALUE",
                                         "c/.ATTRIBUTES/VARIABLE_VALUE"});
  CHECK(entries[0].second == absl::HexStringToBytes("08011a020801"));
  auto got = table->Get("a/.ATTRIBUTES/VARIABLE_VALUE");
  CKPT_REQUIRE_OK(got);
  CHECK(*got == entries[2].second);

  // The stored data block is snappy (type 1); decompressed, it is exactly
  // the block our writer produces for the same entries.
  auto file = Env::Default()->NewRandomAccessFile(path);
  CKPT_REQUIRE_OK(file);
  const Layout tf_layout = ReadLayout(**file);
  REQUIRE(tf_layout.blocks.size() == 1);
  const BlockHandle& h = tf_layout.blocks[0].handle;
  const std::string raw = testing::ReadFileOrDie(path);
  CHECK(raw[h.offset + h.size] == '\x01');
  CHECK(h.size == 153);
  auto tf_block = ReadBlock(**file, h, kMaxFile);
  CKPT_REQUIRE_OK(tf_block);
  CHECK(tf_block->size() == 192);

  std::unique_ptr<Env> env = NewMemEnv();
  BuildTable(env.get(), "/r.index", entries);
  auto ours = env->NewRandomAccessFile("/r.index");
  CKPT_REQUIRE_OK(ours);
  const Layout our_layout = ReadLayout(**ours);
  REQUIRE(our_layout.blocks.size() == 1);
  auto our_block = ReadBlock(**ours, our_layout.blocks[0].handle, kMaxFile);
  CKPT_REQUIRE_OK(our_block);
  CHECK(*our_block == *tf_block);
  CHECK(our_layout.blocks[0].index_key == tf_layout.blocks[0].index_key);
}

}  // namespace
}  // namespace ckpt::table
