#!/usr/bin/python3
"""Report of the ckpt benchmark: merges results JSON files into a report.

Inputs are results files of the benchmark data contract (producers
ckpt_perf, peers.py, libtorch_peer). Nothing is measured here; from the
records (median seconds of each (workload, system, op)) it derives:

* GiB/s = bytes / seconds / 2**30;
* the throughput ratio to the matching limit of the same workload,
  limit_seconds / system_seconds (1.0 = as fast as the limit, higher is
  faster): ckpt save, save_sharded, save_async_total and the peers' save vs
  write_crc and vs write_crc_fsync (the ckpt ones also vs write_fsync_wb,
  the device's durable ceiling); save_nosync vs write_crc;
  restore_existing vs read_reused; restore_fresh and the peers' load vs
  read_fresh; verify vs read_crc and vs read_reused; save_async_blocked vs
  memcpy;
* the speed-up over each peer, peer_seconds / ckpt_seconds ("Nx faster"):
  ckpt save ops vs the peer's save, restore_fresh vs the peer's load;
* per-tensor overhead on count_* and small_* (µs per tensor = (ckpt seconds
  - limit seconds) / tensors) and the peers' seconds per tensor;
* scaling exponents: least-squares slope of log(seconds) on log(bytes)
  over bytes_* and on log(tensors) over count_*;
* the graph_100k times and a Targets table with PASS/FAIL.

Missing records (a peer not run, an op skipped) print "n/a".

Usage:
  /usr/bin/python3 tools/bench/report.py --out-md report.md \\
      --out-json report.json --plot plot.svg ckpt.json peers.json \\
      libtorch.json
"""

import argparse
import json
import math
import sys

WORKLOAD_ORDER = ("mixed_1g", "small_5k", "small_100k", "bytes_64m",
                  "bytes_256m", "bytes_1g", "count_1k", "count_10k",
                  "count_100k", "graph_100k")
SYSTEM_ORDER = ("limit", "ckpt", "torch", "numpy", "h5py", "libtorch")
PEERS = ("torch", "numpy", "h5py", "libtorch")
OP_ORDER = ("memcpy", "write", "write_crc", "write_crc_fsync",
            "write_fsync_wb", "read_reused",
            "read_fresh", "read_crc", "save", "save_nosync", "save_sharded",
            "save_async_blocked", "save_async_total", "restore_existing",
            "restore_external", "restore_external_staged",
            "restore_fresh", "restore_mapped", "verify", "save_restore",
            "load")
CKPT_SAVE_OPS = ("save", "save_nosync", "save_sharded", "save_async_total")
GIB = float(1 << 30)
MIB = float(1 << 20)
RSS_LIMIT_MIB = 64.0


def limits_for(system, op):
    """The limit ops a (system, op) is compared with."""
    if system == "ckpt":
        durable = ("write_crc", "write_crc_fsync", "write_fsync_wb")
        return {"save": durable,
                "save_sharded": durable,
                "save_async_total": durable,
                "save_nosync": ("write_crc",),
                "restore_existing": ("read_reused",),
                "restore_external": ("read_reused",),
                "restore_external_staged": ("read_reused",),
                "restore_fresh": ("read_fresh",),
                "verify": ("read_crc", "read_reused"),
                "save_async_blocked": ("memcpy",)}.get(op, ())
    if system in PEERS:
        return {"save": ("write_crc", "write_crc_fsync"),
                "load": ("read_fresh",)}.get(op, ())
    return ()


def peer_op_for(system, op):
    """The peer op a ckpt op is compared with, or None."""
    if system != "ckpt":
        return None
    if op in CKPT_SAVE_OPS:
        return "save"
    if op == "restore_fresh":
        return "load"
    return None


# ---------------------------------------------------------------------------
# Loading and lookups.

