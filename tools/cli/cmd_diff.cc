// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// `ckpt diff A B [--by key|path] [--atol X] [--rtol Y] [--json]`: compares two
// checkpoints (contract in cli/cli.h). Tensors are read one pair at a time;
// every difference is collected before anything is printed, so an error
// never leaves partial output on stdout.
//
// Matching:
//   * --by key (default): bundle keys. The object graph entry
//     (_CHECKPOINTABLE_OBJECT_GRAPH) is compared as a parsed graph, so a
//     graph re-serialized with another field order is equal.
//   * --by path: every attribute of every node reachable in the object graph
//     is named "<first object path>/.ATTRIBUTES/<attribute>" (slot variables
//     through their slot node, see NodePaths), and entries are matched by that
//     name. Entries no attribute refers to (the graph itself) are not
//     compared, nor are attributes whose key has no index entry. A checkpoint
//     without an object graph is FailedPrecondition (exit 5).
//
// Partitioned tensors are matched once, by their own key or path (the slice
// keys they list are not entries of their own), and compared by value, read
// whole: a partitioned tensor equals a plain one, or one partitioned
// another way, holding the same values. The layout is not compared (`ckpt ls
// --slices` shows it).
//
// Equality: dtypes and shapes must match; then values are equal when every
// element satisfies |b-a| <= atol + rtol*|a|. With both tolerances 0 (the
// default) that means bit-for-bit equal elements, any NaN equal to any NaN
// (so -0 and +0 differ). With a tolerance, equal infinities and two NaNs are
// equal. Complex elements use the complex modulus. Integer elements compare
// exactly. Strings compare element-wise as bytes (tolerances do not apply).
// For numeric differences the report gives max |b-a| and the relative L2
// change ||b-a|| / ||a||, both over the element pairs where a and b are both
// finite (relative L2 is inf when ||a|| is 0 and ||b-a|| is not), and the
// number of differing elements.
//
// Text, one line per difference in name order, then a summary:
//   - key (removed) float32 [3]
//   + key (added) float32 [3]
//   ~ key: dtype float32 -> float64, shape [3] -> [4]
//   ~ key: values differ: max |b-a| 0.5, relative L2 0.0123 (12 of 64
//     elements)
//   ~ key: strings differ (3 of 10 elements)
//   1 added, 1 removed, 2 changed, 30 equal
// --json, one object:
//   {"added": [{"key", "dtype", "shape"}...], "removed": [...],
//    "changed": [{"key", "dtype_a", "dtype_b", "shape_a", "shape_b",
//                 "max_abs_diff", "rel_l2", "differing"}...], "equal": N}
// with null for what does not apply (non-finite numbers too).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/dtype.h"
#include "ckpt/object_graph.h"
#include "ckpt/tensor.h"
#include "cli/cli.h"
#include "cli/output.h"
#include "cli/prefix.h"
#include "cli/progress.h"
#include "cli/slices.h"
#include "cli/values.h"
#include "graph/graph_table.h"

namespace ckpt::cli {
namespace {

constexpr absl::string_view kCommand = "diff";

// One side's entries by match name (key or object path).
struct Side {
  std::string prefix;
  std::unique_ptr<BundleReader> reader;
  // name -> (bundle key, entry).
  std::map<std::string, std::pair<std::string, BundleEntry>> entries;
};

struct Tolerance {
  double atol = 0;
  double rtol = 0;
  bool exact() const { return atol == 0 && rtol == 0; }
};

// How the values of two tensors with the same dtype and shape compare.
struct ValueDiff {
  int64_t differing = 0;
  bool numeric = false;  // max_abs and rel_l2 are meaningful
  double max_abs = 0;
  double rel_l2 = 0;
  std::string note;  // text for non-numeric differences
};

// One line of the report.
struct Change {
  enum class Kind { kRemoved, kAdded, kChanged };
  Kind kind;
  std::string name;
  DataType dtype_a = DataType::kInvalid, dtype_b = DataType::kInvalid;
  TensorShape shape_a, shape_b;
  std::optional<ValueDiff> values;  // unset: dtype or shape changed
};

std::string ShapeText(const TensorShape& shape) {
  return absl::StrCat("[", absl::StrJoin(shape.dims(), ","), "]");
}

std::string DtypeText(DataType dtype) {
  return DataTypeDisplayName(static_cast<int32_t>(dtype));
}

std::string TextNumber(double v) { return absl::StrFormat("%.6g", v); }

// Shortest %.Ng reading back as the same double; null if not finite.
std::string JsonNumber(double v) {
  if (!std::isfinite(v)) return "null";
  for (int precision = 6; precision < 17; ++precision) {
    std::string text = absl::StrFormat("%.*g", precision, v);
    double back = 0;
    if (absl::SimpleAtod(text, &back) && back == v) return text;
  }
  return absl::StrFormat("%.17g", v);
}

// A non-negative finite number for --atol/--rtol.
absl::StatusOr<double> ParseTolerance(absl::string_view flag,
                                      const std::string& text) {
  double v = 0;
  if (!absl::SimpleAtod(text, &v) || !std::isfinite(v) || v < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid value '", text, "' for --", flag,
                     ": want a non-negative number"));
  }
  return v;
}

