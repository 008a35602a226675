// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// CheckpointManager with a communicator (docs/distributed.md, "A managed
// directory"): rank 0 owns the directory (its lock, start-up recovery, the
// metadata and state files, pruning) and decides every save; the other ranks
// follow its decisions and mirror its view of the kept checkpoints, which it
// broadcasts after every change. Each step ends in an agreement, so every
// rank returns the same status and calls the same collectives.

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "ckpt/checkpoint_manager.h"
#include "ckpt/communicator.h"
#include "ckpt/status.h"
#include "util/coding.h"
#include "util/errors.h"

namespace ckpt {
namespace {

void PutDouble(std::string* out, double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof(bits));
  PutFixed64(out, bits);
}

void PutString(std::string* out, absl::string_view s) {
  PutVarint64(out, s.size());
  out->append(s.data(), s.size());
}

// Reads what Put* wrote; false when `in` is too short or malformed.
class Reader {
 public:
  explicit Reader(absl::string_view in) : in_(in) {}
  bool Double(double* d) {
    if (in_.size() < 8) return false;
    const uint64_t bits = DecodeFixed64(in_.data());
    std::memcpy(d, &bits, sizeof(bits));
    in_.remove_prefix(8);
    return true;
  }
  bool Fixed64(uint64_t* v) {
    if (in_.size() < 8) return false;
    *v = DecodeFixed64(in_.data());
    in_.remove_prefix(8);
    return true;
  }
  bool Varint(uint64_t* v) { return GetVarint64(&in_, v); }
  bool String(std::string* s) {
    uint64_t n;
    if (!Varint(&n) || n > in_.size()) return false;
    s->assign(in_.data(), n);
    in_.remove_prefix(n);
    return true;
  }
  bool done() const { return in_.empty(); }

 private:
  absl::string_view in_;
};

absl::Status Malformed(absl::string_view what) {
  return absl::InternalError(
      absl::StrCat("CheckpointManager: malformed ", what, " from rank 0"));
}

// Rank 0's decision for one Save() (its failure travels as the status of
// BroadcastResult): not due, or the numbers.
struct SaveDecision {
  bool due = false;
  int64_t previous = 0;  // save_counter before the save
  int64_t number = 0;    // in the file name
  std::optional<int64_t> step;
};

std::string EncodeDecision(const SaveDecision& d) {
  std::string out;
  PutVarint64(&out, d.due ? 1 : 0);
  PutFixed64(&out, static_cast<uint64_t>(d.previous));
  PutFixed64(&out, static_cast<uint64_t>(d.number));
  PutVarint64(&out, d.step.has_value() ? 1 : 0);
  PutFixed64(&out, static_cast<uint64_t>(d.step.value_or(0)));
  return out;
}

absl::StatusOr<SaveDecision> DecodeDecision(absl::string_view in) {
  Reader r(in);
  uint64_t due, has_step, previous, number, step;
  if (!r.Varint(&due) || !r.Fixed64(&previous) || !r.Fixed64(&number) ||
      !r.Varint(&has_step) || !r.Fixed64(&step) || !r.done()) {
    return Malformed("save decision");
  }
  SaveDecision d;
  d.due = due != 0;
  d.previous = static_cast<int64_t>(previous);
  d.number = static_cast<int64_t>(number);
  if (has_step != 0) d.step = static_cast<int64_t>(step);
  return d;
}

}  // namespace

absl::Status CheckpointManager::OpenCollective() {
  Communicator& comm = *options_.communicator;
  const absl::Status opened =
      comm.rank() == 0 ? OpenDirectory() : absl::OkStatus();
  CKPT_RETURN_IF_ERROR(AgreeOnStatus(comm, opened));
  return ShareState();
}

absl::Status CheckpointManager::ShareState() {
  Communicator& comm = *options_.communicator;
  std::string mine;
  if (comm.rank() == 0) {
    std::lock_guard<std::mutex> lock(mu_);
    PutVarint64(&mine, latest_.has_value() ? 1 : 0);
    PutString(&mine, latest_.value_or(""));
    PutDouble(&mine, last_preserved_timestamp_);
    PutVarint64(&mine, last_checkpoint_step_.has_value() ? 1 : 0);
    PutFixed64(&mine, static_cast<uint64_t>(last_checkpoint_step_.value_or(0)));
    PutVarint64(&mine, entries_.size());
    for (const ManagedCheckpoint& e : entries_) {
      PutString(&mine, e.prefix);
      PutDouble(&mine, e.timestamp);
      PutVarint64(&mine, (e.metric.has_value() ? 1 : 0) | (e.pinned ? 2 : 0));
      PutDouble(&mine, e.metric.value_or(0));
    }
  }
  CKPT_ASSIGN_OR_RETURN(const std::string state, comm.Broadcast(0, mine));
  if (comm.rank() == 0) return absl::OkStatus();
  Reader r(state);
  uint64_t has_latest, has_step, count;
  std::string latest;
  double last_preserved;
  uint64_t step;
  if (!r.Varint(&has_latest) || !r.String(&latest) ||
      !r.Double(&last_preserved) || !r.Varint(&has_step) || !r.Fixed64(&step) ||
      !r.Varint(&count) || count > state.size()) {
    return Malformed("manager state");
  }
  std::vector<ManagedCheckpoint> entries(count);
  for (ManagedCheckpoint& e : entries) {
    uint64_t flags;
    double metric;
    if (!r.String(&e.prefix) || !r.Double(&e.timestamp) || !r.Varint(&flags) ||
        !r.Double(&metric)) {
      return Malformed("manager state");
    }
    if (flags & 1) e.metric = metric;
    e.pinned = (flags & 2) != 0;
  }
  if (!r.done()) return Malformed("manager state");
  last_preserved_timestamp_ = last_preserved;
  if (has_step != 0) {
    last_checkpoint_step_ = static_cast<int64_t>(step);
  } else {
    last_checkpoint_step_.reset();
  }
  std::optional<std::string> new_latest;
  if (has_latest != 0) new_latest = std::move(latest);
  SetState(std::move(entries), std::move(new_latest));
  return absl::OkStatus();
}

