// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: python/arrays.h
// -----------------------------------------------------------------------------
//
// Tensors to numpy arrays and back (docs/python.md "Dtypes").
//
// Contract (all functions need the GIL):
//   * NumpyDtypeFor maps every dtype numpy can hold exactly: float16/32/64,
//     (u)int8-64, bool, complex64/128, the quantized types as their integer
//     base (qint8 -> int8, quint16 -> uint16, ...). bfloat16, the float8
//     types and int4/uint4 are ml_dtypes' types when `ml_dtypes` imports;
//     otherwise the unsigned (int4: signed) integer of the same width, with
//     `stand_in` describing the substitution for a DtypeWarning. Strings are
//     object arrays of bytes (handled by the callers). Variant, resource and
//     invalid dtypes are Unimplemented naming the key.
//   * WrapTensor hands a decoded fixed-size tensor to numpy without copying:
//     the array's base is a capsule owning the Tensor (and so any mapping it
//     views). Read-only when `read_only` or when the tensor is a view.
//   * TensorFromArray converts one value given to ckpt.save: a C-contiguous
//     native-byte-order numpy array (the Python side makes it so) of a
//     supported dtype. Fixed-size arrays are borrowed, not copied: `keep`
//     receives the reference that keeps the memory alive until the write
//     is done. Bytes ('S'), str ('U') and object arrays of bytes/str are
//     string tensors (str as UTF-8; 'S' elements lose trailing NULs, as
//     numpy's own element access does). Anything else is InvalidArgument
//     naming the key and the dtype.

#ifndef CKPT_LIB_PYTHON_ARRAYS_H_
#define CKPT_LIB_PYTHON_ARRAYS_H_

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ckpt/dtype.h"
#include "ckpt/tensor.h"
#include "py_common.h"

namespace ckpt::python {

struct NumpyDtype {
  py::dtype dtype;
  std::string stand_in;  // non-empty: the substitution made (for a warning)
};

absl::StatusOr<NumpyDtype> NumpyDtypeFor(DataType dt, absl::string_view key);

// The shape as numpy wants it.
std::vector<py::ssize_t> NumpyShape(const TensorShape& shape);

// `t` (fixed-size, owned or a view) as an array of `dtype`, zero-copy.
py::array WrapTensor(Tensor t, const py::dtype& dtype, bool read_only);

// A string tensor as an object array of bytes (a 0-d tensor: bytes).
py::object StringsToPython(const Tensor& t);

// numpy's scalar for a 0-d array (what TensorFlow's get_tensor returns),
// the array itself otherwise.
py::object ScalarOrArray(py::array a);

absl::StatusOr<Tensor> TensorFromArray(const py::array& array,
                                       const std::string& key,
                                       std::vector<py::object>* keep);

}  // namespace ckpt::python

#endif  // CKPT_LIB_PYTHON_ARRAYS_H_
