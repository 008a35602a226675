// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Process-level crash test: crash_writer saves checkpoints in a loop and is
// killed with SIGKILL at random moments (seeded; the seed is printed and can
// be set with CKPT_CRASH_SEED, the number of kills with CKPT_CRASH_KILLS),
// drawn over the time a writer takes to make three saves on this machine
// (measured first, so that a slow build or runner still sees saves commit).
// After every kill a restart must find the newest committed checkpoint, it
// must restore bit for bit, and every save the writer reported as successful
// must still be there (or be older than max_to_keep newer ones).

#include <fcntl.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "ckpt/checkpoint.h"
#include "ckpt/checkpoint_manager.h"
#include "crash_model.h"
#include "testing/test_util.h"

namespace ckpt {
namespace {

using ::ckpt::testing::CrashModel;
using ::ckpt::testing::TempDir;

uint64_t EnvNumber(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  uint64_t out;
  if (v != nullptr && absl::SimpleAtoi(v, &out)) return out;
  return fallback;
}

struct Run {
  std::string out;  // the writer's stdout
  int status = 0;   // waitpid status
};

// Starts crash_writer on `dir`, kills it after `delay_us` (if still running;
// never if `delay_us` < 0), and collects what it printed. `max_saves` > 0
// makes the writer stop by itself after that many saves.
Run RunAndKill(const std::string& dir, int64_t delay_us, int max_saves = 0) {
  const std::string saves = std::to_string(max_saves);
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::close(fds[0]);
    ::close(fds[1]);
    const int null = ::open("/dev/null", O_WRONLY);
    if (null >= 0) ::dup2(null, 2);  // the recovery log lines
    if (max_saves > 0) {
      ::execl(CKPT_CRASH_WRITER_PATH, CKPT_CRASH_WRITER_PATH, dir.c_str(),
              saves.c_str(), static_cast<char*>(nullptr));
    } else {
      ::execl(CKPT_CRASH_WRITER_PATH, CKPT_CRASH_WRITER_PATH, dir.c_str(),
              static_cast<char*>(nullptr));
    }
    ::_exit(127);
  }
  ::close(fds[1]);
  if (delay_us >= 0) {
    ::usleep(static_cast<useconds_t>(delay_us));
    ::kill(pid, SIGKILL);
  }
  Run run;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof(buf))) > 0) {
    run.out.append(buf, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  REQUIRE(::waitpid(pid, &run.status, 0) == pid);
  return run;
}

// The time a writer takes from its start to its third save here, at least
// 30 ms: kill moments are drawn over that window, so that whatever the
// machine (a sanitizer build, a slow disk, a loaded CI runner make it vary
// tenfold) some runs commit saves and many die in the middle of one.
int64_t KillWindowUs() {
  TempDir dir;
  const auto start = std::chrono::steady_clock::now();
  const Run run = RunAndKill(dir.path(), -1, 3);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  INFO("calibration writer output:\n" << run.out);
  REQUIRE(WIFEXITED(run.status));
  REQUIRE(WEXITSTATUS(run.status) == 0);
  REQUIRE(absl::StrContains(run.out, "saved 3 "));
  return std::max<int64_t>(
      30000,
      std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count());
}

TEST_CASE("kill -9 at random moments never loses a committed checkpoint") {
  const uint64_t seed = EnvNumber("CKPT_CRASH_SEED", 20261123);
  const uint64_t kills = EnvNumber("CKPT_CRASH_KILLS", 200);
  const int64_t window_us = KillWindowUs();
  std::cout << "manager_crash_test: seed " << seed << ", " << kills
            << " kills (CKPT_CRASH_SEED / CKPT_CRASH_KILLS) within "
            << window_us << " us of the start\n";
  std::mt19937_64 rng(seed);
  TempDir dir;
  int64_t committed = 0;  // newest save reported as successful
  std::string committed_prefix;
  int killed_mid_run = 0, restarts_with_progress = 0;
  int temp_cleanups = 0, unreported_commits = 0;
  for (uint64_t k = 0; k < kills; ++k) {
    INFO("kill " << k << ", seed " << seed);
    const int64_t delay =
        static_cast<int64_t>(rng() % static_cast<uint64_t>(window_us));
    Run run = RunAndKill(dir.path(), delay);
    INFO("writer output:\n" << run.out);
    if (WIFSIGNALED(run.status)) {
      REQUIRE(WTERMSIG(run.status) == SIGKILL);
      ++killed_mid_run;
    } else {
      FAIL("crash_writer exited by itself with status "
           << WEXITSTATUS(run.status));
    }
    int64_t reported = committed;
    for (absl::string_view line : absl::StrSplit(run.out, '\n')) {
      std::vector<std::string> f = absl::StrSplit(line, ' ');
      if (f.size() == 3 && f[0] == "saved") {
        REQUIRE(absl::SimpleAtoi(f[1], &reported));
        committed_prefix = f[2];
      }
    }
    if (reported > committed) ++restarts_with_progress;
    committed = reported;

    // Restart: the newest checkpoint restores bit for bit and is at least
    // the last save reported (one more may have committed unreported).
    CrashModel model;
    Checkpoint checkpoint;
    CKPT_REQUIRE_OK(checkpoint.Track("model", model));
    CheckpointManagerOptions options;
    options.max_to_keep = 3;
    options.log = [](const std::string&) {};
    absl::StatusOr<std::unique_ptr<CheckpointManager>> manager =
        CheckpointManager::Create(&checkpoint, dir.path(), options);
    CKPT_REQUIRE_OK(manager);
    for (const std::string& line : (*manager)->recovery_log()) {
      INFO(line);
      REQUIRE_FALSE(absl::StrContains(line, "dropping"));
      if (absl::StrContains(line, "stale temporary file")) ++temp_cleanups;
    }
    REQUIRE((*manager)->checkpoints().size() <= 3);
    if (committed == 0) {
      if (!(*manager)->latest_checkpoint()) continue;
    } else {
      REQUIRE((*manager)->latest_checkpoint().has_value());
    }
    absl::StatusOr<CheckpointManager::Restored> restored =
        (*manager)->RestoreOrInitialize();
    CKPT_REQUIRE_OK(restored);
    CKPT_REQUIRE_OK(restored->status->AssertConsumed());
    const int64_t n = model.Consistent();
    REQUIRE(n >= committed);
    REQUIRE(n <= committed + 1);
    if (n == committed + 1) ++unreported_commits;  // killed after the commit
    REQUIRE(*restored->prefix == dir.Join(absl::StrCat("ckpt-", n)));
    if (committed > 0) {
      // The last reported save is still kept (at most one newer exists).
      const std::vector<std::string> kept = (*manager)->checkpoints();
      REQUIRE(std::find(kept.begin(), kept.end(), committed_prefix) !=
              kept.end());
    }
    for (const std::string& prefix : (*manager)->checkpoints()) {
      INFO(prefix);
      CKPT_REQUIRE_OK(VerifyCheckpoint(Env::Default(), prefix));
    }
    committed = n;  // the next writer continues from what is there
    committed_prefix = *restored->prefix;
  }
  std::cout << "manager_crash_test: " << killed_mid_run << " kills, "
            << restarts_with_progress << " runs made progress, "
            << temp_cleanups << " temp files of killed saves removed, "
            << unreported_commits
            << " saves committed but killed before reporting, newest "
            << committed << "\n";
  REQUIRE(restarts_with_progress > 0);
}

}  // namespace
}  // namespace ckpt
