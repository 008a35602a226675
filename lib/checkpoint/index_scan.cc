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
        keys_.append(key.data(), key.size());
        key_end_.push_back(keys_.size());
        entries_.push_back(std::move(entry));
        return absl::OkStatus();
      });
  if (!status_.ok()) {
    std::string().swap(keys_);
    std::vector<size_t>().swap(key_end_);
    std::vector<BundleEntry>().swap(entries_);
  }
  done_ = true;
}

}  // namespace ckpt::checkpoint
