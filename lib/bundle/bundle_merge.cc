// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// MergeBundles (contract in ckpt/bundle_merge.h). A Merge first plans
// without touching a file: it opens the inputs, merges their entries into
// one key-sorted map while numbering the data files as TensorFlow does,
// checks the partitioned tensors' layouts and the data files' sizes. Then it
// commits: the index under a temporary name, the data files renamed, the
// index renamed last (bundle/index_file.h writes the table, as for
// BundleWriter), the renames undone if a step before the index rename fails.

#include "ckpt/bundle_merge.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "bundle/entry_codec.h"
#include "bundle/index_file.h"
#include "bundle/pending_index.h"
#include "bundle/slice_layout.h"
#include "ckpt/bundle_format.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/dtype.h"
#include "ckpt/status.h"
#include "ckpt/tensor.h"
#include "ckpt/tensor_slice.h"
#include "util/env_or_default.h"
#include "util/errors.h"
#include "util/random.h"

namespace ckpt {
namespace {

// An input prefix as messages show it.
std::string Quoted(absl::string_view prefix) {
  return absl::StrCat("'", prefix, "'");
}

// "producer 1, min_consumer 0[, features lz4]".
std::string VersionText(const BundleHeader& h) {
  std::string out = absl::StrCat("producer ", h.producer_version,
                                 ", min_consumer ", h.min_consumer_version);
  if (!h.features.empty()) {
    absl::StrAppend(&out, ", features ", absl::StrJoin(h.features, ","));
  }
  return out;
}

bool SameVersion(const BundleHeader& a, const BundleHeader& b) {
  return a.producer_version == b.producer_version &&
         a.min_consumer_version == b.min_consumer_version &&
         a.features == b.features;
}

// "float32 [4,3]".
std::string TypeAndShape(const BundleEntry& e) {
  return absl::StrCat(DataTypeDisplayName(static_cast<int32_t>(e.dtype)), " ",
                      e.shape.DebugString());
}

// One entry of the merged index.
struct MergedEntry {
  BundleEntry entry;                // shard_id renumbered
  std::vector<TensorSlice> slices;  // a partitioned tensor's, inputs in order
  std::vector<size_t> inputs;       // the inputs it is in, in order
};

// One data file of an input, to be renamed to the output's file of its new
// id (its index in Merge::files_).
struct DataFile {
  std::string path;
  size_t input = 0;
  uint64_t needed = 0;    // largest offset + size of an entry in it
  std::string needed_by;  // the key of that entry
};

class Merge {
 public:
  Merge(absl::Span<const std::string> inputs, const std::string& output,
        const MergeBundlesOptions& options)
      : env_(EnvOrDefault(options.env)),
        prefixes_(inputs),
        output_(output),
        options_(options) {}

  // Everything that can be checked without changing a file.
  absl::Status Plan() {
    CKPT_RETURN_IF_ERROR(CheckArguments());
    if (!options_.replace_output) CKPT_RETURN_IF_ERROR(CheckNoOutputIndex());
    for (size_t i = 0; i < prefixes_.size(); ++i) {
      CKPT_RETURN_IF_ERROR(AddInput(i));
    }
    CKPT_RETURN_IF_ERROR(CheckPartitioned());
    CKPT_RETURN_IF_ERROR(CheckDataFiles());
    readers_.clear();  // closes the input indexes
    return absl::OkStatus();
  }

  // Writes the output (see the contract); on a failure before the index
  // rename, undoes what it did.
  absl::Status Commit() {
    const std::string dir = Dirname(output_);
    CKPT_RETURN_IF_ERROR(env_->CreateDirs(dir));
    CKPT_RETURN_IF_ERROR(WriteTempIndex());
    absl::Status s = MoveDataFiles(dir);
    if (s.ok()) s = env_->RenameFile(temp_index_, IndexFilename(output_));
    if (!s.ok()) {
      Undo();
      return s;
    }
    if (options_.sync) return env_->SyncDir(dir);
    return absl::OkStatus();
  }

