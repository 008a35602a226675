// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: python/reader.h
// -----------------------------------------------------------------------------
//
// The checkpoint reader behind ckpt.load_checkpoint (docs/python.md): the
// API of TensorFlow's CheckpointReader over ckpt's BundleReader.
//
// Contract:
//   * Open resolves PATH as the CLI does (cli/prefix.h: a prefix, its
//     .index or a data file, a `checkpoint` state file, a directory) and
//     reads the index only. Tensors are listed as TensorFlow lists them:
//     every entry but the header, a partitioned tensor once under its own
//     key with its full shape (its slice keys hidden), the object graph
//     entry included.
//   * GetTensor reads and verifies one tensor (a partitioned one assembled
//     from its slices) with the GIL released: fixed-size tensors straight
//     into the numpy array's memory, strings as an object array of bytes.
//     0-d tensors come back as numpy scalars (bytes for a string), as
//     TensorFlow returns them. With `mmap`, fixed-size values are read-only
//     views of the mapped data files (MappedBundleReader: checksummed on
//     first access), valid after the reader is closed.
//   * Errors raise ckpt.errors exceptions (python/py_common.h); a closed
//     reader raises FailedPreconditionError.
//   * Thread-safe: the GIL is released only around the library's const,
//     thread-safe reads, which hold their own references to the readers: a
//     Close() from another thread meanwhile takes effect for later calls.
//   * Keys are bytes: a Python str is encoded as UTF-8 with surrogateescape
//     (the inverse of how tensors() names are decoded), bytes are taken as
//     they are.

#ifndef CKPT_LIB_PYTHON_READER_H_
#define CKPT_LIB_PYTHON_READER_H_

#include <pybind11/pybind11.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "ckpt/bundle_format.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/mapped_bundle.h"
#include "py_common.h"

namespace ckpt::python {

class CheckpointReader {
 public:
  static std::unique_ptr<CheckpointReader> Open(const std::string& path,
                                                bool mmap);

  const std::string& prefix() const { return prefix_; }
  bool mmap() const { return mapped_ != nullptr; }

  struct Listed {
    std::string key;
    BundleEntry entry;  // a partitioned tensor's full-tensor entry
  };
  // In key order.
  const std::vector<Listed>& tensors() const;

  bool HasTensor(const std::string& key) const;
  py::object GetTensor(const std::string& key) const;
  // The BundleReader (FailedPrecondition once closed), shared so that a
  // concurrent Close() cannot free it under a caller that released the GIL.
  std::shared_ptr<const BundleReader> bundle() const;

  void Close();

 private:
  CheckpointReader() = default;
  const Listed& Find(const std::string& key) const;
  void CheckOpen() const;

  std::string prefix_;
  std::shared_ptr<const BundleReader> reader_;
  std::shared_ptr<const MappedBundleReader> mapped_;
  std::vector<Listed> tensors_;
  absl::flat_hash_map<std::string, size_t> index_;
};

}  // namespace ckpt::python

#endif  // CKPT_LIB_PYTHON_READER_H_
