// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Tests of `ckpt show` (RunShow) and the inspect_checkpoint compatibility
// mode (RunInspectCompat), called in-process with string streams: exit codes
// and exact outputs on the TensorFlow-written golf checkpoint and on small
// bundles written here with every kind of dtype. Expected arrays were
// checked against numpy 1.24 (repr for show, str for inspect).

#include <complex>
#include <cstdint>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ckpt/bundle_writer.h"
#include "ckpt/dtype.h"
#include "ckpt/env.h"
#include "ckpt/tensor.h"
#include "cli/cli.h"
#include "testing/test_util.h"

namespace ckpt::cli {
namespace {

using ::Catch::Matchers::Contains;
using ::Catch::Matchers::EndsWith;
using ::Catch::Matchers::StartsWith;
using ::ckpt::testing::SkipWithoutTfTestData;
using ::ckpt::testing::TempDir;
using ::ckpt::testing::TfPath;

using Result = testing::CommandResult;

Result Show(const std::vector<std::string>& args) {
  return testing::RunCliFunction(RunShow, args);
}

Result Inspect(const std::vector<std::string>& args) {
  return testing::RunCliFunction(RunInspectCompat, args);
}

constexpr char kBias2[] =
    "net/layer_with_weights-2/bias/.ATTRIBUTES/VARIABLE_VALUE";
constexpr char kKernel0[] =
    "net/layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE";
constexpr char kKernel1[] =
    "net/layer_with_weights-1/kernel/.ATTRIBUTES/VARIABLE_VALUE";
constexpr char kStep[] = "step/.ATTRIBUTES/VARIABLE_VALUE";
constexpr char kIter[] = "net/optimizer/iter/.ATTRIBUTES/VARIABLE_VALUE";

// A bundle with one tensor of each interesting dtype.
std::string WriteTypesBundle(const TempDir& dir) {
  const std::string prefix = dir.Join("types");
  BundleWriterOptions options;
  options.sync = false;
  auto writer = BundleWriter::Create(Env::Default(), prefix, options);
  CKPT_REQUIRE_OK(writer);
  BundleWriter& w = **writer;
  std::vector<Half> half;
  for (float f : {0.5f, -1.25f, 65504.0f, 0.1f}) {
    half.push_back(Half::FromFloat(f));
  }
  CKPT_REQUIRE_OK(w.Add("half", testing::VectorTensor<Half>({2, 2}, half)));
  std::vector<BFloat16> bf;
  for (float f : {1.5f, -0.25f, 3.140625f})
    bf.push_back(BFloat16::FromFloat(f));
  CKPT_REQUIRE_OK(w.Add("bf16", testing::VectorTensor<BFloat16>({3}, bf)));
  Tensor flags = Tensor::Create(DataType::kBool, {3}).value();
  flags.mutable_flat<bool>()[0] = true;
  flags.mutable_flat<bool>()[2] = true;
  CKPT_REQUIRE_OK(w.Add("flags", flags));
  CKPT_REQUIRE_OK(w.Add("cplx", testing::VectorTensor<std::complex<float>>(
                                    {2}, {{1.0f, 2.0f}, {-0.5f, 0.0f}})));
  CKPT_REQUIRE_OK(w.Add(
      "names",
      Tensor::FromStrings({3}, {"abc", std::string("\x00\xff", 2), "it's"})
          .value()));
  CKPT_REQUIRE_OK(w.Add(
      "int8", testing::VectorTensor<int8_t>({2, 3}, {-128, 0, 127, 1, 2, 3})));
  CKPT_REQUIRE_OK(w.Add(
      "wide", testing::VectorTensor<double>(
                  {3}, {std::numeric_limits<double>::quiet_NaN(),
                        std::numeric_limits<double>::infinity(), -1e-5})));
  CKPT_REQUIRE_OK(w.Add("empty", testing::VectorTensor<float>({0, 3}, {})));
  CKPT_REQUIRE_OK(w.Add("scalar", Tensor::Scalar<float>(1.5f)));
  CKPT_REQUIRE_OK(w.Finish());
  return prefix;
}

// ---- ckpt show on the TensorFlow checkpoint ----

TEST_CASE("show prints a float32 vector as numpy repr with a header") {
  if (SkipWithoutTfTestData()) return;
  const Result r = Show({TfPath("golf/ckpt-1"), kBias2});
  CHECK(r.code == kExitOk);
  CHECK(r.err.empty());
  CHECK(r.out ==
        "key: net/layer_with_weights-2/bias/.ATTRIBUTES/VARIABLE_VALUE  "
        "dtype: float32  shape: [7]\n"
        "array([-0.00244138, -0.00238024,  0.00225585, -0.00103263, "
        "-0.00207342,\n"
        "        0.00322118,  0.00392577], dtype=float32)\n");
}

TEST_CASE("show prints int32 and int64 scalars") {
  if (SkipWithoutTfTestData()) return;
  Result r = Show({TfPath("golf/ckpt-1"), kStep});
  CHECK(r.code == kExitOk);
  CHECK(r.out ==
        "key: step/.ATTRIBUTES/VARIABLE_VALUE  dtype: int32  shape: []\n"
        "array(0, dtype=int32)\n");
  r = Show({TfPath("golf/ckpt-1"), kIter});
  CHECK(r.code == kExitOk);
  CHECK(r.out ==
        "key: net/optimizer/iter/.ATTRIBUTES/VARIABLE_VALUE  dtype: int64  "
        "shape: []\n"
        "array(4)\n");
}

TEST_CASE("show summarizes more than 1000 elements unless --all") {
  if (SkipWithoutTfTestData()) return;
  Result r = Show({TfPath("golf/ckpt-1"), kKernel1});
  CHECK(r.code == kExitOk);
  CHECK(r.out ==
        "key: net/layer_with_weights-1/kernel/.ATTRIBUTES/VARIABLE_VALUE  "
        "dtype: float32  shape: [64,32]\n"
        "array([[-0.10090179,  0.02627054,  0.00935508, ..., -0.02903533,\n"
        "         0.18104899, -0.12711072],\n"
        "       [-0.12082272, -0.12684841,  0.09566332, ..., -0.08007768,\n"
        "         0.24214593,  0.26528704],\n"
        "       [ 0.20478645, -0.02087894, -0.14660667, ...,  0.20658551,\n"
        "         0.11200054, -0.2734458 ],\n"
        "       ...,\n"
        "       [ 0.12634176,  0.06255639, -0.25738016, ..., -0.22134499,\n"
        "        -0.06233336,  0.11155979],\n"
        "       [-0.15556104, -0.10739429, -0.22121453, ..., -0.2759882 ,\n"
        "         0.00649631, -0.06194967],\n"
        "       [ 0.0854234 , -0.2902022 , -0.10710265, ...,  0.29111102,\n"
        "         0.18949148,  0.06747231]], dtype=float32)\n");
  r = Show({TfPath("golf/ckpt-1"), kKernel1, "--all"});
  CHECK(r.code == kExitOk);
  CHECK_THAT(r.out, !Contains("..."));
  CHECK_THAT(r.out, StartsWith("key: net/layer_with_weights-1/kernel/"));
  // All 2048 values include tiny ones, so numpy switches to scientific.
  CHECK_THAT(r.out, EndsWith("\n         1.89491481e-01,  "
                             "6.74723089e-02]], dtype=float32)\n"));
}

TEST_CASE("show --slice selects with numpy indexing") {
  if (SkipWithoutTfTestData()) return;
  Result r = Show({TfPath("golf/ckpt-1"), kKernel0, "--slice", "0,1:3"});
  CHECK(r.code == kExitOk);
  CHECK(r.out ==
        "key: net/layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE  "
        "dtype: float32  shape: [7,64]  slice: 0,1:3\n"
        "array([-0.75484496, -0.4149756 ], dtype=float32)\n");
  // An integer index alone drops the dimension: a 0-d result.
  r = Show({TfPath("golf/ckpt-1"), kBias2, "--slice=-1"});
  CHECK(r.code == kExitOk);
  CHECK_THAT(r.out, EndsWith("slice: -1\narray(0.00392577, dtype=float32)\n"));
  // Out-of-range slices clip; negative steps reverse.
  r = Show({TfPath("golf/ckpt-1"), kBias2, "--slice", "5:100"});
  CHECK_THAT(r.out,
             EndsWith("\narray([0.00322118, 0.00392577], dtype=float32)\n"));
  r = Show({TfPath("golf/ckpt-1"), kBias2, "--slice", "::-3"});
  CHECK_THAT(r.out, EndsWith("\narray([ 0.00392577, -0.00103263, "
                             "-0.00244138], dtype=float32)\n"));
  r = Show({TfPath("golf/ckpt-1"), kBias2, "--slice", "9:"});
  CHECK_THAT(r.out, EndsWith("\narray([], dtype=float32)\n"));
}

TEST_CASE("show --json prints key, dtype, shape, slice and values") {
  if (SkipWithoutTfTestData()) return;
  Result r = Show({TfPath("golf/ckpt-1"), kBias2, "--json"});
  CHECK(r.code == kExitOk);
  CHECK(r.out ==
        "{\"key\": \"net/layer_with_weights-2/bias/.ATTRIBUTES/"
        "VARIABLE_VALUE\", \"dtype\": \"float32\", \"shape\": [7], "
        "\"slice\": null, \"values\": [-0.0024413797, -0.0023802437, "
        "0.0022558456, -0.0010326253, -0.0020734249, 0.003221181, "
        "0.0039257687]}\n");
  r = Show({TfPath("golf/ckpt-1"), kKernel0, "--slice=-1,::30", "--json"});
  CHECK(r.code == kExitOk);
  CHECK(r.out ==
        "{\"key\": \"net/layer_with_weights-0/kernel/.ATTRIBUTES/"
        "VARIABLE_VALUE\", \"dtype\": \"float32\", \"shape\": [7,64], "
        "\"slice\": \"-1,::30\", \"values\": [0.3237217, 0.38446465, "
        "-0.8881168]}\n");
  r = Show({TfPath("golf/ckpt-1"), kStep, "--json"});
  CHECK(r.out ==
        "{\"key\": \"step/.ATTRIBUTES/VARIABLE_VALUE\", \"dtype\": "
        "\"int32\", \"shape\": [], \"slice\": null, \"values\": 0}\n");
}

TEST_CASE("show prints the object graph string as a bytes literal") {
  if (SkipWithoutTfTestData()) return;
  const Result r =
      Show({TfPath("golf/ckpt-1"), "_CHECKPOINTABLE_OBJECT_GRAPH"});
  CHECK(r.code == kExitOk);
  CHECK_THAT(r.out, StartsWith("key: _CHECKPOINTABLE_OBJECT_GRAPH  dtype: "
                               "string  shape: []\n"
                               "array(b\"\\n%\\n\\x07\\x08\\x01\\x12\\x03net"));
  // The dtype goes on its own line when the last line has no room for it.
  CHECK_THAT(r.out, EndsWith("/.ATTRIBUTES/VARIABLE_VALUE\",\n"
                             "      dtype=object)\n"));
}

// ---- ckpt show on other dtypes ----

TEST_CASE("show prints float16, bfloat16, bool, complex, strings, int8") {
  TempDir dir;
  const std::string prefix = WriteTypesBundle(dir);
  auto body = [&](const std::string& key) {
    const Result r = Show({prefix, key});
    INFO(r.err);
    REQUIRE(r.code == kExitOk);
    return r.out.substr(r.out.find('\n') + 1);
  };
  CHECK(body("half") ==
        "array([[ 5.00e-01, -1.25e+00],\n"
        "       [ 6.55e+04,  1.00e-01]], dtype=float16)\n");
  CHECK(body("bf16") ==
        "array([ 1.5     , -0.25    ,  3.140625], dtype=bfloat16)\n");
  CHECK(body("flags") == "array([ True, False,  True])\n");
  CHECK(body("cplx") == "array([ 1. +2.j, -0.5+0.j], dtype=complex64)\n");
  CHECK(body("names") ==
        "array([b'abc', b'\\x00\\xff', b\"it's\"], dtype=object)\n");
  CHECK(body("int8") ==
        "array([[-128,    0,  127],\n"
        "       [   1,    2,    3]], dtype=int8)\n");
  CHECK(body("wide") == "array([    nan,     inf, -1.e-05])\n");
  CHECK(body("empty") == "array([], shape=(0, 3), dtype=float32)\n");
  CHECK(body("scalar") == "array(1.5, dtype=float32)\n");
  const Result header = Show({prefix, "half"});
  CHECK_THAT(header.out,
             StartsWith("key: half  dtype: float16  shape: [2,2]\n"));
}

TEST_CASE("show --json covers nan, complex, bool, strings and float16") {
  TempDir dir;
  const std::string prefix = WriteTypesBundle(dir);
  auto values = [&](const std::string& key) {
    const Result r = Show({prefix, key, "--json"});
    INFO(r.err);
    REQUIRE(r.code == kExitOk);
    const size_t at = r.out.find("\"values\": ");
    REQUIRE(at != std::string::npos);
    return r.out.substr(at + 10);
  };
  CHECK(values("wide") == "[\"nan\", \"inf\", -1e-05]}\n");
  CHECK(values("cplx") == "[[1, 2], [-0.5, 0]]}\n");
  CHECK(values("flags") == "[true, false, true]}\n");
  CHECK(values("names") == "[\"abc\", \"\\u0000\\u00ff\", \"it's\"]}\n");
  CHECK(values("half") == "[[0.5, -1.25], [65504, 0.099975586]]}\n");
  CHECK(values("int8") == "[[-128, 0, 127], [1, 2, 3]]}\n");
  CHECK(values("empty") == "[]}\n");
  const Result r = Show({prefix, "int8", "--json", "--slice", ":,1"});
  CHECK(r.out ==
        "{\"key\": \"int8\", \"dtype\": \"int8\", \"shape\": [2,3], "
        "\"slice\": \":,1\", \"values\": [0, 2]}\n");
}

// ---- ckpt show errors ----

TEST_CASE("show reports a missing key as NotFound naming the key") {
  if (SkipWithoutTfTestData()) return;
  const Result r = Show({TfPath("golf/ckpt-1"), "no/such/key"});
  CHECK(r.code == kExitNotFound);
  CHECK(r.out.empty());
  CHECK_THAT(r.err, StartsWith("ckpt show: "));
  CHECK_THAT(r.err, Contains("'no/such/key' not found"));
}

// ---- variant and unreadable dtypes ----

// A variant [2,2] tensor (one element of each kind), a resource entry and an
// entry of unknown dtype 99.
std::string WriteVariantBundle(const TempDir& dir) {
  const std::string prefix = dir.Join("variant");
  const std::vector<std::string> elements = {
      testing::VariantElementBytes("tensorflow::Iterator", "0123456789", 3), "",
      testing::VariantElementBytes("int", "\x01", 0),
      testing::VariantElementBytes("bad\nname", "", 1)};
  testing::WriteBundleOrDie(
      prefix, {{"it", Tensor::FromVariantElements({2, 2}, elements).value()},
               {"res", Tensor::Scalar<int64_t>(1)},
               {"new", Tensor::Scalar<int64_t>(2)}});
  testing::SetEntryDtypesOrDie(prefix, {{"res", 20}, {"new", 99}});
  return prefix;
}

TEST_CASE("show summarizes a variant tensor element by element") {
  TempDir dir;
  const std::string prefix = WriteVariantBundle(dir);
  const Result r = Show({prefix, "it"});
  INFO(r.err);
  REQUIRE(r.code == kExitOk);
  CHECK(r.out ==
        "key: it  dtype: variant  shape: [2,2]\n"
        "variant tensor: 4 elements, 76 bytes\n"
        "  [0] type_name: \"tensorflow::Iterator\"  size: 52  metadata: 10 "
        "bytes  tensors: 3\n"
        "  [1] type_name: \"\"  size: 0  metadata: 0 bytes  tensors: 0\n"
        "  [2] type_name: \"int\"  size: 8  metadata: 1 bytes  tensors: 0\n"
        "  [3] type_name: \"bad\\x0aname\"  size: 16  metadata: 0 bytes  "
        "tensors: 1\n");
  const Result sliced = Show({prefix, "it", "--slice", "1,0"});
  REQUIRE(sliced.code == kExitOk);
  CHECK_THAT(sliced.out, EndsWith("variant tensor: 1 element, 8 bytes\n"
                                  "  [0] type_name: \"int\"  size: 8  "
                                  "metadata: 1 bytes  tensors: 0\n"));
}

TEST_CASE("show --json lists every variant element") {
  TempDir dir;
  const std::string prefix = WriteVariantBundle(dir);
  const Result r = Show({prefix, "it", "--json"});
  REQUIRE(r.code == kExitOk);
  CHECK(r.out ==
        "{\"key\": \"it\", \"dtype\": \"variant\", \"shape\": [2,2], "
        "\"slice\": null, \"elements\": ["
        "{\"type_name\": \"tensorflow::Iterator\", \"size\": 52, "
        "\"metadata_bytes\": 10, \"tensors\": 3}, "
        "{\"type_name\": \"\", \"size\": 0, \"metadata_bytes\": 0, "
        "\"tensors\": 0}, "
        "{\"type_name\": \"int\", \"size\": 8, \"metadata_bytes\": 1, "
        "\"tensors\": 0}, "
        "{\"type_name\": \"bad\\u000aname\", \"size\": 16, "
        "\"metadata_bytes\": 0, \"tensors\": 1}]}\n");
}

TEST_CASE("show caps the variant summary unless --all") {
  TempDir dir;
  const std::string prefix = dir.Join("many");
  testing::WriteBundleOrDie(
      prefix, {{"it", Tensor::Create(DataType::kVariant, {25}).value()}});
  const Result r = Show({prefix, "it"});
  REQUIRE(r.code == kExitOk);
  CHECK_THAT(r.out, Contains("  [19] type_name"));
  CHECK_THAT(r.out, !Contains("  [20] type_name"));
  CHECK_THAT(r.out,
             EndsWith("  ... 5 more elements (--all lists every one)\n"));
  const Result all = Show({prefix, "it", "--all"});
  REQUIRE(all.code == kExitOk);
  CHECK_THAT(all.out, EndsWith("  [24] type_name: \"\"  size: 0  metadata: "
                               "0 bytes  tensors: 0\n"));
}

TEST_CASE("show of an unreadable dtype reports the reader's error") {
  TempDir dir;
  const std::string prefix = WriteVariantBundle(dir);
  const Result res = Show({prefix, "res"});
  CHECK(res.code == kExitDataLoss);
  CHECK(res.out.empty());
  CHECK_THAT(res.err, Contains("key 'res': dtype resource (20) cannot appear "
                               "in a checkpoint"));
  const Result unknown = Show({prefix, "new"});
  CHECK(unknown.code == kExitUnsupported);
  CHECK_THAT(unknown.err, Contains("key 'new': unknown dtype 99"));
}

TEST_CASE("show rejects bad slices as InvalidArgument naming the part") {
  TempDir dir;
  const std::string prefix = WriteTypesBundle(dir);
  struct Case {
    std::string slice, message;
  };
  const std::vector<Case> cases = {
      {"0,x", "bad --slice part 'x' in '0,x': 'x' is not an integer"},
      {"2",
       "bad --slice part '2' in '2': index 2 is out of bounds for axis "
       "0 with size 2"},
      {"0,-4", "index -4 is out of bounds for axis 1 with size 3"},
      {"::0", "bad --slice part '::0' in '::0': slice step cannot be zero"},
      {"0,1,2",
       "bad --slice '0,1,2': too many indices for a tensor of rank "
       "2 (shape [2,3])"},
      {"1:2:3:4", "bad --slice part '1:2:3:4' in '1:2:3:4': too many ':'"},
      {"0,", "bad --slice part '' in '0,': empty index"},
      {"99999999999999999999", "is not an integer"},
  };
  for (const Case& c : cases) {
    INFO(c.slice);
    const Result r = Show({prefix, "int8", "--slice", c.slice});
    CHECK(r.code == kExitUsage);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, StartsWith("ckpt show: "));
    CHECK_THAT(r.err, Contains(c.message));
  }
  const Result scalar = Show({prefix, "scalar", "--slice", "0"});
  CHECK(scalar.code == kExitUsage);
  CHECK_THAT(scalar.err, Contains("too many indices for a tensor of rank 0"));
}

TEST_CASE("show reports a missing checkpoint and bad command lines") {
  TempDir dir;
  Result r = Show({dir.Join("missing"), "k"});
  CHECK(r.code == kExitNotFound);
  CHECK(r.out.empty());
  CHECK_THAT(r.err, StartsWith("ckpt show: "));
  CHECK_THAT(r.err, Contains(dir.Join("missing")));

  r = Show({dir.Join("missing")});
  CHECK(r.code == kExitUsage);
  CHECK(r.err == "ckpt show: missing KEY\n\n" + UsageText("show"));
  r = Show({"a", "b", "--slice"});
  CHECK(r.code == kExitUsage);
  CHECK_THAT(r.err, StartsWith("ckpt show: option '--slice' needs a value"));
  r = Show({"a", "b", "--bogus"});
  CHECK(r.code == kExitUsage);
  r = Show({"--help"});
  CHECK(r.code == kExitOk);
  CHECK(r.out == UsageText("show"));
}

// ---- inspect_checkpoint compatibility ----

TEST_CASE("inspect without tensor flags lists keys, DT_ dtypes and shapes") {
  TempDir dir;
  const std::string prefix = WriteTypesBundle(dir);
  const Result r = Inspect({"--file_name=" + prefix});
  CHECK(r.code == kExitOk);
  CHECK(r.err.empty());
  CHECK(r.out ==
        "bf16 (DT_BFLOAT16) [3]\n"
        "cplx (DT_COMPLEX64) [2]\n"
        "empty (DT_FLOAT) [0,3]\n"
        "flags (DT_BOOL) [3]\n"
        "half (DT_HALF) [2,2]\n"
        "int8 (DT_INT8) [2,3]\n"
        "names (DT_STRING) [3]\n"
        "scalar (DT_FLOAT) []\n"
        "wide (DT_DOUBLE) [3]\n"
        "\n");
}

TEST_CASE("inspect lists the TensorFlow checkpoint like inspect_checkpoint") {
  if (SkipWithoutTfTestData()) return;
  const Result r = Inspect({"--file_name", TfPath("golf/ckpt-1")});
  CHECK(r.code == kExitOk);
  CHECK_THAT(r.out, StartsWith("_CHECKPOINTABLE_OBJECT_GRAPH (DT_STRING) []\n"
                               "net/layer_with_weights-0/bias/.ATTRIBUTES/"
                               "VARIABLE_VALUE (DT_FLOAT) [64]\n"));
  CHECK_THAT(r.out, Contains("\nnet/layer_with_weights-0/kernel/.ATTRIBUTES/"
                             "VARIABLE_VALUE (DT_FLOAT) [7,64]\n"));
  CHECK_THAT(r.out,
             EndsWith("\nnet/optimizer/iter/.ATTRIBUTES/VARIABLE_VALUE "
                      "(DT_INT64) []\n"
                      "net/optimizer/learning_rate/.ATTRIBUTES/VARIABLE_VALUE "
                      "(DT_FLOAT) []\n"
                      "save_counter/.ATTRIBUTES/VARIABLE_VALUE (DT_INT64) []\n"
                      "step/.ATTRIBUTES/VARIABLE_VALUE (DT_INT32) []\n\n"));
}

TEST_CASE("inspect --tensor_name prints the name and numpy str of the value") {
  if (SkipWithoutTfTestData()) return;
  Result r = Inspect({"--file_name=" + TfPath("golf/ckpt-1"),
                      std::string("--tensor_name=") + kStep});
  CHECK(r.code == kExitOk);
  CHECK(r.out == "tensor_name:  step/.ATTRIBUTES/VARIABLE_VALUE\n0\n");
  r = Inspect({"--file_name", TfPath("golf/ckpt-1"), "--tensor_name", kBias2});
  CHECK(r.code == kExitOk);
  CHECK(r.out ==
        "tensor_name:  net/layer_with_weights-2/bias/.ATTRIBUTES/"
        "VARIABLE_VALUE\n"
        "[-0.00244138 -0.00238024  0.00225585 -0.00103263 -0.00207342  "
        "0.00322118\n"
        "  0.00392577]\n");
}

TEST_CASE("inspect --all_tensors prints every name and value") {
  TempDir dir;
  const std::string prefix = WriteTypesBundle(dir);
  const Result r = Inspect({"--file_name=" + prefix, "--all_tensors"});
  CHECK(r.code == kExitOk);
  CHECK(r.out ==
        "tensor_name:  bf16\n"
        "[ 1.5      -0.25      3.140625]\n"
        "tensor_name:  cplx\n"
        "[ 1. +2.j -0.5+0.j]\n"
        "tensor_name:  empty\n"
        "[]\n"
        "tensor_name:  flags\n"
        "[ True False  True]\n"
        "tensor_name:  half\n"
        "[[ 5.00e-01 -1.25e+00]\n"
        " [ 6.55e+04  1.00e-01]]\n"
        "tensor_name:  int8\n"
        "[[-128    0  127]\n"
        " [   1    2    3]]\n"
        "tensor_name:  names\n"
        "[b'abc' b'\\x00\\xff' b\"it's\"]\n"
        "tensor_name:  scalar\n"
        "1.5\n"
        "tensor_name:  wide\n"
        "[    nan     inf -1.e-05]\n");
}

TEST_CASE("inspect --all_tensor_names prints every name") {
  TempDir dir;
  const std::string prefix = WriteTypesBundle(dir);
  Result r = Inspect({"--file_name=" + prefix, "--all_tensor_names=True"});
  CHECK(r.code == kExitOk);
  CHECK(r.out ==
        "tensor_name:  bf16\ntensor_name:  cplx\ntensor_name:  empty\n"
        "tensor_name:  flags\ntensor_name:  half\ntensor_name:  int8\n"
        "tensor_name:  names\ntensor_name:  scalar\ntensor_name:  wide\n");
  // --all_tensor_names=false falls back to --tensor_name.
  r = Inspect({"--file_name=" + prefix, "--all_tensor_names=false",
               "--tensor_name=scalar"});
  CHECK(r.code == kExitOk);
  CHECK(r.out == "tensor_name:  scalar\n1.5\n");
}

TEST_CASE("inspect errors: missing key, missing file, bad flags") {
  TempDir dir;
  const std::string prefix = WriteTypesBundle(dir);
  Result r = Inspect({"--file_name=" + prefix, "--tensor_name=nope"});
  CHECK(r.code == kExitNotFound);
  CHECK(r.out.empty());
  CHECK_THAT(r.err, StartsWith("ckpt inspect: "));
  CHECK_THAT(r.err, Contains("'nope' not found"));

  r = Inspect({"--file_name=" + dir.Join("missing")});
  CHECK(r.code == kExitNotFound);
  CHECK_THAT(r.err, StartsWith("ckpt inspect: "));

  r = Inspect({"--tensor_name=x"});
  CHECK(r.code == kExitUsage);
  CHECK(r.err ==
        "ckpt inspect: missing --file_name\n\n" + UsageText("inspect"));
  r = Inspect({"--file_name=" + prefix, "--bogus"});
  CHECK(r.code == kExitUsage);
  CHECK(r.err ==
        "ckpt inspect: unknown option '--bogus'\n\n" + UsageText("inspect"));
  r = Inspect({"--file_name=" + prefix, "--all_tensors=maybe"});
  CHECK(r.code == kExitUsage);
  r = Inspect({"--file_name=" + prefix, "extra"});
  CHECK(r.code == kExitUsage);
  r = Inspect({"--file_name"});
  CHECK(r.code == kExitUsage);
  r = Inspect({"--help"});
  CHECK(r.code == kExitOk);
  CHECK(r.out == UsageText("inspect"));
}

TEST_CASE("RunCli routes --file_name to the inspect mode") {
  TempDir dir;
  const std::string prefix = WriteTypesBundle(dir);
  std::ostringstream out, err;
  const std::vector<std::string> args = {"--file_name=" + prefix,
                                         "--tensor_name=flags"};
  CHECK(RunCli(Env::Default(), args, out, err) == kExitOk);
  CHECK(out.str() == "tensor_name:  flags\n[ True False  True]\n");
}

}  // namespace
}  // namespace ckpt::cli
