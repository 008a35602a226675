// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// The write plan of `ckpt convert` for partitioned tensors (contract in
// cli/convert_slices.h).

#include "cli/convert_slices.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "ckpt/status.h"
#include "cli/slices.h"
#include "util/errors.h"

namespace ckpt::cli {
namespace {

// How one listed tensor is written.
enum class Mode { kCopy, kKeepSlices, kWhole, kPartition };

struct TensorPlan {
  const ListedTensor* tensor = nullptr;
  Mode mode = Mode::kCopy;
  int64_t parts = 0;  // kPartition: the N asked for
  bool emitted = false;
};

// The parts of `t` written as `n` row slices.
absl::StatusOr<std::vector<ConvertStep>> PartitionSteps(const ListedTensor& t,
                                                        int64_t n, int shard) {
  const TensorShape& shape = t.entry.shape;
  std::vector<ConvertStep> steps;
  for (const auto& [start, length] : SplitRows(shape.dim(0), n)) {
    std::vector<int64_t> starts(static_cast<size_t>(shape.rank()), 0);
    std::vector<int64_t> lengths = shape.dims();
    starts[0] = start;
    lengths[0] = length;
    absl::StatusOr<TensorSlice> slice =
        TensorSlice::FromStartLength(starts, lengths);
    if (!slice.ok()) return slice.status();
    ConvertStep step;
    step.src_key = t.key;
    step.region = *slice;
    step.dst_key = t.key;
    step.slice = *std::move(slice);
    step.full_shape = shape;
    step.shard = shard;
    steps.push_back(std::move(step));
  }
  if (!steps.empty()) steps.front().src_bytes = t.stored_size;
  return steps;
}

}  // namespace

absl::StatusOr<std::vector<ConvertStep>> PlanConvert(
    const BundleReader& reader,
    absl::Span<const std::pair<std::string, BundleEntry>> entries,
    int num_shards, const ConvertSliceOptions& options,
    const std::string& index_name) {
  const std::vector<ListedTensor> listed = ListTensors(reader, entries);
  absl::flat_hash_map<std::string, TensorPlan> plans;  // by tensor key
  // Slice key -> (its tensor's plan, its slice).
  absl::flat_hash_map<std::string, std::pair<TensorPlan*, const SlicePart*>>
      slice_owner;
  for (const ListedTensor& t : listed) {
    TensorPlan& plan = plans[t.key];
    plan.tensor = &t;
    if (t.partitioned())
      plan.mode = options.merge_slices ? Mode::kWhole : Mode::kKeepSlices;
  }
  for (const auto& [key, n] : options.partitions) {
    const auto it = plans.find(key);
    if (it == plans.end() ||
        it->second.tensor->kind == ListedTensor::Kind::kOrphanSlice) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--partition: no tensor ", QuoteForMessage(key), " in ", index_name));
    }
    TensorPlan& plan = it->second;
    const TensorShape& shape = plan.tensor->entry.shape;
    if (plan.mode == Mode::kPartition) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--partition: tensor ", QuoteForMessage(key), " named twice"));
    }
    if (shape.rank() == 0 || shape.dim(0) == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--partition: tensor ", QuoteForMessage(key), " of shape ",
          shape.DebugString(),
          shape.rank() == 0 ? " is a scalar" : " has no rows",
          "; only tensors with rows can be partitioned along axis 0"));
    }
    plan.mode = Mode::kPartition;
    plan.parts = n;
  }
  for (const ListedTensor& t : listed) {
    if (!t.partitioned()) continue;
    TensorPlan& plan = plans[t.key];
    if (plan.mode == Mode::kKeepSlices || plan.mode == Mode::kWhole) {
      if (!t.layout.ok()) return t.layout;
      for (const SlicePart& part : t.parts) {
        if (!part.entry.has_value()) {
          return absl::DataLossError(
              absl::StrCat(index_name, ": key ", QuoteForMessage(t.key),
                           ": slice ", part.slice.DebugString(),
                           " has no entry (", QuoteForMessage(part.key), ")"));
        }
      }
    }
    for (const SlicePart& part : t.parts) {
      slice_owner[part.key] = {&plan, &part};
    }
  }

  // Per shard, the entries that own bytes, in data-file order. A
  // partitioned tensor whose slices are not listed (bad layout, only when
  // partitioned anew) still has its slice entries here: they lead to it.
  std::vector<std::vector<const std::pair<std::string, BundleEntry>*>> shards(
      static_cast<size_t>(num_shards));
  for (const auto& item : entries) {
    const auto& [key, entry] = item;
    if (entry.num_slices > 0) continue;  // no bytes of its own
    if (entry.shard_id < 0 || entry.shard_id >= num_shards) {
      return absl::InvalidArgumentError(absl::StrCat(
          index_name, ": key ", QuoteForMessage(key), " has shard ",
          entry.shard_id, ", outside [0, ", num_shards, ")"));
    }
    shards[static_cast<size_t>(entry.shard_id)].push_back(&item);
  }
  for (auto& shard : shards) {
    std::sort(shard.begin(), shard.end(), [](const auto* a, const auto* b) {
      return std::tie(a->second.offset, a->second.size, a->first) <
             std::tie(b->second.offset, b->second.size, b->first);
    });
  }

  std::vector<ConvertStep> steps;
  // Emits the whole tensor of `plan` (written whole or partitioned anew).
  const auto emit_tensor = [&](TensorPlan& plan, int shard) -> absl::Status {
    if (plan.emitted) return absl::OkStatus();
    plan.emitted = true;
    const ListedTensor& t = *plan.tensor;
    if (plan.mode == Mode::kPartition) {
      absl::StatusOr<std::vector<ConvertStep>> parts =
          PartitionSteps(t, plan.parts, shard);
      if (!parts.ok()) return parts.status();
      for (ConvertStep& s : *parts) steps.push_back(std::move(s));
      return absl::OkStatus();
    }
    ConvertStep step;
    step.src_key = t.key;
    step.dst_key = t.key;
    step.shard = shard;
    step.src_bytes = t.stored_size;
    steps.push_back(std::move(step));
    return absl::OkStatus();
  };
  for (int s = 0; s < num_shards; ++s) {
    for (const auto* item : shards[static_cast<size_t>(s)]) {
      const auto& [key, entry] = *item;
      TensorPlan* owner = nullptr;
      const SlicePart* part = nullptr;
      if (const auto it = slice_owner.find(key); it != slice_owner.end()) {
        std::tie(owner, part) = it->second;
      } else if (IsSliceKey(key)) {
        // Not listed: an orphan, or a slice of a tensor with a bad layout
        // (which must be partitioned anew to get here).
        absl::StatusOr<std::pair<std::string, TensorSlice>> decoded =
            DecodeTensorNameSlice(key);
        if (decoded.ok()) {
          const auto tensor_it = plans.find(decoded->first);
          if (tensor_it != plans.end() &&
              tensor_it->second.tensor->partitioned() &&
              !tensor_it->second.tensor->layout.ok()) {
            CKPT_RETURN_IF_ERROR(emit_tensor(tensor_it->second, s));
            continue;
          }
        }
      }
      if (owner == nullptr) {
        const auto it = plans.find(key);
        if (it != plans.end() && it->second.mode == Mode::kPartition) {
          CKPT_RETURN_IF_ERROR(emit_tensor(it->second, s));
          continue;
        }
        ConvertStep step;  // a plain entry or an orphaned slice, as stored
        step.src_key = key;
        step.dst_key = key;
        step.shard = s;
        step.src_bytes = entry.size;
        steps.push_back(std::move(step));
        continue;
      }
      if (owner->mode != Mode::kKeepSlices) {
        CKPT_RETURN_IF_ERROR(emit_tensor(*owner, s));
        continue;
      }
      ConvertStep step;
      step.src_key = key;
      step.dst_key = owner->tensor->key;
      step.slice = part->slice;
      step.full_shape = owner->tensor->entry.shape;
      step.shard = s;
      step.src_bytes = entry.size;
      steps.push_back(std::move(step));
    }
  }
  // A tensor written whole or partitioned anew none of whose slices has an
  // entry (only when partitioned anew; reading it then fails): last in its
  // shard, so that it is never dropped silently.
  for (const ListedTensor& t : listed) {
    TensorPlan& plan = plans[t.key];
    if (plan.emitted || plan.mode == Mode::kCopy ||
        plan.mode == Mode::kKeepSlices) {
      continue;
    }
    CKPT_RETURN_IF_ERROR(
        emit_tensor(plan, std::clamp(t.entry.shard_id, 0, num_shards - 1)));
  }
  return steps;
}

