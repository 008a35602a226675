// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// BundleWriter (contract in ckpt/bundle_writer.h): tensor bytes stream into
// one buffered temporary data file per shard, with the CRC computed chunk by
// chunk as the bytes are appended; entries wait, encoded, in a key-sorted
// PendingIndex until Finish() writes the index table and commits by renaming
// (data files first, index last, the directory synced after each step).

#include "ckpt/bundle_writer.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <deque>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "bundle/entry_codec.h"
#include "bundle/index_file.h"
#include "bundle/lz4_codec.h"
#include "bundle/pending_index.h"
#include "bundle/slice_layout.h"
#include "bundle/sliced_tensors.h"
#include "bundle/string_codec.h"
#include "bundle/variant_codec.h"
#include "ckpt/bundle_format.h"
#include "ckpt/crc32c.h"
#include "ckpt/dtype.h"
#include "ckpt/status.h"
#include "table/table_builder.h"
#include "util/checksum_pool.h"
#include "util/errors.h"
#include "util/parallel.h"
#include "util/random.h"

namespace ckpt {
namespace {

// Bytes handed to the CRC and the file per step, so that a large tensor is
// checksummed while its bytes are still in cache (when its CRC is computed
// on the writing thread).
constexpr size_t kChunkBytes = size_t{1} << 20;
// Tensors from this size on have their CRC computed by the checksum pool's
// helpers while the writing thread writes them (if the pool has threads);
// below it the hand-over costs about what it saves.
constexpr size_t kMinPooledBytes = size_t{256} << 10;
constexpr int kMaxChecksumThreads = 64;
// Upper limits on options (beyond them the options are surely a mistake).
constexpr int64_t kMaxDataAlignment = int64_t{1} << 30;
constexpr size_t kMaxIndexBlockSize = size_t{1} << 30;
constexpr size_t kMaxWriteBufferBytes = size_t{1} << 30;
// Source of zero bytes for alignment padding.
constexpr size_t kZeroBytes = 4096;
const char kZeros[kZeroBytes] = {};

absl::Status ValidateOptions(const BundleWriterOptions& o) {
  if (o.num_shards < 1 || o.num_shards > bundle::kMaxNumShards) {
    return absl::InvalidArgumentError(
        absl::StrCat("BundleWriterOptions: num_shards ", o.num_shards,
                     " out of range [1, ", bundle::kMaxNumShards, "]"));
  }
  if (o.compression != Compression::kNone &&
      o.compression != Compression::kLz4) {
    return absl::InvalidArgumentError(
        absl::StrCat("BundleWriterOptions: unknown compression ",
                     static_cast<int>(o.compression)));
  }
  if (o.data_alignment < 1 || o.data_alignment > kMaxDataAlignment) {
    return absl::InvalidArgumentError(
        absl::StrCat("BundleWriterOptions: data_alignment ", o.data_alignment,
                     " out of range [1, ", kMaxDataAlignment, "]"));
  }
  if (o.write_buffer_bytes > kMaxWriteBufferBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "BundleWriterOptions: write_buffer_bytes ", o.write_buffer_bytes,
        " above the limit of ", kMaxWriteBufferBytes));
  }
  if (o.index_block_size < 1 || o.index_block_size > kMaxIndexBlockSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "BundleWriterOptions: index_block_size ", o.index_block_size,
        " out of range [1, ", kMaxIndexBlockSize, "]"));
  }
  if (o.checksum_threads < 0 || o.checksum_threads > kMaxChecksumThreads) {
    return absl::InvalidArgumentError(absl::StrCat(
        "BundleWriterOptions: checksum_threads ", o.checksum_threads,
        " out of range [0, ", kMaxChecksumThreads, "]"));
  }
  if (o.index_restart_interval < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("BundleWriterOptions: index_restart_interval ",
                     o.index_restart_interval, " must be >= 1"));
  }
  return absl::OkStatus();
}

