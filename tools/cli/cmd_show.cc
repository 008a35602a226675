// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// `ckpt show PATH KEY [--all] [--slice SLICE] [--json]`: prints one tensor's
// value as numpy prints it (contract in cli/cli.h, formatting in
// cli/numpy_format.h). The slice is validated against the index entry before
// the value is read; everything is formatted before anything is printed.
// A partitioned tensor is assembled from its slices; with --slice only the
// selection's bounding box is read (BundleReader::ReadSlice reads just the
// stored slices that meet it).
//
// Text output:
//   key: <display key>  dtype: float32  shape: [7,64]  slice: 0,1:3
//   array([...], dtype=float32)
// (`slice:` only with --slice; the shape is the stored one, the array the
// selected part.) --json prints one line:
//   {"key": "...", "dtype": "float32", "shape": [7,64], "slice": "0,1:3",
//    "values": [[...]]}
// with "slice" null without --slice, every element (--all is implied), and a
// 0-d result as a bare value. Floats are the shortest decimal that reads back
// as the element (float16, bfloat16 and float8 as float32); NaN and
// infinities are the strings "nan", "inf", "-inf"; complex elements are
// [real, imag]; bool true/false; strings JsonQuote'd.
//
// Variant tensors (opaque serialized VariantTensorDataProto elements) are
// summarized instead, one line per element in row-major order (at most
// kVariantSummary lines without --all):
//   key: it/.ATTRIBUTES/ITERATOR_STATE  dtype: variant  shape: [1]
//   variant tensor: 1 element, 412 bytes
//     [0] type_name: "Iterator"  size: 412  metadata: 10 bytes  tensors: 3
// --json has "elements": [{"type_name", "size",
// "metadata_bytes", "tensors"}] (every element) in place of "values".

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "bundle/variant_codec.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/dtype.h"
#include "ckpt/tensor.h"
#include "ckpt/tensor_slice.h"
#include "cli/cli.h"
#include "cli/numpy_format.h"
#include "cli/output.h"
#include "cli/prefix.h"
#include "cli/values.h"

namespace ckpt::cli {
namespace {

constexpr absl::string_view kCommand = "show";
// Variant elements listed without --all.
constexpr size_t kVariantSummary = 20;

// The source indices selected along one dimension.
struct DimSelection {
  bool drop = false;  // an integer index: the dimension disappears
  std::vector<int64_t> indices;
};

absl::Status BadPart(absl::string_view part, absl::string_view spec,
                     absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("bad --slice part '", std::string(part), "' in '",
                   std::string(spec), "': ", std::string(why)));
}

// Parses numpy basic indexing ("3", "1:4", ":", "::2", "-1", "2:", "::-1")
// against `shape`. Missing trailing parts select whole dimensions.
absl::StatusOr<std::vector<DimSelection>> ParseSlice(absl::string_view spec,
                                                     const TensorShape& shape) {
  const std::vector<std::string> parts = absl::StrSplit(spec, ',');
  if (static_cast<int>(parts.size()) > shape.rank()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "bad --slice '", std::string(spec), "': too many indices for a tensor",
        " of rank ", shape.rank(), " (shape ", shape.DebugString(), ")"));
  }
  std::vector<DimSelection> out;
  for (int d = 0; d < shape.rank(); ++d) {
    const int64_t n = shape.dim(d);
    DimSelection sel;
    if (d >= static_cast<int>(parts.size())) {
      for (int64_t i = 0; i < n; ++i) sel.indices.push_back(i);
      out.push_back(std::move(sel));
      continue;
    }
    const std::string part(
        absl::StripAsciiWhitespace(parts[static_cast<size_t>(d)]));
    if (part.empty()) return BadPart(part, spec, "empty index");
    const std::vector<std::string> fields = absl::StrSplit(part, ':');
    if (fields.size() > 3) return BadPart(part, spec, "too many ':'");
    std::vector<std::optional<int64_t>> nums;
    for (const std::string& f : fields) {
      const absl::string_view text = absl::StripAsciiWhitespace(f);
      if (text.empty()) {
        nums.push_back(std::nullopt);
        continue;
      }
      int64_t v = 0;
      if (!absl::SimpleAtoi(text, &v)) {
        return BadPart(
            part, spec,
            absl::StrCat("'", std::string(text), "' is not an integer"));
      }
      nums.push_back(v);
    }
    if (fields.size() == 1) {
      int64_t i = *nums[0];
      if (i < -n || i >= n) {
        return BadPart(part, spec,
                       absl::StrCat("index ", i, " is out of bounds for axis ",
                                    d, " with size ", n));
      }
      if (i < 0) i += n;
      sel.drop = true;
      sel.indices.push_back(i);
      out.push_back(std::move(sel));
      continue;
    }
    // Python's slice.indices(n).
    const int64_t step = fields.size() == 3 && nums[2] ? *nums[2] : 1;
    if (step == 0) return BadPart(part, spec, "slice step cannot be zero");
    const int64_t lower = step > 0 ? 0 : -1;
    const int64_t upper = step > 0 ? n : n - 1;
    auto clip = [&](std::optional<int64_t> v, int64_t dflt) {
      if (!v) return dflt;
      int64_t x = *v;
      if (x < 0) {
        x = x < -n ? lower : x + n;  // no overflow: x >= -n here
        if (x < lower) x = lower;
      } else if (x >= upper) {
        x = upper;
      }
      return x;
    };
    const int64_t start = clip(nums[0], step > 0 ? lower : upper);
    const int64_t stop = clip(nums[1], step > 0 ? upper : lower);
    if (step > 0) {
      for (int64_t i = start; i < stop; i += step) {
        sel.indices.push_back(i);
        if (step > n) break;
      }
    } else {
      for (int64_t i = start; i > stop; i += step) {
        sel.indices.push_back(i);
        if (step < -n) break;
      }
    }
    out.push_back(std::move(sel));
  }
  return out;
}

