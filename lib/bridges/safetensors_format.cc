// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// safetensors headers and index files (see safetensors_format.h). JSON is
// read with nlohmann's SAX interface (no DOM, no exceptions) and written by
// hand, so that the bytes are exactly those of the reference writers.

#include "bridges/safetensors_format.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "bridges/json_util.h"
#include "ckpt/tensor.h"
#include "util/errors.h"

namespace ckpt::bridges {
namespace {

using Json = nlohmann::json;
using json_util::AppendJsonString;
using json_util::IsValidUtf8;
using json_util::SaxBase;

struct DtypeName {
  DataType dtype;
  absl::string_view name;
};
constexpr DtypeName kDtypeNames[] = {
    {DataType::kBool, "BOOL"},
    {DataType::kUInt8, "U8"},
    {DataType::kInt8, "I8"},
    {DataType::kInt16, "I16"},
    {DataType::kUInt16, "U16"},
    {DataType::kHalf, "F16"},
    {DataType::kBFloat16, "BF16"},
    {DataType::kInt32, "I32"},
    {DataType::kUInt32, "U32"},
    {DataType::kFloat, "F32"},
    {DataType::kDouble, "F64"},
    {DataType::kInt64, "I64"},
    {DataType::kUInt64, "U64"},
    {DataType::kFloat8E5M2, "F8_E5M2"},
    {DataType::kFloat8E4M3FN, "F8_E4M3"},
};
// safetensors dtypes with no TensorFlow equivalent.
constexpr absl::string_view kForeignDtypes[] = {"F4", "F6_E2M3", "F6_E3M2",
                                                "F8_E8M0", "C64"};

constexpr int kMaxRank = TensorShape::kMaxRank;

std::string ShapeText(absl::Span<const int64_t> shape) {
  return absl::StrCat("[", absl::StrJoin(shape, ","), "]");
}

// Product of `shape` and its size in bytes for elements of `elem_size`
// bytes; false on overflow (int64 elements, uint64 bytes).
bool ShapeBytes(absl::Span<const int64_t> shape, size_t elem_size,
                uint64_t* bytes) {
  int64_t count = 1;
  for (int64_t d : shape) {
    if (d < 0 || __builtin_mul_overflow(count, d, &count)) return false;
  }
  return !__builtin_mul_overflow(static_cast<uint64_t>(count),
                                 static_cast<uint64_t>(elem_size), bytes);
}

// ---- the safetensors header ----

class HeaderHandler : public SaxBase {
 public:
  explicit HeaderHandler(absl::string_view display_name)
      : SaxBase(display_name) {}

  std::vector<SafetensorsTensorInfo>& tensors() { return tensors_; }
  std::vector<std::pair<std::string, std::string>>& metadata() {
    return metadata_;
  }

  bool null() override { return Scalar("null"); }
  bool boolean(bool val) override { return Scalar(val ? "true" : "false"); }
  bool number_integer(number_integer_t val) override {
    // nlohmann reports a number with a leading '-' here, "-0" included: no
    // shape dimension or offset is written so (the reference reads "-0" as
    // a float and refuses it too).
    return Scalar(absl::StrCat("number ", val == 0 ? "-0" : absl::StrCat(val)),
                  /*negative=*/true);
  }
  bool number_unsigned(number_unsigned_t val) override {
    if (depth_ == 3 && ctx_ != Ctx::kMetadata) return Unsigned(val);
    return Scalar(absl::StrCat("number ", val));
  }
  bool number_float(number_float_t /*val*/, const string_t& s) override {
    return Scalar(Describe("number", s));
  }
  bool string(string_t& val) override {
    if (depth_ == 2 && ctx_ == Ctx::kMetadata) {
      metadata_.emplace_back(std::move(key_), std::move(val));
      return true;
    }
    if (depth_ == 2 && ctx_ == Ctx::kTensor && field_ == "dtype") {
      std::optional<DataType> dt = DataTypeFromSafetensorsName(val);
      if (!dt.has_value()) {
        const bool foreign =
            std::find(std::begin(kForeignDtypes), std::end(kForeignDtypes),
                      val) != std::end(kForeignDtypes);
        return Fail(
            absl::StrCat(TensorPrefix(), foreign ? "dtype " : "unknown dtype ",
                         QuoteForMessage(val),
                         foreign ? " has no TensorFlow equivalent" : ""));
      }
      pending_.dtype = *dt;
      has_dtype_ = true;
      return true;
    }
    return Scalar(Describe("string", val));
  }

