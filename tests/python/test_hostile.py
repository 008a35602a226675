# Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
"""Corrupt and hostile checkpoints raise ckpt.Error subclasses with the
library's code and message; they never crash the interpreter and never hand
out unverified values."""

import os
import shutil

import numpy as np
import pytest

import ckpt

RNG = np.random.default_rng(7)


def _bundle(tmp_path, name="b"):
    prefix = str(tmp_path / name)
    ckpt.save(prefix, {
        "a": np.arange(1000, dtype=np.float32),
        "b": np.array([b"x", b"yz"], dtype=object),
        "c": np.int64(5),
    })
    return prefix


def _data(prefix):
    return prefix + ".data-00000-of-00001"


def test_flipped_data_byte_is_data_loss_naming_the_key(tmp_path):
    prefix = _bundle(tmp_path)
    with open(_data(prefix), "r+b") as f:
        f.seek(100)
        byte = f.read(1)
        f.seek(100)
        f.write(bytes([byte[0] ^ 0x40]))
    reader = ckpt.load_checkpoint(prefix)
    for mmap in (False, True):
        r = ckpt.load_checkpoint(prefix, mmap=mmap)
        with pytest.raises(ckpt.DataLossError) as e:
            r.get_tensor("a")
        assert e.value.code == 15 and "'a'" in str(e.value)
        assert "checksum" in str(e.value) or "crc" in str(e.value).lower()
    assert reader.get_tensor("c") == 5  # the other tensors still read


def test_truncated_data_file_is_data_loss(tmp_path):
    prefix = _bundle(tmp_path)
    os.truncate(_data(prefix), 50)
    with pytest.raises(ckpt.DataLossError, match="'a'"):
        ckpt.load_checkpoint(prefix).get_tensor("a")


def test_missing_data_file_is_not_found(tmp_path):
    prefix = _bundle(tmp_path)
    os.remove(_data(prefix))
    r = ckpt.load_checkpoint(prefix)  # the index alone lists
    assert r.keys() == ["a", "b", "c"]
    with pytest.raises(ckpt.NotFoundError, match="data-00000-of-00001"):
        r.get_tensor("a")


def test_garbage_index_is_data_loss(tmp_path):
    prefix = _bundle(tmp_path)
    with open(prefix + ".index", "wb") as f:
        f.write(b"not a table" * 10)
    with pytest.raises(ckpt.DataLossError, match="index"):
        ckpt.load_checkpoint(prefix)


def test_empty_and_directory_paths(tmp_path):
    with pytest.raises(ckpt.InvalidArgumentError):
        ckpt.load_checkpoint("")
    with pytest.raises(ckpt.NotFoundError):
        ckpt.load_checkpoint(str(tmp_path))  # a directory without a bundle


def test_random_corruption_of_every_file_never_crashes(tmp_path):
    # 300 trials: flip 1-8 random bytes or truncate one of the files; every
    # outcome is either the original values or a ckpt.Error.
    clean = _bundle(tmp_path, "clean")
    expected = {k: ckpt.load_checkpoint(clean).get_tensor(k)
                for k in ("a", "b", "c")}
    outcomes = {"ok": 0, "error": 0}
    for trial in range(300):
        d = tmp_path / ("t%d" % trial)
        d.mkdir()
        prefix = str(d / "clean")
        for suffix in (".index", ".data-00000-of-00001"):
            shutil.copy(clean + suffix, prefix + suffix)
        target = prefix + (".index" if trial % 2 else ".data-00000-of-00001")
        blob = bytearray(open(target, "rb").read())
        if trial % 7 == 0:
            blob = blob[:int(RNG.integers(0, len(blob)))]
        else:
            for _ in range(int(RNG.integers(1, 9))):
                blob[int(RNG.integers(0, len(blob)))] ^= int(
                    RNG.integers(1, 256))
        open(target, "wb").write(bytes(blob))
        try:
            for mmap in (False, True):
                r = ckpt.load_checkpoint(prefix, mmap=mmap)
                for k in r.keys():
                    v = r.get_tensor(k)
                    if k in expected:
                        assert np.array_equal(np.asarray(v, dtype=object),
                                              np.asarray(expected[k],
                                                         dtype=object)), k
            outcomes["ok"] += 1
        except ckpt.Error as e:
            assert e.code in (3, 5, 8, 9, 12, 15), e
            outcomes["error"] += 1
        shutil.rmtree(d)
    assert outcomes["error"] > 100