// The selected elements of `t` as a new tensor of the same dtype.
absl::StatusOr<Tensor> ApplySlice(const Tensor& t,
                                  const std::vector<DimSelection>& sel) {
  std::vector<int64_t> out_dims;
  for (const DimSelection& s : sel) {
    if (!s.drop) out_dims.push_back(static_cast<int64_t>(s.indices.size()));
  }
  const int rank = t.shape().rank();
  std::vector<int64_t> strides(static_cast<size_t>(rank), 1);
  for (int d = rank - 2; d >= 0; --d) {
    strides[static_cast<size_t>(d)] =
        strides[static_cast<size_t>(d) + 1] * t.shape().dim(d + 1);
  }
  // Source flat index of every output element, in row-major order.
  std::vector<int64_t> src = {0};
  for (int d = 0; d < rank; ++d) {
    const DimSelection& s = sel[static_cast<size_t>(d)];
    std::vector<int64_t> next;
    next.reserve(src.size() * s.indices.size());
    for (int64_t base : src) {
      for (int64_t i : s.indices) {
        next.push_back(base + i * strides[static_cast<size_t>(d)]);
      }
    }
    src = std::move(next);
  }
  TensorShape shape(std::move(out_dims));
  if (t.holds_strings()) {
    std::vector<std::string> values;
    values.reserve(src.size());
    for (int64_t i : src) values.push_back(t.strings()[static_cast<size_t>(i)]);
    if (t.is_variant()) {
      return Tensor::FromVariantElements(std::move(shape), std::move(values));
    }
    return Tensor::FromStrings(std::move(shape), std::move(values));
  }
  const size_t size = DataTypeSize(t.dtype());
  const absl::string_view bytes = t.bytes();
  std::string out;
  out.reserve(src.size() * size);
  for (int64_t i : src) {
    out.append(bytes.data() + static_cast<size_t>(i) * size, size);
  }
  return Tensor::FromBytes(t.dtype(), std::move(shape), out);
}

// Reads the bounding box of `selection` (one DimSelection per dimension of
// tensor `key`) with ReadSlice, and rebases `selection`'s indices onto the
// box. An empty selection in some dimension reads an empty box.
absl::StatusOr<Tensor> ReadBoundingBox(const BundleReader& reader,
                                       absl::string_view key,
                                       std::vector<DimSelection>* selection) {
  std::vector<int64_t> start, length;
  for (DimSelection& sel : *selection) {
    if (sel.indices.empty()) {
      start.push_back(0);
      length.push_back(0);
      continue;
    }
    const auto [lo, hi] =
        std::minmax_element(sel.indices.begin(), sel.indices.end());
    const int64_t base = *lo;
    start.push_back(base);
    length.push_back(*hi - base + 1);
    for (int64_t& i : sel.indices) i -= base;
  }
  absl::StatusOr<TensorSlice> box = TensorSlice::FromStartLength(start, length);
  if (!box.ok()) return box.status();
  return reader.ReadSlice(key, *box);
}

