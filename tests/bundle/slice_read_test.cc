// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Partitioned tensors, model-based: random full shapes (rank 0-4, zero
// dimensions included), random tilings (uneven and single-row parts, full
// "-" dimensions), every storable dtype, 1-4 shards. Each tensor is kept
// whole in a std::map; the checkpoint is written slice by slice (AddSlice
// and AddBatch) and every read is compared with the model: Read, ReadInto,
// ReadManyInto of the whole tensor, and ReadSlice / ReadSliceInto of random
// regions, whose expected values are cut from the model by a plain
// multi-index loop written here (not the library's region copy).

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "ckpt/bundle_reader.h"
#include "ckpt/bundle_writer.h"
#include "ckpt/mapped_bundle.h"
#include "ckpt/tensor.h"
#include "ckpt/tensor_slice.h"
#include "testing/test_util.h"

namespace ckpt {
namespace {

using testing::StorableDataTypes;
using testing::TempDir;

// A box by start and end per dimension.
struct Box {
  std::vector<int64_t> start, end;
  int64_t count() const {
    int64_t n = 1;
    for (size_t d = 0; d < start.size(); ++d) n *= end[d] - start[d];
    return n;
  }
};

// Row-major flat index of `index` in a tensor of `dims`.
int64_t Flat(const std::vector<int64_t>& index,
             const std::vector<int64_t>& dims) {
  int64_t flat = 0;
  for (size_t d = 0; d < dims.size(); ++d) flat = flat * dims[d] + index[d];
  return flat;
}

// The elements of `box` of `full`, in row-major order of the box.
Tensor Cut(const Tensor& full, const Box& box) {
  const std::vector<int64_t>& dims = full.shape().dims();
  std::vector<int64_t> sub(dims.size());
  for (size_t d = 0; d < dims.size(); ++d) sub[d] = box.end[d] - box.start[d];
  const TensorShape shape(sub);
  const int64_t n = box.count();
  std::vector<int64_t> index(box.start);
  std::vector<int64_t> flat_of;  // source flat index of every box element
  flat_of.reserve(static_cast<size_t>(n));
  for (int64_t k = 0; k < n; ++k) {
    flat_of.push_back(Flat(index, dims));
    for (size_t d = dims.size(); d-- > 0;) {
      if (++index[d] < box.end[d]) break;
      index[d] = box.start[d];
    }
  }
  if (full.is_string()) {
    std::vector<std::string> values;
    for (int64_t f : flat_of) {
      values.push_back(full.strings()[static_cast<size_t>(f)]);
    }
    return Tensor::FromStrings(shape, std::move(values)).value();
  }
  const size_t elem = DataTypeSize(full.dtype());
  std::string bytes;
  for (int64_t f : flat_of) {
    bytes.append(full.bytes().data() + static_cast<size_t>(f) * elem, elem);
  }
  return Tensor::FromBytes(full.dtype(), shape, bytes).value();
}

Tensor RandomTensor(DataType dtype, const TensorShape& shape,
                    std::mt19937_64& rng) {
  const int64_t n = shape.num_elements();
  if (dtype == DataType::kString) {
    std::vector<std::string> values;
    for (int64_t i = 0; i < n; ++i) {
      std::string s(rng() % 6, '\0');
      for (char& c : s) c = static_cast<char>(rng());
      values.push_back(s);
    }
    return Tensor::FromStrings(shape, std::move(values)).value();
  }
  Tensor t = Tensor::Create(dtype, shape).value();
  absl::Span<char> bytes = t.mutable_bytes();
  for (char& c : bytes) {
    c = dtype == DataType::kBool ? static_cast<char>(rng() % 2)
                                 : static_cast<char>(rng());
  }
  return t;
}

TensorSlice SliceOf(const Box& box, const std::vector<bool>& full_dim) {
  std::vector<TensorSlice::Extent> extents(box.start.size());
  for (size_t d = 0; d < extents.size(); ++d) {
    if (!full_dim[d]) extents[d] = {box.start[d], box.end[d] - box.start[d]};
  }
  return TensorSlice::Create(std::move(extents)).value();
}

// A random tiling of `dims`: per dimension random cut points; a dimension
// that is not cut is written "-" or "0,n" at random.
std::vector<std::pair<Box, TensorSlice>> RandomTiling(
    const std::vector<int64_t>& dims, std::mt19937_64& rng) {
  std::vector<std::vector<int64_t>> cuts(dims.size());
  std::vector<bool> full_dim(dims.size());
  for (size_t d = 0; d < dims.size(); ++d) {
    cuts[d] = {0};
    for (int64_t i = 1; i < dims[d]; ++i) {
      if (rng() % 3 == 0) cuts[d].push_back(i);
    }
    if (dims[d] > 0) cuts[d].push_back(dims[d]);
    if (cuts[d].size() == 1) cuts[d].push_back(0);  // an empty dimension
    full_dim[d] = cuts[d].size() == 2 && rng() % 2 == 0;
  }
  std::vector<std::pair<Box, TensorSlice>> parts;
  std::vector<size_t> at(dims.size(), 0);
  while (true) {
    Box box;
    for (size_t d = 0; d < dims.size(); ++d) {
      box.start.push_back(cuts[d][at[d]]);
      box.end.push_back(cuts[d][at[d] + 1]);
    }
    parts.emplace_back(box, SliceOf(box, full_dim));
    size_t d = dims.size();
    while (d-- > 0) {
      if (++at[d] + 1 < cuts[d].size()) break;
      at[d] = 0;
    }
    if (d == static_cast<size_t>(-1)) break;
  }
  std::shuffle(parts.begin(), parts.end(), rng);
  return parts;
}

Box RandomRegion(const std::vector<int64_t>& dims, std::mt19937_64& rng) {
  Box box;
  for (int64_t n : dims) {
    const int64_t a =
        static_cast<int64_t>(rng() % static_cast<uint64_t>(n + 1));
    const int64_t b =
        static_cast<int64_t>(rng() % static_cast<uint64_t>(n + 1));
    box.start.push_back(std::min(a, b));
    box.end.push_back(std::max(a, b));
  }
  return box;
}

struct Model {
  std::map<std::string, Tensor> tensors;                   // whole, by key
  std::map<std::string, std::vector<TensorSlice>> slices;  // listed order
};

void RequireEqual(const Tensor& got, const Tensor& want,
                  const std::string& what) {
  INFO(what << ": got " << got.DebugString() << " want " << want.DebugString());
  REQUIRE(got.dtype() == want.dtype());
  REQUIRE(got.shape() == want.shape());
  REQUIRE(got.Equals(want));
}

void CheckAgainstModel(const BundleReader& reader, const Model& model,
                       std::mt19937_64& rng) {
  for (const auto& [key, want] : model.tensors) {
    INFO("key " << key << " shape " << want.shape().DebugString() << " "
                << DataTypeName(want.dtype()));
    absl::StatusOr<Tensor> got = reader.Read(key);
    CKPT_REQUIRE_OK(got);
    RequireEqual(*got, want, "Read");
    const bool sliced = model.slices.count(key) > 0;
    if (sliced) {
      absl::StatusOr<std::vector<TensorSlice>> listed = reader.GetSlices(key);
      CKPT_REQUIRE_OK(listed);
      REQUIRE(*listed == model.slices.at(key));
    }
    CKPT_REQUIRE_OK(reader.Verify(key, reader.GetEntry(key).value()));
    if (!want.is_string()) {
      std::string out(want.bytes().size(), '\x55');
      CKPT_REQUIRE_OK(reader.ReadInto(key, absl::MakeSpan(out)));
      REQUIRE(out == want.bytes());
      std::string many(want.bytes().size(), '\x55');
      const BundleReader::ReadRequest request{key, absl::MakeSpan(many)};
      absl::Status status;
      reader.ReadManyInto(absl::MakeConstSpan(&request, 1), 2,
                          absl::MakeSpan(&status, 1));
      CKPT_REQUIRE_OK(status);
      REQUIRE(many == want.bytes());
    }
    for (int r = 0; r < 6; ++r) {
      const Box region = RandomRegion(want.shape().dims(), rng);
      std::vector<int64_t> length(region.start.size());
      for (size_t d = 0; d < length.size(); ++d) {
        length[d] = region.end[d] - region.start[d];
      }
      const TensorSlice slice =
          TensorSlice::FromStartLength(region.start, length).value();
      INFO("region " << slice.DebugString());
      const Tensor expected = Cut(want, region);
      absl::StatusOr<Tensor> part = reader.ReadSlice(key, slice);
      CKPT_REQUIRE_OK(part);
      RequireEqual(*part, expected, "ReadSlice");
      if (!want.is_string()) {
        std::string out(expected.bytes().size(), '\x55');
        CKPT_REQUIRE_OK(reader.ReadSliceInto(key, slice, absl::MakeSpan(out)));
        REQUIRE(out == expected.bytes());
      }
    }
  }
}

TEST_CASE("partitioned tensors read back as the model, whole and by region") {
  std::mt19937_64 rng(20261206);
  const std::vector<DataType> dtypes = StorableDataTypes();
  size_t total_slices = 0;
  for (int round = 0; round < 60; ++round) {
    TempDir dir;
    const std::string prefix = dir.Join("ckpt");
    BundleWriterOptions options;
    options.sync = false;
    options.num_shards = 1 + static_cast<int>(rng() % 4);
    auto writer = BundleWriter::Create(Env::Default(), prefix, options).value();
    Model model;
    // Slices per shard in call order: the listed order is by shard, then
    // call order.
    std::map<std::string, std::vector<std::vector<TensorSlice>>> by_shard;
    const int num_tensors = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < num_tensors; ++k) {
      const int rank = static_cast<int>(rng() % 5);
      std::vector<int64_t> dims;
      for (int d = 0; d < rank; ++d) {
        dims.push_back(rng() % 8 == 0 ? 0
                                      : 1 + static_cast<int64_t>(rng() % 6));
      }
      const TensorShape shape(dims);
      const DataType dtype = dtypes[rng() % dtypes.size()];
      const std::string key = "t" + std::to_string(k) + "/.ATTRIBUTES/VALUE";
      const Tensor full = RandomTensor(dtype, shape, rng);
      model.tensors.emplace(key, full);
      const auto tiling = RandomTiling(dims, rng);
      INFO("round " << round << " key " << key << " shape "
                    << shape.DebugString() << " " << tiling.size()
                    << " slices");
      const bool batch = rng() % 2 == 0;
      std::vector<Tensor> parts;
      std::vector<BundleWriter::BatchItem> items;
      parts.reserve(tiling.size());
      for (const auto& [box, slice] : tiling) {
        parts.push_back(Cut(full, box));
        const int shard =
            static_cast<int>(rng() % static_cast<uint64_t>(options.num_shards));
        if (batch) {
          items.push_back({key, &parts.back(), shard, &slice, &shape});
        } else {
          CKPT_REQUIRE_OK(
              writer->AddSlice(key, shape, slice, parts.back(), shard));
        }
        if (!slice.Covers(shape)) {
          auto& shards = by_shard[key];
          shards.resize(static_cast<size_t>(options.num_shards));
          shards[static_cast<size_t>(shard)].push_back(slice);
        }
      }
      if (batch) CKPT_REQUIRE_OK(writer->AddBatch(items, 2));
    }
    for (const auto& [key, shards] : by_shard) {
      for (const auto& in_shard : shards) {
        model.slices[key].insert(model.slices[key].end(), in_shard.begin(),
                                 in_shard.end());
      }
    }
    // A plain tensor beside them.
    const Tensor plain =
        RandomTensor(DataType::kFloat, TensorShape({3, 4}), rng);
    CKPT_REQUIRE_OK(writer->Add("plain", plain));
    model.tensors.emplace("plain", plain);
    CKPT_REQUIRE_OK(writer->Finish());

    auto reader = BundleReader::Open(Env::Default(), prefix).value();
    CheckAgainstModel(*reader, model, rng);
    // Every entry verifies, slice entries included; the slice keys are
    // exactly those of the listed slices.
    size_t slice_entries = 0;
    CKPT_REQUIRE_OK(reader->ForEachEntry(
        [&](absl::string_view key, BundleEntry&& entry) -> absl::Status {
          if (IsSliceKey(key)) ++slice_entries;
          return reader->Verify(key, entry);
        }));
    size_t listed = 0;
    for (const auto& [key, slices] : model.slices) listed += slices.size();
    REQUIRE(slice_entries == listed);
    total_slices += listed;
  }
  REQUIRE(total_slices > 300);  // the tilings are not all trivial
}

TEST_CASE("a plain tensor reads by region") {
  TempDir dir;
  const std::string prefix = dir.Join("ckpt");
  std::vector<int32_t> values(24);
  for (int i = 0; i < 24; ++i) values[static_cast<size_t>(i)] = i;
  testing::WriteBundleOrDie(
      prefix, {{"m", testing::VectorTensor(TensorShape({2, 3, 4}), values)}});
  auto reader = BundleReader::Open(Env::Default(), prefix).value();
  const TensorSlice slice = TensorSlice::Parse("1,1:-:1,2").value();
  absl::StatusOr<Tensor> got = reader->ReadSlice("m", slice);
  CKPT_REQUIRE_OK(got);
  REQUIRE(got->shape() == TensorShape({1, 3, 2}));
  const absl::Span<const int32_t> flat = got->flat<int32_t>();
  REQUIRE(std::vector<int32_t>(flat.begin(), flat.end()) ==
          std::vector<int32_t>{13, 14, 17, 18, 21, 22});
  CKPT_REQUIRE_ERROR(
      reader->ReadSlice("m", TensorSlice::Parse("0,3:-:-").value()),
      absl::StatusCode::kInvalidArgument, "'m'");
  CKPT_REQUIRE_ERROR(reader->ReadSlice("m", TensorSlice::Parse("-:-").value()),
                     absl::StatusCode::kInvalidArgument, "rank");
  CKPT_REQUIRE_ERROR(reader->GetSlices("m"), absl::StatusCode::kInvalidArgument,
                     "not a partitioned tensor");
  std::string small(4, '\0');
  CKPT_REQUIRE_ERROR(reader->ReadSliceInto("m", slice, absl::MakeSpan(small)),
                     absl::StatusCode::kInvalidArgument, "buffer");
}

TEST_CASE("ReadStoredBytes refuses a partitioned tensor's full entry") {
  TempDir dir;
  const std::string prefix = dir.Join("ckpt");
  BundleWriterOptions options;
  options.sync = false;
  auto writer = BundleWriter::Create(Env::Default(), prefix, options).value();
  const TensorShape shape({4});
  const Tensor part =
      testing::VectorTensor(TensorShape({2}), std::vector<float>{1, 2});
  CKPT_REQUIRE_OK(
      writer->AddSlice("v", shape, TensorSlice::Parse("0,2").value(), part));
  CKPT_REQUIRE_OK(
      writer->AddSlice("v", shape, TensorSlice::Parse("2,2").value(), part));
  CKPT_REQUIRE_OK(writer->Finish());
  auto reader = BundleReader::Open(Env::Default(), prefix).value();
  CKPT_REQUIRE_ERROR(reader->ReadStoredBytes("v"),
                     absl::StatusCode::kInvalidArgument, "no bytes of its own");
  absl::StatusOr<Tensor> whole = reader->Read("v");
  CKPT_REQUIRE_OK(whole);
  const absl::Span<const float> flat = whole->flat<float>();
  REQUIRE(std::vector<float>(flat.begin(), flat.end()) ==
          std::vector<float>{1, 2, 1, 2});
}

// Writes a float [rows, cols] tensor as `parts` slices cut along `axis`.
std::string WriteCut(const TempDir& dir, int64_t rows, int64_t cols, int axis,
                     int parts) {
  const std::string prefix = dir.Join("cut");
  BundleWriterOptions options;
  options.sync = false;
  auto writer = BundleWriter::Create(Env::Default(), prefix, options).value();
  const TensorShape shape({rows, cols});
  const int64_t n = axis == 0 ? rows : cols;
  for (int p = 0; p < parts; ++p) {
    const int64_t start = n * p / parts, end = n * (p + 1) / parts;
    const TensorSlice slice =
        axis == 0
            ? TensorSlice::FromStartLength({start, 0}, {end - start, cols})
                  .value()
            : TensorSlice::FromStartLength({0, start}, {rows, end - start})
                  .value();
    const Tensor part =
        Tensor::Create(DataType::kFloat, slice.SliceShape(shape).value())
            .value();
    CKPT_REQUIRE_OK(writer->AddSlice("big", shape, slice, part));
  }
  CKPT_REQUIRE_OK(writer->Finish());
  return prefix;
}

TEST_CASE("a whole read holds the result plus at most one stored slice") {
  TempDir dir;
  constexpr int64_t kRows = 256, kCols = 1024;
  constexpr int64_t kBytes = kRows * kCols * 4;  // 1 MiB
  SECTION("row slices are read in place") {
    const std::string prefix = WriteCut(dir, kRows, kCols, 0, 8);
    auto reader = BundleReader::Open(Env::Default(), prefix).value();
    testing::AllocationScope scope;
    absl::StatusOr<Tensor> t = reader->Read("big");
    CKPT_REQUIRE_OK(t);
    INFO("peak " << scope.peak_bytes());
    REQUIRE(scope.peak_bytes() < kBytes + kBytes / 4);
  }
  SECTION("column slices go through one slice of scratch at a time") {
    const std::string prefix = WriteCut(dir, kRows, kCols, 1, 8);
    auto reader = BundleReader::Open(Env::Default(), prefix).value();
    testing::AllocationScope scope;
    absl::StatusOr<Tensor> t = reader->Read("big");
    CKPT_REQUIRE_OK(t);
    INFO("peak " << scope.peak_bytes());
    REQUIRE(scope.peak_bytes() < kBytes + kBytes / 8 + kBytes / 4);
  }
}

TEST_CASE("MappedBundleReader assembles a partitioned tensor") {
  TempDir dir;
  const std::string prefix = WriteCut(dir, 6, 4, 1, 3);
  auto mapped = MappedBundleReader::Open(Env::Default(), prefix).value();
  auto reader = BundleReader::Open(Env::Default(), prefix).value();
  absl::StatusOr<Tensor> got = mapped->Get("big");
  CKPT_REQUIRE_OK(got);
  REQUIRE(got->Equals(reader->Read("big").value()));
  CKPT_REQUIRE_ERROR(mapped->GetBytes("big"),
                     absl::StatusCode::kInvalidArgument, "use Get()");
}

TEST_CASE("the writer refuses layouts the reader would refuse") {
  TempDir dir;
  BundleWriterOptions options;
  options.sync = false;
  const TensorShape shape({5, 2});
  const auto rows = [](int64_t start, int64_t n) {
    return TensorSlice::FromStartLength({start, 0}, {n, 2}).value();
  };
  const auto part = [](int64_t n) {
    return Tensor::Create(DataType::kFloat, TensorShape({n, 2})).value();
  };
  SECTION("an overlapping slice, also within one batch") {
    auto w =
        BundleWriter::Create(Env::Default(), dir.Join("a"), options).value();
    CKPT_REQUIRE_OK(w->AddSlice("v", shape, rows(0, 3), part(3)));
    CKPT_REQUIRE_ERROR(w->AddSlice("v", shape, rows(2, 2), part(2)),
                       absl::StatusCode::kInvalidArgument,
                       "key 'v', slice 2,2:0,2: overlaps slice 0,3:0,2");
    // The writer failed as for any error.
    CKPT_REQUIRE_ERROR(w->Finish(), absl::StatusCode::kInvalidArgument,
                       "overlaps");
    auto b =
        BundleWriter::Create(Env::Default(), dir.Join("b"), options).value();
    const TensorSlice s0 = rows(0, 3), s1 = rows(1, 3);
    const Tensor p0 = part(3), p1 = part(3);
    const BundleWriter::BatchItem items[] = {{"v", &p0, 0, &s0, &shape},
                                             {"v", &p1, 0, &s1, &shape}};
    CKPT_REQUIRE_ERROR(b->AddBatch(items, 1),
                       absl::StatusCode::kInvalidArgument, "overlaps");
  }
  SECTION("a slice added twice") {
    auto w =
        BundleWriter::Create(Env::Default(), dir.Join("c"), options).value();
    CKPT_REQUIRE_OK(w->AddSlice("v", shape, rows(0, 3), part(3)));
    CKPT_REQUIRE_ERROR(w->AddSlice("v", shape, rows(0, 3), part(3)),
                       absl::StatusCode::kInvalidArgument,
                       "slice 0,3:0,2: the slice was already added");
  }
  SECTION("AddSlice after Finish names AddSlice") {
    auto w =
        BundleWriter::Create(Env::Default(), dir.Join("d"), options).value();
    CKPT_REQUIRE_OK(w->Finish());
    CKPT_REQUIRE_ERROR(w->AddSlice("v", shape, rows(0, 3), part(3)),
                       absl::StatusCode::kFailedPrecondition,
                       "BundleWriter::AddSlice('v')");
  }
}

}  // namespace
}  // namespace ckpt