// One data file: a temporary name until Finish() renames it, a bounded
// write buffer, and the logical size (bytes written plus bytes buffered).
struct Shard {
  std::string final_path;
  std::string temp_path;
  std::unique_ptr<WritableFile> file;
  bool temp_exists = false;  // created and not yet renamed or deleted
  std::string buffer;
  uint64_t position = 0;
  uint64_t in_file = 0;       // bytes handed to the file (position - buffer)
  uint64_t written_back = 0;  // bytes whose writeback was started
};

// What one writing thread reuses from tensor to tensor.
struct WriteScratch {
  std::string shuffle;          // LZ4 byte planes
  bool compressed_any = false;  // some tensor was stored compressed
};

// Where the CRC of a tensor's bytes comes from when the checksum pool
// computes it: range `range` of `job`.
struct PooledCrc {
  ChecksumJob* job = nullptr;
  size_t range = 0;
};

}  // namespace

namespace bundle {

absl::Status WriteIndexFile(WritableFile& file, const BundleHeader& header,
                            const PendingIndex& entries,
                            const IndexLayout& layout, bool sync) {
  table::TableOptions table_options;
  table_options.block_size = layout.block_size;
  table_options.block_restart_interval = layout.restart_interval;
  table::TableBuilder builder(table_options, &file);
  CKPT_RETURN_IF_ERROR(builder.Add("", EncodeHeader(header)));
  CKPT_RETURN_IF_ERROR(
      entries.ForEach([&builder](absl::string_view key, absl::string_view e) {
        return builder.Add(key, e);
      }));
  CKPT_RETURN_IF_ERROR(builder.Finish());
  if (sync) CKPT_RETURN_IF_ERROR(file.Sync());
  return file.Close();
}

}  // namespace bundle

struct BundleWriter::Impl {
  enum class State { kOpen, kFinished, kAbandoned };

  Env* env = nullptr;
  std::string prefix;
  BundleWriterOptions options;
  std::vector<Shard> shards;
  std::string index_temp_path;
  bool index_temp_exists = false;
  bundle::PendingIndex entries;
  // Partitioned tensors (AddSlice): checked as their slices come, their
  // full-tensor entries encoded at Finish().
  bundle::SlicedTensors sliced;
  bool any_compressed = false;
  WriteScratch add_scratch;  // of single-shard batches (and Add())
  // Helpers computing CRCs of large tensors as they are written; null with
  // options.checksum_threads == 0.
  std::unique_ptr<ChecksumPool> checksums;
  absl::Status status;
  State state = State::kOpen;

  std::string TempName(const std::string& final_path) {
    return bundle::TempStateName(final_path, RandomUint64());
  }

  // The sticky error, or FailedPrecondition "BundleWriter::<call> on
  // <prefix> after Finish()/Abandon()" once the writer is closed; OK while
  // it is open.
  absl::Status CheckOpen(absl::string_view call) const {
    if (!status.ok()) return status;
    if (state == State::kOpen) return absl::OkStatus();
    return absl::FailedPreconditionError(
        absl::StrCat("BundleWriter::", call, " on ", prefix, " after ",
                     state == State::kFinished ? "Finish()" : "Abandon()"));
  }

  // Records the first error and removes every temporary file.
  absl::Status Fail(absl::Status s) {
    if (status.ok()) status = s;
    Cleanup();
    return status;
  }

  void Cleanup() {
    for (Shard& s : shards) {
      s.file.reset();  // closes without syncing
      if (s.temp_exists) {
        env->DeleteFile(s.temp_path).IgnoreError();  // best effort
        s.temp_exists = false;
      }
      std::string().swap(s.buffer);
    }
    if (index_temp_exists) {
      env->DeleteFile(index_temp_path).IgnoreError();
      index_temp_exists = false;
    }
    add_scratch = WriteScratch();
    if (checksums != nullptr) checksums->Stop();
  }