// Accumulates sqrt(sum x^2) without overflow or underflow (scaled sum of
// squares, as LAPACK's dnrm2).
class Norm {
 public:
  void Add(double x) {
    x = std::fabs(x);
    if (x == 0) return;
    if (x > scale_) {
      const double r = scale_ / x;
      ssq_ = 1 + ssq_ * r * r;
      scale_ = x;
    } else {
      const double r = x / scale_;
      ssq_ += r * r;
    }
  }
  double value() const { return scale_ * std::sqrt(ssq_); }

 private:
  double scale_ = 0;
  double ssq_ = 0;
};

// Compares two numeric tensors of the same dtype and shape.
ValueDiff CompareNumeric(const Tensor& a, const Tensor& b, Tolerance tol) {
  ValueDiff d;
  d.numeric = true;
  const DataType dt = a.dtype();
  const bool complex = IsComplexDataType(dt);
  const bool integer = IsIntegerDataType(dt);
  const size_t width = DataTypeSize(dt);
  const char* abytes = a.bytes().data();
  const char* bbytes = b.bytes().data();
  const int64_t n = a.num_elements();
  if (tol.exact() && a.bytes() == b.bytes()) return d;  // equal, all zeros
  Norm diff_norm, a_norm;
  double ar[kDecodeChunk], br[kDecodeChunk];
  double ai[kDecodeChunk] = {}, bi[kDecodeChunk] = {};  // stay 0 unless complex
  for (int64_t begin = 0; begin < n; begin += kDecodeChunk) {
    const int64_t count = std::min(kDecodeChunk, n - begin);
    DecodeReal(a, begin, count, ar);
    DecodeReal(b, begin, count, br);
    if (complex) {
      DecodeImag(a, begin, count, ai);
      DecodeImag(b, begin, count, bi);
    }
    for (int64_t k = 0; k < count; ++k) {
      const int64_t i = begin + k;
      const double are = ar[k], bre = br[k];
      const double aim = ai[k], bim = bi[k];
      const bool a_nan = std::isnan(are) || std::isnan(aim);
      const bool b_nan = std::isnan(bre) || std::isnan(bim);
      const double abs_diff =
          complex ? std::hypot(bre - are, bim - aim) : std::fabs(bre - are);
      bool equal;
      if (integer && tol.exact()) {
        // Exact, whatever the stored bits outside the value (int4).
        equal = ElementInt(a, i) == ElementInt(b, i);
      } else if (a_nan || b_nan) {
        equal = a_nan && b_nan;
      } else if (tol.exact()) {
        const size_t off = static_cast<size_t>(i) * width;
        equal = std::memcmp(abytes + off, bbytes + off, width) == 0;
      } else {
        equal =
            (are == bre && aim == bim) ||
            abs_diff <= tol.atol + tol.rtol * (complex ? std::hypot(are, aim)
                                                       : std::fabs(are));
      }
      if (!equal) ++d.differing;
      const bool finite = std::isfinite(are) && std::isfinite(aim) &&
                          std::isfinite(bre) && std::isfinite(bim);
      if (!finite) continue;
      d.max_abs = std::max(d.max_abs, abs_diff);
      diff_norm.Add(bre - are);
      a_norm.Add(are);
      if (complex) {
        diff_norm.Add(bim - aim);
        a_norm.Add(aim);
      }
    }
  }
  const double num = diff_norm.value(), den = a_norm.value();
  d.rel_l2 = den > 0 ? num / den
                     : (num > 0 ? std::numeric_limits<double>::infinity() : 0);
  return d;
}

