// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// numpy .npy headers (see npy_format.h): a strict parser of the header's
// dict literal and the writer of np.save's exact bytes.

#include "bridges/npy_format.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ckpt/tensor.h"
#include "util/errors.h"

namespace ckpt::bridges {
namespace {

constexpr absl::string_view kMagic("\x93NUMPY", 6);
constexpr size_t kArrayAlign = 64;           // numpy's ARRAY_ALIGN
constexpr size_t kGrowthAxisMaxDigits = 21;  // numpy's GROWTH_AXIS_MAX_DIGITS
constexpr size_t kShownBytes = 60;

struct DescrType {
  absl::string_view code;  // without the byte order character
  DataType dtype;
  size_t size;
};
constexpr DescrType kDescrTypes[] = {
    {"f2", DataType::kHalf, 2},         {"f4", DataType::kFloat, 4},
    {"f8", DataType::kDouble, 8},       {"c8", DataType::kComplex64, 8},
    {"c16", DataType::kComplex128, 16}, {"i2", DataType::kInt16, 2},
    {"u2", DataType::kUInt16, 2},       {"i4", DataType::kInt32, 4},
    {"u4", DataType::kUInt32, 4},       {"i8", DataType::kInt64, 8},
    {"u8", DataType::kUInt64, 8},       {"b1", DataType::kBool, 1},
    {"i1", DataType::kInt8, 1},         {"u1", DataType::kUInt8, 1},
};

// `text` for a message: quoted, cut to kShownBytes.
std::string Shown(absl::string_view text) {
  if (text.size() <= kShownBytes) return QuoteForMessage(text);
  return QuoteForMessage(text.substr(0, kShownBytes)) + "...";
}

absl::Status Bad(absl::string_view display_name, absl::string_view what) {
  return absl::DataLossError(
      absl::StrCat(display_name, ": npy header: ", what));
}

// The dtype and item size of a descr string.
absl::StatusOr<std::pair<DataType, size_t>> ParseDescr(
    absl::string_view descr, absl::string_view display_name) {
  const auto unsupported = [&](absl::string_view what) {
    return absl::UnimplementedError(absl::StrCat(display_name, ": npy descr ",
                                                 QuoteForMessage(descr), ": ",
                                                 what, " is not supported"));
  };
  absl::string_view code = descr;
  char order = '\0';
  if (!code.empty() &&
      (code[0] == '<' || code[0] == '>' || code[0] == '|' || code[0] == '=')) {
    order = code[0];
    code.remove_prefix(1);
  }
  for (const DescrType& t : kDescrTypes) {
    if (t.code != code) continue;
    if (t.size == 1 || order == '<' || order == '=') {
      return std::make_pair(t.dtype, t.size);
    }
    if (order == '>') return unsupported("big-endian data");
    break;  // '|' or no order for a multi-byte type
  }
  if (!code.empty() && code[0] == 'S') {
    uint64_t n = 0;
    const absl::string_view digits = code.substr(1);
    if (order != '<' && order != '>' && !digits.empty() &&
        digits.size() <= 12 && absl::c_all_of(digits, absl::ascii_isdigit) &&
        absl::SimpleAtoi(digits, &n) && n >= 1) {
      return std::make_pair(DataType::kString, static_cast<size_t>(n));
    }
  }
  if (!code.empty()) {
    switch (code[0]) {
      case 'U':
        return unsupported("unicode text");
      case 'O':
        return unsupported("object (pickled) data");
      case 'V':
        return unsupported("void (raw or structured) data");
      case 'M':
      case 'm':
        return unsupported("datetime data");
      case 'f':
      case 'c':
      case 'i':
      case 'u':
        if (code == "f12" || code == "f16" || code == "c24" || code == "c32") {
          return unsupported("extended precision");
        }
        break;
      default:
        break;
    }
  }
  return Bad(display_name, absl::StrCat("unknown descr ", Shown(descr)));
}

// The dict literal of a header.
class DictParser {
 public:
  DictParser(absl::string_view text, absl::string_view display_name)
      : text_(text), display_name_(display_name) {}

