// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// RestoreStatus (its assertions over the session's report), RestoreReport's
// text and JSON forms, and RestoreObjectGraph, which opens the bundle and
// starts a RestoreSession (checkpoint/restore_session.h).

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "checkpoint/assignment_map.h"
#include "checkpoint/index_scan.h"
#include "checkpoint/restore_session.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/checkpoint.h"
#include "ckpt/mapped_bundle.h"
#include "ckpt/object_graph.h"
#include "ckpt/path_map.h"
#include "ckpt/status.h"
#include "graph/graph_table.h"
#include "util/env_or_default.h"
#include "util/errors.h"
#include "util/parallel.h"

namespace ckpt {

// ---- RestoreStatus
// -----------------------------------------------------------

namespace {

constexpr size_t kMaxListed = 5;

std::string ListPaths(const char* what,
                      const std::vector<RestoreReport::Entry>& entries) {
  if (entries.empty()) return "";
  std::vector<std::string> shown;
  for (size_t i = 0; i < entries.size() && i < kMaxListed; ++i) {
    const auto& e = entries[i];
    shown.push_back(e.key.empty() ? e.path
                                  : absl::StrCat(e.path, " (", e.key, ")"));
  }
  std::string out =
      absl::StrCat(entries.size(), " ", what, ": ", absl::StrJoin(shown, ", "));
  if (entries.size() > kMaxListed) {
    absl::StrAppend(&out, ", and ", entries.size() - kMaxListed, " more");
  }
  return out;
}

absl::Status MismatchError(const checkpoint::RestoreSession& s,
                           const RestoreReport& r) {
  if (r.mismatched.empty()) return absl::OkStatus();
  std::vector<std::string> shown;
  for (size_t i = 0; i < r.mismatched.size() && i < kMaxListed; ++i) {
    shown.push_back(
        absl::StrCat(r.mismatched[i].path, ": ", r.mismatched[i].detail));
  }
  const absl::StatusCode code = s.first_error().ok()
                                    ? absl::StatusCode::kInvalidArgument
                                    : s.first_error().code();
  return absl::Status(code, absl::StrCat(r.mismatched.size(),
                                         " value(s) could not be restored: ",
                                         absl::StrJoin(shown, "; ")));
}

absl::Status Precondition(const std::string& assertion,
                          std::vector<std::string> parts) {
  parts.erase(std::remove(parts.begin(), parts.end(), std::string()),
              parts.end());
  if (parts.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat(assertion, " failed: ", absl::StrJoin(parts, "; ")));
}

}  // namespace

RestoreStatus::RestoreStatus(
    std::shared_ptr<checkpoint::RestoreSession> session)
    : session_(std::move(session)) {}

RestoreReport RestoreStatus::report() const { return session_->Report(); }

absl::Status RestoreStatus::AssertConsumed() const {
  const RestoreReport r = session_->Report(/*with_matched=*/false);
  CKPT_RETURN_IF_ERROR(MismatchError(*session_, r));
  return Precondition(
      "AssertConsumed",
      {ListPaths("checkpoint value(s) pending (no matching object)", r.pending),
       ListPaths("checkpoint value(s) unused", r.unused),
       ListPaths("object value(s) missing from the checkpoint", r.missing)});
}

absl::Status RestoreStatus::AssertExistingObjectsMatched() const {
  const RestoreReport r = session_->Report(/*with_matched=*/false);
  CKPT_RETURN_IF_ERROR(MismatchError(*session_, r));
  return Precondition(
      "AssertExistingObjectsMatched",
      {ListPaths("object value(s) missing from the checkpoint", r.missing)});
}

absl::Status RestoreStatus::AssertNontrivialMatch() const {
  if (session_->name_based()) {
    if (session_->num_matched() == 0) {
      return absl::FailedPreconditionError(
          "AssertNontrivialMatch failed: nothing matched by name");
    }
    return Precondition(
        "AssertNontrivialMatch",
        {ListPaths("object value(s) missing from the checkpoint",
                   session_->Report(/*with_matched=*/false).missing)});
  }
  if (session_->num_bound() <= 1) {
    return absl::FailedPreconditionError(
        "AssertNontrivialMatch failed: nothing beyond the root matched the "
        "checkpoint");
  }
  return absl::OkStatus();
}

absl::Status RestoreStatus::ExpectPartial() const {
  return MismatchError(*session_, session_->recorded());
}

// ---- RestoreReport
// -------------------------------------------------------------

namespace {

void AppendJsonString(std::string* out, const std::string& s) {
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (c < 0x20) {
          static const char kHex[] = "0123456789abcdef";
          out->append("\\u00");
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 15]);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

}  // namespace

std::string RestoreReport::ToText() const {
  std::string out =
      absl::StrCat("name_based: ", name_based ? "true" : "false", "\n");
  const std::pair<const char*, const std::vector<Entry>*> groups[] = {
      {"matched", &matched},
      {"pending", &pending},
      {"unused", &unused},
      {"missing", &missing},
      {"mismatched", &mismatched}};
  for (const auto& [name, entries] : groups) {
    absl::StrAppend(&out, name, ": ", entries->size(), "\n");
    for (const Entry& e : *entries) {
      absl::StrAppend(&out, "  ", name, " ",
                      e.path.empty() ? "(root)" : e.path);
      if (!e.key.empty()) absl::StrAppend(&out, " key=", e.key);
      if (!e.detail.empty()) absl::StrAppend(&out, " (", e.detail, ")");
      if (!e.checkpoint_path.empty()) {
        absl::StrAppend(&out, " from=", e.checkpoint_path);
      }
      if (!e.rule.empty()) absl::StrAppend(&out, " rule=[", e.rule, "]");
      out.push_back('\n');
    }
  }
  if (!unused_rules.empty()) {
    absl::StrAppend(&out, "unused_rules: ", unused_rules.size(), "\n");
    for (const std::string& rule : unused_rules) {
      absl::StrAppend(&out, "  unused_rule ", rule, "\n");
    }
  }
  return out;
}

std::string RestoreReport::ToJson() const {
  std::string out =
      absl::StrCat("{\"name_based\":", name_based ? "true" : "false");
  const std::pair<const char*, const std::vector<Entry>*> groups[] = {
      {"matched", &matched},
      {"pending", &pending},
      {"unused", &unused},
      {"missing", &missing},
      {"mismatched", &mismatched}};
  for (const auto& [name, entries] : groups) {
    absl::StrAppend(&out, ",\"", name, "\":[");
    bool first = true;
    for (const Entry& e : *entries) {
      if (!first) out.push_back(',');
      first = false;
      out.append("{\"path\":");
      AppendJsonString(&out, e.path);
      out.append(",\"key\":");
      AppendJsonString(&out, e.key);
      out.append(",\"detail\":");
      AppendJsonString(&out, e.detail);
      if (!e.checkpoint_path.empty()) {
        out.append(",\"checkpoint_path\":");
        AppendJsonString(&out, e.checkpoint_path);
      }
      if (!e.rule.empty()) {
        out.append(",\"rule\":");
        AppendJsonString(&out, e.rule);
      }
      out.push_back('}');
    }
    out.push_back(']');
  }
  if (!unused_rules.empty()) {
    out.append(",\"unused_rules\":[");
    for (size_t i = 0; i < unused_rules.size(); ++i) {
      if (i > 0) out.push_back(',');
      AppendJsonString(&out, unused_rules[i]);
    }
    out.push_back(']');
  }
  out.push_back('}');
  return out;
}

// ---- entry point
// ---------------------------------------------------------------

namespace {

// A serialized object graph of this many bytes holds several hundred
// attributes (about 80 bytes each for plain variables), past the 256 from
// which a restore decodes the whole index (restore_session.cc): the
// decoding starts before the graph is parsed.
constexpr int64_t kIndexScanGraphBytes = int64_t{64} << 10;

// The checkpoint's object graph rewritten by options.from and .path_map
// (ckpt/path_map.h), with the mapping handed to `session` for the report.
absl::StatusOr<graph::GraphTable> RemappedGraphTable(
    const BundleReader& reader, const RestoreOptions& options,
    checkpoint::RestoreSession& session) {
  CKPT_ASSIGN_OR_RETURN(const bool has_graph, HasObjectGraph(reader));
  if (!has_graph) {
    return absl::FailedPreconditionError(absl::StrCat(
        "RestoreOptions::from and ::path_map match by structure, but ",
        QuoteForMessage(reader.prefix()),
        " has no object graph (a TensorFlow 1 checkpoint): restore it by "
        "name with RestoreOptions::assignment_map"));
  }
  CKPT_ASSIGN_OR_RETURN(PathMap map, PathMap::Create(options.path_map));
  CKPT_ASSIGN_OR_RETURN(const ObjectGraph stored, ReadObjectGraph(reader));
  RemapOptions remap;
  remap.subtree = options.from;
  remap.keep_unmapped = options.keep_unmapped;
  remap.allow_unused_rules = options.allow_unused_rules;
  remap.keep_second_paths = true;  // matching follows every edge
  absl::StatusOr<RemappedGraph> remapped = RemapObjectGraph(stored, map, remap);
  if (!remapped.ok()) {
    return Annotate(remapped.status(),
                    absl::StrCat("restoring ", QuoteForMessage(reader.prefix()),
                                 " with a path mapping"));
  }
  std::vector<std::string> rules(remapped->rule.size());
  for (size_t i = 0; i < rules.size(); ++i) {
    if (remapped->rule[i] >= 0) {
      rules[i] = map.rules()[static_cast<size_t>(remapped->rule[i])].ToString();
    }
  }
  std::vector<RestoreReport::Entry> left_out;
  for (const RemappedGraph::Dropped& d : remapped->dropped) {
    for (const ObjectGraph::Attribute& a :
         stored.nodes[static_cast<size_t>(d.node)].attributes) {
      left_out.push_back({d.path, a.checkpoint_key, d.reason, "", ""});
    }
  }
  std::vector<std::string> unused_rules;
  for (int i : remapped->unused_rules) {
    unused_rules.push_back(map.rules()[static_cast<size_t>(i)].ToString());
  }
  session.SetMapping(std::move(remapped->from_path), std::move(rules),
                     std::move(left_out), std::move(unused_rules));
  return graph::GraphTable::FromObjectGraph(remapped->graph);
}

absl::StatusOr<RestoreStatus> RestoreOnThisRank(ObjectRef root,
                                                const std::string& prefix,
                                                const RestoreOptions& options) {
  if (root.is_null()) {
    return absl::InvalidArgumentError("RestoreObjectGraph: null root");
  }
  Env* env = EnvOrDefault(options.env);
  CKPT_ASSIGN_OR_RETURN(std::unique_ptr<BundleReader> opened,
                        BundleReader::Open(env, prefix));
  std::shared_ptr<BundleReader> reader(std::move(opened));
  if (options.num_threads < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "RestoreOptions: num_threads must be >= 0, got ", options.num_threads));
  }
  if (!options.assignment_map.empty() &&
      (!options.from.empty() || !options.path_map.empty())) {
    return absl::InvalidArgumentError(
        "RestoreOptions: assignment_map (by name) cannot be combined with "
        "from or path_map (by structure)");
  }
  if (!options.keep_unmapped && options.path_map.empty()) {
    return absl::InvalidArgumentError(
        "RestoreOptions: keep_unmapped = false without path_map leaves every "
        "object out: nothing would be restored");
  }
  const int threads = ResolveThreads(options.num_threads);
  auto session =
      std::make_shared<checkpoint::RestoreSession>(reader, root, threads);
  if (options.map_values) {
    CKPT_ASSIGN_OR_RETURN(std::unique_ptr<MappedBundleReader> mapped,
                          MappedBundleReader::Open(env, reader));
    session->SetMapped(std::move(mapped));
  }
  session->SetStageExternal(options.stage_external);
  // Collective: caller memory is written once every rank succeeded.
  if (options.communicator != nullptr) session->DeferFirstCommit();
  // A large graph has a large index: decoded on a second thread while this
  // one reads and parses the graph.
  checkpoint::IndexScan scan(*reader, threads);
  if (absl::StatusOr<BundleEntry> entry = reader->GetEntry(kObjectGraphKey);
      entry.ok() && entry->size >= kIndexScanGraphBytes) {
    scan.Start();
  }
  if (!options.assignment_map.empty()) {
    // init_from_checkpoint: by name, whatever the checkpoint holds.
    CKPT_ASSIGN_OR_RETURN(
        checkpoint::AssignmentMap map,
        checkpoint::AssignmentMap::Create(options.assignment_map));
    session->SetAssignmentMap(std::move(map), options.allow_unused_rules);
    CKPT_RETURN_IF_ERROR(session->StartNameBased());
    return checkpoint::RestoreSession::MakeStatus(std::move(session));
  }
  // Name-based only when the index has no graph: a graph that cannot be
  // read (its data file deleted meanwhile, say) is an error, not TF1.
  std::optional<graph::GraphTable> graph;
  if (!options.from.empty() || !options.path_map.empty()) {
    CKPT_ASSIGN_OR_RETURN(graph,
                          RemappedGraphTable(*reader, options, *session));
  } else {
    CKPT_ASSIGN_OR_RETURN(graph, graph::ReadGraphTableIfAny(*reader));
  }
  if (graph.has_value()) {
    CKPT_RETURN_IF_ERROR(session->StartGraph(*std::move(graph), &scan));
  } else {
    CKPT_RETURN_IF_ERROR(session->StartNameBased());
  }
  return checkpoint::RestoreSession::MakeStatus(std::move(session));
}

}  // namespace

absl::StatusOr<RestoreStatus> RestoreObjectGraph(
    ObjectRef root, const std::string& prefix, const RestoreOptions& options) {
  absl::StatusOr<RestoreStatus> restored =
      RestoreOnThisRank(root, prefix, options);
  if (options.communicator == nullptr) return restored;
  // Collective: every rank restored what its objects hold; one rank's
  // failure is every rank's. Values staged for caller-owned memory
  // (stage_external) are written only now, if every rank succeeded.
  absl::Status agreed = AgreeOnStatus(*options.communicator, restored.status());
  if (restored.ok()) {
    agreed = checkpoint::RestoreSession::CommitDeferred(*restored,
                                                        std::move(agreed));
  }
  CKPT_RETURN_IF_ERROR(agreed);
  return restored;
}

}  // namespace ckpt