  bool start_object(std::size_t /*elements*/) override {
    switch (depth_) {
      case 0:
        depth_ = 1;
        return true;
      case 1:
        depth_ = 2;
        if (key_ == "__metadata__") {
          ctx_ = Ctx::kMetadata;
          return true;
        }
        ctx_ = Ctx::kTensor;
        pending_ = SafetensorsTensorInfo();
        pending_.name = std::move(key_);
        fields_seen_.clear();
        has_dtype_ = has_shape_ = has_offsets_ = false;
        offsets_seen_ = 0;
        return true;
      case 2:
        return Scalar("an object");
      default:
        return Fail(
            absl::StrCat(TensorPrefix(), "nested deeper than 3 levels"));
    }
  }
  bool start_array(std::size_t /*elements*/) override {
    if (depth_ >= 3) {
      return Fail(absl::StrCat(TensorPrefix(), "nested deeper than 3 levels"));
    }
    if (depth_ == 2 && ctx_ == Ctx::kTensor && field_ == "shape") {
      ctx_ = Ctx::kShape;
      has_shape_ = true;
      depth_ = 3;
      return true;
    }
    if (depth_ == 2 && ctx_ == Ctx::kTensor && field_ == "data_offsets") {
      ctx_ = Ctx::kOffsets;
      has_offsets_ = true;
      depth_ = 3;
      return true;
    }
    return Scalar("an array");
  }
  bool key(string_t& val) override {
    if (depth_ == 1) {
      if (val.empty()) return Fail("empty tensor name");
      if (!top_keys_.insert(val).second) {
        return Fail(absl::StrCat(
            val == "__metadata__" ? "duplicate key " : "duplicate tensor ",
            QuoteForMessage(val)));
      }
      key_ = std::move(val);
      return true;
    }
    if (ctx_ == Ctx::kMetadata) {
      if (!metadata_keys_.insert(val).second) {
        return Fail(
            absl::StrCat("__metadata__: duplicate key ", QuoteForMessage(val)));
      }
      key_ = std::move(val);
      return true;
    }
    if (val != "dtype" && val != "shape" && val != "data_offsets") {
      return Fail(
          absl::StrCat(TensorPrefix(), "unknown field ", QuoteForMessage(val)));
    }
    if (!fields_seen_.insert(val).second) {
      return Fail(absl::StrCat(TensorPrefix(), "duplicate field ",
                               QuoteForMessage(val)));
    }
    field_ = std::move(val);
    return true;
  }
  bool end_object() override {
    if (depth_ == 1) {
      depth_ = 0;
      done_ = true;
      return true;
    }
    // depth_ == 2: the only other place an object can be open.
    depth_ = 1;
    if (ctx_ == Ctx::kMetadata) {
      ctx_ = Ctx::kNone;
      return true;
    }
    ctx_ = Ctx::kNone;
    return FinishTensor();
  }
  bool end_array() override {
    depth_ = 2;
    if (ctx_ == Ctx::kOffsets && offsets_seen_ != 2) {
      return Fail(absl::StrCat(TensorPrefix(), "data_offsets has ",
                               offsets_seen_, " values, not 2"));
    }
    ctx_ = Ctx::kTensor;
    return true;
  }

  bool done() const { return done_; }

 private:
  enum class Ctx { kNone, kTensor, kMetadata, kShape, kOffsets };

  std::string TensorPrefix() const {
    return absl::StrCat("tensor ", QuoteForMessage(pending_.name), ": ");
  }

  // An element of shape or data_offsets.
  bool Unsigned(uint64_t v) {
    if (ctx_ == Ctx::kShape) {
      if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return Fail(
            absl::StrCat(TensorPrefix(), "dimension ", v, " out of range"));
      }
      if (pending_.shape.size() >= static_cast<size_t>(kMaxRank)) {
        return Fail(
            absl::StrCat(TensorPrefix(), "shape of rank above ", kMaxRank));
      }
      pending_.shape.push_back(static_cast<int64_t>(v));
      return true;
    }
    if (offsets_seen_ >= 2) {
      return Fail(
          absl::StrCat(TensorPrefix(), "data_offsets has more than 2 values"));
    }
    (offsets_seen_++ == 0 ? pending_.begin : pending_.end) = v;
    return true;
  }