  absl::Status Parse(NpyHeader* h) {
    SkipSpace();
    if (!Consume('{')) return Error("expected '{'");
    bool seen[3] = {false, false, false};
    std::optional<std::pair<DataType, size_t>> type;
    SkipSpace();
    while (!Peek('}')) {
      const size_t key_pos = pos_;
      std::string key;
      if (absl::Status s = String(&key); !s.ok()) return s;
      int k = 0;
      if (key == "descr") {
        k = 0;
      } else if (key == "fortran_order") {
        k = 1;
      } else if (key == "shape") {
        k = 2;
      } else {
        pos_ = key_pos;
        return Error(absl::StrCat("unexpected key ", QuoteForMessage(key)));
      }
      if (seen[k]) {
        pos_ = key_pos;
        return Error(absl::StrCat("duplicate key ", QuoteForMessage(key)));
      }
      seen[k] = true;
      SkipSpace();
      if (!Consume(':')) return Error("expected ':'");
      SkipSpace();
      if (k == 0) {
        if (Peek('[')) {
          return absl::UnimplementedError(absl::StrCat(
              display_name_, ": npy descr ", Shown(text_.substr(pos_)),
              ": structured dtypes are not supported"));
        }
        std::string descr;
        if (absl::Status s = String(&descr); !s.ok()) return s;
        absl::StatusOr<std::pair<DataType, size_t>> t =
            ParseDescr(descr, display_name_);
        if (!t.ok()) return t.status();
        type = *t;
      } else if (k == 1) {
        if (absl::Status s = Bool(&h->fortran_order); !s.ok()) return s;
      } else {
        if (absl::Status s = Tuple(&h->shape); !s.ok()) return s;
      }
      SkipSpace();
      if (Consume(',')) {
        SkipSpace();
      } else if (!Peek('}')) {
        return Error("expected ',' or '}'");
      }
    }
    ++pos_;  // '}'
    SkipSpace();
    if (pos_ != text_.size()) return Error("unexpected text after the dict");
    for (int k = 0; k < 3; ++k) {
      if (!seen[k]) {
        static constexpr const char* kKeys[] = {"descr", "fortran_order",
                                                "shape"};
        return Bad(display_name_, absl::StrCat("missing key '", kKeys[k], "'"));
      }
    }
    h->dtype = type->first;
    h->item_size = type->second;
    return absl::OkStatus();
  }

