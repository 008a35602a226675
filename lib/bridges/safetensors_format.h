// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// The safetensors container (huggingface/safetensors): its header and the
// model.safetensors.index.json of a sharded model. Pure: no I/O beyond the
// file handed to ReadSafetensorsHeader.
//
// Layout: u64 little-endian N, N bytes of UTF-8 JSON, then the data region.
// The JSON is an object mapping each tensor name to
//   {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}
// (offsets relative to the data region) plus an optional
// "__metadata__": {string: string}.
//
// Reading trusts nothing. Every problem is DataLoss naming the file, the
// tensor (quoted with QuoteForMessage) and the offending value: a file
// shorter than 8 bytes; N above kMaxSafetensorsHeaderBytes or past the end
// of the file; JSON that does not parse (invalid UTF-8 included); a top
// level that is not an object; nesting deeper than 3 levels (refused as
// soon as it is seen, by a SAX handler, so "[[[[..." costs nothing);
// duplicate keys at any level (which a DOM parser would silently merge); an
// empty name; an unknown dtype, or one without a TensorFlow equivalent
// ("F8_E8M0", "F4", "C64", ...); an entry missing dtype, shape or
// data_offsets, or with another field; a shape that is not an array of at
// most 254 non-negative integers, or whose element count overflows int64 or
// byte size uint64; data_offsets that are not two unsigned integers with
// begin <= end; end - begin other than elements x dtype size; tensors that,
// sorted by begin, do not tile the data region exactly (a hole, an overlap
// or bytes after the last tensor); "__metadata__" that is not an object of
// strings; a header that does not start with '{' (a byte-order mark or
// leading whitespace); a number written with '-' ("-0" included) where an
// unsigned integer belongs. Zero tensors with an empty data region is a
// valid file, and the header may be padded with trailing spaces (writers
// pad it to 8 bytes).
//
// Example:
//
//   std::vector<SafetensorsTensorInfo> tensors = {
//       {"dense.weight", DataType::kFloat, {2, 3}},
//       {"dense.bias", DataType::kFloat, {3}}};
//   CKPT_ASSIGN_OR_RETURN(std::string head,
//                         SerializeSafetensorsHeader(tensors, {}));
//   // tensors[1].begin == 24, tensors[1].end == 36: write `head`, then the
//   // 24 + 12 bytes of data; ReadSafetensorsHeader gives the tensors back.

#ifndef CKPT_LIB_BRIDGES_SAFETENSORS_FORMAT_H_
#define CKPT_LIB_BRIDGES_SAFETENSORS_FORMAT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "ckpt/dtype.h"
#include "ckpt/env.h"

namespace ckpt::bridges {

// Largest JSON header accepted, as the reference implementation.
inline constexpr uint64_t kMaxSafetensorsHeaderBytes = 100'000'000;
// Largest model.safetensors.index.json accepted.
inline constexpr uint64_t kMaxSafetensorsIndexBytes = 100'000'000;

// The __metadata__ key under which ckpt export carries the serialized object
// graph (base64) and ckpt import looks for it (docs/bridges.md).
inline constexpr absl::string_view kObjectGraphMetadataKey =
    "ckpt.object_graph";

struct SafetensorsTensorInfo {
  std::string name;
  DataType dtype = DataType::kInvalid;
  std::vector<int64_t> shape;
  uint64_t begin = 0;  // [begin, end) relative to the data region
  uint64_t end = 0;
};

struct SafetensorsHeader {
  // Sorted by begin (file order); ties (empty tensors) by end, then name.
  std::vector<SafetensorsTensorInfo> tensors;
  // "__metadata__", sorted by key.
  std::vector<std::pair<std::string, std::string>> metadata;
  uint64_t data_start = 0;  // 8 + N
};

// The safetensors dtype name of `dt`: "BOOL", "U8", "I8", "I16", "U16",
// "F16", "BF16", "I32", "U32", "F32", "F64", "I64", "U64", "F8_E5M2",
// "F8_E4M3" (kFloat8E4M3FN); nullopt for the types safetensors lacks
// (string, complex, variant, resource, quantized, int4, the fnuz float8s).
std::optional<absl::string_view> SafetensorsDtypeName(DataType dt);
// Inverse of SafetensorsDtypeName.
std::optional<DataType> DataTypeFromSafetensorsName(absl::string_view name);

// Reads and validates the header of `file`, whose whole size is
// `file_size`. Errors of `file` are returned as they are.
absl::StatusOr<SafetensorsHeader> ReadSafetensorsHeader(
    const RandomAccessFile& file, uint64_t file_size,
    absl::string_view display_name);

// The same on the bytes of a whole file (tests and fuzzing).
absl::StatusOr<SafetensorsHeader> ParseSafetensors(
    absl::string_view bytes, absl::string_view display_name);

// The 8-byte length and the JSON header for `tensors` laid out back to back
// in the given order: begin and end are computed here (from dtype and
// shape) and written into `tensors`. Compact JSON, "__metadata__" first
// (omitted when `metadata` is empty), each entry's fields in the order
// dtype, shape, data_offsets, padded with spaces to a multiple of 8 bytes
// (as the reference implementation). InvalidArgument for a dtype
// safetensors lacks, an empty or duplicate name, the name "__metadata__", a
// name or metadata string that is not valid UTF-8, a duplicate metadata
// key, an invalid shape (negative dimension, rank > 254, overflow), or a
// header over kMaxSafetensorsHeaderBytes (no reader would accept it).
absl::StatusOr<std::string> SerializeSafetensorsHeader(
    std::vector<SafetensorsTensorInfo>& tensors,
    absl::Span<const std::pair<std::string, std::string>> metadata);

// model.safetensors.index.json of a sharded export, as transformers writes
// it (json.dumps(indent=2, sort_keys=True) + "\n", ASCII only):
//   {"metadata": {"total_size": N, ...metadata...}, "weight_map": {name: file}}
// A metadata key "total_size" is replaced by `total_size`; of duplicate
// keys the first is kept. Bytes that are not valid UTF-8 are written as
// \u00XX (callers pass names SerializeSafetensorsHeader accepted).
std::string SerializeSafetensorsIndex(
    uint64_t total_size,
    absl::Span<const std::pair<std::string, std::string>> metadata,
    absl::Span<const std::pair<std::string, std::string>> weight_map);

struct SafetensorsIndex {
  uint64_t total_size = 0;  // 0 when absent
  // name -> shard file name, sorted by name.
  std::vector<std::pair<std::string, std::string>> weight_map;
};

// Parses an index. DataLoss naming the file: larger than
// kMaxSafetensorsIndexBytes, not JSON, not an object, nesting deeper than
// 16, duplicate keys, no "weight_map" object, a total_size that is not a
// non-negative integer, an empty tensor name, a value that is not a plain
// file name (empty, ".", "..", containing '/', '\\' or NUL). Other keys and
// other metadata values are ignored.
absl::StatusOr<SafetensorsIndex> ParseSafetensorsIndex(
    absl::string_view json, absl::string_view display_name);

}  // namespace ckpt::bridges

#endif  // CKPT_LIB_BRIDGES_SAFETENSORS_FORMAT_H_
