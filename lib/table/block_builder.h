// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// BlockBuilder assembles one block of prefix-compressed key/value entries
// with a restart array (every `restart_interval`-th key stored whole).
// Keys must be added in strictly increasing order (checked by TableBuilder).

#ifndef CKPT_LIB_TABLE_BLOCK_BUILDER_H_
#define CKPT_LIB_TABLE_BLOCK_BUILDER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace ckpt::table {

class BlockBuilder {
 public:
  explicit BlockBuilder(int restart_interval);

  void Reset();
  void Add(absl::string_view key, absl::string_view value);
  // Appends the restart array and returns the finished block, valid until
  // Reset().
  absl::string_view Finish();
  // Size of the block if finished now: entries + 4 * restarts + 4.
  size_t CurrentSizeEstimate() const;
  bool empty() const { return buffer_.empty(); }

 private:
  const int restart_interval_;
  std::string buffer_;
  std::vector<uint32_t> restarts_;
  int counter_ = 0;
  bool finished_ = false;
  std::string last_key_;
};

}  // namespace ckpt::table

#endif  // CKPT_LIB_TABLE_BLOCK_BUILDER_H_