  // Anything the position does not accept: says what was expected there.
  bool Scalar(absl::string_view found, bool negative = false) {
    switch (depth_) {
      case 0:
        return Fail(
            absl::StrCat("header is not a JSON object (found ", found, ")"));
      case 1:
        if (key_ == "__metadata__") {
          return Fail(absl::StrCat("__metadata__ is not an object (found ",
                                   found, ")"));
        }
        return Fail(absl::StrCat("tensor ", QuoteForMessage(key_),
                                 ": entry is not an object (found ", found,
                                 ")"));
      case 2:
        if (ctx_ == Ctx::kMetadata) {
          return Fail(absl::StrCat("__metadata__: value of ",
                                   QuoteForMessage(key_),
                                   " is not a string (found ", found, ")"));
        }
        if (field_ == "dtype") {
          return Fail(absl::StrCat(
              TensorPrefix(), "dtype is not a string (found ", found, ")"));
        }
        return Fail(absl::StrCat(TensorPrefix(), field_,
                                 " is not an array (found ", found, ")"));
      default:
        if (ctx_ == Ctx::kShape) {
          return Fail(absl::StrCat(TensorPrefix(),
                                   negative ? "negative dimension in shape ("
                                            : "shape is not an array of "
                                              "non-negative integers (found ",
                                   found, ")"));
        }
        return Fail(absl::StrCat(TensorPrefix(),
                                 "data_offsets is not two unsigned integers "
                                 "(found ",
                                 found, ")"));
    }
  }

  bool FinishTensor() {
    for (const auto& [has, name] :
         {std::pair{has_dtype_, "dtype"}, std::pair{has_shape_, "shape"},
          std::pair{has_offsets_, "data_offsets"}}) {
      if (!has) {
        return Fail(absl::StrCat(TensorPrefix(), "missing '", name, "'"));
      }
    }
    uint64_t bytes = 0;
    if (!ShapeBytes(pending_.shape, DataTypeSize(pending_.dtype), &bytes)) {
      return Fail(absl::StrCat(TensorPrefix(), "shape ",
                               ShapeText(pending_.shape),
                               " overflows (elements or bytes)"));
    }
    if (pending_.begin > pending_.end) {
      return Fail(absl::StrCat(TensorPrefix(), "data_offsets [", pending_.begin,
                               ", ", pending_.end, ") begin after end"));
    }
    if (pending_.end - pending_.begin != bytes) {
      return Fail(absl::StrCat(TensorPrefix(), "data_offsets [", pending_.begin,
                               ", ", pending_.end, ") hold ",
                               pending_.end - pending_.begin, " bytes, but ",
                               *SafetensorsDtypeName(pending_.dtype), " ",
                               ShapeText(pending_.shape), " needs ", bytes));
    }
    tensors_.push_back(std::move(pending_));
    return true;
  }

