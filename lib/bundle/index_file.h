// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Index file: the one place that serializes a bundle's `.index` table
// (docs/format.md §3, §4), shared by BundleWriter::Finish() and
// MergeBundles(). The header goes under the empty key, then every entry in
// key order, through table::TableBuilder with TensorFlow's layout
// (262,144-byte blocks, restart interval 16, no compression) unless the
// caller shrinks it. Defined in bundle_writer.cc.

#ifndef CKPT_LIB_BUNDLE_INDEX_FILE_H_
#define CKPT_LIB_BUNDLE_INDEX_FILE_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "bundle/pending_index.h"
#include "ckpt/bundle_format.h"
#include "ckpt/env.h"

namespace ckpt::bundle {

// Layout of the index table; the defaults are TensorFlow's.
struct IndexLayout {
  size_t block_size = 262144;
  int restart_interval = 16;
};

// "<final_path>.tempstate<random>": the name a file is written under before
// it is renamed to `final_path` (docs/format.md §2).
inline std::string TempStateName(absl::string_view final_path,
                                 uint64_t random) {
  return absl::StrCat(final_path, ".tempstate", random);
}

// Writes the index table into `file`, just opened (empty):
// EncodeHeader(header) under the empty key, then `entries` (keys non-empty,
// already encoded) in key order, laid out as `layout`. With `sync` the file
// is fsynced; then it is closed. On error the file may hold partial
// contents and be open or closed: the caller removes it. Errors are the
// file's and TableBuilder's, naming the file's path.
absl::Status WriteIndexFile(WritableFile& file, const BundleHeader& header,
                            const PendingIndex& entries,
                            const IndexLayout& layout, bool sync);

}  // namespace ckpt::bundle

#endif  // CKPT_LIB_BUNDLE_INDEX_FILE_H_
