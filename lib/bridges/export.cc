// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: bridges/export.cc
// -----------------------------------------------------------------------------
//
// ExportCheckpoint (ckpt/bridges.h): a TensorFlow bundle to safetensors or
// .npz. A plan is made from the index and the object graph alone (names,
// dtypes, shapes, what to drop, what each format can carry), so that an
// export that cannot be done fails before anything is written; then the
// tensors are read one at a time, in key order, and streamed out.

#include <algorithm>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bridges/key_rules.h"
#include "bridges/npy_format.h"
#include "bridges/output_file.h"
#include "bridges/safetensors_format.h"
#include "bridges/zip_format.h"
#include "ckpt/bridges.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/dtype.h"
#include "ckpt/object_graph.h"
#include "ckpt/tensor_slice.h"
#include "graph/graph_table.h"
#include "util/errors.h"

namespace ckpt::bridges {
namespace {

struct Planned {
  std::string key;
  BundleEntry entry;
  std::string name;
  std::string object_path;  // "" when unknown
};

struct Plan {
  std::vector<Planned> tensors;  // key order
  int64_t dropped = 0;
  std::optional<std::string> graph;  // serialized object graph to carry
};

// What the object graph says about the keys.
struct GraphInfo {
  absl::flat_hash_map<std::string, std::string> path_of_key;
  absl::flat_hash_set<std::string> optimizer_keys;
};

bool IsOptimizerEdge(absl::string_view name) {
  return absl::EndsWith(absl::AsciiStrToLower(name), "optimizer");
}

// The TF1 rule of ExportOptions::drop_optimizer.
bool IsTf1OptimizerKey(absl::string_view key) {
  if (absl::StrContains(key, "/.OPTIMIZER_SLOT/")) return true;
  const size_t slash = key.rfind('/');
  const absl::string_view last =
      slash == absl::string_view::npos ? key : key.substr(slash + 1);
  if (last == "beta1_power" || last == "beta2_power") return true;
  if (slash == absl::string_view::npos) return false;
  for (absl::string_view slot :
       {"Adam", "Adam_1", "Momentum", "RMSProp", "RMSProp_1", "Adagrad",
        "Adadelta", "Adadelta_1", "Ftrl", "Ftrl_1"}) {
    if (last == slot) return true;
  }
  return false;
}

absl::StatusOr<GraphInfo> AnalyzeGraph(const ObjectGraph& graph,
                                       const std::string& prefix) {
  absl::StatusOr<graph::NodePathTable> paths = graph::NodePathTable::Build(
      graph::GraphTable::FromObjectGraph(graph),
      absl::StrCat("object graph of '", prefix, "'"));
  if (!paths.ok()) return paths.status();
  const size_t n = graph.nodes.size();
  // Nodes reached from the root without passing an optimizer.
  std::vector<bool> kept(n, false);
  std::deque<int> queue = {0};
  kept[0] = true;
  while (!queue.empty()) {
    const int id = queue.front();
    queue.pop_front();
    for (const ObjectGraph::Child& c : graph.nodes[id].children) {
      const auto child = static_cast<size_t>(c.node_id);
      if (kept[child] || IsOptimizerEdge(c.local_name) ||
          !graph.nodes[child].slots.empty()) {
        continue;
      }
      kept[child] = true;
      queue.push_back(c.node_id);
    }
  }
  GraphInfo info;
  for (size_t id = 0; id < n; ++id) {
    const absl::string_view path = (*paths)[id];
    const bool reached = id == 0 || !path.empty();
    for (const ObjectGraph::Attribute& a : graph.nodes[id].attributes) {
      if (!kept[id]) info.optimizer_keys.insert(a.checkpoint_key);
      if (!reached) continue;
      std::string name = ValuePath(path, a.name);
      info.path_of_key.try_emplace(a.checkpoint_key, std::move(name));
    }
  }
  return info;
}

absl::Status CheckCarriable(ExportFormat format, const Planned& t) {
  const DataType dt = t.entry.dtype;
  const bool ok = format == ExportFormat::kSafetensors
                      ? SafetensorsDtypeName(dt).has_value()
                      : NpyDescr(dt).has_value();
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "tensor ", QuoteForMessage(t.key), " has dtype ", DataTypeName(dt),
      ", which ", format == ExportFormat::kSafetensors ? "safetensors" : "npz",
      " cannot carry",
      format == ExportFormat::kSafetensors &&
              (dt == DataType::kString || dt == DataType::kComplex64 ||
               dt == DataType::kComplex128)
          ? " (npz can)"
          : ""));
}

