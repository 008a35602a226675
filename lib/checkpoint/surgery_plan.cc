// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// The plan and the commit of checkpoint surgery (contract in ckpt/surgery.h
// and checkpoint/surgery_plan.h): sources opened with their node paths, new
// keys derived from the edited graph's paths, collisions found before
// anything is written, and the staged output verified before it is renamed
// to its destination.

#include "checkpoint/surgery_plan.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "checkpoint/manager_files.h"
#include "ckpt/bundle_format.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/bundle_writer.h"
#include "ckpt/checkpoint_manager.h"
#include "ckpt/status.h"
#include "ckpt/tensor_slice.h"
#include "graph/graph_table.h"
#include "util/errors.h"
#include "util/random.h"

namespace ckpt::checkpoint {
namespace {

// Where a source key is named in its graph.
struct KeyOwner {
  int node = -1;
  std::string attribute;
};

// The key `from` of an attribute `name` of an object moved from `in_path`
// to `out_path` gets (ckpt/surgery.h).
std::string NewKey(const std::string& from, absl::string_view name,
                   const std::string& in_path, const std::string& out_path) {
  if (from == AttributeKey(in_path, name)) return AttributeKey(out_path, name);
  if (!in_path.empty() && from.size() > in_path.size() &&
      absl::StartsWith(from, in_path) && from[in_path.size()] == '/') {
    if (out_path.empty()) return from.substr(in_path.size() + 1);
    return absl::StrCat(out_path, from.substr(in_path.size()));
  }
  return from;
}

// Stored bytes of `key` (a partitioned tensor: of its slices).
int64_t StoredBytes(const BundleReader& reader, const std::string& key,
                    const BundleEntry& entry) {
  if (entry.num_slices == 0) return entry.size;
  absl::StatusOr<std::vector<TensorSlice>> slices = reader.GetSlices(key);
  if (!slices.ok()) return 0;
  int64_t bytes = 0;
  for (const TensorSlice& slice : *slices) {
    absl::StatusOr<BundleEntry> e =
        reader.GetEntry(EncodeTensorNameSlice(key, slice));
    if (e.ok()) bytes += e->size;
  }
  return bytes;
}

// Whether `key` is a slice key of a partitioned tensor of `reader`.
bool IsListedSliceKey(const BundleReader& reader, absl::string_view key) {
  if (!IsSliceKey(key)) return false;
  absl::StatusOr<std::pair<std::string, TensorSlice>> decoded =
      DecodeTensorNameSlice(key);
  if (!decoded.ok()) return false;
  absl::StatusOr<BundleEntry> full = reader.GetEntry(decoded->first);
  return full.ok() && full->num_slices > 0;
}

// Removes `path` if it exists; errors ignored (cleanup after a failure,
// which is the error reported).
void RemoveIfPresent(Env* env, const std::string& path) {
  if (env->FileExists(path).ok()) (void)env->DeleteFile(path);
}

// Checks the staged bundle at `staging` against `plan`; returns its stored
// bytes (object graph excluded).
absl::StatusOr<int64_t> VerifyStaged(Env* env, const std::string& staging,
                                     const EditPlan& plan) {
  CKPT_RETURN_IF_ERROR(VerifyCheckpoint(env, staging));
  CKPT_ASSIGN_OR_RETURN(std::unique_ptr<BundleReader> reader,
                        BundleReader::Open(env, staging));
  CKPT_ASSIGN_OR_RETURN(const ObjectGraph stored, ReadObjectGraph(*reader));
  if (!(stored == plan.graph)) {
    return absl::InternalError(
        "the stored object graph differs from the planned one");
  }
  absl::flat_hash_map<std::string, const EditPlan::Copy*> planned;
  for (const EditPlan::Copy& copy : plan.copies) {
    planned.emplace(copy.to_key, &copy);
  }
  int64_t bytes = 0;
  size_t found = 0;
  CKPT_RETURN_IF_ERROR(reader->ForEachEntry(
      [&](absl::string_view key, const BundleEntry& entry) -> absl::Status {
        if (key == kObjectGraphKey) return absl::OkStatus();
        bytes += entry.size;
        if (IsSliceKey(key)) {
          absl::StatusOr<std::pair<std::string, TensorSlice>> decoded =
              DecodeTensorNameSlice(key);
          if (decoded.ok() && planned.contains(decoded->first)) {
            return absl::OkStatus();
          }
        }
        const auto it = planned.find(key);
        if (it == planned.end()) {
          return absl::InternalError(
              absl::StrCat("unplanned key ", QuoteForMessage(key)));
        }
        ++found;
        const BundleEntry& want = it->second->entry;
        if (entry.dtype != want.dtype || !(entry.shape == want.shape)) {
          return absl::InternalError(absl::StrCat(
              "key ", QuoteForMessage(key), " is ", DataTypeName(entry.dtype),
              " ", entry.shape.DebugString(), ", its source value ",
              DataTypeName(want.dtype), " ", want.shape.DebugString()));
        }
        return absl::OkStatus();
      }));
  if (found != planned.size()) {
    return absl::InternalError(absl::StrCat(
        planned.size() - found, " planned key(s) were not written"));
  }
  return bytes;
}

// Writes every copy of `plan` and the graph to the bundle at `staging`.
absl::Status WriteStaged(Env* env, absl::Span<const EditSource> sources,
                         const std::string& staging,
                         const BundleWriterOptions& options,
                         const EditPlan& plan) {
  CKPT_ASSIGN_OR_RETURN(std::unique_ptr<BundleWriter> writer,
                        BundleWriter::Create(env, staging, options));
  for (const EditPlan::Copy& copy : plan.copies) {
    const EditSource& source = sources[static_cast<size_t>(copy.source)];
    const BundleReader& reader = *source.reader;
    const auto context = [&] {
      return absl::StrCat("copying ", QuoteForMessage(copy.from_key), " of ",
                          source.prefix, " to ", QuoteForMessage(copy.to_key));
    };
    if (copy.entry.num_slices > 0) {
      absl::StatusOr<std::vector<TensorSlice>> slices =
          reader.GetSlices(copy.from_key);
      if (!slices.ok()) return Annotate(slices.status(), context());
      for (const TensorSlice& slice : *slices) {
        absl::StatusOr<Tensor> part = reader.ReadSlice(copy.from_key, slice);
        if (!part.ok()) return Annotate(part.status(), context());
        absl::Status added =
            writer->AddSlice(copy.to_key, copy.entry.shape, slice, *part);
        if (!added.ok()) return Annotate(added, context());
      }
      continue;
    }
    absl::StatusOr<Tensor> value = reader.Read(copy.from_key);
    if (!value.ok()) return Annotate(value.status(), context());
    absl::Status added = writer->Add(copy.to_key, *value);
    if (!added.ok()) return Annotate(added, context());
  }
  std::vector<std::string> graph_bytes{SerializeObjectGraph(plan.graph)};
  CKPT_ASSIGN_OR_RETURN(
      const Tensor graph_tensor,
      Tensor::FromStrings(TensorShape{}, std::move(graph_bytes)));
  absl::Status added = writer->Add(kObjectGraphKey, graph_tensor);
  if (!added.ok()) return Annotate(added, "writing the object graph");
  return writer->Finish();
}

}  // namespace

std::vector<bool> ReachableNodes(const ObjectGraph& graph) {
  std::vector<bool> reached(graph.nodes.size(), false);
  std::vector<int> stack{0};
  reached[0] = true;
  while (!stack.empty()) {
    const int n = stack.back();
    stack.pop_back();
    for (const ObjectGraph::Child& c :
         graph.nodes[static_cast<size_t>(n)].children) {
      if (!reached[static_cast<size_t>(c.node_id)]) {
        reached[static_cast<size_t>(c.node_id)] = true;
        stack.push_back(c.node_id);
      }
    }
  }
  return reached;
}

absl::StatusOr<EditSource> OpenEditSource(Env* env, const std::string& prefix) {
  EditSource source;
  source.prefix = prefix;
  CKPT_ASSIGN_OR_RETURN(source.reader, BundleReader::Open(env, prefix));
  CKPT_ASSIGN_OR_RETURN(const bool has_graph, HasObjectGraph(*source.reader));
  if (!has_graph) {
    return absl::FailedPreconditionError(absl::StrCat(
        "'", prefix,
        "' has no object graph (a TF1 name-based checkpoint): checkpoint "
        "surgery edits object graphs; `ckpt convert` copies such a checkpoint "
        "whole, and `ckpt export --map` with `ckpt import` renames its keys"));
  }
  absl::StatusOr<graph::GraphTable> table =
      graph::ReadGraphTable(*source.reader);
  if (!table.ok()) {
    return Annotate(table.status(),
                    absl::StrCat("reading the object graph of '", prefix, "'"));
  }
  CKPT_RETURN_IF_ERROR(graph::NodePathTable::Check(
      *table, absl::StrCat("object graph of '", prefix, "'")));
  source.graph = table->ToObjectGraph();
  source.paths = NodePaths(source.graph);
  // A registered saver (DTensor, TPU embeddings) writes keys of its own
  // that no attribute names: an edit could neither rename nor keep them
  // consistently, so it refuses rather than write a checkpoint that does not
  // restore.
  for (size_t n = 0; n < source.graph.nodes.size(); ++n) {
    const auto& saver = source.graph.nodes[n].registered_saver;
    if (!saver.has_value()) continue;
    return absl::FailedPreconditionError(absl::StrCat(
        "'", prefix, "': object ", graph::QuotedPath(source.paths[n]),
        " (node ", n, ") is saved by the registered saver ",
        QuoteForMessage(saver->name),
        ", whose keys checkpoint surgery cannot rename or keep"));
  }
  CKPT_ASSIGN_OR_RETURN(source.entries, source.reader->ListEntries());
  return source;
}

absl::StatusOr<int> FindObject(const EditSource& source,
                               const std::string& path,
                               absl::string_view what) {
  CKPT_RETURN_IF_ERROR(ValidateObjectPath(path, what));
  if (path.empty()) return 0;
  const std::vector<bool> reached = ReachableNodes(source.graph);
  for (size_t n = 0; n < source.paths.size(); ++n) {
    if (reached[n] && source.paths[n] == path) return static_cast<int>(n);
  }
  return absl::NotFoundError(absl::StrCat(
      what, ": no object at path ", QuoteForMessage(path), " in the graph of '",
      source.prefix, "' (`ckpt tree` lists the paths)"));
}

EditedGraph FromRemapped(RemappedGraph remapped,
                         absl::Span<const std::string> rule_details,
                         absl::string_view no_rule_detail) {
  EditedGraph edited;
  const size_t n = remapped.graph.nodes.size();
  edited.graph = std::move(remapped.graph);
  edited.origin = std::move(remapped.origin);
  edited.source.assign(n, 0);
  edited.detail.assign(n, std::string(no_rule_detail));
  for (size_t i = 0; i < n; ++i) {
    if (edited.origin[i] < 0) edited.source[i] = -1;
    const int rule = remapped.rule[i];
    if (rule >= 0 && static_cast<size_t>(rule) < rule_details.size()) {
      edited.detail[i] = rule_details[static_cast<size_t>(rule)];
    }
  }
  edited.dropped.push_back(std::move(remapped.dropped));
  return edited;
}

absl::StatusOr<EditPlan> PlanEdit(absl::Span<const EditSource> sources,
                                  EditedGraph edited, bool keep_unnamed_keys,
                                  const std::string& destination) {
  EditPlan plan;
  plan.report.destination = destination;
  for (const EditSource& s : sources) plan.report.sources.push_back(s.prefix);

  // Per source: where each key is named, and its entry.
  std::vector<absl::flat_hash_map<std::string, KeyOwner>> owners(
      sources.size());
  std::vector<absl::flat_hash_map<std::string, const BundleEntry*>> entries(
      sources.size());
  for (size_t s = 0; s < sources.size(); ++s) {
    const ObjectGraph& g = sources[s].graph;
    for (size_t n = 0; n < g.nodes.size(); ++n) {
      for (const ObjectGraph::Attribute& a : g.nodes[n].attributes) {
        owners[s].try_emplace(a.checkpoint_key,
                              KeyOwner{static_cast<int>(n), a.name});
      }
    }
    for (const auto& [key, entry] : sources[s].entries) {
      entries[s].emplace(key, &entry);
    }
  }

  // New keys, in output node order.
  const std::vector<std::string> out_paths = NodePaths(edited.graph);
  struct Planned {
    EditReport::Value value;
    size_t copy;  // index in plan.copies
  };
  std::vector<Planned> written;
  absl::flat_hash_map<std::string, size_t> by_key;  // to_key -> written
  // (source, from_key) of every value written.
  std::vector<absl::flat_hash_set<std::string>> copied(sources.size());
  const auto claim = [&](EditReport::Value value,
                         const BundleEntry& entry) -> absl::Status {
    if (value.to_key == kObjectGraphKey) {
      return absl::InvalidArgumentError(
          absl::StrCat("value ", QuoteForMessage(value.from_key), " of '",
                       sources[static_cast<size_t>(value.source)].prefix,
                       "' would get the key of the object graph, ",
                       QuoteForMessage(kObjectGraphKey)));
    }
    if (const auto it = by_key.find(value.to_key); it != by_key.end()) {
      const EditReport::Value& other = written[it->second].value;
      if (other.source == value.source && other.from_key == value.from_key) {
        return absl::OkStatus();  // one value named twice
      }
      return absl::InvalidArgumentError(absl::StrCat(
          "values ", QuoteForMessage(other.from_key), " of '",
          sources[static_cast<size_t>(other.source)].prefix, "' and ",
          QuoteForMessage(value.from_key), " of '",
          sources[static_cast<size_t>(value.source)].prefix,
          "' would both get the key ", QuoteForMessage(value.to_key)));
    }
    by_key.emplace(value.to_key, written.size());
    copied[static_cast<size_t>(value.source)].insert(value.from_key);
    plan.copies.push_back({value.source, value.from_key, value.to_key, entry});
    written.push_back({std::move(value), plan.copies.size() - 1});
    return absl::OkStatus();
  };
  for (size_t i = 0; i < edited.graph.nodes.size(); ++i) {
    ObjectGraph::Node& node = edited.graph.nodes[i];
    if (node.attributes.empty()) continue;
    const int s = edited.source[i];
    const int origin = edited.origin[i];
    if (s < 0 || origin < 0) {
      return absl::InternalError(absl::StrCat(
          "edited node ", i, " holds attributes but comes from no object"));
    }
    const EditSource& source = sources[static_cast<size_t>(s)];
    const std::string& in_path = source.paths[static_cast<size_t>(origin)];
    const std::string& out_path = out_paths[i];
    for (ObjectGraph::Attribute& a : node.attributes) {
      const auto entry = entries[static_cast<size_t>(s)].find(a.checkpoint_key);
      if (entry == entries[static_cast<size_t>(s)].end()) {
        return absl::DataLossError(absl::StrCat(
            IndexFilename(source.prefix), ": attribute ",
            QuoteForMessage(a.name), " of object ", graph::QuotedPath(in_path),
            " names key ", QuoteForMessage(a.checkpoint_key),
            ", which has no entry"));
      }
      EditReport::Value value;
      value.source = s;
      value.from_key = a.checkpoint_key;
      value.to_key = NewKey(a.checkpoint_key, a.name, in_path, out_path);
      value.from_path = ValuePath(in_path, a.name);
      value.to_path = ValuePath(out_path, a.name);
      value.action = value.to_key == value.from_key ? "keep" : "rename";
      if (value.action == "rename") value.detail = edited.detail[i];
      a.checkpoint_key = value.to_key;
      CKPT_RETURN_IF_ERROR(claim(std::move(value), *entry->second));
    }
  }

  // Keys no attribute names, and the values left out.
  std::vector<EditReport::Value> dropped;
  for (size_t s = 0; s < sources.size(); ++s) {
    const EditSource& source = sources[s];
    absl::flat_hash_map<int, const RemappedGraph::Dropped*> why;
    if (s < edited.dropped.size()) {
      for (const RemappedGraph::Dropped& d : edited.dropped[s]) {
        why.emplace(d.node, &d);
      }
    }
    for (const auto& [key, entry] : source.entries) {
      if (key == kObjectGraphKey || copied[s].contains(key)) continue;
      EditReport::Value value;
      value.source = static_cast<int>(s);
      value.from_key = key;
      value.action = "drop";
      const auto owner = owners[s].find(key);
      if (owner != owners[s].end()) {
        const int node = owner->second.node;
        value.from_path = ValuePath(source.paths[static_cast<size_t>(node)],
                                    owner->second.attribute);
        const auto reason = why.find(node);
        value.detail = reason != why.end()
                           ? reason->second->reason
                           : std::string("its object is not in the output");
      } else if (IsSliceKey(key)) {
        if (IsListedSliceKey(*source.reader, key)) continue;  // its tensor's
        value.detail = "a slice key no partitioned tensor lists";
      } else if (keep_unnamed_keys) {
        value.to_key = key;
        value.action = "keep";
        value.detail = "not in the object graph";
        CKPT_RETURN_IF_ERROR(claim(std::move(value), entry));
        continue;
      } else {
        value.detail = "not in the object graph";
      }
      dropped.push_back(std::move(value));
    }
  }

  CKPT_RETURN_IF_ERROR(ValidateObjectGraphStrings(edited.graph));
  plan.graph = std::move(edited.graph);
  if (SerializeObjectGraph(plan.graph).empty()) {
    return absl::InvalidArgumentError(
        "the edited object graph would take more than 2 GiB serialized");
  }

  // The report: written values by output key, then the dropped ones.
  std::sort(written.begin(), written.end(),
            [](const Planned& a, const Planned& b) {
              return a.value.to_key < b.value.to_key;
            });
  EditReport& report = plan.report;
  for (Planned& p : written) {
    const EditPlan::Copy& copy = plan.copies[p.copy];
    report.bytes +=
        StoredBytes(*sources[static_cast<size_t>(copy.source)].reader,
                    copy.from_key, copy.entry);
    if (p.value.action == "rename") {
      ++report.renamed;
    } else {
      ++report.kept;
    }
    report.values.push_back(std::move(p.value));
  }
  report.dropped = static_cast<int64_t>(dropped.size());
  for (EditReport::Value& v : dropped) report.values.push_back(std::move(v));
  return plan;
}

absl::Status CheckDestination(Env* env, const std::string& destination,
                              absl::Span<const EditSource> sources) {
  if (destination.empty() || destination.back() == '/') {
    return absl::InvalidArgumentError(absl::StrCat(
        "destination '", destination,
        "' must be a checkpoint prefix such as dir/ckpt-1, not a directory"));
  }
  for (const EditSource& source : sources) {
    if (NormalizePath(destination) == NormalizePath(source.prefix)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "destination '", destination, "' is the source checkpoint '",
          source.prefix, "'; edits write a new checkpoint"));
    }
  }
  const std::string index = IndexFilename(destination);
  if (absl::Status exists = env->FileExists(index); exists.ok()) {
    return absl::AlreadyExistsError(absl::StrCat(
        index,
        " exists: edits never replace a checkpoint; choose another "
        "destination or remove it first"));
  } else if (!absl::IsNotFound(exists)) {
    return exists;
  }
  const std::string dir = Dirname(destination);
  absl::StatusOr<std::vector<std::string>> names = env->GetChildren(dir);
  if (!names.ok()) {
    if (absl::IsNotFound(names.status())) return absl::OkStatus();
    return names.status();
  }
  const std::string data_prefix = absl::StrCat(Basename(destination), ".data-");
  std::sort(names->begin(), names->end());
  for (const std::string& name : *names) {
    if (absl::StartsWith(name, data_prefix)) {
      return absl::AlreadyExistsError(absl::StrCat(
          JoinPath(dir, name),
          " exists: edits never replace a checkpoint; choose another "
          "destination or remove its files first"));
    }
  }
  return absl::OkStatus();
}

