// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// torch_train: a small libtorch MLP trained with Adam on synthetic data,
// checkpointed by structure with ckpt (ckpt::torch) through a
// CheckpointManager, and resumable after being killed.
//
//   torch_train DIR [--steps N] [--save-every K] [--resume] [--kill-at STEP]
//
// The model (torch::nn::Sequential of Linear(8, 32), ReLU, Linear(32, 1)) is
// tracked as "model", the optimizer as "optimizer" (exp_avg, exp_avg_sq and
// step of each parameter saved as its slots), the step counter as "step".
// A resumed run restores before the first step, so Adam's slots wait and
// are assigned when TrackedOptimizer::Step() creates them, as TensorFlow
// does. Runs are deterministic (one intra-op thread, seeded data and
// weights): a run killed with --kill-at and resumed with --resume ends with
// the same weights and optimizer state, bit for bit, as an uninterrupted
// run; the last line prints their CRC-32C. `ckpt tree DIR` shows the
// module structure and the slots.
//
// Exit codes: 0 done, 1 an error, 2 usage; killed by SIGKILL (shell status
// 137) with --kill-at.

#include <csignal>
#include <cstdint>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "ckpt/checkpoint.h"
#include "ckpt/checkpoint_manager.h"
#include "ckpt/crc32c.h"
#include "ckpt/status.h"
#include "ckpt/torch.h"
#include "torch/torch.h"

namespace {

struct Options {
  std::string dir;
  int64_t steps = 60;
  int64_t save_every = 20;
  bool resume = false;
  int64_t kill_at = -1;
};

// CRC-32C of every parameter and every optimizer state tensor and step, in
// parameter order.
uint32_t StateCrc(const torch::nn::Module& model, torch::optim::Adam& adam) {
  uint32_t crc = 0;
  const auto extend = [&crc](const at::Tensor& t) {
    const at::Tensor c = t.detach().contiguous();
    crc = ckpt::crc32c::Extend(crc, static_cast<const char*>(c.data_ptr()),
                               c.nbytes());
  };
  for (const at::Tensor& p : model.parameters()) {
    extend(p);
    auto found =
        adam.state().find(c10::guts::to_string(p.unsafeGetTensorImpl()));
    if (found == adam.state().end()) continue;
    auto& s = static_cast<torch::optim::AdamParamState&>(*found->second);
    extend(s.exp_avg());
    extend(s.exp_avg_sq());
    const int64_t step = s.step();
    crc = ckpt::crc32c::Extend(crc, reinterpret_cast<const char*>(&step),
                               sizeof(step));
  }
  return crc;
}

absl::Status Train(const Options& options) {
  torch::set_num_threads(1);  // bit-identical reductions, run after run
  torch::manual_seed(42);
  const at::Tensor x = torch::randn({256, 8});
  const at::Tensor y = (x.sum(1, /*keepdim=*/true) * 0.5).sin();
  torch::manual_seed(43);
  torch::nn::Sequential net(torch::nn::Linear(8, 32), torch::nn::ReLU(),
                            torch::nn::Linear(32, 1));
  torch::optim::Adam adam(net->parameters(), torch::optim::AdamOptions(1e-2));

  CKPT_ASSIGN_OR_RETURN(auto model,
                        ckpt::torch::TrackedModule::Track(net.ptr()));
  CKPT_ASSIGN_OR_RETURN(auto optimizer, ckpt::torch::TrackedOptimizer::Track(
                                            adam, {model.get()}));
  ckpt::Variable step(ckpt::Tensor::Scalar<int64_t>(0));
  ckpt::Checkpoint checkpoint;
  CKPT_RETURN_IF_ERROR(checkpoint.Track("model", *model));
  CKPT_RETURN_IF_ERROR(checkpoint.Track("optimizer", *optimizer));
  CKPT_RETURN_IF_ERROR(checkpoint.Track("step", step));
  ckpt::CheckpointManagerOptions manager_options;
  manager_options.max_to_keep = 2;
  CKPT_ASSIGN_OR_RETURN(std::unique_ptr<ckpt::CheckpointManager> manager,
                        ckpt::CheckpointManager::Create(
                            &checkpoint, options.dir, manager_options));
  if (!options.resume && manager->latest_checkpoint()) {
    return absl::FailedPreconditionError(
        options.dir + " already holds checkpoints; use --resume");
  }
  CKPT_ASSIGN_OR_RETURN(ckpt::CheckpointManager::Restored restored,
                        manager->RestoreOrInitialize());
  if (restored.prefix) {
    std::cout << "restored " << *restored.prefix << ": "
              << restored.status->report().matched.size()
              << " values assigned, "
              << restored.status->report().pending.size()
              << " slots waiting for the first step\n";
  }

  for (int64_t s = step.flat<int64_t>()[0]; s < options.steps; ++s) {
    const at::Tensor batch = torch::arange(s % 8 * 32, s % 8 * 32 + 32);
    adam.zero_grad();
    const at::Tensor loss = torch::mse_loss(
        net->forward(x.index_select(0, batch)), y.index_select(0, batch));
    loss.backward();
    CKPT_RETURN_IF_ERROR(optimizer->Step().status());  // slots first
    if (s == step.flat<int64_t>()[0] && restored.status) {
      // Every saved value, slots included, has found its object.
      CKPT_RETURN_IF_ERROR(restored.status->AssertConsumed());
    }
    step.mutable_flat<int64_t>()[0] = s + 1;
    if ((s + 1) % options.save_every == 0) {
      CKPT_ASSIGN_OR_RETURN(std::optional<std::string> prefix, manager->Save());
      std::cout << absl::StrFormat("step %3d  loss %.6f  saved %s\n", s + 1,
                                   loss.item<float>(), prefix.value_or("-"));
    }
    if (s + 1 == options.kill_at) {
      std::cout << "step " << s + 1 << ": killing myself with SIGKILL"
                << std::endl;
      std::raise(SIGKILL);
    }
  }
  std::cout << absl::StrFormat("done: step %d, state crc32c %08x\n",
                               step.flat<int64_t>()[0], StateCrc(*net, adam));
  return absl::OkStatus();
}

int Usage(const char* why) {
  std::cerr << "torch_train: " << why
            << "\nusage: torch_train DIR [--steps N] [--save-every K] "
               "[--resume] [--kill-at STEP]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto number = [&](int64_t* out) {
      return i + 1 < argc && absl::SimpleAtoi(argv[++i], out) && *out > 0;
    };
    if (arg == "--steps") {
      if (!number(&options.steps)) return Usage("--steps needs N > 0");
    } else if (arg == "--save-every") {
      if (!number(&options.save_every)) {
        return Usage("--save-every needs K > 0");
      }
    } else if (arg == "--kill-at") {
      if (!number(&options.kill_at)) return Usage("--kill-at needs STEP > 0");
    } else if (arg == "--resume") {
      options.resume = true;
    } else if (!arg.empty() && arg[0] == '-') {
      return Usage(("unknown flag " + arg).c_str());
    } else if (options.dir.empty()) {
      options.dir = arg;
    } else {
      return Usage("more than one DIR");
    }
  }
  if (options.dir.empty()) return Usage("missing DIR");
  if (absl::Status s = Train(options); !s.ok()) {
    std::cerr << "torch_train: " << s << "\n";
    return 1;
  }
  return 0;
}
