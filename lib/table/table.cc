// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0

#include "table/table.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "util/errors.h"

namespace ckpt::table {

namespace {

std::string BlockWhat(const RandomAccessFile& file, absl::string_view kind,
                      const BlockHandle& handle) {
  return absl::StrCat(file.path(), ": ", kind, " at offset ", handle.offset);
}

}  // namespace

Table::Table(std::unique_ptr<RandomAccessFile> file,
             std::shared_ptr<const Block> index_block)
    : file_(std::move(file)), index_block_(std::move(index_block)) {}

absl::StatusOr<std::unique_ptr<Table>> Table::Open(
    std::unique_ptr<RandomAccessFile> file) {
  if (file == nullptr) {
    return absl::InvalidArgumentError("Table::Open: null file");
  }
  const std::string& path = file->path();
  const uint64_t file_size = file->size();
  if (file_size < static_cast<uint64_t>(kFooterLength)) {
    return absl::DataLossError(
        absl::StrCat(path, ": file too short (", file_size,
                     " bytes) to be a table; the footer alone is ",
                     kFooterLength, " bytes"));
  }
  std::string footer_bytes(kFooterLength, '\0');
  if (absl::Status s = file->Read(file_size - kFooterLength, kFooterLength,
                                  footer_bytes.data());
      !s.ok()) {
    return s;
  }
  Footer footer;
  if (absl::Status s = footer.DecodeFrom(footer_bytes); !s.ok()) {
    return absl::DataLossError(absl::StrCat(path, ": footer at offset ",
                                            file_size - kFooterLength, ": ",
                                            s.message()));
  }
  // TensorFlow never reads the (always empty) metaindex block, but a handle
  // outside the file means the footer is damaged.
  if (absl::Status s = CheckBlockHandle(*file, footer.metaindex_handle);
      !s.ok()) {
    return absl::DataLossError(
        absl::StrCat(s.message(), " (metaindex handle in the footer)"));
  }

  absl::StatusOr<std::string> index_contents =
      ReadBlock(*file, footer.index_handle, kDefaultMaxBlockBytes);
  if (!index_contents.ok()) {
    return absl::Status(
        index_contents.status().code(),
        absl::StrCat(index_contents.status().message(), " (index block)"));
  }
  absl::StatusOr<std::shared_ptr<const Block>> index_block =
      Block::Create(std::move(*index_contents),
                    BlockWhat(*file, "index block", footer.index_handle));
  if (!index_block.ok()) return index_block.status();

  std::unique_ptr<Table> table(
      new Table(std::move(file), std::move(*index_block)));

  // Decode every index entry now: the index is small (one entry per data
  // block) and checking it once keeps the per-lookup path simple.
  const std::string& what = table->index_block_->what();
  std::unique_ptr<Iterator> it = table->index_block_->NewIterator();
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    IndexEntry entry;
    entry.key = std::string(it->key());
    absl::string_view value = it->value();
    if (!entry.handle.DecodeFrom(&value).ok() || !value.empty()) {
      return absl::DataLossError(absl::StrCat(what, ": index entry for key ",
                                              QuoteForMessage(entry.key),
                                              " is not a valid block handle"));
    }
    if (absl::Status s = CheckBlockHandle(*table->file_, entry.handle);
        !s.ok()) {
      return absl::DataLossError(absl::StrCat(s.message(),
                                              " (index entry for key ",
                                              QuoteForMessage(entry.key), ")"));
    }
    table->index_.push_back(std::move(entry));
  }
  if (!it->status().ok()) return it->status();
  return table;
}

absl::StatusOr<std::shared_ptr<const Block>> Table::ReadDataBlock(
    size_t i) const {
  {
    std::lock_guard<std::mutex> lock(cache_mu_);
    for (auto it = cache_.begin(); it != cache_.end(); ++it) {
      if (it->index != i) continue;
      std::shared_ptr<const Block> block = it->block;
      // Move to the most recently used end.
      std::rotate(it, it + 1, cache_.end());
      return block;
    }
  }
  // Read without holding the lock; two threads may read the same block,
  // which is harmless.
  const BlockHandle& handle = index_[i].handle;
  absl::StatusOr<std::string> contents =
      ReadBlock(*file_, handle, kDefaultMaxBlockBytes);
  if (!contents.ok()) return contents.status();
  absl::StatusOr<std::shared_ptr<const Block>> block =
      Block::Create(std::move(*contents), BlockWhat(*file_, "block", handle));
  if (!block.ok() || (*block)->size() > kCacheMaxBytes) return block;

  std::lock_guard<std::mutex> lock(cache_mu_);
  for (const CachedBlock& cached : cache_) {
    if (cached.index == i) return block;  // another thread cached it
  }
  cache_.push_back(CachedBlock{i, *block});
  cache_bytes_ += (*block)->size();
  while (cache_.size() > kCacheMaxBlocks || cache_bytes_ > kCacheMaxBytes) {
    cache_bytes_ -= cache_.front().block->size();
    cache_.erase(cache_.begin());
  }
  return block;
}