std::string JsonFloat(double v, bool is_double) {
  if (std::isnan(v)) return "\"nan\"";
  if (std::isinf(v)) return v < 0 ? "\"-inf\"" : "\"inf\"";
  return is_double ? ShortestFloat64(v)
                   : ShortestFloat32(static_cast<float>(v));
}

std::string JsonElement(const Tensor& t, int64_t i) {
  const DataType dt = t.dtype();
  if (t.is_string()) return JsonQuote(t.strings()[static_cast<size_t>(i)]);
  if (dt == DataType::kBool) return ElementInt(t, i) != 0 ? "true" : "false";
  if (dt == DataType::kUInt64) return absl::StrCat(ElementUnsigned(t, i));
  if (IsIntegerDataType(dt)) return absl::StrCat(ElementInt(t, i));
  if (IsComplexDataType(dt)) {
    const bool d = dt == DataType::kComplex128;
    return absl::StrCat("[", JsonFloat(ElementReal(t, i), d), ", ",
                        JsonFloat(ElementImag(t, i), d), "]");
  }
  return JsonFloat(ElementReal(t, i), dt == DataType::kDouble);
}

void AppendJsonValues(const Tensor& t, int axis, int64_t* next,
                      std::string* out) {
  if (axis == t.shape().rank()) {
    absl::StrAppend(out, JsonElement(t, (*next)++));
    return;
  }
  out->push_back('[');
  for (int64_t i = 0; i < t.shape().dim(axis); ++i) {
    if (i > 0) out->append(", ");
    AppendJsonValues(t, axis + 1, next, out);
  }
  out->push_back(']');
}

std::string ShapeText(const TensorShape& shape) {
  return absl::StrCat("[", absl::StrJoin(shape.dims(), ","), "]");
}

// The summary of a variant tensor (see the file comment): the text lines
// after the header, or with `json` the "elements" array.
absl::StatusOr<std::string> VariantSummary(const Tensor& t, bool json,
                                           bool all) {
  const std::vector<std::string>& elements = t.strings();
  uint64_t total = 0;
  for (const std::string& e : elements) total += e.size();
  std::string out =
      json ? "["
           : absl::StrCat("variant tensor: ", elements.size(),
                          elements.size() == 1 ? " element, " : " elements, ",
                          total, " bytes\n");
  const size_t shown = json || all ? elements.size()
                                   : std::min(elements.size(), kVariantSummary);
  for (size_t i = 0; i < shown; ++i) {
    absl::StatusOr<bundle::VariantElementInfo> info =
        bundle::ParseVariantElement(elements[i]);
    if (!info.ok()) {
      return absl::DataLossError(
          absl::StrCat("variant element ", i, ": ", info.status().message()));
    }
    if (json) {
      absl::StrAppend(&out, i > 0 ? ", " : "",
                      "{\"type_name\": ", JsonQuote(info->type_name),
                      ", \"size\": ", elements[i].size(),
                      ", \"metadata_bytes\": ", info->metadata_bytes,
                      ", \"tensors\": ", info->num_tensors, "}");
    } else {
      absl::StrAppend(&out, "  [", i, "] type_name: \"",
                      DisplayText(info->type_name),
                      "\"  size: ", elements[i].size(),
                      "  metadata: ", info->metadata_bytes,
                      " bytes  tensors: ", info->num_tensors, "\n");
    }
  }
  if (json) {
    out += "]";
  } else if (shown < elements.size()) {
    absl::StrAppend(&out, "  ... ", elements.size() - shown,
                    " more elements (--all lists every one)\n");
  }
  return out;
}

}  // namespace

