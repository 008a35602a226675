// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Bundle file names (docs/format.md §1 Files and names): "P.index" and
// "P.data-%05d-of-%05d" (more digits above 99999, as printf prints them).

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "ckpt/bundle_reader.h"

namespace ckpt {

std::string IndexFilename(absl::string_view prefix) {
  return absl::StrCat(prefix, ".index");
}

std::string DataFilename(absl::string_view prefix, int shard_id,
                         int num_shards) {
  return absl::StrFormat("%s.data-%05d-of-%05d", prefix, shard_id, num_shards);
}

}  // namespace ckpt
