// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// MappedBundleReader (contract in ckpt/mapped_bundle.h). The index is a
// BundleReader; data files are mapped with Env::NewReadOnlyMemoryRegion on
// first use of their shard, under a mutex, and kept until destruction. An
// entry is served from the mapping after its range is checked against the
// mapped size and its CRC-32C verified; verified entries are remembered
// (key -> entry) so that a later Get() of the same key needs neither the
// index nor a pass over the data. Everything else goes to BundleReader.

#include "ckpt/mapped_bundle.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "bundle/entry_codec.h"
#include "ckpt/crc32c.h"
#include "ckpt/dtype.h"
#include "ckpt/status.h"
#include "util/errors.h"
#include "util/fuzzing.h"
#include "util/mutex.h"

namespace ckpt {
namespace {

std::string KeyContext(absl::string_view path, absl::string_view key) {
  return absl::StrCat(path, ": key ", QuoteForMessage(key));
}

// True for entries whose stored bytes are the tensor's element bytes.
bool IsPlainFixedSize(const BundleEntry& entry) {
  return entry.num_slices == 0 && IsFixedSizeDataType(entry.dtype) &&
         entry.compression == Compression::kNone;
}

// Whether `data` may be viewed as elements of `dtype` (flat<T>()): aligned
// to the element size, capped at 8 (the largest alignof of an element type).
bool IsAlignedFor(const char* data, DataType dtype) {
  const size_t align = std::min<size_t>(DataTypeSize(dtype), 8);
  return align <= 1 || reinterpret_cast<uintptr_t>(data) % align == 0;
}

}  // namespace

struct MappedBundleReader::Impl {
  Env* env = nullptr;
  std::shared_ptr<const BundleReader> reader;
  std::string index_path;

  // An entry located in its mapped data file.
  struct Located {
    BundleEntry entry;
    // The entry's verified bytes and their mapping; meaningful only when
    // `mapped`.
    const char* data = nullptr;
    std::shared_ptr<const ReadOnlyMemoryRegion> region;
    // False: the entry is not plain fixed-size, or the Env cannot map.
    bool mapped = false;
  };

  mutable Mutex mu;
  // Set once the Env answered Unimplemented: every read goes to `reader`.
  mutable bool regions_unsupported ABSL_GUARDED_BY(mu) = false;
  // Shared with the tensors Get() returns, which keep their file mapped.
  mutable absl::flat_hash_map<int, std::shared_ptr<const ReadOnlyMemoryRegion>>
      regions ABSL_GUARDED_BY(mu);
  // Keys whose range and checksum were checked against their mapping.
  mutable absl::flat_hash_map<std::string, BundleEntry> verified
      ABSL_GUARDED_BY(mu);
  // GetBytes() without memory regions: verified copies, kept until
  // destruction so that the views stay valid.
  mutable absl::flat_hash_map<std::string, std::unique_ptr<const std::string>>
      copies ABSL_GUARDED_BY(mu);

  // The mapping of shard `shard_id`, mapped on first use; null when the Env
  // has no memory regions.
  absl::StatusOr<std::shared_ptr<const ReadOnlyMemoryRegion>> Region(
      int shard_id, absl::string_view key) const {
    MutexLock lock(&mu);
    if (regions_unsupported) return nullptr;
    auto it = regions.find(shard_id);
    if (it != regions.end()) return it->second;
    const std::string path =
        DataFilename(reader->prefix(), shard_id, reader->num_shards());
    absl::StatusOr<std::unique_ptr<ReadOnlyMemoryRegion>> region =
        env->NewReadOnlyMemoryRegion(path);
    if (!region.ok()) {
      if (absl::IsUnimplemented(region.status())) {
        regions_unsupported = true;
        return nullptr;
      }
      if (absl::IsNotFound(region.status())) {
        return absl::NotFoundError(
            absl::StrCat(path, ": data file of bundle ", reader->prefix(),
                         " is missing (needed for key ", QuoteForMessage(key),
                         "): ", region.status().message()));
      }
      return absl::Status(
          region.status().code(),
          absl::StrCat(region.status().message(), " (reading key ",
                       QuoteForMessage(key), ")"));
    }
    std::shared_ptr<const ReadOnlyMemoryRegion> shared(*std::move(region));
    regions.emplace(shard_id, shared);
    return shared;
  }

