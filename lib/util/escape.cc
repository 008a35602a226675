// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// JSON and terminal escaping of arbitrary bytes (contract in util/escape.h).

#include "util/escape.h"

#include <cstddef>
#include <string>

#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "util/utf8.h"

namespace ckpt {

std::string JsonQuote(absl::string_view bytes) {
  std::string out = "\"";
  out.reserve(bytes.size() + 2);
  size_t i = 0;
  while (i < bytes.size()) {
    char32_t cp = 0;
    const size_t len = Utf8SequenceLength(bytes, i, &cp);
    if (len == 0) {  // not UTF-8: the byte as a Latin-1 code point
      absl::StrAppendFormat(&out, "\\u%04x",
                            static_cast<unsigned char>(bytes[i]));
      ++i;
      continue;
    }
    if (cp == '"') {
      out += "\\\"";
    } else if (cp == '\\') {
      out += "\\\\";
    } else if (cp < 0x20 || cp == 0x7f) {
      absl::StrAppendFormat(&out, "\\u%04x", static_cast<unsigned>(cp));
    } else {
      out.append(bytes.data() + i, len);
    }
    i += len;
  }
  out += "\"";
  return out;
}

std::string DisplayText(absl::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  size_t i = 0;
  while (i < bytes.size()) {
    char32_t cp = 0;
    const size_t len = Utf8SequenceLength(bytes, i, &cp);
    if (len == 0 || cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
      // Invalid or control: each byte as \xNN.
      const size_t n = len == 0 ? 1 : len;
      for (size_t k = 0; k < n; ++k) {
        absl::StrAppendFormat(&out, "\\x%02x",
                              static_cast<unsigned char>(bytes[i + k]));
      }
      i += n;
      continue;
    }
    if (cp == '\\') {
      out += "\\\\";
    } else {
      out.append(bytes.data() + i, len);
    }
    i += len;
  }
  return out;
}

}  // namespace ckpt
