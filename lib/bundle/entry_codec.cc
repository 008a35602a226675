// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// BundleEntryProto / BundleHeaderProto encoding and validation (see
// entry_codec.h for the contract).

#include "bundle/entry_codec.h"

#include <lz4.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "bundle/variant_codec.h"
#include "ckpt/dtype.h"
#include "ckpt/proto/tensor_bundle.pb.h"
#include "ckpt/status.h"
#include "ckpt/tensor.h"
#include "ckpt/tensor_slice.h"
#include "util/coding.h"
#include "util/errors.h"
#include "util/wire.h"

namespace ckpt::bundle {
namespace {

std::string KeyContext(absl::string_view key) {
  return absl::StrCat("key ", QuoteForMessage(key));
}

std::string DtypeText(DataType dtype) {
  return DataTypeDisplayName(static_cast<int32_t>(dtype));
}

bool HasFeature(const BundleHeader& header, absl::string_view feature) {
  return std::find(header.features.begin(), header.features.end(), feature) !=
         header.features.end();
}

absl::Status ValidateStringEntry(absl::string_view key,
                                 const BundleEntry& entry) {
  if (entry.compression != Compression::kNone || entry.byte_shuffle) {
    return absl::InvalidArgumentError(absl::StrCat(
        KeyContext(key), ": string tensors cannot be compressed or shuffled"));
  }
  // n varints of at least one byte each, then the 4-byte length checksum.
  const int64_t n = entry.shape.num_elements();
  if (entry.size < 4 || n > entry.size - 4) {
    return absl::DataLossError(absl::StrCat(
        KeyContext(key), ": string tensor of ", n, " elements needs at least ",
        n, " + 4 bytes but its size is ", entry.size));
  }
  return absl::OkStatus();
}

absl::Status ValidateVariantEntry(absl::string_view key,
                                  const BundleEntry& entry) {
  if (entry.compression != Compression::kNone || entry.byte_shuffle) {
    return absl::InvalidArgumentError(absl::StrCat(
        KeyContext(key), ": variant tensors cannot be compressed or shuffled"));
  }
  // Every element takes a length varint and a 4-byte checksum at least.
  const int64_t n = entry.shape.num_elements();
  if (n > entry.size / kMinVariantElementBytes) {
    return absl::DataLossError(
        absl::StrCat(KeyContext(key), ": variant tensor of ", n,
                     " elements needs at least ", kMinVariantElementBytes,
                     " bytes per element but its size is ", entry.size));
  }
  return absl::OkStatus();
}

absl::Status ValidateFixedEntry(absl::string_view key, const BundleEntry& entry,
                                const BundleHeader& header) {
  absl::StatusOr<int64_t> raw =
      FixedTensorBytes(entry.dtype, entry.shape.num_elements());
  if (!raw.ok()) {
    return Annotate(raw.status(), absl::StrCat(KeyContext(key), ": shape ",
                                               entry.shape.DebugString()));
  }
  switch (entry.compression) {
    case Compression::kNone:
      if (entry.byte_shuffle) {
        return absl::InvalidArgumentError(absl::StrCat(
            KeyContext(key), ": byte_shuffle is set on an uncompressed entry"));
      }
      if (entry.size != *raw) {
        return absl::DataLossError(
            absl::StrCat(KeyContext(key), ": size ", entry.size,
                         " does not match ", DtypeText(entry.dtype), " x ",
                         entry.shape.DebugString(), " = ", *raw, " bytes"));
      }
      return absl::OkStatus();
    case Compression::kLz4: {
      if (!HasFeature(header, kLz4Feature)) {
        return absl::DataLossError(
            absl::StrCat(KeyContext(key),
                         ": entry is LZ4-compressed but the bundle header "
                         "does not declare the \"lz4\" feature"));
      }
      if (*raw > LZ4_MAX_INPUT_SIZE) {
        return absl::DataLossError(
            absl::StrCat(KeyContext(key), ": LZ4-compressed tensor of ", *raw,
                         " bytes exceeds the LZ4 block limit of ",
                         LZ4_MAX_INPUT_SIZE, " bytes"));
      }
      const int64_t bound = LZ4_compressBound(static_cast<int>(*raw));
      if (entry.size < 1 || entry.size > bound) {
        return absl::DataLossError(absl::StrCat(
            KeyContext(key), ": LZ4 size ", entry.size, " is impossible for ",
            *raw, " raw bytes (must be in [1, ", bound, "])"));
      }
      // Every LZ4 input byte yields at most 255 output bytes, so a smaller
      // block cannot hold the tensor (checked before anything is allocated).
      if (*raw > entry.size * 255) {
        return absl::DataLossError(absl::StrCat(
            KeyContext(key), ": LZ4 size ", entry.size, " cannot expand to ",
            *raw, " raw bytes (LZ4 expands at most 255-fold)"));
      }
      return absl::OkStatus();
    }
  }
  return absl::InvalidArgumentError(
      absl::StrCat(KeyContext(key), ": unknown compression ",
                   static_cast<int>(entry.compression)));
}

}  // namespace

absl::StatusOr<int64_t> FixedTensorBytes(DataType dtype, int64_t num_elements) {
  const size_t elem = DataTypeSize(dtype);
  if (elem == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("dtype ", DtypeText(dtype), " has no fixed element size"));
  }
  if (num_elements < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("negative element count ", num_elements));
  }
  const int64_t elem64 = static_cast<int64_t>(elem);
  if (num_elements > std::numeric_limits<int64_t>::max() / elem64) {
    return absl::InvalidArgumentError(
        absl::StrCat(num_elements, " elements of ", DtypeText(dtype),
                     " overflow a 64-bit byte count"));
  }
  return num_elements * elem64;
}