  int depth_ = 0;
  Ctx ctx_ = Ctx::kNone;
  bool done_ = false;
  std::string key_;    // current top-level or metadata key
  std::string field_;  // current field of a tensor entry
  absl::flat_hash_set<std::string> top_keys_;
  absl::flat_hash_set<std::string> metadata_keys_;
  absl::flat_hash_set<std::string> fields_seen_;
  SafetensorsTensorInfo pending_;
  bool has_dtype_ = false, has_shape_ = false, has_offsets_ = false;
  int offsets_seen_ = 0;
  std::vector<SafetensorsTensorInfo> tensors_;
  std::vector<std::pair<std::string, std::string>> metadata_;
};

std::string Range(const SafetensorsTensorInfo& t) {
  return absl::StrCat(QuoteForMessage(t.name), " [", t.begin, ", ", t.end, ")");
}

// Runs nlohmann's SAX parser over `json` with `handler` (HeaderHandler or
// IndexHandler): the handler's own error if it stopped the parse, else
// DataLoss "<what> is not valid JSON" for malformed or incomplete input.
template <typename Handler>
absl::Status SaxParse(absl::string_view json, Handler& handler,
                      absl::string_view what) {
  bool ok = false;
  try {
    ok = Json::sax_parse(json.begin(), json.end(), &handler,
                         Json::input_format_t::json, /*strict=*/true,
                         /*ignore_comments=*/false);
  } catch (const std::exception& e) {  // not expected from the SAX parser
    return absl::DataLossError(
        absl::StrCat(what, " is not valid JSON: ", QuoteForMessage(e.what())));
  }
  if (!handler.status().ok()) return handler.status();
  if (!ok || !handler.done()) {
    return absl::DataLossError(absl::StrCat(what, " is not valid JSON"));
  }
  return absl::OkStatus();
}

// Parses the JSON of a header of n = json.size() bytes in a file of
// `file_size` bytes (n + 8 <= file_size, checked by the callers).
absl::StatusOr<SafetensorsHeader> ParseHeaderJson(
    absl::string_view json, uint64_t file_size,
    absl::string_view display_name) {
  // The reference requires the object to start the header; nlohmann would
  // skip a byte-order mark and leading whitespace.
  if (json.empty() || json[0] != '{') {
    return absl::DataLossError(
        absl::StrCat(display_name, ": header does not start with '{'"));
  }
  HeaderHandler handler(display_name);
  absl::Status parsed =
      SaxParse(json, handler, absl::StrCat(display_name, ": header"));
  if (!parsed.ok()) return parsed;

  SafetensorsHeader header;
  header.data_start = 8 + json.size();
  header.tensors = std::move(handler.tensors());
  header.metadata = std::move(handler.metadata());
  std::sort(header.metadata.begin(), header.metadata.end());
  std::sort(header.tensors.begin(), header.tensors.end(),
            [](const SafetensorsTensorInfo& a, const SafetensorsTensorInfo& b) {
              if (a.begin != b.begin) return a.begin < b.begin;
              if (a.end != b.end) return a.end < b.end;
              return a.name < b.name;
            });

  // Sorted by begin, the tensors must tile the data region exactly.
  const uint64_t data_size = file_size - header.data_start;
  const SafetensorsTensorInfo* prev = nullptr;
  uint64_t at = 0;
  for (const SafetensorsTensorInfo& t : header.tensors) {
    if (t.begin < at) {
      return absl::DataLossError(absl::StrCat(display_name, ": tensors ",
                                              Range(*prev), " and ", Range(t),
                                              " overlap"));
    }
    if (t.begin > at) {
      return absl::DataLossError(absl::StrCat(
          display_name, ": bytes [", at, ", ", t.begin,
          ") of the data region belong to no tensor (",
          prev == nullptr ? "before "
                          : absl::StrCat("between ", Range(*prev), " and "),
          Range(t), ")"));
    }
    at = t.end;
    prev = &t;
  }
  if (at > data_size) {
    return absl::DataLossError(absl::StrCat(
        display_name, ": tensor ", Range(*prev),
        " extends past the end of the data region (", data_size, " bytes)"));
  }
  if (at < data_size) {
    return absl::DataLossError(
        absl::StrCat(display_name, ": bytes [", at, ", ", data_size,
                     ") of the data region belong to no tensor (after ",
                     prev == nullptr ? "the header" : Range(*prev), ")"));
  }
  return header;
}

uint64_t DecodeFixed64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

// Checks the header length `n` of a file of `file_size` bytes.
absl::Status CheckHeaderLength(uint64_t n, uint64_t file_size,
                               absl::string_view display_name) {
  if (n > kMaxSafetensorsHeaderBytes) {
    return absl::DataLossError(absl::StrCat(
        display_name, ": header length ", n, " exceeds the limit of ",
        kMaxSafetensorsHeaderBytes, " bytes"));
  }
  if (n > file_size - 8) {
    return absl::DataLossError(absl::StrCat(display_name, ": header length ", n,
                                            " beyond the file of ", file_size,
                                            " bytes"));
  }
  return absl::OkStatus();
}

absl::Status TooShort(uint64_t file_size, absl::string_view display_name) {
  return absl::DataLossError(absl::StrCat(
      display_name, ": file of ", file_size,
      " bytes is too short for a safetensors file (8-byte header length)"));
}

// ---- the index ----

class IndexHandler : public SaxBase {
 public:
  static constexpr int kMaxDepth = 16;

