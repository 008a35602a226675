// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: ckpt/path_map.h
// -----------------------------------------------------------------------------
//
// Path mapping: rules that move the objects of a checkpoint's object graph to
// other object paths, and the rewrite of a graph by such rules. The one home
// of the rules behind transfer-learning restores (RestoreOptions::path_map
// and ::from, ckpt/checkpoint.h) and checkpoint surgery (ckpt/surgery.h,
// `ckpt extract|rename|strip|merge`). docs/guide.md "Transfer learning"
// describes the behaviour; this header is the contract.
//
// Paths are object paths as `ckpt tree` prints them and NodePaths()
// (ckpt/object_graph.h) computes them: escaped edge names joined by "/"
// ("model/layer_with_weights-0/kernel"), "" for the root. An object
// reachable along several paths is named (and mapped) by its first path in
// breadth-first order, as TensorFlow names it.
//
// A rule is one of:
//   * a prefix rule  `from -> to`: matches the object at `from` and every
//     object below it ("model/encoder" matches "model/encoder" and
//     "model/encoder/dense", never "model/encoder2"); `from` "" matches
//     every object. The matched prefix is replaced by `to` ("" = the root).
//   * a regex rule   `re:PATTERN -> REPLACEMENT`: PATTERN (Perl syntax,
//     Boost.Regex) must match the whole path of each object on its own (to
//     move a subtree, match what lies below too: `model/enc(/.*)?` ->
//     `backbone$1`); the result is REPLACEMENT with
//     $1, ${1}, $+{name} and $& substituted (Boost's Perl format).
//   * a drop rule    `from -> (dropped)`: the objects a prefix rule with
//     that `from` would match are left out. The object at `from` itself is
//     out whatever other path reaches it (a Keras layer is reached by two
//     edges); an object below it that another path keeps (a shared
//     embedding) stays.
// Rules are tried in order; the first that matches an object decides.
//
// Example:
//
//   CKPT_ASSIGN_OR_RETURN(
//       ckpt::PathMap map,
//       ckpt::PathMap::Create({ckpt::PathRule::Prefix("model/encoder",
//                                                     "backbone"),
//                              ckpt::PathRule::Drop("optimizer")}));
//   CKPT_ASSIGN_OR_RETURN(ckpt::RemappedGraph out,
//                         ckpt::RemapObjectGraph(graph, map));

#ifndef CKPT_PATH_MAP_H_
#define CKPT_PATH_MAP_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ckpt/object_graph.h"
#include "ckpt/path_rule.h"

namespace ckpt {

// Whether `path` is a well-formed object path: "" or components separated by
// "/", each an escaped edge name (a "." only as ".." or ".S"). InvalidArgument
// naming `what` and the path otherwise.
absl::Status ValidateObjectPath(absl::string_view path, absl::string_view what);

// The edge names of `path` (unescaped); `path` must be well-formed.
std::vector<std::string> SplitObjectPath(absl::string_view path);

// Whether `path` is `prefix` or lies below it ("" is above every path).
bool PathHasPrefix(absl::string_view path, absl::string_view prefix);

// A compiled, immutable list of rules. Copies share the compiled patterns.
class PathMap {
 public:
  // InvalidArgument naming the rule for a prefix or target path that is not
  // well-formed (ValidateObjectPath) or a pattern that does not compile.
  static absl::StatusOr<PathMap> Create(std::vector<PathRule> rules);
  PathMap();  // no rules: every path unmapped

  struct Result {
    enum class Kind { kUnmapped, kMapped, kDropped };
    Kind kind = Kind::kUnmapped;
    std::string path;  // kMapped: the new path
    int rule = -1;     // the index of the rule that decided, or -1
  };
  // The first rule matching `path`. InvalidArgument naming the rule and the
  // path when a regex replacement gives a path that is not well-formed, or
  // the match is too complex for Boost.Regex's bounds.
  absl::StatusOr<Result> Map(absl::string_view path) const;

