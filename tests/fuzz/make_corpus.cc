// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: tests/fuzz/make_corpus.cc
// -----------------------------------------------------------------------------
//
// Seed corpus generator for the libFuzzer targets of tests/fuzz, run by hand
// once (the output is committed under tests/fuzz/corpus/<target>/):
//
//   build/fuzz/tests/fuzz/fuzz_make_corpus ../shared/testdata/tf \
//       tests/fuzz/corpus
//
// Seeds come from the TensorFlow-written checkpoints of the testdata
// directory (small `.index` files, `checkpoint` state files, index entries,
// object graphs, small whole bundles) and from bundles, tables, payloads and
// graphs written here with ckpt's own writers to reach what TensorFlow files
// do not use (LZ4 + byte shuffle, string tensors, multi-block indexes,
// snappy blocks, slot variables, cycles, escaped state-file strings). The
// input layouts are those of fuzz_inputs.h. Existing files are overwritten;
// nothing is deleted. Exit status 1 on any error.

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "bundle/entry_codec.h"
#include "bundle/lz4_codec.h"
#include "bundle/string_codec.h"
#include "checkpoint/checkpoint_state.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/bundle_writer.h"
#include "ckpt/crc32c.h"
#include "ckpt/env.h"
#include "ckpt/object_graph.h"
#include "ckpt/tensor.h"
#include "ckpt/tensor_slice.h"
#include "fuzz_inputs.h"
#include "snappy.h"
#include "table/block_builder.h"
#include "table/format.h"
#include "table/iterator.h"
#include "table/table.h"

