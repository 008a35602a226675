// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: util/utf8.h
// -----------------------------------------------------------------------------
//
// The one definition of well-formed UTF-8 in ckpt (RFC 3629): no overlong
// forms, no surrogates (U+D800..U+DFFF), nothing above U+10FFFF. Used by the
// object graph's string check (protobuf strings), the CLI's JSON and text
// escaping, and the bridges' safetensors names, JSON and zip member names.
// Pure, header-only.
//
// Example:
//
//   char32_t cp;
//   size_t n = Utf8SequenceLength("\xc3\xa9t\xc3\xa9", 0, &cp);  // 2, U+00E9
//   bool ok = IsValidUtf8(name);

#ifndef CKPT_LIB_UTIL_UTF8_H_
#define CKPT_LIB_UTIL_UTF8_H_

#include <cstddef>

#include "absl/strings/string_view.h"

namespace ckpt {

// The length of the well-formed UTF-8 sequence starting at s[i] (1 to 4;
// i < s.size()), with its code point in *code_point; 0 if the bytes there
// are not one.
inline size_t Utf8SequenceLength(absl::string_view s, size_t i,
                                 char32_t* code_point) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) {
    *code_point = b0;
    return 1;
  }
  size_t len;
  char32_t cp;
  char32_t min_cp;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
    cp = b0 & 0x1F;
    min_cp = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    cp = b0 & 0x0F;
    min_cp = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    cp = b0 & 0x07;
    min_cp = 0x10000;
  } else {
    return 0;  // continuation byte, C0/C1 (overlong) or F5..FF
  }
  if (s.size() - i < len) return 0;
  for (size_t k = 1; k < len; ++k) {
    const unsigned char b = byte(i + k);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min_cp || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  *code_point = cp;
  return len;
}

inline bool IsValidUtf8(absl::string_view s) {
  for (size_t i = 0; i < s.size();) {
    char32_t cp;
    const size_t n = Utf8SequenceLength(s, i, &cp);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

}  // namespace ckpt

#endif  // CKPT_LIB_UTIL_UTF8_H_
