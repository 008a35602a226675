// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// BundleReader (contract in ckpt/bundle_reader.h). Open() reads the index
// footer, index block and header only; entries are decoded and validated by
// the entry codec on every lookup; data files are opened on first use under
// a mutex and shared by all threads. Every read checks offset + size against
// the data file size before allocating or reading, then verifies the CRC.

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
namespace {

// Piece of an uncompressed tensor read (and checksummed) at a time: small
// enough to still be in cache for the CRC, large enough that the syscall is
// noise.
constexpr size_t kReadChunkBytes = size_t{1} << 20;
// ReadManyInto: tensors up to this size are read in runs of neighbours ...
constexpr size_t kRunTensorBytes = size_t{64} << 10;
// ... that may be apart by this much (alignment padding, a skipped tensor).
constexpr uint64_t kRunGapBytes = 4096;
// ... and at most this many tensors to a run.
constexpr size_t kRunTensors = 512;

std::string KeyContext(absl::string_view path, absl::string_view key) {
  return absl::StrCat(path, ": key ", QuoteForMessage(key));
}

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
          KeyContext(index_path, key), ": a partitioned tensor of ",
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
      return absl::DataLossError(
          absl::StrCat(KeyContext(file.path(), key), ": bytes [", offset, ", ",
                       offset + size, ") extend past the end of the file (",
                       file.size(), " bytes)"));
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
          KeyContext(file.path(), key), ": checksum mismatch (stored 0x",
          absl::Hex(entry.masked_crc32c), ", computed 0x",
          absl::Hex(crc32c::Mask(actual)), ") over ", n, " bytes at offset ",
          entry.offset));
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
  // a buffer of at most kReadChunkBytes.
  absl::Status VerifyStreaming(absl::string_view key,
                               const BundleEntry& entry) const {
    CKPT_ASSIGN_OR_RETURN(const RandomAccessFile* file,
                          OpenChecked(key, entry));
    const size_t size = static_cast<size_t>(entry.size);
    std::string buffer(std::min(size, kReadChunkBytes), '\0');
    CKPT_ASSIGN_OR_RETURN(const uint32_t crc,
                          ReadChunks(*file, key, entry, size,
                                     [&](size_t) { return buffer.data(); }));
    return CheckCrcValue(*file, key, entry, crc, size);
  }

  // Reads the first `size` stored bytes of `entry` in pieces of at most
  // kReadChunkBytes, the piece at `done` into dest(done), and returns their
  // CRC-32C; each piece is checksummed while still in cache.
  static absl::StatusOr<uint32_t> ReadChunks(
      const RandomAccessFile& file, absl::string_view key,
      const BundleEntry& entry, size_t size,
      absl::FunctionRef<char*(size_t done)> dest) {
    uint32_t crc = 0;
    for (size_t done = 0; done < size; done += kReadChunkBytes) {
      const size_t n = std::min(kReadChunkBytes, size - done);
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
                      KeyContext(file->path(), key));
    }
    std::string planes(out.size(), '\0');
    CKPT_RETURN_IF_ERROR(
        Annotate(bundle::Lz4Decompress(stored, absl::MakeSpan(planes)),
                 KeyContext(file->path(), key)));
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
        Annotate(bundle::DecodeStringTensor(stored, entry.shape.num_elements(),
                                            entry.masked_crc32c, &values),
                 KeyContext(file->path(), key)));
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
                 KeyContext(file->path(), key)));
    return elements;
  }

  // ---- Partitioned tensors (docs/format.md "Partitioned tensors") ----

  using Slices = std::shared_ptr<const std::vector<TensorSlice>>;

  // The slices listed by the partitioned entry `key`, validated
  // (ValidateSliceLayout). The last tensor's result, failure included, is
  // kept: reading a tensor region by region, or verifying its slice keys
  // one by one, decodes and validates its layout once.
  absl::StatusOr<Slices> LoadSlices(absl::string_view key,
                                    const BundleEntry& entry) const {
    {
      MutexLock lock(&layout_mu);
      if (layout_valid && layout_key == key) {
        if (!layout_status.ok()) return layout_status;
        return layout;
      }
    }
    absl::StatusOr<Slices> loaded = DecodeLayout(key, entry);
    MutexLock lock(&layout_mu);
    layout_valid = true;
    layout_key = std::string(key);
    layout_status = loaded.status();
    layout = loaded.ok() ? *loaded : nullptr;
    return loaded;
  }

  absl::StatusOr<Slices> DecodeLayout(absl::string_view key,
                                      const BundleEntry& entry) const {
    CKPT_ASSIGN_OR_RETURN(std::string value, table->Get(key));
    absl::StatusOr<std::vector<TensorSlice>> slices =
        bundle::DecodeEntrySlices(key, value, bundle::kMaxSlicesPerTensor);
    if (!slices.ok()) return Annotate(slices.status(), index_path);
    CKPT_RETURN_IF_ERROR(Annotate(
        bundle::ValidateSliceLayout(key, entry.shape, *slices), index_path));
    return std::make_shared<const std::vector<TensorSlice>>(*std::move(slices));
  }

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
                                          const std::string& slice_key) const {
    const auto bad = [&](absl::string_view why) {
      return absl::DataLossError(absl::StrCat(
          KeyContext(index_path, key), ": slice ", slice.DebugString(),
          " (entry ", QuoteForMessage(slice_key), ") ", why));
    };
    absl::StatusOr<BundleEntry> e = Lookup(slice_key);
    if (absl::IsNotFound(e.status())) {
      return bad("is listed by the tensor but its entry is missing");
    }
    CKPT_RETURN_IF_ERROR(e.status());
    if (e->num_slices > 0) return bad("is itself partitioned");
    if (e->dtype != full.dtype) {
      return bad(absl::StrCat(
          "has dtype ", DataTypeDisplayName(static_cast<int32_t>(e->dtype)),
          " but the tensor is ",
          DataTypeDisplayName(static_cast<int32_t>(full.dtype))));
    }
    // The layout was validated: the slice fits.
    const TensorShape expected = slice.SliceShape(full.shape).value();
    if (!(e->shape == expected)) {
      return bad(absl::StrCat("has shape ", e->shape.DebugString(),
                              " but the slice's shape is ",
                              expected.DebugString()));
    }
    return e;
  }

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
  absl::StatusOr<std::vector<Part>> PlanRegion(
      absl::string_view key, const BundleEntry& entry,
      const TensorSlice& region) const {
    std::vector<Part> parts;
    const TensorShape& shape = entry.shape;
    if (entry.num_slices == 0) {
      if (bundle::NumElements(region, shape) == 0) return parts;
      CKPT_RETURN_IF_ERROR(OpenChecked(key, entry).status());
      parts.push_back(Part{TensorSlice::Full(shape.rank()), region,
                           std::string(key), entry});
      return parts;
    }
    CKPT_ASSIGN_OR_RETURN(const Slices layout_ptr, LoadSlices(key, entry));
    const std::vector<TensorSlice>& slices = *layout_ptr;
    const int64_t wanted = bundle::NumElements(region, shape);
    const int64_t covered = bundle::CoveredElements(slices, region, shape);
    if (covered != wanted) {
      return absl::DataLossError(absl::StrCat(
          KeyContext(index_path, key), ": insufficient slices to read ",
          region.DebugString(), " of shape ", shape.DebugString(), ": its ",
          slices.size(), " slices cover ", covered, " of its ", wanted,
          " elements"));
    }
    for (const TensorSlice& stored : slices) {
      std::optional<TensorSlice> overlap =
          bundle::Intersect(stored, region, shape);
      if (!overlap) continue;
      std::string slice_key = EncodeTensorNameSlice(key, stored);
      CKPT_ASSIGN_OR_RETURN(BundleEntry slice_entry,
                            LookupSlice(key, entry, stored, slice_key));
      CKPT_RETURN_IF_ERROR(OpenChecked(slice_key, slice_entry).status());
      parts.push_back(Part{stored, *std::move(overlap), std::move(slice_key),
                           std::move(slice_entry)});
    }
    CKPT_RETURN_IF_ERROR(CheckNoSharedBytes(key, parts));
    return parts;
  }

  // DataLoss if two parts' stored bytes overlap in one data file. Writers
  // never share bytes between slices; a crafted index that did could make
  // a small file claim a huge tensor (each part alone is inside its file,
  // so only distinct bytes bound the result's size by the files' sizes).
  absl::Status CheckNoSharedBytes(absl::string_view key,
                                  const std::vector<Part>& parts) const {
    std::vector<const Part*> by_place;
    by_place.reserve(parts.size());
    for (const Part& p : parts) {
      if (p.entry.size > 0) by_place.push_back(&p);
    }
    std::sort(by_place.begin(), by_place.end(),
              [](const Part* a, const Part* b) {
                return std::make_pair(a->entry.shard_id, a->entry.offset) <
                       std::make_pair(b->entry.shard_id, b->entry.offset);
              });
    for (size_t i = 1; i < by_place.size(); ++i) {
      const BundleEntry& a = by_place[i - 1]->entry;
      const BundleEntry& b = by_place[i]->entry;
      // Both ranges lie inside their file (OpenChecked): no overflow.
      if (a.shard_id == b.shard_id && b.offset < a.offset + a.size) {
        return absl::DataLossError(
            absl::StrCat(KeyContext(index_path, key), ": slices ",
                         by_place[i - 1]->stored.DebugString(), " and ",
                         by_place[i]->stored.DebugString(),
                         " share stored bytes in data file ", a.shard_id,
                         " (offsets ", a.offset, " and ", b.offset, ")"));
      }
    }
    return absl::OkStatus();
  }

  // The elements of a string or variant entry, verified.
  absl::StatusOr<std::vector<std::string>> ReadElements(
      absl::string_view key, const BundleEntry& entry) const {
    if (entry.dtype == DataType::kVariant) return ReadVariants(key, entry);
    return ReadStrings(key, entry);
  }

  // Reads `region` of the tensor of `shape` from `parts` (PlanRegion) into
  // `out` (fixed-size dtypes: exactly the region's bytes) or `elements`
  // (string and variant: the region's element count). Each part is read
  // whole and verified before its bytes are copied; a part that is
  // contiguous in the region is read straight into `out`; otherwise one
  // part at a time is held in scratch memory.
  absl::Status ReadParts(absl::string_view key, const std::vector<Part>& parts,
                         const TensorShape& shape, const TensorSlice& region,
                         absl::Span<char> out,
                         std::vector<std::string>* elements) const {
    std::string scratch;
    for (const Part& part : parts) {
      absl::Status st = ReadPart(part, shape, region, out, elements, scratch);
      if (!st.ok() && part.key != key) {
        // Name the tensor and the slice, not only the slice's binary key.
        return Annotate(
            st, absl::StrCat("tensor ", QuoteForMessage(key), ", slice ",
                             part.stored.DebugString()));
      }
      CKPT_RETURN_IF_ERROR(st);
    }
    return absl::OkStatus();
  }

  // One part of ReadParts(); `scratch` is reused from part to part.
  absl::Status ReadPart(const Part& part, const TensorShape& shape,
                        const TensorSlice& region, absl::Span<char> out,
                        std::vector<std::string>* elements,
                        std::string& scratch) const {
    if (elements != nullptr) {
      CKPT_ASSIGN_OR_RETURN(std::vector<std::string> values,
                            ReadElements(part.key, part.entry));
      bundle::CopyRegion(
          part.overlap, part.stored, region, shape,
          [&](int64_t dst, int64_t src, int64_t n) {
            for (int64_t i = 0; i < n; ++i) {
              (*elements)[static_cast<size_t>(dst + i)] =
                  std::move(values[static_cast<size_t>(src + i)]);
            }
          });
      return absl::OkStatus();
    }
    const size_t elem = DataTypeSize(part.entry.dtype);
    const int64_t stored_elements = bundle::NumElements(part.stored, shape);
    const int64_t overlap_elements = bundle::NumElements(part.overlap, shape);
    // The whole part lies in the region (the overlap is all of it) and in
    // one run of it: straight into `out`.
    if (overlap_elements == stored_elements &&
        bundle::IsContiguousIn(part.stored, region, shape)) {
      const size_t at =
          static_cast<size_t>(bundle::OffsetIn(part.stored, region, shape)) *
          elem;
      return ReadFixedInto(
          part.key, part.entry,
          out.subspan(at, static_cast<size_t>(stored_elements) * elem));
    }
    // The region is one run of an uncompressed plain tensor (rows of it):
    // streamed, the run's bytes copied out as they pass, every byte
    // checksummed.
    if (part.entry.num_slices == 0 &&
        part.entry.compression == Compression::kNone &&
        overlap_elements == bundle::NumElements(region, shape) &&
        bundle::IsContiguousIn(part.overlap, part.stored, shape)) {
      const size_t begin = static_cast<size_t>(bundle::OffsetIn(
                               part.overlap, part.stored, shape)) *
                           elem;
      return ReadRangeStreaming(part.key, part.entry, begin, out);
    }
    // Otherwise through scratch memory, one stored part at a time.
    scratch.resize(static_cast<size_t>(stored_elements) * elem);
    CKPT_RETURN_IF_ERROR(
        ReadFixedInto(part.key, part.entry, absl::MakeSpan(scratch)));
    const int64_t e = static_cast<int64_t>(elem);
    bundle::CopyRegion(part.overlap, part.stored, region, shape,
                       [&](int64_t dst, int64_t src, int64_t n) {
                         std::memcpy(out.data() + dst * e,
                                     scratch.data() + src * e,
                                     static_cast<size_t>(n * e));
                       });
    return absl::OkStatus();
  }

  // Reads bytes [begin, begin + out.size()) of the uncompressed entry into
  // `out`, reading (and checksumming) all of the entry through one chunk
  // of scratch memory.
  absl::Status ReadRangeStreaming(absl::string_view key,
                                  const BundleEntry& entry, size_t begin,
                                  absl::Span<char> out) const {
    CKPT_ASSIGN_OR_RETURN(const RandomAccessFile* file,
                          OpenChecked(key, entry));
    const size_t size = static_cast<size_t>(entry.size);
    const size_t end = begin + out.size();
    std::string buffer(std::min(size, kReadChunkBytes), '\0');
    size_t at = 0;  // the chunk being read starts here
    CKPT_ASSIGN_OR_RETURN(const uint32_t crc,
                          ReadChunks(*file, key, entry, size, [&](size_t done) {
                            // Copy out what the previous chunk held of the
                            // range.
                            if (done > 0) CopyOut(buffer, at, begin, end, out);
                            at = done;
                            return buffer.data();
                          }));
    if (size > 0) CopyOut(buffer, at, begin, end, out);
    return CheckCrcValue(*file, key, entry, crc, size);
  }

  // Copies the part of [begin, end) that the chunk at `at` holds.
  static void CopyOut(const std::string& chunk, size_t at, size_t begin,
                      size_t end, absl::Span<char> out) {
    const size_t lo = std::max(at, begin);
    const size_t hi = std::min(at + chunk.size(), end);
    if (lo < hi)
      std::memcpy(out.data() + (lo - begin), chunk.data() + (lo - at), hi - lo);
  }

  // Reads `region` of a fixed-size tensor into `out` (its exact size).
  absl::Status ReadRegionInto(absl::string_view key, const BundleEntry& entry,
                              const TensorSlice& region,
                              absl::Span<char> out) const {
    CKPT_ASSIGN_OR_RETURN(std::vector<Part> parts,
                          PlanRegion(key, entry, region));
    return ReadParts(key, parts, entry.shape, region, out, nullptr);
  }

  // Reads `region` of any tensor into a new Tensor.
  absl::StatusOr<Tensor> ReadRegion(absl::string_view key,
                                    const BundleEntry& entry,
                                    const TensorSlice& region) const {
    CKPT_ASSIGN_OR_RETURN(std::vector<Part> parts,
                          PlanRegion(key, entry, region));
    // Fits: validated against the entry's shape.
    const TensorShape region_shape = region.SliceShape(entry.shape).value();
    if (!IsFixedSizeDataType(entry.dtype)) {
      std::vector<std::string> elements(
          static_cast<size_t>(region_shape.num_elements()));
      CKPT_RETURN_IF_ERROR(
          ReadParts(key, parts, entry.shape, region, {}, &elements));
      if (entry.dtype == DataType::kVariant) {
        return Tensor::FromVariantElements(region_shape, std::move(elements));
      }
      return Tensor::FromStrings(region_shape, std::move(elements));
    }
    CKPT_ASSIGN_OR_RETURN(Tensor tensor,
                          Tensor::Create(entry.dtype, region_shape));
    CKPT_RETURN_IF_ERROR(ReadParts(key, parts, entry.shape, region,
                                   tensor.mutable_bytes(), nullptr));
    return tensor;
  }

  // InvalidArgument naming the key unless `slice` fits the tensor's shape.
  absl::Status CheckRegion(absl::string_view key, const BundleEntry& entry,
                           const TensorSlice& slice) const {
    return Annotate(slice.CheckFits(entry.shape), KeyContext(index_path, key));
  }

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
                                 const BundleEntry& entry) const {
    CKPT_RETURN_IF_ERROR(CheckReadable(key, entry));
    CKPT_ASSIGN_OR_RETURN(const Slices layout_ptr, LoadSlices(key, entry));
    const std::vector<TensorSlice>& slices = *layout_ptr;
    const TensorSlice all = TensorSlice::Full(entry.shape.rank());
    const int64_t covered = bundle::CoveredElements(slices, all, entry.shape);
    if (covered != entry.shape.num_elements()) {
      return absl::DataLossError(
          absl::StrCat(KeyContext(index_path, key), ": the ", slices.size(),
                       " slices leave a hole: they cover ", covered, " of the ",
                       entry.shape.num_elements(), " elements of shape ",
                       entry.shape.DebugString()));
    }
    for (const TensorSlice& slice : slices) {
      CKPT_RETURN_IF_ERROR(
          LookupSlice(key, entry, slice, EncodeTensorNameSlice(key, slice))
              .status());
    }
    return absl::OkStatus();
  }
};

