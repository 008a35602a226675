// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// The libtorch adapter (ckpt/torch.h): tensors bound as ExternalVariables,
// modules tracked by structure, and Adam/AdamW/SGD state as slots.

#include "ckpt/torch.h"

#include <array>
#include <cstring>
#include <memory>
#include <string>
#include <tuple>
#include <typeinfo>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "torch/optim/adam.h"
#include "torch/optim/adamw.h"
#include "torch/optim/sgd.h"
#include "torch/torch.h"

namespace ckpt::torch {
namespace {

TensorShape ShapeOf(const at::Tensor& t) {
  return TensorShape(std::vector<int64_t>(t.sizes().begin(), t.sizes().end()));
}

bool IsDenseCpu(const at::Tensor& t) {
  return t.is_cpu() && t.layout() == at::kStrided && t.is_contiguous();
}

// Binds a scalar hyper-parameter field in place (pointers into a live
// options object are always valid: this cannot fail).
template <typename T>
void BindField(ExternalVariable& v, T* field) {
  v.BindWritable(ckpt::DataTypeOf<T>::value, TensorShape(), field, sizeof(T))
      .IgnoreError();
}

// The state Adam and AdamW create on their first step for a parameter
// like `zeros`; *step points at its step counter.
template <typename State>
std::unique_ptr<State> NewAdamState(const at::Tensor& zeros, bool amsgrad,
                                    int64_t** step) {
  auto state = std::make_unique<State>();
  state->exp_avg(zeros.clone());
  state->exp_avg_sq(zeros.clone());
  if (amsgrad) state->max_exp_avg_sq(zeros.clone());
  *step = &state->step();
  return state;
}

}  // namespace

absl::StatusOr<DataType> DataTypeOf(c10::ScalarType type) {
  switch (type) {
    case c10::ScalarType::Float:
      return DataType::kFloat;
    case c10::ScalarType::Double:
      return DataType::kDouble;
    case c10::ScalarType::Half:
      return DataType::kHalf;
    case c10::ScalarType::BFloat16:
      return DataType::kBFloat16;
    case c10::ScalarType::Char:
      return DataType::kInt8;
    case c10::ScalarType::Short:
      return DataType::kInt16;
    case c10::ScalarType::Int:
      return DataType::kInt32;
    case c10::ScalarType::Long:
      return DataType::kInt64;
    case c10::ScalarType::Byte:
      return DataType::kUInt8;
    case c10::ScalarType::Bool:
      return DataType::kBool;
    case c10::ScalarType::ComplexFloat:
      return DataType::kComplex64;
    case c10::ScalarType::ComplexDouble:
      return DataType::kComplex128;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("libtorch dtype ", c10::toString(type),
                       " has no TensorFlow checkpoint dtype"));
  }
}

absl::Status Bind(ExternalVariable& v, const at::Tensor& tensor) {
  if (!tensor.defined()) {
    return absl::InvalidArgumentError("cannot bind an undefined tensor");
  }
  absl::StatusOr<DataType> dtype = DataTypeOf(tensor.scalar_type());
  if (!dtype.ok()) return dtype.status();
  const TensorShape shape = ShapeOf(tensor);
  if (IsDenseCpu(tensor)) {
    return v.BindWritable(*dtype, shape, tensor.data_ptr(), tensor.nbytes());
  }
  // CUDA, sparse or strided: through a contiguous CPU copy.
  at::Tensor handle = tensor;
  auto save = [handle](absl::Span<char> out) {
    try {
      const at::Tensor host = handle.detach().to(at::kCPU).contiguous();
      if (host.nbytes() != out.size()) {
        return absl::InternalError("tensor changed size during a save");
      }
      if (!out.empty()) std::memcpy(out.data(), host.data_ptr(), out.size());
      return absl::OkStatus();
    } catch (const std::exception& e) {  // no exception crosses ckpt's API
      return absl::InternalError(
          absl::StrCat("libtorch, copying a tensor out: ", e.what()));
    }
  };
  auto restore = [handle](absl::string_view bytes) {
    try {
      const at::NoGradGuard no_grad;
      const at::Tensor src = at::from_blob(
          const_cast<char*>(bytes.data()), handle.sizes(),
          at::TensorOptions().dtype(handle.scalar_type()).device(at::kCPU));
      handle.detach().copy_(src);
      return absl::OkStatus();
    } catch (const std::exception& e) {
      return absl::InternalError(
          absl::StrCat("libtorch, copying a tensor in: ", e.what()));
    }
  };
  return v.BindCopied(*dtype, shape, std::move(save), std::move(restore));
}

