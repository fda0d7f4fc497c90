"""RNN, LSTM, GRU and their cells: finite-difference gradients (inputs, states, every weight),
second derivatives through the fused recurrences, shapes, options and error messages."""

import numpy as np
import pytest

import mathdl as md
from mathdl.autograd.gradcheck import gradcheck, gradgradcheck
from mathdl.nn.layers.recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell


def _tensor(rng, *shape):
    return md.tensor(rng.standard_normal(shape), requires_grad=True)


def _run(module, x, states):
    if isinstance(module, LSTM):
        out, (h, c) = module(x, tuple(states))
        return out, h, c
    out, h = module(x, states[0])
    return out, h


CASES = [
    (RNN, dict(nonlinearity="tanh")),
    (RNN, dict(nonlinearity="relu")),
    (LSTM, {}),
    (GRU, {}),
]


@pytest.mark.parametrize("cls, extra", CASES)
@pytest.mark.parametrize("layers, bidirectional, batch_first", [(1, False, False), (2, True, True)])
def test_finite_differences(float64, rng, cls, extra, layers, bidirectional, batch_first):
    md.manual_seed(1)
    module = cls(3, 4, num_layers=layers, bidirectional=bidirectional, batch_first=batch_first, **extra)
    directions = 2 if bidirectional else 1
    x = _tensor(rng, 2, 3, 3)
    states = [
        _tensor(rng, layers * directions, 2 if batch_first else 3, 4) for _ in range(2 if cls is LSTM else 1)
    ]
    params = list(module.parameters())
    assert gradcheck(lambda x, *rest: _run(module, x, states), [x, *states, *params])


@pytest.mark.parametrize("cls", [RNN, LSTM, GRU])
def test_second_derivatives_through_the_fused_recurrence(float64, rng, cls):
    md.manual_seed(2)
    module = cls(2, 3)
    x = _tensor(rng, 3, 2, 2)
    w_hh = module.weight_hh_l0
    assert gradgradcheck(lambda x, w: module(x)[0] ** 2, [x, w_hh])


@pytest.mark.parametrize(
    "cls, extra", [(RNNCell, {}), (RNNCell, dict(nonlinearity="relu")), (LSTMCell, {}), (GRUCell, {})]
)
def test_cells_finite_differences(float64, rng, cls, extra):
    md.manual_seed(3)
    cell = cls(3, 4, **extra)
    x, h = _tensor(rng, 2, 3), _tensor(rng, 2, 4)
    if cls is LSTMCell:
        c = _tensor(rng, 2, 4)
        assert gradcheck(lambda x, h, c, *p: cell(x, (h, c)), [x, h, c, *cell.parameters()])
    else:
        assert gradcheck(lambda x, h, *p: cell(x, h), [x, h, *cell.parameters()])


@pytest.mark.parametrize("cls", [RNN, LSTM, GRU])
def test_fused_sequence_equals_the_cell_applied_step_by_step(float64, rng, cls):
    md.manual_seed(4)
    layer = cls(3, 5)
    cell = {RNN: RNNCell, LSTM: LSTMCell, GRU: GRUCell}[cls](3, 5)
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        getattr(cell, name).array[...] = getattr(layer, name + "_l0").array
    x = md.tensor(rng.standard_normal((6, 2, 3)))
    out = layer(x)[0]
    state = None
    for t in range(6):
        state = cell(x[t], state)
        h = state[0] if cls is LSTM else state
        np.testing.assert_allclose(out.array[t], h.array, atol=1e-12)


def test_shapes_unbatched_and_batch_first(rng):
    lstm = LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True)
    out, (h, c) = lstm(md.tensor(rng.standard_normal((5, 7, 3)), dtype=np.float32))
    assert out.shape == (5, 7, 8) and h.shape == (4, 5, 4) and c.shape == (4, 5, 4)
    assert out.dtype == np.float32 and h.dtype == np.float32
    gru = GRU(3, 4)
    out, h = gru(md.tensor(rng.standard_normal((7, 3)), dtype=np.float32))
    assert out.shape == (7, 4) and h.shape == (1, 4)
    # unbatched equals batch of one
    x = md.tensor(rng.standard_normal((7, 3)), dtype=np.float32)
    np.testing.assert_allclose(gru(x)[0].array, gru(x.unsqueeze(1))[0].array[:, 0], atol=1e-6)


def test_final_state_is_last_output_and_reverse_direction_reads_backwards(rng):
    rnn = RNN(2, 3, bidirectional=True)
    x = md.tensor(rng.standard_normal((4, 1, 2)), dtype=np.float32)
    out, h = rnn(x)
    np.testing.assert_allclose(h.array[0], out.array[-1, :, :3], atol=1e-6)
    np.testing.assert_allclose(h.array[1], out.array[0, :, 3:], atol=1e-6)
    # The reverse direction's first output depends on the whole sequence.
    x2 = md.tensor(x.array.copy())
    x2.array[-1] += 1.0
    assert not np.allclose(rnn(x2)[0].array[0, :, 3:], out.array[0, :, 3:])
    np.testing.assert_allclose(rnn(x2)[0].array[0, :, :3], out.array[0, :, :3])