absl::Status CheckpointManager::CommitCollective(const std::string& prefix,
                                                 std::optional<double> metric,
                                                 std::optional<int64_t> step) {
  Communicator& comm = *options_.communicator;
  const absl::Status s =
      AgreeOnStatus(comm, comm.rank() == 0 ? CommitSaved(prefix, metric, step)
                                           : absl::OkStatus());
  CKPT_RETURN_IF_ERROR(ShareState());
  return s;
}

absl::StatusOr<std::string> CheckpointManager::DecideSave(
    const SaveArgs& args) {
  CKPT_RETURN_IF_ERROR(CheckMetric(args));
  CKPT_ASSIGN_OR_RETURN(const std::optional<int64_t> step, CurrentStep());
  SaveDecision d;
  if (args.check_interval && !IntervalElapsed(step)) {
    return EncodeDecision(d);  // not due
  }
  CKPT_ASSIGN_OR_RETURN(d.previous, CounterBeforeSave(args));
  d.due = true;
  d.number = args.checkpoint_number.value_or(d.previous + 1);
  d.step = step;
  return EncodeDecision(d);
}

absl::StatusOr<std::optional<std::string>> CheckpointManager::SaveCollective(
    const SaveArgs& args, bool async) {
  Communicator& comm = *options_.communicator;
  const bool root = comm.rank() == 0;
  // 1. Rank 0 decides: due or not, and the numbers.
  absl::StatusOr<std::string> decided = std::string();
  if (root) decided = DecideSave(args);
  CKPT_ASSIGN_OR_RETURN(const std::string bytes,
                        BroadcastResult(comm, 0, decided));
  CKPT_ASSIGN_OR_RETURN(const SaveDecision d, DecodeDecision(bytes));
  if (!d.due) return std::optional<std::string>();

  // 2. Every rank takes rank 0's counter; rank 0 stops naming a checkpoint
  // saved over; every rank writes its share.
  Variable& counter = checkpoint_->save_counter();
  CKPT_RETURN_IF_ERROR(AgreeOnStatus(
      comm, counter.dtype() == DataType::kInt64 && counter.shape().rank() == 0
                ? absl::OkStatus()
                : absl::FailedPreconditionError(
                      "CheckpointManager::Save: save_counter is not an int64 "
                      "scalar")));
  const int64_t before = counter.flat<int64_t>()[0];
  counter.mutable_flat<int64_t>()[0] = d.previous + 1;
  const std::string prefix = JoinPath(
      directory_, absl::StrCat(options_.checkpoint_name, "-", d.number));
  absl::Status s =
      AgreeOnStatus(comm, root ? StopNaming(prefix) : absl::OkStatus());
  // What StopNaming changed is every rank's before anything is written: a
  // write that fails in the background must not leave ranks with different
  // latest checkpoints.
  CKPT_RETURN_IF_ERROR(ShareState());
  const std::optional<double> metric = args.metric;
  const std::optional<int64_t> step = d.step;
  if (s.ok() && async) {
    // 3 (in the background, once the files are durable).
    s = checkpoint_->WriteAsync(prefix, ManagedSaveOptions(),
                                [this, prefix, metric, step] {
                                  return CommitCollective(prefix, metric, step);
                                });
  } else if (s.ok()) {
    s = checkpoint_->Write(prefix, ManagedSaveOptions());
  }
  if (!s.ok()) {
    // Nothing was started, or nothing names the number: the same on every
    // rank.
    counter.mutable_flat<int64_t>()[0] = before;
    CKPT_RETURN_IF_ERROR(ShareState());
    return s;
  }
  // 3. Rank 0 commits the state file and prunes; every rank mirrors it.
  if (!async) CKPT_RETURN_IF_ERROR(CommitCollective(prefix, metric, step));
  return std::optional<std::string>(prefix);
}

}  // namespace ckpt