// Compares two string tensors of the same shape element-wise.
ValueDiff CompareStrings(const Tensor& a, const Tensor& b) {
  ValueDiff d;
  const auto& sa = a.strings();
  const auto& sb = b.strings();
  for (size_t i = 0; i < sa.size() && i < sb.size(); ++i) {
    if (sa[i] != sb[i]) ++d.differing;
  }
  if (d.differing > 0) {
    d.note = absl::StrCat("strings differ (", d.differing, " of ", sa.size(),
                          " elements)");
  }
  return d;
}

// Compares the values of one matched pair (same dtype and shape).
absl::StatusOr<ValueDiff> CompareValues(const Side& a, const std::string& key_a,
                                        const Side& b, const std::string& key_b,
                                        Tolerance tol) {
  ValueDiff d;
  // A partitioned tensor is read whole (assembled from its slices): values
  // are compared however either side is partitioned.
  absl::StatusOr<Tensor> ta = a.reader->Read(key_a);
  if (!ta.ok()) return ta.status();
  absl::StatusOr<Tensor> tb = b.reader->Read(key_b);
  if (!tb.ok()) return tb.status();
  if (key_a == kObjectGraphKey && key_b == kObjectGraphKey && ta->is_string() &&
      ta->num_elements() == 1 && tb->num_elements() == 1 &&
      ta->strings()[0] != tb->strings()[0]) {
    // The graph: equal when it parses to the same graph.
    absl::StatusOr<ObjectGraph> ga =
        ParseObjectGraph(ta->strings()[0], IndexFilename(a.prefix));
    absl::StatusOr<ObjectGraph> gb =
        ParseObjectGraph(tb->strings()[0], IndexFilename(b.prefix));
    if (ga.ok() && gb.ok() && *ga == *gb) return d;
    d.differing = 1;
    d.note = "object graphs differ";
    return d;
  }
  if (ta->holds_strings()) return CompareStrings(*ta, *tb);  // or variant
  if (IsNumericDataType(ta->dtype())) return CompareNumeric(*ta, *tb, tol);
  // Unknown kinds of values: compare the bytes.
  if (ta->bytes() != tb->bytes()) {
    d.differing = ta->num_elements();
    d.note = "bytes differ";
  }
  return d;
}

// Fills side->entries keyed by bundle key: every tensor once, the slice
// keys a partitioned tensor lists hidden (orphaned slice keys are kept and
// compared as entries). A partitioned tensor's entry gets the bytes of all
// its slices as its size (for progress).
absl::Status CollectByKey(Side* side) {
  absl::StatusOr<std::vector<std::pair<std::string, BundleEntry>>> entries =
      side->reader->ListEntries();
  if (!entries.ok()) return entries.status();
  for (ListedTensor& t : ListTensors(*side->reader, *entries)) {
    t.entry.size = t.stored_size;
    side->entries.emplace(t.key, std::make_pair(t.key, std::move(t.entry)));
  }
  return absl::OkStatus();
}

// Fills side->entries keyed by "<object path>/.ATTRIBUTES/<name>".
absl::Status CollectByPath(Side* side) {
  absl::StatusOr<bool> has_graph = HasObjectGraph(*side->reader);
  if (!has_graph.ok()) return has_graph.status();
  if (!*has_graph) {
    return absl::FailedPreconditionError(absl::StrCat(
        side->prefix,
        " has no object graph (a TF1 name-based checkpoint); compare it with "
        "--by key"));
  }
  // The paths under the bound of every reader of untrusted graphs.
  graph::NodePathTable paths;
  absl::StatusOr<ObjectGraph> graph =
      ReadGraphForDisplay(*side->reader, side->prefix, &paths);
  if (!graph.ok()) return graph.status();
  for (size_t id = 0; id < graph->nodes.size(); ++id) {
    // Only the root has the empty path; other nodes with it are unreachable.
    if (id != 0 && paths[id].empty()) continue;
    for (const ObjectGraph::Attribute& attr : graph->nodes[id].attributes) {
      absl::StatusOr<BundleEntry> entry =
          side->reader->GetEntry(attr.checkpoint_key);
      if (absl::IsNotFound(entry.status())) continue;
      if (!entry.ok()) return entry.status();
      side->entries.emplace(AttributeKey(paths[id], attr.name),
                            std::make_pair(attr.checkpoint_key, *entry));
    }
  }
  return absl::OkStatus();
}

