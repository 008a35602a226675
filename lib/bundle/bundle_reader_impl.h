// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// BundleReader::Impl, shared by bundle_reader.cc (opening, plain entries,
// ReadManyInto, Verify) and slice_reader.cc (partitioned tensors: layouts,
// region reads, slice verification). Internal: included by those two files
// only. Contract of the reader: ckpt/bundle_reader.h.

#ifndef CKPT_LIB_BUNDLE_BUNDLE_READER_IMPL_H_
#define CKPT_LIB_BUNDLE_BUNDLE_READER_IMPL_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "bundle/entry_codec.h"
#include "bundle/lz4_codec.h"
#include "bundle/string_codec.h"
#include "bundle/variant_codec.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/crc32c.h"
#include "ckpt/status.h"
#include "ckpt/tensor_slice.h"
#include "table/table.h"
#include "util/errors.h"
#include "util/fuzzing.h"
#include "util/mutex.h"

namespace ckpt {
namespace bundle {

// Piece of an uncompressed tensor read (and checksummed) at a time: small
// enough to still be in cache for the CRC, large enough that the syscall is
// noise.
inline constexpr size_t kReadChunkBytes = size_t{1} << 20;

// "PATH: key 'KEY'", the start of the reader's messages.
std::string KeyContext(absl::string_view path, absl::string_view key);

}  // namespace bundle

struct BundleReader::Impl {
  Env* env = nullptr;
  std::string prefix;
  std::string index_path;
  BundleReaderOptions options;
  std::unique_ptr<table::Table> table;
  BundleHeader header;

  mutable Mutex mu;
  mutable absl::flat_hash_map<int, std::unique_ptr<RandomAccessFile>> data_files
      ABSL_GUARDED_BY(mu);

  absl::StatusOr<BundleEntry> Lookup(absl::string_view key) const {
    if (key.empty()) {
      return absl::NotFoundError(absl::StrCat(
          index_path, ": the empty key holds the bundle header, not a tensor"));
    }
    // NotFound from the table already names the file and the key.
    CKPT_ASSIGN_OR_RETURN(std::string value, table->Get(key));
    absl::StatusOr<BundleEntry> entry = bundle::DecodeEntry(key, value, header);
    if (!entry.ok()) return Annotate(entry.status(), index_path);
    return entry;
  }

  // A validated entry whose dtype this reader can read.
  absl::StatusOr<BundleEntry> LookupReadable(absl::string_view key) const {
    CKPT_ASSIGN_OR_RETURN(BundleEntry entry, Lookup(key));
    CKPT_RETURN_IF_ERROR(CheckReadable(key, entry));
    return entry;
  }

  // The error for an entry whose dtype this reader cannot read (DataLoss,
  // or Unimplemented for an unknown dtype: CheckReadableDataType).
  absl::Status CheckReadable(absl::string_view key,
                             const BundleEntry& entry) const {
    // Resource, invalid or unknown dtypes: listed, but not readable.
    CKPT_RETURN_IF_ERROR(
        Annotate(bundle::CheckReadableDataType(key, entry.dtype), index_path));
    return absl::OkStatus();
  }

