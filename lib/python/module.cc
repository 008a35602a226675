// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: python/module.cc
// -----------------------------------------------------------------------------
//
// The extension module ckpt._ckpt: the C++ half of the Python package
// `ckpt` (lib/python/ckpt/__init__.py is the public half and documents the
// API; docs/python.md is the guide). Everything here is private to the
// package: names start with '_' or are reached through ckpt/__init__.py.

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "ckpt/dtype.h"
#include "graph.h"
#if CKPT_PYTHON_HAVE_BRIDGES
#include "bridges.h"
#endif
#include "py_common.h"
#include "reader.h"
#include "writer.h"

namespace ckpt::python {

void ThrowStatus(const absl::Status& status) {
  // Messages quote file names and keys, which may hold any bytes.
  const absl::string_view text = status.message();
  py::object message = py::reinterpret_steal<py::object>(PyUnicode_DecodeUTF8(
      text.data(), static_cast<Py_ssize_t>(text.size()), "backslashreplace"));
  if (!message) throw py::error_already_set();
  py::object error =
      py::module_::import("ckpt.errors")
          .attr("_error_for")(static_cast<int>(status.code()), message);
  PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(error.ptr())),
                  error.ptr());
  throw py::error_already_set();
}

std::string BytesArg(py::handle value, const char* what) {
  if (py::isinstance<py::bytes>(value)) return value.cast<std::string>();
  if (py::isinstance<py::str>(value)) {
    py::object bytes = py::reinterpret_steal<py::object>(
        PyUnicode_AsEncodedString(value.ptr(), "utf-8", "surrogateescape"));
    if (!bytes) throw py::error_already_set();  // a surrogate outside 0xDC80..
    return bytes.cast<std::string>();
  }
  throw py::type_error(std::string(what) + " must be str or bytes, not " +
                       std::string(py::str(value.get_type().attr("__name__"))));
}

void WarnDtype(const std::string& message) {
  py::module_::import("ckpt.errors").attr("_warn_dtype")(message);
}

namespace {

py::list ListTensors(const CheckpointReader& reader) {
  py::list out;
  for (const CheckpointReader::Listed& t : reader.tensors()) {
    out.append(py::make_tuple(
        py::bytes(t.key).attr("decode")("utf-8", "surrogateescape"),
        std::string(DataTypeName(t.entry.dtype)),
        py::cast(t.entry.shape.dims())));
  }
  return out;
}

}  // namespace

PYBIND11_MODULE(_ckpt, m) {
  m.doc() = "ckpt's C++ core (private; use the package ckpt).";
  m.attr("__version__") = CKPT_VERSION_STRING;

  py::class_<CheckpointReader>(m, "_Reader")
      .def_property_readonly(
          "prefix",
          [](const CheckpointReader& r) {
            // os.fsdecode's rule: any bytes round trip.
            const std::string& p = r.prefix();
            return py::reinterpret_steal<py::str>(PyUnicode_DecodeUTF8(
                p.data(), static_cast<Py_ssize_t>(p.size()),
                "surrogateescape"));
          })
      .def_property_readonly("mmap", &CheckpointReader::mmap)
      .def("list", &ListTensors)
      .def(
          "has_tensor",
          [](const CheckpointReader& r, py::handle key) {
            return r.HasTensor(BytesArg(key, "key"));
          },
          py::arg("key"))
      .def(
          "get_tensor",
          [](const CheckpointReader& r, py::handle key) {
            return r.GetTensor(BytesArg(key, "key"));
          },
          py::arg("key"))
      .def("close", &CheckpointReader::Close);

  m.def("_open", &CheckpointReader::Open, py::arg("path"),
        py::arg("mmap") = false);
  m.def("_object_graph", &ObjectGraphToPython, py::arg("reader"));
  m.def("_restore_map", &RestoreMap, py::arg("reader"));
  m.def("_save", &Save, py::arg("prefix"), py::arg("items"),
        py::arg("compression") = "none");
#if CKPT_PYTHON_HAVE_BRIDGES
  m.def("_export", &ExportCheckpoint, py::arg("src"), py::arg("dst"),
        py::arg("format"), py::arg("key_map"), py::arg("drop_optimizer"),
        py::arg("shard_bytes"));
  m.def("_import", &ImportCheckpoint, py::arg("src"), py::arg("dst"),
        py::arg("key_map"));
#endif
}

}  // namespace ckpt::python
