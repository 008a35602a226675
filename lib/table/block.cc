// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Block::Create validates the whole block once (restart array, every entry's
// varints and lengths, shared prefixes, strictly increasing keys, restart
// points on entry boundaries with whole keys), so iterators over a created
// block only ever see well-formed entries. The iterator still bounds-checks
// every read, so a logic error can never turn into an out-of-bounds access.

#include "table/block.h"

#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "util/coding.h"
#include "util/errors.h"

namespace ckpt::table {

namespace {

// One decoded entry header. `delta` points at the key suffix, `value` follows
// it; `end` is the offset of the next entry.
struct EntryHeader {
  uint32_t shared = 0;
  uint32_t non_shared = 0;
  uint32_t value_length = 0;
  const char* delta = nullptr;
  uint32_t end = 0;
};

// Decodes the header of the entry at `offset` in data[0, limit). Returns false
// if any varint is truncated or the key suffix and value do not fit.
bool DecodeEntry(const char* data, uint32_t offset, uint32_t limit,
                 EntryHeader* e) {
  if (offset >= limit) return false;
  const char* p = data + offset;
  const char* end = data + limit;
  if ((p = GetVarint32Ptr(p, end, &e->shared)) == nullptr) return false;
  if ((p = GetVarint32Ptr(p, end, &e->non_shared)) == nullptr) return false;
  if ((p = GetVarint32Ptr(p, end, &e->value_length)) == nullptr) return false;
  const uint64_t remaining = static_cast<uint64_t>(end - p);
  if (static_cast<uint64_t>(e->non_shared) + e->value_length > remaining) {
    return false;
  }
  e->delta = p;
  e->end = static_cast<uint32_t>((p - data) + e->non_shared + e->value_length);
  return true;
}

absl::Status BlockError(const std::string& what, const std::string& detail) {
  return absl::DataLossError(absl::StrCat(what, ": ", detail));
}

}  // namespace

Block::Block(std::string contents, uint32_t restart_offset,
             uint32_t num_restarts, std::string what)
    : contents_(std::move(contents)),
      restart_offset_(restart_offset),
      num_restarts_(num_restarts),
      what_(std::move(what)) {}

absl::StatusOr<std::shared_ptr<const Block>> Block::Create(std::string contents,
                                                           std::string what) {
  const size_t size = contents.size();
  if (size < sizeof(uint32_t)) {
    return BlockError(what, absl::StrCat("block too short (", size,
                                         " bytes) to hold a restart count"));
  }
  if (size > std::numeric_limits<uint32_t>::max()) {
    return BlockError(what, absl::StrCat("block too large (", size, " bytes)"));
  }
  const char* data = contents.data();
  const uint32_t num_restarts = DecodeFixed32(data + size - sizeof(uint32_t));
  const uint64_t max_restarts = (size - sizeof(uint32_t)) / sizeof(uint32_t);
  if (num_restarts > max_restarts) {
    return BlockError(
        what, absl::StrCat("restart count ", num_restarts,
                           " too large for a block of ", size, " bytes"));
  }
  const uint32_t restart_offset = static_cast<uint32_t>(
      size - (1 + static_cast<uint64_t>(num_restarts)) * sizeof(uint32_t));
  auto restart_at = [&](uint32_t i) {
    return DecodeFixed32(data + restart_offset + i * sizeof(uint32_t));
  };

  if (num_restarts == 0 && restart_offset != 0) {
    return BlockError(what, absl::StrCat("block has ", restart_offset,
                                         " bytes of entries but no restart "
                                         "points"));
  }
  if (restart_offset == 0) {
    // No entries: the restart array may only hold the initial offset 0.
    if (num_restarts > 1 || (num_restarts == 1 && restart_at(0) != 0)) {
      return BlockError(what, "restart offsets out of range in an empty block");
    }
  } else if (restart_at(0) != 0) {
    return BlockError(what, absl::StrCat("first restart offset is ",
                                         restart_at(0), ", not 0"));
  }

  // Walk every entry once.
  std::string key;
  std::string prev_key;
  uint32_t next_restart = 0;  // index into the restart array
  uint32_t offset = 0;
  uint64_t index = 0;
  while (offset < restart_offset) {
    EntryHeader e;
    if (!DecodeEntry(data, offset, restart_offset, &e)) {
      return BlockError(
          what, absl::StrCat("corrupt entry ", index, " at offset ", offset,
                             ": lengths out of range"));
    }
    if (next_restart < num_restarts) {
      const uint32_t r = restart_at(next_restart);
      if (r < offset) {
        return BlockError(
            what, absl::StrCat("restart point ", next_restart, " (offset ", r,
                               ") is not at an entry boundary"));
      }
      if (r == offset) {
        if (e.shared != 0) {
          return BlockError(
              what,
              absl::StrCat("entry ", index, " at restart offset ", offset,
                           " has shared length ", e.shared, " (must be 0)"));
        }
        ++next_restart;
      }
    }
    if (e.shared > prev_key.size()) {
      return BlockError(
          what, absl::StrCat("entry ", index, " at offset ", offset,
                             ": shared length ", e.shared,
                             " exceeds previous key length ", prev_key.size()));
    }
    key.assign(prev_key.data(), e.shared);
    key.append(e.delta, e.non_shared);
    if (index > 0 && !(absl::string_view(prev_key) < absl::string_view(key))) {
      return BlockError(
          what, absl::StrCat("keys out of order: ", QuoteForMessage(key),
                             " at offset ", offset, " does not follow ",
                             QuoteForMessage(prev_key)));
    }
    std::swap(key, prev_key);
    offset = e.end;
    ++index;
  }
  if (next_restart < num_restarts && restart_offset != 0) {
    return BlockError(
        what, absl::StrCat("restart point ", next_restart, " (offset ",
                           restart_at(next_restart),
                           ") is out of range or not at an entry boundary"));
  }

  std::shared_ptr<Block> block(new Block(std::move(contents), restart_offset,
                                         num_restarts, std::move(what)));
  block->self_ = block;
  return std::shared_ptr<const Block>(std::move(block));
}

// Iterates a validated Block. Invalid once it runs off the end or (never
// expected after Create's validation) finds a malformed entry.
class BlockIterator final : public Iterator {
 public:
  explicit BlockIterator(std::shared_ptr<const Block> block)
      : block_(std::move(block)),
        data_(block_->contents_.data()),
        restart_offset_(block_->restart_offset_),
        num_restarts_(block_->num_restarts_),
        current_(restart_offset_),
        next_(restart_offset_) {}

