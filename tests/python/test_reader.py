# Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
"""ckpt.load_checkpoint / list_variables / load_variable against the C++
reader (through the `ckpt` CLI) on every TensorFlow-written checkpoint."""

import math
import os
import shutil
import threading

import numpy as np
import pytest

import ckpt
from conftest import (cli_json_lines, json_text_of_bytes, run_cli,
                      tf_prefixes, values_equal)


def _expected_from_cli(value_json, dtype):
    """`ckpt show --json`'s "values" as a numpy array of `dtype`."""
    if dtype == "string":
        return value_json
    def conv(v):
        if isinstance(v, list) and dtype.startswith("complex"):
            return complex(conv(v[0]), conv(v[1]))
        if isinstance(v, list):
            return [conv(x) for x in v]
        if v in ("nan", "inf", "-inf"):
            return float(v)
        return v
    return np.array(conv(value_json), dtype=dtype)


def _check_against_cli(prefix, reader, key, dtype, shape):
    shown = cli_json_lines("show", prefix, key, "--json", "--all")
    assert shown["dtype"] == dtype and shown["shape"] == shape
    value = reader.get_tensor(key)
    if dtype == "string":
        if shape == []:
            assert isinstance(value, bytes)
            assert json_text_of_bytes(value) == shown["values"]
        else:
            flat = [json_text_of_bytes(b) for b in value.ravel().tolist()]
            expected = np.array(shown["values"], dtype=object).ravel().tolist()
            assert flat == expected
        return
    expected = _expected_from_cli(shown["values"], dtype)
    got = np.asarray(value)
    assert got.dtype == np.dtype(dtype) and list(got.shape) == shape
    if shape == []:
        assert np.isscalar(value) or isinstance(value, np.generic)
    assert values_equal(got, expected), key


def test_every_tf_checkpoint_matches_the_cpp_reader(testdata):
    checked = 0
    for prefix, has_data in tf_prefixes(testdata):
        listed = cli_json_lines("ls", prefix, "--json")
        reader = ckpt.load_checkpoint(prefix + ".index")
        shapes = reader.get_variable_to_shape_map()
        dtypes = reader.get_variable_to_dtype_map()
        assert sorted(shapes) == sorted(e["key"] for e in listed)
        assert reader.keys() == sorted(shapes)
        for e in listed:
            assert shapes[e["key"]] == e["shape"]
            assert dtypes[e["key"]] == e["dtype"]
            if has_data:
                _check_against_cli(prefix, reader, e["key"], e["dtype"],
                                   e["shape"])
                checked += 1
            else:
                with pytest.raises(ckpt.NotFoundError, match="data"):
                    reader.get_tensor(e["key"])
    assert checked > 50


def test_list_and_load_variable_as_tensorflow(testdata):
    golf = os.path.join(testdata, "golf")
    names = ckpt.list_variables(golf)
    assert names == sorted(names)
    assert ("step/.ATTRIBUTES/VARIABLE_VALUE", []) in names
    assert ("net/layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE",
            [7, 64]) in names
    kernel = ckpt.load_variable(
        golf, "net/layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE:0")
    assert kernel.shape == (7, 64) and kernel.dtype == np.float32
    step = ckpt.load_variable(golf, "step/.ATTRIBUTES/VARIABLE_VALUE")
    assert isinstance(step, np.int32)


def test_every_path_form_opens_the_same_checkpoint(testdata, tmp_path):
    golf = os.path.join(testdata, "golf")
    latest = ckpt.load_checkpoint(golf).prefix
    assert latest.endswith("ckpt-2")
    for form in (golf, latest, latest + ".index",
                 latest + ".data-00000-of-00001",
                 os.path.join(golf, "checkpoint")):
        assert ckpt.load_checkpoint(form).prefix == latest
    with pytest.raises(ckpt.NotFoundError):
        ckpt.load_checkpoint(tmp_path / "nothing")


def test_mmap_returns_read_only_views_that_outlive_the_reader(testdata):
    golf = os.path.join(testdata, "golf")
    plain = ckpt.load_checkpoint(golf)
    with ckpt.load_checkpoint(golf, mmap=True) as mapped:
        views = {k: mapped.get_tensor(k) for k in mapped.keys()}
    for key, view in views.items():
        if isinstance(view, np.ndarray) and view.size:
            assert not view.flags.writeable
            with pytest.raises(ValueError):
                view.flat[0] = view.flat[0]
        assert values_equal(view, plain.get_tensor(key)), key
    fresh = plain.get_tensor(
        "net/layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE")
    assert fresh.flags.writeable


def test_partitioned_tensors_read_whole(testdata, tmp_path):
    golf = os.path.join(testdata, "golf")
    key = "net/layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE"
    dst = str(tmp_path / "parted")
    run_cli("convert", golf, dst, "--partition", key + "=3")
    assert any(e.get("slices") for e in cli_json_lines("ls", dst, "--json",
                                                       "--slices"))
    whole = ckpt.load_checkpoint(golf)
    parted = ckpt.load_checkpoint(dst)
    assert parted.keys() == whole.keys()  # slice keys hidden
    assert parted.get_variable_to_shape_map()[key] == [7, 64]
    for mmap in (False, True):
        r = ckpt.load_checkpoint(dst, mmap=mmap)
        assert values_equal(r.get_tensor(key), whole.get_tensor(key))


