// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
#include "util/errors.h"

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace ckpt {

absl::StatusCode ErrnoToCode(int errno_value) {
  switch (errno_value) {
    case 0:
      return absl::StatusCode::kOk;
    case ENOENT:
      return absl::StatusCode::kNotFound;
    case EEXIST:
      return absl::StatusCode::kAlreadyExists;
    case EACCES:
    case EPERM:
    case EROFS:
      return absl::StatusCode::kPermissionDenied;
    case ENOSPC:
    case EDQUOT:
    case EMFILE:
    case ENFILE:
    case ENOMEM:
      return absl::StatusCode::kResourceExhausted;
    case ENOTDIR:
    case EISDIR:
    case ENOTEMPTY:
      return absl::StatusCode::kFailedPrecondition;
    case EINVAL:
    case ENAMETOOLONG:
      return absl::StatusCode::kInvalidArgument;
    default:
      return absl::StatusCode::kUnknown;
  }
}

absl::Status ErrnoError(absl::string_view context, absl::string_view path,
                        int errno_value) {
  char buf[256];
  // GNU strerror_r returns the message pointer (may not use buf).
  const char* text = strerror_r(errno_value, buf, sizeof(buf));
  absl::StatusCode code = ErrnoToCode(errno_value);
  if (code == absl::StatusCode::kOk) code = absl::StatusCode::kUnknown;
  return absl::Status(code, absl::StrCat(path, ": ", context, ": ", text,
                                         " (errno ", errno_value, ")"));
}

absl::Status Annotate(const absl::Status& status, absl::string_view context) {
  if (status.ok()) return status;
  return absl::Status(status.code(), absl::StrCat(context, ": ", status.message()));
}

std::string QuoteForMessage(absl::string_view s) {
  constexpr size_t kMaxShown = 200;
  std::string out = "'";
  const size_t n = std::min(s.size(), kMaxShown);
  for (size_t i = 0; i < n; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'') {
      out.push_back(static_cast<char>(c));
    } else {
      absl::StrAppendFormat(&out, "\\x%02x", c);
    }
  }
  if (s.size() > kMaxShown) out += "...";
  out += "'";
  return out;
}

}  // namespace ckpt