absl::Status BundleReader::Impl::VerifySliceKey(
    absl::string_view key, const BundleEntry& entry) const {
  absl::StatusOr<std::pair<std::string, TensorSlice>> decoded =
      DecodeTensorNameSlice(key);
  if (!decoded.ok()) return Annotate(decoded.status(), index_path);
  const std::string& name = decoded->first;
  const TensorSlice& slice = decoded->second;
  const auto bad = [&](absl::string_view why) {
    return absl::DataLossError(absl::StrCat(
        KeyContext(index_path, key), ": slice ", slice.DebugString(),
        " of tensor ", QuoteForMessage(name), " ", why));
  };
  MutexLock lock(&slice_cache_mu);
  if (slice_cache_keys.empty() || slice_cache_name != name) {
    slice_cache_keys.clear();
    absl::StatusOr<BundleEntry> full = Lookup(name);
    if (absl::IsNotFound(full.status())) {
      return bad("has no entry for the tensor (an orphaned slice)");
    }
    CKPT_RETURN_IF_ERROR(full.status());
    if (full->num_slices == 0) {
      return bad("belongs to a tensor that is not partitioned");
    }
    absl::StatusOr<Slices> slices = LoadSlices(name, *full);
    if (!slices.ok()) {
      return Annotate(slices.status(),
                      absl::StrCat(KeyContext(index_path, key),
                                   ": cannot check this slice entry"));
    }
    for (const TensorSlice& s : **slices) {
      slice_cache_keys.push_back(EncodeTensorNameSlice(name, s));
    }
    std::sort(slice_cache_keys.begin(), slice_cache_keys.end());
    slice_cache_name = name;
    slice_cache_entry = *std::move(full);
  }
  if (!std::binary_search(slice_cache_keys.begin(), slice_cache_keys.end(),
                          key)) {
    return bad("is not listed by the tensor's entry");
  }
  if (entry.dtype != slice_cache_entry.dtype) {
    return bad(absl::StrCat(
        "has dtype ", DataTypeDisplayName(static_cast<int32_t>(entry.dtype)),
        " but the tensor is ",
        DataTypeDisplayName(static_cast<int32_t>(slice_cache_entry.dtype))));
  }
  // Listed by a validated layout: it fits.
  const TensorShape expected =
      slice.SliceShape(slice_cache_entry.shape).value();
  if (!(entry.shape == expected)) {
    return bad(absl::StrCat("has shape ", entry.shape.DebugString(),
                            " but the slice's shape is ",
                            expected.DebugString()));
  }
  return absl::OkStatus();
}

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
  CKPT_ASSIGN_OR_RETURN(Tensor tensor,
                        Tensor::Create(entry.dtype, entry.shape));
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

