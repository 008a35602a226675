# Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
"""ckpt.save: every dtype round trips bit for bit and the result is a valid
bundle for the C++ reader (`ckpt verify`, `ckpt ls`)."""

import os

import numpy as np
import pytest

import ckpt
from conftest import cli_json_lines, run_cli, values_equal

RNG = np.random.default_rng(20261207)

NUMERIC = ["float16", "float32", "float64", "int8", "int16", "int32", "int64",
           "uint8", "uint16", "uint32", "uint64", "complex64", "complex128"]


def _random(dtype, shape):
    dt = np.dtype(dtype)
    raw = RNG.integers(0, 256, size=int(np.prod(shape)) * dt.itemsize,
                       dtype=np.uint8)
    return raw.view(dt).reshape(shape)  # every bit pattern, NaNs included


@pytest.mark.parametrize("dtype", NUMERIC + ["bool"])
@pytest.mark.parametrize("shape", [(), (0,), (5,), (3, 4), (2, 0, 3),
                                   (2, 3, 4, 5)])
def test_round_trip_of_every_dtype(tmp_path, dtype, shape):
    if dtype == "bool":
        value = RNG.integers(0, 2, size=shape).astype(bool)
    else:
        value = _random(dtype, shape)
    prefix = str(tmp_path / "rt")
    assert ckpt.save(prefix, {"v": value}) == 1
    got = ckpt.load_checkpoint(prefix).get_tensor("v")
    assert values_equal(np.asarray(got), value)
    if shape == ():
        assert isinstance(got, np.generic)
    (entry,) = cli_json_lines("ls", prefix, "--json")
    assert entry["dtype"] == dtype and entry["shape"] == list(shape)


def test_strings_bytes_str_and_objects(tmp_path):
    prefix = str(tmp_path / "s")
    ckpt.save(prefix, {
        "bytes": np.array([b"a", b"", b"\x00\xff\x00", b"x" * 1000]),
        "objects": np.array([[b"a\x00", "caf\u00e9"], [b"", "z"]],
                            dtype=object),
        "str": np.array(["\u00e9t\u00e9", "plain"]),
        "scalar": b"\x00graph\x00",
        "empty": np.array([], dtype=object).reshape(0, 2),
    })
    r = ckpt.load_checkpoint(prefix)
    # 'S' arrays lose trailing NULs in numpy itself; object arrays keep them.
    assert r.get_tensor("bytes").tolist() == [b"a", b"", b"\x00\xff", b"x" * 1000]
    assert r.get_tensor("objects").tolist() == [[b"a\x00", "caf\u00e9".encode()],
                                                [b"", b"z"]]
    assert r.get_tensor("str").tolist() == ["\u00e9t\u00e9".encode(), b"plain"]
    assert r.get_tensor("scalar") == b"\x00graph\x00"
    assert r.get_tensor("empty").shape == (0, 2)
    assert r.get_variable_to_dtype_map()["bytes"] == "string"
    run_cli("verify", prefix)


def test_many_tensors_non_contiguous_and_big_endian(tmp_path):
    base = np.arange(24, dtype=np.float32).reshape(4, 6)
    values = {
        "transposed": base.T,                      # Fortran order
        "strided": base[:, ::2],                   # not contiguous
        "big_endian": base.astype(">f8"),          # swapped byte order
        "python_int": 7,
        "python_list": [[1.5, 2.5], [3.5, 4.5]],
    }
    prefix = str(tmp_path / "m")
    assert ckpt.save(prefix, values) == 5
    r = ckpt.load_checkpoint(prefix)
    assert values_equal(r.get_tensor("transposed"), np.ascontiguousarray(base.T))
    assert values_equal(r.get_tensor("strided"), np.ascontiguousarray(base[:, ::2]))
    assert values_equal(r.get_tensor("big_endian"), base.astype("<f8"))
    assert r.get_tensor("python_int") == 7
    assert r.get_tensor("python_list").tolist() == [[1.5, 2.5], [3.5, 4.5]]
    # lz4 (ckpt's extension) reads back too.
    ckpt.save(str(tmp_path / "z"), {"zeros": np.zeros(1 << 16, np.float32)},
              compression="lz4")
    assert not ckpt.load_checkpoint(str(tmp_path / "z")).get_tensor("zeros").any()


def test_a_saved_bundle_is_read_by_resave_and_verify(tmp_path, testdata):
    # Everything TensorFlow stored in golf, written back by ckpt.save under the
    # same keys, gives the same values and a bundle `ckpt verify` accepts.
    src = ckpt.load_checkpoint(os.path.join(testdata, "golf"))
    values = {k: src.get_tensor(k) for k in src.keys()}
    prefix = str(tmp_path / "copy")
    ckpt.save(prefix, values)
    run_cli("verify", prefix)
    _, out, _ = run_cli("diff", src.prefix, prefix)
    assert "0 added, 0 removed, 0 changed" in out
    # The copy keeps the object graph, so it is an object-based checkpoint.
    assert len(ckpt.object_graph(prefix)) == len(ckpt.object_graph(src.prefix))


