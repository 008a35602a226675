// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: ckpt/bundle_format.h
// -----------------------------------------------------------------------------
//
// The vocabulary of a TensorBundle V2 that BundleWriter and BundleReader
// share (as LevelDB's table/format.h serves its builder and reader): file
// names, the header entry, a decoded index entry, the compression
// extension, and the shard limit. The bytes are specified in
// docs/format.md.
//
// Example:
//
//   ckpt::DataFilename("/tmp/model/ckpt-1", 0, 2);
//   // "/tmp/model/ckpt-1.data-00000-of-00002"

#ifndef CKPT_BUNDLE_FORMAT_H_
#define CKPT_BUNDLE_FORMAT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "ckpt/dtype.h"
#include "ckpt/tensor.h"

namespace ckpt {

// Largest number of data files a bundle may have (read and written).
inline constexpr int kMaxNumShards = 1 << 20;

// Per-tensor compression (a ckpt extension, docs/format.md §14 LZ4 extension).
enum class Compression {
  kNone,  // TensorFlow-compatible (default)
  kLz4,   // LZ4 block per numeric tensor; TensorFlow refuses such bundles
          // with a version error instead of misreading them
};

// "prefix.index".
std::string IndexFilename(absl::string_view prefix);
// "prefix.data-00003-of-00008".
std::string DataFilename(absl::string_view prefix, int shard_id,
                         int num_shards);

// The header entry (key "").
struct BundleHeader {
  int num_shards = 0;
  int producer_version = 0;
  int min_consumer_version = 0;
  std::vector<std::string> features;  // ckpt extensions in use ("lz4")
};

// A decoded and validated index entry.
struct BundleEntry {
  // As stored; may be a value this reader cannot read (see the contract):
  // check IsCheckpointableDataType before relying on it.
  DataType dtype = DataType::kInvalid;
  TensorShape shape;
  int shard_id = 0;
  int64_t offset = 0;
  int64_t size = 0;            // stored bytes
  uint32_t masked_crc32c = 0;  // as stored (masked)
  int num_slices = 0;          // > 0: a partitioned tensor
  Compression compression = Compression::kNone;
  bool byte_shuffle = false;
};

}  // namespace ckpt

#endif  // CKPT_BUNDLE_FORMAT_H_