  // Whether the CRC of `t` is computed by the checksum pool.
  bool Pooled(const Tensor& t) const {
    return checksums != nullptr && checksums->num_threads() > 0 &&
           options.compression == Compression::kNone && !t.is_string() &&
           t.bytes().size() >= kMinPooledBytes;
  }

  // Appends to the file itself. With sync and writeback_bytes, hands the
  // file at most writeback_bytes at a time and starts writeback of every
  // writeback_bytes as soon as they are in, so that the device works while
  // the rest of a large tensor is written.
  absl::Status FileAppend(Shard& s, absl::string_view data) const {
    const uint64_t every = options.sync ? options.writeback_bytes : 0;
    if (every == 0) {
      CKPT_RETURN_IF_ERROR(s.file->Append(data));
      s.in_file += data.size();
      return absl::OkStatus();
    }
    while (!data.empty()) {
      const uint64_t room = every - (s.in_file - s.written_back);
      const absl::string_view piece = data.substr(
          0, static_cast<size_t>(std::min<uint64_t>(room, data.size())));
      CKPT_RETURN_IF_ERROR(s.file->Append(piece));
      s.in_file += piece.size();
      data.remove_prefix(piece.size());
      if (s.in_file - s.written_back == every) {
        s.file->StartWriteback(s.written_back, every);
        s.written_back = s.in_file;
      }
    }
    return absl::OkStatus();
  }

  absl::Status FlushBuffer(Shard& s) const {
    if (s.buffer.empty()) return absl::OkStatus();
    absl::Status st = FileAppend(s, s.buffer);
    s.buffer.clear();
    return st;
  }

  // Appends through the shard's bounded buffer; pieces at least as large as
  // the buffer go straight to the file.
  absl::Status Append(Shard& s, absl::string_view data) const {
    const size_t cap = options.write_buffer_bytes;
    if (data.size() >= cap) {
      CKPT_RETURN_IF_ERROR(FlushBuffer(s));
      CKPT_RETURN_IF_ERROR(FileAppend(s, data));
    } else {
      if (s.buffer.size() + data.size() > cap) {
        CKPT_RETURN_IF_ERROR(FlushBuffer(s));
      }
      if (s.buffer.capacity() < cap) s.buffer.reserve(cap);
      s.buffer.append(data.data(), data.size());
    }
    s.position += data.size();
    return absl::OkStatus();
  }

  // Appends `data` and extends `*crc` over it, chunk by chunk.
  absl::Status AppendWithCrc(Shard& s, absl::string_view data,
                             uint32_t* crc) const {
    while (!data.empty()) {
      const absl::string_view chunk = data.substr(0, kChunkBytes);
      *crc = crc32c::Extend(*crc, chunk.data(), chunk.size());
      CKPT_RETURN_IF_ERROR(Append(s, chunk));
      data.remove_prefix(chunk.size());
    }
    return absl::OkStatus();
  }

