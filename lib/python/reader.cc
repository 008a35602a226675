// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// ckpt.load_checkpoint's reader; the contract is in python/reader.h.

#include "reader.h"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "arrays.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/dtype.h"
#include "ckpt/mapped_bundle.h"
#include "cli/prefix.h"
#include "cli/slices.h"
#include "util/errors.h"

namespace ckpt::python {

std::unique_ptr<CheckpointReader> CheckpointReader::Open(
    const std::string& path, bool mmap) {
  std::unique_ptr<CheckpointReader> r(new CheckpointReader());
  absl::Status status;
  {
    py::gil_scoped_release release;
    status = [&]() -> absl::Status {
      absl::StatusOr<std::string> prefix =
          cli::ResolvePrefix(ModuleEnv(), path);
      if (!prefix.ok()) return prefix.status();
      r->prefix_ = *std::move(prefix);
      absl::StatusOr<std::unique_ptr<BundleReader>> reader =
          BundleReader::Open(ModuleEnv(), r->prefix_);
      if (!reader.ok()) return reader.status();
      r->reader_ = *std::move(reader);
      absl::StatusOr<std::vector<std::pair<std::string, BundleEntry>>> entries =
          r->reader_->ListEntries();
      if (!entries.ok()) return entries.status();
      for (cli::ListedTensor& t : cli::ListTensors(*r->reader_, *entries)) {
        // A slice key no tensor lists is not a variable of the checkpoint
        // (`ckpt verify` reports it).
        if (t.kind == cli::ListedTensor::Kind::kOrphanSlice) continue;
        r->index_.emplace(t.key, r->tensors_.size());
        r->tensors_.push_back(Listed{std::move(t.key), std::move(t.entry)});
      }
      if (mmap) {
        absl::StatusOr<std::unique_ptr<MappedBundleReader>> mapped =
            MappedBundleReader::Open(ModuleEnv(), r->reader_);
        if (!mapped.ok()) return mapped.status();
        r->mapped_ = *std::move(mapped);
      }
      return absl::OkStatus();
    }();
  }
  ThrowIfError(status);
  return r;
}

void CheckpointReader::CheckOpen() const {
  if (reader_ == nullptr) {
    ThrowStatus(absl::FailedPreconditionError(
        absl::StrCat("the reader of '", prefix_, "' is closed")));
  }
}

const std::vector<CheckpointReader::Listed>& CheckpointReader::tensors() const {
  CheckOpen();
  return tensors_;
}

std::shared_ptr<const BundleReader> CheckpointReader::bundle() const {
  CheckOpen();
  return reader_;
}

bool CheckpointReader::HasTensor(const std::string& key) const {
  CheckOpen();
  return index_.contains(key);
}

const CheckpointReader::Listed& CheckpointReader::Find(
    const std::string& key) const {
  CheckOpen();
  auto it = index_.find(key);
  if (it == index_.end()) {
    ThrowStatus(absl::NotFoundError(absl::StrCat("key ", QuoteForMessage(key),
                                                 " not found in checkpoint '",
                                                 prefix_, "'")));
  }
  return tensors_[it->second];
}

py::object CheckpointReader::GetTensor(const std::string& key) const {
  const Listed& listed = Find(key);
  const DataType dt = listed.entry.dtype;
  // Held across the GIL release (see the thread-safety contract).
  const std::shared_ptr<const BundleReader> reader = reader_;
  const std::shared_ptr<const MappedBundleReader> mapped = mapped_;
  if (dt == DataType::kString) {
    absl::StatusOr<Tensor> t;
    {
      py::gil_scoped_release release;
      t = reader->Read(key);
    }
    ThrowIfError(t.status());
    return StringsToPython(*t);
  }
  NumpyDtype np_dtype = ValueOrThrow(NumpyDtypeFor(dt, key));
  if (!np_dtype.stand_in.empty()) WarnDtype(np_dtype.stand_in);
  if (mapped != nullptr) {
    absl::StatusOr<Tensor> t;
    {
      py::gil_scoped_release release;
      t = mapped->Get(key);
    }
    ThrowIfError(t.status());
    return ScalarOrArray(WrapTensor(*std::move(t), np_dtype.dtype,
                                    /*read_only=*/true));
  }
  py::array array(np_dtype.dtype, NumpyShape(listed.entry.shape));
  absl::Status status;
  {
    py::gil_scoped_release release;
    status = reader->ReadInto(
        key, absl::Span<char>(static_cast<char*>(array.mutable_data()),
                              static_cast<size_t>(array.nbytes())));
  }
  ThrowIfError(status);
  return ScalarOrArray(std::move(array));
}

void CheckpointReader::Close() {
  mapped_.reset();
  reader_.reset();
}

}  // namespace ckpt::python
