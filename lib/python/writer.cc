// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// ckpt.save; the contract is in python/writer.h.

#include "writer.h"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "arrays.h"
#include "ckpt/bundle_writer.h"
#include "ckpt/object_graph.h"
#include "ckpt/tensor.h"
#include "ckpt/tensor_slice.h"
#include "cli/prefix.h"
#include "util/errors.h"

namespace ckpt::python {

namespace {

// The format's own keys (writer.h).
absl::Status CheckReservedKey(const std::string& key, const Tensor& value) {
  if (IsSliceKey(key)) {
    return absl::InvalidArgumentError(
        absl::StrCat("key ", QuoteForMessage(key),
                     " starts with a NUL byte, which marks partitioned "
                     "tensors' slice keys"));
  }
  if (key != kObjectGraphKey) return absl::OkStatus();
  if (!value.is_string() || value.shape().rank() != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "key '", kObjectGraphKey,
        "' holds the object graph: a string scalar, not ",
        DataTypeName(value.dtype()), " ", value.shape().DebugString()));
  }
  absl::StatusOr<ObjectGraph> graph =
      ParseObjectGraph(value.strings()[0], "ckpt.save");
  absl::Status s =
      graph.ok() ? ValidateObjectGraphStrings(*graph) : graph.status();
  if (!s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("value of '", kObjectGraphKey,
                     "' is not a valid object graph: ", s.message()));
  }
  return absl::OkStatus();
}

}  // namespace

size_t Save(const std::string& prefix,
            const std::vector<std::pair<py::object, py::array>>& items,
            const std::string& compression) {
  BundleWriterOptions options;
  if (compression == "lz4") {
    options.compression = Compression::kLz4;
  } else if (compression != "none") {
    ThrowStatus(absl::InvalidArgumentError(
        absl::StrCat("compression must be 'none' or 'lz4', not ",
                     QuoteForMessage(compression))));
  }
  ThrowIfError(cli::CheckDestinationPrefix(prefix, "", "save"));
  std::vector<py::object> keep;  // the arrays whose memory is borrowed
  std::vector<std::pair<std::string, Tensor>> tensors;
  tensors.reserve(items.size());
  for (const auto& [key_object, array] : items) {
    const std::string key = BytesArg(key_object, "key");
    if (key.empty()) {
      ThrowStatus(absl::InvalidArgumentError("ckpt.save: an empty key"));
    }
    Tensor value = ValueOrThrow(TensorFromArray(array, key, &keep));
    ThrowIfError(CheckReservedKey(key, value));
    tensors.emplace_back(key, std::move(value));
  }
  absl::Status status;
  {
    py::gil_scoped_release release;
    status = [&]() -> absl::Status {
      absl::StatusOr<std::unique_ptr<BundleWriter>> writer =
          BundleWriter::Create(ModuleEnv(), prefix, options);
      if (!writer.ok()) return writer.status();
      for (const auto& [key, tensor] : tensors) {
        absl::Status added = (*writer)->Add(key, tensor);
        if (!added.ok()) return added;
      }
      return (*writer)->Finish();
    }();
  }
  ThrowIfError(status);
  return tensors.size();
}

}  // namespace ckpt::python