  absl::Status Pad(Shard& s) const {
    const uint64_t a = static_cast<uint64_t>(options.data_alignment);
    uint64_t pad = (a - s.position % a) % a;
    while (pad > 0) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(pad, kZeroBytes));
      CKPT_RETURN_IF_ERROR(Append(s, absl::string_view(kZeros, n)));
      pad -= n;
    }
    return absl::OkStatus();
  }

  // Writes the bytes of `t` (compressed if that pays) and fills the size,
  // CRC and compression of `e`. The CRC comes from `pooled` when given (the
  // stored bytes are then t.bytes()). Touches only `s` and `scratch`, so
  // different shards can be written concurrently.
  absl::Status WriteFixed(Shard& s, const Tensor& t, BundleEntry* e,
                          WriteScratch& scratch,
                          const PooledCrc* pooled) const {
    const absl::string_view raw = t.bytes();
    absl::string_view stored = raw;
    std::optional<std::string> compressed;
    if (options.compression == Compression::kLz4 && !raw.empty() &&
        raw.size() <= bundle::Lz4MaxInputSize()) {
      const size_t elem = DataTypeSize(t.dtype());
      const bool shuffle =
          options.byte_shuffle && IsFloatingDataType(t.dtype()) && elem > 1;
      absl::string_view input = raw;
      if (shuffle) {
        scratch.shuffle.resize(raw.size());
        bundle::ShuffleBytes(raw, elem, absl::MakeSpan(scratch.shuffle));
        input = scratch.shuffle;
      }
      compressed = bundle::Lz4Compress(input);
      // Kept only if it saves at least 1/8 of the bytes.
      if (compressed.has_value() &&
          static_cast<uint64_t>(compressed->size()) * 8 <=
              static_cast<uint64_t>(raw.size()) * 7) {
        stored = *compressed;
        e->compression = Compression::kLz4;
        e->byte_shuffle = shuffle;
        scratch.compressed_any = true;
      }
    }
    uint32_t crc = 0;
    if (pooled != nullptr) {
      // The helpers read the same bytes while they are written.
      CKPT_RETURN_IF_ERROR(Append(s, stored));
      crc = pooled->job->Crc(pooled->range);
    } else {
      CKPT_RETURN_IF_ERROR(AppendWithCrc(s, stored, &crc));
    }
    e->size = static_cast<int64_t>(stored.size());
    e->masked_crc32c = crc32c::Mask(crc);
    return absl::OkStatus();
  }

  // The variant payload (docs/format.md §8), streamed element by element.
  absl::Status WriteVariant(Shard& s, const Tensor& t, BundleEntry* e) const {
    uint32_t crc = 0;
    std::string head;
    for (const std::string& element : t.strings()) {
      head.clear();
      crc = bundle::PutVariantLength(crc, element.size(), &head);
      CKPT_RETURN_IF_ERROR(Append(s, head));
      CKPT_RETURN_IF_ERROR(AppendWithCrc(s, element, &crc));
      head.clear();
      crc = bundle::PutVariantChecksum(crc, &head);
      CKPT_RETURN_IF_ERROR(Append(s, head));
    }
    e->size =
        static_cast<int64_t>(s.position - static_cast<uint64_t>(e->offset));
    e->masked_crc32c = crc32c::Mask(crc);
    return absl::OkStatus();
  }

  absl::Status WriteString(Shard& s, const Tensor& t, BundleEntry* e) const {
    const std::vector<std::string>& values = t.strings();
    std::string prefix_bytes;
    uint32_t crc = bundle::EncodeStringPrefix(values, &prefix_bytes);
    CKPT_RETURN_IF_ERROR(Append(s, prefix_bytes));
    for (const std::string& v : values) {
      CKPT_RETURN_IF_ERROR(AppendWithCrc(s, v, &crc));
    }
    e->size =
        static_cast<int64_t>(s.position - static_cast<uint64_t>(e->offset));
    e->masked_crc32c = crc32c::Mask(crc);
    return absl::OkStatus();
  }

  absl::Status CheckAdd(absl::string_view key, const Tensor& t,
                        int shard_id) const {
    if (key.empty()) {
      return absl::InvalidArgumentError(
          "BundleWriter::Add: the empty key is reserved for the bundle header");
    }
    if (key.size() > std::numeric_limits<uint32_t>::max()) {
      return absl::InvalidArgumentError(
          absl::StrCat("BundleWriter::Add: a key of ", key.size(),
                       " bytes is longer than the 4 GiB - 1 an index holds"));
    }
    if (entries.contains(key)) {
      return absl::InvalidArgumentError(absl::StrCat("BundleWriter::Add: key ",
                                                     QuoteForMessage(key),
                                                     " was already added"));
    }
    if (sliced.contains(key)) {
      return absl::InvalidArgumentError(
          absl::StrCat("BundleWriter::Add: key ", QuoteForMessage(key),
                       " is a partitioned tensor (added with AddSlice)"));
    }
    if (shard_id < 0 || shard_id >= options.num_shards) {
      return absl::InvalidArgumentError(absl::StrCat(
          "BundleWriter::Add: key ", QuoteForMessage(key), ": shard ", shard_id,
          " out of range [0, ", options.num_shards, ")"));
    }
    if (!IsCheckpointableDataType(t.dtype())) {
      return absl::InvalidArgumentError(absl::StrCat(
          "BundleWriter::Add: key ", QuoteForMessage(key), ": dtype ",
          DataTypeDisplayName(static_cast<int32_t>(t.dtype())),
          " cannot be stored in a bundle"));
    }
    const int64_t n = t.num_elements();
    if (t.is_variant()) {
      // Never write what a reader (TensorFlow's or ours) refuses.
      for (size_t i = 0; i < t.strings().size(); ++i) {
        absl::Status st = bundle::ParseVariantElement(t.strings()[i]).status();
        if (!st.ok()) {
          return absl::InvalidArgumentError(
              absl::StrCat("BundleWriter::Add: key ", QuoteForMessage(key),
                           ": variant element ", i, ": ", st.message()));
        }
      }
    }
    if (t.holds_strings()) {
      if (t.strings().size() != static_cast<uint64_t>(n)) {
        return absl::InvalidArgumentError(
            absl::StrCat("BundleWriter::Add: key ", QuoteForMessage(key), ": ",
                         t.strings().size(), " strings for shape ",
                         t.shape().DebugString()));
      }
      return absl::OkStatus();
    }
    absl::StatusOr<int64_t> raw = bundle::FixedTensorBytes(t.dtype(), n);
    if (!raw.ok() || static_cast<uint64_t>(*raw) != t.bytes().size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("BundleWriter::Add: key ", QuoteForMessage(key), ": ",
                       t.bytes().size(), " bytes for ",
                       DataTypeDisplayName(static_cast<int32_t>(t.dtype())),
                       " x ", t.shape().DebugString()));
    }
    return absl::OkStatus();
  }

  // Appends one tensor (and its padding) to shard `shard_id` and describes
  // it in `e`. Thread-compatible per shard (see WriteFixed).
  absl::Status WriteEntry(const Tensor& t, int shard_id, BundleEntry* e,
                          WriteScratch& scratch, const PooledCrc* pooled) {
    Shard& s = shards[static_cast<size_t>(shard_id)];
    e->dtype = t.dtype();
    e->shape = t.shape();
    e->shard_id = shard_id;
    e->offset = static_cast<int64_t>(s.position);
    if (t.is_variant()) {
      CKPT_RETURN_IF_ERROR(WriteVariant(s, t, e));
    } else if (t.is_string()) {
      CKPT_RETURN_IF_ERROR(WriteString(s, t, e));
    } else {
      CKPT_RETURN_IF_ERROR(WriteFixed(s, t, e, scratch, pooled));
    }
    return Pad(s);
  }

  absl::Status AddBatchImpl(absl::Span<const BundleWriter::BatchItem> items,
                            int num_threads) {
    // Every check first: nothing is written for an invalid batch. Slices
    // are stored under their slice keys (slice_keys[i]); `batch_sliced`
    // holds the partitioned tensors of this batch so far.
    absl::flat_hash_set<absl::string_view> batch_keys;
    std::vector<std::string> slice_keys;
    std::deque<bundle::SlicedTensor> batch_tensors;
    absl::flat_hash_map<absl::string_view, bundle::SlicedTensor*> batch_sliced;
    const auto key_of = [&](size_t i) {
      return items[i].slice != nullptr ? absl::string_view(slice_keys[i])
                                       : items[i].key;
    };
    for (size_t i = 0; i < items.size(); ++i) {
      const BundleWriter::BatchItem& item = items[i];
      if (item.tensor == nullptr ||
          (item.slice != nullptr && item.full_shape == nullptr)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "BundleWriter::AddBatch: key ", QuoteForMessage(item.key),
            item.tensor == nullptr ? ": null tensor" : ": null full_shape"));
      }
      if (item.slice != nullptr) {
        if (slice_keys.empty()) slice_keys.resize(items.size());
        CKPT_RETURN_IF_ERROR(
            sliced.Check(item.key, *item.full_shape, *item.slice, *item.tensor,
                         entries, batch_sliced, batch_keys, &slice_keys[i]));
        const bool whole = slice_keys[i] == item.key;
        if (whole && batch_sliced.contains(item.key)) {
          return absl::InvalidArgumentError(absl::StrCat(
              "BundleWriter::AddBatch: key ", QuoteForMessage(item.key),
              " appears whole and as slices"));
        }
        if (!whole && !batch_sliced.contains(item.key)) {
          if (batch_keys.contains(item.key)) {
            return absl::InvalidArgumentError(absl::StrCat(
                "BundleWriter::AddBatch: key ", QuoteForMessage(item.key),
                " appears whole and as slices"));
          }
          bundle::SlicedTensor& st = batch_tensors.emplace_back();
          st.dtype = item.tensor->dtype();
          st.shape = *item.full_shape;
          batch_sliced.emplace(item.key, &st);
        }
        // Later items of the batch are checked against this slice too.
        if (!whole) {
          batch_sliced[item.key]->slices.emplace_back(item.shard_id,
                                                      *item.slice);
        }
      } else if (batch_sliced.contains(item.key)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "BundleWriter::AddBatch: key ", QuoteForMessage(item.key),
            " appears whole and as slices"));
      }
      CKPT_RETURN_IF_ERROR(CheckAdd(key_of(i), *item.tensor, item.shard_id));
      if (!batch_keys.insert(key_of(i)).second) {
        return absl::InvalidArgumentError(
            absl::StrCat("BundleWriter::AddBatch: key ",
                         QuoteForMessage(key_of(i)), " appears twice"));
      }
    }
    // Items per shard, in batch order.
    std::vector<std::vector<size_t>> by_shard(shards.size());
    for (size_t i = 0; i < items.size(); ++i) {
      by_shard[static_cast<size_t>(items[i].shard_id)].push_back(i);
    }
    std::vector<size_t> busy;  // shards with work
    for (size_t sh = 0; sh < by_shard.size(); ++sh) {
      if (!by_shard[sh].empty()) busy.push_back(sh);
    }
    // Each thread encodes its entries into its own buffer at once (about 20
    // bytes each, where a BundleEntry takes over 100): item i's encoding is
    // encoded[b][where[i].at, + where[i].size) of its shard's buffer b.
    struct Where {
      uint64_t at = 0;
      uint32_t size = 0;
      uint32_t buffer = 0;
    };
    std::vector<Where> where(items.size());
    std::vector<std::string> encoded(busy.size());
    std::vector<absl::Status> results(busy.size());
    std::vector<char> compressed(busy.size(), 0);
    // The CRCs of large tensors, computed by the pool's helpers ahead of the
    // writing threads: item i is range range_of[i] (kNotPooled: computed
    // by its writer).
    constexpr uint32_t kNotPooled = std::numeric_limits<uint32_t>::max();
    std::vector<uint32_t> range_of;
    std::vector<absl::string_view> ranges;
    for (size_t i = 0; i < items.size(); ++i) {
      if (!Pooled(*items[i].tensor)) continue;
      if (range_of.empty()) range_of.assign(items.size(), kNotPooled);
      range_of[i] = static_cast<uint32_t>(ranges.size());
      ranges.push_back(items[i].tensor->bytes());
    }
    // Destroyed before returning, on every path: no helper reads the
    // tensors after that.
    ChecksumJob job(ranges.empty() ? nullptr : checksums.get(), ranges);
    ParallelFor(num_threads, busy.size(), [&](size_t b) {
      // One shard (Add() and most single-file batches): the writer's own
      // scratch, kept from call to call.
      WriteScratch local;
      WriteScratch& scratch = busy.size() == 1 ? add_scratch : local;
      for (size_t i : by_shard[busy[b]]) {
        BundleEntry e;  // fresh: WriteEntry leaves defaults it does not set
        PooledCrc pooled;
        const bool is_pooled = !range_of.empty() && range_of[i] != kNotPooled;
        if (is_pooled) pooled = {&job, range_of[i]};
        absl::Status st = WriteEntry(*items[i].tensor, items[i].shard_id, &e,
                                     scratch, is_pooled ? &pooled : nullptr);
        if (!st.ok()) {
          results[b] = Annotate(
              st, absl::StrCat("writing ", QuoteForMessage(key_of(i))));
          break;
        }
        const std::string value = bundle::EncodeEntry(e);
        where[i] = {encoded[b].size(), static_cast<uint32_t>(value.size()),
                    static_cast<uint32_t>(b)};
        encoded[b].append(value);
      }
      compressed[b] = scratch.compressed_any ? 1 : 0;
    });
    for (size_t b = 0; b < busy.size(); ++b) {
      CKPT_RETURN_IF_ERROR(results[b]);
      if (compressed[b] != 0) any_compressed = true;
    }
    for (size_t i = 0; i < items.size(); ++i) {
      entries.AddEncoded(key_of(i), absl::string_view(encoded[where[i].buffer])
                                        .substr(where[i].at, where[i].size));
      if (items[i].slice != nullptr && key_of(i) != items[i].key) {
        sliced.Record(items[i].key, *items[i].full_shape, *items[i].slice,
                      items[i].tensor->dtype(), items[i].shard_id);
      }
    }
    return absl::OkStatus();
  }

  absl::Status FinishImpl() {
    // 1. Flush, sync and close every data file.
    if (checksums != nullptr) checksums->Stop();  // no tensor is added now
    for (Shard& s : shards) {
      CKPT_RETURN_IF_ERROR(FlushBuffer(s));
      std::string().swap(s.buffer);
      if (options.sync) CKPT_RETURN_IF_ERROR(s.file->Sync());
      CKPT_RETURN_IF_ERROR(s.file->Close());
      s.file.reset();
    }
    // 2. Write, sync and close the index.
    sliced.AddEntries(entries);
    const std::string index_path = IndexFilename(prefix);
    index_temp_path = TempName(index_path);
    CKPT_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> index,
                          env->NewWritableFile(index_temp_path));
    index_temp_exists = true;
    BundleHeader header;
    header.num_shards = options.num_shards;
    header.producer_version = bundle::kProducerVersion;
    if (any_compressed) {
      header.min_consumer_version = bundle::kExtensionMinConsumer;
      header.features.emplace_back(bundle::kLz4Feature);
    }
    CKPT_RETURN_IF_ERROR(bundle::WriteIndexFile(
        *index, header, entries,
        {options.index_block_size, options.index_restart_interval},
        options.sync));
    index.reset();
    // 3-6. Rename the data files, sync the directory, rename the index,
    // sync the directory.
    const std::string dir = Dirname(prefix);
    for (Shard& s : shards) {
      CKPT_RETURN_IF_ERROR(env->RenameFile(s.temp_path, s.final_path));
      s.temp_exists = false;
    }
    if (options.sync) CKPT_RETURN_IF_ERROR(env->SyncDir(dir));
    CKPT_RETURN_IF_ERROR(env->RenameFile(index_temp_path, index_path));
    index_temp_exists = false;
    if (options.sync) CKPT_RETURN_IF_ERROR(env->SyncDir(dir));
    return absl::OkStatus();
  }
};