std::string EncodeEntry(const BundleEntry& entry,
                        absl::Span<const TensorSlice> slices) {
  proto::BundleEntryProto p;
  p.set_dtype(static_cast<proto::DataType>(entry.dtype));
  proto::TensorShapeProto* shape = p.mutable_shape();  // always present
  for (int64_t d : entry.shape.dims()) shape->add_dim()->set_size(d);
  p.set_shard_id(entry.shard_id);
  p.set_offset(entry.offset);
  p.set_size(entry.size);
  p.set_crc32c(entry.masked_crc32c);
  if (entry.compression != Compression::kNone || entry.byte_shuffle) {
    proto::CkptEncoding* enc = p.mutable_ckpt_encoding();
    enc->set_codec(entry.compression == Compression::kLz4
                       ? proto::CkptEncoding::LZ4
                       : proto::CkptEncoding::NONE);
    enc->set_byte_shuffle(entry.byte_shuffle);
  }
  for (const TensorSlice& slice : slices) {
    proto::TensorSliceProto* sp = p.add_slices();
    for (const TensorSlice::Extent& e : slice.extents()) {
      proto::TensorSliceProto::Extent* ep = sp->add_extent();
      if (e.full()) continue;  // an empty Extent
      ep->set_start(e.start);
      ep->set_length(e.length);
    }
  }
  std::string out;
  p.SerializeToString(&out);
  return out;
}

absl::Status CheckReadableDataType(absl::string_view key, DataType dtype) {
  if (IsCheckpointableDataType(dtype)) return absl::OkStatus();
  const auto raw = static_cast<int32_t>(dtype);
  // TensorFlow's reference types (DT_FLOAT_REF = 101, ...): value type + 100.
  const bool ref = raw > 100 && raw < 200;
  if (raw < 0 || ref || IsKnownDataType(raw)) {  // invalid, resource, refs
    return absl::DataLossError(absl::StrCat(
        KeyContext(key), ": dtype ",
        IsKnownDataType(raw)
            ? absl::StrCat(DataTypeDisplayName(raw), " (", raw, ")")
            : absl::StrCat(raw),
        ref ? " is a reference type, which" : "",
        " cannot appear in a checkpoint; the entry cannot be read"));
  }
  return absl::UnimplementedError(absl::StrCat(
      KeyContext(key), ": unknown dtype ", raw,
      " (written by a newer TensorFlow?); the entry cannot be read"));
}

