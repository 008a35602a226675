// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// BundleReader, partitioned tensors (contract in ckpt/bundle_reader.h; the
// format in docs/format.md §11 Partitioned tensors): the layout of a tensor's
// slices, decoded and validated once per tensor; region reads that plan the
// slices a region meets (looked up, checked, range-checked, no shared
// bytes) before allocating, then read each whole and verified before
// copying its part; Verify of full entries and of slice entries.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "bundle/bundle_reader_impl.h"
#include "bundle/entry_codec.h"
#include "bundle/slice_layout.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/status.h"
#include "ckpt/tensor_slice.h"
#include "util/errors.h"
#include "util/mutex.h"

namespace ckpt {

absl::StatusOr<BundleReader::Impl::Slices> BundleReader::Impl::LoadSlices(
    absl::string_view key, const BundleEntry& entry) const {
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

absl::StatusOr<BundleReader::Impl::Slices> BundleReader::Impl::DecodeLayout(
    absl::string_view key, const BundleEntry& entry) const {
  CKPT_ASSIGN_OR_RETURN(std::string value, table->Get(key));
  absl::StatusOr<std::vector<TensorSlice>> slices =
      bundle::DecodeEntrySlices(key, value, bundle::kMaxSlicesPerTensor);
  if (!slices.ok()) return Annotate(slices.status(), index_path);
  CKPT_RETURN_IF_ERROR(Annotate(
      bundle::ValidateSliceLayout(key, entry.shape, *slices), index_path));
  return std::make_shared<const std::vector<TensorSlice>>(*std::move(slices));
}

absl::StatusOr<BundleEntry> BundleReader::Impl::LookupSlice(
    absl::string_view key, const BundleEntry& full, const TensorSlice& slice,
    const std::string& slice_key) const {
  const auto bad = [&](absl::string_view why) {
    return absl::DataLossError(absl::StrCat(
        bundle::KeyContext(index_path, key), ": slice ", slice.DebugString(),
        " (entry ", QuoteForMessage(slice_key), ") ", why));
  };
  absl::StatusOr<BundleEntry> e = Lookup(slice_key);
  if (absl::IsNotFound(e.status())) {
    return bad("is listed by the tensor but its entry is missing");
  }
  CKPT_RETURN_IF_ERROR(e.status());
  if (e->num_slices > 0) return bad("is itself partitioned");
  if (std::string why = SliceEntryMismatch(full, slice, *e); !why.empty()) {
    return bad(why);
  }
  return e;
}

// static
std::string BundleReader::Impl::SliceEntryMismatch(const BundleEntry& full,
                                                   const TensorSlice& slice,
                                                   const BundleEntry& entry) {
  if (entry.dtype != full.dtype) {
    return absl::StrCat("has dtype ",
                        DataTypeDisplayName(static_cast<int32_t>(entry.dtype)),
                        " but the tensor is ",
                        DataTypeDisplayName(static_cast<int32_t>(full.dtype)));
  }
  // Listed by a validated layout: the slice fits.
  const TensorShape expected = slice.SliceShape(full.shape).value();
  if (!(entry.shape == expected)) {
    return absl::StrCat("has shape ", entry.shape.DebugString(),
                        " but the slice's shape is ", expected.DebugString());
  }
  return "";
}

absl::StatusOr<std::vector<BundleReader::Impl::Part>>
BundleReader::Impl::PlanRegion(absl::string_view key, const BundleEntry& entry,
                               const TensorSlice& region) const {
  std::vector<Part> parts;
  const TensorShape& shape = entry.shape;
  if (entry.num_slices == 0) {
    if (bundle::NumElements(region, shape) == 0) return parts;
    CKPT_RETURN_IF_ERROR(OpenChecked(key, entry).status());
    parts.push_back(
        Part{TensorSlice::Full(shape.rank()), region, std::string(key), entry});
    return parts;
  }
  CKPT_ASSIGN_OR_RETURN(const Slices layout_ptr, LoadSlices(key, entry));
  const std::vector<TensorSlice>& slices = *layout_ptr;
  const int64_t wanted = bundle::NumElements(region, shape);
  const int64_t covered = bundle::CoveredElements(slices, region, shape);
  if (covered != wanted) {
    return absl::DataLossError(absl::StrCat(
        bundle::KeyContext(index_path, key), ": insufficient slices to read ",
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

absl::Status BundleReader::Impl::CheckNoSharedBytes(
    absl::string_view key, const std::vector<Part>& parts) const {
  std::vector<const Part*> by_place;
  by_place.reserve(parts.size());
  for (const Part& p : parts) {
    if (p.entry.size > 0) by_place.push_back(&p);
  }
  std::sort(by_place.begin(), by_place.end(), [](const Part* a, const Part* b) {
    return std::make_pair(a->entry.shard_id, a->entry.offset) <
           std::make_pair(b->entry.shard_id, b->entry.offset);
  });
  for (size_t i = 1; i < by_place.size(); ++i) {
    const BundleEntry& a = by_place[i - 1]->entry;
    const BundleEntry& b = by_place[i]->entry;
    // Both ranges lie inside their file (OpenChecked): no overflow.
    if (a.shard_id == b.shard_id && b.offset < a.offset + a.size) {
      return absl::DataLossError(
          absl::StrCat(bundle::KeyContext(index_path, key), ": slices ",
                       by_place[i - 1]->stored.DebugString(), " and ",
                       by_place[i]->stored.DebugString(),
                       " share stored bytes in data file ", a.shard_id,
                       " (offsets ", a.offset, " and ", b.offset, ")"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> BundleReader::Impl::ReadElements(
    absl::string_view key, const BundleEntry& entry) const {
  if (entry.dtype == DataType::kVariant) return ReadVariants(key, entry);
  return ReadStrings(key, entry);
}

absl::Status BundleReader::Impl::ReadParts(
    absl::string_view key, const std::vector<Part>& parts,
    const TensorShape& shape, const TensorSlice& region, absl::Span<char> out,
    std::vector<std::string>* elements) const {
  std::string scratch;
  for (const Part& part : parts) {
    absl::Status st = ReadPart(part, shape, region, out, elements, scratch);
    if (!st.ok() && part.key != key) {
      // Name the tensor and the slice, not only the slice's binary key.
      return Annotate(st, absl::StrCat("tensor ", QuoteForMessage(key),
                                       ", slice ", part.stored.DebugString()));
    }
    CKPT_RETURN_IF_ERROR(st);
  }
  return absl::OkStatus();
}

absl::Status BundleReader::Impl::ReadPart(const Part& part,
                                          const TensorShape& shape,
                                          const TensorSlice& region,
                                          absl::Span<char> out,
                                          std::vector<std::string>* elements,
                                          std::string& scratch) const {
  if (elements != nullptr) {
    CKPT_ASSIGN_OR_RETURN(std::vector<std::string> values,
                          ReadElements(part.key, part.entry));
    bundle::CopyRegion(part.overlap, part.stored, region, shape,
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

absl::Status BundleReader::Impl::ReadRangeStreaming(
    absl::string_view key, const BundleEntry& entry, size_t begin,
    absl::Span<char> out) const {
  CKPT_ASSIGN_OR_RETURN(const RandomAccessFile* file, OpenChecked(key, entry));
  const size_t size = static_cast<size_t>(entry.size);
  const size_t end = begin + out.size();
  std::string buffer(std::min(size, bundle::kReadChunkBytes), '\0');
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

// static
void BundleReader::Impl::CopyOut(const std::string& chunk, size_t at,
                                 size_t begin, size_t end,
                                 absl::Span<char> out) {
  const size_t lo = std::max(at, begin);
  const size_t hi = std::min(at + chunk.size(), end);
  if (lo < hi)
    std::memcpy(out.data() + (lo - begin), chunk.data() + (lo - at), hi - lo);
}

absl::Status BundleReader::Impl::ReadRegionInto(absl::string_view key,
                                                const BundleEntry& entry,
                                                const TensorSlice& region,
                                                absl::Span<char> out) const {
  CKPT_ASSIGN_OR_RETURN(std::vector<Part> parts,
                        PlanRegion(key, entry, region));
  return ReadParts(key, parts, entry.shape, region, out, nullptr);
}

absl::StatusOr<Tensor> BundleReader::Impl::ReadRegion(
    absl::string_view key, const BundleEntry& entry,
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

absl::Status BundleReader::Impl::CheckRegion(absl::string_view key,
                                             const BundleEntry& entry,
                                             const TensorSlice& slice) const {
  return Annotate(slice.CheckFits(entry.shape),
                  bundle::KeyContext(index_path, key));
}

absl::Status BundleReader::Impl::VerifyPartitioned(
    absl::string_view key, const BundleEntry& entry) const {
  CKPT_RETURN_IF_ERROR(CheckReadable(key, entry));
  CKPT_ASSIGN_OR_RETURN(const Slices layout_ptr, LoadSlices(key, entry));
  const std::vector<TensorSlice>& slices = *layout_ptr;
  const TensorSlice all = TensorSlice::Full(entry.shape.rank());
  const int64_t covered = bundle::CoveredElements(slices, all, entry.shape);
  if (covered != entry.shape.num_elements()) {
    return absl::DataLossError(
        absl::StrCat(bundle::KeyContext(index_path, key), ": the ",
                     slices.size(), " slices leave a hole: they cover ",
                     covered, " of the ", entry.shape.num_elements(),
                     " elements of shape ", entry.shape.DebugString()));
  }
  for (const TensorSlice& slice : slices) {
    CKPT_RETURN_IF_ERROR(
        LookupSlice(key, entry, slice, EncodeTensorNameSlice(key, slice))
            .status());
  }
  return absl::OkStatus();
}

absl::Status BundleReader::Impl::VerifySliceKey(
    absl::string_view key, const BundleEntry& entry) const {
  absl::StatusOr<std::pair<std::string, TensorSlice>> decoded =
      DecodeTensorNameSlice(key);
  if (!decoded.ok()) return Annotate(decoded.status(), index_path);
  const std::string& name = decoded->first;
  const TensorSlice& slice = decoded->second;
  const auto bad = [&](absl::string_view why) {
    return absl::DataLossError(absl::StrCat(
        bundle::KeyContext(index_path, key), ": slice ", slice.DebugString(),
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
                      absl::StrCat(bundle::KeyContext(index_path, key),
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
  if (std::string why = SliceEntryMismatch(slice_cache_entry, slice, entry);
      !why.empty()) {
    return bad(why);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<TensorSlice>> BundleReader::GetSlices(
    absl::string_view key) const {
  const Impl& r = *impl_;
  CKPT_ASSIGN_OR_RETURN(BundleEntry entry, r.Lookup(key));
  if (entry.num_slices == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(bundle::KeyContext(r.index_path, key),
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

}  // namespace ckpt
