// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// The libtorch adapter (lib/torch/torch.cc, ckpt/torch.h):
//   * tensors: dtype mapping, contiguous CPU tensors viewed in place, others
//     copied, a tensor whose memory moved is followed;
//   * modules: structure and names as libtorch registers them, values
//     checked against the bundle read by key (an independent path), shared
//     submodules and tied weights as one object, Rebind() of new tensors;
//   * optimizers: Adam, AdamW (amsgrad) and SGD (momentum) state as slots,
//     deferred to the first Step() when restored before it, or restored in
//     place after it; a resumed run steps bit-identically to the original;
//     hyper-parameters; refusals and a corrupted slot; `ckpt tree` shows
//     the slots.

#include "ckpt/torch.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/checkpoint.h"
#include "ckpt/env.h"
#include "testing/test_util.h"
#include "torch/torch.h"

namespace {

struct NetImpl : ::torch::nn::Module {
  NetImpl() {
    fc1 = register_module("fc1", ::torch::nn::Linear(3, 4));
    norm = register_module("norm", ::torch::nn::BatchNorm1d(4));
    fc2 = register_module("fc2", ::torch::nn::Linear(4, 2));
  }
  at::Tensor forward(at::Tensor x) {
    return fc2->forward(::torch::relu(norm->forward(fc1->forward(x))));
  }
  ::torch::nn::Linear fc1{nullptr}, fc2{nullptr};
  ::torch::nn::BatchNorm1d norm{nullptr};
};
TORCH_MODULE(Net);

}  // namespace

