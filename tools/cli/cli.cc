// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Command dispatch, usage texts, argument parsing and the status -> exit code
// mapping of the `ckpt` tool (contract in cli/cli.h).

#include "cli/cli.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace ckpt::cli {
namespace {

constexpr absl::string_view kTopUsage =
    "usage: ckpt <command> [options] ...\n"
    "\n"
    "Inspect and rewrite TensorFlow checkpoints (TensorBundle V2).\n"
    "\n"
    "Commands:\n"
    "  ls PATH [--slices] [--json]\n"
    "                         list the entries of a checkpoint\n"
    "  ls DIR --checkpoints [--verify] [--json]\n"
    "                         list the checkpoints a directory keeps\n"
    "  verify PATH [--json]   read every tensor and check all checksums\n"
    "  convert SRC DST [--compression none|lz4] [--merge-slices]\n"
    "          [--partition KEY=N]...\n"
    "                         rewrite a checkpoint, optionally LZ4-compressed\n"
    "  tree PATH [--json]     print the object graph of a checkpoint\n"
    "  resave SRC DST         load a checkpoint by structure and save it "
    "again\n"
    "  show PATH KEY [--all] [--slice S] [--json]\n"
    "                         print a tensor's values as numpy does\n"
    "  stats PATH [KEY...] [--json]\n"
    "                         min, max, mean, std, NaN/Inf/zero counts\n"
    "  diff A B [--by key|path] [--atol X] [--rtol Y] [--json]\n"
    "                         added, removed and changed tensors (exit 1 if\n"
    "                         any)\n"
    "  dot PATH               the object graph as Graphviz DOT\n"
    "  export SRC DST [--format safetensors|npz] [--map REGEX=REPL]...\n"
    "         [--drop-optimizer] [--shard-size BYTES]\n"
    "                         a checkpoint as safetensors or numpy .npz\n"
    "  import SRC DST [--map REGEX=REPL]...\n"
    "                         safetensors or .npz to a checkpoint\n"
    "  extract SRC DST --subtree PATH [--as NEWPATH] [--keep-slots]\n"
    "                         a new checkpoint of one subtree of objects\n"
    "  rename SRC DST --map OLD=NEW... [--regex]\n"
    "                         move objects and their keys together\n"
    "  strip SRC DST [--drop-optimizer] [--keep PATH]... [--drop PATH]...\n"
    "                         leave out the optimizer or chosen objects\n"
    "  merge A B DST [--prefix-a X] [--prefix-b Y]\n"
    "                         both object graphs under one root\n"
    "                         (edits take --dry-run and --json)\n"
    "\n"
    "TensorFlow's inspect_checkpoint flags work too: --file_name=PATH\n"
    "[--tensor_name=KEY] [--all_tensors] [--all_tensor_names].\n"
    "\n"
    "PATH is a checkpoint prefix (dir/ckpt-1), its .index or\n"
    ".data-NNNNN-of-NNNNN file, a `checkpoint` state file, or a directory\n"
    "holding a state file or a single checkpoint.\n"
    "\n"
    "Run `ckpt <command> --help` for details.\n"
    "\n"
    "Exit codes: 0 ok, 1 verification failed or differences found, 2 usage\n"
    "error, 3 not found,\n"
    "4 corrupt data, 5 unsupported, 6 other error.\n";

constexpr absl::string_view kLsUsage =
    "usage: ckpt ls PATH [--slices] [--json]\n"
    "       ckpt ls DIR --checkpoints [--verify] [--json]\n"
    "\n"
    "Lists every entry stored in the checkpoint's index, in key order: key,\n"
    "dtype, shape and stored size in bytes. Needs the .index file only.\n"
    "A partitioned tensor is listed once, with its full shape, the bytes of\n"
    "all its slices and `N slices`; its slice keys are hidden. A slice key\n"
    "no tensor lists is shown, escaped, as an orphan.\n"
    "\n"
    "Options:\n"
    "  --slices  list each slice of a partitioned tensor under it: its\n"
    "            region (0,2:- is rows 0-1, all columns), dtype, shape,\n"
    "            size and shard\n"
    "  --json    print a JSON array of objects with the fields key, dtype,\n"
    "            shape, size, shard, offset and crc32c (masked, as stored);\n"
    "            a partitioned tensor adds slices (slice, start, length,\n"
    "            key, shard, offset, size, crc32c)\n"
    "\n"
    "With --checkpoints, lists the checkpoints that the `checkpoint` state\n"
    "file of DIR (a directory or that file) names, oldest first, as a\n"
    "CheckpointManager (ckpt's or TensorFlow's) keeps them: number, UTC\n"
    "timestamp, bytes on disk, metric, flags (latest, pinned, preserved:\n"
    "never deleted by the manager, missing: files gone or index unreadable)\n"
    "and name.\n"
    "  --verify  also read every tensor of each checkpoint (VERIFIED column;\n"
    "            JSON: verified, error); exit 1 if one fails, its error on\n"
    "            stderr\n"
    "  --json    an array of objects: prefix, name, number, timestamp,\n"
    "            bytes, metric, pinned, preserved, latest, files_present\n";

constexpr absl::string_view kVerifyUsage =
    "usage: ckpt verify PATH [--json]\n"
    "\n"
    "Reads every tensor of the checkpoint and checks every index block and\n"
    "tensor checksum. Prints one summary line and exits 0 when everything is\n"
    "intact; otherwise prints one line per failure to stderr and exits 1.\n"
    "\n"
    "Options:\n"
    "  --json    print one JSON object instead: prefix, ok, tensors, "
    "verified,\n"
    "            bytes, data_files, missing_data_files, failures (file, key,\n"
    "            error), index_error for a corrupt index; slices and\n"
    "            slices_verified when there are partitioned tensors\n";

constexpr absl::string_view kConvertUsage =
    "usage: ckpt convert SRC DST [--compression none|lz4] [--merge-slices]\n"
    "                    [--partition KEY=N]...\n"
    "\n"
    "Rewrites the checkpoint SRC (any PATH form) to the prefix DST, keeping\n"
    "shards, tensor order and the slices of partitioned tensors. Without\n"
    "compression the result is byte-identical to a TensorFlow-written SRC.\n"
    "\n"
    "Options:\n"
    "  --compression none|lz4   compression of numeric tensors (default\n"
    "                           none); lz4 bundles are readable by ckpt only\n"
    "  --merge-slices           write every partitioned tensor whole\n"
    "  --partition KEY=N        write tensor KEY as N slices along axis 0,\n"
    "                           rows split as TensorFlow's fixed-size\n"
    "                           partitioner does (N is clamped to the\n"
    "                           number of rows); repeatable\n";

constexpr absl::string_view kTreeUsage =
    "usage: ckpt tree PATH [--json]\n"
    "\n"
    "Prints the object graph of an object-based (TF2) checkpoint: one line\n"
    "per object along its first path, its attributes with dtype, shape and\n"
    "key, optimizer slots under their variables, and shared objects once\n"
    "(later edges shown as `name -> node N (see PATH)`). Reads the index and\n"
    "the object graph only. A TF1 checkpoint has no object graph: use\n"
    "`ckpt ls`.\n"
    "\n"
    "Options:\n"
    "  --json    print a JSON array of nodes in id order with the fields id,\n"
    "            path, children (name, id), attributes (name, key, dtype,\n"
    "            shape) and slots (slot_name, original_id, slot_id)\n";

constexpr absl::string_view kResaveUsage =
    "usage: ckpt resave SRC DST\n"
    "\n"
    "Loads the object-based checkpoint SRC (any PATH form) by structure,\n"
    "restoring every value, and saves it to the prefix DST with ckpt's own\n"
    "writer: one data file, TensorFlow's node, key and tensor order. A\n"
    "single-shard checkpoint written by TensorFlow 2.0-2.4 comes back\n"
    "byte-identical.\n";

constexpr absl::string_view kShowUsage =
    "usage: ckpt show PATH KEY [--all] [--slice SLICE] [--json]\n"
    "\n"
    "Prints the value of the tensor KEY as numpy prints an array: more than\n"
    "1000 elements are summarized with `...` (first and last 3 per\n"
    "dimension). float16 and bfloat16 are shown as numbers, strings as\n"
    "escaped bytes literals. A variant tensor is summarized: one line per\n"
    "element with its type_name and sizes (20 lines unless --all).\n"
    "\n"
    "Options:\n"
    "  --all            print every element\n"
    "  --slice SLICE    numpy indexing per dimension, comma separated:\n"
    "                   3, 1:4, :, ::2, -1 (e.g. --slice 0,1:3); of a\n"
    "                   partitioned tensor only the slices it meets are read\n"
    "  --json           print {key, dtype, shape, slice, values}\n";

constexpr absl::string_view kStatsUsage =
    "usage: ckpt stats PATH [KEY...] [--json]\n"
    "\n"
    "Per tensor (all, or the KEYs given): elements, min, max, mean, std and\n"
    "the counts of NaN, Inf and zeros. NaN and Inf are left out of min, max,\n"
    "mean and std; complex tensors use the magnitude; non-numeric tensors\n"
    "show their element count only.\n"
    "\n"
    "Options:\n"
    "  --json    print a JSON array of objects, one per tensor\n";

constexpr absl::string_view kDiffUsage =
    "usage: ckpt diff A B [--by key|path] [--atol X] [--rtol Y] [--json]\n"
    "\n"
    "Compares two checkpoints: tensors only in A (removed), only in B\n"
    "(added), with another dtype or shape, and with other values (max\n"
    "absolute difference and relative L2 change ||b-a||/||a||). Exits 0 when\n"
    "they are equal and 1 when they differ, as diff does.\n"
    "\n"
    "Options:\n"
    "  --by key|path   match tensors by bundle key (default) or by object\n"
    "                  path through the object graphs\n"
    "  --atol X        values are equal when |b-a| <= atol + rtol*|a|\n"
    "  --rtol Y        (both default 0: bit-for-bit, NaN equals NaN)\n"
    "  --json          print one JSON object with the differences\n";

constexpr absl::string_view kDotUsage =
    "usage: ckpt dot PATH\n"
    "\n"
    "Prints the object graph as Graphviz DOT: objects once, child edges\n"
    "labelled with their names, dashed edges from variables to their\n"
    "optimizer slots, variables with dtype and shape. Render it with\n"
    "`ckpt dot PATH | dot -Tsvg > graph.svg`.\n";

constexpr absl::string_view kInspectUsage =
    "usage: ckpt --file_name=PATH [--tensor_name=KEY] [--all_tensors]\n"
    "            [--all_tensor_names]\n"
    "\n"
    "TensorFlow's inspect_checkpoint, same flags and meaning: without\n"
    "--tensor_name or --all_* prints every tensor's name, dtype and shape;\n"
    "--tensor_name prints one tensor's value; --all_tensors prints every\n"
    "name and value; --all_tensor_names prints every name.\n";

constexpr absl::string_view kExportUsage =
    "usage: ckpt export SRC DST [--format safetensors|npz]\n"
    "                   [--map REGEX=REPLACEMENT]... [--drop-optimizer]\n"
    "                   [--shard-size BYTES]\n"
    "\n"
    "Writes the checkpoint SRC (any PATH form) as a safetensors file or a\n"
    "numpy .npz archive DST, value for value (dtype, shape and bytes kept;\n"
    "the object graph is carried so that `ckpt import` restores the same\n"
    "checkpoint). Tensors are streamed one at a time; DST appears only once\n"
    "complete. A dtype the format cannot hold is an error naming the key.\n"
    "\n"
    "Options:\n"
    "  --format safetensors|npz  default: from DST's suffix\n"
    "  --map REGEX=REPLACEMENT   rename keys (std::regex ECMAScript, every\n"
    "                            match replaced, $1 for groups); repeatable,\n"
    "                            applied in order\n"
    "  --drop-optimizer          leave out slot variables and optimizer state\n"
    "  --shard-size BYTES        safetensors: above this size write shards\n"
    "                            <base>-00001-of-0000N.safetensors and\n"
    "                            <base>.safetensors.index.json (DST is\n"
    "                            <base>.safetensors); 5G, 500M, 1000000\n";

constexpr absl::string_view kImportUsage =
    "usage: ckpt import SRC DST [--map REGEX=REPLACEMENT]...\n"
    "\n"
    "Writes SRC (a .safetensors file, a .safetensors.index.json with its\n"
    "shards, or a numpy .npz) as a TensorFlow checkpoint at the prefix DST.\n"
    "Input files are checked as untrusted (offsets, sizes, dtypes, zip\n"
    "CRC-32s); an object graph carried by `ckpt export` is restored when no\n"
    "--map rule renames keys.\n"
    "\n"
    "Options:\n"
    "  --map REGEX=REPLACEMENT   rename keys; repeatable, applied in order\n";

// The edits (tools/cli/cmd_edit.cc): each usage is its head, this, then its
// own options (EditUsage).
constexpr absl::string_view kEditCommonUsage =
    "The result is a new TensorFlow checkpoint whose object graph and keys\n"
    "are rewritten together, so it restores by structure. DST must not\n"
    "exist; the output is verified before it is renamed into place and the\n"
    "sources are only read. Prints one line per value (rename K -> K2,\n"
    "keep K, drop K (reason)) and a summary.\n"
    "\n"
    "Options:\n"
    "  --dry-run        print what would change; write nothing\n"
    "  --json           print the report as one JSON object\n";

constexpr absl::string_view kExtractUsage =
    "usage: ckpt extract SRC DST --subtree PATH [--as NEWPATH] [--keep-slots]\n"
    "                    [--dry-run] [--json]\n"
    "\n"
    "Writes the objects at and below PATH (an object path as `ckpt tree`\n"
    "prints it) of SRC to DST: re-rooted (PATH becomes the root), or with\n"
    "--as moved to NEWPATH. Slot variables of the extracted variables are\n"
    "left out with their optimizer unless --keep-slots: then each optimizer\n"
    "holding such slots is kept at its own path, with only those slots.\n"
    "Keys no object names are left out.\n"
    "\n";
constexpr absl::string_view kExtractOptions =
    "  --subtree PATH   the object to extract (required)\n"
    "  --as NEWPATH     where it goes (default: the root)\n"
    "  --keep-slots     keep the optimizer slots of the extracted variables\n";

constexpr absl::string_view kRenameUsage =
    "usage: ckpt rename SRC DST --map OLD=NEW... [--regex] [--dry-run]\n"
    "                   [--json]\n"
    "\n"
    "Moves the objects at and below the object path OLD to NEW (\"\" is the\n"
    "root), renaming their keys with them. The last '=' splits a rule;\n"
    "rules are tried in order, the first that matches decides, and a rule\n"
    "that matches nothing is an error. Keys no object names are kept.\n"
    "\n";
constexpr absl::string_view kRenameOptions =
    "  --map OLD=NEW    a path rule; repeatable\n"
    "  --regex          every OLD is a regular expression (Perl syntax)\n"
    "                   matching a whole path, NEW its replacement ($1)\n";

constexpr absl::string_view kStripUsage =
    "usage: ckpt strip SRC DST [--drop-optimizer] [--keep PATH]...\n"
    "                  [--drop PATH]... [--dry-run] [--json]\n"
    "\n"
    "Writes SRC without the objects named (at least one option). Drops win\n"
    "over keeps. Keys no object names are left out.\n"
    "\n";
constexpr absl::string_view kStripOptions =
    "  --drop-optimizer every object holding slot variables or reached by\n"
    "                   an edge named ...optimizer, and every slot variable\n"
    "  --keep PATH      keep only these objects (and those above them as\n"
    "                   empty holders); repeatable\n"
    "  --drop PATH      leave out these objects; repeatable\n";

constexpr absl::string_view kMergeUsage =
    "usage: ckpt merge A B DST [--prefix-a X] [--prefix-b Y] [--dry-run]\n"
    "                  [--json]\n"
    "\n"
    "Writes one checkpoint holding the objects of A and of B under one\n"
    "root: A's root children, then B's, each side first moved under its\n"
    "prefix if given. A root child name in both (two tf.train.Checkpoints\n"
    "both have save_counter) or a key in both is an error: give prefixes.\n"
    "\n";
constexpr absl::string_view kMergeOptions =
    "  --prefix-a X     the object path A's root moves to\n"
    "  --prefix-b Y     the object path B's root moves to\n";

std::string EditUsage(absl::string_view head, absl::string_view options) {
  return absl::StrCat(head, kEditCommonUsage, options);
}

bool IsCommand(absl::string_view name) {
  return name == "ls" || name == "verify" || name == "convert" ||
         name == "tree" || name == "resave" || name == "show" ||
         name == "stats" || name == "diff" || name == "dot" ||
         name == "export" || name == "import" || name == "extract" ||
         name == "rename" || name == "strip" || name == "merge";
}

}  // namespace

