// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// An encoder of partitioned-tensor bundles written from the format's text
// (docs/format.md §4-§7 and §11), independent of ckpt's own encoders
// (EncodeTensorNameSlice, EncodeEntry): OrderedCode slice keys,
// TensorSliceProto, BundleEntryProto and BundleHeaderProto bytes, and the
// data-file payloads of numeric and string tensors. The tests of partitioned
// tensors predict TensorFlow's bytes with it and build crafted bundles from
// it. Only the table layer (lib/table) and CRC-32C are shared with the
// library.

#ifndef CKPT_TESTS_BUNDLE_SLICE_SPEC_ENCODER_H_
#define CKPT_TESTS_BUNDLE_SLICE_SPEC_ENCODER_H_

#include <catch2/catch.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "ckpt/crc32c.h"
#include "ckpt/env.h"
#include "table/table.h"
#include "table/table_builder.h"
#include "testing/test_util.h"

namespace ckpt::testing::spec {

inline void PutVarint(std::string* dst, uint64_t v) {
  while (v >= 0x80) {
    dst->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  dst->push_back(static_cast<char>(v));
}

inline void PutFixed32(std::string* dst, uint32_t v) {
  for (int i = 0; i < 4; ++i) dst->push_back(static_cast<char>(v >> (8 * i)));
}

// ---------------------------------------------------------------------------
// OrderedCode "increasing" (docs/format.md §11.2).
// ---------------------------------------------------------------------------

// One length byte, then the significant big-endian bytes of v.
inline std::string NumIncreasing(uint64_t v) {
  std::string be;
  for (uint64_t x = v; x != 0; x >>= 8) {
    be.insert(be.begin(), static_cast<char>(x & 0xff));
  }
  return std::string(1, static_cast<char>(be.size())) + be;
}

// 0x00 -> 00 ff, 0xff -> ff 00, terminator 00 01.
inline std::string OrderedString(absl::string_view s) {
  std::string out;
  for (const char c : s) {
    if (c == '\0') {
      out += std::string("\x00\xff", 2);
    } else if (c == '\xff') {
      out += std::string("\xff\x00", 2);
    } else {
      out.push_back(c);
    }
  }
  return out + std::string("\x00\x01", 2);
}

// n bytes, n the smallest with bit_length(x) + 1 <= 7n (x = v, or ~v when
// v < 0): the low n bytes of v sign-extended to 80 bits, big-endian, with
// the length header XORed into the first byte (and the second for n >= 9).
inline std::string SignedNumIncreasing(int64_t v) {
  const uint64_t x =
      v >= 0 ? static_cast<uint64_t>(v) : static_cast<uint64_t>(-(v + 1));
  const int bit_length = x == 0 ? 0 : 64 - __builtin_clzll(x);
  int n = 1;
  while (bit_length + 1 > 7 * n) ++n;
  static constexpr unsigned char kFirst[11] = {
      0x00, 0x80, 0xc0, 0xe0, 0xf0, 0xf8, 0xfc, 0xfe, 0xff, 0xff, 0xff};
  std::string out;
  for (int i = 0; i < n; ++i) {
    const int byte_from_lsb = n - 1 - i;
    unsigned char b;
    if (byte_from_lsb >= 8) {
      b = v < 0 ? 0xff : 0x00;
    } else {
      b = static_cast<unsigned char>(static_cast<uint64_t>(v) >>
                                     (8 * byte_from_lsb));
    }
    out.push_back(static_cast<char>(b));
  }
  out[0] = static_cast<char>(static_cast<unsigned char>(out[0]) ^ kFirst[n]);
  if (n == 9)
    out[1] = static_cast<char>(static_cast<unsigned char>(out[1]) ^ 0x80);
  if (n == 10)
    out[1] = static_cast<char>(static_cast<unsigned char>(out[1]) ^ 0xc0);
  return out;
}

// One dimension of a slice: length -1 is a full dimension (start 0).
struct Extent {
  int64_t start = 0;
  int64_t length = -1;
  bool full() const { return length == -1; }
};
using Slice = std::vector<Extent>;

// TensorFlow's text form "0,2:-" (test data: must be well formed).
inline Slice ParseSlice(absl::string_view text) {
  Slice out;
  if (text.empty()) return out;
  for (absl::string_view part : absl::StrSplit(text, ':')) {
    Extent e;
    if (part != "-") {
      std::vector<absl::string_view> nums = absl::StrSplit(part, ',');
      REQUIRE(nums.size() == 2);
      REQUIRE(absl::SimpleAtoi(nums[0], &e.start));
      REQUIRE(absl::SimpleAtoi(nums[1], &e.length));
    }
    out.push_back(e);
  }
  return out;
}

// EncodeTensorNameSlice(name, slice).
inline std::string SliceKey(absl::string_view name, const Slice& slice) {
  std::string out = NumIncreasing(0) + OrderedString(name) +
                    NumIncreasing(static_cast<uint64_t>(slice.size()));
  for (const Extent& e : slice) {
    out += SignedNumIncreasing(e.full() ? 0 : e.start);
    out += SignedNumIncreasing(e.full() ? -1 : e.length);
  }
  return out;
}
inline std::string SliceKey(absl::string_view name, absl::string_view text) {
  return SliceKey(name, ParseSlice(text));
}

// A TensorSliceProto as TensorSlice::AsProto writes it (docs/format.md
// §11.1): a full dimension is an empty Extent; otherwise start (omitted when
// 0) and length (always: it is in a oneof).
inline std::string SliceProto(const Slice& slice) {
  std::string out;
  for (const Extent& e : slice) {
    std::string extent;
    if (!e.full()) {
      if (e.start != 0) {
        extent.push_back('\x08');
        PutVarint(&extent, static_cast<uint64_t>(e.start));
      }
      extent.push_back('\x10');
      PutVarint(&extent, static_cast<uint64_t>(e.length));
    }
    out.push_back('\x0a');
    PutVarint(&out, extent.size());
    out += extent;
  }
  return out;
}
inline std::string SliceProto(absl::string_view text) {
  return SliceProto(ParseSlice(text));
}

// ---------------------------------------------------------------------------
// BundleHeaderProto / BundleEntryProto (docs/format.md §4, §5).
// ---------------------------------------------------------------------------

inline std::string HeaderValue(int num_shards) {
  std::string out = "\x08";
  PutVarint(&out, static_cast<uint64_t>(num_shards));
  return out + std::string("\x1a\x02\x08\x01", 4);
}

struct Entry {
  int32_t dtype = 0;
  std::vector<int64_t> dims;
  int32_t shard_id = 0;
  int64_t offset = 0;
  int64_t size = 0;
  uint32_t crc = 0;                 // masked, as stored
  std::vector<std::string> slices;  // serialized TensorSliceProtos
};

// Fields in number order, proto3 defaults omitted, the shape always there.
inline std::string EntryValue(const Entry& e) {
  std::string shape;
  for (int64_t d : e.dims) {
    std::string dim;
    if (d != 0) {
      dim.push_back('\x08');
      PutVarint(&dim, static_cast<uint64_t>(d));
    }
    shape.push_back('\x12');
    PutVarint(&shape, dim.size());
    shape += dim;
  }
  std::string out;
  if (e.dtype != 0) {
    out.push_back('\x08');
    PutVarint(&out, static_cast<uint64_t>(static_cast<int64_t>(e.dtype)));
  }
  out.push_back('\x12');
  PutVarint(&out, shape.size());
  out += shape;
  if (e.shard_id != 0) {
    out.push_back('\x18');
    PutVarint(&out, static_cast<uint64_t>(static_cast<int64_t>(e.shard_id)));
  }
  if (e.offset != 0) {
    out.push_back('\x20');
    PutVarint(&out, static_cast<uint64_t>(e.offset));
  }
  if (e.size != 0) {
    out.push_back('\x28');
    PutVarint(&out, static_cast<uint64_t>(e.size));
  }
  if (e.crc != 0) {
    out.push_back('\x35');
    PutFixed32(&out, e.crc);
  }
  for (const std::string& s : e.slices) {
    out.push_back('\x3a');
    PutVarint(&out, s.size());
    out += s;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Data payloads (docs/format.md §6, §7).
// ---------------------------------------------------------------------------

// Appends a numeric payload to `data` and describes it in *e (offset, size,
// crc); dtype and dims are the caller's.
inline void AppendFixed(std::string* data, absl::string_view bytes, Entry* e) {
  e->offset = static_cast<int64_t>(data->size());
  e->size = static_cast<int64_t>(bytes.size());
  e->crc = crc32c::Mask(crc32c::Value(bytes.data(), bytes.size()));
  data->append(bytes.data(), bytes.size());
}

// Appends a string payload: varint lengths, the masked CRC of the lengths
// as 4-byte little-endian values, the bytes; entry crc continues from the
// lengths' CRC over the stored length checksum and the bytes.
inline void AppendStrings(std::string* data,
                          const std::vector<std::string>& values, Entry* e) {
  std::string payload;
  std::string lengths_le;
  for (const std::string& s : values) {
    PutVarint(&payload, s.size());
    PutFixed32(&lengths_le, static_cast<uint32_t>(s.size()));
  }
  const uint32_t length_crc =
      crc32c::Value(lengths_le.data(), lengths_le.size());
  std::string stored_length_crc;
  PutFixed32(&stored_length_crc, crc32c::Mask(length_crc));
  payload += stored_length_crc;
  uint32_t crc = crc32c::Extend(length_crc, stored_length_crc.data(), 4);
  for (const std::string& s : values) {
    payload += s;
    crc = crc32c::Extend(crc, s.data(), s.size());
  }
  e->offset = static_cast<int64_t>(data->size());
  e->size = static_cast<int64_t>(payload.size());
  e->crc = crc32c::Mask(crc);
  *data += payload;
}

// ---------------------------------------------------------------------------
// Index files through lib/table.
// ---------------------------------------------------------------------------

using KeyValues = std::vector<std::pair<std::string, std::string>>;

// Every (key, value) of the table at `path`, in stored order.
inline KeyValues ReadTable(const std::string& path) {
  absl::StatusOr<std::unique_ptr<RandomAccessFile>> file =
      Env::Default()->NewRandomAccessFile(path);
  CKPT_REQUIRE_OK(file);
  absl::StatusOr<std::unique_ptr<table::Table>> t =
      table::Table::Open(*std::move(file));
  CKPT_REQUIRE_OK(t);
  std::unique_ptr<table::Iterator> it = (*t)->NewIterator();
  KeyValues out;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    out.emplace_back(std::string(it->key()), std::string(it->value()));
  }
  CKPT_REQUIRE_OK(it->status());
  return out;
}

// Writes `kvs` (strictly increasing keys) as a table at `path`, with
// TensorFlow's table options.
inline void WriteTable(const std::string& path, const KeyValues& kvs) {
  absl::StatusOr<std::unique_ptr<WritableFile>> f =
      Env::Default()->NewWritableFile(path);
  CKPT_REQUIRE_OK(f);
  table::TableBuilder b(table::TableOptions(), f->get());
  for (const auto& [k, v] : kvs) CKPT_REQUIRE_OK(b.Add(k, v));
  CKPT_REQUIRE_OK(b.Finish());
  CKPT_REQUIRE_OK((*f)->Close());
}

}  // namespace ckpt::testing::spec

#endif  // CKPT_TESTS_BUNDLE_SLICE_SPEC_ENCODER_H_