int RunShow(Env* env, absl::Span<const std::string> args, std::ostream& out,
            std::ostream& err) {
  static constexpr FlagSpec kFlags[] = {
      {"all", false}, {"slice", true}, {"json", false}};
  static constexpr absl::string_view kPositional[] = {"PATH", "KEY"};
  absl::StatusOr<ParsedArgs> parsed = ParseArgs(args, kFlags, kPositional);
  if (!parsed.ok()) return UsageError(err, kCommand, parsed.status().message());
  if (parsed->help) {
    out << UsageText(kCommand);
    return kExitOk;
  }
  const bool json = parsed->flags.contains("json");
  NumpyPrintOptions options;
  options.summarize = !parsed->flags.contains("all");
  const std::string& key = parsed->positional[1];
  const auto slice_it = parsed->flags.find("slice");
  const bool has_slice = slice_it != parsed->flags.end();

  absl::StatusOr<std::string> prefix =
      ResolvePrefix(env, parsed->positional[0]);
  if (!prefix.ok()) return ReportError(err, kCommand, prefix.status());
  absl::StatusOr<std::unique_ptr<BundleReader>> reader =
      BundleReader::Open(env, *prefix);
  if (!reader.ok()) return ReportError(err, kCommand, reader.status());
  absl::StatusOr<BundleEntry> entry = (*reader)->GetEntry(key);
  if (!entry.ok()) return ReportError(err, kCommand, entry.status());
  const DataType dt = entry->dtype;
  const std::string dtype_name = DataTypeDisplayName(static_cast<int32_t>(dt));
  if (!IsCheckpointableDataType(dt)) {  // the reader's error for the entry
    return ReportError(err, kCommand, (*reader)->Read(key).status());
  }
  if (dt != DataType::kString && dt != DataType::kVariant &&
      !IsNumericDataType(dt)) {
    return ReportError(
        err, kCommand,
        absl::FailedPreconditionError(absl::StrCat(
            "key '", DisplayText(key), "' has dtype ", dtype_name,
            ", whose values cannot be shown (only numeric, string and "
            "variant tensors can)")));
  }
  std::vector<DimSelection> selection;
  if (has_slice) {
    absl::StatusOr<std::vector<DimSelection>> sel =
        ParseSlice(slice_it->second, entry->shape);
    if (!sel.ok()) return ReportError(err, kCommand, sel.status());
    selection = *std::move(sel);
  }
  // A partitioned tensor with --slice: only the selection's bounding box
  // is read (only the stored slices that meet it), then selected from.
  absl::StatusOr<Tensor> tensor =
      has_slice && entry->num_slices > 0
          ? ReadBoundingBox(**reader, key, &selection)
          : (*reader)->Read(key);
  if (!tensor.ok()) return ReportError(err, kCommand, tensor.status());
  if (has_slice) {
    tensor = ApplySlice(*tensor, selection);
    if (!tensor.ok()) return ReportError(err, kCommand, tensor.status());
  }

  if (dt == DataType::kVariant) {
    absl::StatusOr<std::string> summary =
        VariantSummary(*tensor, json, !options.summarize);
    if (!summary.ok()) return ReportError(err, kCommand, summary.status());
    if (json) {
      out << absl::StrCat(
          "{\"key\": ", JsonQuote(key), ", \"dtype\": ", JsonQuote(dtype_name),
          ", \"shape\": ", ShapeText(entry->shape),
          ", \"slice\": ", has_slice ? JsonQuote(slice_it->second) : "null",
          ", \"elements\": ", *summary, "}\n");
      return kExitOk;
    }
    std::string header =
        absl::StrCat("key: ", DisplayText(key), "  dtype: ", dtype_name,
                     "  shape: ", ShapeText(entry->shape));
    if (has_slice) {
      absl::StrAppend(&header, "  slice: ", DisplayText(slice_it->second));
    }
    out << header << "\n" << *summary;
    return kExitOk;
  }
  if (json) {
    std::string values;
    int64_t next = 0;
    AppendJsonValues(*tensor, 0, &next, &values);
    out << absl::StrCat(
        "{\"key\": ", JsonQuote(key), ", \"dtype\": ", JsonQuote(dtype_name),
        ", \"shape\": ", ShapeText(entry->shape),
        ", \"slice\": ", has_slice ? JsonQuote(slice_it->second) : "null",
        ", \"values\": ", values, "}\n");
    return kExitOk;
  }
  absl::StatusOr<std::string> text = NumpyRepr(*tensor, options);
  if (!text.ok()) return ReportError(err, kCommand, text.status());
  std::string header =
      absl::StrCat("key: ", DisplayText(key), "  dtype: ", dtype_name,
                   "  shape: ", ShapeText(entry->shape));
  if (has_slice) {
    absl::StrAppend(&header, "  slice: ", DisplayText(slice_it->second));
  }
  out << header << "\n" << *text << "\n";
  return kExitOk;
}

}  // namespace ckpt::cli
