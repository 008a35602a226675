// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Tensors to numpy arrays and back; the contract is in python/arrays.h.

#include "arrays.h"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ckpt/dtype.h"
#include "ckpt/tensor.h"
#include "util/errors.h"

namespace ckpt::python {
namespace {

// ml_dtypes, or None when it does not import. Looked up once and kept for
// the life of the interpreter (never released: no destructor runs at exit).
// The cache is guarded by the GIL, not by a function-local static's guard:
// the import may release the GIL, and a second thread blocked on such a
// guard while holding the GIL would deadlock. Two threads may both import;
// the second finds the module in sys.modules.
py::object MlDtypes() {
  static PyObject* module = nullptr;  // GIL held
  if (module == nullptr) {
    PyObject* found = Py_None;
    try {
      found = py::module_::import("ml_dtypes").release().ptr();
    } catch (py::error_already_set&) {
      // Not installed: error_already_set took the ImportError.
    }
    if (module == nullptr) module = found;
  }
  return py::reinterpret_borrow<py::object>(module);
}

// ml_dtypes' name of a dtype numpy lacks, with the stand-in numpy type.
struct ExtendedType {
  DataType dtype;
  const char* ml_name;
  const char* stand_in;
};
constexpr ExtendedType kExtendedTypes[] = {
    {DataType::kBFloat16, "bfloat16", "uint16"},
    {DataType::kFloat8E5M2, "float8_e5m2", "uint8"},
    {DataType::kFloat8E4M3FN, "float8_e4m3fn", "uint8"},
    {DataType::kFloat8E4M3FNUZ, "float8_e4m3fnuz", "uint8"},
    {DataType::kFloat8E4M3B11FNUZ, "float8_e4m3b11fnuz", "uint8"},
    {DataType::kFloat8E5M2FNUZ, "float8_e5m2fnuz", "uint8"},
    {DataType::kInt4, "int4", "int8"},
    {DataType::kUInt4, "uint4", "uint8"},
};

const char* NativeNumpyName(DataType dt) {
  switch (dt) {
    case DataType::kFloat:
      return "float32";
    case DataType::kDouble:
      return "float64";
    case DataType::kHalf:
      return "float16";
    case DataType::kInt8:
    case DataType::kQInt8:
      return "int8";
    case DataType::kInt16:
    case DataType::kQInt16:
      return "int16";
    case DataType::kInt32:
    case DataType::kQInt32:
      return "int32";
    case DataType::kInt64:
      return "int64";
    case DataType::kUInt8:
    case DataType::kQUInt8:
      return "uint8";
    case DataType::kUInt16:
    case DataType::kQUInt16:
      return "uint16";
    case DataType::kUInt32:
      return "uint32";
    case DataType::kUInt64:
      return "uint64";
    case DataType::kBool:
      return "bool";
    case DataType::kComplex64:
      return "complex64";
    case DataType::kComplex128:
      return "complex128";
    default:
      return nullptr;
  }
}

absl::Status NotAnArrayDtype(absl::string_view key, absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("value of ", QuoteForMessage(key), ": ", what,
                   " cannot be saved in a checkpoint (supported: numeric, "
                   "bool, complex, bytes/str and ml_dtypes' bfloat16, "
                   "float8 and int4 arrays)"));
}

}  // namespace

absl::StatusOr<NumpyDtype> NumpyDtypeFor(DataType dt, absl::string_view key) {
  if (const char* name = NativeNumpyName(dt)) {
    return NumpyDtype{py::dtype(name), ""};
  }
  for (const ExtendedType& ext : kExtendedTypes) {
    if (ext.dtype != dt) continue;
    py::object ml = MlDtypes();
    if (!ml.is_none() && py::hasattr(ml, ext.ml_name)) {
      return NumpyDtype{py::dtype::from_args(ml.attr(ext.ml_name)), ""};
    }
    return NumpyDtype{
        py::dtype(ext.stand_in),
        absl::StrCat("tensor ", QuoteForMessage(key), " is ", ext.ml_name,
                     ", which numpy lacks: returned as its bits in ",
                     ext.stand_in, " (install ml_dtypes to get ", ext.ml_name,
                     " arrays)")};
  }
  return absl::UnimplementedError(absl::StrCat("tensor ", QuoteForMessage(key),
                                               " has dtype ", DataTypeName(dt),
                                               ", which has no numpy form"));
}

std::vector<py::ssize_t> NumpyShape(const TensorShape& shape) {
  std::vector<py::ssize_t> dims;
  dims.reserve(shape.dims().size());
  for (int64_t d : shape.dims()) dims.push_back(static_cast<py::ssize_t>(d));
  return dims;
}

