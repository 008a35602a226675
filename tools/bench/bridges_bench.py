#!/usr/bin/python3
"""ckpt export / ckpt import against the machine's limit and numpy, in one run.

    tools/bench/bridges_bench.py CKPT_BINARY [--gib 2] [--tensors 16] [--out DIR]

Builds a checkpoint of TENSORS float32 tensors totalling GIB GiB with
ckpt.save (PYTHONPATH must reach the built module: <build>/python), then
times, each 3 times (median, page cache warm, files deleted in between):

* limit: ``cp`` of the checkpoint's data file to a new file (the same bytes
  read and written once), ``cp`` then ``sync`` of the copy (ckpt's outputs
  are fsynced before they are renamed into place), and ``cat`` of it to
  /dev/null (read only);
* ckpt export to safetensors and to npz, ckpt import of each back;
* numpy peers on the same bytes: ``np.savez`` of the arrays held in memory,
  and ``np.load`` reading every member (``read_array`` per member);

and the peak RSS of each ckpt command (getrusage of the child), against the
bound of the bridges' contract: the largest tensor plus 64 MiB.

Prints one JSON object per measurement and a table of ratios against the
``cp`` limit. Not part of ctest (docs/performance.md, "Export and import").
"""

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np


def run_child(args):
    """Seconds and peak RSS (KiB) of one command."""
    t0 = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    proc = subprocess.run(
        [sys.executable, "-c",
         "import resource,subprocess,sys,time;"
         "t=time.perf_counter();subprocess.run(sys.argv[1:],check=True,"
         "stdout=subprocess.DEVNULL);"
         "print(time.perf_counter()-t,"
         "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"] + args,
        capture_output=True, text=True, check=True)
    del before, t0
    secs, rss = proc.stdout.split()
    return float(secs), int(rss)


def median_of(fn, cleanup, runs=3):
    times, rss = [], 0
    for _ in range(runs):
        cleanup()
        t, r = fn()
        times.append(t)
        rss = max(rss, r)
    return statistics.median(times), rss


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ckpt")
    ap.add_argument("--gib", type=float, default=2.0)
    ap.add_argument("--tensors", type=int, default=16)
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    import ckpt  # noqa: PLC0415 (after argparse: --help works without it)

    work = a.out or tempfile.mkdtemp(prefix="bridges_bench_")
    os.makedirs(work, exist_ok=True)
    n = int(a.gib * (1 << 30) / 4 / a.tensors)
    arrays = {"layer%02d/kernel" % i: np.full(n, i, dtype=np.float32)
              for i in range(a.tensors)}
    src = os.path.join(work, "src")
    ckpt.save(src, arrays)
    data = src + ".data-00000-of-00001"
    size = os.path.getsize(data)
    largest_kib = n * 4 // 1024
    results = {}

    def rm(*paths):
        def clean():
            for p in paths:
                if os.path.isdir(p):
                    shutil.rmtree(p)
                elif os.path.exists(p):
                    os.remove(p)
        return clean

    cp_dst = os.path.join(work, "copy")
    results["limit cp"] = median_of(lambda: run_child(["cp", data, cp_dst]),
                                    rm(cp_dst))
    # ckpt's outputs are durable (fsync before the rename): the like-for-like
    # limit copies and syncs.
    results["limit cp + fsync"] = median_of(
        lambda: run_child(["sh", "-c", "cp \"$0\" \"$1\" && sync \"$1\"",
                           data, cp_dst]), rm(cp_dst))
    results["limit cat"] = median_of(
        lambda: run_child(["sh", "-c", "cat \"$0\" >/dev/null", data]),
        lambda: None)
    for fmt in ("safetensors", "npz"):
        out = os.path.join(work, "x." + fmt)
        back = os.path.join(work, "back_" + fmt)
        results["ckpt export " + fmt] = median_of(
            lambda: run_child([a.ckpt, "export", src, out]), rm(out))
        results["ckpt import " + fmt] = median_of(
            lambda: run_child([a.ckpt, "import", out, back]),
            rm(back + ".index", back + ".data-00000-of-00001"))
    npz = os.path.join(work, "peer.npz")

    def np_save():
        t = time.perf_counter()
        np.savez(npz, **{k.replace("/", "_"): v for k, v in arrays.items()})
        return time.perf_counter() - t, 0

    results["numpy savez (from memory)"] = median_of(np_save, rm(npz))

    def np_load():
        t = time.perf_counter()
        with np.load(npz) as z:
            got = [np.lib.format.read_array(z.zip.open(f)) for f in
                   z.zip.namelist()]
        secs = time.perf_counter() - t
        del got
        return secs, 0

    results["numpy load"] = median_of(np_load, lambda: None)

    limit = results["limit cp"][0]
    print(json.dumps({"bytes": size, "tensors": a.tensors,
                      "largest_tensor_kib": largest_kib}))
    print("%-28s %9s %8s %10s %12s" % ("measurement", "seconds", "GiB/s",
                                       "cp/this", "peak RSS MiB"))
    for name, (secs, rss) in results.items():
        print("%-28s %9.3f %8.2f %10.2f %12s" % (
            name, secs, size / secs / (1 << 30), limit / secs,
            "%.0f" % (rss / 1024) if rss else "-"))
        print(json.dumps({"name": name, "seconds": secs, "rss_kib": rss,
                          "ratio_to_cp": limit / secs}), file=sys.stderr)
    bound = largest_kib + 64 * 1024
    worst = max(r for k, (_, r) in results.items() if k.startswith("ckpt"))
    print("peak RSS of ckpt commands %.0f MiB; bound (largest tensor + 64 MiB)"
          " %.0f MiB: %s" % (worst / 1024, bound / 1024,
                             "OK" if worst <= bound else "OVER"))
    if a.out is None:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
