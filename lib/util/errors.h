// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Helpers that build ckpt's error statuses with consistent messages:
// "<path>: <context>: <strerror> (errno N)" for system errors. The mapping of
// errno values to status codes is documented in docs/errors.md.

#ifndef CKPT_LIB_UTIL_ERRORS_H_
#define CKPT_LIB_UTIL_ERRORS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace ckpt {

// The status code for an errno value: ENOENT -> NotFound, EEXIST ->
// AlreadyExists, EACCES/EPERM/EROFS -> PermissionDenied, ENOSPC/EDQUOT/
// EMFILE/ENFILE/ENOMEM -> ResourceExhausted, ENOTDIR/EISDIR/ENOTEMPTY ->
// FailedPrecondition, EINVAL/ENAMETOOLONG -> InvalidArgument, the rest
// Unknown.
absl::StatusCode ErrnoToCode(int errno_value);

// A status for a failed system call on `path`.
absl::Status ErrnoError(absl::string_view context, absl::string_view path,
                        int errno_value);

// Prepends "<context>: " to the message of a non-OK status, keeping its code.
absl::Status Annotate(const absl::Status& status, absl::string_view context);

// Quotes a key or other file-supplied string for messages, in single quotes:
// printable ASCII
// kept, everything else \xNN, cut to 200 bytes with "...".
std::string QuoteForMessage(absl::string_view s);

}  // namespace ckpt

#endif  // CKPT_LIB_UTIL_ERRORS_H_
