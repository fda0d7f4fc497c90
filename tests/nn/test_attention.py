"""Attention: finite-difference gradients, mask semantics, shapes and errors."""

import numpy as np
import pytest

import mathdl as md
from mathdl.autograd.gradcheck import gradcheck, gradgradcheck
from mathdl.nn.layers.attention import MultiheadAttention, causal_mask, scaled_dot_product_attention


def _t(rng, *shape):
    return md.tensor(rng.standard_normal(shape), requires_grad=True)


def test_sdpa_finite_differences_with_causal_mask(float64, rng):
    q, k, v = _t(rng, 2, 3, 4), _t(rng, 2, 3, 4), _t(rng, 2, 3, 5)
    assert gradcheck(lambda q, k, v: scaled_dot_product_attention(q, k, v, is_causal=True), [q, k, v])
    assert gradgradcheck(lambda q, k, v: scaled_dot_product_attention(q, k, v), [q, k, v])


def test_sdpa_formula(rng):
    q, k, v = (rng.standard_normal(s) for s in [(3, 4), (5, 4), (5, 2)])
    scores = q @ k.T / 2.0
    a = np.exp(scores - scores.max(1, keepdims=True))
    a /= a.sum(1, keepdims=True)
    out = scaled_dot_product_attention(md.tensor(q), md.tensor(k), md.tensor(v))
    np.testing.assert_allclose(out.array, a @ v, atol=1e-12)


@pytest.mark.parametrize("batch_first", [False, True])
def test_mha_finite_differences(float64, rng, batch_first):
    md.manual_seed(0)
    mha = MultiheadAttention(4, 2, batch_first=batch_first)
    query, key = _t(rng, 3, 2, 4), _t(rng, 3, 2, 4)
    batch, source = (3, 2) if batch_first else (2, 3)
    padding = np.zeros((batch, source), dtype=bool)
    padding[0, -1] = True
    params = list(mha.parameters())
    assert gradcheck(lambda q, k, *p: mha(q, k, k, key_padding_mask=padding)[0], [query, key, *params])
    assert gradcheck(lambda q, *p: mha(q, q, q, is_causal=True)[0], [query, *params])


def test_masked_keys_get_zero_weight_and_do_not_change_the_output(rng):
    mha = MultiheadAttention(6, 3, batch_first=True)
    x = md.tensor(rng.standard_normal((2, 5, 6)), dtype=np.float32)
    padding = np.zeros((2, 5), dtype=bool)
    padding[0, 3:] = True
    out, weights = mha(x, x, x, key_padding_mask=padding)
    assert weights.shape == (2, 5, 5)
    np.testing.assert_array_equal(weights.array[0, :, 3:], 0.0)
    np.testing.assert_allclose(weights.array.sum(-1), 1.0, atol=1e-6)
    changed = x.array.copy()
    changed[0, 3:] += 10.0
    out2 = mha(x, md.tensor(changed), md.tensor(changed), key_padding_mask=padding)[0]
    np.testing.assert_allclose(out2.array[0], out.array[0], atol=1e-5)


def test_causal_mask_blocks_the_future(rng):
    mha = MultiheadAttention(4, 2)
    x = md.tensor(rng.standard_normal((5, 1, 4)), dtype=np.float32)
    _, by_flag = mha(x, x, x, is_causal=True)
    _, by_mask = mha(x, x, x, attn_mask=causal_mask(5))
    _, by_bool = mha(x, x, x, attn_mask=np.triu(np.ones((5, 5), bool), 1))
    assert np.all(np.triu(by_flag.array[0], 1) == 0)
    np.testing.assert_allclose(by_flag.array, by_mask.array)
    np.testing.assert_allclose(by_flag.array, by_bool.array)
    heads = mha(x, x, x, is_causal=True, average_attn_weights=False)[1]
    assert heads.shape == (1, 2, 5, 5)
    assert mha(x, x, x, need_weights=False)[1] is None


def test_unbatched_equals_batch_of_one(rng):
    mha = MultiheadAttention(4, 2)
    x = md.tensor(rng.standard_normal((3, 4)), dtype=np.float32)
    np.testing.assert_allclose(
        mha(x, x, x)[0].array, mha(x[:, None], x[:, None], x[:, None])[0].array[:, 0], atol=1e-6
    )


def test_kdim_vdim_parameters(rng):
    mha = MultiheadAttention(4, 2, kdim=3, vdim=5)
    names = {n for n, _ in mha.named_parameters()}
    assert names == {
        "q_proj_weight",
        "k_proj_weight",
        "v_proj_weight",
        "in_proj_bias",
        "out_proj.weight",
        "out_proj.bias",
    }
    out, _ = mha(md.randn(2, 1, 4), md.randn(6, 1, 3), md.randn(6, 1, 5))
    assert out.shape == (2, 1, 4)


def test_misuse():
    with pytest.raises(ValueError, match="divisible"):
        MultiheadAttention(5, 2)
    mha = MultiheadAttention(4, 2)
    with pytest.raises(ValueError, match="query"):
        mha(md.randn(3, 2, 5), md.randn(3, 2, 4), md.randn(3, 2, 4))
    with pytest.raises(ValueError, match="key_padding_mask"):
        mha(md.randn(3, 2, 4), md.randn(3, 2, 4), md.randn(3, 2, 4), key_padding_mask=np.zeros((3, 2), bool))
    with pytest.raises(ValueError, match="attn_mask"):
        mha(md.randn(3, 2, 4), md.randn(3, 2, 4), md.randn(3, 2, 4), attn_mask=np.zeros((2, 2), bool))
    with pytest.raises(TypeError, match="attn_mask"):
        mha(md.randn(3, 2, 4), md.randn(3, 2, 4), md.randn(3, 2, 4), attn_mask=np.zeros((3, 3), int))
    with pytest.raises(ValueError, match="not both"):
        scaled_dot_product_attention(
            md.randn(2, 3), md.randn(2, 3), md.randn(2, 3), attn_mask=np.ones((2, 2), bool), is_causal=True
        )


def _textbook_softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "case",
    [
        "no mask",
        "causal",
        "wide span (row max path)",
        "finite mask (row max path)",
        "fully masked finite row",
    ],
)
def test_masked_softmax_equals_the_row_max_formula(rng, dtype, case, monkeypatch):
    from mathdl.nn.functional import attention

    scores = rng.standard_normal((2, 3, 5, 5)).astype(dtype) * 4
    mask = np.triu(np.full((5, 5), -np.inf, dtype=dtype), k=1)
    if case == "no mask":
        mask = None
    elif case == "wide span (row max path)":
        scores[0, 0, 2] += 500  # a span no global shift may take: each row its own max
    elif case == "finite mask (row max path)":
        mask = np.where(mask == 0, 0.0, -1e4).astype(dtype)
    elif case == "fully masked finite row":
        mask = np.zeros((5, 5), dtype=dtype)
        mask[1] = -1e9  # every key blocked by a finite mask: the row max gives a uniform row
    expected = _textbook_softmax(scores if mask is None else scores + mask)
    row_max_calls = []
    row_max = attention._softmax_rows_
    monkeypatch.setattr(attention, "_softmax_rows_", lambda z: row_max_calls.append(1) or row_max(z))
    got = attention._masked_softmax_rows_(scores.copy(), mask)
    assert bool(row_max_calls) == ("row max" in case or "finite" in case)  # the path meant was taken
    np.testing.assert_allclose(got, expected, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-30)
    assert np.isfinite(got).all()
