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
#include "py_common.h"
#include "reader.h"
#include "writer.h"

namespace ckpt::python {

void ThrowStatus(const absl::Status& status) {
  py::object error = py::module_::import("ckpt.errors")
                         .attr("_error_for")(static_cast<int>(status.code()),
                                             std::string(status.message()));
  PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(error.ptr())),
                  error.ptr());
  throw py::error_already_set();
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
      .def_property_readonly("prefix", &CheckpointReader::prefix)
      .def_property_readonly("mmap", &CheckpointReader::mmap)
      .def("list", &ListTensors)
      .def("has_tensor", &CheckpointReader::HasTensor, py::arg("key"))
      .def("get_tensor", &CheckpointReader::GetTensor, py::arg("key"))
      .def("close", &CheckpointReader::Close);

  m.def("_open", &CheckpointReader::Open, py::arg("path"),
        py::arg("mmap") = false);
  m.def("_object_graph", &ObjectGraphToPython, py::arg("reader"));
  m.def("_restore_map", &RestoreMap, py::arg("reader"));
  m.def("_save", &Save, py::arg("prefix"), py::arg("items"),
        py::arg("compression") = "none");
}

}  // namespace ckpt::python