 private:
  absl::Status Error(absl::string_view what) const {
    return Bad(display_name_, absl::StrCat(what, " at byte ", pos_, ": ",
                                           Shown(text_.substr(pos_))));
  }
  bool Peek(char c) const { return pos_ < text_.size() && text_[pos_] == c; }
  bool Consume(char c) {
    if (!Peek(c)) return false;
    ++pos_;
    return true;
  }
  void SkipSpace() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' ||
            text_[pos_] == '\r')) {
      ++pos_;
    }
  }
  absl::Status String(std::string* out) {
    if (!Peek('\'') && !Peek('"')) return Error("expected a quoted string");
    const char quote = text_[pos_];
    const size_t start = pos_;
    for (size_t i = pos_ + 1; i < text_.size(); ++i) {
      const char c = text_[i];
      if (c == quote) {
        *out = std::string(text_.substr(pos_ + 1, i - pos_ - 1));
        pos_ = i + 1;
        return absl::OkStatus();
      }
      if (c == '\\' || c == '\n' || c == '\r') break;
    }
    pos_ = start;
    return Error("unsupported or unterminated string");
  }
  bool Word(absl::string_view w) {
    if (text_.substr(pos_, w.size()) != w) return false;
    const size_t end = pos_ + w.size();
    if (end < text_.size() &&
        (absl::ascii_isalnum(static_cast<unsigned char>(text_[end])) ||
         text_[end] == '_')) {
      return false;
    }
    pos_ = end;
    return true;
  }
  absl::Status Bool(bool* out) {
    if (Word("True")) {
      *out = true;
    } else if (Word("False")) {
      *out = false;
    } else {
      return Error("expected True or False");
    }
    return absl::OkStatus();
  }
  absl::Status Int(int64_t* out) {
    const size_t start = pos_;
    int64_t v = 0;
    while (pos_ < text_.size() &&
           absl::ascii_isdigit(static_cast<unsigned char>(text_[pos_]))) {
      if (__builtin_mul_overflow(v, 10, &v) ||
          __builtin_add_overflow(v, text_[pos_] - '0', &v)) {
        pos_ = start;
        return Error("dimension out of range");
      }
      ++pos_;
    }
    if (pos_ == start) return Error("expected a non-negative integer");
    // Python 3's literal_eval (numpy's parser) refuses "03".
    if (pos_ - start > 1 && text_[start] == '0') {
      pos_ = start;
      return Error("leading zero in a dimension");
    }
    *out = v;
    return absl::OkStatus();
  }
  absl::Status Tuple(std::vector<int64_t>* shape) {
    if (!Consume('(')) return Error("expected a tuple");
    SkipSpace();
    if (Consume(')')) return absl::OkStatus();
    while (true) {
      if (shape->size() >= static_cast<size_t>(TensorShape::kMaxRank)) {
        return Error(
            absl::StrCat("shape of rank above ", TensorShape::kMaxRank));
      }
      int64_t d = 0;
      if (absl::Status s = Int(&d); !s.ok()) return s;
      shape->push_back(d);
      SkipSpace();
      if (Consume(',')) {
        SkipSpace();
        if (Consume(')')) return absl::OkStatus();
        continue;
      }
      if (shape->size() > 1 && Consume(')')) return absl::OkStatus();
      // "(3)" is the integer 3 in Python, not a tuple.
      return Error("expected ',' in the shape tuple");
    }
  }

  absl::string_view text_;
  absl::string_view display_name_;
  size_t pos_ = 0;
};

uint64_t DecodeLittleEndian(absl::string_view b) {
  uint64_t v = 0;
  for (size_t i = b.size(); i > 0; --i) {
    v = (v << 8) | static_cast<unsigned char>(b[i - 1]);
  }
  return v;
}

std::string TupleText(absl::Span<const int64_t> shape) {
  if (shape.size() == 1) return absl::StrCat("(", shape[0], ",)");
  return absl::StrCat("(", absl::StrJoin(shape, ", "), ")");
}

}  // namespace

std::optional<std::string> NpyDescr(DataType dtype) {
  if (dtype == DataType::kString) return std::string("|S");
  for (const DescrType& t : kDescrTypes) {
    if (t.dtype == dtype) {
      return absl::StrCat(t.size == 1 ? "|" : "<", t.code);
    }
  }
  return std::nullopt;
}

