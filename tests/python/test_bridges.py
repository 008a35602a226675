# Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
"""`ckpt export` / `ckpt import`: exact round trips TF -> safetensors -> TF
and TF -> npz -> TF, cross-checked by independent readers (numpy.load for
.npz, a small safetensors parser written here), hostile input, bounded
memory."""

import json
import os
import resource
import struct
import subprocess
import zipfile

import numpy as np
import pytest

import ckpt
from conftest import CLI, run_cli, tf_prefixes, values_equal

RNG = np.random.default_rng(99)

# safetensors' dtype names, as its specification lists them.
ST_DTYPES = {"F64": "float64", "F32": "float32", "F16": "float16",
             "I64": "int64", "I32": "int32", "I16": "int16", "I8": "int8",
             "U64": "uint64", "U32": "uint32", "U16": "uint16", "U8": "uint8",
             "BOOL": "bool"}


def parse_safetensors(path):
    """An independent reader: {name: array} and the metadata."""
    blob = open(path, "rb").read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    data = blob[8 + n:]
    meta = header.pop("__metadata__", {})
    out = {}
    end = 0
    for name, info in sorted(header.items(),
                             key=lambda kv: kv[1]["data_offsets"][0]):
        begin, stop = info["data_offsets"]
        assert begin == end, "tensors must be packed in order"
        end = stop
        raw = data[begin:stop]
        if info["dtype"] == "BF16":
            arr = np.frombuffer(raw, dtype="<u2")
        else:
            arr = np.frombuffer(raw, dtype=ST_DTYPES[info["dtype"]])
        out[name] = (info["dtype"], arr.reshape(info["shape"]))
    assert end == len(data)
    assert (8 + n) % 8 == 0  # header padded to 8 bytes
    return out, meta


def _all_equal(a, b):
    ra, rb = ckpt.load_checkpoint(a), ckpt.load_checkpoint(b)
    assert ra.get_variable_to_dtype_map() == rb.get_variable_to_dtype_map()
    assert ra.get_variable_to_shape_map() == rb.get_variable_to_shape_map()
    for k in ra.keys():
        assert values_equal(ra.get_tensor(k), rb.get_tensor(k)), k


def test_tf_checkpoints_round_trip_through_both_formats(testdata, tmp_path):
    done = 0
    for prefix, has_data in tf_prefixes(testdata):
        if not has_data:
            continue
        for fmt in ("safetensors", "npz"):
            out = tmp_path / ("%d.%s" % (done, fmt))
            back = str(tmp_path / ("%d_%s_back" % (done, fmt)))
            run_cli("export", prefix, out)
            run_cli("import", out, back)
            _all_equal(prefix, back)
            run_cli("verify", back)
        done += 1
    assert done >= 5


def test_npz_is_what_numpy_reads(testdata, tmp_path):
    golf = os.path.join(testdata, "golf")
    out = tmp_path / "golf.npz"
    run_cli("export", golf, out)
    reader = ckpt.load_checkpoint(golf)
    with np.load(out) as z:
        assert zipfile.ZipFile(out).testzip() is None
        assert sorted(z.files) == sorted(reader.keys())
        for k in reader.keys():
            if k == "_CHECKPOINTABLE_OBJECT_GRAPH":
                assert z[k].dtype == np.uint8
                assert z[k].tobytes() == reader.get_tensor(k)
                continue
            assert values_equal(z[k], np.asarray(reader.get_tensor(k))), k
    # numpy's own files import too: np.savez and np.savez_compressed,
    # Fortran order, strings, 0-d.
    values = {"f": np.asfortranarray(RNG.standard_normal((3, 4, 5))),
              "s": np.array([b"ab", b"c"]), "z": np.float32(2.5),
              "b": np.array([True, False]), "c": np.array([1 + 2j])}
    for save in (np.savez, np.savez_compressed):
        path = tmp_path / ("np_%s.npz" % save.__name__)
        save(path, **values)
        prefix = str(tmp_path / save.__name__)
        run_cli("import", path, prefix)
        r = ckpt.load_checkpoint(prefix)
        assert values_equal(r.get_tensor("f"), np.ascontiguousarray(values["f"]))
        assert r.get_tensor("s").tolist() == [b"ab", b"c"]
        assert r.get_tensor("z") == np.float32(2.5)
        assert r.get_tensor("b").tolist() == [True, False]
        assert r.get_tensor("c").tolist() == [1 + 2j]


