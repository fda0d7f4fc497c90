"""Embedding: lookup, scatter-add gradient with repeated indices, padding_idx, PyTorch, errors."""

import numpy as np
import pytest

import mathdl as md
from mathdl.autograd.gradcheck import gradcheck, gradgradcheck
from mathdl.nn.layers.embedding import Embedding, embedding


def test_lookup_and_repeated_index_gradient(rng):
    emb = Embedding(5, 3)
    idx = np.array([[1, 1, 4], [0, 1, 4]])
    out = emb(idx)
    assert out.shape == (2, 3, 3) and out.dtype == np.float32
    np.testing.assert_array_equal(out.array[0, 0], emb.weight.array[1])
    g = rng.standard_normal((2, 3, 3)).astype(np.float32)
    out.backward(g)
    expected = np.zeros((5, 3), np.float32)
    np.add.at(expected, idx, g)
    np.testing.assert_allclose(emb.weight.grad.array, expected, atol=1e-6)
    assert np.all(emb.weight.grad.array[[2, 3]] == 0)


def test_finite_differences(rng):
    weight = md.tensor(rng.standard_normal((6, 2)), requires_grad=True)
    idx = np.array([0, 3, 3, 5, 0])
    assert gradcheck(lambda w: embedding(idx, w) ** 2, [weight])
    assert gradgradcheck(lambda w: embedding(idx, w) ** 2, [weight])


def test_padding_idx_row_is_zero_and_gets_no_gradient():
    emb = Embedding(4, 2, padding_idx=0)
    assert np.all(emb.weight.array[0] == 0)
    emb(md.tensor(np.array([0, 0, 2]))).sum().backward()
    np.testing.assert_array_equal(emb.weight.grad.array[0], 0.0)
    np.testing.assert_array_equal(emb.weight.grad.array[2], 1.0)


def test_matches_torch(torch, rng):
    reference = torch.nn.Embedding(7, 4, padding_idx=2, dtype=torch.float64)
    emb = Embedding.from_pretrained(reference.weight.detach().numpy(), freeze=False, padding_idx=2)
    idx = rng.integers(0, 7, (3, 5))
    g = rng.standard_normal((3, 5, 4))
    t_out, m_out = reference(torch.tensor(idx)), emb(idx)
    np.testing.assert_allclose(m_out.array, t_out.detach().numpy())
    (t_out * torch.tensor(g)).sum().backward()
    (m_out * md.tensor(g)).sum().backward()
    np.testing.assert_allclose(emb.weight.grad.array, reference.weight.grad.numpy(), atol=1e-12)


def test_misuse():
    emb = Embedding(4, 2)
    with pytest.raises(ValueError, match=r"\[0, 4\)"):
        emb(np.array([1, 4]))
    with pytest.raises(TypeError, match="integers"):
        emb(np.array([1.0]))
    with pytest.raises(ValueError, match="padding_idx"):
        Embedding(4, 2, padding_idx=9)
    with pytest.raises(ValueError, match="embedding_dim"):
        Embedding(4, 0)
    frozen = Embedding.from_pretrained(np.eye(3))
    assert not frozen.weight.requires_grad
