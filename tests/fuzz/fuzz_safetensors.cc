// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: tests/fuzz/fuzz_safetensors.cc
// -----------------------------------------------------------------------------
//
// libFuzzer target: the safetensors parsers of ckpt::bridges
// (lib/bridges/safetensors_format.h). The whole input is a .safetensors
// file for ParseSafetensors and, independently, a
// model.safetensors.index.json for ParseSafetensorsIndex.
//
// On success checks, trapping on a violation: the tensors tile the data
// region exactly in file order, each one's size is elements x dtype size,
// the metadata is sorted with unique keys, and writing the header back
// (SerializeSafetensorsHeader) and parsing it gives the same tensors; for
// an index, its weight map is sorted with plain file names and survives
// SerializeSafetensorsIndex -> ParseSafetensorsIndex.

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "bridges/safetensors_format.h"
#include "ckpt/dtype.h"
#include "fuzz_inputs.h"

namespace {

using ckpt::bridges::SafetensorsHeader;
using ckpt::bridges::SafetensorsIndex;
using ckpt::bridges::SafetensorsTensorInfo;

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

bool SameTensors(const std::vector<SafetensorsTensorInfo>& a,
                 const std::vector<SafetensorsTensorInfo>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || a[i].dtype != b[i].dtype ||
        a[i].shape != b[i].shape || a[i].begin != b[i].begin ||
        a[i].end != b[i].end) {
      return false;
    }
  }
  return true;
}

void CheckHeader(absl::string_view in, const SafetensorsHeader& h) {
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<uint8_t>(in[i]);
  Check(h.data_start == 8 + n && h.data_start <= in.size());
  uint64_t at = 0;
  for (const SafetensorsTensorInfo& t : h.tensors) {
    Check(!t.name.empty() && t.begin == at && t.end >= t.begin);
    Check(ckpt::bridges::SafetensorsDtypeName(t.dtype).has_value());
    uint64_t count = 1;
    for (int64_t d : t.shape) {
      Check(d >= 0 &&
            !__builtin_mul_overflow(count, static_cast<uint64_t>(d), &count));
    }
    uint64_t bytes = 0;
    Check(!__builtin_mul_overflow(count, ckpt::DataTypeSize(t.dtype), &bytes));
    Check(t.end - t.begin == bytes);
    at = t.end;
  }
  Check(at == in.size() - h.data_start);
  for (size_t i = 1; i < h.metadata.size(); ++i) {
    Check(h.metadata[i - 1].first < h.metadata[i].first);
  }

  // Written back in file order, the header describes the same layout.
  std::vector<SafetensorsTensorInfo> copy = h.tensors;
  absl::StatusOr<std::string> head =
      ckpt::bridges::SerializeSafetensorsHeader(copy, h.metadata);
  Check(head.ok() && SameTensors(copy, h.tensors));
  const absl::string_view data = in.substr(static_cast<size_t>(h.data_start));
  const std::string rewritten = *head + std::string(data);
  absl::StatusOr<SafetensorsHeader> again =
      ckpt::bridges::ParseSafetensors(rewritten, "rewritten");
  Check(again.ok() && SameTensors(again->tensors, h.tensors) &&
        again->metadata == h.metadata);
}

void CheckIndex(const SafetensorsIndex& index) {
  for (size_t i = 0; i < index.weight_map.size(); ++i) {
    const auto& [name, file] = index.weight_map[i];
    Check(!name.empty() && !file.empty() && file != "." && file != ".." &&
          file.find('/') == std::string::npos);
    if (i > 0) Check(index.weight_map[i - 1].first < name);
  }
  const std::string json = ckpt::bridges::SerializeSafetensorsIndex(
      index.total_size, {}, index.weight_map);
  absl::StatusOr<SafetensorsIndex> again =
      ckpt::bridges::ParseSafetensorsIndex(json, "rewritten");
  Check(again.ok() && again->total_size == index.total_size &&
        again->weight_map == index.weight_map);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > ckpt::fuzz::kMaxFuzzInputBytes) return -1;
  const absl::string_view in(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<SafetensorsHeader> h =
      ckpt::bridges::ParseSafetensors(in, "fuzz.safetensors");
  if (h.ok()) CheckHeader(in, *h);
  absl::StatusOr<SafetensorsIndex> index =
      ckpt::bridges::ParseSafetensorsIndex(in, "fuzz.index.json");
  if (index.ok()) CheckIndex(*index);
  return 0;
}