absl::StatusOr<NpyHeader> ParseNpyHeader(absl::string_view bytes,
                                         absl::string_view display_name) {
  const auto truncated = [&](uint64_t needed) {
    return Bad(display_name, absl::StrCat("truncated: ", bytes.size(),
                                          " bytes, the header needs ", needed));
  };
  if (bytes.substr(0, kMagic.size()) != kMagic.substr(0, bytes.size())) {
    return Bad(display_name,
               absl::StrCat("not an npy file (magic ",
                            Shown(bytes.substr(0, kMagic.size())), ")"));
  }
  if (bytes.size() < kMagic.size() + 2) return truncated(kMagic.size() + 2);
  const int major = static_cast<unsigned char>(bytes[6]);
  const int minor = static_cast<unsigned char>(bytes[7]);
  if (major < 1 || major > 3 || minor != 0) {
    return Bad(display_name,
               absl::StrCat("unknown format version ", major, ".", minor));
  }
  const size_t length_bytes = major == 1 ? 2 : 4;
  const size_t prefix = kMagic.size() + 2 + length_bytes;
  if (bytes.size() < prefix) return truncated(prefix);
  const uint64_t header_len =
      DecodeLittleEndian(bytes.substr(kMagic.size() + 2, length_bytes));
  if (header_len > kMaxNpyHeaderBytes) {
    return Bad(display_name,
               absl::StrCat("header length ", header_len,
                            " exceeds the limit of ", kMaxNpyHeaderBytes));
  }
  if (bytes.size() < prefix + header_len) {
    return truncated(prefix + header_len);
  }
  const absl::string_view text =
      bytes.substr(prefix, static_cast<size_t>(header_len));
  if (text.empty() || text.back() != '\n') {
    return Bad(display_name,
               absl::StrCat("header does not end in a newline: ", Shown(text)));
  }
  NpyHeader h;
  if (absl::Status s = DictParser(text, display_name).Parse(&h); !s.ok()) {
    return s;
  }
  h.data_offset = prefix + header_len;
  int64_t count = 1;
  for (int64_t d : h.shape) {
    if (__builtin_mul_overflow(count, d, &count)) {
      return Bad(display_name, absl::StrCat("shape ", TupleText(h.shape),
                                            " has too many elements"));
    }
  }
  // data_offset + data_bytes must not wrap either (callers compare the sum
  // with a member's size).
  if (__builtin_mul_overflow(static_cast<uint64_t>(count),
                             static_cast<uint64_t>(h.item_size),
                             &h.data_bytes) ||
      h.data_bytes > UINT64_MAX - h.data_offset) {
    return Bad(display_name,
               absl::StrCat("shape ", TupleText(h.shape), " of ", h.item_size,
                            "-byte items overflows"));
  }
  return h;
}

absl::StatusOr<std::string> SerializeNpyHeader(DataType dtype,
                                               absl::Span<const int64_t> shape,
                                               size_t string_width) {
  std::optional<std::string> descr = NpyDescr(dtype);
  if (!descr.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "npy: dtype ", DataTypeName(dtype), " has no numpy equivalent"));
  }
  if (dtype == DataType::kString) {
    if (string_width == 0) {
      return absl::InvalidArgumentError("npy: string width 0 (need >= 1)");
    }
    absl::StrAppend(&*descr, string_width);
  }
  int64_t count = 1;
  uint64_t bytes = 0;
  for (int64_t d : shape) {
    if (d < 0 || shape.size() > static_cast<size_t>(TensorShape::kMaxRank) ||
        __builtin_mul_overflow(count, d, &count)) {
      count = -1;
      break;
    }
  }
  const size_t item_size =
      dtype == DataType::kString ? string_width : DataTypeSize(dtype);
  if (count < 0 ||
      __builtin_mul_overflow(static_cast<uint64_t>(count),
                             static_cast<uint64_t>(item_size), &bytes)) {
    return absl::InvalidArgumentError(
        absl::StrCat("npy: invalid shape [", absl::StrJoin(shape, ","), "]"));
  }
  // numpy: "{'descr': ..., 'fortran_order': False, 'shape': ..., }", keys
  // sorted, then spaces so that shape[0] can grow in place.
  std::string dict =
      absl::StrCat("{'descr': '", *descr, "', 'fortran_order': False, ",
                   "'shape': ", TupleText(shape), ", }");
  if (!shape.empty()) {
    dict.append(kGrowthAxisMaxDigits - absl::StrCat(shape[0]).size(), ' ');
  }
  const size_t text_len = dict.size() + 1;  // and '\n'
  for (int major : {1, 2}) {
    const size_t prefix = kMagic.size() + 2 + (major == 1 ? 2 : 4);
    const size_t pad = kArrayAlign - (prefix + text_len) % kArrayAlign;
    const uint64_t header_len = text_len + pad;
    if (major == 1 && header_len > std::numeric_limits<uint16_t>::max()) {
      continue;
    }
    std::string out(kMagic);
    out.push_back(static_cast<char>(major));
    out.push_back('\0');
    for (size_t i = 0; i < prefix - kMagic.size() - 2; ++i) {
      out.push_back(static_cast<char>((header_len >> (8 * i)) & 0xff));
    }
    out += dict;
    out.append(pad, ' ');
    out.push_back('\n');
    return out;
  }
  return absl::InternalError("npy: header too long");  // not reached
}

}  // namespace ckpt::bridges
