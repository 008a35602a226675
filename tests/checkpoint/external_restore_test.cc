// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Saving from and restoring into caller-owned memory (ExternalVariable;
// RestoreSession::RestoreExternal, the save planner's External):
//   * model-based: every fixed-size dtype, random shapes and bytes, checked
//     against a std::map of the expected bytes, with 1 and 2 threads, with
//     values large enough for the parallel path and many enough for the
//     batched one; checkpoints of Variables restore into caller memory and
//     the other way round;
//   * partial and deferred restores (an object created later, memory bound
//     later), slots held in caller memory, name-based (TF1) restores;
//   * asynchronous saves snapshot the memory at the call;
//   * failures: dtype and shape mismatches, read-only memory, a corrupted
//     value with and without RestoreOptions::stage_external, callback
//     errors; mapped restores copy into caller memory.

#include <cstdint>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ckpt/checkpoint.h"
#include "ckpt/communicator.h"
#include "ckpt/external_variable.h"
#include "ckpt/status.h"
#include "ckpt/trackable.h"
#include "testing/distributed_model.h"
#include "testing/test_util.h"

namespace ckpt {
namespace {

using ::ckpt::testing::TempDir;

// One value's memory, owned by the test (the "caller").
struct Memory {
  DataType dtype = DataType::kInvalid;
  TensorShape shape;
  std::vector<char> bytes;
};

// Random bytes valid for `dtype` (bool: 0 or 1).
std::vector<char> RandomBytes(DataType dtype, int64_t n, std::mt19937_64& rng) {
  std::vector<char> out(static_cast<size_t>(n) * DataTypeSize(dtype));
  for (char& c : out) {
    c = static_cast<char>(dtype == DataType::kBool ? rng() % 2 : rng());
  }
  return out;
}

std::vector<DataType> FixedSizeTypes() {
  std::vector<DataType> out;
  for (DataType d : testing::StorableDataTypes()) {
    if (IsFixedSizeDataType(d)) out.push_back(d);
  }
  return out;
}

// Children "v0".."v<n-1>", each viewing memory[i]; memory grows without
// moving (a deque), so variables can be added after a restore.
struct ExternalModel : Trackable {
  void VisitChildren(ChildVisitor& visit) override {
    for (size_t i = 0; i < vars.size(); ++i) {
      visit(absl::StrCat("v", i), vars[i]);
    }
  }
  ExternalVariable& Add(Memory m) {
    Memory& mem = memory.emplace_back(std::move(m));
    return vars.emplace_back(ExternalVariable::Writable(mem.dtype, mem.shape,
                                                        mem.bytes.data(),
                                                        mem.bytes.size())
                                 .value());
  }
  std::deque<Memory> memory;
  std::deque<ExternalVariable> vars;
};

// The same structure with owned Variables.
struct OwnedModel : Trackable {
  void VisitChildren(ChildVisitor& visit) override {
    for (size_t i = 0; i < vars.size(); ++i) {
      visit(absl::StrCat("v", i), vars[i]);
    }
  }
  std::deque<Variable> vars;
};

// `n` random values of the fixed-size dtypes in turn, rank 0 to 3.
std::vector<Memory> RandomValues(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const std::vector<DataType> types = FixedSizeTypes();
  std::vector<Memory> out;
  for (size_t i = 0; i < n; ++i) {
    Memory m;
    m.dtype = types[i % types.size()];
    std::vector<int64_t> dims(rng() % 4);
    for (int64_t& d : dims) d = static_cast<int64_t>(rng() % 5);
    m.shape = TensorShape(dims);
    m.bytes = RandomBytes(m.dtype, m.shape.num_elements(), rng);
    out.push_back(std::move(m));
  }
  return out;
}

// Memory of the same dtypes and shapes, filled with `fill`.
ExternalModel Blank(const std::vector<Memory>& like, char fill) {
  ExternalModel m;
  for (const Memory& v : like) {
    Memory blank = v;
    std::fill(blank.bytes.begin(), blank.bytes.end(), fill);
    m.Add(std::move(blank));
  }
  return m;
}

std::map<std::string, std::string> BytesOf(const ExternalModel& m) {
  std::map<std::string, std::string> out;
  for (size_t i = 0; i < m.memory.size(); ++i) {
    out[absl::StrCat("v", i)] =
        std::string(m.memory[i].bytes.begin(), m.memory[i].bytes.end());
  }
  return out;
}

std::string Key(const std::string& child) {
  return absl::StrCat("m/", child, "/.ATTRIBUTES/VARIABLE_VALUE");
}

// Saves `values` as "m/v<i>" from caller memory (`*saved`) to dir/p.
std::string Save(const TempDir& dir, const std::vector<Memory>& values,
                 ExternalModel* saved) {
  for (const Memory& v : values) saved->Add(v);
  Checkpoint writer;
  REQUIRE(writer.Track("m", *saved).ok());
  const std::string prefix = dir.Join("p");
  REQUIRE(writer.Write(prefix).ok());
  return prefix;
}

TEST_CASE("Every fixed-size dtype saves from and restores into caller memory") {
  TempDir dir;
  const std::vector<Memory> values = RandomValues(60, 7);
  ExternalModel saved;
  const std::string prefix = Save(dir, values, &saved);
  // The model: child -> expected bytes.
  const std::map<std::string, std::string> model = BytesOf(saved);

  for (int threads : {1, 2}) {
    INFO("threads " << threads);
    ExternalModel restored = Blank(values, '\x5a');
    Checkpoint reader;
    CKPT_REQUIRE_OK(reader.Track("m", restored));
    RestoreOptions options;
    options.num_threads = threads;
    absl::StatusOr<RestoreStatus> status = reader.Read(prefix, options);
    CKPT_REQUIRE_OK(status);
    CKPT_REQUIRE_OK(status->AssertConsumed());
    REQUIRE(BytesOf(restored) == model);
    REQUIRE(status->report().matched.size() == values.size());
    // Still views of the caller's memory.
    for (size_t i = 0; i < restored.vars.size(); ++i) {
      REQUIRE(restored.vars[i].access() == ExternalVariable::Access::kWritable);
      REQUIRE(restored.vars[i].value().bytes().data() ==
              (restored.memory[i].bytes.empty()
                   ? restored.vars[i].value().bytes().data()
                   : restored.memory[i].bytes.data()));
    }
  }

  SECTION("into owned Variables, and from them back into caller memory") {
    OwnedModel owned;
    owned.vars.resize(values.size());
    Checkpoint a;
    CKPT_REQUIRE_OK(a.Track("m", owned));
    CKPT_REQUIRE_OK(a.Read(prefix).status());
    for (size_t i = 0; i < values.size(); ++i) {
      REQUIRE(owned.vars[i].dtype() == values[i].dtype);
      REQUIRE(owned.vars[i].shape() == values[i].shape);
      REQUIRE(owned.vars[i].value().bytes() ==
              std::string(values[i].bytes.begin(), values[i].bytes.end()));
    }
    const std::string owned_prefix = dir.Join("owned");
    CKPT_REQUIRE_OK(a.Write(owned_prefix));
    ExternalModel back = Blank(values, '\0');
    Checkpoint b;
    CKPT_REQUIRE_OK(b.Track("m", back));
    CKPT_REQUIRE_OK(b.Read(owned_prefix).status());
    REQUIRE(BytesOf(back) == model);
  }
}

TEST_CASE("Large and many small values take the parallel and batched paths") {
  TempDir dir;
  std::mt19937_64 rng(11);
  std::vector<Memory> values;
  for (int i = 0; i < 3; ++i) {  // 24 MiB: read in parallel chunks
    values.push_back({DataType::kFloat, TensorShape({int64_t{2} << 20}),
                      RandomBytes(DataType::kFloat, int64_t{2} << 20, rng)});
  }
  for (int i = 0; i < 5000; ++i) {  // more than one batch of 4,096
    values.push_back({DataType::kInt64, TensorShape({3}),
                      RandomBytes(DataType::kInt64, 3, rng)});
  }
  ExternalModel saved;
  const std::string prefix = Save(dir, values, &saved);
  for (bool stage : {false, true}) {
    INFO("stage_external " << stage);
    ExternalModel restored = Blank(values, '\0');
    Checkpoint reader;
    CKPT_REQUIRE_OK(reader.Track("m", restored));
    RestoreOptions options;
    options.num_threads = 2;
    options.stage_external = stage;
    absl::StatusOr<RestoreStatus> status = reader.Read(prefix, options);
    CKPT_REQUIRE_OK(status);
    CKPT_REQUIRE_OK(status->AssertConsumed());
    REQUIRE(BytesOf(restored) == BytesOf(saved));
  }
}

TEST_CASE("A partial restore leaves memory it has no value for untouched") {
  TempDir dir;
  const std::vector<Memory> values = RandomValues(3, 3);
  ExternalModel saved;
  const std::string prefix = Save(dir, {values[0], values[1]}, &saved);

  ExternalModel restored = Blank(values, '\x11');
  Checkpoint reader;
  CKPT_REQUIRE_OK(reader.Track("m", restored));
  absl::StatusOr<RestoreStatus> status = reader.Read(prefix);
  CKPT_REQUIRE_OK(status);
  CKPT_REQUIRE_ERROR(status->AssertExistingObjectsMatched(),
                     absl::StatusCode::kFailedPrecondition, "m/v2");
  REQUIRE(restored.memory[0].bytes == values[0].bytes);
  REQUIRE(restored.memory[1].bytes == values[1].bytes);
  REQUIRE(restored.memory[2].bytes ==
          std::vector<char>(values[2].bytes.size(), '\x11'));
}

TEST_CASE("Deferred restores reach memory that appears later") {
  TempDir dir;
  const std::vector<Memory> values = RandomValues(4, 5);
  ExternalModel saved;
  const std::string prefix = Save(dir, values, &saved);

  SECTION("objects created after the restore") {
    ExternalModel restored;  // no variables yet
    Checkpoint reader;
    CKPT_REQUIRE_OK(reader.Track("m", restored));
    absl::StatusOr<RestoreStatus> status = reader.Read(prefix);
    CKPT_REQUIRE_OK(status);
    REQUIRE(status->report().pending.size() == values.size());
    for (const Memory& v : values) {
      Memory blank = v;
      std::fill(blank.bytes.begin(), blank.bytes.end(), '\0');
      restored.Add(std::move(blank));
    }
    CKPT_REQUIRE_OK(restored.ChildrenChanged());
    REQUIRE(BytesOf(restored) == BytesOf(saved));
    CKPT_REQUIRE_OK(status->AssertConsumed());
  }
  SECTION("unbound variables bound after the restore") {
    struct Lazy : Trackable {
      void VisitChildren(ChildVisitor& visit) override {
        for (size_t i = 0; i < vars.size(); ++i) {
          visit(absl::StrCat("v", i), vars[i]);
        }
      }
      std::deque<ExternalVariable> vars;
    } restored;
    restored.vars.resize(values.size());
    Checkpoint reader;
    CKPT_REQUIRE_OK(reader.Track("m", restored));
    absl::StatusOr<RestoreStatus> status = reader.Read(prefix);
    CKPT_REQUIRE_OK(status);
    CKPT_REQUIRE_OK(status->AssertConsumed());
    std::deque<std::vector<char>> memory;
    for (size_t i = 0; i < values.size(); ++i) {
      REQUIRE(restored.vars[i].has_pending_value());
      std::vector<char>& mem =
          memory.emplace_back(values[i].bytes.size(), '\0');
      CKPT_REQUIRE_OK(restored.vars[i].BindWritable(
          values[i].dtype, values[i].shape, mem.data(), mem.size()));
      REQUIRE(mem == values[i].bytes);
      REQUIRE_FALSE(restored.vars[i].has_pending_value());
    }
  }
}

TEST_CASE("An asynchronous save snapshots caller memory at the call") {
  TempDir dir;
  std::vector<float> mem(1 << 16, 1.0f);
  ExternalVariable v =
      ExternalVariable::Writable(DataType::kFloat, {1 << 16}, mem.data(),
                                 mem.size() * sizeof(float))
          .value();
  Checkpoint writer;
  CKPT_REQUIRE_OK(writer.Track("v", v));
  const std::string prefix = dir.Join("p");
  CKPT_REQUIRE_OK(writer.WriteAsync(prefix));
  std::fill(mem.begin(), mem.end(), 2.0f);  // after the call: not saved
  CKPT_REQUIRE_OK(writer.Wait());

  Variable back;
  Checkpoint reader;
  CKPT_REQUIRE_OK(reader.Track("v", back));
  CKPT_REQUIRE_OK(reader.Read(prefix).status());
  for (float f : back.flat<float>()) REQUIRE(f == 1.0f);
}

struct TwoOwned : Trackable {
  void VisitChildren(ChildVisitor& visit) override {
    visit("v0", v0);
    visit("v1", v1);
  }
  Variable v0, v1;
};

// Checkpoint "p" in `dir` of m/v0 (float [2,3]) and m/v1 (int32 [4]).
struct TwoValues {
  explicit TwoValues(const TempDir& dir) : prefix(dir.Join("p")) {
    v0 = {1, 2, 3, 4, 5, 6};
    v1 = {7, 8, 9, 10};
    TwoOwned m;
    m.v0 = Variable(Tensor::FromVector<float>({2, 3}, v0).value());
    m.v1 = Variable(Tensor::FromVector<int32_t>({4}, v1).value());
    Checkpoint writer;
    CKPT_REQUIRE_OK(writer.Track("m", m));
    CKPT_REQUIRE_OK(writer.Write(prefix));
  }
  std::string prefix;
  std::vector<float> v0;
  std::vector<int32_t> v1;
};

struct TwoExternal : Trackable {
  void VisitChildren(ChildVisitor& visit) override {
    visit("v0", v0);
    visit("v1", v1);
  }
  // v0 views `f` (float [2,3]), v1 views `i` (int32 [4]), both writable.
  void BindWritable(std::vector<float>& f, std::vector<int32_t>& i) {
    REQUIRE(v0.BindWritable(DataType::kFloat, {2, 3}, f.data(), 24).ok());
    REQUIRE(v1.BindWritable(DataType::kInt32, {4}, i.data(), 16).ok());
  }
  ExternalVariable v0, v1;
};

TEST_CASE("Mismatches name both sides and leave the memory untouched") {
  TempDir dir;
  TwoValues saved(dir);
  struct Case {
    DataType dtype;
    TensorShape shape;
    std::string message;
  };
  const Case cases[] = {
      {DataType::kDouble, TensorShape({2, 3}),
       "cannot restore 'm/v0' (key '" + Key("v0") +
           "'): checkpoint float32 [2,3] vs object float64 [2,3]"},
      {DataType::kFloat, TensorShape({3, 2}),
       "checkpoint float32 [2,3] vs object float32 [3,2]"},
  };
  for (const Case& c : cases) {
    INFO(c.message);
    std::vector<char> mem(c.shape.num_elements() * DataTypeSize(c.dtype), 'z');
    std::vector<int32_t> i(4, -1);
    TwoExternal m;
    m.v0 = ExternalVariable::Writable(c.dtype, c.shape, mem.data(), mem.size())
               .value();
    m.v1 =
        ExternalVariable::Writable(DataType::kInt32, {4}, i.data(), 16).value();
    Checkpoint reader;
    CKPT_REQUIRE_OK(reader.Track("m", m));
    CKPT_REQUIRE_ERROR(reader.Read(saved.prefix),
                       absl::StatusCode::kInvalidArgument, c.message);
    REQUIRE(mem == std::vector<char>(mem.size(), 'z'));
    REQUIRE(i == saved.v1);  // the other value is still assigned
  }
}

TEST_CASE("Restoring into read-only memory is an error naming the path") {
  TempDir dir;
  TwoValues saved(dir);
  const std::vector<float> f(6, -1.0f);
  std::vector<int32_t> i(4, -1);
  TwoExternal m;
  m.v0 = ExternalVariable::ReadOnly(DataType::kFloat, {2, 3}, f.data(), 24)
             .value();
  m.v1 =
      ExternalVariable::Writable(DataType::kInt32, {4}, i.data(), 16).value();
  Checkpoint reader;
  CKPT_REQUIRE_OK(reader.Track("m", m));
  CKPT_REQUIRE_ERROR(reader.Read(saved.prefix),
                     absl::StatusCode::kFailedPrecondition,
                     "restoring 'm/v0': the object is a read-only view of "
                     "caller memory");
  REQUIRE(f == std::vector<float>(6, -1.0f));
  REQUIRE(i == saved.v1);
  // It saves as any variable.
  const std::string again = dir.Join("again");
  CKPT_REQUIRE_OK(reader.Write(again));
  TwoOwned only;
  Checkpoint check;
  CKPT_REQUIRE_OK(check.Track("m", only));
  CKPT_REQUIRE_OK(check.Read(again).status());
  REQUIRE(only.v0.flat<float>()[5] == -1.0f);
}

TEST_CASE(
    "A corrupted value is DataLoss, and stage_external keeps memory intact") {
  TempDir dir;
  TwoValues saved(dir);
  testing::CorruptStoredByte(saved.prefix, Key("v1"), 2, 0x40);
  std::vector<float> f(6, -1.0f);
  std::vector<int32_t> i(4, -1);
  TwoExternal m;
  m.BindWritable(f, i);
  Checkpoint reader;
  CKPT_REQUIRE_OK(reader.Track("m", m));
  SECTION("in place: the other value is written, this one may be") {
    CKPT_REQUIRE_ERROR(reader.Read(saved.prefix), absl::StatusCode::kDataLoss,
                       "restoring 'm/v1'");
    CKPT_REQUIRE_ERROR(reader.Read(saved.prefix), absl::StatusCode::kDataLoss,
                       Key("v1"));
    REQUIRE(f == saved.v0);
  }
  SECTION("staged: no caller byte changes") {
    RestoreOptions options;
    options.stage_external = true;
    CKPT_REQUIRE_ERROR(reader.Read(saved.prefix, options),
                       absl::StatusCode::kDataLoss, "restoring 'm/v1'");
    REQUIRE(f == std::vector<float>(6, -1.0f));
    REQUIRE(i == std::vector<int32_t>(4, -1));
  }
}

TEST_CASE("stage_external also holds back values when another value fails") {
  TempDir dir;
  TwoValues saved(dir);
  std::vector<float> f(6, -1.0f);
  TwoOwned m;
  m.v0 = Variable(DataType::kFloat, {2, 3});
  m.v1 = Variable(DataType::kInt64, {4});  // a mismatch
  ExternalVariable ext =
      ExternalVariable::Writable(DataType::kFloat, {2, 3}, f.data(), 24)
          .value();
  struct Mixed : Trackable {
    Mixed(ExternalVariable& e, Variable& o) : ext(e), owned(o) {}
    void VisitChildren(ChildVisitor& visit) override {
      visit("v0", ext);
      visit("v1", owned);
    }
    ExternalVariable& ext;
    Variable& owned;
  } mixed(ext, m.v1);
  Checkpoint reader;
  CKPT_REQUIRE_OK(reader.Track("m", mixed));
  RestoreOptions options;
  options.stage_external = true;
  absl::StatusOr<RestoreStatus> s = reader.Read(saved.prefix, options);
  CKPT_REQUIRE_ERROR(s, absl::StatusCode::kInvalidArgument, "'m/v1'");
  REQUIRE(f == std::vector<float>(6, -1.0f));
}

TEST_CASE(
    "stage_external calls restore callbacks only when the walk succeeds") {
  TempDir dir;
  TwoValues saved(dir);
  int calls = 0;
  std::vector<float> got;
  std::vector<int32_t> i(4, -1);
  TwoExternal m;
  m.v0 = ExternalVariable::Copied(
             DataType::kFloat, {2, 3},
             [](absl::Span<char>) { return absl::OkStatus(); },
             [&](absl::string_view bytes) {
               ++calls;
               got.resize(6);
               std::memcpy(got.data(), bytes.data(), 24);
               return absl::OkStatus();
             })
             .value();
  m.v1 =
      ExternalVariable::Writable(DataType::kInt32, {4}, i.data(), 16).value();
  Checkpoint reader;
  CKPT_REQUIRE_OK(reader.Track("m", m));
  RestoreOptions options;
  options.stage_external = true;
  CKPT_REQUIRE_OK(reader.Read(saved.prefix, options).status());
  REQUIRE(calls == 1);
  REQUIRE(got == saved.v0);
  REQUIRE(i == saved.v1);

  testing::CorruptStoredByte(saved.prefix, Key("v1"), 0, 0x01);
  std::fill(i.begin(), i.end(), -1);
  CKPT_REQUIRE_ERROR(reader.Read(saved.prefix, options),
                     absl::StatusCode::kDataLoss, "restoring 'm/v1'");
  REQUIRE(calls == 1);  // held back with the rest
  REQUIRE(i == std::vector<int32_t>(4, -1));
}

TEST_CASE("In a collective restore, staged memory waits for every rank") {
  TempDir dir;
  TwoValues saved(dir);
  std::vector<std::vector<float>> f(2, std::vector<float>(6, -1.0f));
  std::vector<std::vector<int32_t>> i(2, std::vector<int32_t>(4, -1));
  std::vector<int64_t> wrong(4, -1);
  auto results = testing::RunRanks<absl::Status>(2, [&](Communicator& comm) {
    const size_t r = static_cast<size_t>(comm.rank());
    TwoExternal m;  // (no REQUIRE on the rank threads)
    CKPT_RETURN_IF_ERROR(
        m.v0.BindWritable(DataType::kFloat, {2, 3}, f[r].data(), 24));
    // Rank 1's v1 does not match the checkpoint: it fails there.
    CKPT_RETURN_IF_ERROR(
        r == 0 ? m.v1.BindWritable(DataType::kInt32, {4}, i[r].data(), 16)
               : m.v1.BindWritable(DataType::kInt64, {4}, wrong.data(), 32));
    Checkpoint reader;
    CKPT_RETURN_IF_ERROR(reader.Track("m", m));
    RestoreOptions options;
    options.communicator = &comm;
    options.stage_external = true;
    return reader.Read(saved.prefix, options).status();
  });
  for (const absl::Status& s : results) {
    CKPT_REQUIRE_ERROR(s, absl::StatusCode::kInvalidArgument, "'m/v1'");
  }
  // Rank 0 succeeded on its own, but wrote nothing: rank 1 failed.
  REQUIRE(f[0] == std::vector<float>(6, -1.0f));
  REQUIRE(i[0] == std::vector<int32_t>(4, -1));
  REQUIRE(f[1] == std::vector<float>(6, -1.0f));
}

TEST_CASE("stage_external holds back a deferred walk that fails") {
  TempDir dir;
  TwoValues saved(dir);
  testing::CorruptStoredByte(saved.prefix, Key("v1"), 0, 0x01);
  ExternalModel m;  // its variables appear after the restore
  Checkpoint reader;
  CKPT_REQUIRE_OK(reader.Track("m", m));
  RestoreOptions options;
  options.stage_external = true;
  absl::StatusOr<RestoreStatus> s = reader.Read(saved.prefix, options);
  CKPT_REQUIRE_OK(s);
  m.Add({DataType::kFloat, TensorShape({2, 3}), std::vector<char>(24, 'x')});
  m.Add({DataType::kInt32, TensorShape({4}), std::vector<char>(16, 'y')});
  CKPT_REQUIRE_ERROR(m.ChildrenChanged(), absl::StatusCode::kDataLoss,
                     "restoring 'm/v1'");
  REQUIRE(m.memory[0].bytes == std::vector<char>(24, 'x'));
  REQUIRE(m.memory[1].bytes == std::vector<char>(16, 'y'));
  const RestoreReport report = s->report();
  bool held_back = false;
  for (const RestoreReport::Entry& e : report.unused) {
    held_back =
        held_back ||
        (e.path == "m/v0" && e.detail.find("not written") != std::string::npos);
  }
  REQUIRE(held_back);
  for (const RestoreReport::Entry& e : report.matched)
    REQUIRE(e.path != "m/v0");
}

TEST_CASE("Mapped restores copy into caller memory") {
  TempDir dir;
  TwoValues saved(dir);
  std::vector<float> f(6, -1.0f);
  std::vector<int32_t> i(4, -1);
  TwoExternal m;
  m.BindWritable(f, i);
  Checkpoint reader;
  CKPT_REQUIRE_OK(reader.Track("m", m));
  RestoreOptions options;
  options.map_values = true;
  absl::StatusOr<RestoreStatus> s = reader.Read(saved.prefix, options);
  CKPT_REQUIRE_OK(s);
  CKPT_REQUIRE_OK(s->AssertConsumed());
  REQUIRE(f == saved.v0);
  REQUIRE(i == saved.v1);
  REQUIRE(m.v0.value().bytes().data() == reinterpret_cast<char*>(f.data()));
  REQUIRE(m.v0.access() == ExternalVariable::Access::kWritable);
}

TEST_CASE("Callbacks save and restore memory of another layout") {
  TempDir dir;
  // A column-major 2x3 float matrix: element (r, c) at c * 2 + r.
  std::vector<float> col = {1, 4, 2, 5, 3, 6};  // row-major 1..6
  auto save = [&col](absl::Span<char> out) {
    REQUIRE(out.size() == 24);
    float row[6];
    for (int r = 0; r < 2; ++r) {
      for (int c = 0; c < 3; ++c) row[r * 3 + c] = col[c * 2 + r];
    }
    std::memcpy(out.data(), row, 24);
    return absl::OkStatus();
  };
  auto restore = [&col](absl::string_view bytes) {
    float row[6];
    std::memcpy(row, bytes.data(), 24);
    for (int r = 0; r < 2; ++r) {
      for (int c = 0; c < 3; ++c) col[c * 2 + r] = row[r * 3 + c];
    }
    return absl::OkStatus();
  };
  ExternalVariable v =
      ExternalVariable::Copied(DataType::kFloat, {2, 3}, save, restore).value();
  Checkpoint writer;
  CKPT_REQUIRE_OK(writer.Track("v", v));
  const std::string prefix = dir.Join("p");
  CKPT_REQUIRE_OK(writer.Write(prefix));

  Variable plain;  // TensorFlow's row-major order on disk
  Checkpoint check;
  CKPT_REQUIRE_OK(check.Track("v", plain));
  CKPT_REQUIRE_OK(check.Read(prefix).status());
  REQUIRE(std::vector<float>(plain.flat<float>().begin(),
                             plain.flat<float>().end()) ==
          std::vector<float>{1, 2, 3, 4, 5, 6});

  std::fill(col.begin(), col.end(), 0.0f);
  absl::StatusOr<RestoreStatus> s = writer.Read(prefix);
  CKPT_REQUIRE_OK(s);
  CKPT_REQUIRE_OK(s->AssertConsumed());
  REQUIRE(col == std::vector<float>{1, 4, 2, 5, 3, 6});

  SECTION("their errors are the save's and the restore's") {
    ExternalVariable failing =
        ExternalVariable::Copied(
            DataType::kFloat, {2, 3},
            [](absl::Span<char>) {
              return absl::UnavailableError("no device");
            },
            [](absl::string_view) {
              return absl::UnavailableError("device lost");
            })
            .value();
    Checkpoint c;
    CKPT_REQUIRE_OK(c.Track("v", failing));
    CKPT_REQUIRE_ERROR(c.Write(dir.Join("q")), absl::StatusCode::kUnavailable,
                       "ExternalVariable save function");
    CKPT_REQUIRE_ERROR(c.Read(prefix), absl::StatusCode::kUnavailable,
                       "restoring 'v': device lost");
  }
}

TEST_CASE("Name-based restores find caller memory by full_name") {
  TempDir dir;
  const std::string prefix = dir.Join("tf1");
  testing::WriteBundleOrDie(
      prefix, {{"dense/kernel",
                Tensor::FromVector<float>({2}, {0.25f, 0.5f}).value()}});
  std::vector<float> mem(2, 0.0f);
  ExternalVariable v =
      ExternalVariable::Writable(DataType::kFloat, {2}, mem.data(), 8).value();
  v.set_name("dense/kernel");
  Checkpoint reader;
  CKPT_REQUIRE_OK(reader.Track("kernel", v));
  absl::StatusOr<RestoreStatus> s = reader.Read(prefix);
  CKPT_REQUIRE_OK(s);
  REQUIRE(s->report().name_based);
  REQUIRE(mem == std::vector<float>{0.25f, 0.5f});
}

// An optimizer whose slot ("m") of each parameter lives in caller memory
// and is created on the first step.
struct Params : Trackable {
  void VisitChildren(ChildVisitor& visit) override { visit("w", w); }
  std::vector<float> mem = std::vector<float>(3, 0.0f);
  ExternalVariable w =
      ExternalVariable::Writable(DataType::kFloat, {3}, mem.data(), 12).value();
};
struct Optimizer : Trackable {
  explicit Optimizer(Params& p) : params(p) {}
  void VisitSlots(SlotVisitor& visit) override {
    if (slot) visit.Slot("m", params.w, *slot);
  }
  void Step() {  // creates the slot, as the first step does
    slot = std::make_unique<ExternalVariable>(
        ExternalVariable::Writable(DataType::kFloat, {3}, m.data(), 12)
            .value());
    REQUIRE(ChildrenChanged().ok());
  }
  Params& params;
  std::vector<float> m = std::vector<float>(3, 0.0f);
  std::unique_ptr<ExternalVariable> slot;
};
struct Trainer {
  Params params;
  Optimizer opt{params};
};

TEST_CASE("Slots in caller memory are saved and restored when created") {
  TempDir dir;
  auto saved = std::make_unique<Trainer>();
  saved->params.mem = {1, 2, 3};
  saved->opt.Step();
  saved->opt.m = {0.1f, 0.2f, 0.3f};
  Checkpoint writer;
  CKPT_REQUIRE_OK(writer.Track("params", saved->params));
  CKPT_REQUIRE_OK(writer.Track("opt", saved->opt));
  const std::string prefix = dir.Join("p");
  CKPT_REQUIRE_OK(writer.Write(prefix));

  auto restored = std::make_unique<Trainer>();
  Checkpoint reader;
  CKPT_REQUIRE_OK(reader.Track("params", restored->params));
  CKPT_REQUIRE_OK(reader.Track("opt", restored->opt));
  absl::StatusOr<RestoreStatus> s = reader.Read(prefix);
  CKPT_REQUIRE_OK(s);
  REQUIRE(restored->params.mem == std::vector<float>{1, 2, 3});
  CKPT_REQUIRE_ERROR(s->AssertConsumed(), absl::StatusCode::kFailedPrecondition,
                     "");
  restored->opt.Step();  // the deferred slot value arrives now
  REQUIRE(restored->opt.m == std::vector<float>{0.1f, 0.2f, 0.3f});
  CKPT_REQUIRE_OK(s->AssertConsumed());
}

}  // namespace
}  // namespace ckpt
