// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Tests of the `checkpoint` state file: byte-exact serialization against the
// TensorFlow-written vectors, Python-compatible double formatting, escaping,
// path resolution, atomic writes, and the errors for missing, oversized and
// malformed files.

#include "checkpoint/checkpoint_state.h"

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ckpt/env.h"
#include "testing/test_util.h"

namespace ckpt {
namespace {

using ::ckpt::testing::ReadFileOrDie;
using ::ckpt::testing::SkipWithoutTfTestData;
using ::ckpt::testing::TempDir;
using ::ckpt::testing::TfPath;
using ::ckpt::testing::WriteFileOrDie;

// Forwards to Env::Default() and counts reads of RandomAccessFiles.
class CountingEnv : public EnvWrapper {
 public:
  class File : public RandomAccessFile {
   public:
    File(std::unique_ptr<RandomAccessFile> base, std::atomic<int>* reads)
        : base_(std::move(base)), reads_(reads) {}
    absl::Status Read(uint64_t offset, size_t n, char* scratch) const override {
      ++*reads_;
      return base_->Read(offset, n, scratch);
    }
    uint64_t size() const override { return base_->size(); }
    const std::string& path() const override { return base_->path(); }

   private:
    std::unique_ptr<RandomAccessFile> base_;
    std::atomic<int>* reads_;
  };

  CountingEnv() : EnvWrapper(Env::Default()) {}

  absl::StatusOr<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& path) override {
    absl::StatusOr<std::unique_ptr<RandomAccessFile>> f =
        EnvWrapper::NewRandomAccessFile(path);
    if (!f.ok()) return f.status();
    return std::unique_ptr<RandomAccessFile>(new File(std::move(*f), &reads_));
  }

  int reads() const { return reads_.load(); }