absl::Status ValidateEntry(absl::string_view key, const BundleEntry& entry,
                           const BundleHeader& header) {
  if (entry.offset < 0) {
    return absl::DataLossError(
        absl::StrCat(KeyContext(key), ": negative offset ", entry.offset));
  }
  if (entry.size < 0) {
    return absl::DataLossError(
        absl::StrCat(KeyContext(key), ": negative size ", entry.size));
  }
  if (entry.shard_id < 0 || entry.shard_id >= header.num_shards) {
    return absl::InvalidArgumentError(
        absl::StrCat(KeyContext(key), ": shard_id ", entry.shard_id,
                     " out of range [0, ", header.num_shards, ")"));
  }
  if (entry.num_slices < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        KeyContext(key), ": negative slice count ", entry.num_slices));
  }
  // A partitioned tensor's full entry holds no bytes of its own
  // (docs/format.md §11 Partitioned tensors).
  if (entry.num_slices > 0) return absl::OkStatus();
  // Listed, but reads refuse it (CheckReadableDataType): nothing to size.
  if (!IsCheckpointableDataType(entry.dtype)) return absl::OkStatus();
  if (entry.dtype == DataType::kString) return ValidateStringEntry(key, entry);
  if (entry.dtype == DataType::kVariant) {
    return ValidateVariantEntry(key, entry);
  }
  return ValidateFixedEntry(key, entry, header);
}