absl::Status ExecuteEdit(Env* env, absl::Span<const EditSource> sources,
                         const std::string& destination,
                         const BundleWriterOptions& options, EditPlan* plan) {
  const std::string dir = Dirname(destination);
  const std::string staging =
      absl::StrFormat("%s.ckpt-edit-tmp%016x", destination, RandomUint64());
  const std::string staged_index = IndexFilename(staging);
  const std::string staged_data = DataFilename(staging, 0, 1);
  const std::string index = IndexFilename(destination);
  const std::string data = DataFilename(destination, 0, 1);
  const auto remove_staged = [&] {
    RemoveIfPresent(env, staged_index);
    RemoveIfPresent(env, staged_data);
  };
  absl::Status written = WriteStaged(env, sources, staging, options, *plan);
  if (!written.ok()) {
    remove_staged();  // the writer removed its temporary files
    return Annotate(written, absl::StrCat("writing ", staging));
  }
  absl::StatusOr<int64_t> bytes = VerifyStaged(env, staging, *plan);
  if (!bytes.ok()) {
    remove_staged();
    return Annotate(bytes.status(),
                    absl::StrCat("verifying the edited checkpoint ", staging,
                                 " (nothing was committed)"));
  }
  // DST may have appeared while the edit ran.
  if (absl::Status free = CheckDestination(env, destination, sources);
      !free.ok()) {
    remove_staged();
    return free;
  }
  absl::Status s = env->RenameFile(staged_data, data);
  if (s.ok() && options.sync) s = env->SyncDir(dir);
  if (s.ok()) s = env->RenameFile(staged_index, index);
  if (s.ok() && options.sync) s = env->SyncDir(dir);
  if (!s.ok()) {
    // Everything at DST is this edit's (it did not exist): index first, so
    // that no reader sees an index without its data.
    RemoveIfPresent(env, index);
    RemoveIfPresent(env, data);
    remove_staged();
    return Annotate(s, absl::StrCat("committing ", destination));
  }
  plan->report.bytes = *bytes;
  return absl::OkStatus();
}

}  // namespace ckpt::checkpoint
