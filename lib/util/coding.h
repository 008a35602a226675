// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Little-endian fixed-width and base-128 varint encoding (LevelDB/protobuf
// layout). Decoders never read past `limit` and report failure instead.

#ifndef CKPT_LIB_UTIL_CODING_H_
#define CKPT_LIB_UTIL_CODING_H_

#include <cstdint>
#include <cstring>
#include <string>

#include "absl/strings/string_view.h"

namespace ckpt {

inline constexpr int kMaxVarint32Bytes = 5;
inline constexpr int kMaxVarint64Bytes = 10;

void PutFixed32(std::string* dst, uint32_t value);
void PutFixed64(std::string* dst, uint64_t value);
void PutVarint32(std::string* dst, uint32_t value);
void PutVarint64(std::string* dst, uint64_t value);
// Writes a varint into `dst` (room for kMaxVarint64Bytes); returns past end.
char* EncodeVarint64(char* dst, uint64_t value);
int VarintLength(uint64_t value);

inline void EncodeFixed32(char* dst, uint32_t value) {
  std::memcpy(dst, &value, sizeof(value));  // little-endian hosts only
}
inline uint32_t DecodeFixed32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}
inline uint64_t DecodeFixed64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

// Decode a varint from [p, limit). Returns the byte after it, or nullptr if
// the varint is truncated or longer than allowed.
const char* GetVarint32Ptr(const char* p, const char* limit, uint32_t* value);
const char* GetVarint64Ptr(const char* p, const char* limit, uint64_t* value);

// Consume a varint from the front of `input`; false if malformed.
bool GetVarint32(absl::string_view* input, uint32_t* value);
bool GetVarint64(absl::string_view* input, uint64_t* value);

}  // namespace ckpt

#endif  // CKPT_LIB_UTIL_CODING_H_
