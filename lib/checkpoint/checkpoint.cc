// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Checkpoint: the root object of tf.train.Checkpoint (docs/format.md §12.1 for
// the root and save_counter, §13 for the `checkpoint` state file).
//
// Contract:
//   * Children are the tracked names in name order, then "save_counter" once
//     it exists. Tracking a name again replaces the child; the name
//     "save_counter", an empty name and an empty object are InvalidArgument.
//   * save_counter() is created on first use as an int64 scalar Variable
//     named "save_counter" (its TF1 full_name), like TensorFlow's lazily
//     created counter; creating it notifies waiting restorations.
//   * Save(p) increments save_counter, writes "p-<N>" and then replaces the
//     `checkpoint` state file of Dirname("p-<N>") with
//     model_checkpoint_path = all_model_checkpoint_paths = ["p-<N>"] (stored
//     relative to the directory, as TensorFlow 2 does). If the bundle cannot
//     be written, the counter is rolled back (nothing names the number). If
//     the state file cannot be written, it may or may not name "p-<N>" now
//     (a failed directory fsync after the rename): the number is burned, so
//     that no later save writes over a checkpoint the state file names.
//   * Write(p) writes exactly p and touches neither the counter nor the
//     state file.
//   * Restore(path) creates save_counter and restores; Read(path) does not
//     create it. A directory `path` is resolved through its state file's
//     model_checkpoint_path; anything else is used as a prefix.

#include "ckpt/checkpoint.h"

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "checkpoint/async_saver.h"
#include "checkpoint/checkpoint_state.h"
#include "checkpoint/save_plan.h"
#include "ckpt/communicator.h"
#include "ckpt/env.h"
#include "ckpt/status.h"
#include "ckpt/tensor.h"
#include "ckpt/trackable.h"
#include "util/env_or_default.h"
#include "util/errors.h"

namespace ckpt {
namespace {

constexpr char kSaveCounterName[] = "save_counter";

// The prefix named by `path`: the state file's newest checkpoint for a
// directory, `path` itself otherwise.
absl::StatusOr<std::string> ResolvePrefix(Env* env, const std::string& path) {
  absl::StatusOr<bool> is_dir = env->IsDirectory(path);
  if (!is_dir.ok()) {
    if (absl::IsNotFound(is_dir.status())) return path;
    return is_dir.status();
  }
  if (!*is_dir) return path;
  return LatestCheckpoint(path, env);
}

// The counter's value, checking that it still is an int64 scalar with room
// for one more save.
absl::StatusOr<int64_t> CounterValue(const Variable& counter) {
  if (counter.dtype() != DataType::kInt64 || counter.shape().rank() != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "save_counter must be an int64 scalar, not ",
        DataTypeName(counter.dtype()), " ", counter.shape().DebugString()));
  }
  const int64_t value = counter.flat<int64_t>()[0];
  if (value == std::numeric_limits<int64_t>::max()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "save_counter is ", value, ": no checkpoint number is left"));
  }
  return value;
}

}  // namespace

absl::StatusOr<std::string> LatestCheckpoint(const std::string& dir, Env* env) {
  env = EnvOrDefault(env);
  CKPT_ASSIGN_OR_RETURN(checkpoint::CheckpointState state,
                        checkpoint::ReadCheckpointState(env, dir));
  return state.model_checkpoint_path;
}

Checkpoint::Checkpoint() = default;
// The save in flight, if any, is waited for when async_ goes (the first
// member destroyed): its thread reads only what it owns.
Checkpoint::~Checkpoint() = default;

absl::Status Checkpoint::TrackRef(std::string name, ObjectRef ref,
                                  std::shared_ptr<void> owned) {
  if (name.empty()) {
    return absl::InvalidArgumentError("Checkpoint: empty child name");
  }
  if (name == kSaveCounterName) {
    return absl::InvalidArgumentError(
        "Checkpoint: the name 'save_counter' is reserved for the save counter");
  }
  if (ref.is_null()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Checkpoint: child ", QuoteForMessage(name), " is an empty object"));
  }
  children_.insert_or_assign(std::move(name), Child{ref, std::move(owned)});
  return ChildrenChanged();
}

void Checkpoint::VisitChildren(ChildVisitor& visit) {
  for (const auto& [name, child] : children_) visit.Visit(name, child.ref);
  if (save_counter_ != nullptr) visit(kSaveCounterName, *save_counter_);
}

Variable& Checkpoint::save_counter() {
  if (save_counter_ == nullptr) {
    save_counter_ = std::make_unique<Variable>(DataType::kInt64, TensorShape{});
    save_counter_->set_name(kSaveCounterName);
    // Errors are recorded in the RestoreStatus of the waiting restore.
    ChildrenChanged().IgnoreError();
  }
  return *save_counter_;
}

absl::StatusOr<std::string> Checkpoint::Save(const std::string& file_prefix,
                                             const SaveOptions& options) {
  return SaveNumbered(file_prefix, options, /*async=*/false);
}