  const std::vector<PathRule>& rules() const { return rules_; }
  bool empty() const { return rules_.empty(); }

 private:
  struct Compiled;
  std::vector<PathRule> rules_;
  std::shared_ptr<const Compiled> compiled_;
};

struct RemapOptions {
  // Only the object at this path (found by following its edge names from
  // the root) and the objects reachable from it take part; their paths are
  // taken relative to it (it is at "" before the rules).
  std::string subtree;
  // Objects no rule matches keep their (relative) path; false: they are
  // left out, as if dropped.
  bool keep_unmapped = true;
  // A rule that matches no object is InvalidArgument unless this is set;
  // then it is listed in RemappedGraph::unused_rules.
  bool allow_unused_rules = false;
  // Keep every second path of a shared object that does not clash with a
  // path component, even one that then becomes the object's first path (the
  // output then names that object by it). A restore matches along every
  // edge and sets this; surgery, which derives keys from first paths, does
  // not.
  bool keep_second_paths = false;
};

// A graph rewritten by RemapObjectGraph.
struct RemappedGraph {
  ObjectGraph graph;  // node 0 is the root
  // Per node of `graph`: the input node it comes from, or -1 for a node made
  // to hold children (a path no input object maps to, the root included
  // when nothing maps to "").
  std::vector<int> origin;
  // Per node of `graph`: the input path of `origin` ("" when -1) and the
  // rule that moved it (-1: none, the path is unchanged relative to the
  // subtree).
  std::vector<std::string> from_path;
  std::vector<int> rule;
  // Input nodes that hold values (attributes) and are left out: outside the
  // subtree, dropped, unmapped without keep_unmapped, slot variables whose
  // optimizer or original variable is left out, or nodes that no edge or
  // slot reference reaches. In input node order.
  struct Dropped {
    int node;
    std::string path;    // the input path
    std::string reason;  // e.g. "dropped by rule 'optimizer -> (dropped)'"
  };
  std::vector<Dropped> dropped;
  // Indices of rules that matched no object (allow_unused_rules).
  std::vector<int> unused_rules;
};

// Rewrites `graph` by `map` (docs/guide.md "Transfer learning"):
//   * every object reachable from the root (or the subtree's object) along
//     children is put at the mapped path of its first path, in breadth-first
//     order, along which the rules keep it: an object left out along one
//     path (a shared embedding first reached through a dropped decoder) is
//     kept along a later one. The output has one node per path that objects
//     map to or that lies above one, linked by edges named after the path
//     components.
//     Objects mapped to one path are merged: at most one of them may hold
//     values (attributes, slot variables or a registered saver) — two that
//     do are InvalidArgument naming both input paths and the target.
//   * other edges between kept objects (shared objects, second paths) are
//     kept where they do not clash with a component edge of the same name
//     and do not become the object's first path: in the output, every
//     object's first path in breadth-first order (NodePaths) is its mapped
//     path. Edges keep their stored order; an object renamed under the same
//     parent keeps its edge's place.
//   * an optimizer's slot variables follow it when its original variable is
//     kept; slot variable nodes no edge reaches are copied after the others.
//   * attributes keep their checkpoint keys, full names and flags: values
//     are still read from the input's keys (surgery renames them itself).
//   * has_checkpoint_values is recomputed when the input has it on any node.
// Linear in nodes, edges and slots plus the bytes of the paths walked.
// Errors: InvalidArgument for a node id out of range, a conflict, a bad
// subtree path, an unused rule (unless allowed), a regex result that is not
// a well-formed path; NotFound for a subtree path no edge names lead to;
// DataLoss (as every reader of untrusted graphs, graph/graph_table.h) when
// the input's paths pass the path bound; ResourceExhausted when the paths
// the remapping walks do.
absl::StatusOr<RemappedGraph> RemapObjectGraph(
    const ObjectGraph& graph, const PathMap& map,
    const RemapOptions& options = {});

}  // namespace ckpt

#endif  // CKPT_PATH_MAP_H_