py::array WrapTensor(Tensor t, const py::dtype& dtype, bool read_only) {
  const bool view = t.is_borrowed();
  auto* owned = new Tensor(std::move(t));
  py::capsule base(owned, [](void* p) { delete static_cast<Tensor*>(p); });
  const char* data = owned->bytes().data();
  py::array array;
  if (data == nullptr) {  // no elements: numpy allocates its own 0 bytes
    array = py::array(dtype, NumpyShape(owned->shape()));
  } else {
    array = py::array(dtype, NumpyShape(owned->shape()), {}, data, base);
  }
  if (read_only || view) array.attr("setflags")(py::arg("write") = false);
  return array;
}

py::object StringsToPython(const Tensor& t) {
  const std::vector<std::string>& values = t.strings();
  if (t.shape().rank() == 0 && values.size() == 1) return py::bytes(values[0]);
  py::list list(values.size());
  for (size_t i = 0; i < values.size(); ++i) list[i] = py::bytes(values[i]);
  py::module_ np = py::module_::import("numpy");
  py::object flat = np.attr("array")(list, py::arg("dtype") = "object");
  if (values.empty()) flat = np.attr("empty")(0, py::arg("dtype") = "object");
  return flat.attr("reshape")(py::tuple(py::cast(NumpyShape(t.shape()))));
}

py::object ScalarOrArray(py::array a) {
  if (a.ndim() == 0) return a[py::tuple()];
  return a;
}

namespace {

absl::StatusOr<DataType> DataTypeOfArray(const py::dtype& d,
                                         absl::string_view key) {
  const std::string name = py::str(d.attr("name"));
  for (const ExtendedType& ext : kExtendedTypes) {
    if (name == ext.ml_name) return ext.dtype;
  }
  const char kind = d.kind();
  const py::ssize_t size = d.itemsize();
  switch (kind) {
    case 'f':
      if (size == 2) return DataType::kHalf;
      if (size == 4) return DataType::kFloat;
      if (size == 8) return DataType::kDouble;
      break;
    case 'i':
      if (size == 1) return DataType::kInt8;
      if (size == 2) return DataType::kInt16;
      if (size == 4) return DataType::kInt32;
      if (size == 8) return DataType::kInt64;
      break;
    case 'u':
      if (size == 1) return DataType::kUInt8;
      if (size == 2) return DataType::kUInt16;
      if (size == 4) return DataType::kUInt32;
      if (size == 8) return DataType::kUInt64;
      break;
    case 'b':
      return DataType::kBool;
    case 'c':
      if (size == 8) return DataType::kComplex64;
      if (size == 16) return DataType::kComplex128;
      break;
    case 'S':
    case 'U':
    case 'O':
      return DataType::kString;
    default:
      break;
  }
  return NotAnArrayDtype(key, absl::StrCat("dtype ", name));
}

}  // namespace

absl::StatusOr<Tensor> TensorFromArray(const py::array& array,
                                       const std::string& key,
                                       std::vector<py::object>* keep) {
  absl::StatusOr<DataType> dt = DataTypeOfArray(array.dtype(), key);
  if (!dt.ok()) return dt.status();
  std::vector<int64_t> dims;
  for (py::ssize_t i = 0; i < array.ndim(); ++i) dims.push_back(array.shape(i));
  absl::StatusOr<TensorShape> shape = TensorShape::Create(dims);
  if (!shape.ok()) {
    return Annotate(shape.status(),
                    absl::StrCat("value of ", QuoteForMessage(key)));
  }
  if (*dt != DataType::kString) {
    keep->push_back(array);
    return Tensor::Borrow(*dt, *std::move(shape), array.data(),
                          static_cast<size_t>(array.nbytes()));
  }
  py::list items = array.attr("ravel")().attr("tolist")();
  std::vector<std::string> values;
  values.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    py::handle item = items[i];
    if (py::isinstance<py::bytes>(item)) {
      values.push_back(item.cast<std::string>());
    } else if (py::isinstance<py::str>(item)) {
      Py_ssize_t size = 0;
      const char* utf8 = PyUnicode_AsUTF8AndSize(item.ptr(), &size);
      if (utf8 == nullptr) {  // a lone surrogate: not encodable
        PyErr_Clear();
        return NotAnArrayDtype(
            key,
            absl::StrCat("a str that is not valid Unicode (element ", i, ")"));
      }
      values.emplace_back(utf8, static_cast<size_t>(size));
    } else {
      return NotAnArrayDtype(
          key,
          absl::StrCat("an object array holding ",
                       std::string(py::str(item.get_type().attr("__name__"))),
                       " (element ", i, "; only bytes and str are)"));
    }
  }
  return Tensor::FromStrings(*std::move(shape), std::move(values));
}

}  // namespace ckpt::python
