// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// IndexScan (contract in checkpoint/index_scan.h).

#include "checkpoint/index_scan.h"

#include <system_error>
#include <utility>

namespace ckpt::checkpoint {

IndexScan::~IndexScan() {
  if (helper_.joinable()) helper_.join();
}

void IndexScan::Start() {
  // done_ is read only when no helper runs (the helper writes it).
  if (num_threads_ < 2 || helper_.joinable() || done_) return;
  try {
    helper_ = std::thread(&IndexScan::Run, this);
    started_ = true;
  } catch (const std::system_error&) {
    // No thread (resource limits): Wait() scans.
  }
}

absl::Status IndexScan::Wait() {
  if (helper_.joinable()) {
    helper_.join();  // Run() set done_ before returning
  } else if (!done_) {
    Run();
  }
  return status_;
}

void IndexScan::Run() {
  status_ =
      reader_.ForEachEntry([this](absl::string_view key, BundleEntry&& entry) {
        if (size_ % kChunkEntries == 0) {
          Chunk& c = chunks_.emplace_back();
          c.entries.reserve(kChunkEntries);
          c.key_end.reserve(kChunkEntries);
        }
        Chunk& c = chunks_.back();
        c.keys.append(key.data(), key.size());
        c.key_end.push_back(c.keys.size());
        c.entries.push_back(std::move(entry));
        ++size_;
        return absl::OkStatus();
      });
  if (!status_.ok()) Clear();
  done_ = true;
}

void IndexScan::Clear() {
  std::vector<Chunk>().swap(chunks_);
  size_ = 0;
}

}  // namespace ckpt::checkpoint