  explicit IndexHandler(absl::string_view display_name)
      : SaxBase(display_name) {}

  SafetensorsIndex& index() { return index_; }
  bool has_weight_map() const { return has_weight_map_; }
  bool done() const { return done_; }

  bool null() override { return Value("null"); }
  bool boolean(bool val) override { return Value(val ? "true" : "false"); }
  bool number_integer(number_integer_t val) override {
    // A leading '-' ("-0" included): never a size.
    return Value(
        absl::StrCat("negative number ", val == 0 ? "-0" : absl::StrCat(val)));
  }
  bool number_unsigned(number_unsigned_t val) override {
    if (IsTotalSize()) {
      index_.total_size = val;
      return true;
    }
    return Value(absl::StrCat("number ", val));
  }
  bool number_float(number_float_t val, const string_t& s) override {
    // Some writers store total_size as a float ("1234.0"): a whole,
    // non-negative (not -0.0) value that a double holds exactly (<= 2^53).
    if (IsTotalSize() && val >= 0 && !std::signbit(val) &&
        val <= 9007199254740992.0 && std::floor(val) == val) {
      index_.total_size = static_cast<uint64_t>(val);
      return true;
    }
    return Value(Describe("number", s));
  }
  bool string(string_t& val) override {
    if (depth_ == 2 && section_ == Section::kWeightMap) {
      if (val.empty() || val == "." || val == ".." ||
          absl::string_view(val).find_first_of(absl::string_view("/\\\0", 3)) !=
              absl::string_view::npos) {
        return Fail(absl::StrCat("weight_map: tensor ", QuoteForMessage(key_),
                                 ": ", QuoteForMessage(val),
                                 " is not a plain file name"));
      }
      index_.weight_map.emplace_back(std::move(key_), std::move(val));
      return true;
    }
    return Value(Describe("string", val));
  }
  bool start_object(std::size_t /*elements*/) override {
    if (depth_ == 0) {
      // the top level
    } else if (depth_ == 1 && key_ == "metadata") {
      section_ = Section::kMetadata;
    } else if (depth_ == 1 && key_ == "weight_map") {
      section_ = Section::kWeightMap;
      has_weight_map_ = true;
    } else if (!Container("an object")) {
      return false;
    }
    keys_.resize(static_cast<size_t>(depth_) + 1);
    keys_[static_cast<size_t>(depth_)].clear();
    ++depth_;
    return true;
  }
  bool start_array(std::size_t /*elements*/) override {
    if (!Container("an array")) return false;
    keys_.resize(static_cast<size_t>(depth_) + 1);
    keys_[static_cast<size_t>(depth_)].clear();
    ++depth_;
    return true;
  }
  bool key(string_t& val) override {
    if (!keys_[static_cast<size_t>(depth_) - 1].insert(val).second) {
      return Fail(absl::StrCat(
          depth_ == 2 && section_ == Section::kWeightMap ? "weight_map: " : "",
          "duplicate key ", QuoteForMessage(val)));
    }
    if (depth_ == 2 && section_ == Section::kWeightMap && val.empty()) {
      return Fail("weight_map: empty tensor name");
    }
    key_ = std::move(val);
    return true;
  }
  bool end_object() override { return End(); }
  bool end_array() override { return End(); }

 private:
  enum class Section { kNone, kMetadata, kWeightMap };

  bool IsTotalSize() const {
    return depth_ == 2 && section_ == Section::kMetadata &&
           key_ == "total_size";
  }
  // A scalar where one was not expected: errors where the index says what
  // it must be, ignored elsewhere (other keys and metadata).
  bool Value(absl::string_view found) {
    if (depth_ == 0) {
      return Fail(absl::StrCat("not a JSON object (found ", found, ")"));
    }
    if (depth_ == 1 && (key_ == "metadata" || key_ == "weight_map")) {
      return Fail(absl::StrCat(key_, " is not an object (found ", found, ")"));
    }
    if (IsTotalSize()) {
      return Fail(absl::StrCat(
          "metadata: total_size is not a non-negative integer (found ", found,
          ")"));
    }
    if (depth_ == 2 && section_ == Section::kWeightMap) {
      return Fail(absl::StrCat("weight_map: tensor ", QuoteForMessage(key_),
                               ": file is not a string (found ", found, ")"));
    }
    return true;
  }
  bool Container(absl::string_view found) {
    if (depth_ >= kMaxDepth) {
      return Fail(absl::StrCat("nested deeper than ", kMaxDepth, " levels"));
    }
    return Value(found);
  }
  bool End() {
    --depth_;
    if (depth_ == 0) done_ = true;
    if (depth_ == 1) section_ = Section::kNone;
    return true;
  }