absl::StatusOr<std::vector<TensorSlice>> BundleReader::GetSlices(
    absl::string_view key) const {
  const Impl& r = *impl_;
  CKPT_ASSIGN_OR_RETURN(BundleEntry entry, r.Lookup(key));
  if (entry.num_slices == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(KeyContext(r.index_path, key),
                     ": not a partitioned tensor (it has no slices)"));
  }
  CKPT_ASSIGN_OR_RETURN(const Impl::Slices slices, r.LoadSlices(key, entry));
  return *slices;
}

absl::StatusOr<Tensor> BundleReader::ReadSlice(absl::string_view key,
                                               const TensorSlice& slice) const {
  const Impl& r = *impl_;
  CKPT_ASSIGN_OR_RETURN(BundleEntry entry, r.LookupReadable(key));
  CKPT_RETURN_IF_ERROR(r.CheckRegion(key, entry, slice));
  return r.ReadRegion(key, entry, slice);
}

absl::Status BundleReader::ReadSliceInto(absl::string_view key,
                                         const TensorSlice& slice,
                                         absl::Span<char> out) const {
  const Impl& r = *impl_;
  CKPT_ASSIGN_OR_RETURN(BundleEntry entry, r.LookupReadable(key));
  CKPT_RETURN_IF_ERROR(r.CheckRegion(key, entry, slice));
  // The region's shape: it fits (checked above).
  BundleEntry region_entry = entry;
  region_entry.shape = slice.SliceShape(entry.shape).value();
  CKPT_RETURN_IF_ERROR(r.CheckReadInto(key, region_entry, out));
  return r.ReadRegionInto(key, entry, slice, out);
}