class Results:
    """Merged records, indexed by (workload, system, op)."""

    def __init__(self, paths):
        self.inputs = []
        self.hosts = []
        self.records = {}
        for path in paths:
            with open(path) as f:
                doc = json.load(f)
            producer = doc.get("producer", path)
            self.inputs.append({"path": path, "producer": producer,
                                "records": len(doc.get("results", []))})
            self.hosts.append({"producer": producer,
                               "host": doc.get("host", {})})
            for rec in doc.get("results", []):
                key = (rec.get("workload"), rec.get("system"), rec.get("op"))
                if key in self.records:
                    print("report.py: %s: %s/%s/%s given twice; the later "
                          "one is kept" % ((path,) + key), file=sys.stderr)
                self.records[key] = rec

    def get(self, workload, system, op):
        return self.records.get((workload, system, op))

    def seconds(self, workload, system, op):
        """Median seconds, or None if missing, skipped or not positive."""
        rec = self.get(workload, system, op)
        if rec is None or rec.get("skipped"):
            return None
        s = rec.get("seconds")
        if s is None or not s > 0:
            return None
        return float(s)

    def workloads(self):
        names = {k[0] for k in self.records}
        ordered = [w for w in WORKLOAD_ORDER if w in names]
        return ordered + sorted(names - set(ordered))

    def keys_of(self, workload):
        keys = [k for k in self.records if k[0] == workload]

        def order(k):
            s = (SYSTEM_ORDER.index(k[1]) if k[1] in SYSTEM_ORDER
                 else len(SYSTEM_ORDER))
            o = OP_ORDER.index(k[2]) if k[2] in OP_ORDER else len(OP_ORDER)
            return (s, k[1], o, k[2])
        return sorted(keys, key=order)

    def tensors(self, workload):
        for k, rec in self.records.items():
            if k[0] == workload and rec.get("tensors"):
                return int(rec["tensors"])
        return None


def ratio(num, den):
    if num is None or den is None or den <= 0:
        return None
    return num / den


# ---------------------------------------------------------------------------
# Formatting.

def fs(x, digits=4):
    """Seconds or a plain number, 'n/a' when None."""
    if x is None:
        return "n/a"
    return "%.*g" % (digits, x)


def fr(x):
    return "n/a" if x is None else "%.2f" % x


def fx(x):
    """A speed-up as 'Nx faster' / 'Nx slower'."""
    if x is None:
        return "n/a"
    if x >= 1:
        return "%.2fx faster" % x
    return "%.2fx slower" % (1 / x)


def fmib(b):
    return "n/a" if b is None else "%.1f" % (b / MIB)


def cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def table(header, rows):
    out = ["| " + " | ".join(header) + " |",
           "|" + "|".join("---" for _ in header) + "|"]
    for row in rows:
        out.append("| " + " | ".join(cell(c) for c in row) + " |")
    return "\n".join(out)


# ---------------------------------------------------------------------------
# Derived numbers.

def derive_record(res, key):
    """A record with its derived numbers (throughput, ratios, speed-ups)."""
    workload, system, op = key
    rec = dict(res.records[key])
    s = res.seconds(*key)
    d = {"gib_per_s": (rec.get("bytes", 0) / s / GIB
                       if s and rec.get("bytes") else None),
         "limit_ratios": {}, "peer_speedups": {}}
    for lim in limits_for(system, op):
        d["limit_ratios"][lim] = ratio(res.seconds(workload, "limit", lim), s)
    peer_op = peer_op_for(system, op)
    if peer_op:
        for peer in PEERS:
            d["peer_speedups"][peer] = ratio(
                res.seconds(workload, peer, peer_op), s)
    rec["derived"] = d
    return rec


def fit_slope(points):
    """Least-squares slope of log(y) on log(x), or None (< 2 points)."""
    pts = [(math.log(x), math.log(y)) for x, y in points
           if x and y and x > 0 and y > 0]
    if len(pts) < 2:
        return None
    mx = sum(p[0] for p in pts) / len(pts)
    my = sum(p[1] for p in pts) / len(pts)
    sxx = sum((p[0] - mx) ** 2 for p in pts)
    if sxx == 0:
        return None
    return sum((p[0] - mx) * (p[1] - my) for p in pts) / sxx


