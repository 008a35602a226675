// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// BundleReader (contract in ckpt/bundle_reader.h; Impl in
// bundle_reader_impl.h, partitioned tensors in slice_reader.cc). Open() reads
// the index footer, index block and header only; entries are decoded and
// validated by the entry codec on every lookup; data files are opened on first
// use under a mutex and shared by all threads. Every read checks offset + size
// against the data file size before allocating or reading, then verifies the
// CRC.

#include "ckpt/bundle_reader.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "bundle/bundle_reader_impl.h"
#include "bundle/entry_codec.h"
#include "bundle/lz4_codec.h"
#include "bundle/slice_layout.h"
#include "bundle/string_codec.h"
#include "bundle/variant_codec.h"
#include "ckpt/crc32c.h"
#include "ckpt/status.h"
#include "ckpt/tensor_slice.h"
#include "table/table.h"
#include "util/errors.h"
#include "util/fuzzing.h"
#include "util/mutex.h"
#include "util/parallel.h"

namespace ckpt {
namespace bundle {

std::string KeyContext(absl::string_view path, absl::string_view key) {
  return absl::StrCat(path, ": key ", QuoteForMessage(key));
}

}  // namespace bundle
namespace {

// For a prefix that looks like a bundle file name, the prefix it belongs to
// ("" if it does not look like one).
std::string SuggestPrefix(absl::string_view prefix) {
  if (absl::EndsWith(prefix, ".index")) {
    return std::string(prefix.substr(0, prefix.size() - 6));
  }
  const size_t data = prefix.rfind(".data-");
  if (data != absl::string_view::npos) {
    return std::string(prefix.substr(0, data));
  }
  return "";
}

}  // namespace

absl::StatusOr<std::unique_ptr<BundleReader>> BundleReader::Open(
    Env* env, std::string prefix, BundleReaderOptions options) {
  if (env == nullptr) {
    return absl::InvalidArgumentError("BundleReader::Open: null env");
  }
  auto impl = std::make_unique<Impl>();
  impl->env = env;
  impl->index_path = IndexFilename(prefix);
  impl->prefix = std::move(prefix);
  impl->options = options;

  absl::StatusOr<std::unique_ptr<RandomAccessFile>> file =
      env->NewRandomAccessFile(impl->index_path);
  if (!file.ok()) {
    if (!absl::IsNotFound(file.status())) return file.status();
    const std::string suggested = SuggestPrefix(impl->prefix);
    if (suggested.empty()) {
      return absl::NotFoundError(absl::StrCat(impl->index_path,
                                              ": bundle index not found (",
                                              file.status().message(), ")"));
    }
    return absl::NotFoundError(absl::StrCat(
        impl->index_path, ": bundle index not found; ",
        QuoteForMessage(impl->prefix),
        " looks like a file name: a prefix is the path without .index or "
        ".data-*, did you mean ",
        QuoteForMessage(suggested), "?"));
  }
  if ((*file)->size() > options.max_index_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        impl->index_path, ": index file is ", (*file)->size(),
        " bytes, larger than the limit of ", options.max_index_bytes,
        " bytes (BundleReaderOptions::max_index_bytes)"));
  }
  CKPT_ASSIGN_OR_RETURN(impl->table, table::Table::Open(*std::move(file)));

  absl::StatusOr<std::string> header_value = impl->table->Get("");
  if (!header_value.ok()) {
    if (absl::IsNotFound(header_value.status())) {
      return absl::DataLossError(absl::StrCat(
          impl->index_path, ": no header entry (empty key) in the index"));
    }
    return header_value.status();
  }
  absl::StatusOr<BundleHeader> header = bundle::DecodeHeader(*header_value);
  if (!header.ok()) return Annotate(header.status(), impl->index_path);
  impl->header = *std::move(header);
  return std::unique_ptr<BundleReader>(new BundleReader(std::move(impl)));
}

BundleReader::BundleReader(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}

