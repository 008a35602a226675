// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: cli/cli.h
// -----------------------------------------------------------------------------
//
// The `ckpt` command-line tool as a library. Every subcommand is a function
// that takes its arguments (without the program and command names), writes
// results to `out` and diagnostics to `err`, and returns the process exit
// code; tools/main.cc only forwards argv. Tests call these functions directly.
//
// Contract:
//   * Nothing is printed to std::cout/std::cerr directly and no exceptions are
//     thrown; all I/O goes through the Env passed in.
//   * Errors are printed to `err` as one line `ckpt <cmd>: <status message>`
//     and mapped to an exit code by ExitCodeForStatus (the only place that
//     maps codes).
//   * `--help`/`-h` prints the usage to `out` and exits 0; a bad command
//     line (unknown command or flag, missing or extra argument, bad flag
//     value) prints a one-line reason and the usage to `err` and exits 2.
//   * PATH arguments accept a prefix, its .index or .data-NNNNN-of-NNNNN
//     file, a `checkpoint` state file or a directory (see cli/prefix.h).
//
// Commands:
//   ckpt ls PATH [--slices] [--json]   one row per tensor (see RunLs)
//   ckpt ls DIR --checkpoints [--verify] [--json]  a directory's checkpoints
//   ckpt verify PATH [--json]  read and checksum every tensor (see RunVerify)
//   ckpt convert SRC DST [--compression none|lz4] [--merge-slices]
//        [--partition KEY=N]...                       rewrite (RunConvert)
//   ckpt tree PATH [--json]    the object graph (see RunTree)
//   ckpt resave SRC DST        load + save through the object graph (RunResave)
//   ckpt show PATH KEY [--all] [--slice S] [--json]   values (RunShow)
//   ckpt stats PATH [KEY...] [--json]                 statistics (RunStats)
//   ckpt diff A B [--by key|path] [--json]            differences (RunDiff)
//   ckpt dot PATH                                     Graphviz DOT (RunDot)
//   ckpt export SRC DST [--format F] [--map R=S]... [--drop-optimizer]
//        [--shard-size B]        safetensors / npz (RunExport)
//   ckpt import SRC DST [--map R=S]...  safetensors / npz in (RunImport)
//   ckpt extract SRC DST --subtree PATH [--as NEWPATH] [--keep-slots]
//   ckpt rename SRC DST --map OLD=NEW... [--regex]
//   ckpt strip SRC DST [--drop-optimizer] [--keep PATH]... [--drop PATH]...
//   ckpt merge A B DST [--prefix-a X] [--prefix-b Y]
//        checkpoint surgery, each with [--dry-run] [--json] (RunExtract...)
//   ckpt --file_name=PATH [--tensor_name=K] [--all_tensors]
//        [--all_tensor_names]       inspect_checkpoint compatibility
//                                   (RunInspectCompat)

#ifndef CKPT_TOOLS_CLI_CLI_H_
#define CKPT_TOOLS_CLI_CLI_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/env.h"
#include "ckpt/object_graph.h"
#include "graph/graph_table.h"