 private:
  std::atomic<int> reads_{0};
};

uint64_t Bits(double d) {
  uint64_t b;
  std::memcpy(&b, &d, sizeof(b));
  return b;
}

TEST_CASE("PythonDoubleRepr matches Python's repr()", "[checkpoint_state]") {
  const std::vector<std::pair<double, std::string>> cases = {
      {1606867698.033619, "1606867698.033619"},
      {1606867791.8105, "1606867791.8105"},
      {1606867659.7415721, "1606867659.7415721"},
      {1617941186.9651563, "1617941186.9651563"},
      {1617941136.7596009, "1617941136.7596009"},
      {5.0, "5.0"},
      {-2.25, "-2.25"},
      {0.1, "0.1"},
      {1.0 / 3.0, "0.3333333333333333"},
      {100.0, "100.0"},
      {1e15, "1000000000000000.0"},
      {1234567890123456.7, "1234567890123456.8"},
      {1e16, "1e+16"},
      {1.5e16, "1.5e+16"},
      {123456789012345678.0, "1.2345678901234568e+17"},
      {1e100, "1e+100"},
      {0.0001, "0.0001"},
      {0.00012345, "0.00012345"},
      {1e-5, "1e-05"},
      {-1.234e-7, "-1.234e-07"},
      {5e-324, "5e-324"},
      {1.7976931348623157e308, "1.7976931348623157e+308"},
      {0.0, "0.0"},
      {-0.0, "-0.0"},
      {std::numeric_limits<double>::infinity(), "inf"},
      {-std::numeric_limits<double>::infinity(), "-inf"},
      {std::numeric_limits<double>::quiet_NaN(), "nan"},
  };
  for (const auto& [value, expected] : cases) {
    INFO(expected);
    CHECK(checkpoint::PythonDoubleRepr(value) == expected);
  }
}

TEST_CASE("Serialized doubles parse back to the same bits",
          "[checkpoint_state]") {
  std::mt19937_64 rng(20260101);
  checkpoint::CheckpointState state;
  state.model_checkpoint_path = "ckpt-1";
  for (int i = 0; i < 2000; ++i) {
    const uint64_t bits = rng();
    double d;
    std::memcpy(&d, &bits, sizeof(d));
    if (std::isnan(d)) continue;
    state.all_model_checkpoint_timestamps.push_back(d);
    // strtod of the repr is the value itself.
    REQUIRE(Bits(std::strtod(checkpoint::PythonDoubleRepr(d).c_str(),
                             nullptr)) == Bits(d));
  }
  state.all_model_checkpoint_timestamps.push_back(1e16);
  state.all_model_checkpoint_timestamps.push_back(-0.0);
  state.last_preserved_timestamp = 1606867659.7415721;
  absl::StatusOr<checkpoint::CheckpointState> parsed =
      checkpoint::ParseCheckpointState(
          checkpoint::SerializeCheckpointState(state), "mem");
  CKPT_REQUIRE_OK(parsed);
  REQUIRE(parsed->all_model_checkpoint_timestamps.size() ==
          state.all_model_checkpoint_timestamps.size());
  for (size_t i = 0; i < state.all_model_checkpoint_timestamps.size(); ++i) {
    REQUIRE(Bits(parsed->all_model_checkpoint_timestamps[i]) ==
            Bits(state.all_model_checkpoint_timestamps[i]));
  }
  REQUIRE(Bits(parsed->last_preserved_timestamp) ==
          Bits(state.last_preserved_timestamp));
}

TEST_CASE("TensorFlow-written state files round-trip byte for byte",
          "[checkpoint_state][tf]") {
  if (SkipWithoutTfTestData()) return;
  for (const char* vector : {"golf", "fsrcnn", "til"}) {
    INFO(vector);
    const std::string path = TfPath(absl::StrCat(vector, "/checkpoint"));
    const std::string text = ReadFileOrDie(path);
    absl::StatusOr<checkpoint::CheckpointState> state =
        checkpoint::ParseCheckpointState(text, path);
    CKPT_REQUIRE_OK(state);
    CHECK(checkpoint::SerializeCheckpointState(*state) == text);
  }
}

TEST_CASE("Parsed golf state holds the vector's values",
          "[checkpoint_state][tf]") {
  if (SkipWithoutTfTestData()) return;
  const std::string path = TfPath("golf/checkpoint");
  absl::StatusOr<checkpoint::CheckpointState> state =
      checkpoint::ParseCheckpointState(ReadFileOrDie(path), path);
  CKPT_REQUIRE_OK(state);
  CHECK(state->model_checkpoint_path == "ckpt-2");
  CHECK(state->all_model_checkpoint_paths ==
        std::vector<std::string>{"ckpt-1", "ckpt-2"});
  CHECK(state->all_model_checkpoint_timestamps ==
        std::vector<double>{1606867698.033619, 1606867791.8105});
  CHECK(state->last_preserved_timestamp == 1606867659.7415721);

  // til: written by Keras save_weights, no timestamps.
  const std::string til = TfPath("til/checkpoint");
  absl::StatusOr<checkpoint::CheckpointState> til_state =
      checkpoint::ParseCheckpointState(ReadFileOrDie(til), til);
  CKPT_REQUIRE_OK(til_state);
  CHECK(til_state->model_checkpoint_path == "cp-0050.ckpt");
  CHECK(til_state->all_model_checkpoint_timestamps.empty());
  CHECK(til_state->last_preserved_timestamp == 0);
}

TEST_CASE("ReadCheckpointState resolves relative paths against the directory",
          "[checkpoint_state][tf]") {
  if (SkipWithoutTfTestData()) return;
  const std::string dir = TfPath("golf");
  absl::StatusOr<checkpoint::CheckpointState> state =
      checkpoint::ReadCheckpointState(Env::Default(), dir);
  CKPT_REQUIRE_OK(state);
  CHECK(state->model_checkpoint_path == dir + "/ckpt-2");
  CHECK(state->all_model_checkpoint_paths ==
        std::vector<std::string>{dir + "/ckpt-1", dir + "/ckpt-2"});
  CHECK(state->all_model_checkpoint_timestamps.size() == 2);

  // A trailing slash on the directory changes nothing.
  absl::StatusOr<checkpoint::CheckpointState> slash =
      checkpoint::ReadCheckpointState(Env::Default(), dir + "/");
  CKPT_REQUIRE_OK(slash);
  CHECK(*slash == *state);
}

TEST_CASE("Absolute paths are kept on read and on write",
          "[checkpoint_state]") {
  TempDir tmp;
  WriteFileOrDie(tmp.Join("checkpoint"),
                 "model_checkpoint_path: \"/elsewhere/ckpt-3\"\n"
                 "all_model_checkpoint_paths: \"ckpt-2\"\n"
                 "all_model_checkpoint_paths: \"/elsewhere/ckpt-3\"\n");
  absl::StatusOr<checkpoint::CheckpointState> state =
      checkpoint::ReadCheckpointState(Env::Default(), tmp.path());
  CKPT_REQUIRE_OK(state);
  CHECK(state->model_checkpoint_path == "/elsewhere/ckpt-3");
  CHECK(state->all_model_checkpoint_paths ==
        std::vector<std::string>{tmp.Join("ckpt-2"), "/elsewhere/ckpt-3"});
  const std::string before = ReadFileOrDie(tmp.Join("checkpoint"));
  CKPT_REQUIRE_OK(
      checkpoint::WriteCheckpointState(Env::Default(), tmp.path(), *state));
  CHECK(ReadFileOrDie(tmp.Join("checkpoint")) == before);
}

TEST_CASE("WriteCheckpointState reproduces the golf file and leaves no temp",
          "[checkpoint_state][tf]") {
  if (SkipWithoutTfTestData()) return;
  TempDir tmp;
  const std::string golf = ReadFileOrDie(TfPath("golf/checkpoint"));
  absl::StatusOr<checkpoint::CheckpointState> parsed =
      checkpoint::ParseCheckpointState(golf, "golf");
  CKPT_REQUIRE_OK(parsed);
  // Paths under the directory are stored relative to it.
  checkpoint::CheckpointState state = *parsed;
  state.model_checkpoint_path = tmp.Join(state.model_checkpoint_path);
  for (std::string& p : state.all_model_checkpoint_paths) p = tmp.Join(p);
  CKPT_REQUIRE_OK(
      checkpoint::WriteCheckpointState(Env::Default(), tmp.path(), state));
  CHECK(ReadFileOrDie(tmp.Join("checkpoint")) == golf);

  absl::StatusOr<std::vector<std::string>> children =
      Env::Default()->GetChildren(tmp.path());
  CKPT_REQUIRE_OK(children);
  CHECK(*children == std::vector<std::string>{"checkpoint"});

  absl::StatusOr<checkpoint::CheckpointState> back =
      checkpoint::ReadCheckpointState(Env::Default(), tmp.path());
  CKPT_REQUIRE_OK(back);
  CHECK(*back == state);

  // Overwriting replaces the whole file.
  checkpoint::CheckpointState small;
  small.model_checkpoint_path = "ckpt-9";
  CKPT_REQUIRE_OK(
      checkpoint::WriteCheckpointState(Env::Default(), tmp.path(), small));
  CHECK(ReadFileOrDie(tmp.Join("checkpoint")) ==
        "model_checkpoint_path: \"ckpt-9\"\n");
}

TEST_CASE("Serialization omits defaults and keeps field order",
          "[checkpoint_state]") {
  checkpoint::CheckpointState state;
  state.model_checkpoint_path = "ckpt-1";
  CHECK(checkpoint::SerializeCheckpointState(state) ==
        "model_checkpoint_path: \"ckpt-1\"\n");
  state.all_model_checkpoint_timestamps = {0.0, 2.5};
  state.all_model_checkpoint_paths = {"ckpt-0", "ckpt-1"};
  state.last_preserved_timestamp = -0.0;  // default as Python sees it
  CHECK(checkpoint::SerializeCheckpointState(state) ==
        "model_checkpoint_path: \"ckpt-1\"\n"
        "all_model_checkpoint_paths: \"ckpt-0\"\n"
        "all_model_checkpoint_paths: \"ckpt-1\"\n"
        "all_model_checkpoint_timestamps: 0.0\n"
        "all_model_checkpoint_timestamps: 2.5\n");
  CHECK(checkpoint::SerializeCheckpointState(checkpoint::CheckpointState{})
            .empty());
}

TEST_CASE("Strings are C-escaped like Python text_format",
          "[checkpoint_state]") {
  checkpoint::CheckpointState state;
  state.model_checkpoint_path =
      std::string("a\"b'c\\d\ne\tf\rg\x01h\x7fi\xc3\xa9j", 20);
  CHECK(checkpoint::SerializeCheckpointState(state) ==
        "model_checkpoint_path: "
        "\"a\\\"b\\'c\\\\d\\ne\\tf\\rg\\001h\\177i\\303\\251j\"\n");
  absl::StatusOr<checkpoint::CheckpointState> back =
      checkpoint::ParseCheckpointState(
          checkpoint::SerializeCheckpointState(state), "mem");
  CKPT_REQUIRE_OK(back);
  CHECK(back->model_checkpoint_path == state.model_checkpoint_path);

  std::string all_bytes;
  for (int c = 1; c < 256; ++c) all_bytes.push_back(static_cast<char>(c));
  state.model_checkpoint_path = all_bytes;
  back = checkpoint::ParseCheckpointState(
      checkpoint::SerializeCheckpointState(state), "mem");
  CKPT_REQUIRE_OK(back);
  CHECK(back->model_checkpoint_path == all_bytes);
}

TEST_CASE("Missing state file is NotFound naming the path",
          "[checkpoint_state]") {
  TempDir tmp;
  CKPT_REQUIRE_ERROR(
      checkpoint::ReadCheckpointState(Env::Default(), tmp.path()),
      absl::StatusCode::kNotFound, tmp.Join("checkpoint"));
  CKPT_REQUIRE_ERROR(
      checkpoint::ReadCheckpointState(Env::Default(), tmp.Join("nodir")),
      absl::StatusCode::kNotFound, "checkpoint");
}

TEST_CASE("Malformed state files are DataLoss naming the file",
          "[checkpoint_state]") {
  TempDir tmp;
  const std::string path = tmp.Join("checkpoint");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "model_checkpoint_path is empty"},
      {"all_model_checkpoint_paths: \"ckpt-1\"\n",
       "model_checkpoint_path is empty"},
      {"model_checkpoint_path: \"\"\n", "model_checkpoint_path is empty"},
      {"model_checkpoint_path: \"ckpt-1\n", "line 1"},
      {"model_checkpoint_path: \"a\"\nbogus_field: 1\n", "line 2"},
      {"model_checkpoint_path: \"a\"\nmodel_checkpoint_path: \"b\"\n",
       "line 2"},
      {"model_checkpoint_path: \"a\"\nlast_preserved_timestamp: \"x\"\n",
       "line 2"},
      {std::string("\x00\xff\x10garbage", 10), "line 1"},
  };
  for (const auto& [text, what] : cases) {
    INFO(text);
    WriteFileOrDie(path, text);
    const absl::StatusOr<checkpoint::CheckpointState> state =
        checkpoint::ReadCheckpointState(Env::Default(), tmp.path());
    CKPT_REQUIRE_ERROR(state, absl::StatusCode::kDataLoss, path);
    CKPT_REQUIRE_ERROR(state, absl::StatusCode::kDataLoss, what);
  }
}