def scaling(res):
    """Fitted exponents per (system, op) over bytes_* and count_*."""
    out = []
    pairs = sorted({(k[1], k[2]) for k in res.records},
                   key=lambda p: (SYSTEM_ORDER.index(p[0])
                                  if p[0] in SYSTEM_ORDER else 99,
                                  OP_ORDER.index(p[1])
                                  if p[1] in OP_ORDER else 99, p))
    for system, op in pairs:
        row = {"system": system, "op": op}
        for axis, prefix, field in (("bytes", "bytes_", "bytes"),
                                    ("tensors", "count_", "tensors")):
            pts = []
            for w in res.workloads():
                if not w.startswith(prefix):
                    continue
                rec = res.get(w, system, op)
                s = res.seconds(w, system, op)
                if rec is not None and s is not None:
                    pts.append((rec.get(field), s))
            row[axis + "_exponent"] = fit_slope(pts)
            row[axis + "_points"] = len(pts)
        if row["bytes_points"] or row["tensors_points"]:
            out.append(row)
    return out


def per_tensor(res):
    """Per-tensor overhead rows for count_* and small_*."""
    rows = []
    for w in res.workloads():
        if not (w.startswith("count_") or w.startswith("small_")):
            continue
        n = res.tensors(w)
        if not n:
            continue
        row = {"workload": w, "tensors": n, "overhead_us": {},
               "peer_us_per_tensor": {}}
        for op, lim in (("save", "write_crc_fsync"),
                        ("save_nosync", "write_crc"),
                        ("restore_existing", "read_reused")):
            a = res.seconds(w, "ckpt", op)
            b = res.seconds(w, "limit", lim)
            row["overhead_us"]["%s-%s" % (op, lim)] = (
                None if a is None or b is None else (a - b) / n * 1e6)
        for peer in PEERS:
            for op in ("save", "load"):
                s = res.seconds(w, peer, op)
                row["peer_us_per_tensor"]["%s_%s" % (peer, op)] = (
                    None if s is None else s / n * 1e6)
        rows.append(row)
    return rows


def graph_numbers(res):
    w = "graph_100k"
    save = res.seconds(w, "ckpt", "save")
    restore = res.seconds(w, "ckpt", "restore_existing")
    if restore is None:
        restore = res.seconds(w, "ckpt", "restore")
    both = res.seconds(w, "ckpt", "save_restore")
    if both is None and save is not None and restore is not None:
        both = save + restore
    return {"save": save, "restore": restore, "save_restore": both,
            "tensors": res.tensors(w)}


def verdict(ok):
    if ok is None:
        return "n/a"
    return "PASS" if ok else "FAIL"


