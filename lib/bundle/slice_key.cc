// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Slice keys (ckpt/tensor_slice.h; docs/format.md §11.2 Slice keys):
// TensorFlow's EncodeTensorNameSlice, built from OrderedCode's "increasing"
// encodings:
//
//   key = NumIncreasing(0) String(name) NumIncreasing(rank)
//         { SignedNumIncreasing(start) SignedNumIncreasing(length) } per dim
//
//   NumIncreasing(v):       a length byte (number of significant big-endian
//                           bytes of v, 0 for v = 0), then those bytes.
//   String(s):              s with 0x00 -> 00 ff and 0xff -> ff 00, then
//                           00 01.
//   SignedNumIncreasing(v): n bytes, n the smallest with bit_length(x) + 1
//                           <= 7n (x = v or ~v for negative v): the low n
//                           bytes of v sign-extended to 80 bits, big-endian,
//                           the first one (two for n >= 9) XORed with the
//                           header bits of n.
//
// Decoding is strict: the decoded key is encoded again and must give the
// same bytes, so every accepted key is canonical.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ckpt/tensor_slice.h"
#include "util/errors.h"

namespace ckpt {
namespace {

// Header bits of an n-byte SignedNumIncreasing (index n, 1..10).
constexpr unsigned char kHeader[11][2] = {
    {0x00, 0x00}, {0x80, 0x00}, {0xc0, 0x00}, {0xe0, 0x00},
    {0xf0, 0x00}, {0xf8, 0x00}, {0xfc, 0x00}, {0xfe, 0x00},
    {0xff, 0x00}, {0xff, 0x80}, {0xff, 0xc0}};

void PutNumIncreasing(std::string* out, uint64_t v) {
  unsigned char bytes[8];
  int n = 0;
  for (uint64_t x = v; x != 0; x >>= 8)
    bytes[n++] = static_cast<unsigned char>(x);
  out->push_back(static_cast<char>(n));
  while (n > 0) out->push_back(static_cast<char>(bytes[--n]));
}

void PutString(std::string* out, absl::string_view s) {
  for (const char c : s) {
    out->push_back(c);
    if (c == '\0') {
      out->push_back('\xff');
    } else if (c == '\xff') {
      out->push_back('\0');
    }
  }
  out->append("\x00\x01", 2);
}

void PutSignedNumIncreasing(std::string* out, int64_t v) {
  const uint64_t x =
      v < 0 ? ~static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  int bits = 0;
  for (uint64_t y = x; y != 0; y >>= 1) ++bits;
  const int n = (bits + 1 + 6) / 7;  // 1..10
  // v sign-extended to 80 bits, big-endian.
  unsigned char buf[10];
  const unsigned char sign = v < 0 ? 0xff : 0x00;
  buf[0] = buf[1] = sign;
  const uint64_t u = static_cast<uint64_t>(v);
  for (int i = 0; i < 8; ++i) {
    buf[2 + i] = static_cast<unsigned char>(u >> (56 - 8 * i));
  }
  unsigned char* begin = buf + 10 - n;
  begin[0] ^= kHeader[n][0];
  if (n >= 2) begin[1] ^= kHeader[n][1];
  out->append(reinterpret_cast<const char*>(begin), static_cast<size_t>(n));
}

bool GetNumIncreasing(absl::string_view* in, uint64_t* v) {
  if (in->empty()) return false;
  const size_t n = static_cast<unsigned char>((*in)[0]);
  if (n > 8 || in->size() < 1 + n) return false;
  uint64_t x = 0;
  for (size_t i = 1; i <= n; ++i) {
    x = (x << 8) | static_cast<unsigned char>((*in)[i]);
  }
  in->remove_prefix(1 + n);
  *v = x;
  return true;
}

bool GetString(absl::string_view* in, std::string* s) {
  s->clear();
  for (size_t i = 0; i < in->size(); ++i) {
    const char c = (*in)[i];
    if (c != '\0' && c != '\xff') {
      s->push_back(c);
      continue;
    }
    if (i + 1 >= in->size()) return false;
    const char next = (*in)[++i];
    if (c == '\0' && next == '\x01') {
      in->remove_prefix(i + 1);
      return true;
    }
    if (c == '\0' && next == '\xff') {
      s->push_back('\0');
    } else if (c == '\xff' && next == '\0') {
      s->push_back('\xff');
    } else {
      return false;
    }
  }
  return false;  // no terminator
}

// Reads one SignedNumIncreasing; its canonical form is checked by the
// caller's re-encoding.
bool GetSignedNumIncreasing(absl::string_view* in, int64_t* v) {
  if (in->empty()) return false;
  const auto byte = [&](size_t i) {
    return static_cast<unsigned char>((*in)[i]);
  };
  const bool negative = (byte(0) & 0x80) == 0;
  const unsigned char flip = negative ? 0xff : 0x00;
  const unsigned char first = byte(0) ^ flip;
  int n;
  if (first != 0xff) {
    n = 0;
    for (unsigned char f = first; (f & 0x80) != 0;
         f = static_cast<unsigned char>(f << 1))
      ++n;
  } else {
    if (in->size() < 2) return false;
    const unsigned char second = byte(1) ^ flip;
    if (second < 0x80) {
      n = 8;
    } else if (second < 0xc0) {
      n = 9;
    } else if (second == 0xc0) {
      n = 10;
    } else {
      return false;
    }
  }
  if (n < 1 || in->size() < static_cast<size_t>(n)) return false;
  unsigned char buf[10];
  for (int i = 0; i < n; ++i) buf[i] = byte(static_cast<size_t>(i));
  buf[0] ^= kHeader[n][0];
  if (n >= 2) buf[1] ^= kHeader[n][1];
  // The last min(n, 8) bytes hold the value, sign-extended.
  uint64_t x = negative ? ~uint64_t{0} : 0;
  for (int i = n > 8 ? n - 8 : 0; i < n; ++i) x = (x << 8) | buf[i];
  in->remove_prefix(static_cast<size_t>(n));
  *v = static_cast<int64_t>(x);
  return true;
}

absl::Status BadKey(absl::string_view key, absl::string_view why) {
  return absl::DataLossError(
      absl::StrCat("slice key ", QuoteForMessage(key),
                   " is not a valid encoded slice key: ", why));
}

}  // namespace

std::string EncodeTensorNameSlice(absl::string_view name,
                                  const TensorSlice& slice) {
  std::string out;
  out.reserve(name.size() + 8 + 4 * static_cast<size_t>(slice.rank()));
  PutNumIncreasing(&out, 0);
  PutString(&out, name);
  PutNumIncreasing(&out, static_cast<uint64_t>(slice.rank()));
  for (const TensorSlice::Extent& e : slice.extents()) {
    PutSignedNumIncreasing(&out, e.full() ? 0 : e.start);
    PutSignedNumIncreasing(&out,
                           e.full() ? TensorSlice::kFullLength : e.length);
  }
  return out;
}

absl::StatusOr<std::pair<std::string, TensorSlice>> DecodeTensorNameSlice(
    absl::string_view key) {
  absl::string_view in = key;
  uint64_t zero = 0;
  if (!GetNumIncreasing(&in, &zero) || zero != 0) {
    return BadKey(key, "it does not start with 0x00");
  }
  std::string name;
  if (!GetString(&in, &name)) return BadKey(key, "bad tensor name");
  uint64_t rank = 0;
  if (!GetNumIncreasing(&in, &rank)) return BadKey(key, "bad rank");
  if (rank > static_cast<uint64_t>(TensorShape::kMaxRank)) {
    return BadKey(key,
                  absl::StrCat("rank ", rank, " > ", TensorShape::kMaxRank));
  }
  std::vector<TensorSlice::Extent> extents(static_cast<size_t>(rank));
  for (TensorSlice::Extent& e : extents) {
    if (!GetSignedNumIncreasing(&in, &e.start) ||
        !GetSignedNumIncreasing(&in, &e.length)) {
      return BadKey(key, "truncated extent");
    }
  }
  if (!in.empty()) {
    return BadKey(key, absl::StrCat(in.size(), " trailing bytes"));
  }
  absl::StatusOr<TensorSlice> slice = TensorSlice::Create(std::move(extents));
  if (!slice.ok()) return BadKey(key, slice.status().message());
  if (EncodeTensorNameSlice(name, *slice) != key) {
    return BadKey(key, "not in canonical form");
  }
  return std::make_pair(std::move(name), *std::move(slice));
}

}  // namespace ckpt