def test_missing_key_and_closed_reader(testdata):
    reader = ckpt.load_checkpoint(os.path.join(testdata, "golf"))
    with pytest.raises(ckpt.NotFoundError) as e:
        reader.get_tensor("no/such/key")
    assert e.value.code == 5 and e.value.code_name == "NOT_FOUND"
    assert "'no/such/key'" in str(e.value) and "ckpt-2" in str(e.value)
    assert isinstance(e.value, LookupError)
    assert not reader.has_tensor("no/such/key")
    assert "step/.ATTRIBUTES/VARIABLE_VALUE" in reader
    reader.close()
    with pytest.raises(ckpt.FailedPreconditionError, match="closed"):
        reader.get_tensor("step/.ATTRIBUTES/VARIABLE_VALUE")


def test_concurrent_reads_from_threads(testdata):
    reader = ckpt.load_checkpoint(os.path.join(testdata, "fsrcnn"))
    keys = [k for k, d in reader.get_variable_to_dtype_map().items()
            if d != "string"]
    expected = {k: reader.get_tensor(k) for k in keys}
    errors = []

    def work():
        try:
            for _ in range(5):
                for k in keys:
                    if not values_equal(reader.get_tensor(k), expected[k]):
                        errors.append(k)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(repr(e))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_reads_release_the_gil(tmp_path):
    # A thread that only runs Python code makes progress while another
    # thread is inside get_tensor of a large tensor: impossible if the read
    # held the GIL. Ticks are timestamped; only those well inside the read
    # (not at its entry or exit, where the GIL changes hands anyway) count.
    import sys
    import time
    big = np.arange(64 << 20, dtype=np.float32)  # 256 MiB
    ckpt.save(str(tmp_path / "big"), {"big": big})
    reader = ckpt.load_checkpoint(str(tmp_path / "big"))
    ticks = []
    done = threading.Event()

    def ticker():
        while not done.is_set():
            ticks.append(time.monotonic())

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-4)
    t = threading.Thread(target=ticker)
    try:
        t.start()
        t0 = time.monotonic()
        value = reader.get_tensor("big")
        t1 = time.monotonic()
    finally:
        done.set()
        t.join()
        sys.setswitchinterval(old)
    assert values_equal(value, big)
    margin = (t1 - t0) / 4
    inside = [x for x in ticks if t0 + margin < x < t1 - margin]
    assert inside, "no Python thread ran during a %.3f s read" % (t1 - t0)


def test_close_while_another_thread_reads(tmp_path):
    # The read holds its own reference to the reader: closing meanwhile
    # never frees it under the read; later calls see the reader closed.
    big = np.arange(16 << 20, dtype=np.float32)
    ckpt.save(str(tmp_path / "big"), {"big": big})
    for mmap in (False, True):
        for _ in range(5):
            reader = ckpt.load_checkpoint(str(tmp_path / "big"), mmap=mmap)
            out = []

            def read():
                try:
                    out.append(reader.get_tensor("big"))
                except ckpt.FailedPreconditionError as e:
                    out.append(e)

            t = threading.Thread(target=read)
            t.start()
            reader.close()
            t.join()
            assert len(out) == 1
            if isinstance(out[0], np.ndarray):
                assert values_equal(out[0], big)
            with pytest.raises(ckpt.FailedPreconditionError):
                reader.get_tensor("big")


def test_dtypes_numpy_lacks_come_back_as_bits_with_a_warning(tmp_path):
    # bfloat16 and float8 tensors (made with `ckpt import` of a safetensors
    # file written here by hand) read as their bits when ml_dtypes is
    # absent, with a DtypeWarning naming the key; with ml_dtypes, as its
    # types.
    import json
    import struct
    bits16 = np.array([0x3F80, 0xC000, 0x7FC0], dtype="<u2")  # 1, -2, nan
    bits8 = np.array([0x38, 0x40], dtype="u1")
    header = {"bf": {"dtype": "BF16", "shape": [3], "data_offsets": [0, 6]},
              "f8": {"dtype": "F8_E4M3", "shape": [2], "data_offsets": [6, 8]}}
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    path = tmp_path / "x.safetensors"
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + bits16.tobytes() +
                     bits8.tobytes())
    run_cli("import", path, str(tmp_path / "x"))
    r = ckpt.load_checkpoint(str(tmp_path / "x"))
    assert r.get_variable_to_dtype_map() == {"bf": "bfloat16",
                                             "f8": "float8_e4m3fn"}
    try:
        import ml_dtypes  # noqa: F401
        have_ml_dtypes = True
    except ImportError:
        have_ml_dtypes = False
    for key, bits in (("bf", bits16), ("f8", bits8)):
        if have_ml_dtypes:
            value = r.get_tensor(key)
            assert value.view(bits.dtype).tolist() == bits.tolist()
            continue
        with pytest.warns(ckpt.DtypeWarning, match="'%s'" % key):
            value = r.get_tensor(key)
        assert value.dtype == bits.dtype and value.tolist() == bits.tolist()