def targets(res, scal, pt, graph):
    """The Targets rows: what, PASS/FAIL/n/a, measured value."""
    rows = []
    w = "mixed_1g"

    def lim_ratio(op, lim, wl=w):
        return ratio(res.seconds(wl, "limit", lim),
                     res.seconds(wl, "ckpt", op))

    r_fsync = lim_ratio("save", "write_crc_fsync")
    r_crc = lim_ratio("save", "write_crc")
    rows.append({
        "target": "save >= 0.9x limit (mixed_1g); limit write_crc_fsync "
                  "(ckpt save is durable, so is this limit)",
        "status": verdict(None if r_fsync is None else r_fsync >= 0.9),
        "value": r_fsync,
        "measured": "%s x write_crc_fsync (vs write_crc, which does not "
                    "sync: %s x)" % (fr(r_fsync), fr(r_crc))})
    r_nosync = lim_ratio("save_nosync", "write_crc")
    rows.append({
        "target": "save_nosync >= 0.9x limit (mixed_1g); limit write_crc "
                  "(neither syncs)",
        "status": verdict(None if r_nosync is None else r_nosync >= 0.9),
        "value": r_nosync, "measured": "%s x write_crc" % fr(r_nosync)})

    # Like for like: neither syncs, or both do (torch save_fsync is
    # torch.save then fsync of the file and its directory).
    sp = ratio(res.seconds(w, "torch", "save"), res.seconds(w, "ckpt", "save"))
    sp_nosync = ratio(res.seconds(w, "torch", "save"),
                      res.seconds(w, "ckpt", "save_nosync"))
    sp_durable = ratio(res.seconds(w, "torch", "save_fsync"),
                       res.seconds(w, "ckpt", "save"))
    rows.append({
        "target": "save >= 2x torch.save (mixed_1g), like for like: "
                  "save_nosync vs torch.save (neither syncs)",
        "status": verdict(None if sp_nosync is None else sp_nosync >= 2),
        "value": sp_nosync,
        "measured": "save_nosync %s torch.save (durable save vs torch.save "
                    "without fsync: %s)" % (fx(sp_nosync), fx(sp))})
    # The durable pair. No save can be durable faster than the device
    # writes: write_fsync_wb (no CRC, writeback started as the bytes go in,
    # then fdatasync) is that ceiling. Where the ceiling itself is under 2x
    # torch.save + fsync, 2x is out of reach for any library, and the
    # durable save is held to 0.9x of the ceiling instead.
    ceiling = ratio(res.seconds(w, "torch", "save_fsync"),
                    res.seconds(w, "limit", "write_fsync_wb"))
    r_wb = lim_ratio("save", "write_fsync_wb")
    if sp_durable is None:
        ok = None
    elif sp_durable >= 2:
        ok = True
    elif ceiling is None or r_wb is None:
        ok = None
    else:
        ok = ceiling < 2 and r_wb >= 0.9
    rows.append({
        "target": "durable save vs torch.save + fsync (mixed_1g): >= 2x, or, "
                  "where the device's durable ceiling (limit write_fsync_wb) "
                  "is itself under 2x torch.save + fsync, >= 0.9x that "
                  "ceiling",
        "status": verdict(ok),
        "value": [sp_durable, ceiling, r_wb],
        "measured": "durable save %s torch.save + fsync; ceiling "
                    "write_fsync_wb %s torch.save + fsync; durable save %s x "
                    "write_fsync_wb" % (fx(sp_durable), fx(ceiling), fr(r_wb))})

    r = lim_ratio("restore_existing", "read_reused")
    rows.append({"target": "restore_existing >= 0.9x read_reused (mixed_1g)",
                 "status": verdict(None if r is None else r >= 0.9),
                 "value": r, "measured": "%s x read_reused" % fr(r)})
    r = lim_ratio("verify", "read_reused")
    r2 = lim_ratio("verify", "read_crc")
    rows.append({"target": "verify >= 0.8x read_reused (mixed_1g)",
                 "status": verdict(None if r is None else r >= 0.8),
                 "value": r,
                 "measured": "%s x read_reused (%s x read_crc)"
                             % (fr(r), fr(r2))})

    row100k = next((p for p in pt if p["workload"] == "count_100k"), None)
    for label, key in (("save (vs write_crc_fsync)",
                        "save-write_crc_fsync"),
                       ("restore_existing (vs read_reused)",
                        "restore_existing-read_reused")):
        us = row100k["overhead_us"].get(key) if row100k else None
        extra = ""
        if row100k and key.startswith("save"):
            extra = "; save_nosync vs write_crc: %s us" % fs(
                row100k["overhead_us"].get("save_nosync-write_crc"), 3)
        tensors = row100k["tensors"] if row100k else None
        rows.append({
            "target": "per-tensor overhead at count_100k <= 2 us: " + label,
            "status": verdict(None if us is None else us <= 2),
            "value": us,
            "measured": "%s us/tensor over %s tensors%s"
                        % (fs(us, 3), tensors if tensors else "n/a", extra)})

    both = graph["save_restore"]
    rows.append({
        "target": "graph_100k save + restore < 1 s",
        "status": verdict(None if both is None else both < 1),
        "value": both,
        "measured": "%s s (save %s s, restore %s s; %s variables)"
                    % (fs(both), fs(graph["save"]), fs(graph["restore"]),
                       graph["tensors"] or "n/a")})

    def worst_rss(ops, minus_payload=()):
        worst = None
        for (wl, system, op), rec in res.records.items():
            if system != "ckpt" or op not in ops or rec.get("skipped"):
                continue
            b = rec.get("peak_rss_delta_bytes")
            if b is None:
                continue
            if op in minus_payload:
                b -= rec.get("bytes") or 0
            if worst is None or b > worst[0]:
                worst = (b, wl, op)
        return worst

    for label, ops, minus in (
            ("save ops (save, save_nosync, save_sharded)",
             ("save", "save_nosync", "save_sharded"), ()),
            ("async save ops (save_async_blocked, save_async_total)",
             ("save_async_blocked", "save_async_total"), ()),
            ("restore ops (restore_existing; restore_fresh less the "
             "payload it must allocate)",
             ("restore_existing", "restore_fresh"), ("restore_fresh",))):
        worst = worst_rss(ops, minus)
        mib = None if worst is None else worst[0] / MIB
        rows.append({
            "target": "peak RSS delta <= %d MiB, %s, every workload"
                      % (RSS_LIMIT_MIB, label),
            "status": verdict(None if mib is None else mib <= RSS_LIMIT_MIB),
            "value": mib,
            "measured": ("n/a" if worst is None else
                         "worst %.1f MiB (%s %s)" % (mib, worst[1],
                                                     worst[2]))})

    for op in ("save", "restore_existing"):
        row = next((s for s in scal
                    if s["system"] == "ckpt" and s["op"] == op), None)
        eb = row["bytes_exponent"] if row else None
        et = row["tensors_exponent"] if row else None
        have = [e for e in (eb, et) if e is not None]
        ok = None if not have else all(0.85 <= e <= 1.15 for e in have)
        rows.append({
            "target": "scaling exponent of ckpt %s within 0.85..1.15 "
                      "(bytes_*, count_*)" % op,
            "status": verdict(ok), "value": [eb, et],
            "measured": "bytes %s, tensors %s" % (fr(eb), fr(et))})

    blocked = res.seconds(w, "ckpt", "save_async_blocked")
    memcpy = res.seconds(w, "limit", "memcpy")
    times = ratio(blocked, memcpy)
    rows.append({
        "target": "save_async_blocked <= 1.2x memcpy (mixed_1g)",
        "status": verdict(None if times is None else times <= 1.2),
        "value": times,
        "measured": "%s x the memcpy time (throughput ratio %s)"
                    % (fr(times), fr(None if not times else 1 / times))})
    rows.extend(cold_restore_targets(res))
    for row in rows:
        if row["status"] == "n/a":
            row["measured"] = "n/a (not measured)"
    return rows