namespace ckpt {
namespace {

using ::ckpt::testing::TempDir;

// Every parameter and buffer of `a` equals `b`'s, bit for bit.
bool SameTensors(::torch::nn::Module& a, ::torch::nn::Module& b) {
  auto pa = a.named_parameters(), pb = b.named_parameters();
  auto ba = a.named_buffers(), bb = b.named_buffers();
  if (pa.size() != pb.size() || ba.size() != bb.size()) return false;
  for (const auto& item : pa) {
    if (!::torch::equal(item.value(), pb[item.key()])) return false;
  }
  for (const auto& item : ba) {
    if (!::torch::equal(item.value(), bb[item.key()])) return false;
  }
  return true;
}

std::string Key(const std::string& path) {
  return path + "/.ATTRIBUTES/VARIABLE_VALUE";
}

// Trains `net` with `opt` for `steps` steps on fixed data.
void Train(Net& net, torch::TrackedOptimizer& opt, int steps) {
  ::torch::manual_seed(7);
  const at::Tensor x = ::torch::randn({8, 3});
  const at::Tensor y = ::torch::randn({8, 2});
  for (int i = 0; i < steps; ++i) {
    opt.optimizer().zero_grad();
    ::torch::mse_loss(net->forward(x), y).backward();
    REQUIRE(opt.Step().ok());
  }
}

TEST_CASE("dtypes map to TensorFlow's, and tensors bind in place or by copy") {
  REQUIRE(torch::DataTypeOf(at::kFloat).value() == DataType::kFloat);
  REQUIRE(torch::DataTypeOf(at::kLong).value() == DataType::kInt64);
  REQUIRE(torch::DataTypeOf(at::kBFloat16).value() == DataType::kBFloat16);
  REQUIRE(torch::DataTypeOf(at::kComplexDouble).value() ==
          DataType::kComplex128);
  CKPT_REQUIRE_ERROR(torch::DataTypeOf(at::kComplexHalf),
                     absl::StatusCode::kInvalidArgument,
                     "has no TensorFlow checkpoint dtype");

  at::Tensor dense = ::torch::arange(6, at::kFloat).reshape({2, 3});
  ExternalVariable v;
  CKPT_REQUIRE_OK(torch::Bind(v, dense));
  REQUIRE(v.access() == ExternalVariable::Access::kWritable);
  REQUIRE(v.value().bytes().data() == dense.data_ptr());
  REQUIRE(v.shape() == TensorShape({2, 3}));

  at::Tensor transposed = dense.t();  // not contiguous: copied
  CKPT_REQUIRE_OK(torch::Bind(v, transposed));
  REQUIRE(v.access() == ExternalVariable::Access::kCopied);
  REQUIRE(v.shape() == TensorShape({3, 2}));
  TempDir dir;
  Checkpoint c;
  CKPT_REQUIRE_OK(c.Track("t", v));
  CKPT_REQUIRE_OK(c.Write(dir.Join("p")));
  const auto reader = BundleReader::Open(Env::Default(), dir.Join("p")).value();
  const Tensor stored = reader->Read(Key("t")).value();
  REQUIRE(std::vector<float>(stored.flat<float>().begin(),
                             stored.flat<float>().end()) ==
          std::vector<float>{0, 3, 1, 4, 2, 5});  // row-major of dense.t()
  transposed.zero_();
  CKPT_REQUIRE_OK(c.Read(dir.Join("p")).status());
  REQUIRE(dense[1][0].item<float>() == 3.0f);

  CKPT_REQUIRE_ERROR(torch::Bind(v, at::Tensor()),
                     absl::StatusCode::kInvalidArgument, "undefined");
}

TEST_CASE("A module saves by structure and restores in place") {
  TempDir dir;
  ::torch::manual_seed(1);
  Net saved;
  saved->norm->running_mean.fill_(0.25);
  auto tracked = torch::TrackedModule::Track(saved).value();
  Checkpoint writer;
  CKPT_REQUIRE_OK(writer.Track("model", *tracked));
  const std::string prefix = dir.Join("p");
  CKPT_REQUIRE_OK(writer.Write(prefix));

  // The keys are the module's structure; the bytes its tensors'.
  const auto reader = BundleReader::Open(Env::Default(), prefix).value();
  for (const auto& item : saved->named_parameters()) {
    INFO(item.key());
    std::string path = "model/" + item.key();
    std::replace(path.begin(), path.end(), '.', '/');
    const Tensor t = reader->Read(Key(path)).value();
    REQUIRE(t.bytes() ==
            absl::string_view(static_cast<const char*>(item.value().data_ptr()),
                              item.value().nbytes()));
  }
  REQUIRE(reader->Read(Key("model/norm/num_batches_tracked")).value().dtype() ==
          DataType::kInt64);

  ::torch::manual_seed(2);
  Net restored;
  REQUIRE_FALSE(SameTensors(*saved, *restored));
  const void* weight_memory = restored->fc1->weight.data_ptr();
  auto tracked2 = torch::TrackedModule::Track(restored).value();
  Checkpoint reader2;
  CKPT_REQUIRE_OK(reader2.Track("model", *tracked2));
  absl::StatusOr<RestoreStatus> s = reader2.Read(prefix);
  CKPT_REQUIRE_OK(s);
  CKPT_REQUIRE_OK(s->AssertConsumed());
  REQUIRE(SameTensors(*saved, *restored));
  REQUIRE(restored->fc1->weight.data_ptr() == weight_memory);  // in place
}

TEST_CASE("Memory that moved is followed, and new tensors need Rebind") {
  TempDir dir;
  Net net;
  auto tracked = torch::TrackedModule::Track(net).value();
  Checkpoint c;
  CKPT_REQUIRE_OK(c.Track("model", *tracked));
  // New storage for a parameter (what module->to() does).
  {
    const ::torch::NoGradGuard no_grad;
    net->fc1->weight.set_data(::torch::full({4, 3}, 2.0f));
  }
  CKPT_REQUIRE_OK(c.Write(dir.Join("p")));
  const auto reader = BundleReader::Open(Env::Default(), dir.Join("p")).value();
  REQUIRE(reader->Read(Key("model/fc1/weight")).value().flat<float>()[11] ==
          2.0f);

  // A checkpoint with a tensor the module registers only later.
  Net bigger;
  bigger->fc2->register_buffer("scale", ::torch::full({2}, 5.0f));
  auto tracked_bigger = torch::TrackedModule::Track(bigger).value();
  Checkpoint w;
  CKPT_REQUIRE_OK(w.Track("model", *tracked_bigger));
  CKPT_REQUIRE_OK(w.Write(dir.Join("bigger")));

  absl::StatusOr<RestoreStatus> s = c.Read(dir.Join("bigger"));
  CKPT_REQUIRE_OK(s);
  REQUIRE(s->report().pending.size() == 1);
  net->fc2->register_buffer("scale", ::torch::zeros({2}));
  CKPT_REQUIRE_OK(tracked->Rebind());
  REQUIRE(net->fc2->named_buffers()["scale"][1].item<float>() == 5.0f);
  CKPT_REQUIRE_OK(s->AssertConsumed());
}

TEST_CASE("Shared submodules and tied weights are one object") {
  TempDir dir;
  struct HeadImpl : ::torch::nn::Module {
    explicit HeadImpl(const at::Tensor& w) {
      weight = register_parameter("weight", w);
    }
    at::Tensor weight;
  };
  struct TiedImpl : ::torch::nn::Module {
    TiedImpl() {
      shared = register_module("a", ::torch::nn::Linear(2, 2));
      register_module("b", shared);  // the same module twice
      head = register_module("c", std::make_shared<HeadImpl>(shared->weight));
    }
    ::torch::nn::Linear shared{nullptr};
    std::shared_ptr<HeadImpl> head;
  };
  auto tied = std::make_shared<TiedImpl>();
  auto tracked = torch::TrackedModule::Track(tied).value();
  Checkpoint c;
  CKPT_REQUIRE_OK(c.Track("m", *tracked));
  CKPT_REQUIRE_OK(c.Write(dir.Join("p")));
  const auto reader = BundleReader::Open(Env::Default(), dir.Join("p")).value();
  std::vector<std::string> keys;
  CKPT_REQUIRE_OK(
      reader->ForEachEntry([&](absl::string_view key, const BundleEntry&) {
        keys.emplace_back(key);
        return absl::OkStatus();
      }));
  // a/weight, a/bias (b is a, c/weight is a/weight) and the graph.
  REQUIRE(keys.size() == 3);
  REQUIRE(tracked->VariableFor(tied->head->weight) ==
          tracked->VariableFor(tied->shared->weight));
}

// A Net seeded with `seed`, an `Optim` over its parameters, both tracked
// in `checkpoint` as "model" and "optimizer".
template <typename Optim>
struct Trainer {
  template <typename Options>
  Trainer(uint64_t seed, const Options& options)
      : net(Seeded(seed)), optim(net->parameters(), options) {
    model = torch::TrackedModule::Track(net).value();
    opt = torch::TrackedOptimizer::Track(optim, {model.get()}).value();
    REQUIRE(checkpoint.Track("model", *model).ok());
    REQUIRE(checkpoint.Track("optimizer", *opt).ok());
  }
  static Net Seeded(uint64_t seed) {
    ::torch::manual_seed(seed);
    return Net();
  }
  void Train(int steps) { ::ckpt::Train(net, *opt, steps); }
  Net net;
  Optim optim;
  std::unique_ptr<torch::TrackedModule> model;
  std::unique_ptr<torch::TrackedOptimizer> opt;
  Checkpoint checkpoint;
};

TEST_CASE("Adam's state restored before the first step waits for Step()") {
  TempDir dir;
  Trainer<::torch::optim::Adam> saved(3, ::torch::optim::AdamOptions(0.01));
  saved.Train(3);
  const std::string prefix = saved.checkpoint.Save(dir.Join("ckpt")).value();

  // `ckpt tree` shows the parameters with their slots.
  std::string tree;
  REQUIRE(testing::RunCommand(testing::CliPath() + " tree " + prefix, &tree) ==
          0);
  REQUIRE(tree.find("fc1 (node") != std::string::npos);
  REQUIRE(tree.find("slot exp_avg -> node") != std::string::npos);
  REQUIRE(tree.find("slot exp_avg_sq -> node") != std::string::npos);
  REQUIRE(tree.find("slot step -> node") != std::string::npos);
  REQUIRE(tree.find("lr (node") != std::string::npos);

  Trainer<::torch::optim::Adam> resumed(4, ::torch::optim::AdamOptions(0.5));
  absl::StatusOr<RestoreStatus> s = resumed.checkpoint.Restore(prefix);
  CKPT_REQUIRE_OK(s);
  REQUIRE(SameTensors(*saved.net, *resumed.net));
  REQUIRE(resumed.optim.state().empty());        // no step yet: the slots wait
  REQUIRE(s->report().pending.size() == 6 * 3);  // 6 parameters, 3 slots
  REQUIRE(static_cast<::torch::optim::AdamOptions&>(
              resumed.optim.param_groups()[0].options())
              .lr() == 0.01);

  CKPT_REQUIRE_OK(resumed.opt->AssignWaitingSlots());
  CKPT_REQUIRE_OK(s->AssertConsumed());
  REQUIRE(resumed.optim.state().size() == saved.optim.state().size());
  // Both continue identically, bit for bit.
  saved.Train(2);
  resumed.Train(2);
  REQUIRE(SameTensors(*saved.net, *resumed.net));
}

TEST_CASE("Restored after the first step, state is written in place") {
  TempDir dir;
  Trainer<::torch::optim::AdamW> t(
      5, ::torch::optim::AdamWOptions(0.01).amsgrad(true));
  Checkpoint& c = t.checkpoint;
  Net& net = t.net;
  t.Train(2);
  CKPT_REQUIRE_OK(c.Write(dir.Join("p")));
  t.Train(3);  // moves on
  CKPT_REQUIRE_OK(c.Write(dir.Join("later")));
  Net copy;
  {
    const ::torch::NoGradGuard no_grad;
    for (size_t i = 0; i < copy->parameters().size(); ++i) {
      copy->parameters()[i].copy_(net->parameters()[i]);
    }
    for (size_t i = 0; i < copy->buffers().size(); ++i) {
      copy->buffers()[i].copy_(net->buffers()[i]);
    }
  }
  // Back to step 2: the existing state tensors get the old values.
  absl::StatusOr<RestoreStatus> s = c.Read(dir.Join("p"));
  CKPT_REQUIRE_OK(s);
  CKPT_REQUIRE_OK(s->AssertConsumed());
  for (const auto& [key, state] : t.optim.state()) {
    REQUIRE(static_cast<::torch::optim::AdamWParamState&>(*state).step() == 2);
    REQUIRE(static_cast<::torch::optim::AdamWParamState&>(*state)
                .max_exp_avg_sq()
                .defined());
  }
  CKPT_REQUIRE_OK(c.Read(dir.Join("later")).status());
  REQUIRE(SameTensors(*net, *copy));
}

TEST_CASE("SGD keeps its momentum buffers, and without momentum it has none") {
  TempDir dir;
  for (double momentum : {0.9, 0.0}) {
    INFO("momentum " << momentum);
    Trainer<::torch::optim::SGD> saved(
        6, ::torch::optim::SGDOptions(0.1).momentum(momentum).dampening(
               momentum / 2));
    saved.Train(2);
    const std::string prefix =
        saved.checkpoint.Save(dir.Join(momentum > 0 ? "m" : "plain")).value();

    Trainer<::torch::optim::SGD> resumed(8, ::torch::optim::SGDOptions(0.3));
    absl::StatusOr<RestoreStatus> s = resumed.checkpoint.Restore(prefix);
    CKPT_REQUIRE_OK(s);
    REQUIRE(static_cast<::torch::optim::SGDOptions&>(
                resumed.optim.param_groups()[0].options())
                .momentum() == momentum);
    saved.Train(2);
    resumed.Train(2);
    REQUIRE(SameTensors(*saved.net, *resumed.net));
    CKPT_REQUIRE_OK(s->AssertConsumed());
    REQUIRE(resumed.optim.state().size() == (momentum > 0 ? 6u : 0u));
  }
}

TEST_CASE(
    "Refused optimizers and parameters, and a corrupted slot stops Step") {
  TempDir dir;
  Net net;
  auto model = torch::TrackedModule::Track(net).value();
  ::torch::optim::RMSprop rms(net->parameters());
  CKPT_REQUIRE_ERROR(torch::TrackedOptimizer::Track(rms, {model.get()}),
                     absl::StatusCode::kUnimplemented, "Adam, AdamW and SGD");
  at::Tensor stray = ::torch::zeros({3}, ::torch::requires_grad());
  ::torch::optim::Adam stray_adam({stray});
  CKPT_REQUIRE_ERROR(torch::TrackedOptimizer::Track(stray_adam, {model.get()}),
                     absl::StatusCode::kInvalidArgument,
                     "parameter 0 of param group 0 (shape [3])");

  Trainer<::torch::optim::Adam> saved(9, ::torch::optim::AdamOptions());
  saved.Train(1);
  const std::string prefix = dir.Join("p");
  CKPT_REQUIRE_OK(saved.checkpoint.Write(prefix));
  testing::CorruptStoredByte(
      prefix,
      "model/fc1/weight/.OPTIMIZER_SLOT/optimizer/exp_avg/.ATTRIBUTES/"
      "VARIABLE_VALUE",
      4, 0x10);

  Trainer<::torch::optim::Adam> fresh(10, ::torch::optim::AdamOptions());
  CKPT_REQUIRE_OK(fresh.checkpoint.Restore(prefix).status());
  const at::Tensor before = fresh.net->fc1->weight.clone();
  CKPT_REQUIRE_ERROR(fresh.opt->Step(), absl::StatusCode::kDataLoss, "exp_avg");
  REQUIRE(fresh.optim.state().empty());  // nothing was created or stepped
  REQUIRE(::torch::equal(before, fresh.net->fc1->weight));
  // Sticky: stepping on would start the state from zero.
  CKPT_REQUIRE_ERROR(fresh.opt->Step(), absl::StatusCode::kDataLoss, "exp_avg");
  REQUIRE(fresh.optim.state().empty());
}

}  // namespace
}  // namespace ckpt