absl::StatusOr<std::string> Checkpoint::SaveAsync(
    const std::string& file_prefix, const SaveOptions& options) {
  return SaveNumbered(file_prefix, options, /*async=*/true);
}

absl::StatusOr<std::string> Checkpoint::SaveNumbered(
    const std::string& file_prefix, const SaveOptions& options, bool async) {
  Communicator* comm = options.communicator;
  CKPT_RETURN_IF_ERROR(WaitForPrevious());
  Variable& counter = save_counter();
  absl::StatusOr<int64_t> counted = CounterValue(counter);
  if (comm != nullptr) {
    // Every rank goes on, or none (the prefixes are compared later).
    CKPT_RETURN_IF_ERROR(AgreeOnStatus(*comm, counted.status()));
  }
  CKPT_ASSIGN_OR_RETURN(const int64_t previous, std::move(counted));
  counter.mutable_flat<int64_t>()[0] = previous + 1;
  // Collective: every rank's counter gives the same prefix (the save checks
  // that the ranks agree on it).
  const std::string prefix = absl::StrCat(file_prefix, "-", previous + 1);
  Env* env = EnvOrDefault(options.env);
  auto update_state = [env, prefix, comm] {
    absl::Status s;
    if (comm == nullptr || comm->rank() == 0) {
      checkpoint::CheckpointState state;
      state.model_checkpoint_path = prefix;
      state.all_model_checkpoint_paths = {prefix};
      s = checkpoint::WriteCheckpointState(env, Dirname(prefix), state);
    }
    if (comm != nullptr) s = AgreeOnStatus(*comm, s);
    return Annotate(s, "updating the checkpoint state file");
  };
  // Asynchronously the state file is written on the background thread once
  // the files are durable.
  absl::Status status = async ? WriteAsync(prefix, options, update_state)
                              : Write(prefix, options);
  if (!status.ok()) {
    // Nothing was started, or nothing names the number: it may be used again.
    counter.mutable_flat<int64_t>()[0] = previous;
    return status;
  }
  // A failed state file update burns the number (see the file comment).
  if (!async) CKPT_RETURN_IF_ERROR(update_state());
  return prefix;
}

absl::Status Checkpoint::Write(const std::string& prefix,
                               const SaveOptions& options) {
  CKPT_RETURN_IF_ERROR(WaitForPrevious());
  return SaveObjectGraph(ObjectRef::Of(*this), prefix, options);
}

absl::Status Checkpoint::WaitForPrevious() {
  if (async_ == nullptr) return absl::OkStatus();
  absl::Status s = async_->Wait();
  return checkpoint::AsPreviousSaveError(s);
}

absl::Status Checkpoint::WriteAsync(const std::string& prefix,
                                    const SaveOptions& options,
                                    std::function<absl::Status()> after_write) {
  CKPT_RETURN_IF_ERROR(WaitForPrevious());
  absl::StatusOr<checkpoint::SavePlan> plan =
      checkpoint::PlanSave(ObjectRef::Of(*this), options);
  if (options.communicator != nullptr) {
    // Collective: every rank plans, and may run collectives in the
    // background, or no rank starts.
    absl::Status ready = plan.status();
    if (ready.ok()) ready = options.communicator->CheckBackgroundUse();
    CKPT_RETURN_IF_ERROR(AgreeOnStatus(*options.communicator, ready));
  }
  CKPT_RETURN_IF_ERROR(plan.status());
  if (async_ == nullptr) async_ = std::make_unique<checkpoint::AsyncSaver>();
  return async_->Start(*std::move(plan), prefix, options,
                       std::move(after_write));
}

absl::Status Checkpoint::Wait() {
  if (async_ == nullptr) return absl::OkStatus();
  return async_->Wait();
}

bool Checkpoint::save_in_flight() const {
  return async_ != nullptr && async_->in_flight();
}

absl::StatusOr<RestoreStatus> Checkpoint::Restore(
    const std::string& path, const RestoreOptions& options) {
  if (options.from.empty()) save_counter();
  return Read(path, options);
}

absl::StatusOr<RestoreStatus> Checkpoint::Read(const std::string& path,
                                               const RestoreOptions& options) {
  Env* env = EnvOrDefault(options.env);
  Communicator* comm = options.communicator;
  if (comm == nullptr) {
    CKPT_ASSIGN_OR_RETURN(const std::string prefix, ResolvePrefix(env, path));
    return RestoreObjectGraph(ObjectRef::Of(*this), prefix, options);
  }
  // Collective: the communicator is this call's alone (a save in flight
  // would run collectives on it too), and every rank restores the prefix
  // rank 0 resolves (the state file may change meanwhile).
  CKPT_RETURN_IF_ERROR(WaitForPrevious());
  CKPT_ASSIGN_OR_RETURN(
      const std::string prefix,
      BroadcastResult(*comm, 0,
                      comm->rank() == 0 ? ResolvePrefix(env, path)
                                        : absl::StatusOr<std::string>("")));
  return RestoreObjectGraph(ObjectRef::Of(*this), prefix, options);
}

}  // namespace ckpt
