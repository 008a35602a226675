# Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
"""TensorFlow weights into PyTorch without TensorFlow: the Keras model of the
golf checkpoint (Dense 7->64->32->7, no activations) becomes a torch
nn.Sequential through a state_dict built from ckpt.restore_map."""

import os

import numpy as np
import torch  # Debian python3-torch, installed by scripts/setup-deps.sh

import ckpt
from conftest import values_equal


def _state_dict_from_tf(values):
    # Keras Dense stores kernel [in, out]; torch Linear weight is [out, in].
    state = {}
    for i in range(3):
        layer = "net/layer_with_weights-%d" % i
        state["%d.weight" % i] = torch.from_numpy(
            np.ascontiguousarray(values[layer + "/kernel"].T))
        state["%d.bias" % i] = torch.from_numpy(values[layer + "/bias"].copy())
    return state


def test_tf_checkpoint_as_torch_state_dict(testdata):
    values = ckpt.restore_map(os.path.join(testdata, "golf"))
    model = torch.nn.Sequential(torch.nn.Linear(7, 64), torch.nn.Linear(64, 32),
                                torch.nn.Linear(32, 7))
    result = model.load_state_dict(_state_dict_from_tf(values), strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    kernel0 = values["net/layer_with_weights-0/kernel"]
    assert values_equal(model[0].weight.detach().numpy().T.copy(), kernel0)

    x = np.random.default_rng(3).standard_normal((16, 7)).astype(np.float32)
    expected = x
    for i in range(3):
        layer = "net/layer_with_weights-%d" % i
        expected = expected @ values[layer + "/kernel"] + values[layer + "/bias"]
    with torch.no_grad():
        got = model(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_torch_state_dict_back_to_a_tf_bundle(tmp_path, testdata):
    # The reverse: torch tensors saved under TensorFlow's keys read back
    # identical through the C++ reader's keys.
    golf = os.path.join(testdata, "golf")
    model = torch.nn.Sequential(torch.nn.Linear(7, 64), torch.nn.Linear(64, 32),
                                torch.nn.Linear(32, 7))
    model.load_state_dict(_state_dict_from_tf(ckpt.restore_map(golf)))
    out = {}
    for i in range(3):
        key = "net/layer_with_weights-%d/" % i
        out[key + "kernel/.ATTRIBUTES/VARIABLE_VALUE"] = \
            model[i].weight.detach().numpy().T
        out[key + "bias/.ATTRIBUTES/VARIABLE_VALUE"] = \
            model[i].bias.detach().numpy()
    ckpt.save(str(tmp_path / "from_torch"), out)
    back = ckpt.load_checkpoint(str(tmp_path / "from_torch"))
    src = ckpt.load_checkpoint(golf)
    for key in out:
        assert values_equal(back.get_tensor(key), src.get_tensor(key)), key