TEST_CASE("A 100 MB state file is refused with bounded memory",
          "[checkpoint_state]") {
  TempDir tmp;
  const std::string path = tmp.Join("checkpoint");
  WriteFileOrDie(path, "model_checkpoint_path: \"ckpt-1\"\n#");
  std::filesystem::resize_file(path, uint64_t{100} << 20);  // sparse
  testing::AllocationScope allocation_scope;
  CKPT_REQUIRE_ERROR(
      checkpoint::ReadCheckpointState(Env::Default(), tmp.path()),
      absl::StatusCode::kResourceExhausted, path);
  CHECK(allocation_scope.peak_bytes() < (int64_t{1} << 20));
}

TEST_CASE("Oversized state files are refused before reading",
          "[checkpoint_state]") {
  TempDir tmp;
  const std::string path = tmp.Join("checkpoint");
  // Exactly at the limit: accepted (a comment pads the file).
  std::string text = "model_checkpoint_path: \"ckpt-1\"\n#";
  text +=
      std::string(checkpoint::kMaxCheckpointStateBytes - text.size() - 1, 'x');
  text += "\n";
  REQUIRE(text.size() == checkpoint::kMaxCheckpointStateBytes);
  WriteFileOrDie(path, text);
  CountingEnv env;
  absl::StatusOr<checkpoint::CheckpointState> ok =
      checkpoint::ReadCheckpointState(&env, tmp.path());
  CKPT_REQUIRE_OK(ok);
  CHECK(ok->model_checkpoint_path == tmp.Join("ckpt-1"));
  CHECK(env.reads() > 0);

  // One byte over: ResourceExhausted naming the file, and nothing read.
  WriteFileOrDie(path, text + "\n");
  CountingEnv env2;
  CKPT_REQUIRE_ERROR(checkpoint::ReadCheckpointState(&env2, tmp.path()),
                     absl::StatusCode::kResourceExhausted, path);
  CHECK(env2.reads() == 0);
}

TEST_CASE("Writing an empty model path is refused", "[checkpoint_state]") {
  TempDir tmp;
  checkpoint::CheckpointState state;
  state.all_model_checkpoint_paths = {"ckpt-1"};
  CKPT_REQUIRE_ERROR(
      checkpoint::WriteCheckpointState(Env::Default(), tmp.path(), state),
      absl::StatusCode::kInvalidArgument, "model_checkpoint_path");
  CHECK(Env::Default()->FileExists(tmp.Join("checkpoint")).code() ==
        absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace ckpt