def test_safetensors_bytes_match_an_independent_parser(testdata, tmp_path):
    golf = os.path.join(testdata, "golf")
    out = tmp_path / "golf.safetensors"
    run_cli("export", golf, out)
    tensors, meta = parse_safetensors(out)
    reader = ckpt.load_checkpoint(golf)
    assert sorted(tensors) == sorted(k for k in reader.keys()
                                     if k != "_CHECKPOINTABLE_OBJECT_GRAPH")
    for name, (_, arr) in tensors.items():
        assert values_equal(arr, reader.get_tensor(name)), name
    assert meta["format"] == "tf"
    assert meta["ckpt.source"].endswith("ckpt-2")
    assert meta["ckpt.path.net/layer_with_weights-0/kernel/.ATTRIBUTES/"
                "VARIABLE_VALUE"] == "net/layer_with_weights-0/kernel"
    assert "ckpt.object_graph" in meta


def test_every_dtype_each_format_carries(tmp_path):
    values = {}
    for dt in ("float16", "float32", "float64", "int8", "int16", "int32",
               "int64", "uint8", "uint16", "uint32", "uint64"):
        raw = RNG.integers(0, 256, size=24 * np.dtype(dt).itemsize,
                           dtype=np.uint8)
        values["v_" + dt] = raw.view(dt).reshape(2, 3, 4)
    values["v_bool"] = np.array([[True, False]])
    values["v_scalar"] = np.float64(-0.0)
    values["v_empty"] = np.zeros((0, 3), np.float32)
    src = str(tmp_path / "src")
    ckpt.save(src, values)
    for fmt in ("safetensors", "npz"):
        out = tmp_path / ("all." + fmt)
        run_cli("export", src, out)
        back = str(tmp_path / ("back_" + fmt))
        run_cli("import", out, back)
        _all_equal(src, back)
    # npz also carries complex and strings; safetensors refuses them,
    # naming the key.
    extra = str(tmp_path / "extra")
    ckpt.save(extra, {"c": np.array([1 + 2j], np.complex64),
                      "s": np.array([b"a", b"bc"], dtype=object)})
    run_cli("export", extra, tmp_path / "extra.npz")
    run_cli("import", tmp_path / "extra.npz", str(tmp_path / "extra_back"))
    _all_equal(extra, str(tmp_path / "extra_back"))
    code, _, err = run_cli("export", extra, tmp_path / "x.safetensors",
                           check=False)
    assert code == 2 and "'c'" in err and "complex64" in err
    assert not (tmp_path / "x.safetensors").exists()
    # A string ending in NUL cannot survive numpy's 'S' dtype: refused.
    nul = str(tmp_path / "nul")
    ckpt.save(nul, {"s": np.array([b"a\x00"], dtype=object)})
    code, _, err = run_cli("export", nul, tmp_path / "nul.npz", check=False)
    assert code == 2 and "NUL" in err and "'s'" in err


def test_map_rules_and_drop_optimizer(testdata, tmp_path):
    golf = os.path.join(testdata, "golf")
    out = tmp_path / "m.safetensors"
    _, line, _ = run_cli("export", golf, out, "--drop-optimizer",
                         "--map", r"/\.ATTRIBUTES/VARIABLE_VALUE$=",
                         "--map", r"^net/layer_with_weights-(\d)/=layers.$1.")
    assert "17 dropped" in line
    tensors, meta = parse_safetensors(out)
    assert sorted(tensors) == sorted(
        ["layers.%d.%s" % (i, w) for i in range(3) for w in ("kernel", "bias")]
        + ["save_counter", "step"])
    assert meta["ckpt.key.layers.0.kernel"] == \
        "net/layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE"
    assert "ckpt.object_graph" not in meta  # keys renamed: graph not carried
    code, _, err = run_cli("export", golf, tmp_path / "c.npz",
                           "--map", "^.*$=same", check=False)
    assert code == 2 and "both map to 'same'" in err
    code, _, err = run_cli("export", golf, tmp_path / "c.npz", "--map",
                           "([=x", check=False)
    assert code == 2


