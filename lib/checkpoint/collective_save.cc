// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// WritePlanCollective (contract and steps in collective_save.h).

#include "checkpoint/collective_save.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "bundle/slice_layout.h"
#include "ckpt/bundle_format.h"
#include "ckpt/bundle_merge.h"
#include "ckpt/communicator.h"
#include "ckpt/crc32c.h"
#include "ckpt/dtype.h"
#include "ckpt/object_graph.h"
#include "ckpt/status.h"
#include "ckpt/tensor_slice.h"
#include "graph/graph_table.h"
#include "util/coding.h"
#include "util/env_or_default.h"
#include "util/errors.h"

namespace ckpt::checkpoint {
namespace {

constexpr size_t kDigestBytes = 12;

// One value of the plan: a replicated tensor, or this rank's parts of a
// partitioned one (consecutive tensors of one attribute).
struct Value {
  absl::string_view key;
  DataType dtype = DataType::kInvalid;
  TensorShape shape;  // the full shape
  bool partitioned = false;
  // Partitioned, but held whole and alike by every rank (a ShardedVariable
  // made by Create or FromParts on each): written once, as a replicated
  // value is. Known after the ranks' parts are exchanged.
  bool shared = false;
  size_t first = 0;  // plan.tensors[first, first + count)
  size_t count = 0;
};

std::vector<Value> Values(const SavePlan& plan) {
  std::vector<Value> values;
  for (size_t i = 0; i < plan.tensors.size(); ++i) {
    const PlannedTensor& t = plan.tensors[i];
    if (!values.empty() && values.back().count > 0 &&
        plan.tensors[values.back().first].attribute == t.attribute) {
      ++values.back().count;
      continue;
    }
    Value v;
    v.key = t.key;
    v.dtype = t.value().dtype();
    v.shape = t.slice != nullptr ? t.slice->full_shape : t.value().shape();
    v.partitioned = t.slice != nullptr;
    v.first = i;
    v.count = 1;
    values.push_back(std::move(v));
  }
  return values;
}

// What every rank must agree on, one line per item (compared line by line
// to name the first difference).
std::vector<std::string> Describe(const SavePlan& plan,
                                  const std::vector<Value>& values,
                                  const std::string& prefix,
                                  absl::string_view graph_bytes) {
  std::vector<std::string> lines;
  lines.reserve(values.size() + 2);
  lines.push_back(absl::StrCat("prefix ", prefix));
  for (const Value& v : values) {
    lines.push_back(absl::StrCat(
        "value '", v.key, "' ", DataTypeName(v.dtype), " ",
        v.shape.DebugString(), v.partitioned ? " partitioned" : " replicated"));
  }
  lines.push_back(
      absl::StrCat("object graph of ", plan.graph.num_nodes(), " nodes, ",
                   graph_bytes.size(), " bytes, crc32c ",
                   crc32c::Value(graph_bytes.data(), graph_bytes.size())));
  return lines;
}

std::string Digest(const std::vector<std::string>& lines) {
  uint32_t crc = 0;
  uint64_t fnv = 14695981039346656037ull;
  for (const std::string& line : lines) {
    crc = crc32c::Extend(crc, line.data(), line.size());
    crc = crc32c::Extend(crc, "\n", 1);
    for (char c : line + "\n") {
      fnv = (fnv ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    }
  }
  std::string out;
  PutFixed32(&out, crc);
  PutFixed64(&out, fnv);
  return out;
}

// Step 1 on a digest mismatch: every rank's description, and the first line
// where a rank differs from rank 0.
absl::Status ExplainMismatch(Communicator& comm,
                             const std::vector<std::string>& lines) {
  std::string mine;
  for (const std::string& line : lines) absl::StrAppend(&mine, line, "\n");
  CKPT_ASSIGN_OR_RETURN(std::vector<std::string> all, comm.AllGather(mine));
  const std::vector<absl::string_view> base = absl::StrSplit(all[0], '\n');
  for (size_t r = 1; r < all.size(); ++r) {
    const std::vector<absl::string_view> other = absl::StrSplit(all[r], '\n');
    for (size_t i = 0; i < std::max(base.size(), other.size()); ++i) {
      const absl::string_view a = i < base.size() ? base[i] : "(nothing)";
      const absl::string_view b = i < other.size() ? other[i] : "(nothing)";
      if (a == b) continue;
      return absl::FailedPreconditionError(absl::StrCat(
          "the ranks do not save the same checkpoint: rank ", r,
          " differs from rank 0: rank 0 has ", a, ", rank ", r, " has ", b));
    }
  }
  return absl::InternalError("plan digests differ but descriptions agree");
}

// A rank's slices of each partitioned value (in value order), after the
// digest.
std::string EncodeParts(const SavePlan& plan,
                        const std::vector<Value>& values) {
  std::string out;
  for (const Value& v : values) {
    if (!v.partitioned) continue;
    PutVarint32(&out, static_cast<uint32_t>(v.count));
    for (size_t i = v.first; i < v.first + v.count; ++i) {
      const std::string text = plan.tensors[i].slice->slice.DebugString();
      PutVarint32(&out, static_cast<uint32_t>(text.size()));
      out += text;
    }
  }
  return out;
}

struct RankParts {
  std::vector<std::vector<TensorSlice>> slices;  // per partitioned value
};

absl::StatusOr<RankParts> DecodeParts(absl::string_view in, size_t num_values,
                                      int rank) {
  auto bad = [rank] {
    return absl::InternalError(
        absl::StrCat("collective save: rank ", rank, " sent malformed parts"));
  };
  RankParts out;
  out.slices.resize(num_values);
  for (std::vector<TensorSlice>& slices : out.slices) {
    uint32_t n = 0;
    if (!GetVarint32(&in, &n) || n > in.size()) return bad();
    for (uint32_t i = 0; i < n; ++i) {
      uint32_t len = 0;
      if (!GetVarint32(&in, &len) || len > in.size()) return bad();
      absl::StatusOr<TensorSlice> slice = TensorSlice::Parse(in.substr(0, len));
      if (!slice.ok()) return bad();
      slices.push_back(*std::move(slice));
      in.remove_prefix(len);
    }
  }
  if (!in.empty()) return bad();
  return out;
}

// Step 2: marks the partitioned values every rank holds alike as shared.
void MarkShared(std::vector<Value>& values,
                const std::vector<RankParts>& ranks) {
  size_t p = 0;
  for (Value& v : values) {
    if (!v.partitioned) continue;
    v.shared = true;
    for (const RankParts& r : ranks) {
      v.shared = v.shared && r.slices[p] == ranks[0].slices[p];
    }
    ++p;
  }
}

// Step 2: the parts of all ranks (of one rank, for a shared value) tile each
// partitioned value.
absl::Status CheckAllParts(const std::vector<Value>& values,
                           const std::vector<RankParts>& ranks) {
  size_t p = 0;
  for (const Value& v : values) {
    if (!v.partitioned) continue;
    std::vector<TensorSlice> all;
    for (const RankParts& r : ranks) {
      all.insert(all.end(), r.slices[p].begin(), r.slices[p].end());
      if (v.shared) break;
    }
    ++p;
    absl::Status layout = bundle::ValidateSliceLayout(v.key, v.shape, all);
    if (layout.ok()) {
      const int64_t covered = bundle::CoveredElements(
          all, TensorSlice::Full(v.shape.rank()), v.shape);
      if (covered != v.shape.num_elements()) {
        layout = absl::InvalidArgumentError(
            absl::StrCat("they cover ", covered, " of ", v.shape.num_elements(),
                         " elements"));
      }
    }
    if (!layout.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "partitioned value '", v.key,
          "': ", v.shared ? "the parts every one of the " : "the parts of all ",
          ranks.size(), " ranks holds (", all.size(), " slices) do not tile ",
          v.shape.DebugString(), ": ", layout.message()));
    }
  }
  return absl::OkStatus();
}

// Bytes a replicated value counts for in the assignment: the same on every
// rank (strings count one byte per element, whatever they hold).
uint64_t AssignedBytes(const Value& v) {
  const uint64_t n = static_cast<uint64_t>(v.shape.num_elements());
  return IsFixedSizeDataType(v.dtype) ? n * DataTypeSize(v.dtype) : n;
}

// The bytes each rank writes of the partitioned values that are not
// shared (strings: one per element, as AssignedBytes counts them).
std::vector<uint64_t> PartBytes(const std::vector<Value>& values,
                                const std::vector<RankParts>& ranks) {
  std::vector<uint64_t> load(ranks.size(), 0);
  size_t p = 0;
  for (const Value& v : values) {
    if (!v.partitioned) continue;
    const uint64_t element =
        IsFixedSizeDataType(v.dtype) ? DataTypeSize(v.dtype) : 1;
    for (size_t r = 0; r < ranks.size() && !v.shared; ++r) {
      for (const TensorSlice& slice : ranks[r].slices[p]) {
        load[r] += static_cast<uint64_t>(bundle::NumElements(slice, v.shape)) *
                   element;
      }
    }
    ++p;
  }
  return load;
}

// Step 3: the writer of each value written once (replicated or shared);
// -1 for the partitioned values every rank writes its parts of.
std::vector<int> AssignWriters(const std::vector<Value>& values,
                               const std::vector<RankParts>& ranks,
                               uint64_t graph_bytes) {
  std::vector<uint64_t> load = PartBytes(values, ranks);
  load[0] += graph_bytes;
  std::vector<size_t> order;
  for (size_t i = 0; i < values.size(); ++i) {
    if (!values[i].partitioned || values[i].shared) order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const uint64_t sa = AssignedBytes(values[a]), sb = AssignedBytes(values[b]);
    if (sa != sb) return sa > sb;
    return values[a].key < values[b].key;
  });
  std::vector<int> writer(values.size(), -1);
  for (size_t i : order) {
    const size_t r = static_cast<size_t>(
        std::min_element(load.begin(), load.end()) - load.begin());
    writer[i] = static_cast<int>(r);
    load[r] += AssignedBytes(values[i]);
  }
  return writer;
}

}  // namespace

