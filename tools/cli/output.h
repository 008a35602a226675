// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: cli/output.h
// -----------------------------------------------------------------------------
//
// Escaping of file-supplied byte strings (bundle keys) for the CLI's text and
// JSON output. Keys are arbitrary bytes; both forms are total (never fail) and
// deterministic. Both rules have one home, util/escape.h (the library's
// surgery report uses them too); JsonQuote and DisplayText call it.
//
// JSON (JsonQuote): the output is always valid JSON (RFC 8259) in UTF-8.
//   * `"` and `\` become \" and \\; bytes 0x00-0x1f and 0x7f become \u00XX.
//   * Well-formed UTF-8 sequences (no overlong forms, no surrogates, at most
//     U+10FFFF) are copied unchanged.
//   * Every byte that is not part of a well-formed UTF-8 sequence becomes
//     \u00XX with XX its value, i.e. it is read as Latin-1. This keeps the
//     output valid JSON but is lossy: a stray byte 0xE9 and a well-formed
//     "é" (C3 A9) both decode to U+00E9. TensorFlow's own keys are ASCII, so
//     this only matters for hand-made bundles.
//
// Text (DisplayText): like JSON but without quotes, leaving `"` alone, and
// using \xNN instead of \u00XX (also for C1 controls U+0080-U+009F), so that
// nothing written to a terminal is a control sequence.

#ifndef CKPT_TOOLS_CLI_OUTPUT_H_
#define CKPT_TOOLS_CLI_OUTPUT_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "util/utf8.h"

namespace ckpt::cli {

// A JSON string literal, quotes included, for arbitrary bytes.
std::string JsonQuote(absl::string_view bytes);

// Arbitrary bytes made safe for a terminal (see above).
std::string DisplayText(absl::string_view bytes);

// Columns a DisplayText result takes, counting one per code point.
size_t DisplayWidth(absl::string_view display_text);

// `rows` (cells already DisplayText, header first) as aligned text: column
// i padded to its widest cell (DisplayWidth), on the left if right[i] else
// on the right, columns two spaces apart, one line per row. No line ends in
// blanks: a left-aligned last column is not padded, and an empty last cell
// takes no separator. right.size() is the number of columns.
std::string FormatTable(const std::vector<std::vector<std::string>>& rows,
                        const std::vector<bool>& right);

// The UTF-8 rule (Utf8SequenceLength, IsValidUtf8) is util/utf8.h's.
using ::ckpt::Utf8SequenceLength;

}  // namespace ckpt::cli

#endif  // CKPT_TOOLS_CLI_OUTPUT_H_