  bool Valid() const override { return current_ < restart_offset_; }
  absl::Status status() const override { return status_; }
  absl::string_view key() const override { return key_; }
  absl::string_view value() const override { return value_; }

  void SeekToFirst() override {
    if (!status_.ok()) return;
    SeekToRestartPoint(0);
    ParseNextEntry();
  }

  void Next() override {
    if (!Valid()) return;
    ParseNextEntry();
  }

  void Seek(absl::string_view target) override {
    if (!status_.ok()) return;
    if (num_restarts_ == 0) {
      MarkInvalid();
      return;
    }
    // Last restart point whose key is < target (or 0).
    uint32_t left = 0;
    uint32_t right = num_restarts_ - 1;
    while (left < right) {
      const uint32_t mid = left + (right - left + 1) / 2;
      const uint32_t offset = RestartOffset(mid);
      EntryHeader e;
      if (!DecodeEntry(data_, offset, restart_offset_, &e) || e.shared != 0) {
        Corrupt(offset);
        return;
      }
      if (absl::string_view(e.delta, e.non_shared) < target) {
        left = mid;
      } else {
        right = mid - 1;
      }
    }
    SeekToRestartPoint(left);
    // Each step advances by at least one entry header, so this terminates.
    while (ParseNextEntry()) {
      if (!(absl::string_view(key_) < target)) return;
    }
  }

 private:
  uint32_t RestartOffset(uint32_t i) const {
    return DecodeFixed32(data_ + restart_offset_ + i * sizeof(uint32_t));
  }

  void SeekToRestartPoint(uint32_t i) {
    key_.clear();
    value_ = {};
    next_ = num_restarts_ == 0 ? restart_offset_ : RestartOffset(i);
    current_ = next_;
  }

  void MarkInvalid() {
    current_ = restart_offset_;
    next_ = restart_offset_;
    key_.clear();
    value_ = {};
  }

  void Corrupt(uint32_t offset) {
    status_ = absl::DataLossError(
        absl::StrCat(block_->what(), ": corrupt entry at offset ", offset));
    MarkInvalid();
  }

  // Parses the entry at next_; false (and invalid) at the end or on error.
  bool ParseNextEntry() {
    current_ = next_;
    if (current_ >= restart_offset_) {
      MarkInvalid();
      return false;
    }
    EntryHeader e;
    if (!DecodeEntry(data_, current_, restart_offset_, &e) ||
        e.shared > key_.size()) {
      Corrupt(current_);
      return false;
    }
    key_.resize(e.shared);
    key_.append(e.delta, e.non_shared);
    value_ = absl::string_view(e.delta + e.non_shared, e.value_length);
    next_ = e.end;
    return true;
  }

  const std::shared_ptr<const Block> block_;
  const char* const data_;
  const uint32_t restart_offset_;  // end of the entries
  const uint32_t num_restarts_;
  uint32_t current_;  // offset of the current entry; restart_offset_ if none
  uint32_t next_;     // offset of the entry after it
  std::string key_;
  absl::string_view value_;
  absl::Status status_;
};

std::unique_ptr<Iterator> Block::NewIterator() const {
  std::shared_ptr<const Block> self = self_.lock();
  return std::make_unique<BlockIterator>(std::move(self));
}

}  // namespace ckpt::table