absl::StatusOr<std::unique_ptr<BundleWriter>> BundleWriter::Create(
    Env* env, std::string prefix, BundleWriterOptions options) {
  if (env == nullptr) {
    return absl::InvalidArgumentError("BundleWriter::Create: null env");
  }
  if (prefix.empty()) {
    return absl::InvalidArgumentError("BundleWriter::Create: empty prefix");
  }
  CKPT_RETURN_IF_ERROR(ValidateOptions(options));
  CKPT_RETURN_IF_ERROR(env->CreateDirs(Dirname(prefix)));

  auto impl = std::make_unique<Impl>();
  impl->env = env;
  impl->prefix = std::move(prefix);
  impl->options = options;
  if (options.checksum_threads > 0) {
    impl->checksums = std::make_unique<ChecksumPool>(options.checksum_threads);
  }
  impl->shards.resize(static_cast<size_t>(options.num_shards));
  for (int i = 0; i < options.num_shards; ++i) {
    Shard& s = impl->shards[static_cast<size_t>(i)];
    s.final_path = DataFilename(impl->prefix, i, options.num_shards);
    s.temp_path = impl->TempName(s.final_path);
    absl::StatusOr<std::unique_ptr<WritableFile>> file =
        env->NewWritableFile(s.temp_path);
    if (!file.ok()) {
      impl->Cleanup();
      return file.status();
    }
    s.file = *std::move(file);
    s.temp_exists = true;
  }
  return std::unique_ptr<BundleWriter>(new BundleWriter(std::move(impl)));
}