absl::StatusOr<ObjectGraph> ReadGraphForDisplay(const BundleReader& reader,
                                                const std::string& prefix,
                                                graph::NodePathTable* paths) {
  absl::StatusOr<bool> has_graph = HasObjectGraph(reader);
  if (!has_graph.ok()) return has_graph.status();
  if (!*has_graph) {
    return absl::FailedPreconditionError(absl::StrCat(
        "'", prefix,
        "' has no object graph (a TF1 name-based checkpoint); use `ckpt ls` "
        "to list its variables"));
  }
  absl::StatusOr<graph::GraphTable> table = graph::ReadGraphTable(reader);
  if (!table.ok()) {
    return absl::Status(
        table.status().code(),
        absl::StrCat("reading the object graph of '", prefix,
                     "': ", table.status().message(),
                     absl::IsNotFound(table.status())
                         ? " (the graph is stored in a data file; `ckpt ls` "
                           "needs the index only)"
                         : ""));
  }
  const std::string what = absl::StrCat("object graph of '", prefix, "'");
  if (paths != nullptr) {
    absl::StatusOr<graph::NodePathTable> built =
        graph::NodePathTable::Build(*table, what);
    if (!built.ok()) return built.status();
    *paths = *std::move(built);
  } else {
    absl::Status bounded = graph::NodePathTable::Check(*table, what);
    if (!bounded.ok()) return bounded;
  }
  return table->ToObjectGraph();
}

