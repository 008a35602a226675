// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: bridges/import.cc
// -----------------------------------------------------------------------------
//
// ImportCheckpoint (ckpt/bridges.h): safetensors (single or sharded) or
// .npz to a TensorFlow bundle. Every input byte is untrusted: headers are
// parsed by bridges/*_format.h, each tensor is read into a buffer of the
// size its (checked) header implies, an .npz member's CRC-32 is verified
// before its bytes are used, and an object graph carried in the input is
// parsed before it is written.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "bridges/key_rules.h"
#include "bridges/npy_format.h"
#include "bridges/safetensors_format.h"
#include "bridges/zip_format.h"
#include "ckpt/bridges.h"
#include "ckpt/bundle_writer.h"
#include "ckpt/dtype.h"
#include "ckpt/object_graph.h"
#include "ckpt/tensor.h"
#include "ckpt/tensor_slice.h"
#include "util/errors.h"

namespace ckpt::bridges {
namespace {

// State shared by the readers of one import.
struct Importer {
  Env* env;
  BundleWriter* writer;
  KeyMapper mapper;
  NameSet names;
  ImportResult result;
  std::optional<std::string> graph;  // serialized, from the input
  std::string scratch;               // the tensor (or member) being copied

  absl::Status Add(absl::string_view name, const Tensor& value) {
    absl::StatusOr<std::string> key = mapper.Map(name);
    if (!key.ok()) return key.status();
    // The object graph's key and the slice-key namespace ("\0...") are the
    // bundle's own: a tensor under them would make the checkpoint unreadable.
    if (*key == kObjectGraphKey || IsSliceKey(*key)) {
      const std::string what =
          absl::StrCat("tensor ", QuoteForMessage(name), " would be stored as ",
                       QuoteForMessage(*key), ", a key reserved for ",
                       *key == kObjectGraphKey ? "the object graph"
                                               : "partitioned tensors' slices");
      return mapper.identity() ? absl::DataLossError(what)
                               : absl::InvalidArgumentError(what);
    }
    absl::Status claimed = names.Claim(*key, name);
    if (!claimed.ok()) return claimed;
    absl::Status added = writer->Add(*key, value);
    if (!added.ok()) return added;
    ++result.tensors;
    result.bytes += value.holds_strings() ? 0 : value.bytes().size();
    return absl::OkStatus();
  }

  absl::Status SetGraph(std::string bytes, absl::string_view where) {
    if (graph.has_value()) {
      return absl::DataLossError(
          absl::StrCat(where, ": a second object graph"));
    }
    absl::StatusOr<ObjectGraph> parsed = ParseObjectGraph(bytes, where);
    if (!parsed.ok()) return parsed.status();
    // A graph with non-UTF-8 strings must never be written (object_graph.h).
    absl::Status strings = ValidateObjectGraphStrings(*parsed);
    if (!strings.ok()) {
      return absl::DataLossError(
          absl::StrCat(where, ": object graph: ", strings.message()));
    }
    graph = std::move(bytes);
    return absl::OkStatus();
  }

