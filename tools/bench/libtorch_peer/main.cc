// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// libtorch_peer: the libtorch (C++ PyTorch) peer of the ckpt benchmark.
//
//   libtorch_peer --workloads FILE --dir DIR --out FILE [--runs N]
//                 [--only a,b] [--max-seconds S] [--seed N]
//
// For every workload of kind "tensors" in FILE (written by
// `ckpt_perf --workloads-out`), the tensors are made once with
// torch::manual_seed + torch::randn (float32, written hence pre-touched),
// then two ops are measured, system "libtorch":
//   * "save": a torch::serialize::OutputArchive, archive.write("t<i>", t)
//     for every tensor, archive.save_to(DIR/file). The file is deleted
//     (untimed, after a sync(2)) before every run. No fsync (libtorch
//     never syncs).
//   * "load": InputArchive::load_from of the file written by the last save
//     run, then archive.read("t<i>", t) of every tensor; the tensors are
//     kept alive until the clock stops and freed after it.
// Each op: one untimed warm-up, then the median of --runs N (default 3).
// peak_rss_delta_bytes: /proc/self/clear_refs "5" resets VmHWM before each
// run; VmHWM after minus VmRSS before, max over runs (null when clear_refs
// is not writable).
//
// Caps (libtorch archives grow quadratically in tensor count: every write
// and read looks the name up linearly in the module's attribute list):
//   * A run longer than --max-seconds (default 120) ends the op: the
//     remaining runs are not run and "note" says so. A warm-up longer than
//     the cap becomes the only (cold) run.
//   * In a series (count_1k < count_10k < count_100k by tensors,
//     small_5k < small_100k by tensors, bytes_64m < bytes_256m < bytes_1g by
//     bytes), a workload is skipped for an op when the smaller members
//     predict more than --max-seconds: t = a*n + b*n^2 (a, b >= 0) through
//     the two largest measured smaller members, or linear from one. The
//     record then has "skipped": "too slow: <what was measured>" and
//     "seconds": null.
// Output: the results JSON of docs/performance.md ("Data files"), producer
// "libtorch_peer", rewritten after every record so a killed run keeps what
// it measured.

#include <fcntl.h>
#include <sched.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

#ifndef LIBTORCH_PEER_TORCH_VERSION
#define LIBTORCH_PEER_TORCH_VERSION "unknown"
#endif

namespace {

// ---------------------------------------------------------------------------
// A small JSON reader (workloads.json only) and writer helpers.

struct Json {
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
  Type type = Type::kNull;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<Json> array;
  std::vector<std::pair<std::string, Json>> object;

  const Json* Get(const std::string& key) const {
    for (const auto& [k, v] : object) {
      if (k == key) return &v;
    }
    return nullptr;
  }
};

class JsonParser {
 public:
  explicit JsonParser(const std::string& text) : s_(text) {}

  Json Parse() {
    Json value = Value();
    SkipSpace();
    if (pos_ != s_.size()) Fail("trailing characters");
    return value;
  }