namespace {

// Copies the serialized BundleEntryProto `value` into *out without its
// `slices` records (field 7), counting them in *count. ckpt reads no sliced
// tensor, so slices are only counted: a crafted entry listing millions of
// them costs no more memory than its own bytes. False if the wire format is
// malformed. Nothing is copied while no slice has been seen: with *count 0
// at the end, *out is empty and `value` itself is the stripped entry.
bool StripSlices(absl::string_view value, std::string* out, int64_t* count) {
  constexpr uint64_t kSlicesField = 7;
  absl::string_view in = value;
  while (!in.empty()) {
    const absl::string_view record_start = in;
    uint64_t tag, v;
    if (!GetVarint64(&in, &tag)) return false;
    switch (tag & 7) {
      case 0:  // varint
        if (!GetVarint64(&in, &v)) return false;
        break;
      case 1:  // fixed64
        if (in.size() < 8) return false;
        in.remove_prefix(8);
        break;
      case 2:  // length-delimited
        if (!GetVarint64(&in, &v) || v > in.size()) return false;
        in.remove_prefix(static_cast<size_t>(v));
        break;
      case 5:  // fixed32
        if (in.size() < 4) return false;
        in.remove_prefix(4);
        break;
      default:  // groups are not used by this message
        return false;
    }
    const size_t record_size = record_start.size() - in.size();
    // Field 7 with another wire type is an unknown field to protobuf,
    // which skips it: kept here for protobuf to skip.
    if ((tag >> 3) == kSlicesField && (tag & 7) == 2) {
      if (*count == 0) {  // the records before the first slice
        out->assign(value.data(),
                    static_cast<size_t>(record_start.data() - value.data()));
      }
      ++*count;
    } else if (*count > 0) {
      out->append(record_start.data(), record_size);
    }
  }
  return true;
}

// The fields of a BundleEntryProto that DecodeEntry uses, as parsed.
struct ParsedEntry {
  int32_t dtype = 0;
  // Inline for the usual ranks: TensorShape::Create() makes the shape's one
  // allocation. More than kMaxRank dims is an error reported by the caller.
  absl::InlinedVector<int64_t, 8> dims;
  int64_t rank = 0;  // the dims stored, even when more than dims holds
  int32_t shard_id = 0;
  int64_t offset = 0;
  int64_t size = 0;
  uint32_t crc32c = 0;
  int64_t num_slices = 0;
  bool has_encoding = false;
  int codec = 0;
  bool byte_shuffle = false;
};

// TensorShapeProto with only `dim { size: N }` records.
bool FastShape(absl::string_view in, ParsedEntry* out) {
  while (!in.empty()) {
    uint64_t tag, size;
    absl::string_view dim;
    if (!WireVarint(&in, &tag) || tag != WireTag(2, 2) ||
        !WireBytes(&in, &dim)) {
      return false;
    }
    size = 0;  // an empty Dim is size 0
    while (!dim.empty()) {
      if (!WireVarint(&dim, &tag) || tag != WireTag(1, 0) ||
          !WireVarint(&dim, &size)) {
        return false;  // a name, an unknown field, a negative size
      }
    }
    // More than kMaxRank is reported by the caller; stop collecting long
    // before memory matters.
    if (out->dims.size() > static_cast<size_t>(TensorShape::kMaxRank)) {
      return false;
    }
    out->dims.push_back(static_cast<int64_t>(size));
  }
  return true;
}

// The encoding ckpt and TensorFlow write for an unpartitioned entry without
// ckpt_encoding: fields 1-6 only, each with its declared wire type,
// non-negative values, a shape of plain dims given at most once. Anything
// else (slices, ckpt_encoding, names, unknown fields, repeated shapes,
// negative or overlong varints) returns false and is parsed by protobuf,
// so the two paths agree on every input the fast one accepts.
bool FastParseEntry(absl::string_view in, ParsedEntry* out) {
  bool have_shape = false;
  while (!in.empty()) {
    uint64_t tag, v;
    if (!WireVarint(&in, &tag)) return false;
    switch (tag) {
      case WireTag(1, 0):  // dtype
        if (!WireVarint(&in, &v) || v > INT32_MAX) return false;
        out->dtype = static_cast<int32_t>(v);
        break;
      case WireTag(2, 2): {  // shape
        absl::string_view shape;
        if (have_shape || !WireBytes(&in, &shape) || !FastShape(shape, out)) {
          return false;
        }
        have_shape = true;
        break;
      }
      case WireTag(3, 0):  // shard_id
        if (!WireVarint(&in, &v) || v > INT32_MAX) return false;
        out->shard_id = static_cast<int32_t>(v);
        break;
      case WireTag(4, 0):  // offset
        if (!WireVarint(&in, &v)) return false;
        out->offset = static_cast<int64_t>(v);
        break;
      case WireTag(5, 0):  // size
        if (!WireVarint(&in, &v)) return false;
        out->size = static_cast<int64_t>(v);
        break;
      case WireTag(6, 5):  // crc32c, fixed32
        if (in.size() < 4) return false;
        out->crc32c = DecodeFixed32(in.data());
        in.remove_prefix(4);
        break;
      default:
        return false;
    }
  }
  out->rank = static_cast<int64_t>(out->dims.size());
  return true;
}

// Any valid encoding, by protobuf (slices stripped first and counted).
bool ProtoParseEntry(absl::string_view value, ParsedEntry* out) {
  // One message per thread, cleared and reused: decoding a 100,000-entry
  // index would otherwise allocate and free its parts 100,000 times.
  thread_local proto::BundleEntryProto p;
  p.Clear();
  std::string stripped;
  int64_t num_slices = 0;
  if (value.size() > static_cast<size_t>(INT_MAX) ||
      !StripSlices(value, &stripped, &num_slices)) {
    return false;
  }
  const absl::string_view wire = num_slices > 0 ? stripped : value;
  if (!p.ParseFromArray(wire.data(), static_cast<int>(wire.size()))) {
    return false;
  }
  out->dtype = p.dtype();
  // One past kMaxRank is enough for the caller's error.
  const int rank = std::min(p.shape().dim_size(), TensorShape::kMaxRank + 1);
  for (int i = 0; i < rank; ++i) out->dims.push_back(p.shape().dim(i).size());
  out->rank = p.shape().dim_size();
  out->shard_id = p.shard_id();
  out->offset = p.offset();
  out->size = p.size();
  out->crc32c = p.crc32c();
  out->num_slices = num_slices;
  out->has_encoding = p.has_ckpt_encoding();
  out->codec = p.ckpt_encoding().codec();
  out->byte_shuffle = p.ckpt_encoding().byte_shuffle();
  return true;
}

}  // namespace