absl::Status Table::CheckKeyInBlockRange(size_t i,
                                         absl::string_view key) const {
  if (key > absl::string_view(index_[i].key)) {
    return absl::DataLossError(absl::StrCat(
        BlockWhat(*file_, "block", index_[i].handle),
        ": keys out of order: key ", QuoteForMessage(key),
        " is greater than its index key ", QuoteForMessage(index_[i].key)));
  }
  if (i > 0 && key <= absl::string_view(index_[i - 1].key)) {
    return absl::DataLossError(
        absl::StrCat(BlockWhat(*file_, "block", index_[i].handle),
                     ": keys out of order: key ", QuoteForMessage(key),
                     " does not follow the previous block (index key ",
                     QuoteForMessage(index_[i - 1].key), ")"));
  }
  return absl::OkStatus();
}

// Two-level iterator: a position in Table::index_ plus an iterator over that
// entry's data block. Errors are sticky. Every step either advances inside a
// block or moves to the next index entry, so iteration always terminates.
class TableIterator final : public Iterator {
 public:
  explicit TableIterator(const Table* table) : table_(table) {}

  bool Valid() const override {
    return status_.ok() && data_iter_ != nullptr && data_iter_->Valid();
  }
  absl::string_view key() const override { return data_iter_->key(); }
  absl::string_view value() const override { return data_iter_->value(); }
  absl::Status status() const override { return status_; }

  void SeekToFirst() override {
    if (!status_.ok()) return;
    LoadBlock(0);
    if (data_iter_ != nullptr) data_iter_->SeekToFirst();
    SettleForward();
  }

  void Seek(absl::string_view target) override {
    if (!status_.ok()) return;
    // The first block whose index key is >= target; every earlier block
    // holds only keys < target.
    const auto& index = table_->index_;
    auto pos =
        std::lower_bound(index.begin(), index.end(), target,
                         [](const Table::IndexEntry& e, absl::string_view t) {
                           return absl::string_view(e.key) < t;
                         });
    LoadBlock(static_cast<size_t>(pos - index.begin()));
    if (data_iter_ != nullptr) data_iter_->Seek(target);
    SettleForward();
  }

  void Next() override {
    if (!Valid()) return;
    data_iter_->Next();
    SettleForward();
  }

 private:
  // Points data_iter_ at block `i` (unpositioned), or clears it past the end.
  void LoadBlock(size_t i) {
    data_iter_.reset();
    block_index_ = i;
    if (i >= table_->index_.size()) return;
    absl::StatusOr<std::shared_ptr<const Block>> block =
        table_->ReadDataBlock(i);
    if (!block.ok()) {
      status_ = block.status();
      return;
    }
    data_iter_ = (*block)->NewIterator();
  }

  // Moves past exhausted blocks to the next entry and checks its key against
  // the index. Bounded by the number of index entries.
  void SettleForward() {
    while (status_.ok() && data_iter_ != nullptr) {
      if (data_iter_->Valid()) {
        status_ = table_->CheckKeyInBlockRange(block_index_, data_iter_->key());
        break;
      }
      if (!data_iter_->status().ok()) {
        status_ = data_iter_->status();
        break;
      }
      LoadBlock(block_index_ + 1);
      if (data_iter_ != nullptr) data_iter_->SeekToFirst();
    }
    if (!status_.ok()) data_iter_.reset();
  }

  const Table* const table_;
  size_t block_index_ = 0;
  std::unique_ptr<Iterator> data_iter_;
  absl::Status status_;
};

std::unique_ptr<Iterator> Table::NewIterator() const {
  return std::make_unique<TableIterator>(this);
}

absl::StatusOr<std::string> Table::Get(absl::string_view key) const {
  auto pos = std::lower_bound(index_.begin(), index_.end(), key,
                              [](const IndexEntry& e, absl::string_view t) {
                                return absl::string_view(e.key) < t;
                              });
  if (pos != index_.end()) {
    // Keys of later blocks are > this block's index key >= key, so if the
    // key exists it is in this block.
    const size_t i = static_cast<size_t>(pos - index_.begin());
    absl::StatusOr<std::shared_ptr<const Block>> block = ReadDataBlock(i);
    if (!block.ok()) return block.status();
    std::unique_ptr<Iterator> it = (*block)->NewIterator();
    it->Seek(key);
    if (!it->status().ok()) return it->status();
    if (it->Valid() && it->key() == key) {
      if (absl::Status s = CheckKeyInBlockRange(i, key); !s.ok()) return s;
      return std::string(it->value());
    }
  }
  return absl::NotFoundError(absl::StrCat(file_->path(), ": key ",
                                          QuoteForMessage(key), " not found"));
}

}  // namespace ckpt::table
