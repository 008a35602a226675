// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// BlockBuilder / Block: byte layout, restart points, iteration, Seek, and
// rejection of malformed blocks.

#include "table/block.h"

#include <cstdint>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "table/block_builder.h"
#include "testing/test_util.h"
#include "util/coding.h"

namespace ckpt::table {
namespace {

using Entries = std::vector<std::pair<std::string, std::string>>;

std::string BuildBlock(const Entries& entries, int restart_interval) {
  BlockBuilder builder(restart_interval);
  for (const auto& [k, v] : entries) builder.Add(k, v);
  return std::string(builder.Finish());
}

std::shared_ptr<const Block> MustCreate(std::string contents) {
  auto block = Block::Create(std::move(contents), "test block");
  CKPT_REQUIRE_OK(block);
  return *block;
}

Entries Scan(const Block& block) {
  Entries out;
  auto it = block.NewIterator();
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    out.emplace_back(std::string(it->key()), std::string(it->value()));
  }
  CKPT_REQUIRE_OK(it->status());
  return out;
}

// An independent encoder for one entry, used to predict offsets.
size_t EntrySize(size_t shared, size_t non_shared, size_t value_size) {
  return VarintLength(shared) + VarintLength(non_shared) +
         VarintLength(value_size) + non_shared + value_size;
}

size_t SharedPrefix(const std::string& a, const std::string& b) {
  size_t n = 0;
  while (n < a.size() && n < b.size() && a[n] == b[n]) ++n;
  return n;
}

Entries NumberedEntries(int n) {
  Entries entries;
  for (int i = 0; i < n; ++i) {
    char key[32];
    std::snprintf(key, sizeof(key), "key/%04d/suffix", i);
    entries.emplace_back(key, std::string(static_cast<size_t>(i % 7), 'v'));
  }
  return entries;
}

std::string Fixed32(uint32_t v) {
  std::string s;
  PutFixed32(&s, v);
  return s;
}

TEST_CASE("Empty block is one restart at offset 0") {
  BlockBuilder builder(16);
  CHECK(builder.empty());
  CHECK(builder.CurrentSizeEstimate() == 8);
  const std::string bytes(builder.Finish());
  CHECK(bytes == std::string("\x00\x00\x00\x00\x01\x00\x00\x00", 8));

  auto block = MustCreate(bytes);
  CHECK(block->num_restarts() == 1);
  auto it = block->NewIterator();
  it->SeekToFirst();
  CHECK_FALSE(it->Valid());
  it->Seek("");
  CHECK_FALSE(it->Valid());
  it->Seek("zzz");
  CHECK_FALSE(it->Valid());
  CKPT_REQUIRE_OK(it->status());
}

TEST_CASE("A block with zero restarts and no entries is empty") {
  auto block = MustCreate(Fixed32(0));
  auto it = block->NewIterator();
  it->SeekToFirst();
  CHECK_FALSE(it->Valid());
  it->Seek("a");
  CHECK_FALSE(it->Valid());
  CKPT_REQUIRE_OK(it->status());
}

TEST_CASE("Exact bytes of a small block") {
  // "abc"->"1" (restart), "abd"->"22" shares "ab".
  const std::string bytes = BuildBlock({{"abc", "1"}, {"abd", "22"}}, 16);
  const std::string expected = std::string(
                                   "\x00\x03\x01"
                                   "abc1"
                                   "\x02\x01\x02"
                                   "d22",
                                   13) +
                               Fixed32(0) + Fixed32(1);
  CHECK(bytes == expected);
}

TEST_CASE("Reset starts a fresh block") {
  BlockBuilder builder(4);
  builder.Add("x", "1");
  builder.Finish();
  builder.Reset();
  CHECK(builder.empty());
  builder.Add("a", "2");  // would be out of order without the reset
  const std::string bytes(builder.Finish());
  CHECK(bytes == BuildBlock({{"a", "2"}}, 4));
}

TEST_CASE("CurrentSizeEstimate is entries + 4 * restarts + 4") {
  BlockBuilder builder(2);
  const Entries entries = NumberedEntries(5);
  size_t entry_bytes = 0;
  size_t restarts = 1;
  std::string prev;
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& [k, v] = entries[i];
    const bool restart = i > 0 && i % 2 == 0;
    if (restart) ++restarts;
    const size_t shared = restart ? 0 : SharedPrefix(prev, k);
    entry_bytes += EntrySize(shared, k.size() - shared, v.size());
    builder.Add(k, v);
    CHECK(builder.CurrentSizeEstimate() == entry_bytes + 4 * restarts + 4);
    prev = k;
  }
  CHECK(builder.Finish().size() == entry_bytes + 4 * restarts + 4);
}