absl::StatusOr<BundleEntry> DecodeEntry(absl::string_view key,
                                        absl::string_view value,
                                        const BundleHeader& header) {
  ParsedEntry p;
  if (!FastParseEntry(value, &p)) {
    p.dims.clear();  // every other field is set by ProtoParseEntry
    if (!ProtoParseEntry(value, &p)) {
      return absl::DataLossError(
          absl::StrCat(KeyContext(key), ": cannot parse BundleEntryProto (",
                       value.size(), " bytes)"));
    }
  }
  BundleEntry entry;
  // Kept as stored even when it cannot be read (resource, an unknown value):
  // the entry is listed and reads return CheckReadableDataType's error.
  entry.dtype = static_cast<DataType>(p.dtype);
  if (p.rank > TensorShape::kMaxRank) {
    return absl::InvalidArgumentError(
        absl::StrCat(KeyContext(key), ": shape has rank ", p.rank, " > ",
                     TensorShape::kMaxRank));
  }
  absl::StatusOr<TensorShape> shape = TensorShape::Create(p.dims);
  if (!shape.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        KeyContext(key), ": invalid shape: ", shape.status().message()));
  }
  entry.shape = *std::move(shape);
  entry.shard_id = p.shard_id;
  entry.offset = p.offset;
  entry.size = p.size;
  entry.masked_crc32c = p.crc32c;
  entry.num_slices = static_cast<int>(p.num_slices);  // <= value.size() / 2
  if (p.has_encoding) {
    switch (p.codec) {
      case proto::CkptEncoding::NONE:
        entry.compression = Compression::kNone;
        break;
      case proto::CkptEncoding::LZ4:
        entry.compression = Compression::kLz4;
        break;
      default:
        return absl::FailedPreconditionError(
            absl::StrCat(KeyContext(key), ": unknown ckpt codec ", p.codec,
                         " (written by a newer ckpt?)"));
    }
    entry.byte_shuffle = p.byte_shuffle;
  }
  CKPT_RETURN_IF_ERROR(ValidateEntry(key, entry, header));
  return entry;
}

