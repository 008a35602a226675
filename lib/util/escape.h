// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: util/escape.h
// -----------------------------------------------------------------------------
//
// The one home of the two rules that put file-supplied bytes (bundle keys,
// paths, messages) into output: a JSON string literal (JsonQuote) and text
// safe for a terminal (DisplayText). Used by the CLI (cli/output.h, which
// states the contract) and by the surgery report (EditReport::ToText,
// ToJson). Both are total (never fail) and deterministic; the UTF-8 rule is
// util/utf8.h's.
//
// JsonQuote: valid JSON (RFC 8259) in UTF-8, quotes included. `"` and `\`
// become \" and \\; code points U+0000-U+001F and U+007F become \u00XX;
// well-formed UTF-8 is copied unchanged; every byte that is not part of a
// well-formed sequence becomes \u00XX with XX its value (read as Latin-1:
// lossy, but always valid JSON).
//
// DisplayText: no quotes; `\` becomes \\; each byte of a control (U+0000-
// U+001F, U+007F-U+009F) and every byte that is not well-formed UTF-8
// becomes \xNN; anything else is copied unchanged.
//
// Example:
//
//   JsonQuote("a\"\xff")  // "\"a\\\"\\u00ff\""
//   DisplayText("a\nb")   // "a\\x0ab"

#ifndef CKPT_LIB_UTIL_ESCAPE_H_
#define CKPT_LIB_UTIL_ESCAPE_H_

#include <string>

#include "absl/strings/string_view.h"

namespace ckpt {

// A JSON string literal, quotes included, for arbitrary bytes.
std::string JsonQuote(absl::string_view bytes);

// Arbitrary bytes made safe for a terminal.
std::string DisplayText(absl::string_view bytes);

}  // namespace ckpt

#endif  // CKPT_LIB_UTIL_ESCAPE_H_