  // The first byte of a range-checked entry (no arithmetic on the null
  // data of an empty region).
  static const char* EntryData(const ReadOnlyMemoryRegion& region,
                               const BundleEntry& entry) {
    if (entry.size == 0) return region.data();
    return region.data() + static_cast<size_t>(entry.offset);
  }

  // DataLoss unless [offset, offset + size) lies inside `region`.
  static absl::Status CheckRange(const ReadOnlyMemoryRegion& region,
                                 absl::string_view key,
                                 const BundleEntry& entry) {
    // Both are >= 0 (validated), so the sum fits in uint64.
    const uint64_t offset = static_cast<uint64_t>(entry.offset);
    const uint64_t size = static_cast<uint64_t>(entry.size);
    if (offset > region.size() || size > region.size() - offset) {
      return absl::DataLossError(absl::StrCat(
          KeyContext(region.path(), key), ": bytes [", offset, ", ",
          offset + size, ") extend past the end of the file (", region.size(),
          " bytes)"));
    }
    return absl::OkStatus();
  }

  static absl::Status CheckCrc(const ReadOnlyMemoryRegion& region,
                               absl::string_view key, const BundleEntry& entry,
                               const char* data, size_t n) {
    const uint32_t actual = crc32c::Value(data, n);
    if (actual != crc32c::Unmask(entry.masked_crc32c) &&
        !kFuzzingSkipChecksums) {
      return absl::DataLossError(absl::StrCat(
          KeyContext(region.path(), key), ": checksum mismatch (stored 0x",
          absl::Hex(entry.masked_crc32c), ", computed 0x",
          absl::Hex(crc32c::Mask(actual)), ") over ", n, " bytes at offset ",
          entry.offset));
    }
    return absl::OkStatus();
  }

  // Finds `key` (or takes `known`, its entry from `reader`); for a plain
  // fixed-size entry, maps its shard and checks its range and its
  // checksum: once per key, or with `known` on every call (nothing is
  // remembered).
  absl::StatusOr<Located> Locate(absl::string_view key,
                                 const BundleEntry* known = nullptr) const {
    Located out;
    if (known != nullptr) {
      out.entry = *known;
    } else {
      MutexLock lock(&mu);
      auto it = verified.find(key);
      if (it != verified.end()) {
        // Verified entries were located in a mapping kept until destruction.
        auto region = regions.find(it->second.shard_id);
        if (region != regions.end()) {
          out.entry = it->second;
          out.data = EntryData(*region->second, out.entry);
          out.region = region->second;
          out.mapped = true;
          return out;
        }
      }
    }
    if (known == nullptr) {
      CKPT_ASSIGN_OR_RETURN(out.entry, reader->GetEntry(key));
    }
    if (!IsPlainFixedSize(out.entry)) return out;
    const BundleEntry& entry = out.entry;
    // Validated by the entry codec; checked again rather than trusted here.
    CKPT_ASSIGN_OR_RETURN(
        int64_t raw,
        bundle::FixedTensorBytes(entry.dtype, entry.shape.num_elements()));
    if (raw != entry.size) {
      return absl::DataLossError(absl::StrCat(
          KeyContext(index_path, key), ": stored size ", entry.size,
          " differs from the ", raw, " bytes of its dtype and shape"));
    }
    CKPT_ASSIGN_OR_RETURN(std::shared_ptr<const ReadOnlyMemoryRegion> region,
                          Region(entry.shard_id, key));
    if (region == nullptr) return out;  // no memory regions: owned reads
    CKPT_RETURN_IF_ERROR(CheckRange(*region, key, entry));
    const char* data = EntryData(*region, entry);
    CKPT_RETURN_IF_ERROR(
        CheckCrc(*region, key, entry, data, static_cast<size_t>(entry.size)));
    if (known == nullptr) {
      MutexLock lock(&mu);
      verified.emplace(std::string(key), entry);
    }
    out.data = data;
    out.region = std::move(region);
    out.mapped = true;
    return out;
  }
};

absl::StatusOr<std::unique_ptr<MappedBundleReader>> MappedBundleReader::Open(
    Env* env, std::string prefix, BundleReaderOptions options) {
  if (env == nullptr) {
    return absl::InvalidArgumentError("MappedBundleReader::Open: null env");
  }
  auto impl = std::make_unique<Impl>();
  impl->env = env;
  impl->index_path = IndexFilename(prefix);
  CKPT_ASSIGN_OR_RETURN(std::unique_ptr<BundleReader> reader,
                        BundleReader::Open(env, std::move(prefix), options));
  impl->reader = std::move(reader);
  return std::unique_ptr<MappedBundleReader>(
      new MappedBundleReader(std::move(impl)));
}

absl::StatusOr<std::unique_ptr<MappedBundleReader>> MappedBundleReader::Open(
    Env* env, std::shared_ptr<const BundleReader> index) {
  if (env == nullptr || index == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "MappedBundleReader::Open: null ", env == nullptr ? "env" : "reader"));
  }
  auto impl = std::make_unique<Impl>();
  impl->env = env;
  impl->index_path = IndexFilename(index->prefix());
  impl->reader = std::move(index);
  return std::unique_ptr<MappedBundleReader>(
      new MappedBundleReader(std::move(impl)));
}

