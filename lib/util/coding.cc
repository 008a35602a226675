// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
#include "util/coding.h"

namespace ckpt {

void PutFixed32(std::string* dst, uint32_t value) {
  char buf[sizeof(value)];
  EncodeFixed32(buf, value);
  dst->append(buf, sizeof(buf));
}

void PutFixed64(std::string* dst, uint64_t value) {
  char buf[sizeof(value)];
  std::memcpy(buf, &value, sizeof(value));
  dst->append(buf, sizeof(buf));
}

char* EncodeVarint64(char* dst, uint64_t value) {
  auto* p = reinterpret_cast<unsigned char*>(dst);
  while (value >= 0x80) {
    *p++ = static_cast<unsigned char>(value | 0x80);
    value >>= 7;
  }
  *p++ = static_cast<unsigned char>(value);
  return reinterpret_cast<char*>(p);
}

void PutVarint32(std::string* dst, uint32_t value) { PutVarint64(dst, value); }

void PutVarint64(std::string* dst, uint64_t value) {
  char buf[kMaxVarint64Bytes];
  char* end = EncodeVarint64(buf, value);
  dst->append(buf, static_cast<size_t>(end - buf));
}

int VarintLength(uint64_t value) {
  int len = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++len;
  }
  return len;
}

namespace {

// Decodes at most `max_bytes` bytes; rejects values that do not fit in
// `max_bits` bits.
const char* GetVarintPtr(const char* p, const char* limit, int max_bytes,
                         int max_bits, uint64_t* value) {
  uint64_t result = 0;
  for (int i = 0; i < max_bytes && p < limit; ++i) {
    const uint64_t byte = static_cast<unsigned char>(*p++);
    const int shift = 7 * i;
    const uint64_t bits = byte & 0x7f;
    if (shift + 7 > max_bits && (bits >> (max_bits - shift)) != 0) {
      return nullptr;  // overflows the target width
    }
    result |= bits << shift;
    if ((byte & 0x80) == 0) {
      *value = result;
      return p;
    }
  }
  return nullptr;  // truncated or too long
}

}  // namespace

const char* GetVarint32Ptr(const char* p, const char* limit, uint32_t* value) {
  uint64_t v = 0;
  const char* q = GetVarintPtr(p, limit, kMaxVarint32Bytes, 32, &v);
  if (q != nullptr) *value = static_cast<uint32_t>(v);
  return q;
}

const char* GetVarint64Ptr(const char* p, const char* limit, uint64_t* value) {
  return GetVarintPtr(p, limit, kMaxVarint64Bytes, 64, value);
}

bool GetVarint32(absl::string_view* input, uint32_t* value) {
  const char* p = input->data();
  const char* limit = p + input->size();
  const char* q = GetVarint32Ptr(p, limit, value);
  if (q == nullptr) return false;
  input->remove_prefix(static_cast<size_t>(q - p));
  return true;
}

bool GetVarint64(absl::string_view* input, uint64_t* value) {
  const char* p = input->data();
  const char* limit = p + input->size();
  const char* q = GetVarint64Ptr(p, limit, value);
  if (q == nullptr) return false;
  input->remove_prefix(static_cast<size_t>(q - p));
  return true;
}

}  // namespace ckpt