namespace {

namespace fs = std::filesystem;
using ckpt::fuzz::LittleEndian;

// Largest real data file copied into a fuzz_bundle seed.
constexpr uint64_t kMaxSeedDataBytes = 64 << 10;
// Largest number of index entries kept per source file for fuzz_entry.
constexpr int kMaxEntriesPerIndex = 12;

fs::path g_out;
int g_files = 0;
bool g_failed = false;

void Fail(const std::string& what) {
  std::cerr << "make_corpus: " << what << "\n";
  g_failed = true;
}

void Emit(const std::string& target, const std::string& name,
          absl::string_view bytes) {
  const fs::path dir = g_out / target;
  fs::create_directories(dir);
  std::ofstream f(dir / name, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!f) Fail("cannot write " + (dir / name).string());
  ++g_files;
}

std::string ReadHostFile(const fs::path& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

std::string Sanitize(std::string name) {
  for (char& c : name) {
    if (c == '/' || c == '.') c = '_';
  }
  return name;
}

// A MemEnv file's bytes.
std::string MemFile(ckpt::Env* env, const std::string& path) {
  auto s = ckpt::ReadFileToString(env, path, uint64_t{64} << 20);
  if (!s.ok()) Fail(std::string(s.status().message()));
  return s.ok() ? *s : std::string();
}

// Seeds from one bundle held in `env` at `prefix`; `tag` names them.
void SeedsFromBundle(ckpt::Env* env, const std::string& prefix,
                     const std::string& tag, bool whole_bundle) {
  const std::string index = MemFile(env, ckpt::IndexFilename(prefix));
  Emit("fuzz_table", tag + ".index", index);

  auto reader = ckpt::BundleReader::Open(env, prefix);
  if (!reader.ok()) {
    Fail(tag + ": " + std::string(reader.status().message()));
    return;
  }
  if (whole_bundle) {
    const std::string data_name =
        ckpt::DataFilename(prefix, 0, (*reader)->num_shards());
    std::string data;
    if (env->FileExists(data_name).ok()) data = MemFile(env, data_name);
    if (data.size() <= kMaxSeedDataBytes) {
      Emit("fuzz_bundle", tag, LittleEndian(index.size(), 4) + index + data);
    }
  }

  // Raw index entries (header under "").
  auto file = env->NewRandomAccessFile(ckpt::IndexFilename(prefix));
  if (!file.ok()) return;
  auto table = ckpt::table::Table::Open(*std::move(file));
  if (!table.ok()) return;
  const bool lz4 = !(*reader)->header().features.empty();
  const int shards_bits = ((*reader)->num_shards() - 1) & 7;
  int n = 0;
  std::unique_ptr<ckpt::table::Iterator> it = (*table)->NewIterator();
  for (it->SeekToFirst(); it->Valid() && n < kMaxEntriesPerIndex;
       it->Next(), ++n) {
    const std::string key(it->key());
    const uint8_t selector =
        key.empty() ? 1
                    : static_cast<uint8_t>((shards_bits << 1) | (lz4 ? 16 : 0));
    const std::string k = key.substr(0, 255);
    Emit("fuzz_entry", tag + "_" + std::to_string(n),
         std::string(1, static_cast<char>(selector)) +
             std::string(1, static_cast<char>(k.size())) + k +
             std::string(it->value()));
  }

  // Object graph and string payloads.
  auto entries = (*reader)->ListEntries();
  if (!entries.ok()) return;
  for (const auto& [key, entry] : *entries) {
    if (entry.dtype != ckpt::DataType::kString) continue;
    auto stored = (*reader)->ReadStoredBytes(key);
    if (!stored.ok() || stored->size() > kMaxSeedDataBytes) continue;
    Emit("fuzz_string_tensor", tag + "_" + Sanitize(key).substr(0, 40),
         LittleEndian(static_cast<uint64_t>(entry.shape.num_elements()), 8) +
             LittleEndian(entry.masked_crc32c, 4) + *stored);
    if (key == ckpt::kObjectGraphKey) {
      auto t = (*reader)->Read(key);
      if (t.ok() && t->strings().size() == 1) {
        Emit("fuzz_object_graph", tag, t->strings()[0]);
      }
    }
  }
}

// Copies a TensorFlow bundle from the host into a MemEnv.
bool LoadHostBundle(ckpt::Env* env, const fs::path& dir,
                    const std::string& stem, const std::string& prefix) {
  bool any = false;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(stem + ".", 0) != 0) continue;
    const std::string suffix = name.substr(stem.size());
    if (!ckpt::fuzz::PutFile(env, prefix + suffix, ReadHostFile(e.path()))) {
      return false;
    }
    any = true;
  }
  return any;
}

void TestdataSeeds(const fs::path& testdata) {
  struct Source {
    const char* dir;
    const char* stem;
    bool whole_bundle;
  };
  const Source sources[] = {
      {"golf", "ckpt-1", true},
      {"fsrcnn", "ckpt-1", false},
      {"keras_new_optimizer_index_only", "ckpt-1", true},
      {"saved_model_counter", "variables", true},
      {"saved_model_half_plus_three", "variables", true},
      {"saved_model_half_plus_two_tf2_cpu", "variables", true},
      {"til", "cp-0000.ckpt", true},
  };
  for (const Source& s : sources) {
    std::unique_ptr<ckpt::Env> env = ckpt::NewMemEnv();
    const std::string prefix = "/src";
    if (!LoadHostBundle(env.get(), testdata / s.dir, s.stem, prefix)) {
      Fail(std::string("no bundle ") + s.dir + "/" + s.stem);
      continue;
    }
    SeedsFromBundle(env.get(), prefix, std::string("tf_") + s.dir,
                    s.whole_bundle);
  }
  for (const char* dir : {"golf", "fsrcnn", "til"}) {
    const fs::path p = testdata / dir / "checkpoint";
    if (!fs::exists(p)) {
      Fail("missing " + p.string());
      continue;
    }
    Emit("fuzz_state_file", std::string("tf_") + dir, ReadHostFile(p));
  }
}

