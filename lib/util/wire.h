// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: util/wire.h
// -----------------------------------------------------------------------------
//
// Readers of the plainest protobuf wire encodings, for the hand-written fast
// paths of the entry and object-graph codecs. They accept a strict subset of
// what protobuf accepts and decode it exactly as protobuf does; a caller
// that meets anything else hands the whole message to protobuf. Each
// function consumes its value from the front of *in and returns true, or
// returns false with *in unspecified.
//
//   * WireVarint: a varint of at most 9 bytes (a value below 2^63).
//     Negative int32/int64 values (10 bytes) and overlong encodings of
//     10 bytes are left to protobuf.
//   * WireBytes: a length-delimited payload (a varint length, then that
//     many bytes).
//   * WireAscii: as WireBytes, for a proto3 `string` field: only ASCII
//     payloads, which are valid UTF-8 as protobuf requires (other bytes
//     are left to protobuf, which checks them).
//
// Example:
//
//   uint64_t tag, v;
//   if (!WireVarint(&in, &tag) || tag != 0x08 || !WireVarint(&in, &v)) {
//     return SlowPath(message);
//   }

#ifndef CKPT_LIB_UTIL_WIRE_H_
#define CKPT_LIB_UTIL_WIRE_H_

#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"

namespace ckpt {

// The tag of field `number` with wire type `type` (0 varint, 2
// length-delimited, 5 fixed32).
constexpr uint64_t WireTag(uint64_t number, uint64_t type) {
  return (number << 3) | type;
}

inline bool WireVarint(absl::string_view* in, uint64_t* v) {
  uint64_t result = 0;
  const size_t n = in->size() < 9 ? in->size() : 9;
  for (size_t i = 0; i < n; ++i) {
    const uint8_t b = static_cast<uint8_t>((*in)[i]);
    result |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) {
      in->remove_prefix(i + 1);
      *v = result;
      return true;
    }
  }
  return false;
}

inline bool WireBytes(absl::string_view* in, absl::string_view* payload) {
  uint64_t n;
  if (!WireVarint(in, &n) || n > in->size()) return false;
  *payload = in->substr(0, static_cast<size_t>(n));
  in->remove_prefix(static_cast<size_t>(n));
  return true;
}

inline bool WireAscii(absl::string_view* in, absl::string_view* payload) {
  if (!WireBytes(in, payload)) return false;
  for (char c : *payload) {
    if (static_cast<uint8_t>(c) >= 0x80) return false;
  }
  return true;
}

}  // namespace ckpt

#endif  // CKPT_LIB_UTIL_WIRE_H_