@pytest.mark.parametrize("value, match", [
    (np.array(["2020-01-01"], dtype="datetime64[D]"), "datetime64"),
    (np.array([1 + 2j], dtype=np.clongdouble), "complex256"),
    (np.array([1.0], dtype=np.longdouble), "float128"),
    (np.array([1, "a"], dtype=object), "int"),
    (np.zeros(1, dtype=[("a", "i4")]), "void"),
])
def test_unsupported_values_are_invalid_argument(tmp_path, value, match):
    prefix = tmp_path / "bad"
    with pytest.raises(ckpt.InvalidArgumentError, match=match) as e:
        ckpt.save(prefix, {"k": np.zeros(2), "bad/key": value})
    assert "'bad/key'" in str(e.value)
    assert isinstance(e.value, ValueError)
    assert not os.listdir(tmp_path)  # nothing written


def test_bad_arguments(tmp_path):
    with pytest.raises(TypeError):
        ckpt.save(str(tmp_path / "a"), {1: np.zeros(1)})
    with pytest.raises(ckpt.InvalidArgumentError, match="empty key"):
        ckpt.save(str(tmp_path / "a"), {"": np.zeros(1)})
    with pytest.raises(ckpt.InvalidArgumentError, match="compression"):
        ckpt.save(str(tmp_path / "a"), {"a": np.zeros(1)}, compression="zip")
    with pytest.raises(ckpt.InvalidArgumentError):
        ckpt.save(str(tmp_path) + "/", {"a": np.zeros(1)})
    with pytest.raises(ckpt.InvalidArgumentError):
        ckpt.save(str(tmp_path / "a.index"), {"a": np.zeros(1)})
    with pytest.raises(ckpt.InvalidArgumentError, match="already added"):
        ckpt.save(str(tmp_path / "a"), [("a", np.zeros(1)), ("a", np.ones(1))])
    assert not os.listdir(tmp_path)


def test_a_failed_save_keeps_the_earlier_bundle(tmp_path):
    prefix = str(tmp_path / "keep")
    ckpt.save(prefix, {"a": np.arange(3)})
    with pytest.raises(ckpt.InvalidArgumentError):
        ckpt.save(prefix, [("a", np.zeros(1)), ("a", np.ones(1))])
    assert ckpt.load_checkpoint(prefix).get_tensor("a").tolist() == [0, 1, 2]
    assert sorted(os.listdir(tmp_path)) == ["keep.data-00000-of-00001",
                                            "keep.index"]


def test_bytes_and_odd_keys_round_trip(tmp_path):
    prefix = str(tmp_path / "k")
    odd = b"caf\xe9/\xff"  # not UTF-8
    ckpt.save(prefix, [(odd, np.arange(2)), ("plain", np.arange(3)),
                       ("\u00e9t\u00e9", np.arange(1))])
    r = ckpt.load_checkpoint(prefix)
    keys = r.keys()
    assert "plain" in keys and "\u00e9t\u00e9" in keys
    # A non-UTF-8 key is listed with surrogateescape and reads back either way.
    decoded = odd.decode("utf-8", "surrogateescape")
    assert decoded in keys
    assert r.get_tensor(decoded).tolist() == [0, 1]
    assert r.get_tensor(odd).tolist() == [0, 1]
    assert r.has_tensor(odd)
    with pytest.raises(TypeError):
        r.get_tensor(5)


def test_reserved_keys_are_refused(tmp_path):
    with pytest.raises(ckpt.InvalidArgumentError, match="NUL byte"):
        ckpt.save(str(tmp_path / "a"), {"\x00slice": np.zeros(1)})
    with pytest.raises(ckpt.InvalidArgumentError, match="object graph"):
        ckpt.save(str(tmp_path / "a"),
                  {"_CHECKPOINTABLE_OBJECT_GRAPH": np.zeros(1)})
    with pytest.raises(ckpt.InvalidArgumentError, match="not a valid object"):
        ckpt.save(str(tmp_path / "a"),
                  {"_CHECKPOINTABLE_OBJECT_GRAPH": b"\xff\xff"})
    with pytest.raises(ckpt.InvalidArgumentError, match="not valid Unicode"):
        ckpt.save(str(tmp_path / "a"), {"s": np.array(["\ud800"], dtype=object)})
    assert not os.listdir(tmp_path)


def test_non_utf8_paths(tmp_path):
    d = os.path.join(os.fsencode(str(tmp_path)), b"dir\xff")
    os.mkdir(d)
    prefix = os.path.join(d, b"ckpt")
    ckpt.save(prefix, {"a": np.arange(3)})
    r = ckpt.load_checkpoint(prefix)
    assert os.fsencode(r.prefix) == prefix
    assert r.get_tensor("a").tolist() == [0, 1, 2]
    with pytest.raises(ckpt.NotFoundError) as e:
        ckpt.load_checkpoint(os.path.join(d, b"missing"))
    assert "\\xff" in str(e.value)  # the message shows the byte, no decode error
