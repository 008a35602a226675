#!/usr/bin/env python3
# Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
"""Measures checkpoint surgery (`ckpt rename|strip|extract|merge`) against
the machine's own limit in the same run: copying the same files with `cp`
and syncing them (what any edit that writes a new checkpoint must at least
do). Also reports each command's peak RSS. Not a test: a documented
benchmark (docs/performance.md, "Checkpoint surgery").

  PYTHONPATH=build/gcc/python /usr/bin/python3 tools/bench/surgery_bench.py \\
      build/gcc/tools/ckpt [--gib 1] [--tensors 64] [--small 100000]

The source checkpoints are written with the Python module (ckpt.save) and an
object graph encoded here: model/layer_<i>/kernel for every tensor, and an
optimizer object with one slot variable per kernel.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

import ckpt


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def field(num, payload):
    return varint(num << 3 | 2) + varint(len(payload)) + payload


def field_int(num, value):
    return varint(num << 3) + varint(value)


def graph_bytes(n):
    """TrackableObjectGraph: root -> model -> layer_i -> kernel; root ->
    optimizer with slot 'm' of every kernel."""
    # ids: 0 root, 1 model, 2 optimizer, 3..3+n layers, 3+n.. kernels,
    # then slot nodes.
    nodes = []
    child = lambda i, name: field(1, field_int(1, i) + field(2, name.encode()))
    attr = lambda key: field(2, field(1, b"VARIABLE_VALUE") + field(3, key.encode()))
    nodes.append(child(1, "model") + child(2, "optimizer"))
    nodes.append(b"".join(child(3 + i, f"layer_{i}") for i in range(n)))
    slots = b"".join(
        field(3, field_int(1, 3 + n + i) + field(2, b"m") + field_int(3, 3 + 2 * n + i))
        for i in range(n))
    nodes.append(slots)
    for i in range(n):
        nodes.append(child(3 + n + i, "kernel"))
    for i in range(n):
        nodes.append(attr(f"model/layer_{i}/kernel/.ATTRIBUTES/VARIABLE_VALUE"))
    for i in range(n):
        nodes.append(attr(f"model/layer_{i}/kernel/.OPTIMIZER_SLOT/optimizer/m/"
                          ".ATTRIBUTES/VARIABLE_VALUE"))
    return b"".join(field(1, node) for node in nodes)


def write_source(prefix, n, elements):
    rng = np.random.default_rng(7)
    values = {}
    for i in range(n):
        k = rng.standard_normal(elements, dtype=np.float32)
        values[f"model/layer_{i}/kernel/.ATTRIBUTES/VARIABLE_VALUE"] = k
        values[f"model/layer_{i}/kernel/.OPTIMIZER_SLOT/optimizer/m/"
               ".ATTRIBUTES/VARIABLE_VALUE"] = k * 0.5
    values["_CHECKPOINTABLE_OBJECT_GRAPH"] = np.array(graph_bytes(n),
                                                      dtype=object)
    ckpt.save(prefix, values)


# Runs `cmd` under a fresh Python whose only child it is, so the peak RSS
# reported is that command's alone.
_WRAPPER = ("import resource, subprocess, sys, time\n"
            "t = time.perf_counter()\n"
            "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)\n"
            "t = time.perf_counter() - t\n"
            "r = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
            "print(t, r)\n")


def timed(cmd):
    out = subprocess.run([sys.executable, "-c", _WRAPPER] + cmd, check=True,
                         capture_output=True, text=True).stdout.split()
    return float(out[0]), float(out[1]) / 1024.0


def copy_sync(src_prefix, dst_dir):
    start = time.perf_counter()
    for name in os.listdir(os.path.dirname(src_prefix)):
        if name.startswith(os.path.basename(src_prefix) + "."):
            shutil.copyfile(os.path.join(os.path.dirname(src_prefix), name),
                            os.path.join(dst_dir, name))
    subprocess.run(["sync", "-f", dst_dir], check=True)
    return time.perf_counter() - start


def run(cli, label, n, elements, work):
    src = os.path.join(work, label, "src", "ckpt-1")
    os.makedirs(os.path.dirname(src))
    write_source(src, n, elements)
    size = sum(os.path.getsize(os.path.join(os.path.dirname(src), f))
               for f in os.listdir(os.path.dirname(src)))
    copies = os.path.join(work, label, "copy")
    os.makedirs(copies)
    limit = copy_sync(src, copies)
    print(f"{label}: {2 * n} tensors, {size / 2**20:.1f} MiB; "
          f"cp + sync {limit:.3f} s")
    ops = {
        "rename": ["rename", src, "{dst}", "--map", "model=net"],
        "strip --drop-optimizer": ["strip", src, "{dst}", "--drop-optimizer"],
        "extract --keep-slots": ["extract", src, "{dst}", "--subtree", "model",
                                 "--keep-slots"],
        "rename --dry-run": ["rename", src, "{dst}", "--map", "model=net",
                             "--dry-run"],
    }
    for i, (name, args) in enumerate(ops.items()):
        dst = os.path.join(work, label, f"out{i}", "ckpt-1")
        cmd = [cli] + [a.replace("{dst}", dst) for a in args]
        elapsed, rss = timed(cmd)
        print(f"  {name:24s} {elapsed:8.3f} s  ({limit / elapsed:5.2f}x of "
              f"cp + sync)  peak RSS {rss:7.1f} MiB")
    shutil.rmtree(os.path.join(work, label))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("cli")
    p.add_argument("--gib", type=float, default=1.0)
    p.add_argument("--tensors", type=int, default=32)
    p.add_argument("--small", type=int, default=50000)
    p.add_argument("--dir", default=None)
    a = p.parse_args()
    work = tempfile.mkdtemp(dir=a.dir)
    try:
        # Large tensors: kernels and their slots, a.gib GiB in all.
        elements = int(a.gib * 2**30 / 4 / (2 * a.tensors))
        run(a.cli, "large", a.tensors, elements, work)
        # Many small values: 256 bytes each.
        run(a.cli, "small", a.small, 64, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
