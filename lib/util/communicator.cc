// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// AgreeOnStatus and the in-process communicator (contract in
// ckpt/communicator.h).
//
// The local group is a reusable rendezvous: collective number g completes
// when all n ranks have deposited their contribution; the last one to arrive
// moves the contributions into `result` and advances the generation, which
// wakes the others. `result` of g is replaced only when g+1 completes, which
// needs every rank to have returned from g first, so no rank reads a result
// that is being replaced.

#include "ckpt/communicator.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "ckpt/status.h"
#include "util/coding.h"
#include "util/mutex.h"

namespace ckpt {
namespace {

// A status as bytes: fixed32 code, then the message.
std::string EncodeStatus(const absl::Status& s) {
  std::string out;
  PutFixed32(&out, static_cast<uint32_t>(s.code()));
  out.append(s.message().data(), s.message().size());
  return out;
}

absl::Status DecodeStatus(absl::string_view bytes, int rank) {
  if (bytes.size() < 4) {
    return absl::InternalError(
        absl::StrCat("collective: rank ", rank, " sent ", bytes.size(),
                     " bytes, fewer than a status code"));
  }
  const uint32_t code = DecodeFixed32(bytes.data());
  if (code > static_cast<uint32_t>(absl::StatusCode::kUnauthenticated)) {
    return absl::InternalError(
        absl::StrCat("collective: rank ", rank, " sent status code ", code));
  }
  return absl::Status(static_cast<absl::StatusCode>(code), bytes.substr(4));
}

enum class Kind { kAllGather, kBroadcast, kBarrier };

const char* KindName(Kind k) {
  switch (k) {
    case Kind::kAllGather:
      return "AllGather";
    case Kind::kBroadcast:
      return "Broadcast";
    case Kind::kBarrier:
      return "Barrier";
  }
  return "?";
}

// State shared by the n communicators of one local group.
class LocalGroup {
 public:
  LocalGroup(int n, absl::Duration timeout)
      : n_(n), timeout_(timeout), slots_(n), kinds_(n), roots_(n) {}

  int size() const { return n_; }

  // Deposits rank's contribution to the current collective and waits for the
  // others; every rank's contribution, indexed by rank.
  absl::StatusOr<std::vector<std::string>> Join(int rank, Kind kind, int root,
                                                absl::string_view data) {
    MutexLock lock(&mu_);
    if (!broken_.ok()) return broken_;
    const uint64_t generation = generation_;
    slots_[static_cast<size_t>(rank)].assign(data.data(), data.size());
    kinds_[static_cast<size_t>(rank)] = kind;
    roots_[static_cast<size_t>(rank)] = root;
    if (++arrived_ == n_) {
      CheckAgreement();
      if (!broken_.ok()) {
        cv_.SignalAll();
        return broken_;
      }
      result_.swap(slots_);
      slots_.resize(static_cast<size_t>(n_));
      arrived_ = 0;
      ++generation_;
      cv_.SignalAll();
      return result_;
    }
    const auto deadline =
        std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(timeout_);
    while (generation_ == generation && broken_.ok()) {
      if (!cv_.WaitUntil(&mu_, deadline) && generation_ == generation &&
          broken_.ok()) {
        broken_ = absl::DeadlineExceededError(
            absl::StrCat("rank ", rank, ": ", KindName(kind), " waited ",
                         absl::FormatDuration(timeout_), " for ", n_ - arrived_,
                         " of ", n_, " ranks"));
        cv_.SignalAll();
      }
    }
    if (generation_ == generation) return broken_;
    return result_;
  }

  void Abort(int rank, const absl::Status& why) {
    MutexLock lock(&mu_);
    if (broken_.ok()) {
      broken_ = absl::AbortedError(absl::StrCat(
          "rank ", rank, " aborted the job: ",
          why.ok()
              ? absl::Status(absl::StatusCode::kUnknown, "no reason").ToString()
              : why.ToString()));
    }
    cv_.SignalAll();
  }

