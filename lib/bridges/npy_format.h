// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// numpy's .npy header (format versions 1.0, 2.0 and 3.0), as found in the
// members of an .npz archive. Pure: no I/O.
//
// Layout: "\x93NUMPY", major, minor, the header length (u16 little-endian
// for 1.0, u32 for 2.0 and 3.0), then a Python dict literal, e.g.
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// padded with spaces and ending in '\n' (ASCII; UTF-8 for 3.0), then the
// data.
//
// Parsing uses a small strict parser, never an evaluator: exactly the keys
// 'descr', 'fortran_order' and 'shape', each once, in any order, with
// single- or double-quoted strings (no escapes), True/False, a tuple of
// non-negative decimal integers without leading zeros ("()", "(3,)",
// "(2, 3)", trailing comma allowed), an optional trailing comma in the
// dict, and whitespace. Refused although some numpy versions read them:
// Python 2's "3L" dimensions and multi-byte descrs without a byte-order
// character ('f4'). Errors
// name the member (`display_name`) and the offending text (cut to 60
// bytes):
//   * DataLoss: wrong magic, unknown version, header length past the bytes
//     given or above kMaxNpyHeaderBytes, a header not ending in '\n',
//     anything the dict grammar above does not accept, an unknown descr,
//     rank > 254, element count overflowing int64 or bytes uint64;
//   * Unimplemented: descrs numpy has but ckpt cannot map: big-endian
//     ('>f4'), unicode ('<U5'), object ('|O', pickled), void ('|V8'),
//     datetime ('<M8[s]', '<m8'), extended floats ('<f16', '<c32'),
//     structured dtypes (a list descr).
// Supported descrs: '<f2' '<f4' '<f8' '<c8' '<c16' '<i2' '<u2' '<i4' '<u4'
// '<i8' '<u8' ('=' accepted for '<'), '|b1' '|i1' '|u1' (any byte order
// character or none), and '|Sn' / 'Sn' / '=Sn' (n >= 1; bytes, as
// DataType::kString of item size n).
//
// Example:
//
//   CKPT_ASSIGN_OR_RETURN(std::string head,
//                         SerializeNpyHeader(DataType::kFloat, {2, 3}));
//   // head + 24 bytes of float32 data == the file np.save writes.
//   CKPT_ASSIGN_OR_RETURN(NpyHeader h, ParseNpyHeader(head, "x.npy"));
//   // h.dtype == kFloat, h.shape == {2, 3}, h.data_offset == 128,
//   // h.data_bytes == 24.

#ifndef CKPT_LIB_BRIDGES_NPY_FORMAT_H_
#define CKPT_LIB_BRIDGES_NPY_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "ckpt/dtype.h"

namespace ckpt::bridges {

// Largest header (the dict and its padding) accepted.
inline constexpr size_t kMaxNpyHeaderBytes = 65536;

struct NpyHeader {
  DataType dtype = DataType::kInvalid;
  size_t item_size = 0;  // bytes per element (kString: the width n of '|Sn')
  bool fortran_order = false;
  std::vector<int64_t> shape;
  uint64_t data_offset = 0;  // bytes before the data (magic, lengths, dict)
  uint64_t data_bytes = 0;   // elements x item_size
};

// Parses the header at the start of `bytes` (the first bytes of a member:
// at least data_offset of them, DataLoss "truncated" otherwise).
// `display_name` names the member, e.g. "model.npz:dense.kernel.npy".
absl::StatusOr<NpyHeader> ParseNpyHeader(absl::string_view bytes,
                                         absl::string_view display_name);

// The header bytes numpy 1.24's np.save writes for a C-order array of
// `dtype` and `shape`: version 1.0 unless the header needs 2.0, the dict
// with its keys sorted, numpy's 21 - len(str(shape[0])) spaces of room to
// grow (for rank > 0), padding so that the data starts at a multiple of
// 64. `string_width` is n for kString ('|Sn', n >= 1), ignored otherwise.
// InvalidArgument for a dtype numpy has no descr for (bfloat16, float8,
// int4, variant, resource, quantized types), a string width of 0 or an
// invalid shape (negative dimension, rank > 254, element count overflowing
// int64, byte size overflowing uint64).
absl::StatusOr<std::string> SerializeNpyHeader(DataType dtype,
                                               absl::Span<const int64_t> shape,
                                               size_t string_width = 0);

// numpy's descr for `dtype` ('<f4', '|b1', '|i1', '|u1', '<c8', ...);
// for kString "|S" without its width; nullopt when numpy has none.
std::optional<std::string> NpyDescr(DataType dtype);

}  // namespace ckpt::bridges

#endif  // CKPT_LIB_BRIDGES_NPY_FORMAT_H_