def cold_restore_targets(res):
    """The rows of the cold-restore and hidden-checksum targets."""
    rows = []

    def lim_ratio(wl, op, lim):
        return ratio(res.seconds(wl, "limit", lim),
                     res.seconds(wl, "ckpt", op))

    for wl in ("mixed_1g", "bytes_1g"):
        r = lim_ratio(wl, "restore_fresh", "read_fresh")
        rows.append({
            "target": "restore_fresh >= 0.9x read_fresh (%s)" % wl,
            "status": verdict(None if r is None else r >= 0.9),
            "value": r, "measured": "%s x read_fresh" % fr(r)})
        loads = [(res.seconds(wl, p, "load"), p) for p in PEERS]
        loads = [(s, p) for s, p in loads if s is not None]
        mine = res.seconds(wl, "ckpt", "restore_fresh")
        best = min(loads) if loads else None
        vs = None if best is None or mine is None else mine / best[0]
        mapped = res.seconds(wl, "ckpt", "restore_mapped")
        rows.append({
            "target": "restore_fresh within 1.1x the fastest peer load (%s)"
                      % wl,
            "status": verdict(None if vs is None else vs <= 1.1),
            "value": vs,
            "measured": "%s s vs %s %s s (%s x its time); mapped restore "
                        "%s s" % (fs(mine), best[1] if best else "n/a",
                                  fs(best[0] if best else None), fr(vs),
                                  fs(mapped))})
    for op, lim in (("restore_existing", "read_reused"),
                    ("restore_fresh", "read_fresh")):
        r = lim_ratio("count_100k", op, lim)
        rows.append({
            "target": "%s >= 0.8x %s (count_100k)" % (op, lim),
            "status": verdict(None if r is None else r >= 0.8),
            "value": r, "measured": "%s x %s" % (fr(r), lim)})
    for wl in ("mixed_1g", "bytes_1g"):
        r = lim_ratio(wl, "save_nosync", "write")
        h5 = ratio(res.seconds(wl, "h5py", "save"),
                   res.seconds(wl, "ckpt", "save_nosync"))
        rows.append({
            "target": "save_nosync >= 0.95x write, no CRC (%s), and faster "
                      "than h5py" % wl,
            "status": verdict(None if r is None else
                              r >= 0.95 and (h5 is None or h5 > 1)),
            "value": [r, h5],
            "measured": "%s x write; %s h5py save" % (fr(r), fx(h5))})
        r = lim_ratio(wl, "save", "write_crc_fsync")
        rows.append({
            "target": "durable save >= 1.0x write_crc_fsync (%s)" % wl,
            "status": verdict(None if r is None else r >= 1.0),
            "value": r, "measured": "%s x write_crc_fsync" % fr(r)})
    return rows