TEST_CASE("Restart points are every interval-th entry at the right offsets") {
  for (int interval : {1, 2, 3, 7, 16}) {
    INFO("interval " << interval);
    const Entries entries = NumberedEntries(58);
    const std::string bytes = BuildBlock(entries, interval);

    // Predict the offsets independently.
    std::vector<uint32_t> expected_restarts;
    size_t offset = 0;
    std::string prev;
    for (size_t i = 0; i < entries.size(); ++i) {
      const auto& [k, v] = entries[i];
      const bool restart = i % static_cast<size_t>(interval) == 0;
      if (restart) expected_restarts.push_back(static_cast<uint32_t>(offset));
      const size_t shared = restart ? 0 : SharedPrefix(prev, k);
      offset += EntrySize(shared, k.size() - shared, v.size());
      prev = k;
    }
    const uint32_t num = DecodeFixed32(bytes.data() + bytes.size() - 4);
    REQUIRE(num == expected_restarts.size());
    REQUIRE(bytes.size() == offset + 4 * num + 4);
    for (uint32_t i = 0; i < num; ++i) {
      const uint32_t r = DecodeFixed32(bytes.data() + offset + 4 * i);
      CHECK(r == expected_restarts[i]);
      CHECK(bytes[r] == '\0');  // whole key stored: shared == 0
    }
    auto block = MustCreate(bytes);
    CHECK(block->num_restarts() == num);
    CHECK(Scan(*block) == entries);
  }
}

TEST_CASE("Round trip of random binary keys") {
  std::mt19937 rng(1234);
  for (int round = 0; round < 50; ++round) {
    std::map<std::string, std::string> model;
    const int n = static_cast<int>(rng() % 200);
    std::string last;
    for (int i = 0; i < n; ++i) {
      std::string key = last.substr(0, rng() % (last.size() + 1));
      const size_t extra = rng() % 6;
      for (size_t j = 0; j < extra; ++j) {
        const int kind = static_cast<int>(rng() % 4);
        key.push_back(kind == 0   ? '\0'
                      : kind == 1 ? '\xff'
                                  : static_cast<char>(rng() % 256));
      }
      std::string value(rng() % 40, '\0');
      for (char& c : value) c = static_cast<char>(rng() % 256);
      model[key] = value;
      last = key;
    }
    Entries entries(model.begin(), model.end());
    const int interval = 1 + static_cast<int>(rng() % 16);
    auto block = MustCreate(BuildBlock(entries, interval));
    REQUIRE(Scan(*block) == entries);

    // Seek to every key, and just before and after it.
    auto it = block->NewIterator();
    for (size_t i = 0; i < entries.size(); ++i) {
      it->Seek(entries[i].first);
      REQUIRE(it->Valid());
      CHECK(it->key() == entries[i].first);
      CHECK(it->value() == entries[i].second);

      const std::string after = entries[i].first + std::string(1, '\0');
      it->Seek(after);
      if (i + 1 < entries.size()) {
        REQUIRE(it->Valid());
        CHECK(it->key() == entries[i + 1].first);
      } else {
        CHECK_FALSE(it->Valid());
      }
    }
    CKPT_REQUIRE_OK(it->status());
  }
}

