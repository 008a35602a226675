// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: ckpt/surgery.h
// -----------------------------------------------------------------------------
//
// Checkpoint surgery: new checkpoints made from the objects of existing ones,
// with the object graph and the bundle keys rewritten together, so that the
// result is an ordinary TensorFlow checkpoint that restores by structure
// (`ckpt extract|rename|strip|merge`, docs/cli.md "Editing checkpoints").
//
//   * ExtractSubtree:   only the objects at and below one path, re-rooted or
//                       moved under another path.
//   * RenameObjects:    objects moved by path rules (ckpt/path_map.h).
//   * StripObjects:     the optimizer, or chosen paths, left out.
//   * MergeCheckpoints: two checkpoints' object graphs under one root.
//
// Contract:
//   * How an edit is made: the source's object graph is rewritten by
//     RemapObjectGraph (ckpt/path_map.h); then every attribute of the output
//     whose key is the one TensorFlow derives from its object's path
//     (AttributeKey(path, name), slot variables through their
//     ".OPTIMIZER_SLOT" path; NodePaths) gets the key derived from its new
//     path, a key that merely starts with "<old path>/" gets that prefix
//     replaced, and any other key is kept. Values are copied, dtype, shape
//     and bytes unchanged, one tensor in memory at a time; a partitioned
//     tensor slice by slice, keeping its slices. The serialized object graph
//     (kObjectGraphKey) is the rewritten graph.
//   * Bundle keys no attribute names (besides the object graph): kept
//     unchanged by RenameObjects and MergeCheckpoints, left out by
//     ExtractSubtree and StripObjects; listed in the report either way. A
//     slice key no partitioned tensor lists is always left out (a verified
//     checkpoint cannot hold one).
//   * Two values given one key (or, in a merge, a root child name or a kept
//     key present in both sources) is InvalidArgument naming both; nothing
//     is written.
//   * The output is one data file, written to a staging prefix next to DST
//     ("<DST>.ckpt-edit-tmp<random>", BundleWriter's temp + fsync + rename
//     within it), then verified before it is committed: every checksum
//     (VerifyCheckpoint), the stored object graph equal to the planned one,
//     and exactly the planned keys with each value's dtype and shape. Then
//     its data file, and last its index, are renamed to DST (directory
//     fsync after each, unless options.bundle.sync is off). On any error
//     the staged files are removed and nothing is left at DST. A killed
//     process may leave "<DST>.ckpt-edit-tmp*" files, or (killed between
//     the two renames) DST's data file alone, never a DST index without its
//     data; either is safe to delete.
//   * Edits never replace a checkpoint: DST must not exist (AlreadyExists
//     naming DST.index or the DST.data-* file found) and must differ from
//     every source (InvalidArgument). Sources are only read.
//   * dry_run: the same checks and the same report; no file is created.
//   * Errors (messages name the file, path or key and the value):
//     FailedPrecondition for a source without an object graph (a TF1
//     name-based checkpoint); NotFound for a path that is no object of the
//     source's graph (`ckpt tree` lists them) or a missing file;
//     InvalidArgument for conflicts, bad paths or rules, and bad options;
//     DataLoss for a damaged source (also a graph attribute naming a key
//     with no entry); the writer's and the Env's codes for I/O.
//   * Objects are named by their first path (ckpt/path_map.h): an object
//     shared with a path outside an extracted subtree, or under a dropped
//     path, follows its first path.
//
// Example:
//
//   ckpt::StripOptions strip;
//   strip.drop_optimizer = true;
//   CKPT_ASSIGN_OR_RETURN(ckpt::EditReport report,
//                         ckpt::StripObjects("run/ckpt-9", "ship/model",
//                                            strip));
//   std::cout << report.ToText();  // "drop net/optimizer/iter/... (...)"

#ifndef CKPT_SURGERY_H_
#define CKPT_SURGERY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ckpt/bundle_writer.h"
#include "ckpt/env.h"
#include "ckpt/path_map.h"

namespace ckpt {

struct EditOptions {
  Env* env = nullptr;  // null: Env::Default()
  // Plan and report only: nothing is written.
  bool dry_run = false;
  // Options of the output bundle (compression, sync, ...). num_shards must
  // be 1 (InvalidArgument otherwise): the output has one data file.
  BundleWriterOptions bundle;
};

// What an edit did, or (dry_run) would do.
struct EditReport {
  struct Value {
    std::string action;  // "keep", "rename" or "drop"
    int source = 0;      // the source it comes from (merge: 0 = A, 1 = B)
    std::string from_key;
    std::string to_key;  // "" when dropped
    // Object paths as ValuePath() names values ("net/dense/kernel", or
    // "<path>/.ATTRIBUTES/<name>" for other attributes); "" when the key is
    // not in the object graph (to_path: or when dropped).
    std::string from_path;
    std::string to_path;
    // Why: the rule that moved the object ("net/encoder -> backbone"), the
    // reason it was left out ("dropped by rule 'net/optimizer ->
    // (dropped)'"), "not in the object graph", ...; "" for a plain keep.
    std::string detail;
  };
  std::vector<std::string> sources;  // the source prefixes
  std::string destination;           // DST
  bool dry_run = false;
  // The values written, in output key order, then the values left out (by
  // source, in source key order). The object graph entry is not listed.
  std::vector<Value> values;
  int64_t kept = 0;
  int64_t renamed = 0;
  int64_t dropped = 0;
  // Stored bytes of the values written (object graph excluded): as read
  // from the output's index, or for a dry run the bytes they take in the
  // sources.
  int64_t bytes = 0;