  // Deletes the inputs' index files, then their directories other than the
  // output's when empty; ignores errors.
  void DeleteInputs() {
    const std::string output_dir = Dirname(output_);
    absl::flat_hash_set<std::string> dirs;
    for (const std::string& prefix : prefixes_) {
      env_->DeleteFile(IndexFilename(prefix)).IgnoreError();
    }
    for (const std::string& prefix : prefixes_) {
      std::string dir = Dirname(prefix);
      if (dir == output_dir || !dirs.insert(dir).second) continue;
      env_->DeleteDir(dir).IgnoreError();  // fails unless empty
    }
  }

 private:
  absl::Status CheckArguments() const {
    if (prefixes_.empty()) {
      return absl::InvalidArgumentError("MergeBundles: no input prefixes");
    }
    if (output_.empty()) {
      return absl::InvalidArgumentError("MergeBundles: empty output prefix");
    }
    absl::flat_hash_set<absl::string_view> seen;
    for (const std::string& prefix : prefixes_) {
      if (!seen.insert(prefix).second) {
        return absl::InvalidArgumentError(absl::StrCat(
            "MergeBundles: input ", Quoted(prefix), " is listed twice"));
      }
    }
    return absl::OkStatus();
  }

  absl::Status CheckNoOutputIndex() const {
    const std::string path = IndexFilename(output_);
    absl::Status s = env_->FileExists(path);
    if (s.ok()) {
      return absl::FailedPreconditionError(absl::StrCat(
          path, ": MergeBundles: the output index already exists"));
    }
    if (absl::IsNotFound(s)) return absl::OkStatus();
    return s;
  }

  // Opens input `i`, checks its header against the first input's and merges
  // its entries.
  absl::Status AddInput(size_t i) {
    CKPT_ASSIGN_OR_RETURN(std::unique_ptr<BundleReader> reader,
                          BundleReader::Open(env_, prefixes_[i]));
    readers_.push_back(std::move(reader));
    const BundleHeader& header = readers_[i]->header();
    if (i == 0) {
      header_ = header;
      header_.num_shards = 0;
    } else if (!SameVersion(header_, header)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "MergeBundles: inputs ", Quoted(prefixes_[0]), " and ",
          Quoted(prefixes_[i]), " have different format versions (",
          VersionText(header_), " vs ", VersionText(header), ")"));
    }
    header_.num_shards += header.num_shards;  // each <= kMaxNumShards
    if (header_.num_shards > kMaxNumShards) {
      return absl::InvalidArgumentError(
          absl::StrCat("MergeBundles: the inputs up to ", Quoted(prefixes_[i]),
                       " have ", header_.num_shards,
                       " data files, more than the limit of ", kMaxNumShards));
    }
    const size_t files_before = files_.size();
    CKPT_RETURN_IF_ERROR(readers_[i]->ForEachEntry(
        [&](absl::string_view key, BundleEntry&& entry) {
          return AddEntry(i, key, std::move(entry));
        }));
    return CheckAllFilesNamed(i, files_.size() - files_before);
  }

  absl::Status AddEntry(size_t i, absl::string_view key, BundleEntry&& entry) {
    auto it = entries_.find(key);
    if (it != entries_.end()) return AddRepeated(i, key, entry, it->second);
    MergedEntry merged;
    if (entry.num_slices > 0) {
      CKPT_ASSIGN_OR_RETURN(merged.slices, readers_[i]->GetSlices(key));
    }
    entry.shard_id = FileId(i, key, entry);
    merged.entry = std::move(entry);
    merged.inputs.push_back(i);
    entries_.emplace(std::string(key), std::move(merged));
    return absl::OkStatus();
  }

