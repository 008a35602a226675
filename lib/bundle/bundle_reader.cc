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
#include "bundle/string_codec.h"
#include "ckpt/crc32c.h"
#include "ckpt/status.h"
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

  // A validated entry that has bytes of its own (not a sliced tensor).
  absl::StatusOr<BundleEntry> LookupReadable(absl::string_view key) const {
    CKPT_ASSIGN_OR_RETURN(BundleEntry entry, Lookup(key));
    CKPT_RETURN_IF_ERROR(CheckReadable(key, entry));
    return entry;
  }

  // Unimplemented for the full-tensor entry of a partitioned tensor.
  absl::Status CheckReadable(absl::string_view key,
                             const BundleEntry& entry) const {
    if (entry.num_slices > 0) {
      return absl::UnimplementedError(
          absl::StrCat(KeyContext(index_path, key),
                       ": a partitioned tensor stored as ", entry.num_slices,
                       " slices; reading sliced entries is not supported yet"));
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
};

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
  if (entry.dtype == DataType::kString) {
    CKPT_ASSIGN_OR_RETURN(std::vector<std::string> values,
                          r.ReadStrings(key, entry));
    return Tensor::FromStrings(entry.shape, std::move(values));
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
    if (st.ok()) st = r.CheckReadInto(q.key, *entry_of[i], q.out);
    if (st.ok()) {
      absl::StatusOr<const RandomAccessFile*> file =
          r.OpenChecked(q.key, *entry_of[i]);
      st = file.status();
      if (st.ok()) files[i] = *file;
    }
    statuses[i] = st;
    if (!st.ok()) continue;
    if (entry_of[i]->compression != Compression::kNone || q.out.empty()) {
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
      job_status[j] = r.ReadFixedInto(q.key, *entry_of[job.request], q.out);
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
  if (entry.dtype == DataType::kString) {
    return absl::InvalidArgumentError(
        absl::StrCat(KeyContext(r.index_path, key),
                     ": ReadInto needs a fixed-size tensor, this one is "
                     "string; use Read()"));
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
  // The full-tensor entry of a partitioned tensor stores no bytes; its slices
  // are entries of their own.
  if (entry.num_slices > 0) return absl::OkStatus();
  if (entry.dtype != DataType::kString &&
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
  } else {
    CKPT_RETURN_IF_ERROR(
        Impl::CheckCrc(*file, key, entry, stored.data(), stored.size()));
  }
  return stored;
}

}  // namespace ckpt
