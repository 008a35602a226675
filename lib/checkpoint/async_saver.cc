// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// AsyncSaver (contract in checkpoint/async_saver.h): a std::thread per save,
// joined by Wait(); the plan and the callback move into the thread, the
// staging buffers stay with the saver for reuse.

#include "checkpoint/async_saver.h"

#include <functional>
#include <memory>
#include <string>
#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "checkpoint/collective_save.h"
#include "ckpt/communicator.h"
#include "ckpt/status.h"
#include "util/errors.h"
#include "util/parallel.h"

namespace ckpt {
namespace checkpoint {

AsyncSaver::~AsyncSaver() { Wait().IgnoreError(); }

absl::Status AsyncSaver::Run(const SavePlan& plan, const std::string& prefix,
                             const SaveOptions& options,
                             const std::function<absl::Status()>& after_write) {
  absl::Status s = Annotate(options.communicator != nullptr
                                ? WritePlanCollective(plan, prefix, options)
                                : WritePlan(plan, prefix, options),
                            absl::StrCat("asynchronous save of checkpoint ",
                                         QuoteForMessage(prefix)));
  if (s.ok() && after_write) s = after_write();
  // Collective: Wait() returns the same status on every rank, whatever
  // after_write (the caller's) returned on each.
  if (options.communicator != nullptr) {
    s = AgreeOnStatus(*options.communicator, s);
  }
  return s;
}

absl::Status AsyncSaver::Start(SavePlan plan, std::string prefix,
                               SaveOptions options,
                               std::function<absl::Status()> after_write) {
  CKPT_RETURN_IF_ERROR(Wait());
  // The snapshot: from here on the plan owns every value it writes. The
  // copy uses every core it may (up to 8), whatever num_threads says of the
  // shard files: it is the time the caller is blocked.
  absl::Status staged = staging_.Stage(plan, ResolveThreads(0));
  if (options.communicator != nullptr) {
    // Every rank starts its background half, or none does.
    staged = AgreeOnStatus(*options.communicator, staged);
  }
  CKPT_RETURN_IF_ERROR(staged);
  running_.store(true, std::memory_order_release);
  // Shared, so that the job survives a thread constructor that fails.
  auto job = std::make_shared<std::function<void()>>(
      [this, plan = std::move(plan), prefix = std::move(prefix),
       options = std::move(options), after_write = std::move(after_write)] {
        result_ = Run(plan, prefix, options, after_write);
        running_.store(false, std::memory_order_release);
      });
  try {
    worker_ = std::thread([job] { (*job)(); });
  } catch (const std::system_error&) {
    (*job)();  // no thread to be had: save on the calling thread
  }
  return absl::OkStatus();
}

absl::Status AsyncSaver::Wait() {
  if (worker_.joinable()) worker_.join();
  absl::Status result = std::move(result_);
  result_ = absl::OkStatus();
  return result;
}

absl::Status AsPreviousSaveError(const absl::Status& s) {
  if (s.ok()) return s;
  return absl::Status(
      s.code(), absl::StrCat("the previous asynchronous save failed (its error "
                             "is reported here because Wait() was not "
                             "called): ",
                             s.message()));
}

}  // namespace checkpoint
}  // namespace ckpt
