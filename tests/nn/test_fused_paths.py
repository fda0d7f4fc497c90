"""The fused Functions keep a NumPy fast path for first-order backward (benchmarks/fused_backward.py
measures why) and differentiate their composed formula when a graph of the gradient is asked
(create_graph=True). Both paths must give the same gradient: checked on every gradcheck row of a
fused Function."""

import numpy as np
import pytest

import mathdl as md
from mathdl.autograd.gradcheck_cases import CASES
from mathdl.nn.functional.attention import PackedSelfAttention, ScaledDotProductAttention
from mathdl.nn.functional.embedding_lstm import EmbeddingLSTMSequence
from mathdl.nn.functional.layer_norm_linear import LayerNormLinearFunction
from mathdl.nn.functional.linear import LinearFunction, LinearReLUFunction, LinearResidualFunction
from mathdl.nn.functional.loss import CrossEntropy, SoftCrossEntropy
from mathdl.nn.functional.normalization import BatchNormFunction, LayerNormFunction
from mathdl.nn.functional.recurrent import GRUSequence, LSTMProjectedSequence, LSTMSequence, RNNSequence
from mathdl.nn.functional.sequence_loss import SequenceCrossEntropy

FUSED = {
    LinearFunction,
    LinearReLUFunction,
    LinearResidualFunction,
    LayerNormLinearFunction,
    CrossEntropy,
    SoftCrossEntropy,
    BatchNormFunction,
    LayerNormFunction,
    RNNSequence,
    LSTMSequence,
    LSTMProjectedSequence,
    EmbeddingLSTMSequence,
    GRUSequence,
    SequenceCrossEntropy,
    ScaledDotProductAttention,
    PackedSelfAttention,
}
ROWS = [case for case in CASES if FUSED & set(case.covers)]


def test_every_fused_function_is_checked():
    assert {cls for case in ROWS for cls in case.covers} == FUSED


@pytest.mark.parametrize("case", ROWS, ids=lambda case: case.name)
def test_fast_and_composed_backward_agree(case):
    rng = np.random.default_rng(0)
    arrays = [make(rng) for make in case.inputs]
    xs = [md.tensor(a, dtype=np.float64, requires_grad=True) for a in arrays]
    ys = case.function(*xs)
    ys = list(ys) if isinstance(ys, tuple) else [ys]
    cotangents = [md.tensor(rng.standard_normal(y.shape)) for y in ys]
    fast = md.grad(ys, xs, cotangents, retain_graph=True, allow_unused=True)  # walked again below
    composed = md.grad(ys, xs, cotangents, create_graph=True, allow_unused=True)
    # the two paths were really taken: only the composed one records a graph of the gradient
    assert not any(a.requires_grad for a in fast if a is not None)
    assert any(b.requires_grad for b in composed if b is not None)
    for a, b in zip(fast, composed):
        if a is None or b is None:
            assert a is None and b is None
            continue
        np.testing.assert_allclose(a.array, b.array, rtol=1e-10, atol=1e-12)
