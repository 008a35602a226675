// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// BundleReader::ReadManyInto (contract in ckpt/bundle_reader.h), in three
// steps:
//   1. Plan: every request is checked (entry, dtype, buffer size, data
//      file) and becomes one kind of job:
//        * a ChunkJob per 2 MiB of a large uncompressed tensor (split at
//          2 MiB-aligned destination addresses), read and checksummed by
//          any thread (the chunk CRCs are combined after);
//        * a RunJob for small uncompressed tensors stored next to each
//          other, read with one scattered read (a syscall per tensor would
//          cost more than the copy);
//        * a WholeJob for anything else (LZ4, empty, partitioned, a region).
//   2. Run: all jobs on up to num_threads threads.
//   3. Combine: each chunked request's CRC from its chunks' CRCs.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "bundle/bundle_reader_impl.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/crc32c.h"
#include "ckpt/tensor_slice.h"
#include "util/parallel.h"

namespace ckpt {
namespace {

// Tensors up to this size are read in runs of neighbours ...
constexpr size_t kRunTensorBytes = size_t{64} << 10;
// ... that may be apart by this much (alignment padding, a skipped tensor).
constexpr uint64_t kRunGapBytes = 4096;
// ... and at most this many tensors to a run.
constexpr size_t kRunTensors = 512;
// Chunks of large tensors end at destination addresses that are multiples
// of this (the huge page size of x86-64 and arm64 with 4 KiB pages).
constexpr size_t kChunkAlignBytes = size_t{2} << 20;

}  // namespace

struct BundleReader::Impl::ManyRead {
  // Bytes [offset, offset + length) of request `request`.
  struct ChunkJob {
    size_t request;
    size_t offset;
    size_t length;
  };
  // Requests small[first..last) (in file order), `length` bytes from the
  // first one's offset.
  struct RunJob {
    size_t first;
    size_t last;
    size_t length;
  };
  // Request `request`, read by ReadFixedInto or a region read.
  struct WholeJob {
    size_t request;
  };

  ManyRead(const Impl& reader, absl::Span<const ReadRequest> reqs,
           absl::Span<absl::Status> out_statuses)
      : r(reader),
        requests(reqs),
        statuses(out_statuses),
        n(std::min(reqs.size(), out_statuses.size())),
        entry_of(n, nullptr),
        files(n, nullptr) {}

  // Step 1 for request i: its status, and its job(s) if it is OK.
  void Plan(size_t i) {
    const ReadRequest& q = requests[i];
    absl::Status st = Prepare(i);
    statuses[i] = st;
    if (!st.ok()) return;
    const BundleEntry& e = *entry_of[i];
    if (e.compression != Compression::kNone || q.out.empty() ||
        e.num_slices > 0 || q.slice != nullptr) {
      wholes.push_back({i});
    } else if (q.out.size() <= kRunTensorBytes) {
      small.push_back(i);
    } else {
      PlanChunks(i);
    }
  }

  // Step 1 for a large uncompressed request: chunks that end where the
  // destination crosses a kChunkAlignBytes boundary. A thread that first
  // touches fresh memory takes the page fault of a whole huge page (2 MiB
  // on x86-64 with transparent huge pages), which the kernel zero-fills
  // before the fault returns; two threads faulting on one huge page both
  // zero-fill one and the loser's work is thrown away. Aligned chunks give
  // each huge page of a destination to one thread (docs/performance.md,
  // "Cold restores").
  void PlanChunks(size_t i) {
    const absl::Span<char> out = requests[i].out;
    const uintptr_t base = reinterpret_cast<uintptr_t>(out.data());
    size_t b = 0;
    while (b < out.size()) {
      const size_t to_boundary =
          kChunkAlignBytes - (base + b) % kChunkAlignBytes;
      const size_t length = std::min(to_boundary, out.size() - b);
      chunks.push_back({i, b, length});
      b += length;
    }
  }

  // The entry (the caller's, or looked up), the checks of ReadInto or
  // ReadSliceInto, and the data file of a plain read.
  absl::Status Prepare(size_t i) {
    const ReadRequest& q = requests[i];
    if (q.entry != nullptr) {
      entry_of[i] = q.entry;
    } else {
      absl::StatusOr<BundleEntry> found = r.LookupReadable(q.key);
      CKPT_RETURN_IF_ERROR(found.status());
      entry_of[i] = &looked_up.emplace_back(*std::move(found));
    }
    const BundleEntry& e = *entry_of[i];
    CKPT_RETURN_IF_ERROR(r.CheckReadable(q.key, e));
    if (q.slice != nullptr) {
      CKPT_RETURN_IF_ERROR(r.CheckRegion(q.key, e, *q.slice));
      BundleEntry region = e;
      region.shape = q.slice->SliceShape(e.shape).value();  // fits
      return r.CheckReadInto(q.key, region, q.out);
    }
    CKPT_RETURN_IF_ERROR(r.CheckReadInto(q.key, e, q.out));
    if (e.num_slices > 0) return absl::OkStatus();  // read by slices
    CKPT_ASSIGN_OR_RETURN(files[i], r.OpenChecked(q.key, e));
    return absl::OkStatus();
  }

