// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: ckpt/torch.h  (optional component ckpt::torch, with libtorch)
// -----------------------------------------------------------------------------
//
// libtorch modules and optimizers in ckpt's object graph, saved from and
// restored into the tensors they already have (docs/adapters.md).
//
//   * TrackedModule tracks a torch::nn::Module by structure: its
//     submodules are children under the names libtorch registered them
//     with ("fc1", "0", ...), its parameters and buffers are variables
//     ("weight", "bias", "running_mean", ...). A contiguous CPU tensor is
//     restored in place, into its own memory (an ExternalVariable viewing
//     it); any other tensor (CUDA, non-contiguous) through a copy to and
//     from a row-major host buffer. A module shared by two parents, and a
//     parameter shared by two modules (tied weights), is one object.
//   * TrackedOptimizer tracks a torch::optim::Adam, AdamW or SGD: each
//     parameter's state is saved as optimizer slots of that parameter's
//     variable, as TensorFlow saves slot variables (Adam and AdamW:
//     "exp_avg", "exp_avg_sq", "max_exp_avg_sq" with amsgrad, and "step";
//     SGD with momentum: "momentum_buffer"), and each param group's
//     hyper-parameters are variables under "param_groups/<i>" ("lr",
//     "betas", "eps", "weight_decay", "amsgrad"; "momentum", "dampening",
//     "nesterov"). Restoring before the first step defers the slot values,
//     as TensorFlow does: Step() creates the state the first step would
//     create, assigns the waiting values to it, then steps.
//
// Tensors are located again at every save and restore, so moving a module
// (module->to(...)) or an optimizer replacing its state tensors needs no
// call; parameters or submodules registered after Track need Rebind().
// Restore outside forward/backward: ckpt writes the tensors' memory
// directly, bypassing autograd.
//
// Example:
//
//   auto net = std::make_shared<Net>();           // a torch::nn::Module
//   torch::optim::Adam adam(net->parameters());
//   CKPT_ASSIGN_OR_RETURN(auto model, ckpt::torch::TrackedModule::Track(net));
//   CKPT_ASSIGN_OR_RETURN(auto opt, ckpt::torch::TrackedOptimizer::Track(
//                                       adam, {model.get()}));
//   ckpt::Checkpoint checkpoint;
//   CKPT_RETURN_IF_ERROR(checkpoint.Track("model", *model));
//   CKPT_RETURN_IF_ERROR(checkpoint.Track("optimizer", *opt));
//   CKPT_RETURN_IF_ERROR(checkpoint.Restore(dir).status());  // slots wait
//   ...
//   CKPT_RETURN_IF_ERROR(opt->Step().status());  // instead of adam.step()

#ifndef CKPT_TORCH_H_
#define CKPT_TORCH_H_

#include <array>
#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ckpt/dtype.h"
#include "ckpt/external_variable.h"
#include "ckpt/tensor.h"
#include "ckpt/trackable.h"
#include "torch/nn/module.h"
#include "torch/optim/optimizer.h"

namespace ckpt::torch {

// The DataType of a libtorch scalar type: float32/64, float16, bfloat16,
// the signed integers, uint8, bool and complex64/128. InvalidArgument for
// the others (quantized types, ...).
absl::StatusOr<DataType> DataTypeOf(c10::ScalarType type);

// Binds `v` to `tensor`: a writable view of its memory when it is a dense,
// contiguous CPU tensor; otherwise (CUDA, non-contiguous) callbacks that
// copy it to a contiguous CPU buffer on save and copy the checked bytes back
// into it on restore (the callbacks hold a handle of the tensor). A view
// does not: the caller keeps the tensor's storage alive while `v` is bound
// to it (TensorVariable does so). libtorch errors inside the callbacks
// become Internal statuses. InvalidArgument for an undefined tensor or an
// unsupported dtype; ExternalVariable::Bind*'s errors otherwise.
absl::Status Bind(ExternalVariable& v, const at::Tensor& tensor);

// An ExternalVariable that follows one libtorch tensor: before each save or
// restore visits it, it rebinds itself if the tensor's memory, dtype or
// shape changed (module->to(...), set_data). A tensor it cannot bind
// (unsupported dtype) leaves it unbound, so saving fails with the path
// named.
class TensorVariable : public ExternalVariable {
 public:
  TensorVariable() = default;
  explicit TensorVariable(at::Tensor tensor) : tensor_(std::move(tensor)) {}
  const at::Tensor& tensor() const { return tensor_; }
  // Follows another tensor from now on (undefined: unbound).
  void Reset(at::Tensor tensor);
  // Rebinds now if needed; returns Bind()'s error.
  absl::Status Refresh();
  void VisitAttributes(AttributeVisitor& visit) override;

 private:
  at::Tensor tensor_;
  const void* bound_data_ = nullptr;  // what the current binding views
  bool bound_ = false;
};

// A torch::nn::Module in the object graph (see the file comment).
class TrackedModule : public Trackable {
 public:
  // Tracks `module` and, recursively, its submodules; keeps `module` alive.
  static absl::StatusOr<std::unique_ptr<TrackedModule>> Track(
      std::shared_ptr<::torch::nn::Module> module);
  template <typename M>
  static absl::StatusOr<std::unique_ptr<TrackedModule>> Track(
      const ::torch::nn::ModuleHolder<M>& holder) {
    return Track(holder.ptr());
  }

