// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// ckpt.export_checkpoint / import_checkpoint; the contract is in
// python/bridges.h.

#include "bridges.h"

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ckpt/bridges.h"
#include "cli/prefix.h"
#include "util/errors.h"

namespace ckpt::python {

py::dict ExportCheckpoint(const std::string& src, const std::string& dst,
                          const std::string& format,
                          const std::vector<std::string>& key_map,
                          bool drop_optimizer, uint64_t shard_bytes) {
  bridges::ExportOptions options;
  if (format == "safetensors") {
    options.format = bridges::ExportFormat::kSafetensors;
  } else if (format == "npz") {
    options.format = bridges::ExportFormat::kNpz;
  } else {
    ThrowStatus(absl::InvalidArgumentError(
        absl::StrCat("format must be 'safetensors' or 'npz', not ",
                     QuoteForMessage(format))));
  }
  options.key_rules = ValueOrThrow(bridges::ParseKeyRules(key_map));
  options.drop_optimizer = drop_optimizer;
  options.max_shard_bytes = shard_bytes;
  absl::StatusOr<bridges::ExportResult> result;
  {
    py::gil_scoped_release release;
    absl::StatusOr<std::string> prefix = cli::ResolvePrefix(ModuleEnv(), src);
    result = prefix.ok()
                 ? bridges::ExportCheckpoint(ModuleEnv(), *prefix, dst, options)
                 : prefix.status();
  }
  ThrowIfError(result.status());
  py::dict d;
  d["tensors"] = result->tensors;
  d["dropped"] = result->dropped;
  d["bytes"] = result->bytes;
  d["object_graph"] = result->object_graph;
  d["files"] = result->files;
  return d;
}

py::dict ImportCheckpoint(const std::string& src, const std::string& dst,
                          const std::vector<std::string>& key_map) {
  bridges::ImportOptions options;
  options.key_rules = ValueOrThrow(bridges::ParseKeyRules(key_map));
  ThrowIfError(cli::CheckDestinationPrefix(dst, "", "import"));
  absl::StatusOr<bridges::ImportResult> result;
  {
    py::gil_scoped_release release;
    result = bridges::ImportCheckpoint(ModuleEnv(), src, dst, options);
  }
  ThrowIfError(result.status());
  py::dict d;
  d["tensors"] = result->tensors;
  d["bytes"] = result->bytes;
  d["object_graph"] = result->object_graph;
  return d;
}

}  // namespace ckpt::python