TEST_CASE("Seek before, between and after keys") {
  const Entries entries = {{"b", "1"}, {"d", "2"}, {"f", "3"}};
  auto block = MustCreate(BuildBlock(entries, 1));
  auto it = block->NewIterator();
  it->Seek("");
  REQUIRE(it->Valid());
  CHECK(it->key() == "b");
  it->Seek("c");
  REQUIRE(it->Valid());
  CHECK(it->key() == "d");
  it->Next();
  REQUIRE(it->Valid());
  CHECK(it->key() == "f");
  CHECK(it->value() == "3");
  it->Next();
  CHECK_FALSE(it->Valid());
  it->Seek("g");
  CHECK_FALSE(it->Valid());
  it->Seek("f");
  REQUIRE(it->Valid());
  CHECK(it->key() == "f");
  CKPT_REQUIRE_OK(it->status());
}

TEST_CASE("An iterator keeps its block alive") {
  auto block = MustCreate(BuildBlock({{"k", "v"}}, 16));
  auto it = block->NewIterator();
  block.reset();
  it->SeekToFirst();
  REQUIRE(it->Valid());
  CHECK(it->key() == "k");
  CHECK(it->value() == "v");
}

// ---- malformed blocks ----

std::string Entry(uint32_t shared, uint32_t non_shared, uint32_t value_size,
                  absl::string_view rest) {
  std::string s;
  PutVarint32(&s, shared);
  PutVarint32(&s, non_shared);
  PutVarint32(&s, value_size);
  s.append(rest.data(), rest.size());
  return s;
}

std::string WithRestarts(std::string entries, std::vector<uint32_t> restarts) {
  for (uint32_t r : restarts) PutFixed32(&entries, r);
  PutFixed32(&entries, static_cast<uint32_t>(restarts.size()));
  return entries;
}

TEST_CASE("Block shorter than the restart count") {
  CKPT_REQUIRE_ERROR(Block::Create("abc", "blk"), absl::StatusCode::kDataLoss,
                     "blk: block too short");
  CKPT_REQUIRE_ERROR(Block::Create("", "blk"), absl::StatusCode::kDataLoss,
                     "too short");
}

TEST_CASE("Restart count larger than the block") {
  std::string bytes = BuildBlock({{"a", "1"}}, 16);
  EncodeFixed32(bytes.data() + bytes.size() - 4, 3);
  CKPT_REQUIRE_ERROR(Block::Create(bytes, "blk"), absl::StatusCode::kDataLoss,
                     "restart count 3 too large");
  EncodeFixed32(bytes.data() + bytes.size() - 4, 0xffffffffu);
  CKPT_REQUIRE_ERROR(Block::Create(bytes, "blk"), absl::StatusCode::kDataLoss,
                     "restart count");
}

TEST_CASE("Entries without restart points") {
  CKPT_REQUIRE_ERROR(Block::Create(WithRestarts(Entry(0, 1, 0, "a"), {}), "b"),
                     absl::StatusCode::kDataLoss, "no restart points");
}

TEST_CASE("Restart offsets must be on entry boundaries") {
  const std::string two = Entry(0, 1, 0, "a") + Entry(0, 1, 0, "b");
  CHECK(Block::Create(WithRestarts(two, {0, 4}), "b").ok());
  CKPT_REQUIRE_ERROR(Block::Create(WithRestarts(two, {1}), "b"),
                     absl::StatusCode::kDataLoss, "first restart offset");
  CKPT_REQUIRE_ERROR(Block::Create(WithRestarts(two, {0, 2}), "b"),
                     absl::StatusCode::kDataLoss, "not at an entry boundary");
  CKPT_REQUIRE_ERROR(Block::Create(WithRestarts(two, {0, 100}), "b"),
                     absl::StatusCode::kDataLoss, "out of range");
  CKPT_REQUIRE_ERROR(Block::Create(WithRestarts(two, {0, 4, 4}), "b"),
                     absl::StatusCode::kDataLoss, "restart point 2");
  CKPT_REQUIRE_ERROR(Block::Create(WithRestarts("", {0, 0}), "b"),
                     absl::StatusCode::kDataLoss, "empty block");
  CKPT_REQUIRE_ERROR(Block::Create(WithRestarts("", {7}), "b"),
                     absl::StatusCode::kDataLoss, "empty block");
  // A restart entry must hold a whole key.
  const std::string shared = Entry(0, 2, 0, "ab") + Entry(1, 1, 0, "c");
  CKPT_REQUIRE_ERROR(Block::Create(WithRestarts(shared, {0, 5}), "b"),
                     absl::StatusCode::kDataLoss, "must be 0");
}

