// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// `ckpt stats PATH [KEY...] [--json]`: per-tensor statistics (contract in
// cli/cli.h). Tensors are read one at a time, so memory stays bounded by the
// largest tensor; every row is collected before anything is printed, so a
// failure never leaves half a table or invalid JSON on stdout.
//
// Per numeric tensor: elements, min, max, mean, population std and the counts
// of NaN, Inf and zeros. NaN and Inf are left out of min/max/mean/std (all
// four are absent when no element is finite). Complex elements count by their
// magnitude |z| (a NaN part makes |z| NaN, an infinite part makes it Inf).
// The mean and variance are computed in double in three passes (range,
// compensated mean, corrected two-pass variance) over values scaled exactly
// by a power of two, so huge float64 values cannot overflow, tiny ones do not
// underflow, and values with a large common offset do not cancel.
// Non-numeric tensors (strings) show their element count only. A partitioned
// tensor is one row, its value assembled from its slices; without KEYs the
// slice keys it lists are not rows of their own (cli/slices.h).
//
// Text: a header and aligned columns KEY DTYPE SHAPE ELEMENTS MIN MAX MEAN
// STD NAN INF ZEROS (two spaces apart; text columns left-aligned, numbers
// right-aligned; floats as %.6g; "-" where a value does not apply). Keys are
// escaped with DisplayText.
// --json: a JSON array, one object per line:
//   {"key": "...", "dtype": "float32", "shape": [3], "elements": 5,
//    "min": 0, "max": 2, "mean": 1, "std": 0.816496580927726,
//    "nan": 1, "inf": 1, "zeros": 1}
// with shortest round-trip numbers and null for what does not apply.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/dtype.h"
#include "ckpt/tensor.h"
#include "cli/cli.h"
#include "cli/output.h"
#include "cli/prefix.h"
#include "cli/progress.h"
#include "cli/slices.h"
#include "cli/values.h"
#include "util/errors.h"

namespace ckpt::cli {
namespace {

constexpr absl::string_view kCommand = "stats";

// Statistics of one tensor.
struct TensorStats {
  std::string key;
  DataType dtype = DataType::kInvalid;
  TensorShape shape;
  int64_t elements = 0;
  bool numeric = false;
  // Over finite values only; unset when there is none.
  std::optional<double> min, max, mean, stddev;
  int64_t nan = 0, inf = 0, zeros = 0;
};

// Calls fn(v) for every element's statistics value (the number, or the
// magnitude of a complex number), decoding kDecodeChunk elements at a time.
template <typename Fn>
void ForEachValue(const Tensor& t, bool complex, Fn&& fn) {
  double re[kDecodeChunk], im[kDecodeChunk];
  const int64_t n = t.num_elements();
  for (int64_t begin = 0; begin < n; begin += kDecodeChunk) {
    const int64_t count = std::min(kDecodeChunk, n - begin);
    DecodeReal(t, begin, count, re);
    if (!complex) {
      for (int64_t k = 0; k < count; ++k) fn(re[k]);
      continue;
    }
    DecodeImag(t, begin, count, im);
    for (int64_t k = 0; k < count; ++k) {
      if (std::isnan(re[k]) || std::isnan(im[k])) {
        fn(std::nan(""));
      } else {
        fn(std::hypot(re[k], im[k]));  // Inf if either part is infinite
      }
    }
  }
}

// Neumaier's compensated sum.
class CompensatedSum {
 public:
  void Add(double x) {
    const double t = sum_ + x;
    if (std::fabs(sum_) >= std::fabs(x)) {
      comp_ += (sum_ - t) + x;
    } else {
      comp_ += (x - t) + sum_;
    }
    sum_ = t;
  }
  double value() const { return sum_ + comp_; }

