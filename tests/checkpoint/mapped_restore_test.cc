// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Mapped restores (RestoreOptions::map_values):
//   * fixed-size values of every numeric dtype become verified read-only
//     views of the data file, into uninitialized and initialized
//     variables, with 1 and 2 threads; the views outlive the Checkpoint,
//     the RestoreStatus and the files themselves;
//   * strings, LZ4-compressed, partitioned and misaligned values are
//     copied;
//   * a corrupted value is DataLoss naming its path and key, and its
//     variable keeps what it held (uninitialized, or its old value);
//   * a mismatch is reported as in a copying restore; mapped values save
//     back bit for bit; an Env without memory regions copies.

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/checkpoint.h"
#include "ckpt/env.h"
#include "ckpt/trackable.h"
#include "testing/fault_env.h"
#include "testing/test_util.h"

namespace ckpt {
namespace {

using ::ckpt::testing::TempDir;

// Children "v0".."v<n-1>".
struct Model : Trackable {
  explicit Model(size_t n) : vars(n) {}
  void VisitChildren(ChildVisitor& visit) override {
    for (size_t i = 0; i < vars.size(); ++i) {
      visit(absl::StrCat("v", i), vars[i]);
    }
  }
  std::vector<Variable> vars;
};

// `n` float variables of `elements` each, filled from `seed`.
Model Filled(size_t n, int64_t elements, uint32_t seed) {
  Model m(n);
  uint32_t x = seed;
  for (Variable& v : m.vars) {
    v = Variable(DataType::kFloat, TensorShape{elements});
    for (float& f : v.mutable_flat<float>()) {
      x = x * 1664525u + 1013904223u;
      f = static_cast<float>(x >> 8);
    }
  }
  return m;
}

RestoreOptions Mapped(int threads = 0) {
  RestoreOptions o;
  o.map_values = true;
  o.num_threads = threads;
  return o;
}

TEST_CASE("Mapped values are verified views that outlive the restore") {
  TempDir dir;
  // 5 MiB in all: above the 16 MiB threshold only with the big ones.
  Model saved = Filled(5, int64_t{1} << 20, 1);
  saved.vars.emplace_back(Tensor::Scalar<int64_t>(42));
  saved.vars.emplace_back(Tensor::Scalar<double>(0.5));
  saved.vars.emplace_back(Tensor::Scalar<bool>(true));
  Checkpoint writer;
  CKPT_REQUIRE_OK(writer.Track("m", saved));
  const std::string prefix = dir.Join("p");
  CKPT_REQUIRE_OK(writer.Write(prefix));
  for (int threads : {1, 2}) {
    for (bool initialized : {false, true}) {
      INFO("threads " << threads << ", initialized " << initialized);
      Model loaded(saved.vars.size());
      if (initialized) {
        for (size_t i = 0; i < saved.vars.size(); ++i) {
          loaded.vars[i] =
              Variable(saved.vars[i].dtype(), saved.vars[i].shape());
        }
      }
      {
        Checkpoint reader;
        CKPT_REQUIRE_OK(reader.Track("m", loaded));
        absl::StatusOr<RestoreStatus> status =
            reader.Read(prefix, Mapped(threads));
        CKPT_REQUIRE_OK(status);
        CKPT_REQUIRE_OK(status->AssertConsumed());
        REQUIRE(status->report().matched.size() == saved.vars.size());
      }  // the checkpoint and the status are gone
      for (size_t i = 0; i < saved.vars.size(); ++i) {
        INFO("variable " << i);
        const Tensor& t = loaded.vars[i].value();
        REQUIRE(t.is_borrowed());
        REQUIRE(t.view_owner() != nullptr);
        REQUIRE(loaded.vars[i].mutable_value().mutable_bytes().empty());
        REQUIRE(t.Equals(saved.vars[i].value()));
      }
    }
  }
  // The views stay valid once the files are deleted.
  Model kept(saved.vars.size());
  Checkpoint reader;
  CKPT_REQUIRE_OK(reader.Track("m", kept));
  CKPT_REQUIRE_OK(reader.Read(prefix, Mapped()));
  REQUIRE(std::remove(IndexFilename(prefix).c_str()) == 0);
  REQUIRE(std::remove(DataFilename(prefix, 0, 1).c_str()) == 0);
  for (size_t i = 0; i < saved.vars.size(); ++i) {
    REQUIRE(kept.vars[i].value().Equals(saved.vars[i].value()));
  }
}

TEST_CASE("Strings, compressed and partitioned values are copied") {
  TempDir dir;
  struct Mixed : Trackable {
    void VisitChildren(ChildVisitor& visit) override {
      visit("names", names);
      visit("flat", flat);
      visit("plain", plain);
      visit("sharded", sharded);
    }
    Variable names, flat, plain;
    ShardedVariable sharded;
  };
  Mixed saved;
  saved.names =
      Variable(Tensor::FromStrings(TensorShape({2}), {"a", "bc"}).value());
  saved.flat = Variable(DataType::kFloat, TensorShape({65536}));  // zeros
  std::vector<uint8_t> noise(4096);  // incompressible: stored plain
  uint32_t x = 3;
  for (uint8_t& b : noise) {
    x = x * 1664525u + 1013904223u;
    b = static_cast<uint8_t>(x >> 24);
  }
  saved.plain =
      Variable(Tensor::FromVector<uint8_t>(TensorShape({4096}), noise).value());
  std::vector<Tensor> parts;
  for (int p = 0; p < 2; ++p) {
    parts.push_back(Tensor::FromVector<float>(TensorShape({2, 3}),
                                              {1.f + p, 2, 3, 4, 5, 6.f + p})
                        .value());
  }
  absl::StatusOr<ShardedVariable> sv =
      ShardedVariable::FromParts(std::move(parts));
  CKPT_REQUIRE_OK(sv);
  saved.sharded = *std::move(sv);
  Checkpoint writer;
  CKPT_REQUIRE_OK(writer.Track("x", saved));
  SaveOptions lz4;
  lz4.bundle.compression = Compression::kLz4;
  CKPT_REQUIRE_OK(writer.Write(dir.Join("p"), lz4));

  Mixed loaded;
  absl::StatusOr<ShardedVariable> empty =
      ShardedVariable::Create(DataType::kFloat, TensorShape({4, 3}), 2);
  CKPT_REQUIRE_OK(empty);
  loaded.sharded = *std::move(empty);
  Checkpoint reader;
  CKPT_REQUIRE_OK(reader.Track("x", loaded));
  absl::StatusOr<RestoreStatus> status = reader.Read(dir.Join("p"), Mapped());
  CKPT_REQUIRE_OK(status);
  CKPT_REQUIRE_OK(status->AssertConsumed());
  REQUIRE(loaded.names.value().strings() ==
          std::vector<std::string>{"a", "bc"});
  REQUIRE_FALSE(loaded.flat.value().is_borrowed());  // stored LZ4
  REQUIRE(loaded.flat.value().Equals(saved.flat.value()));
  REQUIRE(loaded.plain.value().is_borrowed());
  REQUIRE(loaded.plain.value().Equals(saved.plain.value()));
  for (int p = 0; p < 2; ++p) {
    REQUIRE_FALSE(loaded.sharded.part(p).is_borrowed());
    REQUIRE(loaded.sharded.part(p).Equals(saved.sharded.part(p)));
  }
}

TEST_CASE("Misaligned values are copied, data_alignment 64 maps them all") {
  TempDir dir;
  Model saved(2);
  saved.vars[0] =
      Variable(Tensor::FromVector<int8_t>(TensorShape({3}), {1, 2, 3}).value());
  saved.vars[1] = Filled(1, 16, 4).vars[0];  // stored right after 3 bytes
  Checkpoint writer;
  CKPT_REQUIRE_OK(writer.Track("m", saved));
  CKPT_REQUIRE_OK(writer.Write(dir.Join("dense")));  // TensorFlow's layout
  SaveOptions aligned;
  aligned.bundle.data_alignment = 64;
  CKPT_REQUIRE_OK(writer.Write(dir.Join("aligned"), aligned));
  for (const char* name : {"dense", "aligned"}) {
    INFO(name);
    Model loaded(2);
    Checkpoint reader;
    CKPT_REQUIRE_OK(reader.Track("m", loaded));
    CKPT_REQUIRE_OK(reader.Read(dir.Join(name), Mapped()));
    REQUIRE(loaded.vars[0].value().is_borrowed());  // int8: any address
    REQUIRE(loaded.vars[1].value().is_borrowed() ==
            (std::string(name) == "aligned"));
    for (size_t i = 0; i < 2; ++i) {
      REQUIRE(loaded.vars[i].value().Equals(saved.vars[i].value()));
    }
  }
}

TEST_CASE("A corrupted mapped value fails and its variable keeps its value") {
  TempDir dir;
  Model saved = Filled(3, 4096, 9);
  Checkpoint writer;
  CKPT_REQUIRE_OK(writer.Track("m", saved));
  const std::string prefix = dir.Join("p");
  CKPT_REQUIRE_OK(writer.Write(prefix));
  const std::string key = "m/v1/.ATTRIBUTES/VARIABLE_VALUE";
  testing::CorruptStoredByte(prefix, key, 100, 0x08);

  Model fresh(3);
  Model old = Filled(3, 4096, 77);
  const Tensor old_v1 = old.vars[1].value();
  for (Model* m : {&fresh, &old}) {
    Checkpoint reader;
    CKPT_REQUIRE_OK(reader.Track("m", *m));
    absl::StatusOr<RestoreStatus> status = reader.Read(prefix, Mapped());
    CKPT_REQUIRE_ERROR(status, absl::StatusCode::kDataLoss,
                       "restoring 'm/v1': ");
    CKPT_REQUIRE_ERROR(status, absl::StatusCode::kDataLoss, key);
    CKPT_REQUIRE_ERROR(status, absl::StatusCode::kDataLoss,
                       "checksum mismatch");
    REQUIRE(m->vars[0].value().Equals(saved.vars[0].value()));
    REQUIRE(m->vars[2].value().Equals(saved.vars[2].value()));
  }
  REQUIRE(fresh.vars[1].dtype() == DataType::kInvalid);
  REQUIRE(old.vars[1].value().Equals(old_v1));
  REQUIRE_FALSE(old.vars[1].value().is_borrowed());
}

TEST_CASE("A mapped restore reports mismatches and saves back exactly") {
  TempDir dir;
  Model saved = Filled(2, 256, 5);
  Checkpoint writer;
  CKPT_REQUIRE_OK(writer.Track("m", saved));
  CKPT_REQUIRE_OK(writer.Write(dir.Join("p")));

  Model wrong(2);
  wrong.vars[0] = Variable(DataType::kFloat, TensorShape({255}));
  Checkpoint bad;
  CKPT_REQUIRE_OK(bad.Track("m", wrong));
  CKPT_REQUIRE_ERROR(bad.Read(dir.Join("p"), Mapped()),
                     absl::StatusCode::kInvalidArgument,
                     "checkpoint float32 [256] vs object float32 [255]");
  REQUIRE_FALSE(wrong.vars[0].value().is_borrowed());
  REQUIRE(wrong.vars[1].value().is_borrowed());  // the other one mapped

  Model loaded(2);
  Checkpoint reader;
  CKPT_REQUIRE_OK(reader.Track("m", loaded));
  CKPT_REQUIRE_OK(reader.Read(dir.Join("p"), Mapped()));
  CKPT_REQUIRE_OK(reader.Write(dir.Join("again")));  // saves from the views
  Model back(2);
  Checkpoint check;
  CKPT_REQUIRE_OK(check.Track("m", back));
  CKPT_REQUIRE_OK(check.Read(dir.Join("again")));
  for (size_t i = 0; i < 2; ++i) {
    REQUIRE(back.vars[i].value().Equals(saved.vars[i].value()));
  }
}

TEST_CASE("Without memory regions a mapped restore copies") {
  testing::FaultEnv env;  // no NewReadOnlyMemoryRegion
  Model saved = Filled(3, 64, 2);
  Checkpoint writer;
  CKPT_REQUIRE_OK(writer.Track("m", saved));
  SaveOptions save;
  save.env = &env;
  CKPT_REQUIRE_OK(writer.Write("/p", save));
  Model loaded(3);
  Checkpoint reader;
  CKPT_REQUIRE_OK(reader.Track("m", loaded));
  RestoreOptions options = Mapped();
  options.env = &env;
  CKPT_REQUIRE_OK(reader.Read("/p", options));
  for (size_t i = 0; i < 3; ++i) {
    REQUIRE_FALSE(loaded.vars[i].value().is_borrowed());
    REQUIRE(loaded.vars[i].value().Equals(saved.vars[i].value()));
  }
}

}  // namespace
}  // namespace ckpt
