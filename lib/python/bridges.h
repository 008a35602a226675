// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: python/bridges.h
// -----------------------------------------------------------------------------
//
// ckpt.export_checkpoint and ckpt.import_checkpoint: ckpt::bridges
// (ckpt/bridges.h) from Python, with the GIL released while they run. Built
// only with the bridges component (CKPT_PYTHON_HAVE_BRIDGES); without it the
// Python functions raise UnimplementedError (lib/python/ckpt/__init__.py).
// Errors raise ckpt.errors exceptions; results are dicts:
//   export: {"tensors", "dropped", "bytes", "object_graph", "files"}
//   import: {"tensors", "bytes", "object_graph"}

#ifndef CKPT_LIB_PYTHON_BRIDGES_H_
#define CKPT_LIB_PYTHON_BRIDGES_H_

#include <pybind11/pybind11.h>

#include <cstdint>
#include <string>
#include <vector>

#include "py_common.h"

namespace ckpt::python {

// `format` is "safetensors" or "npz"; `key_map` holds "REGEX=REPLACEMENT"
// rules; `src` any PATH form of the CLI.
py::dict ExportCheckpoint(const std::string& src, const std::string& dst,
                          const std::string& format,
                          const std::vector<std::string>& key_map,
                          bool drop_optimizer, uint64_t shard_bytes);

py::dict ImportCheckpoint(const std::string& src, const std::string& dst,
                          const std::vector<std::string>& key_map);

}  // namespace ckpt::python

#endif  // CKPT_LIB_PYTHON_BRIDGES_H_