  // InvalidArgument for the full-tensor entry of a partitioned tensor,
  // which stores no bytes of its own.
  absl::Status CheckHasBytes(absl::string_view key,
                             const BundleEntry& entry) const {
    if (entry.num_slices > 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          bundle::KeyContext(index_path, key), ": a partitioned tensor of ",
          entry.num_slices,
          " slices stores no bytes of its own; its slices are entries of "
          "their own (GetSlices, EncodeTensorNameSlice)"));
    }
    return absl::OkStatus();
  }

  // A failed read of `key`'s bytes, with the key added to the message.
  static absl::Status WithKey(const absl::Status& s, absl::string_view key) {
    if (s.ok()) return s;
    return absl::Status(s.code(), absl::StrCat(s.message(), " (reading key ",
                                               QuoteForMessage(key), ")"));
  }

  // The data file of `shard_id`, opened on first use.
  absl::StatusOr<const RandomAccessFile*> DataFile(
      int shard_id, absl::string_view key) const {
    MutexLock lock(&mu);
    auto it = data_files.find(shard_id);
    if (it != data_files.end()) return it->second.get();
    const std::string path = DataFilename(prefix, shard_id, header.num_shards);
    absl::StatusOr<std::unique_ptr<RandomAccessFile>> file =
        env->NewRandomAccessFile(path);
    if (!file.ok()) {
      if (absl::IsNotFound(file.status())) {
        return absl::NotFoundError(
            absl::StrCat(path, ": data file of bundle ", prefix,
                         " is missing (needed for key ", QuoteForMessage(key),
                         "): ", file.status().message()));
      }
      return absl::Status(
          file.status().code(),
          absl::StrCat(file.status().message(), " (reading key ",
                       QuoteForMessage(key), ")"));
    }
    const RandomAccessFile* raw = file->get();
    data_files.emplace(shard_id, *std::move(file));
    return raw;
  }

  // DataLoss unless [offset, offset + size) lies inside `file`.
  static absl::Status CheckRange(const RandomAccessFile& file,
                                 absl::string_view key,
                                 const BundleEntry& entry) {
    // Both are >= 0 (validated), so the sum fits in uint64.
    const uint64_t offset = static_cast<uint64_t>(entry.offset);
    const uint64_t size = static_cast<uint64_t>(entry.size);
    if (offset > file.size() || size > file.size() - offset) {
      return absl::DataLossError(absl::StrCat(
          bundle::KeyContext(file.path(), key), ": bytes [", offset, ", ",
          offset + size, ") extend past the end of the file (", file.size(),
          " bytes)"));
    }
    return absl::OkStatus();
  }

  static absl::Status CheckCrc(const RandomAccessFile& file,
                               absl::string_view key, const BundleEntry& entry,
                               const char* data, size_t n) {
    return CheckCrcValue(file, key, entry, crc32c::Value(data, n), n);
  }

  // DataLoss unless `actual`, the CRC-32C of the entry's `n` stored bytes,
  // matches the entry.
  static absl::Status CheckCrcValue(const RandomAccessFile& file,
                                    absl::string_view key,
                                    const BundleEntry& entry, uint32_t actual,
                                    size_t n) {
    if (actual != crc32c::Unmask(entry.masked_crc32c) &&
        !kFuzzingSkipChecksums) {
      return absl::DataLossError(absl::StrCat(
          bundle::KeyContext(file.path(), key),
          ": checksum mismatch (stored 0x", absl::Hex(entry.masked_crc32c),
          ", computed 0x", absl::Hex(crc32c::Mask(actual)), ") over ", n,
          " bytes at offset ", entry.offset));
    }
    return absl::OkStatus();
  }

  // Opens the entry's data file and checks the entry's range against it.
  absl::StatusOr<const RandomAccessFile*> OpenChecked(
      absl::string_view key, const BundleEntry& entry) const {
    CKPT_ASSIGN_OR_RETURN(const RandomAccessFile* file,
                          DataFile(entry.shard_id, key));
    CKPT_RETURN_IF_ERROR(CheckRange(*file, key, entry));
    return file;
  }

  // The stored bytes of `entry`, range-checked, not yet verified.
  absl::StatusOr<std::string> ReadRaw(const RandomAccessFile& file,
                                      const BundleEntry& entry) const {
    std::string stored(static_cast<size_t>(entry.size), '\0');
    if (!stored.empty()) {
      CKPT_RETURN_IF_ERROR(file.Read(static_cast<uint64_t>(entry.offset),
                                     stored.size(), stored.data()));
    }
    return stored;
  }

  // Checks the CRC of an uncompressed fixed-size entry, reading it through
  // a buffer of at most bundle::kReadChunkBytes.
  absl::Status VerifyStreaming(absl::string_view key,
                               const BundleEntry& entry) const {
    CKPT_ASSIGN_OR_RETURN(const RandomAccessFile* file,
                          OpenChecked(key, entry));
    const size_t size = static_cast<size_t>(entry.size);
    std::string buffer(std::min(size, bundle::kReadChunkBytes), '\0');
    CKPT_ASSIGN_OR_RETURN(const uint32_t crc,
                          ReadChunks(*file, key, entry, size,
                                     [&](size_t) { return buffer.data(); }));
    return CheckCrcValue(*file, key, entry, crc, size);
  }

  // Reads the first `size` stored bytes of `entry` in pieces of at most
  // bundle::kReadChunkBytes, the piece at `done` into dest(done), and returns
  // their CRC-32C; each piece is checksummed while still in cache.
  static absl::StatusOr<uint32_t> ReadChunks(
      const RandomAccessFile& file, absl::string_view key,
      const BundleEntry& entry, size_t size,
      absl::FunctionRef<char*(size_t done)> dest) {
    uint32_t crc = 0;
    for (size_t done = 0; done < size; done += bundle::kReadChunkBytes) {
      const size_t n = std::min(bundle::kReadChunkBytes, size - done);
      char* piece = dest(done);
      CKPT_RETURN_IF_ERROR(WithKey(
          file.Read(static_cast<uint64_t>(entry.offset) + done, n, piece),
          key));
      crc = crc32c::Extend(crc, piece, n);
    }
    return crc;
  }

  // InvalidArgument unless `entry` is fixed-size and `out` is exactly its
  // byte size.
  absl::Status CheckReadInto(absl::string_view key, const BundleEntry& entry,
                             absl::Span<char> out) const;

  // Reads a fixed-size entry into `out` (exactly its raw byte size).
  absl::Status ReadFixedInto(absl::string_view key, const BundleEntry& entry,
                             absl::Span<char> out) const {
    CKPT_ASSIGN_OR_RETURN(const RandomAccessFile* file,
                          OpenChecked(key, entry));
    if (entry.compression == Compression::kNone) {
      CKPT_ASSIGN_OR_RETURN(
          const uint32_t crc,
          ReadChunks(*file, key, entry, out.size(),
                     [&](size_t done) { return out.data() + done; }));
      return CheckCrcValue(*file, key, entry, crc, out.size());
    }
    // LZ4: the stored size is at most LZ4_compressBound(raw) (validated)
    // and inside the file (checked above).
    CKPT_ASSIGN_OR_RETURN(std::string stored, ReadRaw(*file, entry));
    CKPT_RETURN_IF_ERROR(
        CheckCrc(*file, key, entry, stored.data(), stored.size()));
    if (!entry.byte_shuffle) {
      return Annotate(bundle::Lz4Decompress(stored, out),
                      bundle::KeyContext(file->path(), key));
    }
    std::string planes(out.size(), '\0');
    CKPT_RETURN_IF_ERROR(
        Annotate(bundle::Lz4Decompress(stored, absl::MakeSpan(planes)),
                 bundle::KeyContext(file->path(), key)));
    bundle::UnshuffleBytes(planes, DataTypeSize(entry.dtype), out);
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<std::string>> ReadStrings(
      absl::string_view key, const BundleEntry& entry) const {
    CKPT_ASSIGN_OR_RETURN(const RandomAccessFile* file,
                          OpenChecked(key, entry));
    CKPT_ASSIGN_OR_RETURN(std::string stored, ReadRaw(*file, entry));
    std::vector<std::string> values;
    CKPT_RETURN_IF_ERROR(
        Annotate(bundle::DecodeStringTensor(std::move(stored),
                                            entry.shape.num_elements(),
                                            entry.masked_crc32c, &values),
                 bundle::KeyContext(file->path(), key)));
    return values;
  }

  absl::StatusOr<std::vector<std::string>> ReadVariants(
      absl::string_view key, const BundleEntry& entry) const {
    CKPT_ASSIGN_OR_RETURN(const RandomAccessFile* file,
                          OpenChecked(key, entry));
    CKPT_ASSIGN_OR_RETURN(std::string stored, ReadRaw(*file, entry));
    std::vector<std::string> elements;
    CKPT_RETURN_IF_ERROR(
        Annotate(bundle::DecodeVariantTensor(stored, entry.shape.num_elements(),
                                             entry.masked_crc32c, &elements),
                 bundle::KeyContext(file->path(), key)));
    return elements;
  }

  // Why the entry of stored slice `slice` disagrees with its tensor's entry
  // `full` (dtype, or the slice's shape), or "" if it agrees. `slice` must
  // lie in `full`'s shape.
  static std::string SliceEntryMismatch(const BundleEntry& full,
                                        const TensorSlice& slice,
                                        const BundleEntry& entry);

  // ReadManyInto's plan and jobs (read_many.cc).
  struct ManyRead;

  // ---- Partitioned tensors (docs/format.md §11) ----

  using Slices = std::shared_ptr<const std::vector<TensorSlice>>;

  // The slices listed by the partitioned entry `key`, validated
  // (ValidateSliceLayout). The last tensor's result, failure included, is
  // kept: reading a tensor region by region, or verifying its slice keys
  // one by one, decodes and validates its layout once.
  absl::StatusOr<Slices> LoadSlices(absl::string_view key,
                                    const BundleEntry& entry) const;

  absl::StatusOr<Slices> DecodeLayout(absl::string_view key,
                                      const BundleEntry& entry) const;

  mutable Mutex layout_mu;
  mutable bool layout_valid ABSL_GUARDED_BY(layout_mu) = false;
  mutable std::string layout_key ABSL_GUARDED_BY(layout_mu);
  mutable absl::Status layout_status ABSL_GUARDED_BY(layout_mu);
  mutable Slices layout ABSL_GUARDED_BY(layout_mu);

  // The entry of stored slice `slice` of the partitioned tensor `key`
  // (entry `full`), checked against `full`: present, not itself
  // partitioned, the same dtype, the slice's shape. DataLoss otherwise.
  absl::StatusOr<BundleEntry> LookupSlice(absl::string_view key,
                                          const BundleEntry& full,
                                          const TensorSlice& slice,
                                          const std::string& slice_key) const;

  // One stored part of a region read: the stored slice (the whole tensor
  // for an unpartitioned one), its entry and key, and what the region
  // takes from it.
  struct Part {
    TensorSlice stored;
    TensorSlice overlap;
    std::string key;
    BundleEntry entry;
  };

  // The parts of `region` (inside the tensor's shape) of the tensor `key`:
  // every stored slice that intersects it, looked up, checked and its bytes
  // range-checked against its data file, before anything is allocated.
  // DataLoss ("insufficient slices") if the slices do not cover the region.
  absl::StatusOr<std::vector<Part>> PlanRegion(absl::string_view key,
                                               const BundleEntry& entry,
                                               const TensorSlice& region) const;

  // DataLoss if two parts' stored bytes overlap in one data file. Writers
  // never share bytes between slices; a crafted index that did could make
  // a small file claim a huge tensor (each part alone is inside its file,
  // so only distinct bytes bound the result's size by the files' sizes).
  absl::Status CheckNoSharedBytes(absl::string_view key,
                                  const std::vector<Part>& parts) const;

  // The elements of a string or variant entry, verified.
  absl::StatusOr<std::vector<std::string>> ReadElements(
      absl::string_view key, const BundleEntry& entry) const;

  // Reads `region` of the tensor of `shape` from `parts` (PlanRegion) into
  // `out` (fixed-size dtypes: exactly the region's bytes) or `elements`
  // (string and variant: the region's element count). Each part is read
  // whole and verified before its bytes are copied; a part that is
  // contiguous in the region is read straight into `out`; otherwise one
  // part at a time is held in scratch memory.
  absl::Status ReadParts(absl::string_view key, const std::vector<Part>& parts,
                         const TensorShape& shape, const TensorSlice& region,
                         absl::Span<char> out,
                         std::vector<std::string>* elements) const;

  // One part of ReadParts(); `scratch` is reused from part to part.
  absl::Status ReadPart(const Part& part, const TensorShape& shape,
                        const TensorSlice& region, absl::Span<char> out,
                        std::vector<std::string>* elements,
                        std::string& scratch) const;

  // Reads bytes [begin, begin + out.size()) of the uncompressed entry into
  // `out`, reading (and checksumming) all of the entry through one chunk
  // of scratch memory.
  absl::Status ReadRangeStreaming(absl::string_view key,
                                  const BundleEntry& entry, size_t begin,
                                  absl::Span<char> out) const;

  // Copies the part of [begin, end) that the chunk at `at` holds.
  static void CopyOut(const std::string& chunk, size_t at, size_t begin,
                      size_t end, absl::Span<char> out);

  // Reads `region` of a fixed-size tensor into `out` (its exact size).
  absl::Status ReadRegionInto(absl::string_view key, const BundleEntry& entry,
                              const TensorSlice& region,
                              absl::Span<char> out) const;

  // Reads `region` of any tensor into a new Tensor.
  absl::StatusOr<Tensor> ReadRegion(absl::string_view key,
                                    const BundleEntry& entry,
                                    const TensorSlice& region) const;

  // InvalidArgument naming the key unless `slice` fits the tensor's shape.
  absl::Status CheckRegion(absl::string_view key, const BundleEntry& entry,
                           const TensorSlice& slice) const;

  // Verify() of a slice entry: its key decodes, the tensor it belongs to
  // lists it, and its dtype and shape agree. The last tensor's slice keys
  // are cached (slice keys of one tensor are neighbours in key order).
  absl::Status VerifySliceKey(absl::string_view key,
                              const BundleEntry& entry) const;

  mutable Mutex slice_cache_mu;
  mutable std::string slice_cache_name ABSL_GUARDED_BY(slice_cache_mu);
  mutable BundleEntry slice_cache_entry ABSL_GUARDED_BY(slice_cache_mu);
  mutable std::vector<std::string> slice_cache_keys
      ABSL_GUARDED_BY(slice_cache_mu);  // sorted

  // Verify() of a partitioned tensor's full entry: its slices are valid
  // (ValidateSliceLayout), tile the whole tensor, and each has an entry of
  // the right dtype and shape. Their bytes are checked by Verify() of their
  // own entries.
  absl::Status VerifyPartitioned(absl::string_view key,
                                 const BundleEntry& entry) const;
};

}  // namespace ckpt

#endif  // CKPT_LIB_BUNDLE_BUNDLE_READER_IMPL_H_