int ExitCodeForStatus(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return kExitOk;
    case absl::StatusCode::kInvalidArgument:
      return kExitUsage;
    case absl::StatusCode::kNotFound:
      return kExitNotFound;
    case absl::StatusCode::kDataLoss:
      return kExitDataLoss;
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kUnimplemented:
      return kExitUnsupported;
    default:
      return kExitOther;
  }
}

std::string UsageText(absl::string_view command) {
  if (command == "ls") return std::string(kLsUsage);
  if (command == "verify") return std::string(kVerifyUsage);
  if (command == "convert") return std::string(kConvertUsage);
  if (command == "tree") return std::string(kTreeUsage);
  if (command == "resave") return std::string(kResaveUsage);
  if (command == "show") return std::string(kShowUsage);
  if (command == "stats") return std::string(kStatsUsage);
  if (command == "diff") return std::string(kDiffUsage);
  if (command == "dot") return std::string(kDotUsage);
  if (command == "export") return std::string(kExportUsage);
  if (command == "import") return std::string(kImportUsage);
  if (command == "inspect") return std::string(kInspectUsage);
  if (command == "extract") return EditUsage(kExtractUsage, kExtractOptions);
  if (command == "rename") return EditUsage(kRenameUsage, kRenameOptions);
  if (command == "strip") return EditUsage(kStripUsage, kStripOptions);
  if (command == "merge") return EditUsage(kMergeUsage, kMergeOptions);
  return std::string(kTopUsage);
}

