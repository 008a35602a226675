// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Escaping of keys for JSON and terminal output (contract in cli/output.h;
// the rules live in util/escape.h, shared with the library).

#include "cli/output.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "util/escape.h"

namespace ckpt::cli {

std::string JsonQuote(absl::string_view bytes) {
  return ::ckpt::JsonQuote(bytes);
}

std::string DisplayText(absl::string_view bytes) {
  return ::ckpt::DisplayText(bytes);
}

size_t DisplayWidth(absl::string_view display_text) {
  size_t width = 0;
  for (const char c : display_text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++width;
  }
  return width;
}

std::string FormatTable(const std::vector<std::vector<std::string>>& rows,
                        const std::vector<bool>& right) {
  const size_t columns = right.size();
  std::vector<size_t> width(columns, 0);
  for (const std::vector<std::string>& row : rows) {
    for (size_t c = 0; c < columns; ++c) {
      width[c] = std::max(width[c], DisplayWidth(row[c]));
    }
  }
  std::string out;
  for (const std::vector<std::string>& row : rows) {
    for (size_t c = 0; c < columns; ++c) {
      const bool last = c + 1 == columns;
      if (last && !right[c] && row[c].empty()) break;
      if (c > 0) out += "  ";
      const std::string pad(width[c] - DisplayWidth(row[c]), ' ');
      if (right[c]) {
        absl::StrAppend(&out, pad, row[c]);
      } else {
        absl::StrAppend(&out, row[c], last ? "" : pad);
      }
    }
    out += "\n";
  }
  return out;
}

}  // namespace ckpt::cli