# ---------------------------------------------------------------------------
# Markdown.

def host_paragraph(res):
    lines = ["## Host and method", ""]
    for h in res.hosts:
        host = h["host"]
        mem = host.get("mem_bytes")
        lines.append("* **%s**: %s CPUs, %s GiB memory, %s. %s" % (
            h["producer"], host.get("cpus", "n/a"),
            "n/a" if not mem else "%.1f" % (mem / GIB),
            host.get("kernel", "n/a"), host.get("notes", "")))
    lines += [
        "",
        "Every figure is the median of the timed runs of an op, after one "
        "untimed warm-up, each run after an untimed sync(2) so that no op "
        "pays for an earlier op's writeback; buffers are pre-touched, so "
        "first-touch page faults count only where allocating is part of the "
        "op (read_fresh, restore_fresh, the peers' load). Files are in the "
        "page cache (no cache dropping): the save ops measure the write "
        "path, and only ckpt save/save_sharded/save_async_total, the limits "
        "write_crc_fsync and write_fsync_wb and torch save_fsync "
        "(torch.save, then fsync of the "
        "file and its directory; mixed_1g only) sync to the device. No other "
        "peer op (torch.save, np.savez, h5py, libtorch) fsyncs.",
        "",
        "**Throughput ratio** = limit_seconds / system_seconds on the same "
        "workload: 1.0 is as fast as the machine's limit, higher is faster, "
        "0.5 is half the limit's throughput. **Nx faster** = "
        "peer_seconds / ckpt_seconds (ckpt save ops vs the peer's save, "
        "restore_fresh vs the peer's load). GiB/s = payload bytes / seconds "
        "/ 2^30. Peak RSS delta = VmHWM after the op minus VmRSS before it; "
        "for ckpt_perf from one extra untimed run of every op with the heap "
        "trimmed first (malloc_trim), so memory an op allocates shows even "
        "when an earlier op freed as much; for the peers, max over the timed "
        "runs. \"n/a\": not measured (peer not run, op skipped or a limit "
        "missing).",
        ""]
    return "\n".join(lines)


def workload_section(res, w, derived):
    keys = res.keys_of(w)
    any_rec = res.records[keys[0]]
    n = any_rec.get("tensors")
    b = any_rec.get("bytes")
    out = ["### %s" % w, "",
           "%s tensors, %s MiB payload." % (n if n else "n/a",
                                           fmib(b) if b else "n/a"), ""]
    header = ["system", "op", "median s", "GiB/s",
              "throughput ratio vs limit"]
    header += ["vs " + p for p in PEERS] + ["peak RSS delta MiB", "notes"]
    rows = []
    for key in keys:
        rec = derived[key]
        d = rec["derived"]
        s = res.seconds(*key)
        lims = "; ".join("%s %s" % (fr(v), k)
                         for k, v in d["limit_ratios"].items()) or "-"
        if s is None and d["limit_ratios"]:
            lims = "n/a"
        peers = []
        for p in PEERS:
            if p in d["peer_speedups"]:
                peers.append(fx(d["peer_speedups"][p]))
            else:
                peers.append("-")
        notes = []
        if rec.get("skipped"):
            notes.append("skipped: " + rec["skipped"])
        if rec.get("note"):
            notes.append(rec["note"])
        runs = rec.get("runs") or []
        if runs and not rec.get("skipped"):
            notes.append("%d runs" % len(runs))
        rows.append([key[1], key[2], fs(s),
                     "n/a" if d["gib_per_s"] is None
                     else "%.2f" % d["gib_per_s"], lims] + peers +
                    [fmib(rec.get("peak_rss_delta_bytes")),
                     "; ".join(notes)])
    out.append(table(header, rows))
    out.append("")
    return "\n".join(out)


