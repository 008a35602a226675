// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: ckpt/bundle_merge.h
// -----------------------------------------------------------------------------
//
// MergeBundles() is TensorFlow's MergeBundles (the op MergeV2Checkpoints):
// it turns the bundles written by several writers, one per device or
// worker, into one bundle. The inputs' data files are renamed, never
// copied or read; only the index is written anew (docs/format.md §11.7).
//
// Contract:
//   * Inputs: each is opened with BundleReader, whose header checks apply.
//     All must have the first input's format version (producer and
//     min_consumer version, ckpt features); every bundle BundleReader opens
//     is little-endian. A prefix listed twice is refused.
//   * Entries: all inputs' entries in one key-sorted index. A key may be in
//     several inputs only as a partitioned tensor (a full-tensor entry
//     listing slices) in each: dtype and full shape must agree, and the
//     slice lists are concatenated in input order. The merged slices must
//     be a valid layout (inside the shape, no two overlapping, at most
//     16,384) and, with require_complete_slices, tile the tensor.
//   * Data files, as TensorFlow numbers them: walking the inputs in order
//     and each input's keys in order, every entry that is not a repeated
//     partitioned key names the data file (input prefix, its shard_id, the
//     input's num_shards); each distinct file gets the next new id, which
//     becomes the entry's shard_id, and is renamed to
//     DataFilename(output_prefix, id, K), K the number of distinct files.
//     The header's num_shards is the sum of the inputs' num_shards, so
//     every data file of every input must be named by one of its entries;
//     an input with an unnamed data file (one whose entries name no data
//     file at all included, e.g. an empty bundle) is InvalidArgument, where
//     TensorFlow would write a header that disagrees with the file names.
//   * Before anything is changed: the output index must not exist
//     (FailedPrecondition), and every data file named must exist and hold
//     the bytes its entries point at (DataLoss naming the file and the key
//     otherwise; no data byte is read).
//   * Commit: the directory of output_prefix is created if needed; the
//     index is written under a temporary name and synced; the data files
//     are renamed; the directory is synced; the index is renamed to
//     `output_prefix.index` and the directory synced again (TensorFlow
//     writes the index in place). A reader that sees the output index
//     therefore sees all of its data files. If a step before the index
//     rename fails, the renamed data files are renamed back (best effort)
//     and the temporary index removed: no output index exists, and the
//     inputs are as they were unless the undo itself failed or the process
//     died (their data files may then lie under the output's names). A
//     failing final directory sync is returned with the output in place.
//   * With delete_inputs, after the commit: the inputs' index files are
//     deleted and, for each input whose directory is not the output's, that
//     directory if it is then empty (TensorFlow's `_temp` directories);
//     errors are ignored.
//   * Errors: InvalidArgument for inputs that cannot be merged (the message
//     names the key and both input prefixes where two meet), the Env's and
//     BundleReader's codes otherwise. Not safe against another process
//     writing output_prefix at the same time.
//
// Example:
//
//   // Two writers, one per device, under a temporary directory.
//   CKPT_RETURN_IF_ERROR(ckpt::MergeBundles(
//       {"/ckpt/model_temp/part-00000-of-00002",
//        "/ckpt/model_temp/part-00001-of-00002"},
//       "/ckpt/model"));
//   CKPT_ASSIGN_OR_RETURN(std::unique_ptr<ckpt::BundleReader> r,
//                         ckpt::BundleReader::Open(ckpt::Env::Default(),
//                                                  "/ckpt/model"));

#ifndef CKPT_BUNDLE_MERGE_H_
#define CKPT_BUNDLE_MERGE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "ckpt/env.h"

namespace ckpt {

struct MergeBundlesOptions {
  // File system; null means Env::Default().
  Env* env = nullptr;
  // fsync the index and the output directory. Turning it off is only for
  // tests and throwaway output.
  bool sync = true;
  // Partitioned tensors must be tiled completely by the slices of all
  // inputs together (no hole); TensorFlow does not check this.
  bool require_complete_slices = true;
  // After the commit, delete the inputs' index files and their directories
  // when empty and not the output's (as TensorFlow does); errors ignored.
  bool delete_inputs = true;
  // An existing output index: false refuses it (FailedPrecondition, nothing
  // changed); true replaces it with the atomic rename of the new index, the
  // last step, as BundleWriter replaces a bundle (its data files of the
  // same names are replaced before that rename, as BundleWriter's are).
  bool replace_output = false;
};

// Merges the bundles at `input_prefixes` (at least one) into a bundle at
// `output_prefix`, moving their data files (see the contract above).
absl::Status MergeBundles(absl::Span<const std::string> input_prefixes,
                          const std::string& output_prefix,
                          const MergeBundlesOptions& options = {});

}  // namespace ckpt

#endif  // CKPT_BUNDLE_MERGE_H_
