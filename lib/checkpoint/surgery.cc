// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// The four edits of checkpoint surgery (contract in ckpt/surgery.h): each
// builds its edited object graph with RemapObjectGraph (a merge joins two
// of them under one root), and checkpoint/surgery_plan.h turns it into new
// keys, copies, a verified commit and the report.

#include "ckpt/surgery.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "checkpoint/surgery_plan.h"
#include "ckpt/object_graph.h"
#include "ckpt/path_map.h"
#include "ckpt/status.h"
#include "graph/graph_table.h"
#include "util/env_or_default.h"
#include "util/errors.h"
#include "util/escape.h"

namespace ckpt {
namespace {

using checkpoint::EditedGraph;
using checkpoint::EditPlan;
using checkpoint::EditSource;

using graph::HoldsValues;
using graph::QuotedPath;

absl::Status CheckOptions(const EditOptions& options) {
  if (options.bundle.num_shards != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "EditOptions: bundle.num_shards must be 1 (an edit writes one data "
        "file), got ",
        options.bundle.num_shards));
  }
  return absl::OkStatus();
}

// Plans the edit of `sources` into `edited` and, unless a dry run, writes
// it to `dst`.
absl::StatusOr<EditReport> PlanAndWrite(Env* env,
                                        std::vector<EditSource>& sources,
                                        EditedGraph edited,
                                        bool keep_unnamed_keys,
                                        const std::string& dst,
                                        const EditOptions& options) {
  CKPT_ASSIGN_OR_RETURN(
      EditPlan plan,
      checkpoint::PlanEdit(sources, std::move(edited), keep_unnamed_keys, dst));
  plan.report.dry_run = options.dry_run;
  if (plan.report.kept + plan.report.renamed == 0) {
    // An empty checkpoint restores nothing: almost surely a wrong path.
    return absl::InvalidArgumentError(absl::StrCat(
        "the edit keeps no value of ", QuoteForMessage(sources[0].prefix),
        sources.size() > 1 ? " or the other source" : "",
        ": nothing would be written (check the paths against `ckpt tree`)"));
  }
  if (!options.dry_run) {
    CKPT_RETURN_IF_ERROR(
        checkpoint::ExecuteEdit(env, sources, dst, options.bundle, &plan));
  }
  return std::move(plan.report);
}

// Opens the sources and checks the destination.
absl::StatusOr<std::vector<EditSource>> Open(
    Env* env, const std::vector<std::string>& prefixes, const std::string& dst,
    const EditOptions& options) {
  CKPT_RETURN_IF_ERROR(CheckOptions(options));
  std::vector<EditSource> sources;
  for (const std::string& prefix : prefixes) {
    CKPT_ASSIGN_OR_RETURN(EditSource source,
                          checkpoint::OpenEditSource(env, prefix));
    sources.push_back(std::move(source));
  }
  CKPT_RETURN_IF_ERROR(checkpoint::CheckDestination(env, dst, sources));
  return sources;
}

// The paths of the optimizers of `source` (StripOptions::drop_optimizer),
// in node order.
absl::StatusOr<std::vector<std::string>> OptimizerPaths(
    const EditSource& source) {
  const ObjectGraph& g = source.graph;
  const std::vector<bool> reached = checkpoint::ReachableNodes(g);
  std::vector<bool> optimizer(g.nodes.size(), false);
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    if (!reached[n]) continue;
    if (!g.nodes[n].slots.empty()) optimizer[n] = true;
    for (const ObjectGraph::Child& c : g.nodes[n].children) {
      if (absl::EndsWith(absl::AsciiStrToLower(c.local_name), "optimizer")) {
        optimizer[static_cast<size_t>(c.node_id)] = true;
      }
    }
  }
  if (optimizer[0]) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the root object of '", source.prefix,
        "' holds slot variables (or is reached by an edge named "
        "...optimizer): dropping the optimizer would drop everything"));
  }
  std::vector<std::string> paths;
  for (size_t n = 1; n < g.nodes.size(); ++n) {
    if (optimizer[n]) paths.push_back(source.paths[n]);
  }
  return paths;
}

std::vector<std::string> RuleTexts(const PathMap& map) {
  std::vector<std::string> texts;
  for (const PathRule& rule : map.rules()) texts.push_back(rule.ToString());
  return texts;
}

// ---- report text ----------------------------------------------------------

// Keys and paths go through util/escape.h, the CLI's rules.
std::string JsonOrNull(absl::string_view s) {
  return s.empty() ? std::string("null") : JsonQuote(s);
}

std::string SourceLabel(int source) { return source == 0 ? "A" : "B"; }

}  // namespace

