#!/usr/bin/python3
"""Python peers of the ckpt benchmark: torch.save, numpy .npz and h5py.

Reads workloads.json (written by ``ckpt_perf --workloads-out``) and, for
every workload of kind "tensors" and every system (torch, numpy, h5py),
measures two ops on the same float32 tensors:

* ``save``: the whole file written from in-memory tensors.
    - torch: ``torch.save({"t<i>": tensor, ...}, path)`` (zip format);
    - numpy: ``np.savez(path, **arrays)`` (uncompressed);
    - h5py: one dataset per tensor, contiguous (no chunking, no
      compression), file closed inside the timing.
  The file is deleted (untimed) before every run. None of these peers
  fsync: the ckpt "save" op is durable, so compare with the
  write_crc_fsync limit as well as with write_crc.
* ``save_fsync`` (torch on mixed_1g only): torch.save, then fsync of the
  file and of its directory: the like-for-like peer of ckpt's durable
  "save".
* ``load``: every tensor materialized in memory from the file written by
  the last save run.
    - torch: ``torch.load(path)``;
    - numpy: ``np.load(path)``, then every member read with
      ``np.lib.format.read_array`` from the archive, the reader
      ``NpzFile.__getitem__`` itself uses. ``npz[name]`` is not used:
      numpy 1.24 checks ``name in self._files`` (a list) first, which makes
      reading all members quadratic (hours at 100,000 members); going
      around it favours numpy;
    - h5py: ``ds[()]`` of every dataset.
  The loaded objects stay alive until the clock stops and are freed after.

The tensors are made once per workload (``np.random.default_rng(seed)``,
float32, written hence pre-touched); torch tensors share their memory
through ``torch.from_numpy``. Each op: one untimed warm-up, then the median
of ``--runs`` (default 3), each run after an untimed ``os.sync()`` and
then the op's untimed preparation (removing its previous file).
``peak_rss_delta_bytes``: /proc/self/clear_refs
"5" resets VmHWM before every run; VmHWM after minus VmRSS before, max over
the timed runs (null when clear_refs is not writable).

Caps: a run longer than ``--max-seconds`` (default 120) ends the op (the
remaining runs are not run; "note" says so; a warm-up over the cap becomes
the only, cold, run). In a series (count_1k < count_10k < count_100k and
small_5k < small_100k by tensors, bytes_64m < bytes_256m < bytes_1g by
bytes) a workload is skipped for a system and op when the smaller members
predict more than ``--max-seconds`` (t = a*n + b*n^2, a, b >= 0, through
the two largest measured smaller members, or linear from one); the record
then has ``"skipped": "too slow: <what was measured>"`` and
``"seconds": null``.

Output: the results JSON of the benchmark data contract, producer
"peers.py", rewritten after every workload.

Usage:
  /usr/bin/python3 tools/bench/peers.py --workloads W.json --dir SCRATCH \\
      --out peers.json [--runs N] [--only a,b] [--systems torch,numpy,h5py] \\
      [--max-seconds S] [--seed N]
"""

import argparse
import gc
import json
import math
import os
import platform
import statistics
import sys
import time

SYSTEMS = ("torch", "numpy", "h5py")
SERIES_PREFIXES = (("count_", "tensors"), ("small_", "tensors"),
                   ("bytes_", "bytes"))