absl::StatusOr<Plan> MakePlan(const BundleReader& reader,
                              const std::string& prefix,
                              const ExportOptions& options) {
  absl::StatusOr<KeyMapper> mapper = KeyMapper::Create(options.key_rules);
  if (!mapper.ok()) return mapper.status();
  absl::StatusOr<bool> has_graph = HasObjectGraph(reader);
  if (!has_graph.ok()) return has_graph.status();
  GraphInfo info;
  std::string graph_bytes;
  if (*has_graph) {
    absl::StatusOr<Tensor> stored = reader.Read(kObjectGraphKey);
    if (!stored.ok()) return stored.status();
    if (!stored->is_string() || stored->num_elements() != 1) {
      return absl::DataLossError(
          absl::StrCat("checkpoint '", prefix, "': the object graph entry is ",
                       DataTypeName(stored->dtype()), " ",
                       stored->shape().DebugString(), ", not a string scalar"));
    }
    graph_bytes = stored->strings()[0];
    absl::StatusOr<ObjectGraph> graph =
        ParseObjectGraph(graph_bytes, absl::StrCat("'", prefix, "'"));
    if (!graph.ok()) return graph.status();
    absl::StatusOr<GraphInfo> analyzed = AnalyzeGraph(*graph, prefix);
    if (!analyzed.ok()) return analyzed.status();
    info = *std::move(analyzed);
  }
  Plan plan;
  NameSet names;
  const bool carry_graph =
      *has_graph && mapper->identity() && !options.drop_optimizer;
  if (carry_graph) {
    plan.graph = std::move(graph_bytes);
    // In an .npz the graph is a member of its own name.
    absl::Status claimed =
        names.Claim(std::string(kObjectGraphKey), kObjectGraphKey);
    if (!claimed.ok()) return claimed;
  }
  absl::Status status = reader.ForEachEntry(
      [&](absl::string_view key, BundleEntry&& entry) -> absl::Status {
        if (key == kObjectGraphKey || IsSliceKey(key)) return absl::OkStatus();
        if (options.drop_optimizer &&
            (*has_graph ? info.optimizer_keys.contains(key)
                        : IsTf1OptimizerKey(key))) {
          ++plan.dropped;
          return absl::OkStatus();
        }
        Planned t;
        t.key = std::string(key);
        t.entry = std::move(entry);
        absl::StatusOr<std::string> name = mapper->Map(key);
        if (!name.ok()) return name.status();
        t.name = *std::move(name);
        absl::Status claimed = names.Claim(t.name, key);
        if (!claimed.ok()) return claimed;
        auto path = info.path_of_key.find(t.key);
        if (path != info.path_of_key.end()) t.object_path = path->second;
        absl::Status carriable = CheckCarriable(options.format, t);
        if (!carriable.ok()) return carriable;
        plan.tensors.push_back(std::move(t));
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return plan;
}

uint64_t ByteSize(const BundleEntry& e) {
  return static_cast<uint64_t>(e.shape.num_elements()) * DataTypeSize(e.dtype);
}

// Reads tensor `t`, verified. A fixed-size tensor is read into `scratch`,
// one buffer reused for every tensor of the export (it grows to the largest
// one): a fresh allocation per tensor would fault in new pages every time,
// which costs as much as the copy itself. The result views `scratch` and is
// valid until the next call. Strings are read into a tensor of their own.
absl::StatusOr<Tensor> ReadChecked(const BundleReader& reader, const Planned& t,
                                   std::string* scratch) {
  if (!IsFixedSizeDataType(t.entry.dtype)) return reader.Read(t.key);
  const uint64_t size = ByteSize(t.entry);
  if (size > scratch->max_size()) {
    return absl::ResourceExhaustedError(
        absl::StrCat("tensor ", QuoteForMessage(t.key), ": ", size, " bytes"));
  }
  if (scratch->size() < size) scratch->resize(static_cast<size_t>(size));
  absl::Status s = reader.ReadInto(
      t.key, absl::Span<char>(scratch->data(), static_cast<size_t>(size)));
  if (!s.ok()) return s;
  return Tensor::Borrow(t.entry.dtype, t.entry.shape, scratch->data(),
                        static_cast<size_t>(size));
}

// ---- safetensors ----

std::vector<std::pair<std::string, std::string>> TensorMetadata(
    absl::Span<const Planned* const> tensors) {
  std::vector<std::pair<std::string, std::string>> meta;
  for (const Planned* t : tensors) {
    if (!t->object_path.empty()) {
      meta.emplace_back(absl::StrCat("ckpt.path.", t->name), t->object_path);
    }
    if (t->name != t->key) {
      meta.emplace_back(absl::StrCat("ckpt.key.", t->name), t->key);
    }
  }
  return meta;
}

absl::Status WriteSafetensorsFile(
    Env* env, const BundleReader& reader, const std::string& path,
    absl::Span<const Planned* const> tensors,
    std::vector<std::pair<std::string, std::string>> metadata,
    std::vector<std::unique_ptr<OutputFile>>* outputs, ExportResult* result) {
  std::sort(metadata.begin(), metadata.end());
  std::vector<SafetensorsTensorInfo> infos;
  infos.reserve(tensors.size());
  for (const Planned* t : tensors) {
    infos.push_back(
        SafetensorsTensorInfo{t->name, t->entry.dtype, t->entry.shape.dims()});
  }
  absl::StatusOr<std::string> header =
      SerializeSafetensorsHeader(infos, metadata);
  if (!header.ok()) return Annotate(header.status(), path);
  absl::StatusOr<std::unique_ptr<OutputFile>> out =
      OutputFile::Create(env, path);
  if (!out.ok()) return out.status();
  absl::Status s = (*out)->file()->Append(*header);
  std::string scratch;
  for (size_t i = 0; s.ok() && i < tensors.size(); ++i) {
    absl::StatusOr<Tensor> value = ReadChecked(reader, *tensors[i], &scratch);
    if (!value.ok()) return value.status();
    s = (*out)->file()->Append(value->bytes());
    result->bytes += value->bytes().size();
    ++result->tensors;
  }
  if (s.ok()) s = (*out)->Close();
  if (!s.ok()) return s;
  result->files.push_back(path);
  outputs->push_back(*std::move(out));
  return absl::OkStatus();
}

absl::Status ExportSafetensors(Env* env, const BundleReader& reader,
                               const std::string& prefix, const Plan& plan,
                               const std::string& dst,
                               const ExportOptions& options,
                               std::vector<std::unique_ptr<OutputFile>>* outs,
                               ExportResult* result) {
  std::vector<std::pair<std::string, std::string>> base_meta = {
      {"format", "tf"}, {"ckpt.source", prefix}};
  if (plan.graph) {
    base_meta.emplace_back(kObjectGraphMetadataKey,
                           absl::Base64Escape(*plan.graph));
  }
  uint64_t total = 0;
  for (const Planned& t : plan.tensors) total += ByteSize(t.entry);
  std::vector<std::vector<const Planned*>> shards(1);
  if (options.max_shard_bytes > 0 && total > options.max_shard_bytes) {
    uint64_t in_shard = 0;
    for (const Planned& t : plan.tensors) {
      const uint64_t size = ByteSize(t.entry);
      if (!shards.back().empty() && in_shard + size > options.max_shard_bytes) {
        shards.emplace_back();
        in_shard = 0;
      }
      shards.back().push_back(&t);
      in_shard += size;
    }
  } else {
    for (const Planned& t : plan.tensors) shards[0].push_back(&t);
  }
  if (shards.size() == 1) {
    std::vector<std::pair<std::string, std::string>> meta = base_meta;
    std::vector<std::pair<std::string, std::string>> per =
        TensorMetadata(shards[0]);
    meta.insert(meta.end(), per.begin(), per.end());
    return WriteSafetensorsFile(env, reader, dst, shards[0], std::move(meta),
                                outs, result);
  }
  constexpr absl::string_view kSuffix = ".safetensors";
  if (!absl::EndsWith(dst, kSuffix) || dst.size() == kSuffix.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("a sharded safetensors export needs a destination named "
                     "<base>.safetensors, not ",
                     QuoteForMessage(dst)));
  }
  const std::string base = dst.substr(0, dst.size() - kSuffix.size());
  const std::string dir = Dirname(base);
  std::vector<std::pair<std::string, std::string>> weight_map;
  for (size_t i = 0; i < shards.size(); ++i) {
    const std::string path = absl::StrFormat("%s-%05d-of-%05d.safetensors",
                                             base, i + 1, shards.size());
    const std::string file = path.substr(path.rfind('/') + 1);  // npos+1 = 0
    // The graph travels in the first shard (the index keeps only sizes and
    // the weight map).
    std::vector<std::pair<std::string, std::string>> meta = {
        {"format", "tf"}, {"ckpt.source", prefix}};
    if (i == 0 && plan.graph) meta.push_back(base_meta.back());
    std::vector<std::pair<std::string, std::string>> per =
        TensorMetadata(shards[i]);
    meta.insert(meta.end(), per.begin(), per.end());
    absl::Status s = WriteSafetensorsFile(env, reader, path, shards[i],
                                          std::move(meta), outs, result);
    if (!s.ok()) return s;
    for (const Planned* t : shards[i]) weight_map.emplace_back(t->name, file);
  }
  std::sort(weight_map.begin(), weight_map.end());
  const std::string index_path = base + ".safetensors.index.json";
  absl::StatusOr<std::unique_ptr<OutputFile>> index =
      OutputFile::Create(env, index_path);
  if (!index.ok()) return index.status();
  absl::Status s = (*index)->file()->Append(SerializeSafetensorsIndex(
      total, {{"format", "tf"}, {"ckpt.source", prefix}}, weight_map));
  if (s.ok()) s = (*index)->Close();
  if (!s.ok()) return s;
  result->files.push_back(index_path);
  outs->push_back(*std::move(index));
  return absl::OkStatus();
}

// ---- npz ----

// The elements of a string tensor as numpy 'S<width>' bytes.
absl::StatusOr<std::string> FixedWidthStrings(const Planned& t,
                                              const Tensor& value,
                                              size_t* width) {
  size_t total = 0;
  *width = 1;
  for (const std::string& s : value.strings()) {
    if (!s.empty() && s.back() == '\0') {
      return absl::InvalidArgumentError(absl::StrCat(
          "string tensor ", QuoteForMessage(t.key),
          " has an element ending in a NUL byte, which numpy's 'S' dtype "
          "drops: npz cannot carry it exactly"));
    }
    *width = std::max(*width, s.size());
    total += s.size();
  }
  const uint64_t padded = uint64_t{*width} * value.strings().size();
  if (padded > 16 * uint64_t{total} + (uint64_t{1} << 20)) {
    return absl::InvalidArgumentError(
        absl::StrCat("string tensor ", QuoteForMessage(t.key), " as numpy 'S",
                     *width, "' would take ", padded, " bytes for ", total,
                     " bytes of strings (more than 16 times as many)"));
  }
  std::string out(padded, '\0');
  for (size_t i = 0; i < value.strings().size(); ++i) {
    value.strings()[i].copy(out.data() + i * *width, *width);
  }
  return out;
}

absl::Status ExportNpz(Env* env, const BundleReader& reader, const Plan& plan,
                       const std::string& dst,
                       std::vector<std::unique_ptr<OutputFile>>* outs,
                       ExportResult* result) {
  absl::StatusOr<std::unique_ptr<OutputFile>> out =
      OutputFile::Create(env, dst);
  if (!out.ok()) return out.status();
  ZipWriter zip((*out)->file());
  if (plan.graph) {
    const int64_t n = static_cast<int64_t>(plan.graph->size());
    absl::StatusOr<std::string> header =
        SerializeNpyHeader(DataType::kUInt8, {n});
    if (!header.ok()) return header.status();
    absl::Status s = zip.AddStored(absl::StrCat(kObjectGraphKey, ".npy"),
                                   {*header, *plan.graph});
    if (!s.ok()) return Annotate(s, dst);
  }
  std::string scratch;
  for (const Planned& t : plan.tensors) {
    absl::StatusOr<Tensor> value = ReadChecked(reader, t, &scratch);
    if (!value.ok()) return value.status();
    size_t width = 0;
    std::string strings;
    absl::string_view data = value->bytes();
    if (value->is_string()) {
      absl::StatusOr<std::string> fixed = FixedWidthStrings(t, *value, &width);
      if (!fixed.ok()) return fixed.status();
      strings = *std::move(fixed);
      data = strings;
    }
    absl::StatusOr<std::string> header =
        SerializeNpyHeader(t.entry.dtype, t.entry.shape.dims(), width);
    if (!header.ok()) {
      return Annotate(header.status(),
                      absl::StrCat("tensor ", QuoteForMessage(t.key)));
    }
    absl::Status s =
        zip.AddStored(absl::StrCat(t.name, ".npy"), {*header, data});
    if (!s.ok()) return Annotate(s, dst);
    result->bytes += data.size();
    ++result->tensors;
  }
  absl::Status s = zip.Finish();
  if (s.ok()) s = (*out)->Close();
  if (!s.ok()) return Annotate(s, dst);
  result->files.push_back(dst);
  outs->push_back(*std::move(out));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ExportResult> ExportCheckpoint(Env* env,
                                              const std::string& prefix,
                                              const std::string& dst,
                                              const ExportOptions& options) {
  if (dst.empty() || dst.back() == '/') {
    return absl::InvalidArgumentError(absl::StrCat(
        "export destination ", QuoteForMessage(dst), " is not a file name"));
  }
  if (dst == prefix + ".index" || absl::StartsWith(dst, prefix + ".data-")) {
    return absl::InvalidArgumentError(
        absl::StrCat("export destination ", QuoteForMessage(dst),
                     " is a file of the checkpoint exported"));
  }
  absl::StatusOr<std::unique_ptr<BundleReader>> reader =
      BundleReader::Open(env, prefix);
  if (!reader.ok()) return reader.status();
  absl::StatusOr<Plan> plan = MakePlan(**reader, prefix, options);
  if (!plan.ok()) return plan.status();
  ExportResult result;
  result.dropped = plan->dropped;
  result.object_graph = plan->graph.has_value();
  // Every file is written and closed under its temporary name first, then
  // all are renamed in order (a sharded export's index last). A failure
  // before the renames removes every temporary file; a failed rename or
  // directory sync keeps the complete files already renamed (they replaced
  // what was there) and removes the rest.
  std::vector<std::unique_ptr<OutputFile>> outputs;
  absl::Status s =
      options.format == ExportFormat::kSafetensors
          ? ExportSafetensors(env, **reader, prefix, *plan, dst, options,
                              &outputs, &result)
          : ExportNpz(env, **reader, *plan, dst, &outputs, &result);
  for (size_t i = 0; s.ok() && i < outputs.size(); ++i) {
    s = outputs[i]->Commit();
  }
  if (s.ok()) {
    const std::string dir = Dirname(dst);
    s = env->SyncDir(dir.empty() ? "." : dir);
  }
  if (!s.ok()) {
    for (auto& out : outputs) {
      if (!out->committed()) out->Discard();
    }
    return s;
  }
  return result;
}

}  // namespace ckpt::bridges