int ReportError(std::ostream& err, absl::string_view command,
                const absl::Status& status) {
  err << "ckpt";
  if (!command.empty()) err << " " << command;
  err << ": " << status.message() << "\n";
  const int code = ExitCodeForStatus(status);
  // An OK status is not an error; never report success by accident.
  return code == kExitOk ? kExitOther : code;
}

int UsageError(std::ostream& err, absl::string_view command,
               absl::string_view message) {
  err << "ckpt";
  if (!command.empty()) err << " " << command;
  err << ": " << message << "\n\n" << UsageText(command);
  return kExitUsage;
}

absl::StatusOr<ParsedArgs> ParseArgs(
    absl::Span<const std::string> args, absl::Span<const FlagSpec> specs,
    absl::Span<const absl::string_view> positional_names) {
  ParsedArgs parsed;
  bool flags_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (flags_done || arg == "-" || !absl::StartsWith(arg, "-")) {
      parsed.positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      flags_done = true;
      continue;
    }
    if (arg == "-h" || arg == "--help") {
      parsed.help = true;
      continue;
    }
    if (!absl::StartsWith(arg, "--")) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown option '", arg, "'"));
    }
    absl::string_view body = absl::string_view(arg).substr(2);
    absl::string_view name = body;
    absl::string_view value;
    bool has_value = false;
    if (const size_t eq = body.find('='); eq != absl::string_view::npos) {
      name = body.substr(0, eq);
      value = body.substr(eq + 1);
      has_value = true;
    }
    const FlagSpec* spec = nullptr;
    for (const FlagSpec& s : specs) {
      if (s.name == name) spec = &s;
    }
    if (spec == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown option '--", name, "'"));
    }
    if (parsed.flags.contains(std::string(name))) {
      return absl::InvalidArgumentError(
          absl::StrCat("option '--", name, "' given more than once"));
    }
    if (!spec->takes_value) {
      if (has_value) {
        return absl::InvalidArgumentError(
            absl::StrCat("option '--", name, "' takes no value"));
      }
      parsed.flags.emplace(std::string(name), "");
      continue;
    }
    if (!has_value) {
      if (i + 1 >= args.size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("option '--", name, "' needs a value"));
      }
      value = args[++i];
    }
    parsed.flags.emplace(std::string(name), std::string(value));
  }
  if (parsed.help) return parsed;
  const size_t have = parsed.positional.size();
  if (have < positional_names.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("missing ", positional_names[have]));
  }
  if (have > positional_names.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("unexpected argument '",
                     parsed.positional[positional_names.size()], "'"));
  }
  return parsed;
}