def test_parameter_names_shapes_and_initial_range():
    lstm = LSTM(3, 4, num_layers=2, bidirectional=True)
    shapes = {name: p.shape for name, p in lstm.named_parameters()}
    assert shapes["weight_ih_l0"] == (16, 3) and shapes["weight_hh_l0_reverse"] == (16, 4)
    assert shapes["weight_ih_l1"] == (16, 8) and shapes["bias_hh_l1_reverse"] == (16,)
    assert len(shapes) == 16
    assert all(np.abs(p.array).max() <= 0.5 for p in lstm.parameters())
    assert len(list(GRU(3, 4, bias=False).parameters())) == 2


def test_dropout_between_layers_only_in_training():
    md.manual_seed(0)
    lstm = LSTM(3, 8, num_layers=2, dropout=0.5)
    x = md.randn(5, 2, 3)
    lstm.eval()
    a, b = lstm(x)[0].array, lstm(x)[0].array
    np.testing.assert_array_equal(a, b)
    lstm.train()
    assert not np.allclose(lstm(x)[0].array, a)


@pytest.mark.parametrize("cls", [GRU, LSTM])
def test_no_bias_matches_zero_bias(float64, rng, cls):
    md.manual_seed(5)
    with_bias = cls(2, 3)
    without = cls(2, 3, bias=False)
    without.weight_ih_l0.array[...] = with_bias.weight_ih_l0.array
    without.weight_hh_l0.array[...] = with_bias.weight_hh_l0.array
    with_bias.bias_ih_l0.array[...] = 0
    with_bias.bias_hh_l0.array[...] = 0
    x = md.tensor(rng.standard_normal((4, 2, 2)), requires_grad=True)
    outputs = [module(x)[0] for module in (with_bias, without)]
    np.testing.assert_allclose(outputs[0].array, outputs[1].array, atol=1e-12)
    grads = [
        md.grad([(y * y).sum()], [x, module.weight_ih_l0]) for y, module in zip(outputs, (with_bias, without))
    ]
    for a, b in zip(*grads):
        np.testing.assert_allclose(a.array, b.array, atol=1e-12)


def test_misuse_raises_clear_errors():
    lstm = LSTM(3, 4)
    with pytest.raises(ValueError, match="input_size=3"):
        lstm(md.randn(5, 2, 4))
    with pytest.raises(ValueError, match="3-D input"):
        lstm(md.randn(5))
    with pytest.raises(ValueError, match=r"h_0 of shape \(1, 2, 4\)"):
        lstm(md.randn(5, 2, 3), (md.randn(1, 3, 4), md.randn(1, 2, 4)))
    with pytest.raises(TypeError, match="tuple"):
        lstm(md.randn(5, 2, 3), md.randn(1, 2, 4))
    with pytest.raises(TypeError, match="dtype"):
        lstm(md.tensor(np.zeros((5, 2, 3))))
    with pytest.raises(ValueError, match="nonlinearity"):
        RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="hidden_size"):
        GRU(3, 0)
    with pytest.raises(ValueError, match="dropout"):
        LSTM(3, 4, dropout=1.5)
    with pytest.raises(ValueError, match="input"):
        LSTMCell(3, 4)(md.randn(2, 5))


def _cache_every_lstm_buffer(monkeypatch):
    """Let the fused LSTM cache its buffers whatever their size (a small LSTM's arrays then share
    byte sizes with one another, so only the reference count keeps them apart)."""
    from mathdl.ops import workspace

    monkeypatch.setattr(workspace, "ACTIVATION_MIN_BYTES", 0)
    workspace.clear()
    return workspace


def _lstm_step(lstm, x, retain=False):
    lstm.zero_grad()
    out, (h, c) = lstm(x)
    loss = (out * out).sum() + (c * h).sum()
    loss.backward(retain_graph=retain)
    return loss, [p.grad.array.copy() for p in lstm.parameters()]


def test_lstm_buffers_are_reused_across_steps(float64, rng, monkeypatch):
    """After a step's backward nothing references the fused LSTM's buffers but the cache, so the
    next step gets the same buffers back (no new ones) and the same numbers."""
    workspace = _cache_every_lstm_buffer(monkeypatch)
    lstm = LSTM(3, 4, num_layers=2)
    x = md.tensor(rng.standard_normal((5, 2, 3)))
    first_loss, first = _lstm_step(lstm, x)
    cached = workspace._pool()
    assert len(cached) >= 6  # per layer: gates, hs, cells, tanh(cells), xw, W_hh blocks, ∂L/∂xw
    assert all(workspace._is_free(cached, i) for i in range(len(cached)))
    buffers = {id(b) for b in cached}
    for _ in range(2):
        loss, again = _lstm_step(lstm, x)
        assert {id(b) for b in workspace._pool()} == buffers
        assert loss.item() == first_loss.item()
        for a, b in zip(first, again):
            np.testing.assert_array_equal(a, b)
    workspace.clear()