std::string TextLine(const Change& c) {
  const std::string name = DisplayText(c.name);
  switch (c.kind) {
    case Change::Kind::kRemoved:
      return absl::StrCat("- ", name, " (removed) ", DtypeText(c.dtype_a), " ",
                          ShapeText(c.shape_a));
    case Change::Kind::kAdded:
      return absl::StrCat("+ ", name, " (added) ", DtypeText(c.dtype_b), " ",
                          ShapeText(c.shape_b));
    case Change::Kind::kChanged:
      break;
  }
  std::string line = absl::StrCat("~ ", name, ": ");
  if (!c.values.has_value()) {
    std::vector<std::string> parts;
    if (c.dtype_a != c.dtype_b) {
      parts.push_back(absl::StrCat("dtype ", DtypeText(c.dtype_a), " -> ",
                                   DtypeText(c.dtype_b)));
    }
    if (c.shape_a != c.shape_b) {
      parts.push_back(absl::StrCat("shape ", ShapeText(c.shape_a), " -> ",
                                   ShapeText(c.shape_b)));
    }
    return absl::StrCat(line, absl::StrJoin(parts, ", "));
  }
  const ValueDiff& v = *c.values;
  if (!v.numeric) return absl::StrCat(line, v.note);
  return absl::StrCat(line, "values differ: max |b-a| ", TextNumber(v.max_abs),
                      ", relative L2 ", TextNumber(v.rel_l2), " (", v.differing,
                      " of ", c.shape_a.num_elements(), " elements)");
}

std::string JsonEntry(const std::string& name, DataType dtype,
                      const TensorShape& shape) {
  return absl::StrCat("{\"key\": ", JsonQuote(name),
                      ", \"dtype\": ", JsonQuote(DtypeText(dtype)),
                      ", \"shape\": ", ShapeText(shape), "}");
}

std::string JsonChange(const Change& c) {
  std::string max_abs = "null", rel_l2 = "null", differing = "null";
  if (c.values.has_value()) {
    differing = absl::StrCat(c.values->differing);
    if (c.values->numeric) {
      max_abs = JsonNumber(c.values->max_abs);
      rel_l2 = JsonNumber(c.values->rel_l2);
    }
  }
  return absl::StrCat("{\"key\": ", JsonQuote(c.name),
                      ", \"dtype_a\": ", JsonQuote(DtypeText(c.dtype_a)),
                      ", \"dtype_b\": ", JsonQuote(DtypeText(c.dtype_b)),
                      ", \"shape_a\": ", ShapeText(c.shape_a),
                      ", \"shape_b\": ", ShapeText(c.shape_b),
                      ", \"max_abs_diff\": ", max_abs, ", \"rel_l2\": ", rel_l2,
                      ", \"differing\": ", differing, "}");
}

void PrintJsonList(absl::string_view name,
                   const std::vector<std::string>& items, std::ostream& out) {
  out << "  \"" << name << "\": [";
  if (items.empty()) {
    out << "],\n";
    return;
  }
  out << "\n";
  for (size_t i = 0; i < items.size(); ++i) {
    out << "    " << items[i] << (i + 1 < items.size() ? "," : "") << "\n";
  }
  out << "  ],\n";
}

void PrintJson(const std::vector<Change>& changes, int64_t equal,
               std::ostream& out) {
  std::vector<std::string> added, removed, changed;
  for (const Change& c : changes) {
    switch (c.kind) {
      case Change::Kind::kAdded:
        added.push_back(JsonEntry(c.name, c.dtype_b, c.shape_b));
        break;
      case Change::Kind::kRemoved:
        removed.push_back(JsonEntry(c.name, c.dtype_a, c.shape_a));
        break;
      case Change::Kind::kChanged:
        changed.push_back(JsonChange(c));
        break;
    }
  }
  out << "{\n";
  PrintJsonList("added", added, out);
  PrintJsonList("removed", removed, out);
  PrintJsonList("changed", changed, out);
  out << "  \"equal\": " << equal << "\n}\n";
}

}  // namespace