  // `entry` of input `i` under a key an earlier input has (as `merged`):
  // both must be the same partitioned tensor; the slices are appended.
  absl::Status AddRepeated(size_t i, absl::string_view key,
                           const BundleEntry& entry, MergedEntry& merged) {
    const std::string both =
        absl::StrCat("inputs ", Quoted(prefixes_[merged.inputs.front()]),
                     " and ", Quoted(prefixes_[i]));
    if (entry.num_slices == 0 || merged.slices.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "MergeBundles: duplicate key ", QuoteForMessage(key), " in ", both,
          " (only a partitioned tensor may be in several inputs)"));
    }
    if (entry.dtype != merged.entry.dtype ||
        !(entry.shape == merged.entry.shape)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "MergeBundles: partitioned tensor ", QuoteForMessage(key), " is ",
          TypeAndShape(merged.entry), " in input ",
          Quoted(prefixes_[merged.inputs.front()]), " but ",
          TypeAndShape(entry), " in input ", Quoted(prefixes_[i])));
    }
    CKPT_ASSIGN_OR_RETURN(std::vector<TensorSlice> slices,
                          readers_[i]->GetSlices(key));
    if (merged.slices.size() + slices.size() > bundle::kMaxSlicesPerTensor) {
      return absl::InvalidArgumentError(absl::StrCat(
          "MergeBundles: partitioned tensor ", QuoteForMessage(key), " of ",
          both, ": more than ", bundle::kMaxSlicesPerTensor, " slices"));
    }
    for (TensorSlice& s : slices) merged.slices.push_back(std::move(s));
    merged.inputs.push_back(i);
    return absl::OkStatus();
  }

  // The new id of the data file `entry` (of input `i`) names: the next id
  // the first time the file is named.
  int FileId(size_t i, absl::string_view key, const BundleEntry& entry) {
    std::string path =
        DataFilename(prefixes_[i], entry.shard_id, readers_[i]->num_shards());
    auto [it, added] =
        file_ids_.try_emplace(path, static_cast<int>(files_.size()));
    if (added) files_.push_back({std::move(path), i, 0, std::string(key)});
    DataFile& file = files_[static_cast<size_t>(it->second)];
    // Offset and size are >= 0 (validated), so the sum fits.
    const uint64_t end =
        static_cast<uint64_t>(entry.offset) + static_cast<uint64_t>(entry.size);
    if (end > file.needed) {
      file.needed = end;
      file.needed_by = std::string(key);
    }
    return it->second;
  }

  // The output header's num_shards is the inputs' sum, so the `named` data
  // files input `i`'s entries name must be all of its data files.
  absl::Status CheckAllFilesNamed(size_t i, size_t named) const {
    const int n = readers_[i]->num_shards();
    if (named == static_cast<size_t>(n)) return absl::OkStatus();
    const std::string why =
        " (its num_shards counts in the merged header, so each of its data "
        "files must hold an entry; TensorFlow would write a header that "
        "disagrees with the data file names)";
    if (named == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("MergeBundles: input ", Quoted(prefixes_[i]),
                       " has no entry that names a data file", why));
    }
    std::string unnamed;
    for (int s = 0; s < n && unnamed.empty(); ++s) {
      std::string path = DataFilename(prefixes_[i], s, n);
      if (!file_ids_.contains(path)) unnamed = std::move(path);
    }
    return absl::InvalidArgumentError(
        absl::StrCat("MergeBundles: input ", Quoted(prefixes_[i]), " has ", n,
                     " data files but its entries name ", named,
                     " of them (not ", unnamed, ")", why));
  }

  // The merged slices of `merged` (partitioned): a valid layout that, with
  // require_complete_slices, tiles the tensor. Messages without context.
  absl::Status CheckLayout(const MergedEntry& merged) const {
    const TensorShape& shape = merged.entry.shape;
    CKPT_RETURN_IF_ERROR(bundle::ValidateSliceLayout("", shape, merged.slices));
    if (!options_.require_complete_slices) return absl::OkStatus();
    const int64_t covered = bundle::CoveredElements(
        merged.slices, TensorSlice::Full(shape.rank()), shape);
    if (covered == shape.num_elements()) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(
        "the ", merged.slices.size(), " slices leave a hole: they cover ",
        covered, " of the ", shape.num_elements(), " elements of shape ",
        shape.DebugString()));
  }

  // CheckLayout() for every partitioned tensor. Bad slices are
  // InvalidArgument (the reader's DataLoss is for files, these are inputs
  // that cannot be merged); a layout too costly to check stays
  // ResourceExhausted.
  absl::Status CheckPartitioned() const {
    for (const auto& [key, merged] : entries_) {
      if (merged.slices.empty()) continue;
      const absl::Status s = CheckLayout(merged);
      if (s.ok()) continue;
      std::vector<std::string> names;
      for (size_t i : merged.inputs) names.push_back(Quoted(prefixes_[i]));
      const absl::StatusCode code = absl::IsResourceExhausted(s)
                                        ? s.code()
                                        : absl::StatusCode::kInvalidArgument;
      return absl::Status(
          code, absl::StrCat("MergeBundles: partitioned tensor ",
                             QuoteForMessage(key), " of inputs ",
                             absl::StrJoin(names, ", "), ": ", s.message()));
    }
    return absl::OkStatus();
  }

  // Every data file exists and holds the bytes its entries point at.
  absl::Status CheckDataFiles() const {
    for (const DataFile& file : files_) {
      const std::string context = absl::StrCat(
          file.path, ": data file of input ", Quoted(prefixes_[file.input]),
          " holding key ", QuoteForMessage(file.needed_by));
      absl::StatusOr<uint64_t> size = env_->GetFileSize(file.path);
      if (absl::IsNotFound(size.status())) {
        return absl::DataLossError(
            absl::StrCat(context, ": missing (", size.status().message(), ")"));
      }
      if (!size.ok()) return Annotate(size.status(), context);
      if (*size < file.needed) {
        return absl::DataLossError(absl::StrCat(
            context, ": ", *size, " bytes, but the key's bytes end at ",
            file.needed, " (a truncated data file)"));
      }
    }
    return absl::OkStatus();
  }

  // Writes the merged index to temp_index_ (synced, closed); removes it on
  // failure.
  absl::Status WriteTempIndex() {
    bundle::PendingIndex index;
    for (const auto& [key, merged] : entries_) {
      index.AddEncoded(key, bundle::EncodeEntry(merged.entry, merged.slices));
    }
    temp_index_ = bundle::TempStateName(IndexFilename(output_), RandomUint64());
    CKPT_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file,
                          env_->NewWritableFile(temp_index_));
    absl::Status s = bundle::WriteIndexFile(
        *file, header_, index, bundle::IndexLayout(), options_.sync);
    if (!s.ok()) {
      file.reset();
      env_->DeleteFile(temp_index_).IgnoreError();
    }
    return s;
  }

  // Renames every data file to its output name, then syncs `dir`.
  absl::Status MoveDataFiles(const std::string& dir) {
    const int k = static_cast<int>(files_.size());
    for (int id = 0; id < k; ++id) {
      CKPT_RETURN_IF_ERROR(env_->RenameFile(
          files_[static_cast<size_t>(id)].path, DataFilename(output_, id, k)));
      renamed_ = id + 1;
    }
    if (options_.sync) return env_->SyncDir(dir);
    return absl::OkStatus();
  }

  // Renames the moved data files back and removes the temporary index
  // (best effort: the first failure already is the result).
  void Undo() {
    const int k = static_cast<int>(files_.size());
    for (int id = renamed_ - 1; id >= 0; --id) {
      env_->RenameFile(DataFilename(output_, id, k),
                       files_[static_cast<size_t>(id)].path)
          .IgnoreError();
    }
    renamed_ = 0;
    env_->DeleteFile(temp_index_).IgnoreError();
  }

  Env* const env_;
  const absl::Span<const std::string> prefixes_;
  const std::string& output_;
  const MergeBundlesOptions& options_;
  std::vector<std::unique_ptr<BundleReader>> readers_;  // during Plan()
  BundleHeader header_;                                 // of the output
  absl::btree_map<std::string, MergedEntry> entries_;
  std::vector<DataFile> files_;  // by new id
  absl::flat_hash_map<std::string, int> file_ids_;
  std::string temp_index_;
  int renamed_ = 0;  // data files renamed so far (ids 0 .. renamed_ - 1)
};

}  // namespace

absl::Status MergeBundles(absl::Span<const std::string> input_prefixes,
                          const std::string& output_prefix,
                          const MergeBundlesOptions& options) {
  Merge merge(input_prefixes, output_prefix, options);
  CKPT_RETURN_IF_ERROR(merge.Plan());
  CKPT_RETURN_IF_ERROR(merge.Commit());
  if (options.delete_inputs) merge.DeleteInputs();
  return absl::OkStatus();
}

}  // namespace ckpt