namespace ckpt::cli {

// Exit codes of the `ckpt` tool. ExitCodeForStatus is the single mapping from
// absl::StatusCode:
//
//   | exit | meaning                                 | status code            |
//   |------|-----------------------------------------|------------------------|
//   |  0   | success                                 | kOk                    |
//   |  1   | verification failed / differences found | (set by the command)   |
//   |  2   | usage error, invalid argument           | kInvalidArgument       |
//   |  3   | file, checkpoint or key not found       | kNotFound              |
//   |  4   | corrupt data (checksum, truncation...)  | kDataLoss              |
//   |  5   | unsupported (newer format, TF1 graph)   | kFailedPrecondition,   |
//   |      |                                         | kUnimplemented         |
//   |  6   | anything else (I/O, permissions, ...)   | all other codes        |
enum ExitCode : int {
  kExitOk = 0,
  kExitFailed = 1,
  kExitUsage = 2,
  kExitNotFound = 3,
  kExitDataLoss = 4,
  kExitUnsupported = 5,
  kExitOther = 6,
};

int ExitCodeForStatus(const absl::Status& status);

// `ckpt ARGS...`: dispatches on args[0]. With no arguments, or an unknown
// command, prints the usage to `err` and returns 2.
int RunCli(Env* env, absl::Span<const std::string> args, std::ostream& out,
           std::ostream& err);

// `ckpt ls PATH [--json]`. Lists every entry of the index in key order, the
// header excluded and `_CHECKPOINTABLE_OBJECT_GRAPH` included, from the index
// file alone (no data file is opened).
//
// Text: a header line and aligned columns KEY, DTYPE, SHAPE, SIZE (stored
// bytes, right-aligned), separated by two spaces, no trailing blanks. Keys
// are printed as-is except for control characters, backslash and bytes that
// are not valid UTF-8, which are shown as \\ and \xNN.
//
// --json: a JSON array with one object per entry, one per line:
//   {"key": "...", "dtype": "float32", "shape": [7,64], "size": 1792,
//    "shard": 0, "offset": 12, "crc32c": 938702482}
// `crc32c` is the masked value as stored. See cli/output.h for the escaping
// of keys.
//
// Partitioned tensors (cli/slices.h) are listed once: full shape, SIZE the
// sum of their slices' stored bytes, and a note `N slices` after SIZE; the
// slice keys they list are hidden. --slices adds one row per slice under
// its tensor: `  slice 0,2:-`, dtype, shape, size, `shard S` (`-` and `(no
// entry)` for a listed slice without an entry). A slice key no tensor lists
// is a row of its own (key escaped) with a note `orphaned slice ...`.
// --json adds to a partitioned tensor's object "slices": [{"slice": "0,2:-",
// "start": [0,0], "length": [2,3], "key": "<slice key>", "shard", "offset",
// "size", "crc32c"}] (null where the slice has no entry; "slices": null and
// "layout_error" for an invalid layout; its own shard, offset and crc32c as
// stored), and "orphan": "<note>" to an orphaned slice key's object.
//
// `ckpt ls DIR --checkpoints [--verify] [--json]` (cli/checkpoints.h): the
// checkpoints of ListCheckpoints (ckpt/checkpoint_manager.h) for DIR, a
// directory or its `checkpoint` state file (another file, or a prefix, is
// InvalidArgument, exit 2; no state file NotFound, exit 3; --verify without
// --checkpoints, or --slices with it, a usage error). Text: a header line
// and aligned columns NUMBER (`-` if the name has no trailing -N), TIMESTAMP
// (UTC `2026-12-07T11:00:00Z`, `-` if unknown), SIZE (bytes of the index and
// data files present), METRIC (%.6g or `-`), FLAGS (comma list of latest,
// pinned, preserved, missing; `-` if none), with --verify VERIFIED (OK or
// FAILED), then NAME (relative to DIR, escaped as by DisplayText); numbers
// right-aligned. --json: an array, one object per line: {"prefix", "name",
// "number", "timestamp" (seconds, shortest repr), "bytes", "metric",
// "pinned", "preserved", "latest", "files_present"} (null where unknown),
// with --verify plus "verified": true/false and "error" (null or the
// message). With --verify, each failure prints `ckpt ls: <prefix>:
// <message>` on `err` (text mode only) and the exit code is 1.
int RunLs(Env* env, absl::Span<const std::string> args, std::ostream& out,
          std::ostream& err);

// `ckpt verify PATH`. Reads and decodes every tensor, which verifies every
// index block checksum and every tensor checksum, continuing past per-tensor
// failures. A missing data file is reported once, and the tensors stored in
// it are counted as failed without being read.
//
// Success (exit 0), one line on `out`:
//   OK: 26 tensors, 37074 bytes in 1 data file(s) verified: <prefix>
// Failure (exit 1), on `err`, one line per failure and a summary:
//   ckpt verify: <data file>: key '<key>': <reason>
//   ckpt verify: <data file>: data file missing; N tensor(s) stored in it
//   not verified
//   ckpt verify: FAILED: F of N tensors failed verification (M tensors,
//   B bytes verified) in S data file(s): <prefix>
// A corrupt index (DataLoss or InvalidArgument while opening or listing) is
// a verification failure too (exit 1); other errors map through
// ExitCodeForStatus.
// --json: one line on `out` instead of the text on `out`/`err`:
//   {"prefix": "...", "ok": false, "tensors": 26, "verified": 25,
//    "bytes": 37000, "data_files": 1, "missing_data_files": ["..."],
//    "failures": [{"file": "...", "key": "...", "error": "..."}]}
// plus "index_error" (and zero counts) for a corrupt index; same exit codes.
// Every entry is checked with BundleReader::Verify, slice keys included (a
// partitioned tensor's layout, holes, missing slice entries, each slice's
// bytes, orphans). Tensors and slices (slice keys) are counted apart: with
// slices the text reads `OK: 4 tensors (5 slices), ...` and `FAILED: F of N
// tensors and G of M slices failed; V tensors and W slices (B bytes)
// verified ...`, a failing slice is also named `slice 2,2:- of tensor 'v'`,
// and --json adds "slices" and "slices_verified" (and "tensor", "slice" to
// a slice's failure).
int RunVerify(Env* env, absl::Span<const std::string> args, std::ostream& out,
              std::ostream& err);

// `ckpt convert SRC DST [--compression none|lz4]`. Rewrites the bundle at SRC
// (any PATH form) to the prefix DST, keeping every tensor's shard, the number
// of shards and, per shard, the order of tensors in the data file (ascending
// source offset). Without --compression the output is uncompressed, which for
// a TensorFlow-written bundle with an uncompressed index reproduces its index
// and data files byte for byte. DST must differ from SRC; an existing DST is
// replaced atomically. Prints one summary line on `out`:
//   Converted 26 tensors (37074 -> 21000 bytes stored, compression lz4) in
//   1 data file(s): <src prefix> -> <dst prefix>
// with `P partitioned, S slices; ` after the parenthesis when the output has
// slices. Partitioned tensors keep their slices (byte-identical for a
// TensorFlow-written input); --merge-slices writes each whole; --partition
// KEY=N (repeatable) writes tensor KEY as min(N, rows) slices along axis 0,
// the first rows mod parts one row longer, each slice given as start,length
// in every dimension (cli/convert_slices.h). A bad KEY=N, an unknown KEY, a
// scalar or a tensor without rows is a usage error (exit 2); a partitioned
// tensor whose slices are invalid or missing is DataLoss (exit 4).
int RunConvert(Env* env, absl::Span<const std::string> args, std::ostream& out,
               std::ostream& err);

// `ckpt tree PATH [--json]`. Prints the object graph of an object-based
// checkpoint. Only the index and the graph are read: every attribute's dtype
// and shape come from its index entry, no tensor value is read (but the
// graph itself is a tensor in a data file, which must be present).
//
// Text: one line per node, depth-first along each node's first path
// (breadth-first from the root, as TensorFlow names nodes), indented two
// spaces per level, children in stored order:
//   (root) (node 0)
//     net (node 1)
//       layer_with_weights-0 (node 5)
//         kernel (node 9)
//           .ATTRIBUTES/VARIABLE_VALUE  float32 [7,64]  <checkpoint key>
//           slot m -> node 20 (net/optimizer)
//             .ATTRIBUTES/VARIABLE_VALUE  float32 [7,64]  <checkpoint key>
//       layer-1 -> node 5 (see net/layer_with_weights-0)
// Lines deeper than 32 levels are indented as level 32 (64 spaces) and
// start with `[depth N] `, so a deep chain prints O(nodes) bytes.
// A node is printed once, at its first path; other edges to it are printed
// as `name -> node N (see PATH)`, a PATH over 200 bytes cut to `...` and its
// last 200 bytes (from a `/` among them if there is one). Slot variables are
// printed under their original variable as `slot NAME -> node N (OPTIMIZER
// PATH)` (the same cut), followed by the slot node's own lines. An attribute
// whose key has no index entry shows `(no entry)` instead of dtype and shape.
// Nodes reached in no way from the root are printed last as `(unreachable)
// (node N)`. Names and keys are escaped as by DisplayText; the root's path is
// shown as `(root)`.
//
// --json: a JSON array with one object per node in id order, one per line:
//   {"id": 1, "path": "net", "children": [{"name": "layer-0", "id": 4}],
//    "attributes": [{"name": "VARIABLE_VALUE", "key": "...",
//                    "dtype": "float32", "shape": [7,64]}],
//    "slots": [{"slot_name": "m", "original_id": 9, "slot_id": 20}]}
// `path` is NodePaths' (escaped edge names); dtype and shape are null for an
// attribute without an index entry.
//
// A checkpoint without an object graph (TF1, name-based) fails with
// FailedPrecondition (exit 5) suggesting `ckpt ls`; a missing data file
// holding the graph is NotFound (exit 3); a graph whose paths pass the bound
// of ReadGraphForDisplay is DataLoss (exit 4). Output is linear in the size
// of the graph (--json: plus the paths, which the bound caps).
int RunTree(Env* env, absl::Span<const std::string> args, std::ostream& out,
            std::ostream& err);

// `ckpt resave SRC DST`. Loads SRC (any PATH form) into a GenericTree
// (ckpt/generic_tree.h: every value restored structurally, all of them
// consumed) and writes it to the prefix DST with ckpt's own save path: one
// data file, TensorFlow's node and tensor order, has_checkpoint_values as in
// SRC. For a single-shard TensorFlow file without has_checkpoint_values the
// result is byte-identical. DST must differ from SRC. Prints one line:
//   Resaved 32 objects, 25 values: <src prefix> -> <dst prefix>
// A TF1 checkpoint fails with FailedPrecondition (exit 5).
int RunResave(Env* env, absl::Span<const std::string> args, std::ostream& out,
              std::ostream& err);

// `ckpt show PATH KEY [--all] [--slice SLICE] [--json]`. Prints the value of
// one tensor the way numpy prints an array (numpy's default print options:
// precision 8, threshold 1000 elements, edgeitems 3, linewidth 75):
//   key: <display key>  dtype: float32  shape: [7,64]
//   array([[ 0.1234, -0.5   , ...
// Arrays of more than 1000 elements are summarized with `...` (the first and
// last 3 items of each dimension) unless --all. Floats (bfloat16 and float16
// included, shown as their exact float32 values in numpy's format) use
// numpy's shortest repr per element with common alignment; ints as
// integers; bool as True/False; complex as numpy does; strings as Python
// bytes literals b'...' with escapes. --slice takes numpy basic indexing
// per dimension, comma separated: `3`, `1:4`, `:`, `::2`, `-1`, `2:` (an
// integer drops the dimension); out-of-range slices clip as in numpy, an
// out-of-range integer index is InvalidArgument.
// The text output starts with `key: <display key>  dtype: D  shape: [..]`
// (plus `  slice: S` with --slice; the shape is the stored one). --json
// prints one line {"key","dtype","shape","slice","values"}: shape is the
// stored shape, slice the --slice text or null, values the selected elements
// (every element, never summarized) as nested arrays, a bare value for a 0-d
// result (floats as the shortest JSON number of the element, float16/bfloat16/
// float8 as float32; NaN/Inf as the strings "nan"/"inf"/"-inf"; complex as
// [re, im]; bool as true/false; strings via JsonQuote). A missing key is
// NotFound (exit 3) naming the key. A partitioned tensor is assembled from
// its slices; with --slice only the stored slices that meet the selection's
// bounding box are read. A variant tensor is summarized per
// element instead (type_name, size, metadata bytes, tensor count; --json:
// "elements" in place of "values"; docs/cli.md). An entry whose dtype
// cannot be read (resource, unknown values) fails with the reader's error
// (DataLoss, exit 4, or Unimplemented, exit 5). See cli/numpy_format.h for
// the dtypes numpy lacks.
int RunShow(Env* env, absl::Span<const std::string> args, std::ostream& out,
            std::ostream& err);

// `ckpt stats PATH [KEY...] [--json]`. Per numeric tensor (all, or the keys
// given): dtype, shape, elements, min, max, mean, std (population), and the
// counts of NaN, Inf and zeros; NaN/Inf are excluded from min/max/mean/std.
// Complex tensors use the magnitude. Strings and other non-numeric tensors
// are listed with their element count only. Text: an aligned table; --json:
// an array of objects, one per line. Shows progress (cli/progress.h).
// Text columns: KEY DTYPE SHAPE ELEMENTS MIN MAX MEAN STD NAN INF ZEROS (two
// spaces apart, numbers right-aligned, floats as %.6g, `-` where a value does
// not apply). JSON: {"key","dtype","shape","elements","min","max","mean",
// "std","nan","inf","zeros"}, null where a value does not apply or is not
// finite. Unknown KEYs are NotFound (exit 3) before anything is read.
// A partitioned tensor is one row, read whole; its slice keys are not rows.
int RunStats(Env* env, absl::Span<const std::string> args, std::ostream& out,
             std::ostream& err);

// `ckpt diff A B [--by key|path] [--json] [--atol X] [--rtol Y]`. Compares
// two checkpoints: entries only in A (removed), only in B (added), with a
// different dtype or shape, and with different values, where it reports the
// max absolute difference and the relative L2 change ||b-a|| / ||a||.
// Values are equal when every element satisfies |b-a| <= atol + rtol*|a|
// (defaults 0 and 0: bitwise-equal values, NaN equal to NaN). --by key
// (default) matches bundle keys; --by path matches object paths through
// both object graphs (so renamed layers or optimizers whose keys differ are
// compared by structure). Exit 0 when equal, 1 when different (like diff),
// other codes for errors. Shows progress (cli/progress.h). Partitioned
// tensors are matched once and compared by value (read whole), so one
// partitioned another way or not at all is equal when its values are.
// With the default tolerances floats compare bit for bit (so -0 != +0) and
// any NaN equals any NaN; with a tolerance, equal infinities and two NaNs
// are equal. Integers compare exactly by value; complex values use the
// modulus; strings compare element-wise as bytes (tolerances do not apply).
// Max |b-a| and relative L2 are taken over pairs where both values are
// finite. --by key compares the object graph entry as a parsed graph. --by
// path names each attribute `<first object path>/.ATTRIBUTES/<name>` (slot
// variables through their slot node) and compares nothing else; a
// checkpoint without an object graph is FailedPrecondition (exit 5).
// Text: `- K (removed) DTYPE SHAPE`, `+ K (added) ...`, `~ K: dtype A -> B,
// shape A -> B`, `~ K: values differ: max |b-a| X, relative L2 Y (N of M
// elements)`, `~ K: strings differ (N of M elements)`, sorted by name, then
// `N added, N removed, N changed, N equal`. JSON: {"added": [{key, dtype,
// shape}], "removed": [...], "changed": [{key, dtype_a, dtype_b, shape_a,
// shape_b, max_abs_diff, rel_l2, differing}], "equal": N}.
int RunDiff(Env* env, absl::Span<const std::string> args, std::ostream& out,
            std::ostream& err);

// `ckpt dot PATH`. The object graph as Graphviz DOT: one node `n<id>` per
// object (shared objects once, labelled with the last edge name of their
// first path, `(root)` for the root, `(unreachable)` for nodes reached in no
// way), solid edges for children labelled with the edge name, dashed edges
// from a variable to its slot variables labelled with the slot name,
// variables labelled with dtype and shape (other attributes as extra
// `name: dtype [shape]` lines). Strings are shown as by DisplayText and
// escaped for DOT. A TF1 checkpoint fails with FailedPrecondition (exit 5)
// suggesting `ckpt ls`; a graph whose paths pass the bound of
// ReadGraphForDisplay is DataLoss (exit 4), as for `tree`. Output renders
// with `dot -Tsvg` and is linear in the size of the graph.
int RunDot(Env* env, absl::Span<const std::string> args, std::ostream& out,
           std::ostream& err);

// `ckpt export SRC DST [--format safetensors|npz] [--map REGEX=REPL]...
// [--drop-optimizer] [--shard-size BYTES]`: ckpt::bridges' ExportCheckpoint
// (ckpt/bridges.h) of SRC (any PATH form) to DST, the format from
// --format or DST's suffix (.safetensors, .npz; otherwise a usage error).
// Prints one line:
//   Exported 26 tensors (37074 bytes[, 6 dropped][, object graph kept]) as
//   safetensors: <src prefix> -> <file>[, <file>...]
// A dtype the format cannot carry or a bad --map rule is InvalidArgument
// (exit 2); corrupt input DataLoss (exit 4). Without the bridges component
// (CKPT_BRIDGES) it fails with Unimplemented (exit 5).
int RunExport(Env* env, absl::Span<const std::string> args, std::ostream& out,
              std::ostream& err);

// `ckpt import SRC DST [--map REGEX=REPL]...`: ImportCheckpoint of SRC (a
// .safetensors, .safetensors.index.json or .npz file) to the prefix DST
// (checked as convert checks its DST). Prints one line:
//   Imported 26 tensors (37074 bytes[, object graph restored]): SRC -> DST
// Hostile or corrupt input is DataLoss (exit 4), unsupported features
// Unimplemented (exit 5), an unknown SRC suffix FailedPrecondition (exit 5).
int RunImport(Env* env, absl::Span<const std::string> args, std::ostream& out,
              std::ostream& err);

// Checkpoint surgery (ckpt/surgery.h, docs/cli.md "Editing checkpoints"):
//   ckpt extract SRC DST --subtree PATH [--as NEWPATH] [--keep-slots]
//   ckpt rename SRC DST --map OLD=NEW... [--regex]
//   ckpt strip SRC DST [--drop-optimizer] [--keep PATH]... [--drop PATH]...
//   ckpt merge A B DST [--prefix-a X] [--prefix-b Y]
// each with [--dry-run] [--json]: ExtractSubtree, RenameObjects (every
// --map a prefix rule OLD -> NEW, split at the last '='; with --regex every
// --map a regex rule), StripObjects (at least one of --drop-optimizer,
// --keep, --drop; --keep and --drop repeatable) and MergeCheckpoints. SRC,
// A and B take any PATH form; DST is a prefix checked by
// CheckDestinationPrefix (cli/prefix.h) and must not exist (AlreadyExists,
// exit 6: edits never replace a checkpoint). Prints the EditReport: text
// (EditReport::ToText: `rename K -> K2`, `keep K`, `drop K (reason)` lines,
// then `Renamed R, kept K, dropped D values (B bytes): SRC -> DST`, or with
// --dry-run `Would rename ... (dry run)` and nothing written) or --json
// (EditReport::ToJson, one object). A missing --subtree or --map, a --map
// without '=', or no strip option is a usage error (exit 2); a path that is
// no object NotFound (exit 3); a TF1 checkpoint FailedPrecondition (exit
// 5); conflicts and bad rules InvalidArgument (exit 2).
int RunExtract(Env* env, absl::Span<const std::string> args, std::ostream& out,
               std::ostream& err);
int RunRename(Env* env, absl::Span<const std::string> args, std::ostream& out,
              std::ostream& err);
int RunStrip(Env* env, absl::Span<const std::string> args, std::ostream& out,
             std::ostream& err);
int RunMerge(Env* env, absl::Span<const std::string> args, std::ostream& out,
             std::ostream& err);

// TensorFlow's inspect_checkpoint flags, same meaning:
//   --file_name=PATH                  (required) the checkpoint
//   --tensor_name=KEY                 print that tensor's value
//   --all_tensors                     print every tensor's name and value
//   --all_tensor_names                print every tensor's name
//   (none of the three)               print "<key> (DT_FLOAT) [7,64]" lines
//                                   (then an empty line, as TF's print adds)
// Values print as numpy's str() (cli/numpy_format.h NumpyStr). Unlike TF,
// errors go to `err` with the exit codes above instead of stdout with 0.
// Called by RunCli when the first argument starts with --file_name.
int RunInspectCompat(Env* env, absl::Span<const std::string> args,
                     std::ostream& out, std::ostream& err);

// ---- helpers shared by the subcommands ----

// The object graph of the checkpoint `reader` opened at `prefix`, for the
// commands that show it: FailedPrecondition suggesting `ckpt ls` for a TF1
// (name-based) checkpoint, and errors reading the graph annotated with the
// prefix (and, for NotFound, that the graph lives in a data file). The graph
// is held to the memory bound of every reader of untrusted graphs
// (graph::NodePathTable::Limit, graph/graph_table.h): DataLoss (exit 4)
// `object graph of 'P': the paths of the object graph's N nodes take B
// bytes, more than the limit of L bytes ...` when its node paths would pass
// it. With `paths`, the node paths are built into it.
absl::StatusOr<ObjectGraph> ReadGraphForDisplay(
    const BundleReader& reader, const std::string& prefix,
    graph::NodePathTable* paths = nullptr);

// Prints `ckpt <command>: <message>` to `err` and returns the mapped code.
int ReportError(std::ostream& err, absl::string_view command,
                const absl::Status& status);

// Prints `ckpt <command>: <message>`, a blank line and the usage of
// `command` ("" for the top-level usage) to `err`; returns kExitUsage.
int UsageError(std::ostream& err, absl::string_view command,
               absl::string_view message);

// The usage text of `command` ("" for the top-level usage).
std::string UsageText(absl::string_view command);

// A command line split into flags and positional arguments.
struct ParsedArgs {
  std::vector<std::string> positional;
  // Flag name without dashes -> value ("" for boolean flags).
  absl::flat_hash_map<std::string, std::string> flags;
  bool help = false;
};

struct FlagSpec {
  absl::string_view name;  // without dashes
  bool takes_value = false;
};

// Accepts `--name`, `--name=value` and `--name value` for the flags in
// `specs`, `-h`/`--help`, and `--` ending the flags. A lone `-` is
// positional. Unless help was asked for, exactly one positional argument per
// entry of `positional_names` is required ("missing DST", "unexpected
// argument 'x'"). InvalidArgument for that, unknown flags, missing values,
// values given to boolean flags and repeated flags.
absl::StatusOr<ParsedArgs> ParseArgs(
    absl::Span<const std::string> args, absl::Span<const FlagSpec> specs,
    absl::Span<const absl::string_view> positional_names);

}  // namespace ckpt::cli

#endif  // CKPT_TOOLS_CLI_CLI_H_