def reset_peak_rss():
    """Resets VmHWM to the current RSS; False when not permitted."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def status_bytes(field):
    """A "Vm...: N kB" field of /proc/self/status in bytes, or None."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def describe_host(versions):
    """The "host" object of the results JSON."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:
        cpus = os.cpu_count()
    mem = None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem = int(line.split()[1]) * 1024
    except OSError:
        pass
    uname = platform.uname()
    notes = ("peers.py on Python %s; %s. No fsync in the save ops: none "
             "of these peers (torch.save, np.savez, h5py) syncs its file, "
             "while the ckpt 'save' op is durable (compare with limit "
             "write_crc_fsync, and with torch save_fsync on mixed_1g)."
             % (platform.python_version(), ", ".join(versions)))
    return {"cpus": cpus, "mem_bytes": mem,
            "kernel": "%s %s %s" % (uname.system, uname.release,
                                    uname.machine),
            "notes": notes}


def series_of(name, nbytes, tensors):
    """(series, size along it) of a workload; ("", 0) when in none."""
    for prefix, axis in SERIES_PREFIXES:
        if name.startswith(prefix):
            return prefix, float(tensors if axis == "tensors" else nbytes)
    return "", 0.0


def too_slow(points, size, op, max_seconds):
    """Why op at `size` should be skipped given smaller members, or ""."""
    smaller = sorted((p for p in points if p["size"] < size),
                     key=lambda p: p["size"])
    if not smaller:
        return ""
    last = smaller[-1]
    if last["seconds"] is None:
        return ("too slow: %s of the smaller %s was already skipped as too "
                "slow" % (op, last["workload"]))
    predicted = last["seconds"] * size / last["size"]
    how = "linear from %s" % last["workload"]
    if len(smaller) >= 2 and smaller[-2]["seconds"] is not None:
        # t = a*n + b*n^2 through the two largest smaller members: the
        # peers that look names up linearly (libtorch, np.load) are convex
        # in log-log, so a fitted power law would underestimate.
        prev = smaller[-2]
        n1, t1, n2, t2 = (prev["size"], prev["seconds"], last["size"],
                          last["seconds"])
        b = (t2 / n2 - t1 / n1) / (n2 - n1)
        a = t1 / n1 - b * n1
        if b > 0 and a >= 0:
            predicted = a * size + b * size * size
            how = "a*n + b*n^2 through %s and %s" % (prev["workload"],
                                                     last["workload"])
        elif b > 0:
            predicted = t2 * (size / n2) ** 2
            how = "quadratic from %s" % last["workload"]
    if predicted <= max_seconds:
        return ""
    return ("too slow: %s of %s took %.3g s; predicted %.3g s (%s) > "
            "--max-seconds %.3g s" % (op, last["workload"], last["seconds"],
                                      predicted, how, max_seconds))


def measure(args, prepare, op, cleanup, rec):
    """Untimed warm-up, then args.runs timed runs; fills rec."""
    def one():
        # Untimed: earlier ops' dirty pages out first, then prepare (which
        # removes the previous file) right before the clock starts, so the
        # page-cache pages it frees are reused while the host still backs
        # them (the order ckpt_perf and libtorch_peer use too).
        os.sync()
        prepare()
        gc.collect()
        can_reset = reset_peak_rss()
        before = status_bytes("VmRSS")
        start = time.perf_counter()
        op()
        seconds = time.perf_counter() - start
        hwm = status_bytes("VmHWM")
        cleanup()
        peak = None
        if can_reset and before is not None and hwm is not None:
            peak = hwm - before
        return seconds, peak

    warm, warm_peak = one()
    if warm > args.max_seconds:
        rec.update(seconds=warm, runs=[warm], peak_rss_delta_bytes=warm_peak,
                   note="warm-up took %.3g s > --max-seconds %.3g s: it is "
                        "the only (cold) run; %d timed runs skipped"
                        % (warm, args.max_seconds, args.runs))
        return
    runs, peaks = [], []
    for i in range(args.runs):
        seconds, peak = one()
        runs.append(seconds)
        peaks.append(peak)
        if seconds > args.max_seconds and i + 1 < args.runs:
            rec["note"] = ("run %d took %.3g s > --max-seconds %.3g s: "
                           "remaining %d runs skipped"
                           % (i + 1, seconds, args.max_seconds,
                              args.runs - i - 1))
            break
    rec["runs"] = runs
    rec["seconds"] = statistics.median(runs)
    rec["peak_rss_delta_bytes"] = (None if any(p is None for p in peaks)
                                   else max(peaks))


class TorchPeer:
    """torch.save / torch.load of a dict name -> tensor."""

    suffix = ".pt"

    def __init__(self, torch):
        self.torch = torch

    def prepare(self, names, arrays):
        return dict(zip(names, (self.torch.from_numpy(a) for a in arrays)))

    def save(self, path, names, data):
        self.torch.save(data, path)

    def load(self, path, names):
        return self.torch.load(path)


class NumpyPeer:
    """np.savez (uncompressed) / np.load + read_array of every member."""

    suffix = ".npz"

    def __init__(self, np):
        self.np = np

    def prepare(self, names, arrays):
        return dict(zip(names, arrays))

    def save(self, path, names, data):
        self.np.savez(path, **data)

    def load(self, path, names):
        read_array = self.np.lib.format.read_array
        with self.np.load(path) as npz:
            out = []
            for name in names:
                with npz.zip.open(name + ".npy") as member:
                    out.append(read_array(member, allow_pickle=False))
            return out


class H5pyPeer:
    """One contiguous, uncompressed dataset per tensor / ds[()] of each."""

    suffix = ".h5"

    def __init__(self, h5py):
        self.h5py = h5py

    def prepare(self, names, arrays):
        return dict(zip(names, arrays))

    def save(self, path, names, data):
        with self.h5py.File(path, "w") as f:
            for name in names:
                f.create_dataset(name, data=data[name])

    def load(self, path, names):
        with self.h5py.File(path, "r") as f:
            return [f[name][()] for name in names]


def make_peers(systems):
    """The peer objects for `systems`, and the library versions."""
    peers, versions = {}, []
    import numpy
    versions.append("numpy " + numpy.__version__)
    if "torch" in systems:
        import torch
        versions.append("torch %s (%d intra-op threads)"
                        % (torch.__version__, torch.get_num_threads()))
        peers["torch"] = TorchPeer(torch)
    if "numpy" in systems:
        peers["numpy"] = NumpyPeer(numpy)
    if "h5py" in systems:
        import h5py
        versions.append("h5py %s (HDF5 %s)"
                        % (h5py.__version__, h5py.version.hdf5_version))
        peers["h5py"] = H5pyPeer(h5py)
    return peers, versions


def make_arrays(np, shapes, seed):
    """Fixed-seed float32 arrays of the given shapes, one buffer each."""
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(tuple(shape), dtype=np.float32)
            for shape in shapes]


def write_results(path, host, records):
    """Writes the results JSON atomically (tmp + rename)."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"producer": "peers.py", "host": host,
                   "results": records}, f, indent=1)
        f.write("\n")
    os.replace(tmp, path)


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="torch / numpy / h5py peers of the ckpt benchmark")
    p.add_argument("--workloads", required=True,
                   help="workloads.json from ckpt_perf --workloads-out")
    p.add_argument("--dir", required=True, help="scratch directory")
    p.add_argument("--out", required=True, help="results JSON to write")
    p.add_argument("--runs", type=int, default=3,
                   help="timed runs per op (median; default 3)")
    p.add_argument("--only", default="",
                   help="comma-separated workload names")
    p.add_argument("--systems", default=",".join(SYSTEMS),
                   help="comma-separated subset of " + ",".join(SYSTEMS))
    p.add_argument("--max-seconds", type=float, default=120.0,
                   help="per-op time cap (default 120)")
    p.add_argument("--seed", type=int, default=20261123)
    args = p.parse_args(argv)
    if args.runs < 1:
        p.error("--runs must be >= 1")
    if args.max_seconds <= 0:
        p.error("--max-seconds must be > 0")
    args.only = [w for w in args.only.split(",") if w]
    args.systems = [s for s in args.systems.split(",") if s]
    for s in args.systems:
        if s not in SYSTEMS:
            p.error("unknown system %r (known: %s)" % (s, ", ".join(SYSTEMS)))
    return args