 private:
  [[noreturn]] void Fail(const std::string& what) const {
    throw std::runtime_error("workloads JSON: " + what + " at offset " +
                             std::to_string(pos_));
  }
  void SkipSpace() {
    while (pos_ < s_.size() && std::strchr(" \t\r\n", s_[pos_]) != nullptr &&
           s_[pos_] != '\0') {
      ++pos_;
    }
  }
  bool Consume(const char* word) {
    const size_t n = std::strlen(word);
    if (s_.compare(pos_, n, word) == 0) {
      pos_ += n;
      return true;
    }
    return false;
  }
  Json Value() {
    SkipSpace();
    if (pos_ >= s_.size()) Fail("unexpected end");
    Json v;
    const char c = s_[pos_];
    if (c == '{') {
      v.type = Json::Type::kObject;
      ++pos_;
      SkipSpace();
      if (pos_ < s_.size() && s_[pos_] == '}') {
        ++pos_;
        return v;
      }
      while (true) {
        SkipSpace();
        if (pos_ >= s_.size() || s_[pos_] != '"') Fail("expected a key");
        std::string key = String();
        SkipSpace();
        if (pos_ >= s_.size() || s_[pos_] != ':') Fail("expected ':'");
        ++pos_;
        v.object.emplace_back(std::move(key), Value());
        SkipSpace();
        if (pos_ < s_.size() && s_[pos_] == ',') {
          ++pos_;
          continue;
        }
        if (pos_ < s_.size() && s_[pos_] == '}') {
          ++pos_;
          return v;
        }
        Fail("expected ',' or '}'");
      }
    }
    if (c == '[') {
      v.type = Json::Type::kArray;
      ++pos_;
      SkipSpace();
      if (pos_ < s_.size() && s_[pos_] == ']') {
        ++pos_;
        return v;
      }
      while (true) {
        v.array.push_back(Value());
        SkipSpace();
        if (pos_ < s_.size() && s_[pos_] == ',') {
          ++pos_;
          continue;
        }
        if (pos_ < s_.size() && s_[pos_] == ']') {
          ++pos_;
          return v;
        }
        Fail("expected ',' or ']'");
      }
    }
    if (c == '"') {
      v.type = Json::Type::kString;
      v.string = String();
      return v;
    }
    if (Consume("true")) {
      v.type = Json::Type::kBool;
      v.boolean = true;
      return v;
    }
    if (Consume("false")) {
      v.type = Json::Type::kBool;
      return v;
    }
    if (Consume("null")) return v;
    const char* begin = s_.c_str() + pos_;
    char* end = nullptr;
    v.number = std::strtod(begin, &end);
    if (end == begin) Fail("unexpected character");
    v.type = Json::Type::kNumber;
    pos_ += static_cast<size_t>(end - begin);
    return v;
  }
  std::string String() {
    ++pos_;  // opening quote
    std::string out;
    while (pos_ < s_.size() && s_[pos_] != '"') {
      char c = s_[pos_++];
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= s_.size()) Fail("bad escape");
      c = s_[pos_++];
      switch (c) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'u': {
          if (pos_ + 4 > s_.size()) Fail("bad \\u escape");
          const unsigned code = static_cast<unsigned>(
              std::stoul(s_.substr(pos_, 4), nullptr, 16));
          pos_ += 4;
          // Names in workloads.json are ASCII; keep anything else as '?'.
          out += code < 0x80 ? static_cast<char>(code) : '?';
          break;
        }
        default: out += c; break;  // \" \\ \/
      }
    }
    if (pos_ >= s_.size()) Fail("unterminated string");
    ++pos_;  // closing quote
    return out;
  }

  const std::string& s_;
  size_t pos_ = 0;
};

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string JsonNumber(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

// ---------------------------------------------------------------------------
// Process memory: /proc/self/clear_refs and /proc/self/status.

// Resets VmHWM to the current RSS; false when clear_refs is not writable.
bool ResetPeakRss() {
  const int fd = ::open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::write(fd, "5", 1) == 1;
  ::close(fd);
  return ok;
}

// A "Vm...:  N kB" field of /proc/self/status, in bytes; -1 if absent.
int64_t StatusBytes(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const size_t n = std::strlen(field);
  while (std::getline(in, line)) {
    if (line.compare(0, n, field) == 0 && line.size() > n &&
        line[n] == ':') {
      return std::strtoll(line.c_str() + n + 1, nullptr, 10) * 1024;
    }
  }
  return -1;
}

// ---------------------------------------------------------------------------
// Workloads and records.

struct Workload {
  std::string name;
  std::string kind;
  std::string dtype;
  std::vector<std::vector<int64_t>> shapes;
};

struct Record {
  std::string workload;
  std::string op;
  int64_t bytes = 0;
  int64_t tensors = 0;
  std::optional<double> seconds;
  std::vector<double> runs;
  std::optional<int64_t> peak_rss_delta_bytes;
  std::string skipped;  // empty: not skipped
  std::string note;     // empty: none
};

std::vector<Workload> ReadWorkloads(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  const Json root = JsonParser(text).Parse();
  const Json* list = root.Get("workloads");
  if (list == nullptr || list->type != Json::Type::kArray) {
    throw std::runtime_error(path + ": no \"workloads\" array");
  }
  std::vector<Workload> out;
  for (const Json& w : list->array) {
    Workload wl;
    if (const Json* v = w.Get("name")) wl.name = v->string;
    if (const Json* v = w.Get("kind")) wl.kind = v->string;
    if (const Json* v = w.Get("dtype")) wl.dtype = v->string;
    if (const Json* v = w.Get("shapes")) {
      for (const Json& shape : v->array) {
        std::vector<int64_t> dims;
        for (const Json& d : shape.array) {
          dims.push_back(static_cast<int64_t>(d.number));
        }
        wl.shapes.push_back(std::move(dims));
      }
    }
    out.push_back(std::move(wl));
  }
  return out;
}

struct Host {
  int cpus = 0;
  int64_t mem_bytes = 0;
  std::string kernel;
  std::string notes;
};

Host DescribeHost() {
  Host h;
  cpu_set_t set;
  CPU_ZERO(&set);
  h.cpus = sched_getaffinity(0, sizeof set, &set) == 0
               ? CPU_COUNT(&set)
               : static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
  std::ifstream mem("/proc/meminfo");
  std::string line;
  while (std::getline(mem, line)) {
    if (line.rfind("MemTotal:", 0) == 0) {
      h.mem_bytes = std::strtoll(line.c_str() + 9, nullptr, 10) * 1024;
    }
  }
  utsname u{};
  if (uname(&u) == 0) {
    h.kernel = std::string(u.sysname) + " " + u.release + " " + u.machine;
  }
  h.notes = std::string("libtorch ") + LIBTORCH_PEER_TORCH_VERSION +
            " (torch::serialize::OutputArchive/InputArchive, a TorchScript "
            "zip); intra-op threads " +
            std::to_string(torch::get_num_threads()) +
            "; no fsync: libtorch_peer never syncs its files (the ckpt "
            "'save' op is durable, compare with limit write_crc_fsync)";
  return h;
}

void WriteResults(const std::string& path, const Host& host,
                  const std::vector<Record>& records) {
  std::string s = "{\"producer\": \"libtorch_peer\",\n \"host\": {";
  s += "\"cpus\": " + std::to_string(host.cpus);
  s += ", \"mem_bytes\": " + std::to_string(host.mem_bytes);
  s += ", \"kernel\": " + JsonString(host.kernel);
  s += ", \"notes\": " + JsonString(host.notes) + "},\n \"results\": [";
  for (size_t i = 0; i < records.size(); ++i) {
    const Record& r = records[i];
    s += i == 0 ? "\n  " : ",\n  ";
    s += "{\"workload\": " + JsonString(r.workload);
    s += ", \"system\": \"libtorch\", \"op\": " + JsonString(r.op);
    s += ", \"bytes\": " + std::to_string(r.bytes);
    s += ", \"tensors\": " + std::to_string(r.tensors);
    s += ", \"seconds\": " + (r.seconds ? JsonNumber(*r.seconds) : "null");
    s += ", \"runs\": [";
    for (size_t j = 0; j < r.runs.size(); ++j) {
      s += (j ? ", " : "") + JsonNumber(r.runs[j]);
    }
    s += "], \"peak_rss_delta_bytes\": ";
    s += r.peak_rss_delta_bytes ? std::to_string(*r.peak_rss_delta_bytes)
                                : "null";
    if (!r.skipped.empty()) s += ", \"skipped\": " + JsonString(r.skipped);
    if (!r.note.empty()) s += ", \"note\": " + JsonString(r.note);
    s += "}";
  }
  s += "\n ]}\n";
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << s;
    if (!out) throw std::runtime_error("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    throw std::runtime_error("cannot rename " + tmp + " to " + path);
  }
}

// ---------------------------------------------------------------------------
// Timing.

using Clock = std::chrono::steady_clock;

struct Options {
  std::string workloads;
  std::string dir;
  std::string out;
  int runs = 3;
  double max_seconds = 120;
  std::vector<std::string> only;
  uint64_t seed = 20261123;
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string Secs(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g s", s);
  return buf;
}

// One untimed warm-up, then `runs` timed runs of `op`; `prepare` and
// `cleanup` run untimed around each run. Fills runs, seconds, peak and note.
void Measure(const Options& opt, const std::function<void()>& prepare,
             const std::function<void()>& op,
             const std::function<void()>& cleanup, Record& rec) {
  const auto one = [&](std::optional<int64_t>& peak) {
    // Untimed: dirty pages out first (sync(2)), then `prepare` (which
    // removes the previous file) right before the clock starts, the order
    // ckpt_perf and peers.py use.
    ::sync();
    prepare();
    const bool can_reset = ResetPeakRss();
    const int64_t rss_before = StatusBytes("VmRSS");
    const auto start = Clock::now();
    op();
    const std::chrono::duration<double> d = Clock::now() - start;
    const int64_t hwm = StatusBytes("VmHWM");
    cleanup();
    peak.reset();
    if (can_reset && rss_before >= 0 && hwm >= 0) peak = hwm - rss_before;
    return d.count();
  };
  std::optional<int64_t> peak;
  const double warm = one(peak);
  if (warm > opt.max_seconds) {
    rec.runs = {warm};
    rec.seconds = warm;
    rec.peak_rss_delta_bytes = peak;
    rec.note = "warm-up took " + Secs(warm) + " > --max-seconds " +
               Secs(opt.max_seconds) +
               ": it is the only (cold) run; " + std::to_string(opt.runs) +
               " timed runs skipped";
    return;
  }
  bool have_peak = true;
  int64_t max_peak = 0;
  for (int i = 0; i < opt.runs; ++i) {
    const double t = one(peak);
    rec.runs.push_back(t);
    if (peak) {
      max_peak = std::max(max_peak, *peak);
    } else {
      have_peak = false;
    }
    if (t > opt.max_seconds && i + 1 < opt.runs) {
      rec.note = "run " + std::to_string(i + 1) + " took " + Secs(t) +
                 " > --max-seconds " + Secs(opt.max_seconds) +
                 ": remaining " + std::to_string(opt.runs - i - 1) +
                 " runs skipped";
      break;
    }
  }
  rec.seconds = Median(rec.runs);
  if (have_peak) rec.peak_rss_delta_bytes = max_peak;
}

// ---------------------------------------------------------------------------
// Series caps.

// The series a workload belongs to and its size along it (tensors or bytes);
// empty series when it belongs to none.
std::pair<std::string, double> SeriesOf(const std::string& name,
                                        int64_t bytes, int64_t tensors) {
  for (const char* prefix : {"count_", "small_"}) {
    if (name.rfind(prefix, 0) == 0) {
      return {prefix, static_cast<double>(tensors)};
    }
  }
  if (name.rfind("bytes_", 0) == 0) {
    return {"bytes_", static_cast<double>(bytes)};
  }
  return {"", 0};
}

struct SeriesPoint {
  std::string workload;
  double size = 0;
  std::optional<double> seconds;  // nullopt: skipped as too slow
};

// Why `op` of a workload of `size` in a series should be skipped, given
// the smaller members measured so far; empty when it should run.
std::string TooSlow(const std::vector<SeriesPoint>& points, double size,
                    const std::string& op, double max_seconds) {
  std::vector<SeriesPoint> smaller;
  for (const SeriesPoint& p : points) {
    if (p.size < size) smaller.push_back(p);
  }
  if (smaller.empty()) return "";
  std::sort(smaller.begin(), smaller.end(),
            [](const SeriesPoint& a, const SeriesPoint& b) {
              return a.size < b.size;
            });
  const SeriesPoint& last = smaller.back();
  if (!last.seconds) {
    return "too slow: " + op + " of the smaller " + last.workload +
           " was already skipped as too slow";
  }
  double predicted = *last.seconds * size / last.size;
  std::string how = "linear from " + last.workload;
  if (smaller.size() >= 2 && smaller[smaller.size() - 2].seconds) {
    // t = a*n + b*n^2 through the two largest smaller members: libtorch's
    // linear name lookups make it convex in log-log, so a fitted power law
    // would underestimate.
    const SeriesPoint& prev = smaller[smaller.size() - 2];
    const double n1 = prev.size, t1 = *prev.seconds;
    const double n2 = last.size, t2 = *last.seconds;
    const double b = (t2 / n2 - t1 / n1) / (n2 - n1);
    const double a = t1 / n1 - b * n1;
    if (b > 0 && a >= 0) {
      predicted = a * size + b * size * size;
      how = "a*n + b*n^2 through " + prev.workload + " and " + last.workload;
    } else if (b > 0) {
      predicted = t2 * (size / n2) * (size / n2);
      how = "quadratic from " + last.workload;
    }
  }
  if (predicted <= max_seconds) return "";
  return "too slow: " + op + " of " + last.workload + " took " +
         Secs(*last.seconds) + "; predicted " + Secs(predicted) + " (" +
         how + ") > --max-seconds " + Secs(max_seconds);
}

// ---------------------------------------------------------------------------

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr,
               "libtorch_peer: %s\nusage: libtorch_peer --workloads FILE "
               "--dir DIR --out FILE [--runs N] [--only a,b] "
               "[--max-seconds S] [--seed N]\n",
               why);
  std::exit(2);
}