void BundleReader::ReadManyInto(absl::Span<const ReadRequest> requests,
                                int num_threads,
                                absl::Span<absl::Status> statuses) const {
  const Impl& r = *impl_;
  const size_t n = std::min(requests.size(), statuses.size());
  // Jobs: a 1 MiB chunk of a large uncompressed tensor (kChunk); a run of
  // small uncompressed tensors stored next to each other, read with one
  // call into scratch memory and copied out (kRun: a syscall per tensor
  // would cost more than the copy); anything else whole (kWhole).
  enum class Kind { kChunk, kRun, kWhole };
  struct Job {
    Kind kind;
    size_t request;  // kChunk, kWhole; kRun: first index into `small`
    size_t begin;    // kChunk: offset in the tensor; kRun: end in `small`
    size_t length;   // bytes read
  };
  // The callers' entries are used in place; the others are looked up into
  // `looked_up` (a deque: pointers into it stay valid).
  std::vector<const BundleEntry*> entry_of(n, nullptr);
  std::deque<BundleEntry> looked_up;
  std::vector<const RandomAccessFile*> files(n, nullptr);
  std::vector<Job> jobs;
  std::vector<size_t> small;  // requests read in runs
  small.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const ReadRequest& q = requests[i];
    absl::Status st;
    if (q.entry != nullptr) {
      st = r.CheckReadable(q.key, *q.entry);
      entry_of[i] = q.entry;
    } else {
      absl::StatusOr<BundleEntry> found = r.LookupReadable(q.key);
      st = found.status();
      if (st.ok()) {
        entry_of[i] = &looked_up.emplace_back(*std::move(found));
        st = r.CheckReadable(q.key, *entry_of[i]);
      }
    }
    if (st.ok() && q.slice != nullptr) {
      st = r.CheckRegion(q.key, *entry_of[i], *q.slice);
      if (st.ok()) {
        BundleEntry region = *entry_of[i];
        region.shape = q.slice->SliceShape(region.shape).value();
        st = r.CheckReadInto(q.key, region, q.out);
      }
    } else if (st.ok()) {
      st = r.CheckReadInto(q.key, *entry_of[i], q.out);
    }
    if (st.ok() && entry_of[i]->num_slices == 0 && q.slice == nullptr) {
      absl::StatusOr<const RandomAccessFile*> file =
          r.OpenChecked(q.key, *entry_of[i]);
      st = file.status();
      if (st.ok()) files[i] = *file;
    }
    statuses[i] = st;
    if (!st.ok()) continue;
    if (entry_of[i]->compression != Compression::kNone || q.out.empty() ||
        entry_of[i]->num_slices > 0 || q.slice != nullptr) {
      jobs.push_back({Kind::kWhole, i, 0, q.out.size()});
    } else if (q.out.size() <= kRunTensorBytes) {
      small.push_back(i);
    } else {
      for (size_t b = 0; b < q.out.size(); b += kReadChunkBytes) {
        jobs.push_back(
            {Kind::kChunk, i, b, std::min(kReadChunkBytes, q.out.size() - b)});
      }
    }
  }
  // Runs: small tensors in file order, split where the file changes, where
  // a gap of more than kRunGapBytes lies between two, where two overlap (a
  // scattered read fills each byte once), at kReadChunkBytes, or at
  // kRunTensors tensors (with their gaps, within one preadv's 1024 pieces).
  std::sort(small.begin(), small.end(), [&](size_t a, size_t b) {
    if (entry_of[a]->shard_id != entry_of[b]->shard_id) {
      return entry_of[a]->shard_id < entry_of[b]->shard_id;
    }
    return entry_of[a]->offset < entry_of[b]->offset;
  });
  for (size_t k = 0; k < small.size();) {
    const size_t first = k;
    const uint64_t start = static_cast<uint64_t>(entry_of[small[k]]->offset);
    uint64_t end = start + requests[small[k]].out.size();
    for (++k; k < small.size(); ++k) {
      const BundleEntry& e = *entry_of[small[k]];
      const uint64_t offset = static_cast<uint64_t>(e.offset);
      const uint64_t next_end = offset + requests[small[k]].out.size();
      if (e.shard_id != entry_of[small[first]]->shard_id || offset < end ||
          offset > end + kRunGapBytes || next_end - start > kReadChunkBytes ||
          k - first >= kRunTensors) {
        break;
      }
      end = next_end;
    }
    jobs.push_back({Kind::kRun, first, k, static_cast<size_t>(end - start)});
  }
  std::vector<absl::Status> job_status(jobs.size());
  std::vector<uint32_t> job_crc(jobs.size(), 0);
  ParallelFor(num_threads, jobs.size(), [&](size_t j) {
    const Job& job = jobs[j];
    if (job.kind == Kind::kRun) {
      // Each request of a run belongs to this job only: its status is ours
      // to write.
      // One scattered read straight into the tensors; the bytes between
      // two of them (at most kRunGapBytes each) go to `gap`.
      const size_t lead = small[job.request];
      const uint64_t start = static_cast<uint64_t>(entry_of[lead]->offset);
      char gap[kRunGapBytes];
      std::vector<absl::Span<char>> pieces;
      pieces.reserve(2 * (job.begin - job.request));
      uint64_t end = start;
      for (size_t k = job.request; k < job.begin; ++k) {
        const size_t i = small[k];
        const uint64_t offset = static_cast<uint64_t>(entry_of[i]->offset);
        if (offset > end) {
          pieces.push_back(
              absl::MakeSpan(gap, static_cast<size_t>(offset - end)));
        }
        pieces.push_back(requests[i].out);
        end = offset + requests[i].out.size();
      }
      const absl::Status st =
          Impl::WithKey(files[lead]->ReadV(start, pieces), requests[lead].key);
      for (size_t k = job.request; k < job.begin; ++k) {
        const size_t i = small[k];
        const ReadRequest& q = requests[i];
        statuses[i] =
            st.ok()
                ? Impl::CheckCrc(*files[i], q.key, *entry_of[i], q.out.data(),
                                 q.out.size())
                // Which tensors the failure touches, and how: one at a time.
                : r.ReadFixedInto(q.key, *entry_of[i], q.out);
      }
      return;
    }
    const ReadRequest& q = requests[job.request];
    if (job.kind == Kind::kWhole) {
      const BundleEntry& e = *entry_of[job.request];
      if (q.slice != nullptr) {
        job_status[j] = r.ReadRegionInto(q.key, e, *q.slice, q.out);
      } else if (e.num_slices > 0) {
        job_status[j] = r.ReadRegionInto(
            q.key, e, TensorSlice::Full(e.shape.rank()), q.out);
      } else {
        job_status[j] = r.ReadFixedInto(q.key, e, q.out);
      }
      return;
    }
    char* dst = q.out.data() + job.begin;
    job_status[j] = Impl::WithKey(
        files[job.request]->Read(
            static_cast<uint64_t>(entry_of[job.request]->offset) + job.begin,
            job.length, dst),
        q.key);
    if (job_status[j].ok()) job_crc[j] = crc32c::Value(dst, job.length);
  });
  // The chunks of one request are consecutive jobs, in order: combine their
  // CRCs. Whole and run jobs have set their statuses already.
  for (size_t j = 0; j < jobs.size();) {
    if (jobs[j].kind == Kind::kRun) {
      ++j;
      continue;
    }
    const size_t i = jobs[j].request;
    const bool whole = jobs[j].kind == Kind::kWhole;
    absl::Status st;
    uint32_t crc = 0;
    for (;
         j < jobs.size() && jobs[j].kind != Kind::kRun && jobs[j].request == i;
         ++j) {
      if (st.ok() && !job_status[j].ok()) st = job_status[j];
      crc = crc32c::Combine(crc, job_crc[j], jobs[j].length);
    }
    if (st.ok() && !whole) {
      st = Impl::CheckCrcValue(*files[i], requests[i].key, *entry_of[i], crc,
                               requests[i].out.size());
    }
    statuses[i] = st;
  }
}