BundleReader::~BundleReader() = default;

const std::string& BundleReader::prefix() const { return impl_->prefix; }

const BundleHeader& BundleReader::header() const { return impl_->header; }

absl::StatusOr<BundleEntry> BundleReader::GetEntry(
    absl::string_view key) const {
  return impl_->Lookup(key);
}

absl::Status BundleReader::ForEachEntry(
    absl::FunctionRef<absl::Status(absl::string_view key, BundleEntry&& entry)>
        fn) const {
  const Impl& r = *impl_;
  std::unique_ptr<table::Iterator> it = r.table->NewIterator();
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const absl::string_view key = it->key();
    if (key.empty()) continue;  // the header
    absl::StatusOr<BundleEntry> entry =
        bundle::DecodeEntry(key, it->value(), r.header);
    if (!entry.ok()) return Annotate(entry.status(), r.index_path);
    CKPT_RETURN_IF_ERROR(fn(key, *std::move(entry)));
  }
  // Corruption found while walking the index is DataLoss naming the file.
  return it->status();
}

absl::StatusOr<std::vector<std::pair<std::string, BundleEntry>>>
BundleReader::ListEntries() const {
  std::vector<std::pair<std::string, BundleEntry>> out;
  CKPT_RETURN_IF_ERROR(
      ForEachEntry([&](absl::string_view key, BundleEntry&& entry) {
        out.emplace_back(std::string(key), std::move(entry));
        return absl::OkStatus();
      }));
  return out;
}

absl::StatusOr<Tensor> BundleReader::Read(absl::string_view key) const {
  const Impl& r = *impl_;
  CKPT_ASSIGN_OR_RETURN(BundleEntry entry, r.LookupReadable(key));
  if (entry.num_slices > 0) {
    return r.ReadRegion(key, entry, TensorSlice::Full(entry.shape.rank()));
  }
  if (entry.dtype == DataType::kString) {
    CKPT_ASSIGN_OR_RETURN(std::vector<std::string> values,
                          r.ReadStrings(key, entry));
    return Tensor::FromStrings(entry.shape, std::move(values));
  }
  if (entry.dtype == DataType::kVariant) {
    CKPT_ASSIGN_OR_RETURN(std::vector<std::string> elements,
                          r.ReadVariants(key, entry));
    return Tensor::FromVariantElements(entry.shape, std::move(elements));
  }
  // The data file must exist and hold the entry's bytes before the tensor
  // is allocated (for LZ4 the raw size is bounded by the validated entry).
  CKPT_RETURN_IF_ERROR(r.OpenChecked(key, entry).status());
  // Every byte is read into the tensor before it is returned.
  CKPT_ASSIGN_OR_RETURN(Tensor tensor,
                        Tensor::CreateUninitialized(entry.dtype, entry.shape));
  CKPT_RETURN_IF_ERROR(r.ReadFixedInto(key, entry, tensor.mutable_bytes()));
  return tensor;
}

absl::Status BundleReader::ReadInto(absl::string_view key,
                                    absl::Span<char> out) const {
  const Impl& r = *impl_;
  CKPT_ASSIGN_OR_RETURN(BundleEntry entry, r.LookupReadable(key));
  CKPT_RETURN_IF_ERROR(r.CheckReadInto(key, entry, out));
  if (entry.num_slices > 0) {
    return r.ReadRegionInto(key, entry, TensorSlice::Full(entry.shape.rank()),
                            out);
  }
  return r.ReadFixedInto(key, entry, out);
}

