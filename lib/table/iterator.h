// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Iterator over sorted key/value pairs of a block or a table. Keys compare
// as unsigned bytes. After a corruption is found the iterator becomes
// invalid and status() reports it.

#ifndef CKPT_LIB_TABLE_ITERATOR_H_
#define CKPT_LIB_TABLE_ITERATOR_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace ckpt::table {

class Iterator {
 public:
  virtual ~Iterator() = default;
  virtual bool Valid() const = 0;
  virtual void SeekToFirst() = 0;
  // Positions at the first key >= target.
  virtual void Seek(absl::string_view target) = 0;
  virtual void Next() = 0;
  // Valid() required; views stay valid until the iterator moves.
  virtual absl::string_view key() const = 0;
  virtual absl::string_view value() const = 0;
  virtual absl::Status status() const = 0;
};

}  // namespace ckpt::table

#endif  // CKPT_LIB_TABLE_ITERATOR_H_
