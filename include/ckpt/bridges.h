// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: ckpt/bridges.h
// -----------------------------------------------------------------------------
//
// Bridges between TensorFlow checkpoints and the formats weights are shared
// in elsewhere: safetensors (single file, or sharded with a
// model.safetensors.index.json as the model hubs lay them out) and numpy's
// .npz. The optional component ckpt::bridges (CKPT_BRIDGES; nlohmann-json
// and zlib), behind `ckpt export` and `ckpt import` (docs/cli.md, "Export
// and import"); byte layouts in docs/bridges.md.
//
// Contract:
//   * Exact: a tensor's dtype, shape and bytes are carried unchanged.
//     TF -> safetensors -> TF and TF -> npz -> TF give the same keys, dtypes,
//     shapes and bytes: the object graph travels in safetensors'
//     __metadata__ ("ckpt.object_graph", base64) and in an .npz as the uint8
//     member "_CHECKPOINTABLE_OBJECT_GRAPH". A dtype the target format
//     cannot carry is InvalidArgument naming the key and the dtype, found
//     from the index before any file is written (safetensors: strings,
//     complex, quantized, int4/uint4, the fnuz float8s, variant, resource;
//     npz: bfloat16, every float8, int4/uint4, quantized, variant,
//     resource); while streaming, an npz string tensor with an element
//     ending in a NUL byte (which numpy's 'S' dtype drops) or whose
//     fixed-width form would pass 16 times its bytes plus 1 MiB is refused
//     the same way (its temporary file removed).
//   * Streaming: export reads one tensor at a time (a partitioned tensor is
//     assembled whole), writes it and frees it; import reads one member at a
//     time. Peak memory is about the largest tensor plus buffers (an .npz
//     member in Fortran order: twice its size), whatever the checkpoint's
//     size (docs/performance.md, "Export and import").
//   * Checked: every tensor read from a checkpoint is checksum-verified; an
//     .npz member's CRC-32 is verified; safetensors and .npz input is
//     untrusted and parsed with the checks of bridges/*_format.h (DataLoss
//     for corrupt or hostile bytes, Unimplemented for features not
//     supported, never a crash).
//   * Atomic: outputs are written under temporary names and renamed into
//     place once all are complete (a sharded export renames the shards,
//     then the index); a failure before that leaves no output file and
//     removes its temporaries (a failed rename keeps the complete files
//     already renamed). An import writes through BundleWriter (same rules).
//     A destination that is a file of the source bundle is refused. Files
//     of an earlier export that this one does not write (shards of another
//     count) are left alone.
//   * Keys: `key_rules` apply in order to every key (std::regex ECMAScript,
//     every match replaced, `$1` for groups); a key mapped to "" or two
//     keys mapped to one name are InvalidArgument naming both. With rules
//     or drop_optimizer the object graph is not carried (its keys would no
//     longer match).
//
// Example:
//
//   ckpt::bridges::ExportOptions options;
//   options.format = ckpt::bridges::ExportFormat::kSafetensors;
//   options.drop_optimizer = true;
//   CKPT_ASSIGN_OR_RETURN(ckpt::bridges::ExportResult r,
//                         ckpt::bridges::ExportCheckpoint(
//                             ckpt::Env::Default(), "train/ckpt-7",
//                             "out/model.safetensors", options));

#ifndef CKPT_BRIDGES_H_
#define CKPT_BRIDGES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "ckpt/env.h"

namespace ckpt::bridges {

enum class ExportFormat { kSafetensors, kNpz };

// One key mapping rule: every match of `pattern` in a key is replaced by
// `replacement`.
struct KeyRule {
  std::string pattern;
  std::string replacement;
};

// "REGEX=REPLACEMENT", split at the first '=' (write a '=' inside REGEX as
// \x3d). InvalidArgument for text without '=', an empty REGEX or one
// std::regex refuses (the message names the rule).
absl::StatusOr<KeyRule> ParseKeyRule(absl::string_view text);

// ParseKeyRule of each text, in order; the first error.
absl::StatusOr<std::vector<KeyRule>> ParseKeyRules(
    absl::Span<const std::string> texts);

struct ExportOptions {
  ExportFormat format = ExportFormat::kSafetensors;
  std::vector<KeyRule> key_rules;
  // Leave out optimizer state: slot variables, and every object reached from
  // the root only through an optimizer (a node that holds slot variables, or
  // one reached by an edge whose name ends in "optimizer", as Keras names
  // them). A checkpoint without an object graph drops keys holding
  // "/.OPTIMIZER_SLOT/", TF1 slot names (".../Adam", ".../Adam_1",
  // ".../Momentum", ".../RMSProp", ".../RMSProp_1", ".../Adagrad",
  // ".../Adadelta", ".../Adadelta_1", ".../Ftrl", ".../Ftrl_1") and
  // "beta1_power"/"beta2_power".
  bool drop_optimizer = false;
  // safetensors only: when the tensors' bytes pass this, write shards of at
  // most this many bytes each (a tensor larger than the limit is a shard of
  // its own) named <base>-00001-of-0000N.safetensors beside
  // <base>.safetensors.index.json, where DST is <base>.safetensors. 0: one
  // file whatever the size.
  uint64_t max_shard_bytes = 0;
};

struct ExportResult {
  int64_t tensors = 0;             // written
  int64_t dropped = 0;             // left out by drop_optimizer
  bool object_graph = false;       // the object graph was carried
  uint64_t bytes = 0;              // tensor bytes written
  std::vector<std::string> files;  // written, in order (index last)
};

// Exports the checkpoint at `prefix` (a bundle prefix) to `dst`: a
// .safetensors file (sharded: <base>.safetensors, see max_shard_bytes), or
// an .npz file.
// safetensors' __metadata__ records "format": "tf", "ckpt.source" (the
// prefix), "ckpt.path.<name>" (the object path of each tensor, as
// ckpt.restore_map names it) and "ckpt.key.<name>" for each renamed key.
absl::StatusOr<ExportResult> ExportCheckpoint(Env* env,
                                              const std::string& prefix,
                                              const std::string& dst,
                                              const ExportOptions& options);

struct ImportOptions {
  std::vector<KeyRule> key_rules;
};

struct ImportResult {
  int64_t tensors = 0;
  bool object_graph = false;  // the object graph was restored
  uint64_t bytes = 0;
};

// Imports `src` (a .safetensors file, a .safetensors.index.json with its
// shards, or an .npz) into a TensorFlow bundle at `dst_prefix`. Members of
// an .npz are named "<key>.npy"; one stored in Fortran order is transposed
// to C order. FailedPrecondition for an unknown suffix. A tensor that would
// be stored under the object graph's key or a slice key ("\0...") is
// DataLoss (InvalidArgument when a key rule produced the name).
absl::StatusOr<ImportResult> ImportCheckpoint(Env* env, const std::string& src,
                                              const std::string& dst_prefix,
                                              const ImportOptions& options);

}  // namespace ckpt::bridges

#endif  // CKPT_BRIDGES_H_