  // One line per value ("rename K -> K2", "keep K", "drop K (reason)"; keys
  // escaped for a terminal: control characters, backslash and bytes that
  // are not UTF-8 as \\ and \xNN), then the summary
  //   Renamed 4, kept 2, dropped 3 values (12345 bytes): SRC -> DST
  // ("Would rename 4, keep 2, drop 3 values (12345 bytes): SRC -> DST (dry
  // run)"; a merge names "A + B").
  std::string ToText() const;
  // One JSON object: {"sources": [...], "destination": "...", "dry_run":
  // false, "renamed": 4, "kept": 2, "dropped": 3, "bytes": 12345, "values":
  // [{"action", "source", "from_key", "to_key", "from_path", "to_path",
  // "detail"}, ...]}, one value per line; strings escaped as valid JSON
  // (bytes that are not UTF-8 as \u00XX).
  std::string ToJson() const;
};

// A checkpoint holding only the objects at and below `subtree` (an object
// path, "" for the root), moved to `as_path` ("" re-roots them: the object
// at `subtree` becomes the root). Slot variables of the extracted variables
// belong to an optimizer, which is usually outside the subtree: they are
// left out, unless `keep_slots`: then every optimizer outside the subtree
// (a node with slot variables) that has slots of an extracted variable is
// kept at its own path, with its own attributes and children, holding only
// the slots of extracted variables. An optimizer inside the subtree is
// extracted with it either way. NotFound if `subtree` is no object of the
// graph; InvalidArgument for a bad path, or an optimizer at a path the
// extracted objects take.
absl::StatusOr<EditReport> ExtractSubtree(const std::string& src,
                                          const std::string& dst,
                                          const std::string& subtree,
                                          const std::string& as_path,
                                          bool keep_slots,
                                          const EditOptions& options = {});

// A checkpoint with the objects moved by `map` (ckpt/path_map.h: prefix,
// regex and drop rules, first match decides; unmatched objects stay) and
// their keys renamed with them. A rule that matches no object is
// InvalidArgument, as are two objects holding values moved to one path.
absl::StatusOr<EditReport> RenameObjects(const std::string& src,
                                         const std::string& dst,
                                         const PathMap& map,
                                         const EditOptions& options = {});

struct StripOptions {
  // Leave out every optimizer: each object that holds slot variables, each
  // object reached by an edge whose name ends in "optimizer" (any case: the
  // Keras and tf.train.Checkpoint(optimizer=...) convention, also
  // "generator_optimizer"; newer Keras optimizers keep their variables as
  // children, not slot variables), everything below them (by first path)
  // and with them every slot variable. The root itself is never taken for
  // an optimizer by its slots (InvalidArgument).
  bool drop_optimizer = false;
  // Object paths to keep (with everything below them and the objects above
  // them as empty holders); when empty, every object not dropped is kept.
  std::vector<std::string> keep;
  // Object paths to leave out, with everything below them. Drops win over
  // `keep`: --keep net --drop net/head keeps all of net but its head.
  std::vector<std::string> drop;
};

// A checkpoint without the objects `strip` names. InvalidArgument if it
// names nothing to do; NotFound for a keep or drop path that is no object of
// the graph.
absl::StatusOr<EditReport> StripObjects(const std::string& src,
                                        const std::string& dst,
                                        const StripOptions& strip,
                                        const EditOptions& options = {});

// One checkpoint holding both object graphs: each source's objects moved
// under `prefix_a` / `prefix_b` ("" leaves them where they are), then the
// two roots made one, whose children are A's followed by B's. A root child
// name in both, both roots holding values, or a key that ends up twice is
// InvalidArgument naming it (two tf.train.Checkpoints both have a
// "save_counter": give a prefix). Keys no attribute names are kept.
absl::StatusOr<EditReport> MergeCheckpoints(const std::string& a,
                                            const std::string& b,
                                            const std::string& dst,
                                            const std::string& prefix_a,
                                            const std::string& prefix_b,
                                            const EditOptions& options = {});

}  // namespace ckpt

#endif  // CKPT_SURGERY_H_
