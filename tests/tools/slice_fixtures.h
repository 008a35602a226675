// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Test checkpoints with partitioned tensors for the CLI tests
// (slices_cli_test.cc, convert_slices_test.cc), written with BundleWriter's
// AddSlice, and index surgery that no writer does.
//
// The standard bundle (WriteSlicedBundle), in write order:
//   a  float32 [2]    {1.5, -2}           plain, shard 0
//   v  float32 [4,3]  0, 1, ..., 11       slices "0,2:-" (shard 0) and
//                                         "2,2:-" (last shard)
//   w  int32   [5]    10, 11, ..., 14     slices "0,2", "2,2", "4,1" (shard 0)
//   s  int64   []     7                   plain, shard 0

#ifndef CKPT_TESTS_TOOLS_SLICE_FIXTURES_H_
#define CKPT_TESTS_TOOLS_SLICE_FIXTURES_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/bundle_writer.h"
#include "ckpt/env.h"
#include "ckpt/tensor.h"
#include "ckpt/tensor_slice.h"
#include "table/table.h"
#include "table/table_builder.h"
#include "testing/test_util.h"

namespace ckpt::testing {

inline Tensor SliceFixtureV() {
  std::vector<float> v(12);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i);
  return VectorTensor<float>(TensorShape({4, 3}), v);
}

inline Tensor SliceFixtureW() {
  return VectorTensor<int32_t>(TensorShape({5}), {10, 11, 12, 13, 14});
}

inline Tensor SliceFixtureA() {
  return VectorTensor<float>(TensorShape({2}), {1.5f, -2.0f});
}

inline Tensor SliceFixtureS() {
  return VectorTensor<int64_t>(TensorShape({}), {7});
}

// Rows [start, start + length) of a fixed-size tensor of rank >= 1.
inline Tensor RowsOf(const Tensor& t, int64_t start, int64_t length) {
  std::vector<int64_t> dims = t.shape().dims();
  const int64_t row_bytes =
      static_cast<int64_t>(t.bytes().size()) / std::max<int64_t>(dims[0], 1);
  dims[0] = length;
  return Tensor::FromBytes(
             t.dtype(), TensorShape(dims),
             t.bytes().substr(static_cast<size_t>(start * row_bytes),
                              static_cast<size_t>(length * row_bytes)))
      .value();
}

// One AddSlice of a row slice ("start,length" in dimension 0, the rest "-"
// unless `text` says otherwise).
struct RowPart {
  int64_t start;
  int64_t length;
  std::string text;  // TensorSlice text
  int shard;
};

// Writes the standard bundle (see above) at `prefix` with `num_shards`
// shards; `skip_v_row2` leaves out v's second slice (a hole).
inline void WriteSlicedBundle(const std::string& prefix, int num_shards,
                              bool skip_v_row2 = false) {
  BundleWriterOptions options;
  options.num_shards = num_shards;
  options.sync = false;
  auto w = BundleWriter::Create(Env::Default(), prefix, options);
  CKPT_REQUIRE_OK(w);
  CKPT_REQUIRE_OK((*w)->Add("a", SliceFixtureA(), 0));
  const auto add_parts = [&](const std::string& key, const Tensor& full,
                             const std::vector<RowPart>& parts) {
    for (const RowPart& p : parts) {
      CKPT_REQUIRE_OK((*w)->AddSlice(key, full.shape(),
                                     TensorSlice::Parse(p.text).value(),
                                     RowsOf(full, p.start, p.length), p.shard));
    }
  };
  std::vector<RowPart> v_parts = {{0, 2, "0,2:-", 0}};
  if (!skip_v_row2) v_parts.push_back({2, 2, "2,2:-", num_shards - 1});
  add_parts("v", SliceFixtureV(), v_parts);
  add_parts("w", SliceFixtureW(),
            {{0, 2, "0,2", 0}, {2, 2, "2,2", 0}, {4, 1, "4,1", 0}});
  CKPT_REQUIRE_OK((*w)->Add("s", SliceFixtureS(), 0));
  CKPT_REQUIRE_OK((*w)->Finish());
}

// The stored (key, value) pairs of the index at `prefix`, header first.
inline std::vector<std::pair<std::string, std::string>> RawIndexOrDie(
    const std::string& prefix) {
  auto file = Env::Default()->NewRandomAccessFile(IndexFilename(prefix));
  CKPT_REQUIRE_OK(file);
  auto table = table::Table::Open(*std::move(file));
  CKPT_REQUIRE_OK(table);
  std::vector<std::pair<std::string, std::string>> out;
  std::unique_ptr<table::Iterator> it = (*table)->NewIterator();
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    out.emplace_back(std::string(it->key()), std::string(it->value()));
  }
  CKPT_REQUIRE_OK(it->status());
  return out;
}

// Rewrites the index at `prefix` with `entries` (sorted, header first).
inline void WriteRawIndexOrDie(
    const std::string& prefix,
    const std::vector<std::pair<std::string, std::string>>& entries) {
  auto f = Env::Default()->NewWritableFile(IndexFilename(prefix));
  CKPT_REQUIRE_OK(f);
  table::TableBuilder b(table::TableOptions(), f->get());
  for (const auto& [k, v] : entries) CKPT_REQUIRE_OK(b.Add(k, v));
  CKPT_REQUIRE_OK(b.Finish());
  CKPT_REQUIRE_OK((*f)->Close());
}

// Removes the entry `key` from the index at `prefix`, keeping every other
// entry byte for byte.
inline void DropIndexKeyOrDie(const std::string& prefix,
                              const std::string& key) {
  auto entries = RawIndexOrDie(prefix);
  const size_t before = entries.size();
  std::erase_if(entries, [&](const auto& kv) { return kv.first == key; });
  REQUIRE(entries.size() + 1 == before);
  WriteRawIndexOrDie(prefix, entries);
}

// The slice key of `key`'s slice `text`.
inline std::string SliceKey(const std::string& key, const std::string& text) {
  return EncodeTensorNameSlice(key, TensorSlice::Parse(text).value());
}

// XORs one byte of the data stored for `key` (first byte of its data).
inline void FlipStoredByteOrDie(const std::string& prefix,
                                const std::string& key) {
  auto r = BundleReader::Open(Env::Default(), prefix);
  CKPT_REQUIRE_OK(r);
  auto e = (*r)->GetEntry(key);
  CKPT_REQUIRE_OK(e);
  const std::string path =
      DataFilename(prefix, e->shard_id, (*r)->num_shards());
  std::string data = ReadFileOrDie(path);
  REQUIRE(e->size > 0);
  data[static_cast<size_t>(e->offset)] ^= 0x40;
  WriteFileOrDie(path, data);
}

}  // namespace ckpt::testing

#endif  // CKPT_TESTS_TOOLS_SLICE_FIXTURES_H_