int RunDiff(Env* env, absl::Span<const std::string> args, std::ostream& out,
            std::ostream& err) {
  static constexpr FlagSpec kFlags[] = {
      {"by", true}, {"atol", true}, {"rtol", true}, {"json", false}};
  static constexpr absl::string_view kPositional[] = {"A", "B"};
  absl::StatusOr<ParsedArgs> parsed = ParseArgs(args, kFlags, kPositional);
  if (!parsed.ok()) return UsageError(err, kCommand, parsed.status().message());
  if (parsed->help) {
    out << UsageText(kCommand);
    return kExitOk;
  }
  const bool json = parsed->flags.contains("json");
  bool by_path = false;
  if (const auto it = parsed->flags.find("by"); it != parsed->flags.end()) {
    if (it->second == "path") {
      by_path = true;
    } else if (it->second != "key") {
      return UsageError(err, kCommand,
                        absl::StrCat("invalid value '", it->second,
                                     "' for --by: want key or path"));
    }
  }
  Tolerance tol;
  for (auto [flag, target] :
       {std::pair<absl::string_view, double*>{"atol", &tol.atol},
        {"rtol", &tol.rtol}}) {
    const auto it = parsed->flags.find(std::string(flag));
    if (it == parsed->flags.end()) continue;
    absl::StatusOr<double> v = ParseTolerance(flag, it->second);
    if (!v.ok()) return UsageError(err, kCommand, v.status().message());
    *target = *v;
  }

  Side sides[2];
  for (int s = 0; s < 2; ++s) {
    Side& side = sides[s];
    absl::StatusOr<std::string> prefix =
        ResolvePrefix(env, parsed->positional[static_cast<size_t>(s)]);
    if (!prefix.ok()) return ReportError(err, kCommand, prefix.status());
    side.prefix = *prefix;
    absl::StatusOr<std::unique_ptr<BundleReader>> reader =
        BundleReader::Open(env, side.prefix);
    if (!reader.ok()) return ReportError(err, kCommand, reader.status());
    side.reader = std::move(*reader);
    const absl::Status collected =
        by_path ? CollectByPath(&side) : CollectByKey(&side);
    if (!collected.ok()) return ReportError(err, kCommand, collected);
  }
  const Side& a = sides[0];
  const Side& b = sides[1];

  // Bytes to read: both sides of every pair whose values are compared.
  uint64_t total_bytes = 0;
  for (const auto& [name, ka] : a.entries) {
    const auto it = b.entries.find(name);
    if (it == b.entries.end()) continue;
    total_bytes +=
        static_cast<uint64_t>(std::max<int64_t>(ka.second.size, 0)) +
        static_cast<uint64_t>(std::max<int64_t>(it->second.second.size, 0));
  }
  Progress progress(err, "ckpt diff", total_bytes);

  std::vector<Change> changes;
  int64_t equal = 0;
  int64_t num_added = 0, num_removed = 0, num_changed = 0;
  auto ia = a.entries.begin();
  auto ib = b.entries.begin();
  while (ia != a.entries.end() || ib != b.entries.end()) {
    Change c;
    if (ib == b.entries.end() ||
        (ia != a.entries.end() && ia->first < ib->first)) {
      c.kind = Change::Kind::kRemoved;
      c.name = ia->first;
      c.dtype_a = ia->second.second.dtype;
      c.shape_a = ia->second.second.shape;
      ++num_removed;
      changes.push_back(std::move(c));
      ++ia;
      continue;
    }
    if (ia == a.entries.end() || ib->first < ia->first) {
      c.kind = Change::Kind::kAdded;
      c.name = ib->first;
      c.dtype_b = ib->second.second.dtype;
      c.shape_b = ib->second.second.shape;
      ++num_added;
      changes.push_back(std::move(c));
      ++ib;
      continue;
    }
    const auto& [key_a, entry_a] = ia->second;
    const auto& [key_b, entry_b] = ib->second;
    c.kind = Change::Kind::kChanged;
    c.name = ia->first;
    c.dtype_a = entry_a.dtype;
    c.dtype_b = entry_b.dtype;
    c.shape_a = entry_a.shape;
    c.shape_b = entry_b.shape;
    if (entry_a.dtype == entry_b.dtype && entry_a.shape == entry_b.shape) {
      absl::StatusOr<ValueDiff> v = CompareValues(a, key_a, b, key_b, tol);
      if (!v.ok()) {
        progress.Done();
        return ReportError(err, kCommand, v.status());
      }
      if (v->differing > 0) c.values = std::move(*v);
    }
    progress.Add(static_cast<uint64_t>(std::max<int64_t>(entry_a.size, 0)) +
                 static_cast<uint64_t>(std::max<int64_t>(entry_b.size, 0)));
    if (c.dtype_a == c.dtype_b && c.shape_a == c.shape_b &&
        !c.values.has_value()) {
      ++equal;
    } else {
      ++num_changed;
      changes.push_back(std::move(c));
    }
    ++ia;
    ++ib;
  }
  progress.Done();

  if (json) {
    PrintJson(changes, equal, out);
  } else {
    for (const Change& c : changes) out << TextLine(c) << "\n";
    out << num_added << " added, " << num_removed << " removed, " << num_changed
        << " changed, " << equal << " equal\n";
  }
  return changes.empty() ? kExitOk : kExitFailed;
}

}  // namespace ckpt::cli
