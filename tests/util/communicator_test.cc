// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Tests for lib/util/communicator.cc: the in-process communicator's
// collectives, timeouts, aborts and misuse, and AgreeOnStatus. Each rank runs
// on its own thread, as ranks of a real job run in their own processes.

#include "ckpt/communicator.h"

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "testing/test_util.h"

namespace ckpt {
namespace {

using Comms = std::vector<std::unique_ptr<Communicator>>;

Comms MakeComms(int n, absl::Duration timeout = absl::Seconds(30)) {
  absl::StatusOr<Comms> comms = NewLocalCommunicators(n, timeout);
  CKPT_REQUIRE_OK(comms);
  return *std::move(comms);
}

// Runs fn(rank, comm) on one thread per rank; the results by rank.
template <typename T>
std::vector<T> OnEveryRank(Comms& comms,
                           const std::function<T(Communicator&)>& fn) {
  std::vector<T> out(comms.size());
  std::vector<std::thread> threads;
  for (size_t r = 0; r < comms.size(); ++r) {
    threads.emplace_back([&, r] { out[r] = fn(*comms[r]); });
  }
  for (std::thread& t : threads) t.join();
  return out;
}

TEST_CASE("AllGather returns every rank's bytes in rank order, repeatedly") {
  const int n = GENERATE(1, 2, 4, 7);
  Comms comms = MakeComms(n);
  // 50 rounds: results of one round must not leak into the next.
  auto results =
      OnEveryRank<std::vector<std::string>>(comms, [](Communicator& c) {
        std::vector<std::string> seen;
        for (int round = 0; round < 50; ++round) {
          std::string mine = absl::StrCat(round, ":", c.rank());
          if (c.rank() == 1) mine.clear();  // empty contributions work
          if (c.rank() == 2 && round == 7) mine.assign(1 << 20, 'x');
          absl::StatusOr<std::vector<std::string>> all = c.AllGather(mine);
          if (!all.ok())
            return std::vector<std::string>{all.status().ToString()};
          std::string joined;
          for (const std::string& s : *all) {
            joined += s.size() > 100 ? absl::StrCat("big", s.size()) : s;
            joined += "|";
          }
          seen.push_back(joined);
        }
        return seen;
      });
  for (int r = 0; r < n; ++r) {
    REQUIRE(results[r].size() == 50);
    for (int round = 0; round < 50; ++round) {
      std::string expected;
      for (int s = 0; s < n; ++s) {
        if (s == 1) {
        } else if (s == 2 && round == 7) {
          expected += absl::StrCat("big", 1 << 20);
        } else {
          expected += absl::StrCat(round, ":", s);
        }
        expected += "|";
      }
      REQUIRE(results[r][round] == expected);
    }
  }
}

TEST_CASE("Broadcast delivers the root's bytes, a bad root is refused") {
  const int n = GENERATE(1, 3);
  Comms comms = MakeComms(n);
  // What each rank saw: the broadcasts, the refused root, the barrier after
  // it (Catch's macros are used on this thread only).
  struct Seen {
    std::string got;
    absl::Status bad_root, barrier;
  };
  auto results = OnEveryRank<Seen>(comms, [n](Communicator& c) {
    Seen seen;
    for (int root = 0; root < n; ++root) {
      absl::StatusOr<std::string> b =
          c.Broadcast(root, absl::StrCat("from ", c.rank()));
      seen.got += b.ok() ? *b : b.status().ToString();
      seen.got += ";";
    }
    seen.bad_root = c.Broadcast(n, "x").status();
    seen.barrier = c.Barrier();  // the refused call joined nothing
    return seen;
  });
  std::string expected;
  for (int root = 0; root < n; ++root)
    expected += absl::StrCat("from ", root, ";");
  for (const Seen& r : results) {
    REQUIRE(r.got == expected);
    CKPT_REQUIRE_ERROR(r.bad_root, absl::StatusCode::kInvalidArgument,
                       absl::StrCat("root ", n, " is not a rank of ", n));
    CKPT_REQUIRE_OK(r.barrier);
  }
}

TEST_CASE("AgreeOnStatus: OK everywhere, or the lowest failing rank's error") {
  Comms comms = MakeComms(4);
  auto ok = OnEveryRank<absl::Status>(comms, [](Communicator& c) {
    return AgreeOnStatus(c, absl::OkStatus());
  });
  for (const absl::Status& s : ok) CKPT_REQUIRE_OK(s);

  auto failed = OnEveryRank<absl::Status>(comms, [](Communicator& c) {
    absl::Status mine;
    if (c.rank() == 3) mine = absl::NotFoundError("three's file");
    if (c.rank() == 1) mine = absl::DataLossError("one's checksum");
    return AgreeOnStatus(c, mine);
  });
  for (const absl::Status& s : failed) {
    REQUIRE(s.code() == absl::StatusCode::kDataLoss);
    REQUIRE(s.message() == "rank 1: one's checksum");
  }
}

TEST_CASE("BroadcastResult: root's value, or root's failure, everywhere") {
  Comms comms = MakeComms(3);
  auto values = OnEveryRank<std::string>(comms, [](Communicator& c) {
    absl::StatusOr<std::string> v = BroadcastResult(
        c, 1,
        c.rank() == 1 ? absl::StatusOr<std::string>(std::string("x\0y", 3))
                      : absl::StatusOr<std::string>("ignored"));
    return v.ok() ? *v : v.status().ToString();
  });
  for (const std::string& v : values) REQUIRE(v == std::string("x\0y", 3));
  auto failures = OnEveryRank<absl::Status>(comms, [](Communicator& c) {
    return BroadcastResult(c, 2,
                           c.rank() == 2
                               ? absl::StatusOr<std::string>(
                                     absl::NotFoundError("no state file"))
                               : absl::StatusOr<std::string>(""))
        .status();
  });
  for (const absl::Status& s : failures) {
    REQUIRE(s.code() == absl::StatusCode::kNotFound);
    REQUIRE(s.message() == "rank 2: no state file");
  }
}

TEST_CASE("A rank that never joins: the others get DeadlineExceeded") {
  Comms comms = MakeComms(3, absl::Milliseconds(200));
  auto results = OnEveryRank<absl::Status>(comms, [](Communicator& c) {
    if (c.rank() == 2) return absl::OkStatus();  // never joins
    return c.Barrier();
  });
  for (int r : {0, 1}) {
    REQUIRE(results[r].code() == absl::StatusCode::kDeadlineExceeded);
    REQUIRE(absl::StrContains(results[r].message(),
                              "Barrier waited 200ms for 1 of 3 ranks"));
  }
  // The communicator is broken for good, on every rank.
  for (auto& c : comms) {
    REQUIRE(c->Barrier().code() == absl::StatusCode::kDeadlineExceeded);
  }
}

TEST_CASE("Abort on one rank ends the collectives of all, now and later") {
  Comms comms = MakeComms(3);
  auto results = OnEveryRank<absl::Status>(comms, [](Communicator& c) {
    if (c.rank() == 1) {
      absl::SleepFor(absl::Milliseconds(50));
      c.Abort(absl::ResourceExhaustedError("disk full on rank 1"));
      return c.Barrier();
    }
    return c.AllGather("x").status();
  });
  for (const absl::Status& s : results) {
    REQUIRE(s.code() == absl::StatusCode::kAborted);
    REQUIRE(absl::StrContains(
        s.message(),
        "rank 1 aborted the job: RESOURCE_EXHAUSTED: disk full on rank 1"));
  }
}

TEST_CASE("Ranks calling different collectives is an error on all of them") {
  Comms comms = MakeComms(2);
  auto results = OnEveryRank<absl::Status>(comms, [](Communicator& c) {
    if (c.rank() == 0) return c.Barrier();
    return c.AllGather("x").status();
  });
  for (const absl::Status& s : results) {
    REQUIRE(s.code() == absl::StatusCode::kInternal);
    REQUIRE(absl::StrContains(s.message(),
                              "rank 0 called Barrier (root -1), rank 1 "
                              "called AllGather (root -1)"));
  }
}

TEST_CASE("NewLocalCommunicators refuses bad arguments") {
  CKPT_REQUIRE_ERROR(NewLocalCommunicators(0),
                     absl::StatusCode::kInvalidArgument,
                     "n must be >= 1, got 0");
  CKPT_REQUIRE_ERROR(NewLocalCommunicators(2, absl::ZeroDuration()),
                     absl::StatusCode::kInvalidArgument,
                     "timeout must be positive, got 0");
}

}  // namespace
}  // namespace ckpt