// ---- TensorVariable ----

void TensorVariable::Reset(at::Tensor tensor) {
  tensor_ = std::move(tensor);
  bound_ = false;  // rebound (or unbound) by the next Refresh
}

absl::Status TensorVariable::Refresh() {
  if (!tensor_.defined()) {
    if (access() != Access::kUnbound) Unbind();  // keeps a waiting value
    bound_ = false;
    return absl::OkStatus();
  }
  if (bound_) {
    absl::StatusOr<DataType> dtype = DataTypeOf(tensor_.scalar_type());
    const bool dense = IsDenseCpu(tensor_);
    const bool same = dtype.ok() && *dtype == this->dtype() &&
                      ShapeOf(tensor_) == shape() &&
                      (dense ? access() == Access::kWritable &&
                                   bound_data_ == tensor_.data_ptr()
                             : access() == Access::kCopied);
    if (same) return absl::OkStatus();
  }
  absl::Status s = ckpt::torch::Bind(*this, tensor_);
  if (!s.ok()) {
    // Never keep a binding to memory the tensor may have released; a value
    // waiting for memory stays.
    if (!has_pending_value()) Unbind();
    bound_ = false;
    return s;
  }
  bound_ = true;
  bound_data_ = IsDenseCpu(tensor_) ? tensor_.data_ptr() : nullptr;
  return absl::OkStatus();
}

void TensorVariable::VisitAttributes(AttributeVisitor& visit) {
  Refresh().IgnoreError();  // unbound on failure: a save names the path
  ExternalVariable::VisitAttributes(visit);
}

// ---- TrackedModule ----

absl::StatusOr<std::unique_ptr<TrackedModule>> TrackedModule::Track(
    std::shared_ptr<::torch::nn::Module> module) {
  if (module == nullptr) {
    return absl::InvalidArgumentError("TrackedModule::Track: null module");
  }
  std::unique_ptr<TrackedModule> root(
      new TrackedModule(std::move(module), std::make_shared<Registry>()));
  absl::flat_hash_set<const TrackedModule*> seen;
  std::vector<TrackedModule*> grew;
  if (absl::Status s = root->Scan(&seen, &grew); !s.ok()) return s;
  return root;
}

absl::StatusOr<std::shared_ptr<TrackedModule>> TrackedModule::TrackIn(
    std::shared_ptr<::torch::nn::Module> module,
    const std::shared_ptr<Registry>& registry) {
  auto found = registry->modules.find(module.get());
  if (found != registry->modules.end()) {
    if (std::shared_ptr<TrackedModule> m = found->second.lock()) return m;
  }
  std::shared_ptr<TrackedModule> tracked(
      new TrackedModule(std::move(module), registry));
  registry->modules[tracked->module_.get()] = tracked;
  return tracked;
}

absl::Status TrackedModule::Scan(
    absl::flat_hash_set<const TrackedModule*>* seen,
    std::vector<TrackedModule*>* grew) {
  if (!seen->insert(this).second) return absl::OkStatus();
  bool new_here = false;
  std::vector<std::pair<std::string, std::shared_ptr<TensorVariable>>> tensors;
  const auto add = [&](const std::string& name, const at::Tensor& t) {
    if (!t.defined()) return;
    const void* key = t.unsafeGetTensorImpl();
    std::shared_ptr<TensorVariable> var;
    auto found = registry_->tensors.find(key);
    if (found != registry_->tensors.end()) var = found->second.lock();
    if (var == nullptr) {
      var = std::make_shared<TensorVariable>(t);
      registry_->tensors[key] = var;
      new_here = true;
    } else {
      var->Reset(t);
    }
    tensors.emplace_back(name, std::move(var));
  };
  for (const auto& item : module_->named_parameters(/*recurse=*/false)) {
    add(item.key(), item.value());
  }
  for (const auto& item : module_->named_buffers(/*recurse=*/false)) {
    add(item.key(), item.value());
  }
  for (auto& [name, var] : tensors) {
    if (absl::Status s = var->Refresh(); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "module ", module_->name(), ": tensor '", name, "': ", s.message()));
    }
  }
  std::vector<std::pair<std::string, std::shared_ptr<TrackedModule>>> children;
  for (const auto& item : module_->named_children()) {
    const bool known = registry_->modules.contains(item.value().get());
    absl::StatusOr<std::shared_ptr<TrackedModule>> child =
        TrackIn(item.value(), registry_);
    if (!child.ok()) return child.status();
    new_here = new_here || !known;
    if (absl::Status s = (*child)->Scan(seen, grew); !s.ok()) return s;
    children.emplace_back(item.key(), *std::move(child));
  }
  tensors_ = std::move(tensors);
  children_ = std::move(children);
  if (new_here) grew->push_back(this);
  return absl::OkStatus();
}