  // Writes the graph, unless key rules renamed the keys it names.
  absl::Status AddGraph() {
    if (!graph.has_value() || !mapper.identity()) return absl::OkStatus();
    absl::Status claimed =
        names.Claim(std::string(kObjectGraphKey), kObjectGraphKey);
    if (!claimed.ok()) return claimed;
    absl::StatusOr<Tensor> t = Tensor::FromStrings(TensorShape(), {*graph});
    if (!t.ok()) return t.status();
    result.object_graph = true;
    return writer->Add(kObjectGraphKey, *t);
  }
};

// ---- safetensors ----

// Imports one file; `expected` (sharded) is the index's name -> file map
// restricted to this file, every entry of which must be in it.
absl::Status ImportSafetensorsFile(
    Importer& im, const std::string& path,
    const absl::flat_hash_set<std::string>* expected) {
  absl::StatusOr<std::unique_ptr<RandomAccessFile>> file =
      im.env->NewRandomAccessFile(path);
  if (!file.ok()) return file.status();
  absl::StatusOr<SafetensorsHeader> header =
      ReadSafetensorsHeader(**file, (*file)->size(), path);
  if (!header.ok()) return header.status();
  for (const auto& [key, value] : header->metadata) {
    if (key != kObjectGraphMetadataKey) continue;
    std::string bytes;
    if (!absl::Base64Unescape(value, &bytes)) {
      return absl::DataLossError(absl::StrCat(path, ": __metadata__ \"",
                                              kObjectGraphMetadataKey,
                                              "\" is not base64"));
    }
    absl::Status s = im.SetGraph(std::move(bytes), path);
    if (!s.ok()) return s;
  }
  size_t found = 0;
  for (const SafetensorsTensorInfo& info : header->tensors) {
    if (expected != nullptr) {
      if (!expected->contains(info.name)) {
        return absl::DataLossError(
            absl::StrCat(path, ": tensor ", QuoteForMessage(info.name),
                         " is not listed for this file by the index"));
      }
      ++found;
    }
    absl::StatusOr<TensorShape> shape = TensorShape::Create(info.shape);
    if (!shape.ok()) return Annotate(shape.status(), path);
    absl::StatusOr<Tensor> value =
        Tensor::CreateUninitialized(info.dtype, *std::move(shape));
    if (!value.ok()) return Annotate(value.status(), path);
    absl::Span<char> out = value->mutable_bytes();
    if (out.size() != info.end - info.begin) {
      return absl::DataLossError(
          absl::StrCat(path, ": tensor ", QuoteForMessage(info.name), " has ",
                       info.end - info.begin, " bytes for ", out.size()));
    }
    if (!out.empty()) {
      absl::Status read = (*file)->Read(header->data_start + info.begin,
                                        out.size(), out.data());
      if (!read.ok()) return read;
    }
    absl::Status added = im.Add(info.name, *value);
    if (!added.ok()) return added;
  }
  if (expected != nullptr && found != expected->size()) {
    return absl::DataLossError(
        absl::StrCat(path, ": the index lists ", expected->size(),
                     " tensors for this file, it holds ", found));
  }
  return absl::OkStatus();
}

absl::Status ImportSafetensorsIndex(Importer& im, const std::string& path) {
  absl::StatusOr<uint64_t> size = im.env->GetFileSize(path);
  if (!size.ok()) return size.status();
  if (*size > kMaxSafetensorsIndexBytes) {
    return absl::DataLossError(absl::StrCat(path, ": ", *size,
                                            " bytes, more than the limit of ",
                                            kMaxSafetensorsIndexBytes));
  }
  absl::StatusOr<std::unique_ptr<RandomAccessFile>> file =
      im.env->NewRandomAccessFile(path);
  if (!file.ok()) return file.status();
  std::string json(*size, '\0');
  if (*size > 0) {
    absl::Status read = (*file)->Read(0, json.size(), json.data());
    if (!read.ok()) return read;
  }
  absl::StatusOr<SafetensorsIndex> index = ParseSafetensorsIndex(json, path);
  if (!index.ok()) return index.status();
  // Shards in the order of their first tensor's name (the weight map is
  // sorted by name), each once.
  std::vector<std::string> shards;
  absl::flat_hash_map<std::string, absl::flat_hash_set<std::string>> names;
  for (const auto& [name, shard] : index->weight_map) {
    auto [it, inserted] = names.try_emplace(shard);
    if (inserted) shards.push_back(shard);
    it->second.insert(name);
  }
  const std::string dir = Dirname(path);
  for (const std::string& shard : shards) {
    absl::Status s =
        ImportSafetensorsFile(im, JoinPath(dir, shard), &names[shard]);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

// ---- npz ----

// A Fortran-order array's bytes in C order.
std::string FortranToC(absl::string_view data, const NpyHeader& h) {
  const size_t rank = h.shape.size();
  const size_t item = h.item_size;
  std::string out(data.size(), '\0');
  if (data.empty()) return out;
  // Fortran strides (in items) of each dimension.
  std::vector<uint64_t> fstride(rank, 1);
  for (size_t d = 1; d < rank; ++d) {
    fstride[d] = fstride[d - 1] * static_cast<uint64_t>(h.shape[d - 1]);
  }
  std::vector<int64_t> index(rank, 0);
  uint64_t src = 0;  // Fortran offset of `index`, in items
  const uint64_t n = data.size() / item;
  for (uint64_t i = 0; i < n; ++i) {
    std::memcpy(out.data() + i * item, data.data() + src * item, item);
    for (size_t d = rank; d-- > 0;) {  // C order: last index fastest
      if (++index[d] < h.shape[d]) {
        src += fstride[d];
        break;
      }
      src -= fstride[d] * static_cast<uint64_t>(index[d] - 1);
      index[d] = 0;
    }
  }
  return out;
}

absl::StatusOr<Tensor> StringsFromNpy(absl::string_view data,
                                      const NpyHeader& h, TensorShape shape) {
  std::vector<std::string> values;
  const uint64_t n = h.item_size == 0 ? 0 : data.size() / h.item_size;
  values.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    absl::string_view s = data.substr(i * h.item_size, h.item_size);
    const size_t end = s.find_last_not_of('\0');
    values.emplace_back(end == absl::string_view::npos ? absl::string_view()
                                                       : s.substr(0, end + 1));
  }
  return Tensor::FromStrings(std::move(shape), std::move(values));
}

absl::Status ImportNpz(Importer& im, const std::string& path) {
  absl::StatusOr<std::unique_ptr<RandomAccessFile>> file =
      im.env->NewRandomAccessFile(path);
  if (!file.ok()) return file.status();
  absl::StatusOr<std::unique_ptr<ZipReader>> zip =
      ZipReader::Open(file->get(), path);
  if (!zip.ok()) return zip.status();
  for (const ZipEntry& e : (*zip)->entries()) {
    const std::string where = absl::StrCat(path, ":", e.name);
    if (!absl::EndsWith(e.name, ".npy") || e.name.size() == 4) {
      return absl::DataLossError(
          absl::StrCat(path, ": member ", QuoteForMessage(e.name),
                       " is not an array (numpy names them <key>.npy)"));
    }
    const std::string name = e.name.substr(0, e.name.size() - 4);
    // Deflate expands at most ~1032-fold: a larger claim is a lie, refused
    // before reading (and ReadEntry allocates only what really inflates).
    const uint64_t max_bytes =
        e.method == 0 ? e.compressed_size
                      : e.compressed_size * 1100 + (uint64_t{1} << 20);
    if (e.uncompressed_size > max_bytes) {
      return absl::DataLossError(absl::StrCat(
          where, ": claims ", e.uncompressed_size, " bytes from ",
          e.compressed_size, " compressed bytes, more than deflate produces"));
    }
    std::string* member = &im.scratch;  // reused: no fresh pages per member
    absl::Status read = (*zip)->ReadEntryInto(e, max_bytes, member);
    if (!read.ok()) return read;
    absl::StatusOr<NpyHeader> h = ParseNpyHeader(*member, where);
    if (!h.ok()) return h.status();
    if (h->data_bytes != member->size() - h->data_offset) {  // offset <= size
      return absl::DataLossError(absl::StrCat(
          where, ": ", member->size(), " bytes, the header describes ",
          h->data_offset, " + ", h->data_bytes));
    }
    absl::string_view data =
        absl::string_view(*member).substr(h->data_offset, h->data_bytes);
    if (name == kObjectGraphKey && h->dtype == DataType::kUInt8 &&
        h->shape.size() == 1) {
      absl::Status s = im.SetGraph(std::string(data), where);
      if (!s.ok()) return s;
      continue;
    }
    absl::StatusOr<TensorShape> shape = TensorShape::Create(h->shape);
    if (!shape.ok()) return Annotate(shape.status(), where);
    std::string c_order;
    if (h->fortran_order && h->shape.size() > 1) {
      c_order = FortranToC(data, *h);
      data = c_order;
    }
    absl::StatusOr<Tensor> value =
        h->dtype == DataType::kString
            ? StringsFromNpy(data, *h, *std::move(shape))
            : Tensor::Borrow(h->dtype, *std::move(shape), data.data(),
                             data.size());
    if (!value.ok()) return Annotate(value.status(), where);
    absl::Status added = im.Add(name, *value);
    if (!added.ok()) return added;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ImportResult> ImportCheckpoint(Env* env, const std::string& src,
                                              const std::string& dst_prefix,
                                              const ImportOptions& options) {
  enum class Kind { kSafetensors, kIndex, kNpz };
  Kind kind;
  if (absl::EndsWith(src, ".safetensors.index.json")) {
    kind = Kind::kIndex;
  } else if (absl::EndsWith(src, ".safetensors")) {
    kind = Kind::kSafetensors;
  } else if (absl::EndsWith(src, ".npz")) {
    kind = Kind::kNpz;
  } else {
    return absl::FailedPreconditionError(absl::StrCat(
        "ckpt import: ", QuoteForMessage(src),
        " is not a .safetensors, .safetensors.index.json or .npz file"));
  }
  absl::StatusOr<KeyMapper> mapper = KeyMapper::Create(options.key_rules);
  if (!mapper.ok()) return mapper.status();
  absl::StatusOr<std::unique_ptr<BundleWriter>> writer =
      BundleWriter::Create(env, dst_prefix);
  if (!writer.ok()) return writer.status();
  Importer im{env, writer->get(), *std::move(mapper), NameSet(), {}, {}, {}};
  absl::Status s = kind == Kind::kNpz ? ImportNpz(im, src)
                   : kind == Kind::kIndex
                       ? ImportSafetensorsIndex(im, src)
                       : ImportSafetensorsFile(im, src, nullptr);
  if (s.ok()) s = im.AddGraph();
  if (s.ok()) s = (*writer)->Finish();
  if (!s.ok()) return s;  // the writer's destructor removes its temporaries
  return im.result;
}

}  // namespace ckpt::bridges