Options ParseArgs(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto value = [&]() -> std::string {
      const size_t eq = a.find('=');
      if (eq != std::string::npos) return a.substr(eq + 1);
      if (i + 1 >= argc) Usage(("missing value for " + a).c_str());
      return argv[++i];
    };
    const std::string flag = a.substr(0, a.find('='));
    if (flag == "--workloads") {
      opt.workloads = value();
    } else if (flag == "--dir") {
      opt.dir = value();
    } else if (flag == "--out") {
      opt.out = value();
    } else if (flag == "--runs") {
      opt.runs = std::atoi(value().c_str());
      if (opt.runs < 1) Usage("--runs must be >= 1");
    } else if (flag == "--max-seconds") {
      opt.max_seconds = std::atof(value().c_str());
      if (!(opt.max_seconds > 0)) Usage("--max-seconds must be > 0");
    } else if (flag == "--seed") {
      opt.seed = std::strtoull(value().c_str(), nullptr, 10);
    } else if (flag == "--only") {
      std::stringstream list(value());
      std::string item;
      while (std::getline(list, item, ',')) {
        if (!item.empty()) opt.only.push_back(item);
      }
    } else if (a == "-h" || a == "--help") {
      Usage("help");
    } else {
      Usage(("unknown argument " + a).c_str());
    }
  }
  if (opt.workloads.empty() || opt.dir.empty() || opt.out.empty()) {
    Usage("--workloads, --dir and --out are required");
  }
  return opt;
}