absl::Status RemoveTempDir(Env* env, const std::string& dir) {
  absl::StatusOr<std::vector<std::string>> names = env->GetChildren(dir);
  if (!names.ok()) {
    return absl::IsNotFound(names.status()) ? absl::OkStatus() : names.status();
  }
  for (const std::string& name : *names) {
    absl::Status s = env->DeleteFile(JoinPath(dir, name));
    if (!s.ok() && !absl::IsNotFound(s)) return s;
  }
  absl::Status s = env->DeleteDir(dir);
  return s.ok() || absl::IsNotFound(s) ? absl::OkStatus() : s;
}

namespace {

// Step 4, before anything is written: rank 0 clears what a killed save left
// and creates the directory.
absl::Status PrepareTempDir(Env* env, const std::string& dir) {
  CKPT_RETURN_IF_ERROR(RemoveTempDir(env, dir));
  return env->CreateDirs(dir);  // and the checkpoint's directory
}

}  // namespace

std::string CollectiveTempDir(const std::string& prefix) {
  return prefix + "_temp";
}

std::string CollectivePartPrefix(const std::string& prefix, int rank,
                                 int size) {
  char part[40];
  std::snprintf(part, sizeof(part), "part-%05d-of-%05d", rank, size);
  return JoinPath(CollectiveTempDir(prefix), part);
}

