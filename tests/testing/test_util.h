// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Shared test helpers: a fresh temporary directory per test, the location of
// the TensorFlow-written test vectors, and status matchers.

#ifndef CKPT_TESTS_TESTING_TEST_UTIL_H_
#define CKPT_TESTS_TESTING_TEST_UTIL_H_

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ckpt/dtype.h"
#include "ckpt/env.h"
#include "ckpt/tensor.h"

namespace ckpt::testing {

// A directory created under $TMPDIR (or /tmp) for one test and removed,
// with its contents, when the object goes out of scope.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string Join(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Directory of the TensorFlow-written vectors ("" if absent).
std::string TfTestDataDir();

// Returns true (after printing "SKIPPED: <reason>") when the vectors are
// absent. Use: `if (SkipWithoutTfTestData()) return;`
bool SkipWithoutTfTestData();

// Full path of a vector: TfPath("golf/ckpt-1").
std::string TfPath(const std::string& relative);

// Reads/writes a whole file with plain stdio (independent of ckpt::Env).
std::string ReadFileOrDie(const std::string& path);
void WriteFileOrDie(const std::string& path, const std::string& contents);

// XORs `mask` into the byte `at` bytes into the stored value of `key` in the
// single-shard bundle `prefix` (for corruption tests).
void CorruptStoredByte(const std::string& prefix, const std::string& key,
                       int64_t at, uint8_t mask);

// One to three random edits of `bytes` (a bit flipped, a byte inserted or a
// byte dropped), for the codec tests that hold a fast decoder to protobuf;
// never leaves it empty.
void MutateBytes(std::string* bytes, std::mt19937_64& rng);

// Bytes from hex digits; whitespace between digits is ignored ("08 01").
std::string FromHex(const std::string& hex);

// Consumes a base-128 varint from the front of `in`, failing the test if it
// is truncated or longer than 10 bytes. Independent of lib/util/coding.h so
// tests decode file bytes with code of their own.
uint64_t GetVarint(absl::string_view* in);

// The exit code and both outputs of one in-process call of a `ckpt` command
// function (ckpt::cli::RunLs, RunDiff, ...; tools/cli/cli.h).
struct CommandResult {
  int code = -1;
  std::string out;
  std::string err;
};

// Calls `fn(Env::Default(), args, out, err)` with string sinks.
template <typename Fn>
CommandResult RunCliFunction(Fn fn, const std::vector<std::string>& args) {
  std::ostringstream out, err;
  CommandResult r;
  r.code = fn(Env::Default(), args, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

// Writes `tensors` (key, value), in order, as a one-shard bundle at
// `prefix` with the default Env, failing the test on any error.
void WriteBundleOrDie(
    const std::string& prefix,
    const std::vector<std::pair<std::string, Tensor>>& tensors);

// Rewrites the index of the bundle at `prefix` (default Env) with the raw
// dtype values of `dtypes` (key -> value) in place of the stored ones,
// keeping every other field and the data files: makes entries no writer
// produces (resource, unknown values) out of ordinary ones.
void SetEntryDtypesOrDie(
    const std::string& prefix,
    const std::vector<std::pair<std::string, int32_t>>& dtypes);

// A serialized VariantTensorDataProto: type_name (field 1), metadata
// (field 2) and `num_tensors` small TensorProtos (field 3), written here by
// hand from the wire format.
std::string VariantElementBytes(const std::string& type_name,
                                const std::string& metadata, int num_tensors);

// A tensor of `shape` holding `values` (test data: must be valid).
// Every dtype a bundle can store, in enum order.
std::vector<DataType> StorableDataTypes();

template <typename T>
Tensor VectorTensor(TensorShape shape, const std::vector<T>& values) {
  return Tensor::FromVector<T>(std::move(shape), values).value();
}

namespace internal {
extern std::atomic<int64_t> g_bytes_in_use;  // test_main.cc
extern std::atomic<int64_t> g_peak_bytes;
}  // namespace internal

// The most bytes in use through operator new (all threads, malloc'd size)
// above the level at construction, while the scope lives; always 0 in
// sanitizer builds, whose runtimes own operator new. Use:
//   AllocationScope scope;  ...read a crafted file...
//   REQUIRE(scope.peak_bytes() < (1 << 20));
class AllocationScope {
 public:
  AllocationScope() : start_(internal::g_bytes_in_use.load()) {
    internal::g_peak_bytes.store(start_);
  }
  int64_t peak_bytes() const { return internal::g_peak_bytes.load() - start_; }

 private:
  int64_t start_;
};

// Path of the built `ckpt` executable.
std::string CliPath();

// Runs a shell command; returns its exit code and captured stdout (stderr
// goes to *err when non-null).
int RunCommand(const std::string& command, std::string* out,
               std::string* err = nullptr);

}  // namespace ckpt::testing

// REQUIRE that `expr` (a Status or StatusOr) is OK, printing the status.
#define CKPT_REQUIRE_OK(expr)                               \
  do {                                                      \
    const auto& ckpt_req_ = (expr);                         \
    INFO(::ckpt::testing::internal::StatusText(ckpt_req_)); \
    REQUIRE(::ckpt::testing::internal::IsOk(ckpt_req_));    \
  } while (false)

// REQUIRE that `expr` fails with `code` and a message containing `substr`.
#define CKPT_REQUIRE_ERROR(expr, expected_code, substr)                      \
  do {                                                                       \
    const absl::Status ckpt_st_ = ::ckpt::testing::internal::ToStatus(expr); \
    INFO(ckpt_st_.ToString());                                               \
    REQUIRE(ckpt_st_.code() == (expected_code));                             \
    REQUIRE_THAT(std::string(ckpt_st_.message()),                            \
                 Catch::Matchers::Contains(substr));                         \
  } while (false)

namespace ckpt::testing::internal {
inline bool IsOk(const absl::Status& s) { return s.ok(); }
template <typename T>
bool IsOk(const absl::StatusOr<T>& s) {
  return s.ok();
}
inline std::string StatusText(const absl::Status& s) { return s.ToString(); }
template <typename T>
std::string StatusText(const absl::StatusOr<T>& s) {
  return s.status().ToString();
}
inline absl::Status ToStatus(const absl::Status& s) { return s; }
template <typename T>
absl::Status ToStatus(const absl::StatusOr<T>& s) {
  return s.status();
}
}  // namespace ckpt::testing::internal

#endif  // CKPT_TESTS_TESTING_TEST_UTIL_H_
