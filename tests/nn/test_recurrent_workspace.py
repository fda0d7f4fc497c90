"""GRU takes its sequence-long arrays (states, gates, ∂L/∂xw) from the buffer cache
``mathdl.ops.workspace``, as the LSTM does: the buffers come back step after step, and an output a
caller holds or a graph kept with ``retain_graph=True`` is never overwritten by them."""

import numpy as np
import pytest

import mathdl as md
from mathdl.nn.layers.recurrent import GRU
from mathdl.ops import workspace

CASES = [(GRU, {"num_layers": 2}), (GRU, {"num_layers": 1, "bias": False})]


def _step(module, x, retain=False):
    module.zero_grad()
    out, h = module(x)
    loss = (out * out).sum() + (h * h).sum()
    loss.backward(retain_graph=retain)
    return out, loss.item(), [p.grad.array.copy() for p in module.parameters()]


@pytest.mark.parametrize("cls, extra", CASES)
def test_buffers_come_back_and_held_arrays_are_kept(float64, rng, monkeypatch, cls, extra):
    monkeypatch.setattr(workspace, "ACTIVATION_MIN_BYTES", 0)  # cache every array of a small layer
    workspace.clear()
    md.manual_seed(0)
    module = cls(3, 4, **extra)
    x = md.tensor(rng.standard_normal((5, 2, 3)))
    out, loss, grads = _step(module, x)
    assert len(workspace._pool()) >= 4  # at least the states, gates and ∂L/∂xw
    kept = out.array.copy()
    buffers = {id(b) for b in workspace._pool()}
    for _ in range(2):  # other inputs while `out` is held: its buffer is not handed out
        _step(module, x + 1.0)
    np.testing.assert_array_equal(out.array, kept)
    del out
    _step(module, x)
    assert {id(b) for b in workspace._pool()} >= buffers
    count = len(workspace._pool())
    again, loss_again, grads_again = _step(module, x)  # steady state: no new buffers
    assert len(workspace._pool()) == count and loss_again == loss
    for a, b in zip(grads, grads_again):
        np.testing.assert_array_equal(a, b)
    workspace.clear()


@pytest.mark.parametrize("cls, extra", CASES)
def test_retained_graph_keeps_its_buffers(float64, rng, monkeypatch, cls, extra):
    monkeypatch.setattr(workspace, "ACTIVATION_MIN_BYTES", 0)
    workspace.clear()
    md.manual_seed(0)
    module = cls(3, 4, **extra)
    x = md.tensor(rng.standard_normal((5, 2, 3)))
    module.zero_grad()
    out, h = module(x)
    assert any(np.shares_memory(out.array, buffer) for buffer in workspace._pool())
    loss = (out * out).sum() + (h * h).sum()
    loss.backward(retain_graph=True)
    first = [p.grad.array.copy() for p in module.parameters()]
    for _ in range(2):  # steps in between must not overwrite what the retained graph saved
        _step(module, x * 2.0)
    module.zero_grad()
    loss.backward()
    for a, p in zip(first, module.parameters()):
        np.testing.assert_array_equal(a, p.grad.array)
    workspace.clear()