std::string EditReport::ToText() const {
  std::string out;
  const bool several = sources.size() > 1;
  for (const Value& v : values) {
    if (v.action == "rename") {
      absl::StrAppend(&out, "rename ", DisplayText(v.from_key), " -> ",
                      DisplayText(v.to_key));
    } else {
      absl::StrAppend(&out, v.action, " ", DisplayText(v.from_key));
      if (!v.detail.empty())
        absl::StrAppend(&out, " (", DisplayText(v.detail), ")");
    }
    if (several) absl::StrAppend(&out, " [", SourceLabel(v.source), "]");
    out += "\n";
  }
  std::string from;
  for (size_t i = 0; i < sources.size(); ++i) {
    absl::StrAppend(&from, i == 0 ? "" : " + ", DisplayText(sources[i]));
  }
  if (dry_run) {
    absl::StrAppend(&out, "Would rename ", renamed, ", keep ", kept, ", drop ",
                    dropped, " values (", bytes, " bytes): ", from, " -> ",
                    DisplayText(destination), " (dry run)\n");
  } else {
    absl::StrAppend(&out, "Renamed ", renamed, ", kept ", kept, ", dropped ",
                    dropped, " values (", bytes, " bytes): ", from, " -> ",
                    DisplayText(destination), "\n");
  }
  return out;
}

std::string EditReport::ToJson() const {
  std::string out = "{\"sources\": [";
  for (size_t i = 0; i < sources.size(); ++i) {
    absl::StrAppend(&out, i == 0 ? "" : ", ", JsonQuote(sources[i]));
  }
  absl::StrAppend(&out, "], \"destination\": ", JsonQuote(destination),
                  ", \"dry_run\": ", dry_run ? "true" : "false",
                  ", \"renamed\": ", renamed, ", \"kept\": ", kept,
                  ", \"dropped\": ", dropped, ", \"bytes\": ", bytes,
                  ", \"values\": [");
  for (size_t i = 0; i < values.size(); ++i) {
    const Value& v = values[i];
    absl::StrAppend(
        &out, i == 0 ? "\n" : ",\n", "{\"action\": ", JsonQuote(v.action),
        ", \"source\": ", v.source, ", \"from_key\": ", JsonQuote(v.from_key),
        ", \"to_key\": ", JsonOrNull(v.to_key),
        ", \"from_path\": ", JsonOrNull(v.from_path),
        ", \"to_path\": ", JsonOrNull(v.to_path),
        ", \"detail\": ", JsonQuote(v.detail), "}");
  }
  absl::StrAppend(&out, values.empty() ? "" : "\n", "]}\n");
  return out;
}

absl::StatusOr<EditReport> ExtractSubtree(
    const std::string& src, const std::string& dst, const std::string& subtree,
    const std::string& as_path, bool keep_slots, const EditOptions& options) {
  Env* env = EnvOrDefault(options.env);
  CKPT_ASSIGN_OR_RETURN(std::vector<EditSource> sources,
                        Open(env, {src}, dst, options));
  const EditSource& source = sources[0];
  CKPT_RETURN_IF_ERROR(
      checkpoint::FindObject(source, subtree, "subtree").status());
  CKPT_RETURN_IF_ERROR(ValidateObjectPath(as_path, "as path"));
  const std::string moved = absl::StrCat("extracted ", QuotedPath(subtree),
                                         " -> ", QuotedPath(as_path));

  std::vector<PathRule> rules;
  RemapOptions remap;
  if (!keep_slots) {
    // The subtree option: paths relative to it, everything else left out.
    if (!as_path.empty()) rules.push_back(PathRule::Prefix("", as_path));
    remap.subtree = subtree;
  } else {
    // Rules on whole paths: the subtree moved, each optimizer holding slots
    // of its variables kept where it is, nothing else.
    rules.push_back(PathRule::Prefix(subtree, as_path));
    const ObjectGraph& g = source.graph;
    const std::vector<bool> reached = checkpoint::ReachableNodes(g);
    const auto inside = [&](int n) {
      return reached[static_cast<size_t>(n)] &&
             PathHasPrefix(source.paths[static_cast<size_t>(n)], subtree);
    };
    for (size_t n = 0; n < g.nodes.size(); ++n) {
      if (!reached[n] || inside(static_cast<int>(n))) continue;
      const bool has_kept_slots =
          std::any_of(g.nodes[n].slots.begin(), g.nodes[n].slots.end(),
                      [&](const ObjectGraph::Slot& s) {
                        return inside(s.original_node_id);
                      });
      if (!has_kept_slots) continue;
      if (n == 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "the root object of '", src,
            "' holds the slot variables of the subtree: extract the root "
            "itself (subtree \"\") to keep them"));
      }
      rules.push_back(PathRule::Prefix(source.paths[n], source.paths[n]));
    }
    remap.keep_unmapped = false;
    remap.allow_unused_rules = true;  // an optimizer below another one
  }
  CKPT_ASSIGN_OR_RETURN(const PathMap map, PathMap::Create(std::move(rules)));
  CKPT_ASSIGN_OR_RETURN(RemappedGraph remapped,
                        RemapObjectGraph(source.graph, map, remap));
  if (keep_slots) {
    for (RemappedGraph::Dropped& d : remapped.dropped) {
      if (d.reason == "no rule maps it") {
        d.reason = absl::StrCat("outside the subtree ", QuotedPath(subtree));
      }
    }
  }
  std::vector<std::string> details(map.rules().size(), moved);
  EditedGraph edited =
      checkpoint::FromRemapped(std::move(remapped), details, moved);
  return PlanAndWrite(env, sources, std::move(edited),
                      /*keep_unnamed_keys=*/false, dst, options);
}