absl::Status TrackedModule::Rebind() {
  absl::flat_hash_set<const TrackedModule*> seen;
  std::vector<TrackedModule*> grew;
  if (absl::Status s = Scan(&seen, &grew); !s.ok()) return s;
  // Values waiting for the new objects wait on the module that owns them.
  absl::Status first;
  for (TrackedModule* m : grew) {
    absl::Status s = m->ChildrenChanged();
    if (first.ok() && !s.ok()) first = s;
  }
  return first;
}

std::shared_ptr<TensorVariable> TrackedModule::VariableFor(
    const at::Tensor& tensor) const {
  if (!tensor.defined()) return nullptr;
  auto found = registry_->tensors.find(tensor.unsafeGetTensorImpl());
  if (found == registry_->tensors.end()) return nullptr;
  return found->second.lock();  // owned by a module's tensors_
}

void TrackedModule::VisitChildren(ChildVisitor& visit) {
  for (auto& [name, var] : tensors_) visit(name, var);
  for (auto& [name, child] : children_) visit(name, child);
}

// ---- TrackedOptimizer ----

absl::StatusOr<std::unique_ptr<TrackedOptimizer>> TrackedOptimizer::Track(
    ::torch::optim::Optimizer& optimizer,
    std::vector<const TrackedModule*> modules) {
  Kind kind;
  if (dynamic_cast<::torch::optim::Adam*>(&optimizer) != nullptr) {
    kind = Kind::kAdam;
  } else if (dynamic_cast<::torch::optim::AdamW*>(&optimizer) != nullptr) {
    kind = Kind::kAdamW;
  } else if (dynamic_cast<::torch::optim::SGD*>(&optimizer) != nullptr) {
    kind = Kind::kSgd;
  } else {
    return absl::UnimplementedError(
        absl::StrCat("TrackedOptimizer tracks torch::optim::Adam, AdamW and "
                     "SGD; got ",
                     typeid(optimizer).name()));
  }
  std::unique_ptr<TrackedOptimizer> tracked(
      new TrackedOptimizer(optimizer, kind));
  auto& groups = optimizer.param_groups();
  for (size_t g = 0; g < groups.size(); ++g) {
    tracked->groups_.emplace_back(tracked.get(), g);
    const std::vector<at::Tensor>& params = groups[g].params();
    for (size_t i = 0; i < params.size(); ++i) {
      std::shared_ptr<TensorVariable> original;
      for (const TrackedModule* m : modules) {
        if (m != nullptr && (original = m->VariableFor(params[i]))) break;
      }
      if (original == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat(
            "TrackedOptimizer: parameter ", i, " of param group ", g,
            " (shape ", ShapeOf(params[i]).DebugString(),
            ") is not a parameter or buffer of the tracked modules"));
      }
      Param& p = tracked->params_.emplace_back();
      p.tensor = params[i];
      p.original = original;
      p.group = g;
      p.state_key = c10::guts::to_string(params[i].unsafeGetTensorImpl());
    }
  }
  return tracked;
}

