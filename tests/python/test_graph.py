# Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
"""ckpt.object_graph and ckpt.restore_map against `ckpt tree --json`."""

import os

import numpy as np
import pytest

import ckpt
from conftest import cli_json_lines, tf_prefixes, values_equal


def test_object_graph_matches_tree_json(testdata):
    compared = 0
    for prefix, has_data in tf_prefixes(testdata):
        if not has_data:
            continue
        listed = {e["key"] for e in cli_json_lines("ls", prefix, "--json")}
        if "_CHECKPOINTABLE_OBJECT_GRAPH" not in listed:
            with pytest.raises(ckpt.FailedPreconditionError, match="TF1"):
                ckpt.object_graph(prefix)
            continue
        tree = cli_json_lines("tree", prefix, "--json")
        graph = ckpt.object_graph(prefix)
        assert len(graph) == len(tree)
        for mine, cli in zip(graph, tree):
            assert mine["id"] == cli["id"] and mine["path"] == cli["path"]
            assert mine["children"] == cli["children"]
            assert mine["slots"] == cli["slots"]
            assert [{k: a[k] for k in ("name", "key", "dtype", "shape")}
                    for a in mine["attributes"]] == cli["attributes"]
            assert all(isinstance(a["full_name"], str)
                       for a in mine["attributes"])
        compared += 1
    assert compared >= 3


def test_restore_map_names_values_by_structure(testdata):
    golf = os.path.join(testdata, "golf")
    values = ckpt.restore_map(golf)
    reader = ckpt.load_checkpoint(golf)
    kernel_key = "net/layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE"
    assert values_equal(values["net/layer_with_weights-0/kernel"],
                        reader.get_tensor(kernel_key))
    assert values_equal(
        values["net/layer_with_weights-0/kernel/.OPTIMIZER_SLOT/net/optimizer/m"],
        reader.get_tensor("net/layer_with_weights-0/kernel/.OPTIMIZER_SLOT/"
                          "net/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE"))
    assert values["step"] == reader.get_tensor("step/.ATTRIBUTES/VARIABLE_VALUE")
    # One value per attribute of every node reached from the root, each
    # node once (layer-1 and layer_with_weights-0 are one node).
    attrs = sum(len(n["attributes"]) for n in ckpt.object_graph(golf))
    assert len(values) == attrs
    assert not any(k.startswith("net/layer-1/") for k in values)
    mapped = ckpt.restore_map(golf, mmap=True)
    assert mapped.keys() == values.keys()
    assert all(values_equal(mapped[k], values[k]) for k in values)


def test_restore_map_of_a_tf1_checkpoint_is_failed_precondition(tmp_path):
    ckpt.save(str(tmp_path / "tf1"), {"dense/kernel": np.ones((2, 2))})
    with pytest.raises(ckpt.FailedPreconditionError, match="ckpt ls"):
        ckpt.restore_map(str(tmp_path / "tf1"))
