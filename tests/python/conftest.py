# Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
"""Shared fixtures of the Python module's tests (run by ctest as
python/<file>; see tests/python/CMakeLists.txt).

Environment (set by ctest): PYTHONPATH holds <build>/python, CKPT_CLI the
`ckpt` executable, CKPT_TESTDATA_DIR the TensorFlow-written checkpoints.
A test that needs the TensorFlow files is skipped, with the reason printed,
when they are absent (as the C++ tests do); the other tests still run and
fail on their own.
"""

import codecs
import json
import os
import subprocess

import numpy as np
import pytest

CLI = os.environ.get("CKPT_CLI", "ckpt")
TESTDATA = os.environ.get("CKPT_TESTDATA_DIR", "")


def run_cli(*args, check=True):
    """Runs `ckpt ARGS...`; returns (exit code, stdout, stderr)."""
    proc = subprocess.run([CLI] + [str(a) for a in args],
                          capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise AssertionError("ckpt %s failed (%d): %s" %
                             (" ".join(map(str, args)), proc.returncode,
                              proc.stderr))
    return proc.returncode, proc.stdout, proc.stderr


def cli_json_lines(*args):
    """The JSON of a `--json` command: an array printed one item per line,
    or one object."""
    _, out, _ = run_cli(*args)
    return json.loads(out)


def _latin1_fallback(err):
    # What the CLI's JsonQuote does with a byte that is not well-formed UTF-8.
    return err.object[err.start:err.start + 1].decode("latin-1"), err.start + 1


codecs.register_error("ckpt_latin1_fallback", _latin1_fallback)


def json_text_of_bytes(b):
    """`b` as `ckpt show --json` shows a string element."""
    return b.decode("utf-8", errors="ckpt_latin1_fallback")


@pytest.fixture
def testdata():
    if not TESTDATA or not os.path.isdir(TESTDATA):
        pytest.skip("TensorFlow test data not found at %r" % TESTDATA)
    return TESTDATA


def tf_prefixes(root):
    """Every bundle under the TensorFlow test data: (prefix, has data)."""
    out = []
    for dirpath, _, files in sorted(os.walk(root)):
        for f in sorted(files):
            if f.endswith(".index"):
                prefix = os.path.join(dirpath, f[:-len(".index")])
                has_data = any(g.startswith(f[:-len(".index")] + ".data-")
                               for g in files)
                out.append((prefix, has_data))
    return out


def values_equal(a, b):
    """Bitwise equality of two arrays of the same dtype (NaN == NaN)."""
    a = np.asarray(a)
    b = np.asarray(b)
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype.kind == "O":
        return a.tolist() == b.tolist()
    return a.tobytes() == b.tobytes()
