// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Entry codec: BundleEntry / BundleHeader <-> the protobuf values stored in a
// bundle's `.index` table (BundleEntryProto under every tensor key,
// BundleHeaderProto under the empty key). Pure: no I/O.
//
// Encoding is canonical and byte-identical to TensorFlow's writer
// (docs/format.md §4 The header entry, §5 Tensor entries): fields in
// field-number order, proto3 defaults omitted, the shape always present (a
// scalar is `12 00`). ckpt's extension fields (numbered 1000) are written
// only when used.
//
// Decoding treats the bytes as untrusted and validates everything a reader
// relies on, so callers can use a decoded entry without further checks:
//   * entries: a valid shape, offset and size >= 0, shard_id in
//     [0, num_shards), size == elements x element size for uncompressed
//     fixed-size tensors (checked multiplication), a string payload of at
//     least n + 4 bytes, a variant payload of at least 5n bytes (never
//     compressed), an LZ4 size in
//     [raw / 255, LZ4_compressBound(raw)] (LZ4 expands at most 255-fold) and
//     a raw size of at most LZ4_MAX_INPUT_SIZE.
//     The dtype is kept as stored. An entry whose dtype is not
//     checkpointable (resource, invalid, a value outside the enum) still
//     decodes, with only the dtype-independent checks, so that it can be
//     listed; whoever reads its bytes must call CheckReadableDataType first.
//   * header: num_shards in [1, kMaxNumShards], little-endian, version
//     accepted by consumer version kConsumerVersion, only known features.
// Codes: DataLoss for bytes that cannot be a valid value (unparseable proto,
// negative offset, sizes that disagree), InvalidArgument for well-formed
// values this reader refuses (shape, shard out of range),
// FailedPrecondition for newer versions, unknown features, big-endian data.
// Messages name the key (quoted) and the offending value; callers prepend
// the file name.

#ifndef CKPT_LIB_BUNDLE_ENTRY_CODEC_H_
#define CKPT_LIB_BUNDLE_ENTRY_CODEC_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/tensor_slice.h"

namespace ckpt::bundle {

// TensorFlow's kTensorBundleVersion, written as VersionDef.producer.
inline constexpr int kProducerVersion = 1;
// The consumer version of this reader. TensorFlow's is 1; bundles that use
// ckpt extensions set min_consumer = 2 so TensorFlow refuses them.
inline constexpr int kConsumerVersion = 2;
// min_consumer written when a ckpt extension is used.
inline constexpr int kExtensionMinConsumer = 2;
// Largest num_shards accepted (and written): ckpt::kMaxNumShards.
using ::ckpt::kMaxNumShards;
// Feature name of the LZ4 extension in BundleHeaderProto.ckpt_features.
inline constexpr absl::string_view kLz4Feature = "lz4";

// Canonical BundleEntryProto bytes of `entry`. The ckpt_encoding extension
// is written only for compressed or shuffled entries. `slices` (the full-
// tensor entry of a partitioned tensor) are written as field 7 in the given
// order, each TensorSliceProto as TensorFlow's TensorSlice::AsProto writes
// it (a full dimension as an empty Extent, otherwise start, omitted when 0,
// and length); entry.num_slices is ignored.
std::string EncodeEntry(const BundleEntry& entry,
                        absl::Span<const TensorSlice> slices = {});

// The `slices` (field 7) of the BundleEntryProto `value` stored under `key`,
// in stored order; parsed by hand so that memory stays proportional to the
// slices actually decoded. DataLoss for malformed records, an extent
// TensorSlice::Create refuses (start < 0, length < -1, a full dimension
// with a start, overflow), or more than `max_slices` slices.
absl::StatusOr<std::vector<TensorSlice>> DecodeEntrySlices(
    absl::string_view key, absl::string_view value, size_t max_slices);

// Parses and validates the value stored under `key`. `header` supplies
// num_shards and the features the bundle declared (an LZ4 entry needs the
// "lz4" feature).
absl::StatusOr<BundleEntry> DecodeEntry(absl::string_view key,
                                        absl::string_view value,
                                        const BundleHeader& header);

// Validates a decoded entry (the checks listed above). Exposed for the
// writer and tests.
absl::Status ValidateEntry(absl::string_view key, const BundleEntry& entry,
                           const BundleHeader& header);

// Canonical BundleHeaderProto bytes: num_shards, little-endian (omitted),
// version {producer, min_consumer}, features. For a plain bundle of one
// shard: `08 01 1a 02 08 01`.
std::string EncodeHeader(const BundleHeader& header);

// Parses and validates the header value (stored under the empty key).
absl::StatusOr<BundleHeader> DecodeHeader(absl::string_view value);

// OK for a dtype a bundle entry may hold (IsCheckpointableDataType).
// Otherwise the error for reading such an entry, naming `key`: DataLoss for
// values no TensorFlow writes into a checkpoint (invalid, resource, the
// reference types 101-199, negative values), Unimplemented for other values
// outside the enum (a dtype newer than this reader).
absl::Status CheckReadableDataType(absl::string_view key, DataType dtype);

// Bytes of `num_elements` elements of fixed-size `dtype`; InvalidArgument on
// overflow of int64 or for a dtype without a fixed size.
absl::StatusOr<int64_t> FixedTensorBytes(DataType dtype, int64_t num_elements);

}  // namespace ckpt::bundle

#endif  // CKPT_LIB_BUNDLE_ENTRY_CODEC_H_