BundleWriter::BundleWriter(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}

BundleWriter::~BundleWriter() {
  if (impl_ != nullptr) Abandon();
}

absl::Status BundleWriter::Add(absl::string_view key, const Tensor& tensor,
                               int shard_id) {
  CKPT_RETURN_IF_ERROR(
      impl_->CheckOpen(absl::StrCat("Add(", QuoteForMessage(key), ")")));
  const BatchItem item{key, &tensor, shard_id};
  return AddBatch(absl::MakeConstSpan(&item, 1), 1);
}

absl::Status BundleWriter::AddSlice(absl::string_view full_key,
                                    const TensorShape& full_shape,
                                    const TensorSlice& slice,
                                    const Tensor& tensor, int shard_id) {
  CKPT_RETURN_IF_ERROR(impl_->CheckOpen(
      absl::StrCat("AddSlice(", QuoteForMessage(full_key), ")")));
  const BatchItem item{full_key, &tensor, shard_id, &slice, &full_shape};
  return AddBatch(absl::MakeConstSpan(&item, 1), 1);
}

absl::Status BundleWriter::AddBatch(absl::Span<const BatchItem> items,
                                    int num_threads) {
  Impl& w = *impl_;
  CKPT_RETURN_IF_ERROR(w.CheckOpen("AddBatch"));
  if (absl::Status s = w.AddBatchImpl(items, num_threads); !s.ok()) {
    return w.Fail(std::move(s));
  }
  return absl::OkStatus();
}

absl::Status BundleWriter::Finish() {
  Impl& w = *impl_;
  CKPT_RETURN_IF_ERROR(w.CheckOpen("Finish"));
  if (absl::Status s = w.FinishImpl(); !s.ok()) return w.Fail(std::move(s));
  w.state = Impl::State::kFinished;
  return absl::OkStatus();
}

void BundleWriter::Abandon() {
  Impl& w = *impl_;
  if (w.state == Impl::State::kFinished) return;
  w.Cleanup();
  w.state = Impl::State::kAbandoned;
}

absl::Status BundleWriter::status() const { return impl_->status; }

const std::string& BundleWriter::prefix() const { return impl_->prefix; }

int64_t BundleWriter::num_entries() const {
  return static_cast<int64_t>(impl_->entries.size());
}

}  // namespace ckpt