def test_sharded_safetensors_layout(testdata, tmp_path):
    golf = os.path.join(testdata, "golf")
    dst = tmp_path / "hub" / "model.safetensors"
    run_cli("export", golf, dst, "--shard-size", "8k")
    files = sorted(os.listdir(tmp_path / "hub"))
    assert "model.safetensors.index.json" in files
    shards = [f for f in files if f.endswith(".safetensors")]
    assert len(shards) > 1 and all("-of-%05d" % len(shards) in f
                                   for f in shards)
    index = json.load(open(tmp_path / "hub" / "model.safetensors.index.json"))
    total = 0
    for shard in shards:
        tensors, _ = parse_safetensors(tmp_path / "hub" / shard)
        total += sum(a.nbytes for _, a in tensors.values())
        for name in tensors:
            assert index["weight_map"][name] == shard
    assert index["metadata"]["total_size"] == total
    back = str(tmp_path / "back")
    run_cli("import", tmp_path / "hub" / "model.safetensors.index.json", back)
    _all_equal(golf, back)


def _write_safetensors(path, header, data=b""):
    raw = json.dumps(header).encode()
    open(path, "wb").write(struct.pack("<Q", len(raw)) + raw + data)


@pytest.mark.parametrize("header, data, match", [
    ({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}, b"\0" * 4,
     "a"),                                                   # past the end
    ({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}, b"\0" * 4,
     "a"),                                                   # size vs shape
    ({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
      "b": {"dtype": "F32", "shape": [1], "data_offsets": [2, 6]}}, b"\0" * 8,
     ""),                                                    # overlap
    ({"a": {"dtype": "C64", "shape": [1], "data_offsets": [0, 8]}}, b"\0" * 8,
     "C64"),                                                 # unknown dtype
    ({"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}, b"\0" * 4,
     ""),                                                    # negative dim
    ([[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]], b"", ""),  # nesting bomb
])
def test_hostile_safetensors_are_data_loss(tmp_path, header, data, match):
    path = tmp_path / "bad.safetensors"
    _write_safetensors(path, header, data)
    code, _, err = run_cli("import", path, str(tmp_path / "out"), check=False)
    assert code == 4, err
    assert match in err
    assert not any(f.startswith("out") for f in os.listdir(tmp_path))


def test_hostile_headers_and_archives(tmp_path):
    # A header length beyond the file, duplicate names, truncated zips and
    # corrupt member data: clean errors, no output.
    cases = {}
    cases["len.safetensors"] = struct.pack("<Q", 1 << 40) + b"{}"
    cases["dup.safetensors"] = None
    raw = (b'{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},'
           b'"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}')
    cases["dup.safetensors"] = struct.pack("<Q", len(raw)) + raw + b"xy"
    good = tmp_path / "good.npz"
    np.savez(good, a=np.arange(100))
    blob = open(good, "rb").read()
    cases["trunc.npz"] = blob[:len(blob) // 2]
    flipped = bytearray(blob)
    flipped[blob.index(b"\x93NUMPY") + 200] ^= 1  # inside a's data
    cases["crc.npz"] = bytes(flipped)
    cases["notzip.npz"] = b"PK\x03\x04 garbage"
    for name, content in cases.items():
        path = tmp_path / name
        open(path, "wb").write(content)
        code, _, err = run_cli("import", path, str(tmp_path / "o"),
                               check=False)
        assert code == 4, (name, err)
        assert name in err, (name, err)
    # A deflated member claiming far more than its stream inflates to:
    # refused (before allocation when deflate could never produce it).
    comp = tmp_path / "comp.npz"
    np.savez_compressed(comp, a=np.zeros(1000))
    blob = bytearray(open(comp, "rb").read())
    for claim, message in ((1 << 40, "more than deflate produces"),
                           (200000, "inflates to")):
        patched = bytearray(blob)
        local = patched.index(b"PK\x03\x04")
        central = patched.index(b"PK\x01\x02")
        struct.pack_into("<I", patched, local + 22, claim & 0xFFFFFFFF)
        struct.pack_into("<I", patched, central + 24, claim & 0xFFFFFFFF)
        if claim >= 0xFFFFFFFF:
            struct.pack_into("<I", patched, central + 24, 0xFFFFFFFE)
        path = tmp_path / "claim.npz"
        open(path, "wb").write(bytes(patched))
        code, _, err = run_cli("import", path, str(tmp_path / "o"), check=False)
        assert code == 4, err
        assert "claim.npz" in err
    code, _, err = run_cli("import", good, str(tmp_path / "o2.index"),
                           check=False)
    assert code == 2
    code, _, err = run_cli("import", tmp_path / "x.txt", str(tmp_path / "o3"),
                           check=False)
    assert code == 5 and "x.txt" in err


def test_memory_stays_bounded_by_the_largest_tensor(tmp_path):
    # 8 tensors of 32 MiB: export and import must not hold more than one
    # (plus 64 MiB) at a time. ru_maxrss of the child is in KiB.
    big = {"t%d" % i: np.full(8 << 20, i, dtype=np.float32) for i in range(8)}
    src = str(tmp_path / "big")
    ckpt.save(src, big)
    del big
    limit_kib = (32 + 64) * 1024
    for fmt in ("safetensors", "npz"):
        out = tmp_path / ("big." + fmt)
        for args in (["export", src, out], ["import", out,
                                             str(tmp_path / ("b_" + fmt))]):
            proc = subprocess.run(
                [os.environ.get("CKPT_PYTHON", "/usr/bin/python3"), "-c",
                 "import resource,subprocess,sys;"
                 "subprocess.run(sys.argv[1:],check=True);"
                 "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)",
                 CLI] + [str(a) for a in args],
                capture_output=True, text=True, check=True)
            peak = int(proc.stdout.split()[-1])
            assert peak < limit_kib, (args, peak)


def test_python_export_and_import(testdata, tmp_path):
    golf = os.path.join(testdata, "golf")
    r = ckpt.export_checkpoint(golf, tmp_path / "g.safetensors",
                               drop_optimizer=True)
    assert r["tensors"] == 8 and r["dropped"] == 17 and not r["object_graph"]
    assert r["files"] == [str(tmp_path / "g.safetensors")]
    r = ckpt.export_checkpoint(golf, tmp_path / "g.npz")
    assert r["object_graph"]
    back = ckpt.import_checkpoint(tmp_path / "g.npz", tmp_path / "back")
    assert back["tensors"] == 25 and back["object_graph"]
    _all_equal(golf, str(tmp_path / "back"))
    r = ckpt.export_checkpoint(golf, tmp_path / "hub" / "m.safetensors",
                               shard_size=8192,
                               key_map=[r"/\.ATTRIBUTES/VARIABLE_VALUE$="])
    assert r["files"][-1].endswith("m.safetensors.index.json")
    with pytest.raises(ckpt.InvalidArgumentError, match="format"):
        ckpt.export_checkpoint(golf, tmp_path / "x.bin")
    with pytest.raises(ckpt.InvalidArgumentError, match="safetensors only"):
        ckpt.export_checkpoint(golf, tmp_path / "x.npz", shard_size=10)
    with pytest.raises(ckpt.InvalidArgumentError, match=">= 0"):
        ckpt.export_checkpoint(golf, tmp_path / "x.safetensors", shard_size=-1)
    with pytest.raises(ckpt.InvalidArgumentError, match="REGEX"):
        ckpt.export_checkpoint(golf, tmp_path / "x.npz", key_map=["nope"])
    with pytest.raises(ckpt.FailedPreconditionError):
        ckpt.import_checkpoint(tmp_path / "x.txt", tmp_path / "o")