  int depth_ = 0;
  Section section_ = Section::kNone;
  bool has_weight_map_ = false;
  bool done_ = false;
  std::string key_;
  std::vector<absl::flat_hash_set<std::string>> keys_;  // per open object
  SafetensorsIndex index_;
};

}  // namespace

std::optional<absl::string_view> SafetensorsDtypeName(DataType dt) {
  for (const DtypeName& d : kDtypeNames) {
    if (d.dtype == dt) return d.name;
  }
  return std::nullopt;
}

std::optional<DataType> DataTypeFromSafetensorsName(absl::string_view name) {
  for (const DtypeName& d : kDtypeNames) {
    if (d.name == name) return d.dtype;
  }
  return std::nullopt;
}

absl::StatusOr<SafetensorsHeader> ReadSafetensorsHeader(
    const RandomAccessFile& file, uint64_t file_size,
    absl::string_view display_name) {
  if (file_size < 8) return TooShort(file_size, display_name);
  char length[8];
  absl::Status s = file.Read(0, sizeof(length), length);
  if (!s.ok()) return s;
  const uint64_t n = DecodeFixed64(length);
  s = CheckHeaderLength(n, file_size, display_name);
  if (!s.ok()) return s;
  std::string json(static_cast<size_t>(n), '\0');
  s = file.Read(8, json.size(), json.data());
  if (!s.ok()) return s;
  return ParseHeaderJson(json, file_size, display_name);
}

absl::StatusOr<SafetensorsHeader> ParseSafetensors(
    absl::string_view bytes, absl::string_view display_name) {
  if (bytes.size() < 8) return TooShort(bytes.size(), display_name);
  const uint64_t n = DecodeFixed64(bytes.data());
  absl::Status s = CheckHeaderLength(n, bytes.size(), display_name);
  if (!s.ok()) return s;
  return ParseHeaderJson(bytes.substr(8, static_cast<size_t>(n)), bytes.size(),
                         display_name);
}

absl::StatusOr<std::string> SerializeSafetensorsHeader(
    std::vector<SafetensorsTensorInfo>& tensors,
    absl::Span<const std::pair<std::string, std::string>> metadata) {
  std::string json = "{";
  if (!metadata.empty()) {
    absl::flat_hash_set<absl::string_view> keys;
    json += "\"__metadata__\":{";
    for (const auto& [k, v] : metadata) {
      if (!keys.insert(k).second) {
        return absl::InvalidArgumentError(absl::StrCat(
            "safetensors metadata: duplicate key ", QuoteForMessage(k)));
      }
      if (!IsValidUtf8(k) || !IsValidUtf8(v)) {
        return absl::InvalidArgumentError(
            absl::StrCat("safetensors metadata: key ", QuoteForMessage(k),
                         " or its value is not valid UTF-8"));
      }
      if (keys.size() > 1) json += ',';
      AppendJsonString(k, /*ascii_only=*/false, &json);
      json += ':';
      AppendJsonString(v, /*ascii_only=*/false, &json);
    }
    json += '}';
  }
  absl::flat_hash_set<absl::string_view> names;
  uint64_t at = 0;
  for (SafetensorsTensorInfo& t : tensors) {
    const std::string what =
        absl::StrCat("safetensors tensor ", QuoteForMessage(t.name), ": ");
    if (t.name.empty()) {
      return absl::InvalidArgumentError("safetensors: empty tensor name");
    }
    if (t.name == "__metadata__") {
      return absl::InvalidArgumentError(
          absl::StrCat(what, "the name is reserved"));
    }
    if (!IsValidUtf8(t.name)) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, "the name is not valid UTF-8"));
    }
    if (!names.insert(t.name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, "duplicate tensor name"));
    }
    std::optional<absl::string_view> dtype = SafetensorsDtypeName(t.dtype);
    if (!dtype.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, "dtype ", DataTypeName(t.dtype),
                       " has no safetensors equivalent"));
    }
    uint64_t bytes = 0;
    if (t.shape.size() > static_cast<size_t>(kMaxRank) ||
        !ShapeBytes(t.shape, DataTypeSize(t.dtype), &bytes) ||
        __builtin_add_overflow(at, bytes, &t.end)) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, "invalid shape ", ShapeText(t.shape)));
    }
    t.begin = at;
    at = t.end;
    if (json.size() > 1) json += ',';
    AppendJsonString(t.name, /*ascii_only=*/false, &json);
    absl::StrAppend(&json, ":{\"dtype\":\"", *dtype,
                    "\",\"shape\":", ShapeText(t.shape), ",\"data_offsets\":[",
                    t.begin, ",", t.end, "]}");
  }
  json += '}';
  json.append((8 - json.size() % 8) % 8, ' ');
  if (json.size() > kMaxSafetensorsHeaderBytes) {  // no reader would take it
    return absl::InvalidArgumentError(
        absl::StrCat("safetensors header of ", json.size(),
                     " bytes, more than the limit of ",
                     kMaxSafetensorsHeaderBytes, " bytes readers accept"));
  }
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) {
    out[static_cast<size_t>(i)] =
        static_cast<char>((uint64_t{json.size()} >> (8 * i)) & 0xff);
  }
  out += json;
  return out;
}

