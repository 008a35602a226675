// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: python/writer.h
// -----------------------------------------------------------------------------
//
// ckpt.save (docs/python.md "Writing").
//
// Contract: every value is converted first (python/arrays.h: fixed-size
// arrays borrowed, not copied; a value of an unsupported dtype is
// InvalidArgument naming its key, before any file is created); then, with
// the GIL released, one BundleWriter writes them all to `prefix` (one data
// file) and Finish()es: temporary files renamed into place, so a failed or
// interrupted save leaves no file under the final names and an earlier
// bundle at `prefix` intact until the rename. `prefix` is checked as the
// CLI checks a destination (cli/prefix.h: not empty, not a directory, not
// a bundle file name). Keys reserved by the format are InvalidArgument: a
// slice key ("\0..."), and the object graph's key unless its value is a
// string scalar holding a valid object graph (copying a checkpoint whole).
// Returns the number of tensors written.

#ifndef CKPT_LIB_PYTHON_WRITER_H_
#define CKPT_LIB_PYTHON_WRITER_H_

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>
#include <utility>
#include <vector>

#include "py_common.h"

namespace ckpt::python {

// `items`: (key as str or bytes, see BytesArg; C-contiguous native array).
size_t Save(const std::string& prefix,
            const std::vector<std::pair<py::object, py::array>>& items,
            const std::string& compression);

}  // namespace ckpt::python

#endif  // CKPT_LIB_PYTHON_WRITER_H_
