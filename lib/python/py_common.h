// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: python/py_common.h
// -----------------------------------------------------------------------------
//
// What every file of the extension ckpt._ckpt shares: the one place where an
// absl::Status becomes a Python exception (the class of ckpt.errors named
// after its code, docs/python.md "Errors"), and the Env the module reads and
// writes through.
//
// Contract: ThrowStatus is called with the GIL held and never returns; no
// other code of the extension raises for a library failure. Exceptions of
// pybind11 (TypeError for a wrong argument type) pass through unchanged.

#ifndef CKPT_LIB_PYTHON_PY_COMMON_H_
#define CKPT_LIB_PYTHON_PY_COMMON_H_

#include <pybind11/pybind11.h>

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ckpt/env.h"

namespace ckpt::python {

namespace py = pybind11;

// Raises ckpt.errors.<Code>Error(status.message()). The status must not be
// OK.
[[noreturn]] void ThrowStatus(const absl::Status& status);

inline void ThrowIfError(const absl::Status& status) {
  if (!status.ok()) ThrowStatus(status);
}

template <typename T>
T ValueOrThrow(absl::StatusOr<T> result) {
  if (!result.ok()) ThrowStatus(result.status());
  return *std::move(result);
}

// A key or name given from Python as bytes, or as str (encoded as UTF-8
// with surrogateescape, the inverse of how the module decodes names); a
// TypeError naming `what` otherwise.
std::string BytesArg(py::handle value, const char* what);

// Emits ckpt.errors.DtypeWarning(message).
void WarnDtype(const std::string& message);

// The Env of every file operation of the module.
inline Env* ModuleEnv() { return Env::Default(); }

}  // namespace ckpt::python

#endif  // CKPT_LIB_PYTHON_PY_COMMON_H_