def markdown(res, derived, scal, pt, graph, targ):
    md = ["# ckpt benchmark report", ""]
    md.append("Inputs: " + ", ".join("`%s` (%s, %d records)" % (
        i["path"], i["producer"], i["records"]) for i in res.inputs) + ".")
    md.append("")
    md.append(host_paragraph(res))

    md += ["## Targets", "",
           "Throughput ratio = limit_seconds / ckpt_seconds (1.0 = as fast "
           "as the limit).", ""]
    md.append(table(["target", "result", "measured"],
                    [[t["target"], t["status"], t["measured"]]
                     for t in targ]))
    md.append("")

    md += ["## Per workload", ""]
    for w in res.workloads():
        md.append(workload_section(res, w, derived))

    md += ["## Per-tensor overhead (count_*, small_*)", "",
           "ckpt: (op seconds - limit seconds) / tensors, in µs per tensor. "
           "Peers: seconds / tensors, in µs per tensor (whole op).", ""]
    header = ["workload", "tensors", "save - write_crc_fsync",
              "save_nosync - write_crc", "restore_existing - read_reused"]
    header += ["%s %s" % (p, op) for p in PEERS for op in ("save", "load")]
    rows = []
    for r in pt:
        rows.append([r["workload"], r["tensors"]] +
                    [fs(r["overhead_us"][k], 3) for k in (
                        "save-write_crc_fsync", "save_nosync-write_crc",
                        "restore_existing-read_reused")] +
                    [fs(r["peer_us_per_tensor"]["%s_%s" % (p, op)], 3)
                     for p in PEERS for op in ("save", "load")])
    md.append(table(header, rows) if rows else "n/a")
    md.append("")

    md += ["## Scaling", "",
           "Fitted exponent: least-squares slope of log(seconds) on "
           "log(bytes) over bytes_* and on log(tensors) over count_* (1.0 = "
           "linear).", ""]
    rows = [[s["system"], s["op"],
             "%s (%d points)" % (fr(s["bytes_exponent"]), s["bytes_points"]),
             "%s (%d points)" % (fr(s["tensors_exponent"]),
                                 s["tensors_points"])] for s in scal]
    md.append(table(["system", "op", "exponent vs bytes",
                     "exponent vs tensors"], rows) if rows else "n/a")
    md.append("")

    md += ["## graph_100k", "",
           "An object graph of %s small variables (ckpt only)."
           % (graph["tensors"] or "n/a"), ""]
    md.append(table(["save s", "restore s", "save_restore s"],
                    [[fs(graph["save"]), fs(graph["restore"]),
                      fs(graph["save_restore"])]]))
    md.append("")
    return "\n".join(md)


# ---------------------------------------------------------------------------
# Plot.