absl::StatusOr<std::pair<std::string, int64_t>> ParsePartitionFlag(
    absl::string_view value) {
  const size_t eq = value.rfind('=');
  int64_t n = 0;
  if (eq == absl::string_view::npos || eq == 0 ||
      !absl::SimpleAtoi(value.substr(eq + 1), &n) || n < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad --partition '", std::string(value),
                     "': want KEY=N with N a positive number of parts"));
  }
  return std::make_pair(std::string(value.substr(0, eq)), n);
}

absl::StatusOr<std::vector<std::string>> TakeRepeatedFlag(
    std::vector<std::string>* args, absl::string_view name) {
  const std::string flag = absl::StrCat("--", name);
  const std::string with_value = absl::StrCat(flag, "=");
  std::vector<std::string> values;
  std::vector<std::string> rest;
  for (size_t i = 0; i < args->size(); ++i) {
    std::string& arg = (*args)[i];
    if (arg == "--") {
      for (; i < args->size(); ++i) rest.push_back(std::move((*args)[i]));
      break;
    }
    if (arg == flag) {
      if (i + 1 >= args->size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("option '", flag, "' needs a value"));
      }
      values.push_back(std::move((*args)[++i]));
    } else if (arg.rfind(with_value, 0) == 0) {
      values.push_back(arg.substr(with_value.size()));
    } else {
      rest.push_back(std::move(arg));
    }
  }
  *args = std::move(rest);
  return values;
}

std::vector<std::pair<int64_t, int64_t>> SplitRows(int64_t rows, int64_t n) {
  const int64_t parts = std::min(n, rows);
  const int64_t base = rows / parts;
  const int64_t extra = rows % parts;
  std::vector<std::pair<int64_t, int64_t>> out;
  out.reserve(static_cast<size_t>(parts));
  int64_t start = 0;
  for (int64_t i = 0; i < parts; ++i) {
    const int64_t length = base + (i < extra ? 1 : 0);
    out.emplace_back(start, length);
    start += length;
  }
  return out;
}

}  // namespace ckpt::cli