// A small model-like graph: root -> net -> {dense (kernel, bias)}, an
// optimizer with slot variables, a shared node, a cycle and a saver.
ckpt::ObjectGraph HandMadeGraph() {
  using G = ckpt::ObjectGraph;
  G g;
  g.nodes.resize(8);
  g.nodes[0].children = {{1, "net"}, {4, "optimizer"}, {7, "save_counter"}};
  g.nodes[1].children = {{2, "kernel"}, {3, "bias"}, {0, "back/to.root"}};
  g.nodes[2].attributes = {{"VARIABLE_VALUE", "net/kernel",
                            "net/kernel/.ATTRIBUTES/VARIABLE_VALUE", false}};
  g.nodes[3].attributes = {
      {"VARIABLE_VALUE", "", "net/bias/.ATTRIBUTES/VARIABLE_VALUE", false}};
  g.nodes[4].children = {{5, "iter"}, {3, "shared_bias"}};
  g.nodes[4].slots = {{2, "m", 6}};
  g.nodes[5].attributes = {{"VARIABLE_VALUE", "",
                            "optimizer/iter/.ATTRIBUTES/VARIABLE_VALUE", true}};
  g.nodes[6].attributes = {
      {"VARIABLE_VALUE", "",
       "net/kernel/.OPTIMIZER_SLOT/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE",
       false}};
  g.nodes[7].attributes = {
      {"VARIABLE_VALUE", "", "save_counter/.ATTRIBUTES/VARIABLE_VALUE", false}};
  g.nodes[7].registered_saver = G::RegisteredSaver{"tf.saver", "counter"};
  return g;
}

// Graphs made to blow up a reader's memory or output (issue 19), small
// enough for fuzz_object_graph (at most 512 nodes, 64 KiB): a deep chain,
// a long name at the top of a chain, fan-out (many edges, many to one
// node), and cycles (a node its own child, a child back to an ancestor).
// Their full-size versions are in tests/testing/crafted_graphs.h.
std::vector<std::pair<std::string, ckpt::ObjectGraph>> CraftedGraphs() {
  using G = ckpt::ObjectGraph;
  std::vector<std::pair<std::string, G>> out;
  {
    G chain;
    chain.nodes.resize(512);
    for (int i = 0; i + 1 < 512; ++i) {
      chain.nodes[static_cast<size_t>(i)].children = {{i + 1, "c"}};
    }
    chain.nodes[511].attributes = {
        {"VARIABLE_VALUE", "", "deep/.ATTRIBUTES/VARIABLE_VALUE", false}};
    out.emplace_back("crafted_deep_chain", std::move(chain));
  }
  {
    G chain;
    chain.nodes.resize(64);
    for (int i = 0; i + 1 < 64; ++i) {
      chain.nodes[static_cast<size_t>(i)].children = {
          {i + 1, i == 0 ? std::string(32 << 10, 'n') : std::string("c")}};
    }
    out.emplace_back("crafted_long_name_chain", std::move(chain));
  }
  {
    G fan;
    fan.nodes.resize(4);
    fan.nodes[0].children = {{1, "deep"}, {3, "refs"}};
    fan.nodes[1].children = {{2, std::string(300, 'x')}};
    for (int i = 0; i < 4000; ++i) fan.nodes[3].children.push_back({2, "r"});
    out.emplace_back("crafted_fan_out", std::move(fan));
  }
  {
    G cycle;
    cycle.nodes.resize(3);
    cycle.nodes[0].children = {{1, "a"}, {0, "self_root"}};
    cycle.nodes[1].children = {{1, "self"}, {2, "b"}, {0, "up"}};
    cycle.nodes[2].children = {{1, "back"}};
    cycle.nodes[2].attributes = {
        {"VARIABLE_VALUE", "", "a/b/.ATTRIBUTES/VARIABLE_VALUE", false}};
    out.emplace_back("crafted_cycle", std::move(cycle));
  }
  return out;
}