int RunCli(Env* env, absl::Span<const std::string> args, std::ostream& out,
           std::ostream& err) {
  if (args.empty()) return UsageError(err, "", "no command given");
  const std::string& command = args[0];
  const absl::Span<const std::string> rest = args.subspan(1);
  if (command == "-h" || command == "--help" || command == "help") {
    if (rest.empty()) {
      out << UsageText("");
      return kExitOk;
    }
    if (rest.size() == 1 && IsCommand(rest[0])) {
      out << UsageText(rest[0]);
      return kExitOk;
    }
    return UsageError(err, "", absl::StrCat("unknown command '", rest[0], "'"));
  }
  if (command == "ls") return RunLs(env, rest, out, err);
  if (command == "verify") return RunVerify(env, rest, out, err);
  if (command == "convert") return RunConvert(env, rest, out, err);
  if (command == "tree") return RunTree(env, rest, out, err);
  if (command == "resave") return RunResave(env, rest, out, err);
  if (command == "show") return RunShow(env, rest, out, err);
  if (command == "stats") return RunStats(env, rest, out, err);
  if (command == "diff") return RunDiff(env, rest, out, err);
  if (command == "dot") return RunDot(env, rest, out, err);
  if (command == "export") return RunExport(env, rest, out, err);
  if (command == "import") return RunImport(env, rest, out, err);
  if (command == "extract") return RunExtract(env, rest, out, err);
  if (command == "rename") return RunRename(env, rest, out, err);
  if (command == "strip") return RunStrip(env, rest, out, err);
  if (command == "merge") return RunMerge(env, rest, out, err);
  for (const std::string& arg : args) {
    if (absl::StartsWith(arg, "--file_name")) {
      return RunInspectCompat(env, args, out, err);
    }
  }
  if (absl::StartsWith(command, "-")) {
    return UsageError(err, "", absl::StrCat("unknown option '", command, "'"));
  }
  return UsageError(err, "", absl::StrCat("unknown command '", command, "'"));
}

}  // namespace ckpt::cli