MappedBundleReader::MappedBundleReader(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}

MappedBundleReader::~MappedBundleReader() = default;

const BundleReader& MappedBundleReader::index() const { return *impl_->reader; }

absl::StatusOr<Tensor> MappedBundleReader::Get(absl::string_view key) const {
  return GetImpl(key, nullptr);
}

absl::StatusOr<Tensor> MappedBundleReader::Get(absl::string_view key,
                                               const BundleEntry& entry) const {
  return GetImpl(key, &entry);
}

absl::StatusOr<Tensor> MappedBundleReader::GetImpl(
    absl::string_view key, const BundleEntry* known) const {
  const Impl& r = *impl_;
  CKPT_ASSIGN_OR_RETURN(Impl::Located located, r.Locate(key, known));
  if (!located.mapped) return r.reader->Read(key);
  const BundleEntry& entry = located.entry;
  if (entry.size == 0) return Tensor::Create(entry.dtype, entry.shape);
  const size_t size = static_cast<size_t>(entry.size);
  if (!IsAlignedFor(located.data, entry.dtype)) {
    return Tensor::FromBytes(entry.dtype, entry.shape,
                             absl::string_view(located.data, size));
  }
  return Tensor::View(entry.dtype, entry.shape, located.data, size,
                      std::move(located.region));
}

absl::StatusOr<absl::string_view> MappedBundleReader::GetBytes(
    absl::string_view key) const {
  const Impl& r = *impl_;
  CKPT_ASSIGN_OR_RETURN(Impl::Located located, r.Locate(key));
  const BundleEntry& entry = located.entry;
  if (entry.num_slices > 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        KeyContext(r.index_path, key), ": a partitioned tensor of ",
        entry.num_slices,
        " slices has no stored bytes of its own to view; use Get(), which "
        "assembles it"));
  }
  if (!IsFixedSizeDataType(entry.dtype) ||
      entry.compression != Compression::kNone) {
    if (!IsCheckpointableDataType(entry.dtype)) {
      return r.reader->Read(key).status();  // BundleReader's dtype error
    }
    return absl::InvalidArgumentError(absl::StrCat(
        KeyContext(r.index_path, key),
        ": GetBytes needs an uncompressed fixed-size tensor, this one is ",
        IsFixedSizeDataType(entry.dtype)
            ? "LZ4-compressed"
            : DataTypeDisplayName(static_cast<int32_t>(entry.dtype)),
        "; use Get()"));
  }
  if (located.mapped) {
    if (entry.size == 0) return absl::string_view();
    return absl::string_view(located.data, static_cast<size_t>(entry.size));
  }
  // No memory regions: a verified copy owned by the reader.
  {
    MutexLock lock(&r.mu);
    auto it = r.copies.find(key);
    if (it != r.copies.end()) return absl::string_view(*it->second);
  }
  auto copy =
      std::make_unique<std::string>(static_cast<size_t>(entry.size), '\0');
  CKPT_RETURN_IF_ERROR(r.reader->ReadInto(key, absl::MakeSpan(*copy)));
  MutexLock lock(&r.mu);
  // Another thread may have stored the same key meanwhile: keep the first.
  auto inserted = r.copies.emplace(std::string(key), std::move(copy));
  return absl::string_view(*inserted.first->second);
}

}  // namespace ckpt