std::string SerializeSafetensorsIndex(
    uint64_t total_size,
    absl::Span<const std::pair<std::string, std::string>> metadata,
    absl::Span<const std::pair<std::string, std::string>> weight_map) {
  // Key and the JSON text of its value, sorted by key, first of each kept.
  using Items = std::vector<std::pair<absl::string_view, std::string>>;
  const auto quoted = [](absl::string_view s) {
    std::string out;
    AppendJsonString(s, /*ascii_only=*/true, &out);
    return out;
  };
  const auto sorted =
      [&](absl::Span<const std::pair<std::string, std::string>> in,
          Items items) {
        for (const auto& [k, v] : in) items.emplace_back(k, quoted(v));
        std::stable_sort(
            items.begin(), items.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
        items.erase(std::unique(items.begin(), items.end(),
                                [](const auto& a, const auto& b) {
                                  return a.first == b.first;
                                }),
                    items.end());
        return items;
      };
  const auto append_object = [&](const Items& items, std::string* out) {
    if (items.empty()) {
      *out += "{}";
      return;
    }
    *out += "{\n";
    for (size_t i = 0; i < items.size(); ++i) {
      absl::StrAppend(out, "    ", quoted(items[i].first), ": ",
                      items[i].second, i + 1 < items.size() ? ",\n" : "\n");
    }
    *out += "  }";
  };
  // total_size first, so that it is the one kept.
  Items meta;
  meta.emplace_back("total_size", absl::StrCat(total_size));
  std::string out = "{\n  \"metadata\": ";
  append_object(sorted(metadata, std::move(meta)), &out);
  out += ",\n  \"weight_map\": ";
  append_object(sorted(weight_map, Items()), &out);
  out += "\n}\n";
  return out;
}

absl::StatusOr<SafetensorsIndex> ParseSafetensorsIndex(
    absl::string_view json, absl::string_view display_name) {
  if (json.size() > kMaxSafetensorsIndexBytes) {
    return absl::DataLossError(absl::StrCat(
        display_name, ": index of ", json.size(),
        " bytes exceeds the limit of ", kMaxSafetensorsIndexBytes, " bytes"));
  }
  IndexHandler handler(display_name);
  absl::Status parsed = SaxParse(json, handler, display_name);
  if (!parsed.ok()) return parsed;
  if (!handler.has_weight_map()) {
    return absl::DataLossError(
        absl::StrCat(display_name, ": no 'weight_map' object"));
  }
  SafetensorsIndex index = std::move(handler.index());
  std::sort(index.weight_map.begin(), index.weight_map.end());
  return index;
}

}  // namespace ckpt::bridges
