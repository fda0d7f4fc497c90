"""Sequence losses and positional encoding: formula, masks, finite differences, PyTorch, errors."""

import math

import numpy as np
import pytest

import mathdl as md
from mathdl.autograd.gradcheck import gradcheck, gradgradcheck
from mathdl.nn.sequence import (
    PositionalEncoding,
    length_mask,
    perplexity,
    sequence_cross_entropy,
    sinusoidal_positional_encoding,
)


def _logits(rng, *shape):
    return md.tensor(rng.standard_normal(shape), requires_grad=True)


def test_masked_mean_formula(rng):
    z = rng.standard_normal((2, 3, 4))
    y = rng.integers(0, 4, (2, 3))
    mask = np.array([[1, 1, 0], [1, 0, 0]], bool)
    log_p = z - np.log(np.exp(z).sum(-1, keepdims=True))
    nll = -np.take_along_axis(log_p, y[..., None], -1)[..., 0]
    expected = nll[mask].mean()
    assert sequence_cross_entropy(md.tensor(z), y, mask=mask).item() == pytest.approx(expected, abs=1e-12)
    assert sequence_cross_entropy(md.tensor(z), np.where(mask, y, 3), ignore_index=3).item() == pytest.approx(
        nll[mask & (y != 3)].mean(), abs=1e-12
    )
    none = sequence_cross_entropy(md.tensor(z), y, mask=mask, reduction="none")
    np.testing.assert_allclose(none.array, np.where(mask, nll, 0.0), atol=1e-12)
    assert sequence_cross_entropy(md.tensor(z), y, mask=mask, reduction="sum").item() == pytest.approx(
        nll[mask].sum(), abs=1e-12
    )


def test_padding_gets_no_gradient_and_finite_differences(rng):
    y = rng.integers(0, 5, (3, 4))
    mask = rng.random((3, 4)) < 0.6
    mask[0, 0] = True
    z = _logits(rng, 3, 4, 5)
    sequence_cross_entropy(z, y, mask=mask).backward()
    np.testing.assert_array_equal(z.grad.array[~mask], 0.0)
    for reduction in ("mean", "sum", "none"):
        assert gradcheck(lambda z: sequence_cross_entropy(z, y, mask=mask, reduction=reduction), [z])
    assert gradgradcheck(lambda z: sequence_cross_entropy(z, y, mask=mask), [z])


def test_matches_torch_cross_entropy_with_ignore_index(torch, rng):
    z = rng.standard_normal((4, 6, 7))
    y = rng.integers(0, 7, (4, 6))
    y[0, 3:] = 0
    tz, mz = torch.tensor(z, requires_grad=True), md.tensor(z, requires_grad=True)
    t_loss = torch.nn.functional.cross_entropy(tz.reshape(-1, 7), torch.tensor(y).reshape(-1), ignore_index=0)
    m_loss = sequence_cross_entropy(mz, y, ignore_index=0)
    assert m_loss.item() == pytest.approx(t_loss.item(), abs=1e-12)
    t_loss.backward()
    m_loss.backward()
    np.testing.assert_allclose(mz.grad.array, tz.grad.numpy(), atol=1e-12)


def test_perplexity_of_a_uniform_model_is_the_vocabulary_size():
    z = md.zeros(2, 5, 11)
    y = np.zeros((2, 5), dtype=np.int64)
    assert perplexity(sequence_cross_entropy(z, y)) == pytest.approx(11.0, rel=1e-5)
    assert perplexity(0.0) == 1.0 and perplexity(1e6) == math.inf


def test_length_mask():
    np.testing.assert_array_equal(length_mask([2, 0, 3]), [[1, 1, 0], [0, 0, 0], [1, 1, 1]])
    assert length_mask([1], max_length=4).shape == (1, 4)


def test_positional_encoding_formula_and_module():
    table = sinusoidal_positional_encoding(50, 8, dtype=np.float64)
    p, i = 7, 2
    assert table[p, 2 * i] == pytest.approx(math.sin(p / 10000 ** (2 * i / 8)))
    assert table[p, 2 * i + 1] == pytest.approx(math.cos(p / 10000 ** (2 * i / 8)))
    # a fixed offset is a rotation of each channel pair: PE[p + k] = R_k PE[p]
    k, w = 3, 10000 ** (-2 * i / 8)
    rotation = np.array([[math.cos(k * w), math.sin(k * w)], [-math.sin(k * w), math.cos(k * w)]])
    np.testing.assert_allclose(table[p + k, 4:6], rotation @ table[p, 4:6], atol=1e-12)
    assert sinusoidal_positional_encoding(4, 5).shape == (4, 5)
    module = PositionalEncoding(8, dropout=0.0, max_len=50, batch_first=True)
    x = md.zeros(2, 10, 8)
    np.testing.assert_allclose(module(x).array[1], table[:10], atol=1e-6)
    assert dict(module.state_dict()) == {}
    with pytest.raises(ValueError, match="max_len"):
        module(md.zeros(1, 60, 8))


def test_misuse(rng):
    z = md.tensor(rng.standard_normal((2, 3, 4)))
    with pytest.raises(ValueError, match="out of range"):
        sequence_cross_entropy(z, np.full((2, 3), 4))
    with pytest.raises(ValueError, match="shape"):
        sequence_cross_entropy(z, np.zeros((3, 2), int))
    with pytest.raises(TypeError, match="integers"):
        sequence_cross_entropy(z, np.zeros((2, 3)))
    with pytest.raises(ValueError, match="every position is masked"):
        sequence_cross_entropy(z, np.zeros((2, 3), int), mask=np.zeros((2, 3), bool))
    with pytest.raises(ValueError, match="reduction"):
        sequence_cross_entropy(z, np.zeros((2, 3), int), reduction="avg")