def plot(res, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(14, 5.5))
    w = "mixed_1g"
    groups = (
        ("save", [("ckpt", "save"), ("ckpt", "save_nosync"),
                  ("torch", "save"), ("numpy", "save"), ("h5py", "save"),
                  ("libtorch", "save")],
         [("write_crc", "-", "black"), ("write_crc_fsync", "--", "black")]),
        ("load", [("ckpt", "restore_existing"), ("ckpt", "restore_fresh"),
                  ("torch", "load"), ("numpy", "load"), ("h5py", "load"),
                  ("libtorch", "load")],
         [("read_reused", "-", "dimgray"), ("read_fresh", "--", "dimgray")]))
    colors = {"ckpt": "tab:blue", "torch": "tab:orange", "numpy": "tab:green",
              "h5py": "tab:purple", "libtorch": "tab:red"}
    x = 0.0
    ticks, labels = [], []
    for group, bars, lims in groups:
        start = x
        for system, op in bars:
            rec = res.get(w, system, op)
            s = res.seconds(w, system, op)
            val = rec["bytes"] / s / GIB if s and rec.get("bytes") else 0.0
            left.bar(x, val, color=colors[system],
                     alpha=1.0 if op in ("save", "load", "restore_fresh")
                     else 0.6)
            left.text(x, val, "n/a" if not val else "%.2f" % val,
                      ha="center", va="bottom", fontsize=7)
            ticks.append(x)
            labels.append("%s\n%s" % (system, op))
            x += 1
        for lim, style, color in lims:
            rec = res.get(w, "limit", lim)
            s = res.seconds(w, "limit", lim)
            if s and rec and rec.get("bytes"):
                gib = rec["bytes"] / s / GIB
                left.hlines(gib, start - 0.5, x - 0.5, colors=color,
                            linestyles=style, linewidth=1.2,
                            label="limit %s %.2f GiB/s" % (lim, gib))
        x += 1
    left.set_xticks(ticks)
    left.set_xticklabels(labels, fontsize=7, rotation=60, ha="right")
    left.set_ylabel("GiB/s")
    left.set_title("mixed_1g: throughput (lines: limits)")
    left.set_ylim(top=left.get_ylim()[1] * 1.3)  # room for the legend
    if left.get_legend_handles_labels()[0]:
        left.legend(fontsize=7, loc="upper left")

    series = [("ckpt", "save", "-"), ("ckpt", "restore_existing", "-."),
              ("ckpt", "restore_fresh", ":"),
              ("limit", "write_crc_fsync", "--"),
              ("torch", "save", "-"), ("torch", "load", ":"),
              ("libtorch", "save", "-"), ("libtorch", "load", ":"),
              ("numpy", "save", "-"), ("numpy", "load", ":"),
              ("h5py", "save", "-"), ("h5py", "load", ":")]
    counts = [wl for wl in res.workloads() if wl.startswith("count_")]
    plotted = 0
    for system, op, style in series:
        pts = []
        for wl in counts:
            rec = res.get(wl, system, op)
            s = res.seconds(wl, system, op)
            if rec and s and rec.get("tensors"):
                pts.append((rec["tensors"], s))
        if not pts:
            continue
        pts.sort()
        right.plot([p[0] for p in pts], [p[1] for p in pts], style,
                   marker="o", color=colors.get(system, "black"),
                   label="%s %s" % (system, op))
        plotted += 1
    right.set_xscale("log")
    right.set_yscale("log")
    right.set_xlabel("tensors (count_*)")
    right.set_ylabel("seconds")
    right.set_title("count_*: seconds vs tensors")
    if plotted:
        right.legend(fontsize=7)
    else:
        right.text(0.5, 0.5, "n/a", transform=right.transAxes, ha="center")
    right.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)  # the format follows the extension: .svg for SVG
    plt.close(fig)


# ---------------------------------------------------------------------------

def main(argv=None):
    p = argparse.ArgumentParser(description="ckpt benchmark report")
    p.add_argument("--out-md", required=True)
    p.add_argument("--out-json", required=True)
    p.add_argument("--plot", help="SVG plot to write")
    p.add_argument("results", nargs="+", help="results JSON files")
    args = p.parse_args(sys.argv[1:] if argv is None else argv)

    res = Results(args.results)
    derived = {k: derive_record(res, k) for k in res.records}
    scal = scaling(res)
    pt = per_tensor(res)
    graph = graph_numbers(res)
    targ = targets(res, scal, pt, graph)

    with open(args.out_md, "w") as f:
        f.write(markdown(res, derived, scal, pt, graph, targ))
        f.write("\n")
    with open(args.out_json, "w") as f:
        json.dump({"inputs": res.inputs, "hosts": res.hosts,
                   "definitions": {
                       "throughput_ratio":
                           "limit_seconds / system_seconds (1.0 = as fast "
                           "as the limit)",
                       "peer_speedup": "peer_seconds / ckpt_seconds",
                       "overhead_us": "(ckpt seconds - limit seconds) / "
                                      "tensors * 1e6",
                       "exponent": "least-squares slope of log(seconds) on "
                                   "log(bytes) over bytes_* or log(tensors) "
                                   "over count_*"},
                   "records": [derived[k] for w in res.workloads()
                               for k in res.keys_of(w)],
                   "per_tensor": pt, "scaling": scal, "graph_100k": graph,
                   "targets": targ}, f, indent=1)
        f.write("\n")
    if args.plot:
        plot(res, args.plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