std::vector<std::pair<const char*, ExternalVariable*>>
TrackedOptimizer::SlotsOf(Param& p) {
  ::torch::optim::OptimizerOptions& options =
      optimizer_.param_groups()[p.group].options();
  std::vector<std::pair<const char*, ExternalVariable*>> out;
  switch (kind_) {
    case Kind::kAdam:
    case Kind::kAdamW: {
      bool amsgrad = false;
      if (auto* o = dynamic_cast<::torch::optim::AdamOptions*>(&options)) {
        amsgrad = o->amsgrad();
      } else if (auto* w =
                     dynamic_cast<::torch::optim::AdamWOptions*>(&options)) {
        amsgrad = w->amsgrad();
      }
      out = {{"exp_avg", &p.exp_avg}, {"exp_avg_sq", &p.exp_avg_sq}};
      if (amsgrad) out.emplace_back("max_exp_avg_sq", &p.max_exp_avg_sq);
      out.emplace_back("step", &p.step);
      break;
    }
    case Kind::kSgd: {
      auto* o = dynamic_cast<::torch::optim::SGDOptions*>(&options);
      if (o != nullptr && o->momentum() != 0) {
        out = {{"momentum_buffer", &p.momentum_buffer}};
      }
      break;
    }
  }
  return out;
}

bool TrackedOptimizer::BindToState(Param& p) {
  auto& state = optimizer_.state();
  auto found = state.find(p.state_key);
  if (found == state.end() || found->second == nullptr) return false;
  ::torch::optim::OptimizerParamState* st = found->second.get();
  const auto bind_adam = [&p](auto* a) {  // AdamParamState, AdamWParamState
    p.exp_avg.Reset(a->exp_avg());
    p.exp_avg_sq.Reset(a->exp_avg_sq());
    p.max_exp_avg_sq.Reset(a->max_exp_avg_sq());
    BindField(p.step, &a->step());
  };
  if (auto* a = dynamic_cast<::torch::optim::AdamParamState*>(st)) {
    bind_adam(a);
  } else if (auto* w = dynamic_cast<::torch::optim::AdamWParamState*>(st)) {
    bind_adam(w);
  } else if (auto* s = dynamic_cast<::torch::optim::SGDParamState*>(st)) {
    p.momentum_buffer.Reset(s->momentum_buffer());
  } else {
    return false;
  }
  // Never leave a slot viewing a tensor the state no longer holds.
  for (TensorVariable* v : TensorSlots(p)) v->Refresh().IgnoreError();
  return true;
}

absl::Status TrackedOptimizer::CreateState(Param& p) {
  const at::Tensor zeros =
      at::zeros_like(p.tensor, at::MemoryFormat::Preserve).detach();
  ::torch::optim::OptimizerOptions& options =
      optimizer_.param_groups()[p.group].options();
  std::unique_ptr<::torch::optim::OptimizerParamState> state;
  int64_t* step = nullptr;
  // The state the optimizer's first step creates: zeros, step 0.
  if (kind_ == Kind::kAdam) {
    auto* o = dynamic_cast<::torch::optim::AdamOptions*>(&options);
    state = NewAdamState<::torch::optim::AdamParamState>(
        zeros, o != nullptr && o->amsgrad(), &step);
  } else if (kind_ == Kind::kAdamW) {
    auto* o = dynamic_cast<::torch::optim::AdamWOptions*>(&options);
    state = NewAdamState<::torch::optim::AdamWParamState>(
        zeros, o != nullptr && o->amsgrad(), &step);
  } else {
    auto sgd = std::make_unique<::torch::optim::SGDParamState>();
    sgd->momentum_buffer(zeros.clone());
    state = std::move(sgd);
  }
  optimizer_.state()[p.state_key] = std::move(state);
  // The waiting values go into it (Bind* delivers a value held while
  // unbound); if one does not fit, the state is dropped again.
  absl::Status first;
  if (step != nullptr) {
    first = p.step.BindWritable(DataType::kInt64, TensorShape(), step,
                                sizeof(*step));
  }
  BindToState(p);
  for (TensorVariable* v : TensorSlots(p)) {
    absl::Status s = v->Refresh();
    if (first.ok() && !s.ok()) first = s;
  }
  if (first.ok()) return absl::OkStatus();
  optimizer_.state().erase(p.state_key);
  ClearSlots(p);
  return absl::InvalidArgumentError(
      absl::StrCat("creating the optimizer state of a parameter of shape ",
                   ShapeOf(p.tensor).DebugString(), ": ", first.message()));
}

std::array<TensorVariable*, 4> TrackedOptimizer::TensorSlots(Param& p) {
  return {&p.exp_avg, &p.exp_avg_sq, &p.max_exp_avg_sq, &p.momentum_buffer};
}