void HandMadeSeeds() {
  // Object graphs.
  for (const auto& [name, graph] : CraftedGraphs()) {
    Emit("fuzz_object_graph", name, ckpt::SerializeObjectGraph(graph));
  }
  ckpt::ObjectGraph g = HandMadeGraph();
  Emit("fuzz_object_graph", "hand_model", ckpt::SerializeObjectGraph(g));
  ckpt::ComputeHasCheckpointValues(&g);
  Emit("fuzz_object_graph", "hand_model_has_values",
       ckpt::SerializeObjectGraph(g));
  ckpt::ObjectGraph root_only;
  root_only.nodes.resize(1);
  Emit("fuzz_object_graph", "hand_root_only",
       ckpt::SerializeObjectGraph(root_only));

  // Bundles written by ckpt: LZ4 + shuffle, strings, small index blocks.
  struct Variant {
    const char* name;
    ckpt::Compression compression;
    bool shuffle;
    size_t index_block_size;
    int64_t alignment;
  };
  const Variant variants[] = {
      {"hand_plain", ckpt::Compression::kNone, false, 262144, 1},
      {"hand_lz4_shuffle", ckpt::Compression::kLz4, true, 262144, 1},
      {"hand_lz4_noshuffle", ckpt::Compression::kLz4, false, 262144, 8},
      {"hand_small_blocks", ckpt::Compression::kNone, false, 64, 1},
  };
  std::vector<float> ramp(512);
  for (size_t i = 0; i < ramp.size(); ++i) {
    ramp[i] = static_cast<float>(i % 7) * 0.5f;
  }
  std::vector<int64_t> counts(64, 3);
  for (const Variant& v : variants) {
    std::unique_ptr<ckpt::Env> env = ckpt::NewMemEnv();
    ckpt::BundleWriterOptions options;
    options.sync = false;
    options.compression = v.compression;
    options.byte_shuffle = v.shuffle;
    options.index_block_size = v.index_block_size;
    options.index_restart_interval = 2;
    options.data_alignment = v.alignment;
    auto w = ckpt::BundleWriter::Create(env.get(), "/h/ckpt", options);
    if (!w.ok()) {
      Fail(std::string(w.status().message()));
      continue;
    }
    auto ramp_t =
        ckpt::Tensor::FromVector<float>(ckpt::TensorShape{16, 32}, ramp);
    auto counts_t =
        ckpt::Tensor::FromVector<int64_t>(ckpt::TensorShape{8, 8}, counts);
    auto strings_t = ckpt::Tensor::FromStrings(
        ckpt::TensorShape{3}, {"", "abc", std::string(200, 'x')});
    auto empty_t =
        ckpt::Tensor::Create(ckpt::DataType::kDouble, ckpt::TensorShape{0, 4});
    if (!ramp_t.ok() || !counts_t.ok() || !strings_t.ok() || !empty_t.ok()) {
      Fail("tensor");
      continue;
    }
    absl::Status s = (*w)->Add("a/ramp", *ramp_t);
    if (s.ok()) s = (*w)->Add("b/counts", *counts_t);
    if (s.ok()) s = (*w)->Add("c/strings", *strings_t);
    if (s.ok()) s = (*w)->Add("d/empty", *empty_t);
    if (s.ok()) s = (*w)->Add("e/step", ckpt::Tensor::Scalar<int64_t>(7));
    if (s.ok()) {
      s = (*w)->Add("f/half", ckpt::Tensor::Scalar<ckpt::Half>(ckpt::Half{}));
    }
    // A partitioned tensor: rows of the ramp as three slices, one with a
    // full column dimension, and a partitioned string tensor.
    for (int part = 0; part < 3 && s.ok(); ++part) {
      const int64_t start = part * 6, rows = part == 2 ? 4 : 6;
      auto slice = ckpt::TensorSlice::Parse(
          absl::StrCat(start, ",", rows, part == 1 ? ":-" : ":0,32"));
      auto piece = ckpt::Tensor::FromVector<float>(
          ckpt::TensorShape{rows, 32},
          std::vector<float>(ramp.begin() + start * 32,
                             ramp.begin() + (start + rows) * 32));
      s = slice.ok() && piece.ok()
              ? (*w)->AddSlice("g/sliced", ckpt::TensorShape{16, 32}, *slice,
                               *piece)
              : absl::InternalError("slice seed");
    }
    if (s.ok()) {
      auto a = ckpt::Tensor::FromStrings(ckpt::TensorShape{1}, {"x"});
      auto b = ckpt::Tensor::FromStrings(ckpt::TensorShape{2}, {"yy", ""});
      s = (*w)->AddSlice("h/sliced_strings", ckpt::TensorShape{3},
                         ckpt::TensorSlice::Parse("0,1").value(), *a);
      if (s.ok()) {
        s = (*w)->AddSlice("h/sliced_strings", ckpt::TensorShape{3},
                           ckpt::TensorSlice::Parse("1,2").value(), *b);
      }
    }
    if (s.ok()) {
      auto graph = ckpt::Tensor::FromStrings(
          ckpt::TensorShape{}, {ckpt::SerializeObjectGraph(HandMadeGraph())});
      s = graph.ok() ? (*w)->Add(ckpt::kObjectGraphKey, *graph)
                     : graph.status();
    }
    if (s.ok()) s = (*w)->Finish();
    if (!s.ok()) {
      Fail(std::string(v.name) + ": " + std::string(s.message()));
      continue;
    }
    SeedsFromBundle(env.get(), "/h/ckpt", v.name, true);
  }

  // A table with a snappy-compressed data block (TensorFlow never writes
  // one, but the reader accepts them).
  {
    ckpt::table::BlockBuilder data_block(2);
    data_block.Add("", "\x08\x01\x1a\x02\x08\x01");
    data_block.Add("alpha", "value-a");
    data_block.Add("alpha/beta", std::string(100, 'b'));
    data_block.Add("gamma", "value-g");
    const absl::string_view raw_block = data_block.Finish();
    std::string compressed;
    snappy::Compress(raw_block.data(), raw_block.size(), &compressed);
    std::string file;
    auto append_block = [&file](absl::string_view contents,
                                ckpt::table::BlockCompression type) {
      ckpt::table::BlockHandle h;
      h.offset = file.size();
      h.size = contents.size();
      file.append(contents.data(), contents.size());
      const char t = static_cast<char>(type);
      uint32_t crc = ckpt::crc32c::Value(contents.data(), contents.size());
      crc = ckpt::crc32c::Extend(crc, &t, 1);
      file.push_back(t);
      file += LittleEndian(ckpt::crc32c::Mask(crc), 4);
      return h;
    };
    ckpt::table::Footer footer;
    const ckpt::table::BlockHandle data_handle =
        append_block(compressed, ckpt::table::kSnappyCompression);
    ckpt::table::BlockBuilder meta(16);
    footer.metaindex_handle =
        append_block(meta.Finish(), ckpt::table::kNoCompression);
    ckpt::table::BlockBuilder index_block(1);
    std::string handle_bytes;
    data_handle.EncodeTo(&handle_bytes);
    index_block.Add("h", handle_bytes);
    footer.index_handle =
        append_block(index_block.Finish(), ckpt::table::kNoCompression);
    footer.EncodeTo(&file);
    Emit("fuzz_table", "hand_snappy.index", file);
  }

  // String payloads.
  const std::vector<std::vector<std::string>> string_sets = {
      {}, {""}, {"a"}, {"hello", "", "world"}, {std::string(300, 'z'), "q"}};
  int n = 0;
  for (const auto& values : string_sets) {
    std::string payload;
    const uint32_t crc = ckpt::bundle::EncodeStringTensor(values, &payload);
    Emit("fuzz_string_tensor", "hand_" + std::to_string(n++),
         LittleEndian(values.size(), 8) + LittleEndian(crc, 4) + payload);
  }

  // LZ4 blocks: raw size, element size, block.
  std::string floats(ramp.size() * sizeof(float), '\0');
  std::memcpy(floats.data(), ramp.data(), floats.size());
  struct Lz4Seed {
    const char* name;
    std::string raw;
    size_t elem;
  };
  const Lz4Seed lz4_seeds[] = {
      {"hand_floats_shuffled", floats, 4},
      {"hand_floats_plain", floats, 1},
      {"hand_text",
       "the quick brown fox jumps over the lazy dog, the quick "
       "brown fox jumps over the lazy dog",
       1},
      {"hand_zeros_elem8", std::string(1000, '\0'), 8},
      {"hand_odd_tail", std::string(13, 'k'), 2},
      {"hand_empty", "", 4},
  };
  for (const Lz4Seed& s : lz4_seeds) {
    std::string shuffled(s.raw.size(), '\0');
    ckpt::bundle::ShuffleBytes(
        s.raw, s.elem, absl::Span<char>(shuffled.data(), shuffled.size()));
    auto block = ckpt::bundle::Lz4Compress(shuffled);
    if (!block.has_value()) {
      Fail("lz4");
      continue;
    }
    Emit("fuzz_lz4", s.name,
         LittleEndian(s.raw.size(), 4) +
             std::string(1, static_cast<char>(s.elem)) + *block);
  }

  // Entries and headers beyond what the bundles above contain.
  ckpt::BundleHeader header;
  header.num_shards = 3;
  header.producer_version = 1;
  header.min_consumer_version = 2;
  header.features = {"lz4"};
  Emit("fuzz_entry", "hand_header_lz4",
       std::string("\x01\x00", 2) + ckpt::bundle::EncodeHeader(header));
  ckpt::BundleEntry entry;
  entry.dtype = ckpt::DataType::kBFloat16;
  entry.shape = ckpt::TensorShape{3, 0, 5};
  entry.shard_id = 2;
  entry.offset = 1 << 20;
  Emit("fuzz_entry", "hand_empty_bf16_shard2",
       std::string("\x04\x01k", 3) + ckpt::bundle::EncodeEntry(entry));

  // State files: escapes, timestamps, Python double reprs.
  ckpt::checkpoint::CheckpointState state;
  state.model_checkpoint_path = "dir with \"quotes\"\\ and\ttab/ckpt-3";
  state.all_model_checkpoint_paths = {"ckpt-1", "\x01\x7f\xc3\xa9",
                                      state.model_checkpoint_path};
  state.all_model_checkpoint_timestamps = {
      1606867791.8105, 5.0, 1e16, 1e-05,
      std::numeric_limits<double>::infinity()};
  state.last_preserved_timestamp = -0.0;
  Emit("fuzz_state_file", "hand_escapes",
       ckpt::checkpoint::SerializeCheckpointState(state));
  state.all_model_checkpoint_timestamps = {std::nan(""), -1.5e-300};
  state.last_preserved_timestamp = 1e300;
  Emit("fuzz_state_file", "hand_nan",
       ckpt::checkpoint::SerializeCheckpointState(state));
  Emit("fuzz_state_file", "hand_comments_order",
       "# comment\nall_model_checkpoint_paths: 'a'\n"
       "model_checkpoint_path:\"b\" all_model_checkpoint_timestamps: [1, 2.5]\n"
       "last_preserved_timestamp: 3e2\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: " << argv[0] << " <testdata/tf dir> <corpus dir>\n";
    return 2;
  }
  g_out = argv[2];
  TestdataSeeds(argv[1]);
  HandMadeSeeds();
  std::cout << "make_corpus: wrote " << g_files << " files under " << g_out
            << (g_failed ? " (with errors)" : "") << "\n";
  return g_failed ? 1 : 0;
}