DURABLE_WORKLOAD = "mixed_1g"


def save_durably(peer, path, names, data):
    """peer.save, then fsync of the file and of its directory."""
    peer.save(path, names, data)
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    fd = os.open(os.path.dirname(path) or ".", os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def run_workload(args, np, peers, wl, series_points, records):
    """Measures every system on one workload, appending records."""
    shapes = wl["shapes"]
    names = ["t%d" % i for i in range(len(shapes))]
    nbytes = sum(4 * math.prod(s) for s in shapes)
    series, size = series_of(wl["name"], nbytes, len(shapes))
    print("peers.py: %s (%d tensors, %.1f MiB)"
          % (wl["name"], len(shapes), nbytes / 2**20), file=sys.stderr)
    arrays = None
    for system, peer in peers.items():
        recs = {op: {"workload": wl["name"], "system": system, "op": op,
                     "bytes": nbytes, "tensors": len(shapes),
                     "seconds": None, "runs": [],
                     "peak_rss_delta_bytes": None}
                for op in ("save", "load")}
        # The like-for-like peer of ckpt's durable save: torch.save, then
        # fsync of the file and its directory (mixed_1g only: the target's
        # workload).
        durable = system == "torch" and wl["name"] == DURABLE_WORKLOAD
        if durable:
            recs["save_fsync"] = dict(recs["save"], op="save_fsync", runs=[])
        points = series_points.setdefault((series, system), {})
        if wl.get("dtype", "float32") != "float32":
            for rec in recs.values():
                rec["skipped"] = "unsupported dtype %s" % wl["dtype"]
        elif series:
            why = too_slow(points.get("save", []), size, "save",
                           args.max_seconds)
            if why:
                recs["save"]["skipped"] = why
                recs["load"]["skipped"] = (
                    "too slow: load needs the file save writes, and "
                    + why[len("too slow: "):])
            else:
                why = too_slow(points.get("load", []), size, "load",
                               args.max_seconds)
                if why:
                    recs["load"]["skipped"] = why
        if "skipped" not in recs["save"]:
            if arrays is None:
                arrays = make_arrays(np, shapes, args.seed)
            data = peer.prepare(names, arrays)
            path = os.path.join(args.dir, "%s_%s%s"
                                % (system, wl["name"], peer.suffix))

            def remove():
                if os.path.exists(path):
                    os.remove(path)

            measure(args, remove,
                    lambda: peer.save(path, names, data),
                    lambda: None, recs["save"])
            if durable:
                measure(args, remove,
                        lambda: save_durably(peer, path, names, data),
                        lambda: None, recs["save_fsync"])
            del data
            if "skipped" not in recs["load"]:
                holder = []
                measure(args, holder.clear,
                        lambda: holder.append(peer.load(path, names)),
                        holder.clear, recs["load"])
            remove()
        for op, rec in recs.items():
            if "skipped" in rec:
                print("  %s %s: skipped: %s" % (system, op, rec["skipped"]),
                      file=sys.stderr)
            else:
                print("  %s %s: %.4f s %s" % (system, op, rec["seconds"],
                                              rec.get("note", "")),
                      file=sys.stderr)
            if series:
                points.setdefault(op, []).append(
                    {"workload": wl["name"], "size": size,
                     "seconds": None if "skipped" in rec
                     else rec["seconds"]})
            records.append(rec)
        gc.collect()


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    with open(args.workloads) as f:
        workloads = json.load(f)["workloads"]
    known = {w["name"] for w in workloads}
    for name in args.only:
        if name not in known:
            sys.exit("peers.py: --only: no workload %s in %s"
                     % (name, args.workloads))
    os.makedirs(args.dir, exist_ok=True)
    import numpy as np
    peers, versions = make_peers(args.systems)
    host = describe_host(versions)
    records, series_points = [], {}
    write_results(args.out, host, records)
    for wl in workloads:
        if wl.get("kind") != "tensors":
            continue  # graph_100k: ckpt only
        if args.only and wl["name"] not in args.only:
            continue
        run_workload(args, np, peers, wl, series_points, records)
        write_results(args.out, host, records)
    return 0


if __name__ == "__main__":
    sys.exit(main())
