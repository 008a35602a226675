// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: bridges/json_util.h
// -----------------------------------------------------------------------------
//
// Internal JSON helpers of the safetensors codec (safetensors_format.cc),
// header-only: UTF-8 validation, JSON string quoting in the two styles the
// reference writers use (serde_json: UTF-8 kept; Python's json.dumps:
// ASCII only), nlohmann error text made safe for messages, and the base of
// the no-throw SAX handlers. Not part of any public API.
//
// Example:
//
//   std::string out;
//   AppendJsonString("caf\xc3\xa9", /*ascii_only=*/true, &out);
//   // out == "\"caf\\u00e9\""

#ifndef CKPT_LIB_BRIDGES_JSON_UTIL_H_
#define CKPT_LIB_BRIDGES_JSON_UTIL_H_

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "util/errors.h"
#include "util/utf8.h"

namespace ckpt::bridges::json_util {

// A parse error from nlohmann, for a message: printable ASCII only.
inline std::string JsonErrorText(const nlohmann::detail::exception& ex) {
  absl::string_view what = ex.what();
  // "[json.exception.parse_error.101] parse error at ...": drop the tag.
  if (size_t p = what.find("] "); p != absl::string_view::npos) {
    what.remove_prefix(p + 2);
  }
  std::string out;
  for (char c : what.substr(0, 300)) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) {
      out.push_back(c);
    } else {
      absl::StrAppendFormat(&out, "\\x%02x", u);
    }
  }
  return out;
}

// The UTF-8 rule is util/utf8.h's.
using ::ckpt::IsValidUtf8;

// Appends `s` as a JSON string. ascii_only: as Python's json.dumps
// (ensure_ascii: DEL and non-ASCII as \uXXXX, invalid bytes as \u00XX);
// otherwise as serde_json (UTF-8 kept; only '"', '\\' and controls
// escaped).
inline void AppendJsonString(absl::string_view s, bool ascii_only,
                             std::string* out) {
  out->push_back('"');
  while (!s.empty()) {
    const unsigned char c = static_cast<unsigned char>(s[0]);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(static_cast<char>(c));
    } else if (c == '\n') {
      out->append("\\n");
    } else if (c == '\r') {
      out->append("\\r");
    } else if (c == '\t') {
      out->append("\\t");
    } else if (c == '\b') {
      out->append("\\b");
    } else if (c == '\f') {
      out->append("\\f");
    } else if (c < 0x20 || (ascii_only && c == 0x7f)) {
      absl::StrAppendFormat(out, "\\u%04x", c);
    } else if (c < 0x80 || !ascii_only) {
      out->push_back(static_cast<char>(c));
    } else {
      char32_t code_point = 0;
      const size_t n = ::ckpt::Utf8SequenceLength(s, 0, &code_point);
      uint32_t cp = code_point;
      if (n == 0) {
        absl::StrAppendFormat(out, "\\u%04x", c);
      } else {
        if (cp >= 0x10000) {
          cp -= 0x10000;
          absl::StrAppendFormat(out, "\\u%04x\\u%04x", 0xd800 + (cp >> 10),
                                0xdc00 + (cp & 0x3ff));
        } else {
          absl::StrAppendFormat(out, "\\u%04x", cp);
        }
        s.remove_prefix(n);
        continue;
      }
    }
    s.remove_prefix(1);
  }
  out->push_back('"');
}

// Base of the SAX handlers: keeps the first error (DataLoss, prefixed with
// the display name) and reports nlohmann's syntax errors; subclasses
// implement the value callbacks and call Fail() to stop parsing.
class SaxBase : public nlohmann::json_sax<nlohmann::json> {
 public:
  explicit SaxBase(absl::string_view display_name)
      : display_name_(display_name) {}

  const absl::Status& status() const { return status_; }

  bool parse_error(std::size_t position, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& ex) override {
    return Fail(absl::StrFormat("not valid JSON (byte %d): %s", position,
                                JsonErrorText(ex)));
  }
  bool binary(binary_t& /*val*/) override { return Fail("binary value"); }

 protected:
  bool Fail(absl::string_view what) {
    if (status_.ok()) {
      status_ = absl::DataLossError(absl::StrCat(display_name_, ": ", what));
    }
    return false;
  }

  static std::string Describe(const char* kind, absl::string_view text) {
    return absl::StrCat(kind, " ", QuoteForMessage(text));
  }

 private:
  const absl::string_view display_name_;
  absl::Status status_;
};

}  // namespace ckpt::bridges::json_util

#endif  // CKPT_LIB_BRIDGES_JSON_UTIL_H_