void TrackedOptimizer::ClearSlots(Param& p) {
  for (TensorVariable* v : TensorSlots(p)) {
    v->Reset(at::Tensor());
    v->Unbind();
  }
  p.step.Unbind();
}

absl::Status TrackedOptimizer::AssignWaitingSlots() {
  if (!slots_error_.ok()) return slots_error_;
  bool asking = false;
  for (Param& p : params_) {
    if (optimizer_.state().count(p.state_key) != 0) continue;
    if (SlotsOf(p).empty()) continue;
    p.asking = true;
    ClearSlots(p);
    asking = true;
  }
  if (!asking) return absl::OkStatus();
  // A restore waiting on this optimizer assigns its slot values now, into
  // the unbound slots VisitSlots reports.
  absl::Status status = ChildrenChanged();
  for (Param& p : params_) {
    if (!p.asking) continue;
    p.asking = false;
    bool waiting = p.step.has_pending_value();
    for (TensorVariable* v : TensorSlots(p)) {
      waiting = waiting || v->has_pending_value();
    }
    if (!waiting || !status.ok()) {
      ClearSlots(p);  // the optimizer creates the state itself
      continue;
    }
    absl::Status s = CreateState(p);
    if (status.ok() && !s.ok()) status = s;
  }
  slots_error_ = status;
  return status;
}

absl::StatusOr<at::Tensor> TrackedOptimizer::Step(
    ::torch::optim::Optimizer::LossClosure closure) {
  if (absl::Status s = AssignWaitingSlots(); !s.ok()) return s;
  return optimizer_.step(std::move(closure));
}

void TrackedOptimizer::VisitSlots(SlotVisitor& visit) {
  for (Param& p : params_) {
    if (!p.asking && !BindToState(p)) continue;
    for (auto& [name, slot] : SlotsOf(p)) visit.Slot(name, *p.original, *slot);
  }
}

void TrackedOptimizer::VisitChildren(ChildVisitor& visit) {
  visit("param_groups", groups_);
}

void TrackedOptimizer::Group::VisitChildren(ChildVisitor& visit) {
  auto& groups = owner->optimizer_.param_groups();
  if (index >= groups.size()) return;
  ::torch::optim::OptimizerOptions& options = groups[index].options();
  const auto bind_betas = [this](std::tuple<double, double>* b) {
    betas
        .BindCopied(
            DataType::kDouble, TensorShape({2}),
            [b](absl::Span<char> out) {
              const double v[2] = {std::get<0>(*b), std::get<1>(*b)};
              std::memcpy(out.data(), v, sizeof(v));
              return absl::OkStatus();
            },
            [b](absl::string_view in) {
              double v[2];
              std::memcpy(v, in.data(), sizeof(v));
              *b = std::make_tuple(v[0], v[1]);
              return absl::OkStatus();
            })
        .IgnoreError();
  };
  const auto bind_adam = [&](auto* a) {  // AdamOptions, AdamWOptions
    BindField(lr, &a->lr());
    bind_betas(&a->betas());
    BindField(eps, &a->eps());
    BindField(weight_decay, &a->weight_decay());
    BindField(amsgrad, &a->amsgrad());
  };
  if (auto* a = dynamic_cast<::torch::optim::AdamOptions*>(&options)) {
    bind_adam(a);
  } else if (auto* w = dynamic_cast<::torch::optim::AdamWOptions*>(&options)) {
    bind_adam(w);
  } else if (auto* s = dynamic_cast<::torch::optim::SGDOptions*>(&options)) {
    BindField(lr, &s->lr());
    BindField(momentum, &s->momentum());
    BindField(dampening, &s->dampening());
    BindField(weight_decay, &s->weight_decay());
    BindField(nesterov, &s->nesterov());
    visit("lr", lr);
    visit("momentum", momentum);
    visit("dampening", dampening);
    visit("weight_decay", weight_decay);
    visit("nesterov", nesterov);
    return;
  } else {
    return;
  }
  visit("lr", lr);
  visit("betas", betas);
  visit("eps", eps);
  visit("weight_decay", weight_decay);
  visit("amsgrad", amsgrad);
}

}  // namespace ckpt::torch
