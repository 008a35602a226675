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

// ReadManyInto: tensors up to this size are read in runs of neighbours ...
constexpr size_t kRunTensorBytes = size_t{64} << 10;
// ... that may be apart by this much (alignment padding, a skipped tensor).
constexpr uint64_t kRunGapBytes = 4096;
// ... and at most this many tensors to a run.
constexpr size_t kRunTensors = 512;

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
      for (size_t b = 0; b < q.out.size(); b += bundle::kReadChunkBytes) {
        jobs.push_back({Kind::kChunk, i, b,
                        std::min(bundle::kReadChunkBytes, q.out.size() - b)});
      }
    }
  }
  // Runs: small tensors in file order, split where the file changes, where
  // a gap of more than kRunGapBytes lies between two, where two overlap (a
  // scattered read fills each byte once), at bundle::kReadChunkBytes, or at
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
          offset > end + kRunGapBytes ||
          next_end - start > bundle::kReadChunkBytes ||
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
