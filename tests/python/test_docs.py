# Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
"""Every ```python example of docs/python.md runs (from the repository root,
as the page says), each block in a fresh namespace."""

import os
import re

import pytest

SOURCE = os.environ.get("CKPT_SOURCE_DIR",
                        os.path.join(os.path.dirname(__file__), "..", ".."))
DOC = os.path.join(SOURCE, "docs", "python.md")


def _blocks():
    text = open(DOC).read()
    return re.findall(r"```python\n(.*?)```", text, re.S)


def test_the_page_has_examples():
    assert len(_blocks()) >= 5


@pytest.mark.parametrize("index", range(len(_blocks())))
def test_example(index, testdata, monkeypatch):
    code = _blocks()[index]
    monkeypatch.chdir(SOURCE)
    code = code.replace("../shared/testdata/tf", testdata)
    exec(compile(code, "%s block %d" % (DOC, index), "exec"), {})