 private:
  double sum_ = 0;
  double comp_ = 0;
};

// Fills the numeric fields of `s` from `t` (a numeric tensor).
void ComputeNumeric(const Tensor& t, TensorStats* s) {
  const bool complex = IsComplexDataType(t.dtype());
  // Pass 1: counts, min, max and the largest finite magnitude.
  int64_t finite = 0;
  double lo = 0, hi = 0, largest = 0;
  ForEachValue(t, complex, [&](double v) {
    if (std::isnan(v)) {
      ++s->nan;
      return;
    }
    if (std::isinf(v)) {
      ++s->inf;
      return;
    }
    if (v == 0) ++s->zeros;
    if (finite == 0) {
      lo = hi = v;
    } else {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    largest = std::max(largest, std::fabs(v));
    ++finite;
  });
  if (finite == 0) return;
  s->min = lo;
  s->max = hi;
  if (largest == 0) {
    s->mean = 0.0;
    s->stddev = 0.0;
    return;
  }
  // Values are scaled by a power of two (exactly) into [-1, 1], so neither
  // the sums of huge values overflow nor the squares of tiny ones underflow.
  int exponent = 0;
  std::frexp(largest, &exponent);
  // Multiplying by a power of two is exact and cheaper than ldexp, unless
  // the factor itself is not a normal double (subnormal data).
  const double scale = std::ldexp(1.0, -exponent);
  const bool multiply = std::isnormal(scale);
  const auto scaled = [scale, multiply, exponent](double v) {
    return multiply ? v * scale : std::ldexp(v, -exponent);
  };
  const double count = static_cast<double>(finite);
  // Pass 2: the mean, with a compensated sum.
  CompensatedSum sum;
  ForEachValue(t, complex, [&](double v) {
    if (std::isfinite(v)) sum.Add(scaled(v));
  });
  const double mean = sum.value() / count;
  // Pass 3: the corrected two-pass variance (sum of squared deviations minus
  // the rounding error of the mean), both sums compensated.
  CompensatedSum squares, deviations;
  ForEachValue(t, complex, [&](double v) {
    if (!std::isfinite(v)) return;
    const double d = scaled(v) - mean;
    squares.Add(d * d);
    deviations.Add(d);
  });
  const double dev = deviations.value();
  const double variance =
      std::max(squares.value() - dev * dev / count, 0.0) / count;
  s->mean = std::ldexp(mean, exponent);
  s->stddev = std::ldexp(std::sqrt(variance), exponent);
}

std::string ShapeText(const TensorShape& shape) {
  return absl::StrCat("[", absl::StrJoin(shape.dims(), ","), "]");
}

std::string DtypeText(DataType dtype) {
  return DataTypeDisplayName(static_cast<int32_t>(dtype));
}

// %.6g, or "-" when unset.
std::string TextNumber(const std::optional<double>& v) {
  return v.has_value() ? absl::StrFormat("%.6g", *v) : std::string("-");
}

// The shortest %.Ng that reads back as the same double; null when unset or
// not finite.
std::string JsonNumber(const std::optional<double>& v) {
  if (!v.has_value() || !std::isfinite(*v)) return "null";
  for (int precision = 6; precision < 17; ++precision) {
    std::string text = absl::StrFormat("%.*g", precision, *v);
    double back = 0;
    if (absl::SimpleAtod(text, &back) && back == *v) return text;
  }
  return absl::StrFormat("%.17g", *v);
}

void PrintText(const std::vector<TensorStats>& stats, std::ostream& out) {
  constexpr size_t kColumns = 11;
  // Columns 0-2 are left-aligned text, the rest right-aligned numbers.
  std::vector<std::vector<std::string>> rows;
  rows.reserve(stats.size() + 1);
  rows.push_back({"KEY", "DTYPE", "SHAPE", "ELEMENTS", "MIN", "MAX", "MEAN",
                  "STD", "NAN", "INF", "ZEROS"});
  for (const TensorStats& s : stats) {
    const auto count = [&](int64_t c) {
      return s.numeric ? absl::StrCat(c) : std::string("-");
    };
    rows.push_back({DisplayText(s.key), DtypeText(s.dtype), ShapeText(s.shape),
                    absl::StrCat(s.elements), TextNumber(s.min),
                    TextNumber(s.max), TextNumber(s.mean), TextNumber(s.stddev),
                    count(s.nan), count(s.inf), count(s.zeros)});
  }
  std::vector<bool> right(kColumns, true);
  right[0] = right[1] = right[2] = false;
  out << FormatTable(rows, right);
}

void PrintJson(const std::vector<TensorStats>& stats, std::ostream& out) {
  if (stats.empty()) {
    out << "[]\n";
    return;
  }
  out << "[\n";
  for (size_t i = 0; i < stats.size(); ++i) {
    const TensorStats& s = stats[i];
    const auto count = [&](int64_t c) {
      return s.numeric ? absl::StrCat(c) : std::string("null");
    };
    out << absl::StrCat(
        "  {\"key\": ", JsonQuote(s.key),
        ", \"dtype\": ", JsonQuote(DtypeText(s.dtype)),
        ", \"shape\": ", ShapeText(s.shape), ", \"elements\": ", s.elements,
        ", \"min\": ", JsonNumber(s.min), ", \"max\": ", JsonNumber(s.max),
        ", \"mean\": ", JsonNumber(s.mean), ", \"std\": ", JsonNumber(s.stddev),
        ", \"nan\": ", count(s.nan), ", \"inf\": ", count(s.inf),
        ", \"zeros\": ", count(s.zeros), "}", i + 1 < stats.size() ? "," : "",
        "\n");
  }
  out << "]\n";
}

// Number of positional arguments in `args` (stats has only boolean flags, so
// everything that is not a flag is positional).
size_t CountPositional(absl::Span<const std::string> args) {
  size_t n = 0;
  bool flags_done = false;
  for (const std::string& arg : args) {
    if (!flags_done && arg == "--") {
      flags_done = true;
    } else if (flags_done || arg == "-" || arg.empty() || arg[0] != '-') {
      ++n;
    }
  }
  return n;
}

}  // namespace

int RunStats(Env* env, absl::Span<const std::string> args, std::ostream& out,
             std::ostream& err) {
  static constexpr FlagSpec kFlags[] = {{"json", false}};
  // PATH, then any number of KEYs.
  std::vector<absl::string_view> positional_names = {"PATH"};
  for (size_t i = 1; i < CountPositional(args); ++i) {
    positional_names.push_back("KEY");
  }
  absl::StatusOr<ParsedArgs> parsed = ParseArgs(args, kFlags, positional_names);
  if (!parsed.ok()) return UsageError(err, kCommand, parsed.status().message());
  if (parsed->help) {
    out << UsageText(kCommand);
    return kExitOk;
  }
  const bool json = parsed->flags.contains("json");

  absl::StatusOr<std::string> prefix =
      ResolvePrefix(env, parsed->positional[0]);
  if (!prefix.ok()) return ReportError(err, kCommand, prefix.status());
  absl::StatusOr<std::unique_ptr<BundleReader>> opened =
      BundleReader::Open(env, *prefix);
  if (!opened.ok()) return ReportError(err, kCommand, opened.status());
  const BundleReader& reader = **opened;
  absl::StatusOr<std::vector<std::pair<std::string, BundleEntry>>> entries =
      reader.ListEntries();
  if (!entries.ok()) return ReportError(err, kCommand, entries.status());

  // The entries to report: all in key order (partitioned tensors once), or
  // the KEYs in the order given.
  std::vector<const std::pair<std::string, BundleEntry>*> selected;
  // Stored bytes by key where it is not the entry's size (partitioned).
  absl::flat_hash_map<std::string, int64_t> stored_size;
  absl::flat_hash_map<std::string, bool> hidden;  // listed slice keys
  for (const ListedTensor& t : ListTensors(reader, *entries)) {
    if (t.partitioned()) stored_size[t.key] = t.stored_size;
    for (const SlicePart& part : t.parts) hidden[part.key] = true;
  }
  if (parsed->positional.size() == 1) {
    for (const auto& e : *entries) {
      if (!hidden.contains(e.first)) selected.push_back(&e);
    }
  } else {
    absl::flat_hash_map<std::string, size_t> index;
    for (size_t i = 0; i < entries->size(); ++i) {
      index.emplace((*entries)[i].first, i);
    }
    for (size_t i = 1; i < parsed->positional.size(); ++i) {
      const std::string& key = parsed->positional[i];
      const auto it = index.find(key);
      if (it == index.end()) {
        return ReportError(err, kCommand,
                           absl::NotFoundError(absl::StrCat(
                               "key ", QuoteForMessage(key), " not found in ",
                               IndexFilename(*prefix))));
      }
      selected.push_back(&(*entries)[it->second]);
    }
  }

  const auto bytes_of = [&](const std::pair<std::string, BundleEntry>& e) {
    const auto it = stored_size.find(e.first);
    const int64_t n = it == stored_size.end() ? e.second.size : it->second;
    return static_cast<uint64_t>(std::max<int64_t>(n, 0));
  };
  uint64_t total_bytes = 0;
  for (const auto* e : selected) total_bytes += bytes_of(*e);
  Progress progress(err, "ckpt stats", total_bytes);
  std::vector<TensorStats> stats;
  stats.reserve(selected.size());
  for (const auto* e : selected) {
    const auto& [key, entry] = *e;
    TensorStats s;
    s.key = key;
    s.dtype = entry.dtype;
    s.shape = entry.shape;
    s.elements = entry.shape.num_elements();
    // Non-numeric dtypes are listed with their element count only; a
    // partitioned tensor is read whole (assembled from its slices).
    if (IsNumericDataType(entry.dtype)) {
      absl::StatusOr<Tensor> tensor = reader.Read(key);
      if (!tensor.ok()) {
        progress.Done();
        return ReportError(err, kCommand, tensor.status());
      }
      s.numeric = true;
      ComputeNumeric(*tensor, &s);
    }
    progress.Add(bytes_of(*e));
    stats.push_back(std::move(s));
  }
  progress.Done();

  if (json) {
    PrintJson(stats, out);
  } else {
    PrintText(stats, out);
  }
  return kExitOk;
}

}  // namespace ckpt::cli