absl::Status BundleReader::Impl::CheckReadInto(absl::string_view key,
                                               const BundleEntry& entry,
                                               absl::Span<char> out) const {
  const Impl& r = *this;
  if (!IsFixedSizeDataType(entry.dtype)) {
    return absl::InvalidArgumentError(
        absl::StrCat(bundle::KeyContext(r.index_path, key),
                     ": ReadInto needs a fixed-size tensor, this one is ",
                     DataTypeDisplayName(static_cast<int32_t>(entry.dtype)),
                     "; use Read()"));
  }
  // Validated: cannot fail for a decoded entry.
  CKPT_ASSIGN_OR_RETURN(
      int64_t raw,
      bundle::FixedTensorBytes(entry.dtype, entry.shape.num_elements()));
  if (out.size() != static_cast<uint64_t>(raw)) {
    return absl::InvalidArgumentError(absl::StrCat(
        bundle::KeyContext(r.index_path, key), ": ReadInto buffer has ",
        out.size(), " bytes but the ",
        DataTypeDisplayName(static_cast<int32_t>(entry.dtype)),
        " tensor of shape ", entry.shape.DebugString(), " needs ", raw));
  }
  return absl::OkStatus();
}

absl::Status BundleReader::Verify(absl::string_view key,
                                  const BundleEntry& entry) const {
  const Impl& r = *impl_;
  if (IsSliceKey(key)) {
    if (entry.num_slices > 0) {
      absl::StatusOr<std::pair<std::string, TensorSlice>> decoded =
          DecodeTensorNameSlice(key);
      return absl::DataLossError(absl::StrCat(
          bundle::KeyContext(r.index_path, key), ": a slice entry",
          decoded.ok() ? absl::StrCat(" (slice ", decoded->second.DebugString(),
                                      " of tensor ",
                                      QuoteForMessage(decoded->first), ")")
                       : "",
          " that is itself partitioned"));
    }
    CKPT_RETURN_IF_ERROR(r.VerifySliceKey(key, entry));
  }
  // The full-tensor entry of a partitioned tensor stores no bytes; its
  // slices are entries of their own, checked when they are verified.
  if (entry.num_slices > 0) return r.VerifyPartitioned(key, entry);
  if (IsFixedSizeDataType(entry.dtype) &&
      entry.compression == Compression::kNone) {
    // Streamed through one small buffer: nothing the size of the tensor is
    // allocated, and each chunk is checksummed while in cache.
    return impl_->VerifyStreaming(key, entry);
  }
  absl::StatusOr<Tensor> tensor = Read(key);
  // A value this reader cannot decode: still check the stored bytes' CRC.
  if (absl::IsUnimplemented(tensor.status())) {
    return ReadStoredBytes(key).status();
  }
  return tensor.status();
}

absl::StatusOr<std::string> BundleReader::ReadStoredBytes(
    absl::string_view key) const {
  const Impl& r = *impl_;
  CKPT_ASSIGN_OR_RETURN(BundleEntry entry, r.LookupReadable(key));
  CKPT_RETURN_IF_ERROR(r.CheckHasBytes(key, entry));
  CKPT_ASSIGN_OR_RETURN(const RandomAccessFile* file,
                        r.OpenChecked(key, entry));
  CKPT_ASSIGN_OR_RETURN(std::string stored, r.ReadRaw(*file, entry));
  if (entry.dtype == DataType::kString) {
    // The entry CRC of a string tensor is not the CRC of its stored bytes
    // (docs/format.md §7): verify both of its checksums instead.
    CKPT_RETURN_IF_ERROR(
        Annotate(bundle::DecodeStringTensor(stored, entry.shape.num_elements(),
                                            entry.masked_crc32c, nullptr),
                 bundle::KeyContext(file->path(), key)));
  } else if (entry.dtype == DataType::kVariant) {
    // Likewise (§8): every element checksum and the entry checksum.
    CKPT_RETURN_IF_ERROR(
        Annotate(bundle::DecodeVariantTensor(stored, entry.shape.num_elements(),
                                             entry.masked_crc32c, nullptr),
                 bundle::KeyContext(file->path(), key)));
  } else {
    CKPT_RETURN_IF_ERROR(
        Impl::CheckCrc(*file, key, entry, stored.data(), stored.size()));
  }
  return stored;
}

}  // namespace ckpt
