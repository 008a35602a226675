// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: tests/fuzz/fuzz_bundle.cc
// -----------------------------------------------------------------------------
//
// libFuzzer target: a whole TensorBundle V2 read through the public
// BundleReader (include/ckpt/bundle_reader.h). Input layout:
//
//   u32le index_len | index bytes (index_len, clamped) | data bytes
//
// The index goes to `/b/ckpt.index` and the data bytes to every data file the
// header names (at most the first 4 shards) in a MemEnv. Reaches the table
// reader, header and entry decoding, tensor reads of every dtype (fixed-size,
// string, LZ4 + byte shuffle), partitioned tensors (GetSlices, ReadSlice,
// Read and ReadInto assembling them), ReadInto, ReadStoredBytes, Verify and
// the object graph reader.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/dtype.h"
#include "ckpt/env.h"
#include "ckpt/object_graph.h"
#include "ckpt/tensor.h"
#include "ckpt/tensor_slice.h"
#include "fuzz_inputs.h"
#include "graph/graph_table.h"

namespace {

constexpr size_t kMaxKeys = 1024;
constexpr int kMaxDataFiles = 4;
constexpr int64_t kMaxReadIntoBytes = int64_t{1} << 20;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > ckpt::fuzz::kMaxFuzzInputBytes) return -1;
  absl::string_view in(reinterpret_cast<const char*>(data), size);
  const size_t index_len =
      static_cast<size_t>(ckpt::fuzz::ConsumeLittleEndian(&in, 4));
  const absl::string_view index = ckpt::fuzz::ConsumeBytes(&in, index_len);
  const absl::string_view data_bytes = in;

  std::unique_ptr<ckpt::Env> env = ckpt::NewMemEnv();
  if (!env->CreateDir("/b").ok()) return 0;
  const std::string prefix = "/b/ckpt";
  if (!ckpt::fuzz::PutFile(env.get(), ckpt::IndexFilename(prefix), index)) {
    return 0;
  }

  ckpt::BundleReaderOptions options;
  options.max_index_bytes = ckpt::fuzz::kMaxFuzzInputBytes;
  auto reader = ckpt::BundleReader::Open(env.get(), prefix, options);
  if (!reader.ok()) return 0;
  const ckpt::BundleReader& r = **reader;

  const int num_shards = r.num_shards();
  for (int s = 0; s < std::min(num_shards, kMaxDataFiles); ++s) {
    if (!ckpt::fuzz::PutFile(
            env.get(), ckpt::DataFilename(prefix, s, num_shards), data_bytes)) {
      return 0;
    }
  }

  size_t visited = 0;
  (void)r.ForEachEntry(
      [&](absl::string_view, const ckpt::BundleEntry&) -> absl::Status {
        return ++visited < kMaxKeys ? absl::OkStatus()
                                    : absl::CancelledError("enough");
      });

  auto entries = r.ListEntries();
  if (entries.ok()) {
    size_t n = 0;
    for (const auto& [key, entry] : *entries) {
      if (++n > kMaxKeys) break;
      auto again = r.GetEntry(key);
      if (!again.ok()) __builtin_trap();  // listed, so it must be found
      absl::StatusOr<ckpt::Tensor> t = r.Read(key);
      if (t.ok()) {
        if (t->dtype() != entry.dtype || t->shape() != entry.shape) {
          __builtin_trap();
        }
      }
      (void)r.ReadStoredBytes(key);
      (void)r.Verify(key, entry);
      if (entry.num_slices > 0) {
        // Slices: the list, and a region (the first half of axis 0).
        auto slices = r.GetSlices(key);
        if (slices.ok() != t.ok() && t.ok()) __builtin_trap();
        if (entry.shape.rank() > 0) {
          std::vector<int64_t> start(static_cast<size_t>(entry.shape.rank()));
          std::vector<int64_t> length = entry.shape.dims();
          length[0] /= 2;
          auto region = ckpt::TensorSlice::FromStartLength(start, length);
          if (region.ok() &&
              ckpt::TensorShape(length).num_elements() <= kMaxReadIntoBytes) {
            auto part = r.ReadSlice(key, *region);
            if (part.ok() && part->shape() != ckpt::TensorShape(length)) {
              __builtin_trap();
            }
          }
        }
      }
      if (entry.dtype != ckpt::DataType::kString &&
          entry.dtype != ckpt::DataType::kVariant &&
          ckpt::IsFixedSizeDataType(entry.dtype)) {
        const size_t elem = ckpt::DataTypeSize(entry.dtype);
        const int64_t elems = entry.shape.num_elements();
        if (elem > 0 && elems >= 0 &&
            elems <= kMaxReadIntoBytes / static_cast<int64_t>(elem)) {
          std::string buf(static_cast<size_t>(elems) * elem, '\0');
          (void)r.ReadInto(key, absl::Span<char>(buf.data(), buf.size()));
          // A wrong-sized buffer must be refused, not overrun.
          std::string small(buf.size() / 2, '\0');
          if (buf.size() > 1 &&
              r.ReadInto(key, absl::Span<char>(small.data(), small.size()))
                  .ok()) {
            __builtin_trap();
          }
        }
      }
    }
  }

  (void)r.GetEntry("");
  (void)r.Read("no such key");
  auto has_graph = ckpt::HasObjectGraph(r);
  if (has_graph.ok() && *has_graph) {
    // ReadObjectGraph, and the paths under the bound every reader applies
    // (NodePaths has none: a 1 MiB chain would have terabytes of paths).
    auto table = ckpt::graph::ReadGraphTable(r);
    if (table.ok()) {
      (void)table->ToObjectGraph();
      auto paths = ckpt::graph::NodePathTable::Build(*table, "fuzz");
      if (!paths.ok() && !absl::IsDataLoss(paths.status())) __builtin_trap();
    }
  }
  return 0;
}