 private:
  // Every rank must have called the same collective with the same root.
  void CheckAgreement() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    for (int r = 1; r < n_; ++r) {
      if (kinds_[r] != kinds_[0] || roots_[r] != roots_[0]) {
        broken_ = absl::InternalError(absl::StrCat(
            "ranks disagree on the collective: rank 0 called ",
            KindName(kinds_[0]), " (root ", roots_[0], "), rank ", r,
            " called ", KindName(kinds_[r]), " (root ", roots_[r], ")"));
        return;
      }
    }
  }

  const int n_;
  const absl::Duration timeout_;
  Mutex mu_;
  CondVar cv_;
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  int arrived_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::string> slots_ ABSL_GUARDED_BY(mu_);
  std::vector<Kind> kinds_ ABSL_GUARDED_BY(mu_);
  std::vector<int> roots_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> result_ ABSL_GUARDED_BY(mu_);
  absl::Status broken_ ABSL_GUARDED_BY(mu_);
};

class LocalCommunicator : public Communicator {
 public:
  LocalCommunicator(std::shared_ptr<LocalGroup> group, int rank)
      : group_(std::move(group)), rank_(rank) {}

  int rank() const override { return rank_; }
  int size() const override { return group_->size(); }

  absl::StatusOr<std::vector<std::string>> AllGather(
      absl::string_view mine) override {
    return group_->Join(rank_, Kind::kAllGather, -1, mine);
  }

  absl::StatusOr<std::string> Broadcast(int root,
                                        absl::string_view data) override {
    if (root < 0 || root >= size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("Broadcast: root ", root, " is not a rank of ", size()));
    }
    absl::StatusOr<std::vector<std::string>> all =
        group_->Join(rank_, Kind::kBroadcast, root,
                     rank_ == root ? data : absl::string_view());
    if (!all.ok()) return all.status();
    return std::move((*all)[static_cast<size_t>(root)]);
  }

  absl::Status Barrier() override {
    return group_->Join(rank_, Kind::kBarrier, -1, "").status();
  }

  void Abort(const absl::Status& why) override { group_->Abort(rank_, why); }

 private:
  std::shared_ptr<LocalGroup> group_;
  const int rank_;
};

}  // namespace

absl::Status AgreeOnStatus(Communicator& comm, const absl::Status& mine) {
  absl::StatusOr<std::vector<std::string>> all =
      comm.AllGather(EncodeStatus(mine));
  if (!all.ok()) return all.status();
  if (all->size() != static_cast<size_t>(comm.size())) {
    return absl::InternalError(absl::StrCat("AgreeOnStatus: ", all->size(),
                                            " answers from ", comm.size(),
                                            " ranks"));
  }
  for (size_t r = 0; r < all->size(); ++r) {
    absl::Status s = DecodeStatus((*all)[r], static_cast<int>(r));
    if (s.ok()) continue;
    return absl::Status(s.code(), absl::StrCat("rank ", r, ": ", s.message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> BroadcastResult(
    Communicator& comm, int root, const absl::StatusOr<std::string>& value) {
  std::string mine;
  if (comm.rank() == root) {
    // A failure: its code and message; a value: code 0, then the value.
    mine = EncodeStatus(value.status());
    if (value.ok()) mine.append(*value);
  }
  CKPT_ASSIGN_OR_RETURN(std::string got, comm.Broadcast(root, mine));
  // Code 0 (OK): the value follows; else root's failure (or Internal for
  // malformed bytes).
  const absl::Status failure = DecodeStatus(got, root);
  if (failure.ok()) return got.substr(4);
  return absl::Status(failure.code(),
                      absl::StrCat("rank ", root, ": ", failure.message()));
}

absl::StatusOr<std::vector<std::unique_ptr<Communicator>>>
NewLocalCommunicators(int n, absl::Duration timeout) {
  if (n < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("NewLocalCommunicators: n must be >= 1, got ", n));
  }
  if (timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("NewLocalCommunicators: timeout must be positive, got ",
                     absl::FormatDuration(timeout)));
  }
  auto group = std::make_shared<LocalGroup>(n, timeout);
  std::vector<std::unique_ptr<Communicator>> out;
  out.reserve(static_cast<size_t>(n));
  for (int r = 0; r < n; ++r) {
    out.push_back(std::make_unique<LocalCommunicator>(group, r));
  }
  return out;
}

}  // namespace ckpt