absl::StatusOr<EditReport> RenameObjects(const std::string& src,
                                         const std::string& dst,
                                         const PathMap& map,
                                         const EditOptions& options) {
  Env* env = EnvOrDefault(options.env);
  CKPT_ASSIGN_OR_RETURN(std::vector<EditSource> sources,
                        Open(env, {src}, dst, options));
  RemapOptions remap;
  remap.keep_unmapped = true;
  CKPT_ASSIGN_OR_RETURN(RemappedGraph remapped,
                        RemapObjectGraph(sources[0].graph, map, remap));
  EditedGraph edited =
      checkpoint::FromRemapped(std::move(remapped), RuleTexts(map), "");
  return PlanAndWrite(env, sources, std::move(edited),
                      /*keep_unnamed_keys=*/true, dst, options);
}

absl::StatusOr<EditReport> StripObjects(const std::string& src,
                                        const std::string& dst,
                                        const StripOptions& strip,
                                        const EditOptions& options) {
  if (!strip.drop_optimizer && strip.keep.empty() && strip.drop.empty()) {
    return absl::InvalidArgumentError(
        "nothing to strip: give drop_optimizer, keep or drop paths");
  }
  Env* env = EnvOrDefault(options.env);
  CKPT_ASSIGN_OR_RETURN(std::vector<EditSource> sources,
                        Open(env, {src}, dst, options));
  const EditSource& source = sources[0];
  // Drops first: they win over keeps. Rules [0, n_drop) are the drop
  // paths, [n_drop, n_keep_start) the optimizers, then the keeps.
  std::vector<PathRule> rules;
  for (const std::string& path : strip.drop) {
    CKPT_RETURN_IF_ERROR(checkpoint::FindObject(source, path, "drop").status());
    rules.push_back(PathRule::Drop(path));
  }
  const size_t n_drop = rules.size();
  if (strip.drop_optimizer) {
    CKPT_ASSIGN_OR_RETURN(const std::vector<std::string> optimizers,
                          OptimizerPaths(source));
    for (const std::string& path : optimizers) {
      rules.push_back(PathRule::Drop(path));
    }
  }
  const size_t n_keep_start = rules.size();
  for (const std::string& path : strip.keep) {
    CKPT_RETURN_IF_ERROR(checkpoint::FindObject(source, path, "keep").status());
    rules.push_back(PathRule::Prefix(path, path));
  }
  CKPT_ASSIGN_OR_RETURN(const PathMap map, PathMap::Create(std::move(rules)));
  RemapOptions remap;
  remap.keep_unmapped = strip.keep.empty();
  remap.allow_unused_rules = true;  // a path below a dropped one
  CKPT_ASSIGN_OR_RETURN(RemappedGraph remapped,
                        RemapObjectGraph(source.graph, map, remap));
  // Values of an optimizer are reported as such, and values no keep path
  // covers too.
  for (RemappedGraph::Dropped& d : remapped.dropped) {
    if (d.reason == "no rule maps it") d.reason = "not under a kept path";
    if (!absl::StartsWith(d.reason, "dropped by rule")) continue;
    for (size_t i = n_drop; i < n_keep_start; ++i) {
      const std::string& optimizer = map.rules()[i].from;
      if (PathHasPrefix(d.path, optimizer)) {
        d.reason = absl::StrCat("optimizer ", QuotedPath(optimizer));
        break;
      }
    }
  }
  EditedGraph edited =
      checkpoint::FromRemapped(std::move(remapped), RuleTexts(map), "");
  return PlanAndWrite(env, sources, std::move(edited),
                      /*keep_unnamed_keys=*/false, dst, options);
}