def test_retained_graph_keeps_its_lstm_buffers(float64, rng, monkeypatch):
    """The arrays the fused LSTM saves for backward are views of cache buffers, so while a graph
    is retained its buffers are in use: other steps in between get other buffers and the second
    backward gives the first one's gradients."""
    from mathdl.nn.functional.recurrent import LSTMProjectedSequence

    workspace = _cache_every_lstm_buffer(monkeypatch)
    lstm = LSTM(3, 4)
    x = md.tensor(rng.standard_normal((5, 2, 3)))
    _lstm_step(lstm, x)
    lstm.zero_grad()
    out, (h, c) = lstm(x)
    op = out.creator
    assert isinstance(op, LSTMProjectedSequence)
    assert all(any(a.base is b for b in workspace._pool()) for a in op.saved)
    saved = [a.copy() for a in op.saved]
    loss = (out * out).sum() + (c * h).sum()
    loss.backward(retain_graph=True)
    kept = [p.grad.array.copy() for p in lstm.parameters()]
    for _ in range(2):  # steps in between must not overwrite the retained graph's saved arrays
        _lstm_step(lstm, x + 1.0)
    for a, b in zip(op.saved, saved):
        np.testing.assert_array_equal(a, b)
    lstm.zero_grad()
    loss.backward()
    assert not hasattr(op, "saved")  # the pass without retain_graph drops them
    for a, p in zip(kept, lstm.parameters()):
        np.testing.assert_array_equal(a, p.grad.array)
    workspace.clear()


def test_release_buffers_empties_the_cache(rng, monkeypatch):
    from mathdl.nn.functional.recurrent import release_buffers

    workspace = _cache_every_lstm_buffer(monkeypatch)
    lstm = LSTM(3, 4)
    out, _ = lstm(md.tensor(rng.standard_normal((5, 2, 3)), dtype=np.float32))
    out.sum().backward()
    assert len(workspace._pool()) > 0
    assert release_buffers() > 0
    assert len(workspace._pool()) == 0 and release_buffers() == 0


def test_product_blocks_for_the_step_products(monkeypatch):
    from mathdl.nn.functional import recurrent
    from mathdl.nn.functional.recurrent import _product_blocks

    monkeypatch.setattr(recurrent, "_CUT_STEP_PRODUCTS", True)  # a BLAS with small-matrix kernels
    assert _product_blocks(32, 256, 256) == (32, 64)  # h W_hhᵀ: all rows, 64-column blocks
    assert _product_blocks(32, 1024, 256) == (8, 64)  # δ W_hh: 8 rows of 1024 fit with 64 columns
    assert _product_blocks(64, 2048, 512) == (8, 32)
    assert _product_blocks(3, 40, 100) == (3, 50)  # widest divisor of H up to 64
    assert _product_blocks(32, 508, 127) == (32, 127)  # no divisor in [16, 64]: whole
    assert _product_blocks(2, 6, 6) == (2, 6)  # below 16 columns: whole
    monkeypatch.setattr(recurrent, "_CUT_STEP_PRODUCTS", False)  # packing BLAS: never cut
    assert _product_blocks(32, 1024, 256) == (32, 256)
    assert _product_blocks(32, 256, 256) == (32, 256)


def test_blas_small_matrix_kernels_follows_the_blas_and_the_cpu(monkeypatch):
    import numpy

    from mathdl import backend

    found = backend.blas_small_matrix_kernels()
    assert isinstance(found, bool)
    from numpy._core._multiarray_umath import __cpu_features__

    blas = numpy.__config__.CONFIG["Build Dependencies"]["blas"]["name"]
    assert found == ("openblas" in blas.lower() and __cpu_features__.get("AVX512_SKX", False))


@pytest.mark.parametrize("small_product", [2**12, 2**14])  # cuts the forward's, then BPTT's products
def test_lstm_products_cut_into_blocks_give_the_whole_products_result(
    float64, rng, monkeypatch, small_product
):
    from mathdl.nn.functional import recurrent

    lstm = LSTM(8, 32, num_layers=2)
    x = md.tensor(rng.standard_normal((5, 16, 8)))
    whole_loss, whole = _lstm_step(lstm, x)
    monkeypatch.setattr(recurrent, "_SMALL_PRODUCT", small_product)
    monkeypatch.setattr(recurrent, "_CUT_STEP_PRODUCTS", True)
    blocks = [recurrent._product_blocks(16, 32, 32), recurrent._product_blocks(16, 128, 32)]
    assert blocks != [(16, 32), (16, 32)]
    loss, cut = _lstm_step(lstm, x)
    np.testing.assert_allclose(loss.item(), whole_loss.item(), rtol=1e-13)
    for a, b in zip(cut, whole):
        np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-13)
