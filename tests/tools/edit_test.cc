// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Tests of `ckpt extract`, `ckpt rename`, `ckpt strip` and `ckpt merge`
// (cli/cli.h RunExtract, RunRename, RunStrip, RunMerge; tools/cli/
// cmd_edit.cc), called in-process: each command round-tripped (edit, then
// restore by structure into live objects of the new structure, values
// bit-identical), the output's object graph checked with the generated
// protobuf class, text and JSON output, dry runs, usage errors and the exit
// code of every error, a failing write, and TensorFlow's golf checkpoint
// (its files unchanged byte for byte). The fixtures are
// checkpoint/surgery_fixtures.h's, shared with the library's surgery tests.

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "checkpoint/surgery_fixtures.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/checkpoint.h"
#include "ckpt/checkpoint_manager.h"
#include "ckpt/env.h"
#include "ckpt/proto/trackable_object_graph.pb.h"
#include "ckpt/tensor.h"
#include "ckpt/trackable.h"
#include "cli/cli.h"
#include "testing/fault_env.h"
#include "testing/test_util.h"

namespace ckpt {
namespace {

using ::Catch::Matchers::Contains;
using ::Catch::Matchers::StartsWith;
using ::ckpt::testing::TempDir;
using ::ckpt::testing::surgery::At;
using ::ckpt::testing::surgery::DecodeGraph;
using ::ckpt::testing::surgery::Dense;
using ::ckpt::testing::surgery::FilesIn;
using ::ckpt::testing::surgery::KeyAt;
using ::ckpt::testing::surgery::Node;
using ::ckpt::testing::surgery::Optimizer;
using ::ckpt::testing::surgery::RequireConsumed;
using ::ckpt::testing::surgery::RequireSame;
using Result = testing::CommandResult;

constexpr char kValue[] = "/.ATTRIBUTES/VARIABLE_VALUE";

Result Cli(const std::vector<std::string>& args) {
  return testing::RunCliFunction(cli::RunCli, args);
}

// root {model {encoder, head}, optimizer}: Dense layers, the optimizer
// holding slots of both; random values from a fixed seed.
struct Source {
  explicit Source(uint64_t seed = 2026)
      : encoder(3, 4), head(4, 2), optimizer(Vars()) {
    std::mt19937_64 rng(seed);
    encoder.Randomize(rng);
    head.Randomize(rng);
    optimizer.Randomize(rng, 99);
    model.Add("encoder", encoder).Add("head", head);
    root.Add("model", model).Add("optimizer", optimizer);
  }
  std::vector<Variable*> Vars() {
    return {&encoder.kernel, &encoder.bias, &head.kernel, &head.bias};
  }
  std::string Save(const TempDir& dir, const std::string& name) {
    const std::string prefix = dir.Join(name);
    CKPT_REQUIRE_OK(SaveObjectGraph(ObjectRef::Of(root), prefix));
    return prefix;
  }
  Dense encoder, head;
  Optimizer optimizer;
  Node model, root;
};

// ---- the independent decoder ------------------------------------------------

// slot name -> key of the slot variable of the variable at `variable`, held
// by the optimizer at `optimizer`.
std::map<std::string, std::string> SlotsOf(const proto::TrackableObjectGraph& g,
                                           const std::string& optimizer,
                                           const std::string& variable) {
  std::map<std::string, std::string> out;
  const int opt = At(g, optimizer);
  const int var = At(g, variable);
  REQUIRE(opt >= 0);
  REQUIRE(var >= 0);
  for (const auto& s : g.nodes(opt).slot_variables()) {
    if (s.original_variable_node_id() != var) continue;
    const auto& slot = g.nodes(s.slot_variable_node_id());
    REQUIRE(slot.attributes_size() == 1);
    out[s.slot_name()] = slot.attributes(0).checkpoint_key();
  }
  return out;
}

int SlotCount(const proto::TrackableObjectGraph& g) {
  int n = 0;
  for (const auto& node : g.nodes()) n += node.slot_variables_size();
  return n;
}

std::vector<std::string> Files(const std::string& dir) {
  absl::StatusOr<std::vector<std::string>> names =
      Env::Default()->GetChildren(dir);
  REQUIRE(names.ok());
  std::sort(names->begin(), names->end());
  return *names;
}

// ---- round trips ------------------------------------------------------------

TEST_CASE("ckpt rename: objects and keys move together") {
  TempDir dir;
  Source src;
  const std::string in = src.Save(dir, "src");
  const std::string index = testing::ReadFileOrDie(in + ".index");
  const std::string data = testing::ReadFileOrDie(in + ".data-00000-of-00001");
  const std::string out = dir.Join("renamed");
  const Result r = Cli({"rename", in, out, "--map", "model/encoder=backbone",
                        "--map=optimizer=training/opt"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(r.err.empty());
  CHECK_THAT(r.out,
             Contains(absl::StrCat("rename model/encoder/kernel", kValue,
                                   " -> backbone/kernel", kValue, "\n")));
  CHECK_THAT(r.out, Contains(absl::StrCat(
                        "rename model/head/kernel/.OPTIMIZER_SLOT/optimizer/m",
                        kValue, " -> model/head/kernel/.OPTIMIZER_SLOT/",
                        "training/opt/m", kValue, "\n")));
  CHECK_THAT(r.out, Contains(absl::StrCat("Renamed 11, kept 2, dropped 0 "
                                          "values (")));
  CHECK_THAT(r.out, Contains(absl::StrCat(" bytes): ", in, " -> ", out, "\n")));

  const proto::TrackableObjectGraph g = DecodeGraph(out);
  CHECK(At(g, "model/encoder") == -1);
  CHECK(KeyAt(g, "backbone/kernel") == absl::StrCat("backbone/kernel", kValue));
  CHECK(KeyAt(g, "training/opt/iter") ==
        absl::StrCat("training/opt/iter", kValue));
  CHECK(SlotsOf(g, "training/opt", "backbone/bias") ==
        std::map<std::string, std::string>{
            {"m", absl::StrCat("backbone/bias/.OPTIMIZER_SLOT/training/opt/m",
                               kValue)},
            {"v", absl::StrCat("backbone/bias/.OPTIMIZER_SLOT/training/opt/v",
                               kValue)}});
  CHECK(Cli({"verify", out}).code == 0);

  Dense backbone(3, 4), head(4, 2);
  Optimizer opt({&backbone.kernel, &backbone.bias, &head.kernel, &head.bias});
  Node model, training, root;
  model.Add("head", head);
  training.Add("opt", opt);
  root.Add("model", model).Add("backbone", backbone).Add("training", training);
  RequireConsumed(root, out);
  RequireSame(backbone.kernel, src.encoder.kernel);
  RequireSame(head.bias, src.head.bias);
  RequireSame(opt.iter, src.optimizer.iter);
  for (size_t i = 0; i < 4; ++i) {
    RequireSame(opt.m(i), src.optimizer.m(i));
    RequireSame(opt.v(i), src.optimizer.v(i));
  }
  CHECK(testing::ReadFileOrDie(in + ".index") == index);
  CHECK(testing::ReadFileOrDie(in + ".data-00000-of-00001") == data);
}

TEST_CASE("ckpt rename --regex") {
  TempDir dir;
  Source src;
  const std::string in = src.Save(dir, "src");
  const std::string out = dir.Join("r");
  const Result r = Cli({"rename", in, out, "--regex", "--map",
                        "^model/(encoder|head)(/.*)?$=layers/$1$2"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  const proto::TrackableObjectGraph g = DecodeGraph(out);
  CHECK(KeyAt(g, "layers/head/kernel") ==
        absl::StrCat("layers/head/kernel", kValue));
  CHECK(KeyAt(g, "layers/encoder/bias") ==
        absl::StrCat("layers/encoder/bias", kValue));
  Dense encoder(3, 4), head(4, 2);
  Optimizer opt({&encoder.kernel, &encoder.bias, &head.kernel, &head.bias});
  Node layers, root;
  layers.Add("encoder", encoder).Add("head", head);
  root.Add("layers", layers).Add("optimizer", opt);
  RequireConsumed(root, out);
  RequireSame(encoder.bias, src.encoder.bias);
  RequireSame(opt.v(2), src.optimizer.v(2));
}

TEST_CASE("ckpt extract: re-rooted, moved, and with --keep-slots") {
  TempDir dir;
  Source src;
  const std::string in = src.Save(dir, "src");

  const Result plain =
      Cli({"extract", in, dir.Join("enc"), "--subtree", "model/encoder"});
  INFO(plain.err);
  REQUIRE(plain.code == 0);
  CHECK_THAT(plain.out,
             Contains(absl::StrCat("drop model/head/kernel", kValue,
                                   " (outside the subtree 'model/encoder')")));
  CHECK_THAT(plain.out, Contains("Renamed 2, kept 0, dropped 11 values ("));
  CHECK(SlotCount(DecodeGraph(dir.Join("enc"))) == 0);
  Dense encoder(3, 4);
  RequireConsumed(encoder, dir.Join("enc"));
  RequireSame(encoder.kernel, src.encoder.kernel);

  const Result moved = Cli({"extract", in, dir.Join("moved"), "--subtree",
                            "model/encoder", "--as", "backbone/layer"});
  REQUIRE(moved.code == 0);
  CHECK(KeyAt(DecodeGraph(dir.Join("moved")), "backbone/layer/bias") ==
        absl::StrCat("backbone/layer/bias", kValue));

  const Result slots = Cli({"extract", in, dir.Join("slots"), "--subtree",
                            "model/encoder", "--keep-slots"});
  INFO(slots.err);
  REQUIRE(slots.code == 0);
  CHECK_THAT(slots.out, Contains("Renamed 6, kept 1, dropped 6 values ("));
  const proto::TrackableObjectGraph g = DecodeGraph(dir.Join("slots"));
  CHECK(SlotCount(g) == 4);
  CHECK(SlotsOf(g, "optimizer", "kernel").at("m") ==
        absl::StrCat("kernel/.OPTIMIZER_SLOT/optimizer/m", kValue));
  Dense live(3, 4);
  Optimizer opt({&live.kernel, &live.bias});
  Node root;
  root.Add("kernel", live.kernel).Add("bias", live.bias).Add("optimizer", opt);
  RequireConsumed(root, dir.Join("slots"));
  RequireSame(live.bias, src.encoder.bias);
  RequireSame(opt.m(0), src.optimizer.m(0));
  RequireSame(opt.v(1), src.optimizer.v(1));
}

TEST_CASE("ckpt strip: --drop-optimizer, --keep, --drop") {
  TempDir dir;
  Source src;
  const std::string in = src.Save(dir, "src");
  const Result r = Cli({"strip", in, dir.Join("s"), "--drop-optimizer"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Contains(absl::StrCat("drop optimizer/iter", kValue,
                                          " (optimizer 'optimizer')\n")));
  CHECK_THAT(r.out, Contains("Renamed 0, kept 4, dropped 9 values ("));
  const proto::TrackableObjectGraph g = DecodeGraph(dir.Join("s"));
  CHECK(SlotCount(g) == 0);
  CHECK(At(g, "optimizer") == -1);
  Dense encoder(3, 4), head(4, 2);
  Node model, root;
  model.Add("encoder", encoder).Add("head", head);
  root.Add("model", model);
  RequireConsumed(root, dir.Join("s"));
  RequireSame(head.kernel, src.head.kernel);

  const Result kd = Cli(
      {"strip", in, dir.Join("kd"), "--keep", "model", "--drop=model/head"});
  INFO(kd.err);
  REQUIRE(kd.code == 0);
  CHECK_THAT(kd.out, Contains("Renamed 0, kept 2, dropped 11 values ("));
  Dense only(3, 4);
  Node model2, root2;
  model2.Add("encoder", only);
  root2.Add("model", model2);
  RequireConsumed(root2, dir.Join("kd"));
  RequireSame(only.bias, src.encoder.bias);
}

TEST_CASE("ckpt merge: two checkpoints under prefixes, --json") {
  TempDir dir;
  Source a_src(1), b_src(2);
  const std::string a = a_src.Save(dir, "a");
  const std::string b = b_src.Save(dir, "b");
  const std::string out = dir.Join("m");
  const Result r = Cli({"merge", a, b, out, "--prefix-a", "teacher",
                        "--prefix-b", "student", "--json"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, StartsWith(absl::StrCat(
                        "{\"sources\": [\"", a, "\", \"", b,
                        "\"], \"destination\": \"", out,
                        "\", \"dry_run\": false, \"renamed\": 26, \"kept\": 0, "
                        "\"dropped\": 0, \"bytes\": ")));
  CHECK_THAT(r.out, Contains(absl::StrCat(
                        "{\"action\": \"rename\", \"source\": 1, \"from_key\": "
                        "\"model/head/bias",
                        kValue, "\", \"to_key\": \"student/model/head/bias",
                        kValue, "\"")));
  CHECK_THAT(r.out, Contains("\n]}\n"));
  const proto::TrackableObjectGraph g = DecodeGraph(out);
  REQUIRE(g.nodes(0).children_size() == 2);
  CHECK(g.nodes(0).children(0).local_name() == "teacher");
  CHECK(g.nodes(0).children(1).local_name() == "student");
  CHECK(
      SlotsOf(g, "student/optimizer", "student/model/encoder/kernel").at("v") ==
      absl::StrCat("student/model/encoder/kernel/.OPTIMIZER_SLOT/"
                   "student/optimizer/v",
                   kValue));

  Source live_a(3), live_b(4);  // other values, overwritten by the restore
  Node root;
  root.Add("teacher", live_a.root).Add("student", live_b.root);
  RequireConsumed(root, out);
  RequireSame(live_a.encoder.kernel, a_src.encoder.kernel);
  RequireSame(live_b.optimizer.m(3), b_src.optimizer.m(3));

  const Result clash = Cli({"merge", a, b, dir.Join("m2")});
  CHECK(clash.code == 2);
  CHECK_THAT(clash.err,
             StartsWith("ckpt merge: both checkpoints have an object 'model' "
                        "at the root"));
  CHECK(Files(dir.path()) ==
        std::vector<std::string>{"a.data-00000-of-00001", "a.index",
                                 "b.data-00000-of-00001", "b.index",
                                 "m.data-00000-of-00001", "m.index"});
}

TEST_CASE("edit commands: --dry-run prints the plan and writes nothing") {
  TempDir dir;
  Source src;
  const std::string in = src.Save(dir, "src");
  const std::vector<std::string> before = Files(dir.path());
  const Result r =
      Cli({"strip", in, dir.Join("s"), "--drop", "model/head", "--dry-run"});
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Contains(absl::StrCat(
                        "drop model/head/bias", kValue,
                        " (dropped by rule 'model/head -> (dropped)')\n")));
  CHECK_THAT(r.out, Contains(absl::StrCat("Would rename 0, keep 7, drop 6 "
                                          "values (")));
  CHECK_THAT(r.out, Contains(" (dry run)\n"));
  const Result j = Cli({"extract", in, dir.Join("e"), "--subtree", "model",
                        "--dry-run", "--json"});
  REQUIRE(j.code == 0);
  CHECK_THAT(j.out, Contains("\"dry_run\": true"));
  CHECK_THAT(j.out, Contains("\"action\": \"drop\", \"source\": 0, "
                             "\"from_key\": \"optimizer/iter"));
  CHECK(Files(dir.path()) == before);
}

// ---- errors -----------------------------------------------------------------

TEST_CASE("edit commands: usage errors exit 2 with the usage") {
  TempDir dir;
  Source src;
  const std::string in = src.Save(dir, "src");
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"extract", in, dir.Join("o")}, "ckpt extract: missing --subtree PATH"},
      {{"rename", in, dir.Join("o")}, "ckpt rename: missing --map OLD=NEW"},
      {{"rename", in, dir.Join("o"), "--map", "model"},
       "ckpt rename: bad --map 'model': want OLD=NEW"},
      {{"rename", in, dir.Join("o"), "--map"},
       "ckpt rename: option '--map' needs a value"},
      {{"strip", in, dir.Join("o")}, "ckpt strip: nothing to strip"},
      {{"merge", in, in}, "ckpt merge: missing DST"},
      {{"extract", in, dir.Join("o"), "--subtree", "a", "--bogus"},
       "ckpt extract: unknown option '--bogus'"},
  };
  for (const Case& c : cases) {
    INFO(absl::StrJoin(c.args, " "));
    const Result r = Cli(c.args);
    CHECK(r.code == 2);
    CHECK_THAT(r.err, StartsWith(c.message));
    CHECK_THAT(r.err, Contains("\nusage: ckpt "));
  }
  for (const std::string& command :
       std::vector<std::string>{"extract", "rename", "strip", "merge"}) {
    const Result help = Cli({command, "--help"});
    CHECK(help.code == 0);
    CHECK_THAT(help.out, StartsWith("usage: ckpt " + command));
    CHECK_THAT(help.out, Contains("--dry-run"));
    CHECK(Cli({"help", command}).out == help.out);
  }
  CHECK_THAT(Cli({"--help"}).out,
             Contains("  strip SRC DST [--drop-optimizer]"));
  CHECK(Files(dir.path()) ==
        std::vector<std::string>{"src.data-00000-of-00001", "src.index"});
}

TEST_CASE("edit commands: every error has its exit code and message") {
  TempDir dir;
  Source src;
  const std::string in = src.Save(dir, "src");
  const std::string tf1 = dir.Join("tf1");
  testing::WriteBundleOrDie(tf1, {{"w", Tensor::Scalar<float>(1)}});
  const std::string taken = src.Save(dir, "taken");
  struct Case {
    std::vector<std::string> args;
    int code;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"extract", in, dir.Join("o"), "--subtree", "model/nope"},
       3,
       "ckpt extract: subtree: no object at path 'model/nope' in the graph "
       "of '" +
           in + "' (`ckpt tree` lists the paths)"},
      {{"strip", in, dir.Join("o"), "--keep", "x"},
       3,
       "ckpt strip: keep: no object at path 'x'"},
      {{"rename", in, dir.Join("o"), "--map", "model/encoder=model/head"},
       2,
       "ckpt rename: path mapping conflict: checkpoint objects "
       "'model/encoder/kernel' (node 6) and 'model/head/kernel' (node 8) both "
       "map to 'model/head/kernel'"},
      {{"rename", in, dir.Join("o"), "--map", "nothing=here"},
       2,
       "ckpt rename: 1 path rule(s) match no object"},
      {{"rename", in, dir.Join("o"), "--regex", "--map", "(=x"},
       2,
       "ckpt rename: path rule 1 (re:( -> x): bad regular expression"},
      {{"rename", in, dir.Join("o"), "--map", "a/=c"},
       2,
       "ckpt rename: path rule 1"},
      {{"strip", in, dir.Join("taken"), "--drop-optimizer"},
       6,
       "ckpt strip: " + dir.Join("taken.index") +
           " exists: edits never replace a checkpoint"},
      {{"strip", in, in, "--drop-optimizer"},
       2,
       "ckpt strip: DST '" + in + "' is the source checkpoint"},
      {{"merge", in, tf1, dir.Join("o"), "--prefix-a", "a", "--prefix-b", "b"},
       5,
       "ckpt merge: '" + tf1 +
           "' has no object graph (a TF1 name-based checkpoint)"},
      {{"extract", dir.Join("absent"), dir.Join("o"), "--subtree", "x"},
       3,
       "ckpt extract: "},
      {{"strip", in, dir.Join("o") + ".index", "--drop-optimizer"},
       2,
       "is a bundle file name"},
  };
  for (const Case& c : cases) {
    INFO(absl::StrJoin(c.args, " "));
    const Result r = Cli(c.args);
    INFO(r.err);
    CHECK(r.code == c.code);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, Contains(c.message));
    CHECK(r.err.find('\n') == r.err.size() - 1);  // one line
  }
  CHECK(Files(dir.path()) ==
        std::vector<std::string>{"src.data-00000-of-00001", "src.index",
                                 "taken.data-00000-of-00001", "taken.index",
                                 "tf1.data-00000-of-00001", "tf1.index"});
}

TEST_CASE("edit commands: a failing write leaves nothing at DST") {
  testing::FaultEnv env;
  CKPT_REQUIRE_OK(env.CreateDirs("/w"));
  Source src;
  SaveOptions save;
  save.env = &env;
  CKPT_REQUIRE_OK(SaveObjectGraph(ObjectRef::Of(src.root), "/w/src", save));
  env.ResetCounter();
  env.InjectFault(6, testing::FaultKind::kShortWrite);
  std::ostringstream out, err;
  const std::vector<std::string> args = {"strip", "/w/src", "/w/out",
                                         "--drop-optimizer"};
  const int code = cli::RunCli(&env, args, out, err);
  env.ClearFault();
  INFO(err.str());
  CHECK(code == 6);
  CHECK_THAT(err.str(), StartsWith("ckpt strip: "));
  CHECK_THAT(err.str(), Contains("No space left on device"));
  CHECK(FilesIn(&env, "/w") ==
        std::vector<std::string>{"src.data-00000-of-00001", "src.index"});
}

// ---- TensorFlow's golf checkpoint -------------------------------------------

// golf's Keras model without the optimizer: net/layer_with_weights-N.
struct GolfNet {
  GolfNet() : layers{Dense(7, 64), Dense(64, 32), Dense(32, 7)} {
    for (size_t i = 0; i < 3; ++i) {
      net.Add(absl::StrCat("layer_with_weights-", i), layers[i]);
    }
  }
  Dense layers[3];
  Node net;
};

TEST_CASE("golf: strip, extract and rename restore TensorFlow's values") {
  if (testing::SkipWithoutTfTestData()) return;
  TempDir dir;
  const std::string golf = testing::TfPath("golf/ckpt-1");
  const std::string index = testing::ReadFileOrDie(golf + ".index");
  const std::string data =
      testing::ReadFileOrDie(golf + ".data-00000-of-00001");
  std::unique_ptr<BundleReader> src =
      BundleReader::Open(Env::Default(), golf).value();
  const auto value = [&](const std::string& path) {
    return Variable(src->Read(absl::StrCat(path, kValue)).value());
  };

  const Result strip =
      Cli({"strip", golf, dir.Join("inference"), "--drop-optimizer"});
  INFO(strip.err);
  REQUIRE(strip.code == 0);
  CHECK_THAT(strip.out,
             Contains("Renamed 0, kept 8, dropped 17 values (11304 bytes): "));
  const proto::TrackableObjectGraph g = DecodeGraph(dir.Join("inference"));
  CHECK(SlotCount(g) == 0);
  CHECK(At(g, "net/optimizer") == -1);
  CHECK(At(g, "net/layer-1") == At(g, "net/layer_with_weights-0"));
  {
    GolfNet live;
    Variable step(DataType::kInt32, {}), save_counter(DataType::kInt64, {});
    Node root;
    root.Add("net", live.net)
        .Add("step", step)
        .Add("save_counter", save_counter);
    RequireConsumed(root, dir.Join("inference"));
    RequireSame(live.layers[2].kernel,
                value("net/layer_with_weights-2/kernel"));
    RequireSame(step, value("step"));
  }

  const Result extract = Cli(
      {"extract", golf, dir.Join("net"), "--subtree", "net", "--as", "model"});
  INFO(extract.err);
  REQUIRE(extract.code == 0);
  CHECK_THAT(extract.out, Contains("Renamed 23, kept 0, dropped 2 values ("));
  CHECK(SlotsOf(DecodeGraph(dir.Join("net")), "model/optimizer",
                "model/layer_with_weights-1/bias")
            .at("m") ==
        absl::StrCat("model/layer_with_weights-1/bias/.OPTIMIZER_SLOT/model/"
                     "optimizer/m",
                     kValue));

  const Result rename = Cli({"rename", golf, dir.Join("renamed"), "--map",
                             "net/layer_with_weights-0=encoder"});
  INFO(rename.err);
  REQUIRE(rename.code == 0);
  {
    GolfNet live;
    Dense encoder(7, 64);
    Node root;
    root.Add("encoder", encoder).Add("net", live.net);
    absl::StatusOr<RestoreStatus> restored =
        RestoreObjectGraph(ObjectRef::Of(root), dir.Join("renamed"));
    CKPT_REQUIRE_OK(restored);
    CKPT_REQUIRE_OK(restored->ExpectPartial());  // no optimizer, no step
    RequireSame(encoder.kernel, value("net/layer_with_weights-0/kernel"));
    RequireSame(live.layers[1].bias, value("net/layer_with_weights-1/bias"));
  }
  CHECK(testing::ReadFileOrDie(golf + ".index") == index);
  CHECK(testing::ReadFileOrDie(golf + ".data-00000-of-00001") == data);
}

}  // namespace
}  // namespace ckpt