absl::Status BundleReader::Impl::CheckReadInto(absl::string_view key,
                                               const BundleEntry& entry,
                                               absl::Span<char> out) const {
  const Impl& r = *this;
  if (!IsFixedSizeDataType(entry.dtype)) {
    return absl::InvalidArgumentError(
        absl::StrCat(KeyContext(r.index_path, key),
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
        KeyContext(r.index_path, key), ": ReadInto buffer has ", out.size(),
        " bytes but the ",
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
          KeyContext(r.index_path, key), ": a slice entry",
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
    // (spec 3.5): verify both of its checksums instead.
    CKPT_RETURN_IF_ERROR(
        Annotate(bundle::DecodeStringTensor(stored, entry.shape.num_elements(),
                                            entry.masked_crc32c, nullptr),
                 KeyContext(file->path(), key)));
  } else if (entry.dtype == DataType::kVariant) {
    // Likewise (spec 3.6): every element checksum and the entry checksum.
    CKPT_RETURN_IF_ERROR(
        Annotate(bundle::DecodeVariantTensor(stored, entry.shape.num_elements(),
                                             entry.masked_crc32c, nullptr),
                 KeyContext(file->path(), key)));
  } else {
    CKPT_RETURN_IF_ERROR(
        Impl::CheckCrc(*file, key, entry, stored.data(), stored.size()));
  }
  return stored;
}

}  // namespace ckpt