absl::StatusOr<EditReport> MergeCheckpoints(const std::string& a,
                                            const std::string& b,
                                            const std::string& dst,
                                            const std::string& prefix_a,
                                            const std::string& prefix_b,
                                            const EditOptions& options) {
  Env* env = EnvOrDefault(options.env);
  CKPT_RETURN_IF_ERROR(ValidateObjectPath(prefix_a, "prefix of A"));
  CKPT_RETURN_IF_ERROR(ValidateObjectPath(prefix_b, "prefix of B"));
  CKPT_ASSIGN_OR_RETURN(std::vector<EditSource> sources,
                        Open(env, {a, b}, dst, options));
  const std::string prefixes[2] = {prefix_a, prefix_b};
  RemappedGraph parts[2];
  std::string details[2];
  for (int side = 0; side < 2; ++side) {
    std::vector<PathRule> rules;
    if (!prefixes[side].empty()) {
      rules.push_back(PathRule::Prefix("", prefixes[side]));
    }
    CKPT_ASSIGN_OR_RETURN(const PathMap map, PathMap::Create(std::move(rules)));
    CKPT_ASSIGN_OR_RETURN(
        parts[side], RemapObjectGraph(sources[static_cast<size_t>(side)].graph,
                                      map, RemapOptions{}));
    details[side] = absl::StrCat("merged from ", SourceLabel(side), " under ",
                                 QuotedPath(prefixes[side]));
  }

  // One root: A's children, then B's; the other nodes follow, A's first.
  const ObjectGraph::Node& root_a = parts[0].graph.nodes[0];
  const ObjectGraph::Node& root_b = parts[1].graph.nodes[0];
  if (HoldsValues(root_a) && HoldsValues(root_b)) {
    return absl::InvalidArgumentError(
        absl::StrCat("the root objects of '", a, "' and '", b,
                     "' both hold values; move one of them with a prefix"));
  }
  const size_t n_a = parts[0].graph.nodes.size();
  const size_t n_b = parts[1].graph.nodes.size();
  const auto id = [&](int side, int n) {
    if (n == 0) return 0;
    return side == 0 ? n : static_cast<int>(n_a) + n - 1;
  };
  EditedGraph edited;
  edited.graph.nodes.resize(n_a + n_b - 1);
  edited.source.assign(edited.graph.nodes.size(), -1);
  edited.origin.assign(edited.graph.nodes.size(), -1);
  edited.detail.assign(edited.graph.nodes.size(), "");
  absl::flat_hash_set<std::string> root_names;
  for (const ObjectGraph::Child& c : root_a.children) {
    root_names.insert(c.local_name);
  }
  for (const ObjectGraph::Child& c : root_b.children) {
    if (root_names.contains(c.local_name)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "both checkpoints have an object ", QuoteForMessage(c.local_name),
          " at the root (A: '", a, "', B: '", b,
          "'); move one of them with a prefix (ckpt merge --prefix-a / "
          "--prefix-b)"));
    }
  }
  bool flags = false;
  for (int side = 0; side < 2; ++side) {
    const RemappedGraph& part = parts[side];
    for (size_t n = 0; n < part.graph.nodes.size(); ++n) {
      const ObjectGraph::Node& in = part.graph.nodes[n];
      flags = flags || in.has_checkpoint_values.has_value();
      const size_t out = static_cast<size_t>(id(side, static_cast<int>(n)));
      ObjectGraph::Node& node = edited.graph.nodes[out];
      for (const ObjectGraph::Child& c : in.children) {
        node.children.push_back({id(side, c.node_id), c.local_name});
      }
      for (const ObjectGraph::Slot& s : in.slots) {
        node.slots.push_back({id(side, s.original_node_id), s.slot_name,
                              id(side, s.slot_node_id)});
      }
      const bool take = n != 0 || HoldsValues(in) ||
                        (edited.origin[0] < 0 && part.origin[0] >= 0);
      if (!take) continue;
      if (HoldsValues(in)) {
        node.attributes = in.attributes;
        node.registered_saver = in.registered_saver;
      }
      edited.source[out] = part.origin[n] >= 0 ? side : -1;
      edited.origin[out] = part.origin[n];
      edited.detail[out] = details[side];
    }
    edited.dropped.push_back(part.dropped);
  }
  if (flags) ComputeHasCheckpointValues(&edited.graph);
  return PlanAndWrite(env, sources, std::move(edited),
                      /*keep_unnamed_keys=*/true, dst, options);
}

}  // namespace ckpt