  // Step 1, runs: small tensors in file order, split where the file
  // changes, where a gap of more than kRunGapBytes lies between two, where
  // two overlap (a scattered read fills each byte once), at
  // bundle::kReadChunkBytes, or at kRunTensors tensors (with their gaps,
  // within one preadv's 1024 pieces).
  void PlanRuns() {
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
      runs.push_back({first, k, static_cast<size_t>(end - start)});
    }
  }

  // Step 2, one run: a scattered read straight into the tensors (the bytes
  // between two of them, at most kRunGapBytes each, go to `gap`), then each
  // tensor's CRC; on a failed read each tensor is read alone, so that every
  // error names its own key. The run's requests are this job's alone.
  void Run(const RunJob& job) {
    const size_t lead = small[job.first];
    const uint64_t start = static_cast<uint64_t>(entry_of[lead]->offset);
    char gap[kRunGapBytes];
    std::vector<absl::Span<char>> pieces;
    pieces.reserve(2 * (job.last - job.first));
    uint64_t end = start;
    for (size_t k = job.first; k < job.last; ++k) {
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
    for (size_t k = job.first; k < job.last; ++k) {
      const size_t i = small[k];
      const ReadRequest& q = requests[i];
      statuses[i] = st.ok() ? Impl::CheckCrc(*files[i], q.key, *entry_of[i],
                                             q.out.data(), q.out.size())
                            : r.ReadFixedInto(q.key, *entry_of[i], q.out);
    }
  }

  // Step 2, one whole request.
  void Run(const WholeJob& job) {
    const ReadRequest& q = requests[job.request];
    const BundleEntry& e = *entry_of[job.request];
    if (q.slice != nullptr) {
      statuses[job.request] = r.ReadRegionInto(q.key, e, *q.slice, q.out);
    } else if (e.num_slices > 0) {
      statuses[job.request] =
          r.ReadRegionInto(q.key, e, TensorSlice::Full(e.shape.rank()), q.out);
    } else {
      statuses[job.request] = r.ReadFixedInto(q.key, e, q.out);
    }
  }

  // Step 2, one chunk: its bytes and their CRC.
  void Run(size_t c) {
    const ChunkJob& job = chunks[c];
    const ReadRequest& q = requests[job.request];
    char* dst = q.out.data() + job.offset;
    chunk_status[c] = Impl::WithKey(
        files[job.request]->Read(
            static_cast<uint64_t>(entry_of[job.request]->offset) + job.offset,
            job.length, dst),
        q.key);
    if (chunk_status[c].ok()) chunk_crc[c] = crc32c::Value(dst, job.length);
  }

  void RunAll(int num_threads) {
    chunk_status.resize(chunks.size());
    chunk_crc.assign(chunks.size(), 0);
    const size_t total = runs.size() + wholes.size() + chunks.size();
    ParallelFor(num_threads, total, [&](size_t j) {
      if (j < runs.size()) return Run(runs[j]);
      j -= runs.size();
      if (j < wholes.size()) return Run(wholes[j]);
      Run(j - wholes.size());
    });
  }

  // Step 3: the chunks of one request are consecutive, in order.
  void CombineChunks() {
    for (size_t c = 0; c < chunks.size();) {
      const size_t i = chunks[c].request;
      absl::Status st;
      uint32_t crc = 0;
      for (; c < chunks.size() && chunks[c].request == i; ++c) {
        if (st.ok() && !chunk_status[c].ok()) st = chunk_status[c];
        crc = crc32c::Combine(crc, chunk_crc[c], chunks[c].length);
      }
      if (st.ok()) {
        st = Impl::CheckCrcValue(*files[i], requests[i].key, *entry_of[i], crc,
                                 requests[i].out.size());
      }
      statuses[i] = st;
    }
  }

  const Impl& r;
  absl::Span<const ReadRequest> requests;
  absl::Span<absl::Status> statuses;
  const size_t n;
  // The callers' entries are used in place; the others are looked up into
  // `looked_up` (a deque: pointers into it stay valid).
  std::vector<const BundleEntry*> entry_of;
  std::deque<BundleEntry> looked_up;
  std::vector<const RandomAccessFile*> files;
  std::vector<size_t> small;  // requests read in runs
  std::vector<RunJob> runs;
  std::vector<WholeJob> wholes;
  std::vector<ChunkJob> chunks;
  std::vector<absl::Status> chunk_status;
  std::vector<uint32_t> chunk_crc;
};

void BundleReader::ReadManyInto(absl::Span<const ReadRequest> requests,
                                int num_threads,
                                absl::Span<absl::Status> statuses) const {
  Impl::ManyRead read(*impl_, requests, statuses);
  read.small.reserve(read.n);
  for (size_t i = 0; i < read.n; ++i) read.Plan(i);
  read.PlanRuns();
  read.RunAll(num_threads);
  read.CombineChunks();
}

}  // namespace ckpt