namespace {

// Skips the value of a record with wire type `wire` at the front of *in.
bool SkipValue(absl::string_view* in, uint64_t wire) {
  uint64_t v;
  switch (wire) {
    case 0:
      return GetVarint64(in, &v);
    case 1:
      if (in->size() < 8) return false;
      in->remove_prefix(8);
      return true;
    case 2:
      if (!GetVarint64(in, &v) || v > in->size()) return false;
      in->remove_prefix(static_cast<size_t>(v));
      return true;
    case 5:
      if (in->size() < 4) return false;
      in->remove_prefix(4);
      return true;
    default:
      return false;
  }
}

// Reads a length-delimited value at the front of *in into *out.
bool GetLengthDelimited(absl::string_view* in, absl::string_view* out) {
  uint64_t n;
  if (!GetVarint64(in, &n) || n > in->size()) return false;
  *out = in->substr(0, static_cast<size_t>(n));
  in->remove_prefix(static_cast<size_t>(n));
  return true;
}

// One TensorSliceProto.Extent: start (1), oneof length (2). A missing
// length means a full dimension. Unknown fields are skipped.
bool ParseExtent(absl::string_view in, TensorSlice::Extent* e) {
  bool has_length = false;
  int64_t start = 0, length = 0;
  while (!in.empty()) {
    uint64_t tag, v;
    if (!GetVarint64(&in, &tag)) return false;
    const uint64_t field = tag >> 3, wire = tag & 7;
    if ((field == 1 || field == 2) && wire == 0) {
      if (!GetVarint64(&in, &v)) return false;
      if (field == 1) {
        start = static_cast<int64_t>(v);
      } else {
        length = static_cast<int64_t>(v);
        has_length = true;
      }
    } else if (field == 1 || field == 2 || !SkipValue(&in, wire)) {
      return false;
    }
  }
  *e = {start, has_length ? length : TensorSlice::kFullLength};
  return true;
}

// One TensorSliceProto: repeated Extent extent = 1.
absl::Status ParseSlice(absl::string_view key, size_t index,
                        absl::string_view in, TensorSlice* slice) {
  std::vector<TensorSlice::Extent> extents;
  const auto bad = [&](absl::string_view why) {
    return absl::DataLossError(absl::StrCat(KeyContext(key), ": slice ", index,
                                            " of the entry: ", why));
  };
  while (!in.empty()) {
    uint64_t tag;
    if (!GetVarint64(&in, &tag)) return bad("malformed TensorSliceProto");
    if ((tag >> 3) != 1) {
      if (!SkipValue(&in, tag & 7)) return bad("malformed TensorSliceProto");
      continue;
    }
    absl::string_view value;
    if ((tag & 7) != 2 || !GetLengthDelimited(&in, &value)) {
      return bad("malformed TensorSliceProto");
    }
    if (extents.size() >= static_cast<size_t>(TensorShape::kMaxRank)) {
      return bad(
          absl::StrCat("more than ", TensorShape::kMaxRank, " dimensions"));
    }
    TensorSlice::Extent e;
    if (!ParseExtent(value, &e)) return bad("malformed Extent");
    extents.push_back(e);
  }
  absl::StatusOr<TensorSlice> s = TensorSlice::Create(std::move(extents));
  if (!s.ok()) return bad(s.status().message());
  *slice = *std::move(s);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<TensorSlice>> DecodeEntrySlices(
    absl::string_view key, absl::string_view value, size_t max_slices) {
  constexpr uint64_t kSlicesField = 7;
  std::vector<TensorSlice> slices;
  absl::string_view in = value;
  while (!in.empty()) {
    uint64_t tag;
    bool ok = GetVarint64(&in, &tag);
    absl::string_view slice_bytes;
    // Another wire type: an unknown field to protobuf, skipped.
    const bool is_slice = ok && (tag >> 3) == kSlicesField && (tag & 7) == 2;
    if (is_slice) {
      ok = GetLengthDelimited(&in, &slice_bytes);
    } else if (ok) {
      ok = SkipValue(&in, tag & 7);
    }
    if (!ok) {
      return absl::DataLossError(
          absl::StrCat(KeyContext(key), ": cannot parse BundleEntryProto (",
                       value.size(), " bytes)"));
    }
    if (!is_slice) continue;
    if (slices.size() >= max_slices) {
      return absl::DataLossError(
          absl::StrCat(KeyContext(key), ": partitioned tensor lists more than ",
                       max_slices, " slices"));
    }
    TensorSlice slice;
    CKPT_RETURN_IF_ERROR(ParseSlice(key, slices.size(), slice_bytes, &slice));
    slices.push_back(std::move(slice));
  }
  return slices;
}

std::string EncodeHeader(const BundleHeader& header) {
  proto::BundleHeaderProto p;
  p.set_num_shards(header.num_shards);
  proto::VersionDef* version = p.mutable_version();
  version->set_producer(header.producer_version);
  version->set_min_consumer(header.min_consumer_version);
  for (const std::string& f : header.features) p.add_ckpt_features(f);
  std::string out;
  p.SerializeToString(&out);
  return out;
}

absl::StatusOr<BundleHeader> DecodeHeader(absl::string_view value) {
  proto::BundleHeaderProto p;
  if (value.size() > static_cast<size_t>(INT_MAX) ||
      !p.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    return absl::DataLossError(absl::StrCat(
        "header: cannot parse BundleHeaderProto (", value.size(), " bytes)"));
  }
  if (p.num_shards() < 1 || p.num_shards() > kMaxNumShards) {
    return absl::DataLossError(
        absl::StrCat("header: num_shards ", p.num_shards(),
                     " out of range [1, ", kMaxNumShards, "]"));
  }
  switch (p.endianness()) {
    case proto::BundleHeaderProto::LITTLE:
      break;
    case proto::BundleHeaderProto::BIG:
      return absl::FailedPreconditionError(
          "header: bundle is big-endian; only little-endian bundles are "
          "supported");
    default:
      return absl::DataLossError(absl::StrCat(
          "header: unknown endianness ", static_cast<int>(p.endianness())));
  }
  const proto::VersionDef& v = p.version();
  if (v.producer() < 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "header: producer version ", v.producer(), " is not supported"));
  }
  if (v.min_consumer() > kConsumerVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "header: bundle requires consumer version >= ", v.min_consumer(),
        " but this reader is version ", kConsumerVersion,
        " (written by a newer version?)"));
  }
  for (int32_t bad : v.bad_consumers()) {
    if (bad == kConsumerVersion) {
      return absl::FailedPreconditionError(
          absl::StrCat("header: bundle lists this reader's consumer version ",
                       kConsumerVersion, " in bad_consumers"));
    }
  }
  BundleHeader header;
  header.num_shards = p.num_shards();
  header.producer_version = v.producer();
  header.min_consumer_version = v.min_consumer();
  for (const std::string& f : p.ckpt_features()) {
    if (f != kLz4Feature) {
      return absl::FailedPreconditionError(
          absl::StrCat("header: bundle uses unknown feature ",
                       QuoteForMessage(f), " (written by a newer ckpt?)"));
    }
    header.features.push_back(f);
  }
  return header;
}

}  // namespace ckpt::bundle
