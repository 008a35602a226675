// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Escaping of keys for JSON and terminal output (contract in cli/output.h;
// the rules live in util/escape.h, shared with the library).

#include "cli/output.h"

#include <string>

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

}  // namespace ckpt::cli