int Run(const Options& opt) {
  const std::vector<Workload> workloads = ReadWorkloads(opt.workloads);
  for (const std::string& name : opt.only) {
    const bool known =
        std::any_of(workloads.begin(), workloads.end(),
                    [&](const Workload& w) { return w.name == name; });
    if (!known) {
      std::fprintf(stderr, "libtorch_peer: --only: no workload %s in %s\n",
                   name.c_str(), opt.workloads.c_str());
      return 2;
    }
  }
  const Host host = DescribeHost();
  std::vector<Record> records;
  // series -> op -> points measured so far.
  std::map<std::string, std::map<std::string, std::vector<SeriesPoint>>>
      series_points;

  for (const Workload& w : workloads) {
    if (w.kind != "tensors") continue;  // graph_100k: ckpt only
    if (!opt.only.empty() &&
        std::find(opt.only.begin(), opt.only.end(), w.name) ==
            opt.only.end()) {
      continue;
    }
    int64_t bytes = 0;
    for (const auto& shape : w.shapes) {
      int64_t n = 1;
      for (const int64_t d : shape) n *= d;
      bytes += n * 4;
    }
    const auto tensors = static_cast<int64_t>(w.shapes.size());
    const auto [series, size] = SeriesOf(w.name, bytes, tensors);

    Record save;
    save.workload = w.name;
    save.op = "save";
    save.bytes = bytes;
    save.tensors = tensors;
    Record load = save;
    load.op = "load";
    if (w.dtype != "float32") {
      save.skipped = load.skipped = "unsupported dtype " + w.dtype;
      records.push_back(save);
      records.push_back(load);
      WriteResults(opt.out, host, records);
      continue;
    }
    if (!series.empty()) {
      save.skipped = TooSlow(series_points[series]["save"], size, "save",
                             opt.max_seconds);
      load.skipped = save.skipped.empty()
                         ? TooSlow(series_points[series]["load"], size,
                                   "load", opt.max_seconds)
                         : "too slow: load needs the file save writes, and " +
                               save.skipped.substr(10);
    }
    std::fprintf(stderr, "libtorch_peer: %s (%lld tensors, %.1f MiB)\n",
                 w.name.c_str(), static_cast<long long>(tensors),
                 static_cast<double>(bytes) / (1 << 20));

    std::vector<std::string> keys;
    keys.reserve(w.shapes.size());
    for (size_t i = 0; i < w.shapes.size(); ++i) {
      keys.push_back("t" + std::to_string(i));
    }
    const std::string path = opt.dir + "/libtorch_" + w.name + ".pt";
    if (save.skipped.empty()) {
      torch::manual_seed(opt.seed);
      std::vector<torch::Tensor> data;
      data.reserve(w.shapes.size());
      for (const auto& shape : w.shapes) {
        data.push_back(torch::randn(shape, torch::kFloat32));
      }
      Measure(
          opt, [&] { std::remove(path.c_str()); },
          [&] {
            torch::serialize::OutputArchive archive;
            for (size_t i = 0; i < data.size(); ++i) {
              archive.write(keys[i], data[i]);
            }
            archive.save_to(path);
          },
          [] {}, save);
      data.clear();  // the load op measures with only the loaded copy live

      if (load.skipped.empty()) {
        std::vector<torch::Tensor> loaded;
        Measure(
            opt, [&] { loaded.clear(); },
            [&] {
              torch::serialize::InputArchive archive;
              archive.load_from(path);
              loaded.resize(keys.size());
              for (size_t i = 0; i < keys.size(); ++i) {
                archive.read(keys[i], loaded[i]);
              }
            },
            [&] { loaded.clear(); }, load);
      }
      std::remove(path.c_str());
    }
    for (Record* r : {&save, &load}) {
      if (!r->skipped.empty()) {
        std::fprintf(stderr, "  %s: skipped: %s\n", r->op.c_str(),
                     r->skipped.c_str());
      } else {
        std::fprintf(stderr, "  %s: %.4f s%s%s\n", r->op.c_str(),
                     *r->seconds, r->note.empty() ? "" : "  ",
                     r->note.c_str());
      }
      if (!series.empty()) {
        series_points[series][r->op].push_back(
            {w.name, size,
             r->skipped.empty() ? r->seconds : std::optional<double>()});
      }
      records.push_back(*r);
    }
    WriteResults(opt.out, host, records);
  }
  WriteResults(opt.out, host, records);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options opt = ParseArgs(argc, argv);
  try {
    return Run(opt);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "libtorch_peer: %s\n", e.what());
    return 1;
  }
}
