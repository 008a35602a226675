// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Block: a parsed, checksum-verified table block and an iterator over its
// entries. Parsing is defensive: restart offsets, entry lengths and shared
// prefixes are bounds-checked, and keys must be strictly increasing. Create()
// walks every entry once and returns DataLoss for any violation, so an
// iterator over a created block only meets well-formed entries; it still
// bounds-checks every read and would end with a DataLoss status rather than
// read outside the block.

#ifndef CKPT_LIB_TABLE_BLOCK_H_
#define CKPT_LIB_TABLE_BLOCK_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "table/iterator.h"

namespace ckpt::table {

class Block {
 public:
  // Takes the block bytes (trailer already stripped and verified). DataLoss
  // if the restart array does not fit (count > (size - 4) / 4, or entries
  // but no restarts), a restart offset is not an entry boundary (the first
  // must be 0) or its entry has shared != 0, an entry's varints or lengths
  // run past the entries, shared > previous key length, or keys are not
  // strictly increasing. `num_restarts == 0` with no entries is an empty
  // block, as in TensorFlow. `what` names the block in messages
  // ("<file>: block at offset N").
  static absl::StatusOr<std::shared_ptr<const Block>> Create(
      std::string contents, std::string what);

  // The iterator keeps the block alive.
  std::unique_ptr<Iterator> NewIterator() const;

  size_t size() const { return contents_.size(); }
  uint32_t num_restarts() const { return num_restarts_; }
  const std::string& what() const { return what_; }

 private:
  Block(std::string contents, uint32_t restart_offset, uint32_t num_restarts,
        std::string what);
  friend class BlockIterator;
  std::string contents_;
  uint32_t restart_offset_;
  uint32_t num_restarts_;
  std::string what_;
  std::weak_ptr<const Block> self_;
};

}  // namespace ckpt::table

#endif  // CKPT_LIB_TABLE_BLOCK_H_