  // Re-reads the module's parameters, buffers and submodules: new ones
  // become objects (values waiting in a restore are assigned to them),
  // removed ones leave the graph.
  absl::Status Rebind();

  // The variable tracking the parameter or buffer `tensor` (this module or
  // a submodule), or null. Shared: it stays valid after a Rebind() that
  // drops the tensor from the module.
  std::shared_ptr<TensorVariable> VariableFor(const at::Tensor& tensor) const;

  ::torch::nn::Module& module() const { return *module_; }
  void VisitChildren(ChildVisitor& visit) override;

 private:
  // Objects shared between the modules of one tree: a submodule or tensor
  // reached twice is one object.
  struct Registry {
    absl::flat_hash_map<const ::torch::nn::Module*,
                        std::weak_ptr<TrackedModule>>
        modules;
    absl::flat_hash_map<const void*, std::weak_ptr<TensorVariable>>
        tensors;  // by TensorImpl
  };
  TrackedModule(std::shared_ptr<::torch::nn::Module> module,
                std::shared_ptr<Registry> registry)
      : module_(std::move(module)), registry_(std::move(registry)) {}
  static absl::StatusOr<std::shared_ptr<TrackedModule>> TrackIn(
      std::shared_ptr<::torch::nn::Module> module,
      const std::shared_ptr<Registry>& registry);
  // Reads the module's tensors and submodules (those not in `seen` yet,
  // recursively); adds the modules that gained one to *grew.
  absl::Status Scan(absl::flat_hash_set<const TrackedModule*>* seen,
                    std::vector<TrackedModule*>* grew);

  std::shared_ptr<::torch::nn::Module> module_;
  std::shared_ptr<Registry> registry_;
  std::vector<std::pair<std::string, std::shared_ptr<TensorVariable>>> tensors_;
  std::vector<std::pair<std::string, std::shared_ptr<TrackedModule>>> children_;
};

// A torch::optim::Adam, AdamW or SGD in the object graph (see the file
// comment).
class TrackedOptimizer : public Trackable {
 public:
  // Tracks `optimizer`, whose parameters must all be parameters of
  // `modules` (InvalidArgument naming the group and index otherwise);
  // Unimplemented for other optimizers. `optimizer` and `modules` must
  // outlive the result.
  static absl::StatusOr<std::unique_ptr<TrackedOptimizer>> Track(
      ::torch::optim::Optimizer& optimizer,
      std::vector<const TrackedModule*> modules);

  // One optimizer step: creates the state the first step would create for
  // parameters that have none, when a restore left values waiting for it
  // (assigning them), then calls optimizer.step(closure). Errors of the
  // waiting values (corrupted bytes, mismatched shapes) are returned before
  // anything steps.
  absl::StatusOr<at::Tensor> Step(
      ::torch::optim::Optimizer::LossClosure closure = nullptr);

  // Creates and fills the state of parameters that have none, from values
  // a restore left waiting; parameters with no waiting value are left to
  // the optimizer. Step() calls it first. A failure is sticky: this and
  // every later call (and Step()) return the error, since stepping on
  // would train with state silently started from zero. (A corrupted or
  // unreadable value creates no state at all; a value that does not fit
  // its parameter stops the creation there.) Track a new optimizer and
  // restore again to recover.
  absl::Status AssignWaitingSlots();

  ::torch::optim::Optimizer& optimizer() const { return optimizer_; }
  void VisitChildren(ChildVisitor& visit) override;
  void VisitSlots(SlotVisitor& visit) override;

  enum class Kind { kAdam, kAdamW, kSgd };

 private:
  // One parameter's slots: bound to its state while it has one; unbound
  // while AssignWaitingSlots asks the restore for waiting values.
  struct Param {
    at::Tensor tensor;
    std::shared_ptr<TensorVariable> original;
    size_t group = 0;       // index in optimizer.param_groups()
    std::string state_key;  // its key in optimizer.state()
    TensorVariable exp_avg, exp_avg_sq, max_exp_avg_sq, momentum_buffer;
    ExternalVariable step;
    bool asking = false;
  };
  // One param group's hyper-parameters.
  struct Group : Trackable {
    Group(TrackedOptimizer* optimizer, size_t group_index)
        : owner(optimizer), index(group_index) {}
    void VisitChildren(ChildVisitor& visit) override;
    TrackedOptimizer* owner;
    size_t index;
    ExternalVariable lr, betas, eps, weight_decay, amsgrad, momentum, dampening,
        nesterov;
  };
  TrackedOptimizer(::torch::optim::Optimizer& optimizer, Kind kind)
      : optimizer_(optimizer), kind_(kind) {}
  // The slots `p` has for this optimizer, named.
  std::vector<std::pair<const char*, ExternalVariable*>> SlotsOf(Param& p);
  // Binds p's slots to its state; false if it has none.
  bool BindToState(Param& p);
  // Creates the state of `p` and delivers its waiting values into it.
  absl::Status CreateState(Param& p);
  static std::array<TensorVariable*, 4> TensorSlots(Param& p);
  // Unbinds every slot of `p` (and drops waiting values).
  static void ClearSlots(Param& p);

  ::torch::optim::Optimizer& optimizer_;
  Kind kind_;
  absl::Status slots_error_;  // sticky (AssignWaitingSlots)
  std::deque<Param> params_;
  std::deque<Group> groups_;
};

}  // namespace ckpt::torch

#endif  // CKPT_TORCH_H_