TEST_CASE("Entry lengths out of range") {
  // value length runs past the entries
  CKPT_REQUIRE_ERROR(
      Block::Create(WithRestarts(Entry(0, 1, 9, "ab"), {0}), "blk"),
      absl::StatusCode::kDataLoss, "blk: corrupt entry 0 at offset 0");
  // truncated varint
  CKPT_REQUIRE_ERROR(Block::Create(WithRestarts("\x80", {0}), "blk"),
                     absl::StatusCode::kDataLoss, "corrupt entry");
  // huge lengths whose sum overflows 32 bits
  CKPT_REQUIRE_ERROR(
      Block::Create(
          WithRestarts(Entry(0, 0xffffffffu, 0xffffffffu, "abc"), {0}), "blk"),
      absl::StatusCode::kDataLoss, "corrupt entry");
}

TEST_CASE("Shared length longer than the previous key") {
  const std::string bytes =
      WithRestarts(Entry(0, 1, 0, "a") + Entry(2, 1, 0, "b"), {0});
  CKPT_REQUIRE_ERROR(Block::Create(bytes, "blk"), absl::StatusCode::kDataLoss,
                     "shared length 2 exceeds previous key length 1");
  CKPT_REQUIRE_ERROR(Block::Create(WithRestarts(Entry(1, 1, 0, "a"), {0}), "b"),
                     absl::StatusCode::kDataLoss, "shared length");
}

TEST_CASE("Keys out of order or duplicated within a block") {
  CKPT_REQUIRE_ERROR(Block::Create(BuildBlock({{"b", ""}, {"a", ""}}, 16), "b"),
                     absl::StatusCode::kDataLoss, "keys out of order");
  CKPT_REQUIRE_ERROR(Block::Create(BuildBlock({{"a", ""}, {"a", ""}}, 1), "b"),
                     absl::StatusCode::kDataLoss, "keys out of order");
  CKPT_REQUIRE_ERROR(
      Block::Create(BuildBlock({{"ab", ""}, {"a", ""}}, 16), "b"),
      absl::StatusCode::kDataLoss, "keys out of order");
}

TEST_CASE("Random block contents never crash") {
  std::mt19937 rng(99);
  int accepted = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string bytes;
    if (round % 2 == 0) {
      // Mutate a valid block.
      bytes = BuildBlock(NumberedEntries(1 + round % 40),
                         1 + static_cast<int>(rng() % 16));
      const int flips = 1 + static_cast<int>(rng() % 3);
      for (int f = 0; f < flips; ++f) {
        bytes[rng() % bytes.size()] = static_cast<char>(rng() % 256);
      }
    } else {
      bytes.resize(rng() % 64);
      for (char& c : bytes) c = static_cast<char>(rng() % 8);
    }
    auto block = Block::Create(bytes, "fuzz");
    if (!block.ok()) {
      REQUIRE(block.status().code() == absl::StatusCode::kDataLoss);
      continue;
    }
    ++accepted;
    auto it = (*block)->NewIterator();
    std::string prev;
    size_t n = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (n > 0) REQUIRE(prev < std::string(it->key()));
      prev = std::string(it->key());
      REQUIRE(++n <= bytes.size());
    }
    REQUIRE(it->status().ok());
    it->Seek("key/0010");
    if (n > 0) {
      it->Seek(prev);
      REQUIRE(it->Valid());
      REQUIRE(it->key() == prev);
    }
  }
  CHECK(accepted > 0);
}

}  // namespace
}  // namespace ckpt::table