absl::Status WritePlanCollective(const SavePlan& plan,
                                 const std::string& prefix,
                                 const SaveOptions& options) {
  Communicator& comm = *options.communicator;
  Env* env = EnvOrDefault(options.env);
  const int rank = comm.rank();
  const int size = comm.size();

  // 1. The plan.
  absl::StatusOr<Tensor> graph_tensor = graph::GraphTableTensor(plan.graph);
  CKPT_RETURN_IF_ERROR(AgreeOnStatus(comm, graph_tensor.status()));
  const std::string& graph_bytes = graph_tensor->strings()[0];
  std::vector<Value> values = Values(plan);
  const std::vector<std::string> lines =
      Describe(plan, values, prefix, graph_bytes);
  const size_t num_partitioned = static_cast<size_t>(
      std::count_if(values.begin(), values.end(),
                    [](const Value& v) { return v.partitioned; }));
  CKPT_ASSIGN_OR_RETURN(
      std::vector<std::string> all,
      comm.AllGather(Digest(lines) + EncodeParts(plan, values)));
  for (int r = 1; r < size; ++r) {
    if (all[r].compare(0, kDigestBytes, all[0], 0, kDigestBytes) != 0) {
      return ExplainMismatch(comm, lines);
    }
  }

  // 2. The parts.
  std::vector<RankParts> ranks;
  for (int r = 0; r < size; ++r) {
    CKPT_ASSIGN_OR_RETURN(
        RankParts parts,
        DecodeParts(absl::string_view(all[r]).substr(kDigestBytes),
                    num_partitioned, r));
    ranks.push_back(std::move(parts));
  }
  MarkShared(values, ranks);
  CKPT_RETURN_IF_ERROR(CheckAllParts(values, ranks));

  // 3. Who writes what.
  const std::vector<int> writer =
      AssignWriters(values, ranks, graph_bytes.size());
  std::vector<bool> writes(static_cast<size_t>(size), false);
  writes[0] = true;  // the object graph
  // A rank with parts of a value that is not shared writes them (even parts
  // of zero elements: their slice entries).
  size_t p = 0;
  for (const Value& v : values) {
    if (!v.partitioned) continue;
    for (int r = 0; r < size && !v.shared; ++r) {
      if (!ranks[static_cast<size_t>(r)].slices[p].empty()) {
        writes[static_cast<size_t>(r)] = true;
      }
    }
    ++p;
  }
  for (int w : writer) {
    if (w >= 0) writes[static_cast<size_t>(w)] = true;
  }
  std::vector<size_t> mine;
  for (size_t i = 0; i < values.size(); ++i) {
    if (writer[i] == rank || (writer[i] < 0 && values[i].partitioned)) {
      for (size_t t = values[i].first; t < values[i].first + values[i].count;
           ++t) {
        mine.push_back(t);
      }
    }
  }

  // 4. The parts, written side by side.
  const std::string temp_dir = CollectiveTempDir(prefix);
  absl::Status prepared =
      rank == 0 ? PrepareTempDir(env, temp_dir) : absl::OkStatus();
  CKPT_RETURN_IF_ERROR(AgreeOnStatus(
      comm, Annotate(prepared, absl::StrCat("preparing ", temp_dir))));
  SaveOptions part_options = options;
  part_options.communicator = nullptr;
  absl::Status written;
  if (writes[static_cast<size_t>(rank)]) {
    written =
        WritePlanPart(plan, mine, rank == 0 ? &*graph_tensor : nullptr,
                      CollectivePartPrefix(prefix, rank, size), part_options);
  }
  absl::Status all_written = AgreeOnStatus(comm, written);
  if (!all_written.ok()) {
    if (rank == 0) RemoveTempDir(env, temp_dir).IgnoreError();
    return all_written;
  }

  // 5. One checkpoint.
  absl::Status merged;
  if (rank == 0) {
    std::vector<std::string> inputs;
    for (int r = 0; r < size; ++r) {
      if (writes[static_cast<size_t>(r)]) {
        inputs.push_back(CollectivePartPrefix(prefix, r, size));
      }
    }
    MergeBundlesOptions merge;
    merge.env = env;
    merge.sync = options.bundle.sync;
    // An index at `prefix` (one a save killed after its merge left unnamed:
    // the state file names the previous checkpoint) is replaced by the
    // merge's last step, the atomic rename of the new index.
    merge.replace_output = true;
    merged = MergeBundles(inputs, prefix, merge);
    // What is left (nothing after a merge) goes; if it cannot, the next
    // save to this prefix clears it.
    RemoveTempDir(env, temp_dir).IgnoreError();
  }
  return AgreeOnStatus(comm, merged);
}

}  // namespace ckpt::checkpoint
