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


def _split_merge_attention(qkv, heads, mask):
    """The composed reference: split the packed projection, attend per head, merge."""
    from mathdl.nn.functional.attention import _attend, split_heads

    batch, length, width = qkv.shape
    out = _attend(*split_heads(qkv, 3, heads), mask, 0.0, False, 1.0 / np.sqrt(width // (3 * heads)))[0]
    return md.reshape(md.transpose(out, (0, 2, 1, 3)), (batch, length, width // 3))


def _masks(rng, batch, heads, length, dtype):
    causal = np.triu(np.full((length, length), -np.inf, dtype=dtype), k=1)
    padding = np.zeros((batch, 1, 1, length), dtype=dtype)
    padding[0, ..., -3:] = -np.inf
    ragged = np.where(rng.random((length, length)) < 0.5, -np.inf, 0.0).astype(dtype)
    ragged[:, 0] = 0.0
    ragged[: length // 2, length // 2 :] = -np.inf  # early rows see fewer keys, later ones not always more
    ragged[-2:, -4:] = -np.inf  # keys no query sees: zero gradient
    ragged[-2:, :2] = 0.0
    per_head = np.where(rng.random((batch, heads, length, length)) < 0.3, -np.inf, 0.0).astype(dtype)
    per_head[..., 0] = 0.0
    return {"none": None, "causal": causal, "padding": padding, "ragged 2-D": ragged, "per head": per_head}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", ["none", "causal", "padding", "ragged 2-D", "per head"])
def test_packed_self_attention_equals_split_attend_merge(rng, dtype, case):
    from mathdl.nn.functional.attention import PackedSelfAttention

    batch, heads, length = 3, 2, 11
    mask = _masks(rng, batch, heads, length, dtype)[case]
    qkv = md.tensor(rng.standard_normal((batch, length, 3 * heads * 4)), dtype=dtype, requires_grad=True)
    g = md.tensor(rng.standard_normal((batch, length, heads * 4)), dtype=dtype)
    fast = PackedSelfAttention(heads, mask, 0.5)(qkv)
    expected = _split_merge_attention(qkv, heads, mask)
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(fast.array, expected.array, **tol)
    got, want = md.grad([fast], [qkv], [g])[0], md.grad([expected], [qkv], [g])[0]
    assert got.dtype == dtype
    np.testing.assert_allclose(got.array, want.array, **tol)


@pytest.mark.parametrize("case", ["causal", "ragged 2-D"])
def test_query_blocks_skip_only_masked_keys(rng, case):
    from mathdl.nn.functional.attention import ScaledDotProductAttention, _attend, _blocks

    mask = _masks(rng, 1, 1, 11, np.float64)[case]
    blocks = _blocks(mask, 11, 11)
    assert len(blocks) > 1 and blocks[-1][1] == 11
    for start, stop, keys in blocks:  # nothing finite right of a block's keys
        assert np.all(mask[start:stop, keys:] == -np.inf)
    q, k, v = (md.tensor(rng.standard_normal((2, 11, 3)), requires_grad=True) for _ in range(3))
    g = md.tensor(rng.standard_normal((2, 11, 3)))
    fast = ScaledDotProductAttention(mask, 0.7)(q, k, v)
    composed = _attend(q, k, v, mask, 0.0, False, 0.7)[0]
    np.testing.assert_allclose(fast.array, composed.array, rtol=1e-12, atol=1e-12)
    for a, b in zip(md.grad([fast], [q, k, v], [g]), md.grad([composed], [q, k, v], [g])):
        np.testing.assert_allclose(a.array, b.array, rtol=1e-10, atol=1e-12)


def test_packed_self_attention_checks_its_input():
    import mathdl.nn.functional as F

    with pytest.raises(ValueError, match="qkv"):
        F.packed_self_attention(md.ones(2, 12), 2)
    with pytest.raises(ValueError, match="3·num_heads"):
        F.packed_self_attention(md.ones(1, 2, 10), 2)
    with pytest.raises(ValueError, match="num_heads"):
        F.packed_self_attention(md.ones(1, 2, 12), 0)
    with pytest.raises(ValueError, match="broadcast"):
        F.packed_self_attention(md.ones(1, 2, 12), 2, attn_mask=np.zeros((3, 3)))
    with pytest.raises(ValueError, match="not both"):
        F.packed_self_attention(md.ones(1, 2, 12), 2, attn_mask=np.zeros((2, 2)), is_causal=True)


def test_multihead_self_attention_takes_the_packed_path(rng):
    from mathdl.nn.functional.attention import PackedSelfAttention

    mha = MultiheadAttention(8, 2, batch_first=True)
    x = md.tensor(rng.standard_normal((3, 5, 8)), requires_grad=True)
    mask = causal_mask(5, dtype=x.dtype)
    out = mha(x, x, x, attn_mask=mask, need_weights=False)[0]
    assert isinstance(out.creator.inputs[0].creator, PackedSelfAttention)
    reference = mha(x, x, x, attn_mask=mask, need_weights=True)[0]  # split heads, attend, merge
    np.testing.assert_allclose(out.array, reference.array, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "shapes",
    [
        (
            (2, 3, 12, 6),
            (2, 3, 12, 6),
            (2, 3, 12, 2),
        ),  # values narrower than keys: K̄'s shares get their own buffer
        ((2, 3, 12, 4), (1, 1, 12, 4), (1, 1, 12, 4)),  # keys and values broadcast over the batch and heads
        ((2, 12, 4), (2, 12, 4), (2, 12, 5)),  # values wider than keys: the shares fit the copy of Vᵀ
    ],
    ids=["narrow values", "broadcast keys", "wide values"],
)
def test_causal_blocks_agree_with_the_composed_map(rng, dtype, shapes):
    """The causal fast path (query blocks, scaled copies of Kᵀ and Vᵀ, the blocks' shares of K̄ and
    V̄ in the copy of Vᵀ when it is big enough, else in a buffer of their own) against the
    composed softmax(Q Kᵀ·s + M) V, values and gradients."""
    from mathdl.nn.functional.attention import ScaledDotProductAttention, _attend, _blocks

    mask = np.triu(np.full((12, 12), -np.inf, dtype=dtype), k=1)
    assert len(_blocks(mask, 12, 12)) == 2
    q, k, v = (md.tensor(rng.standard_normal(s), dtype=dtype, requires_grad=True) for s in shapes)
    g = md.tensor(rng.standard_normal(shapes[0][:-1] + (shapes[2][-1],)), dtype=dtype)
    fast = ScaledDotProductAttention(mask, 0.4)(q, k, v)
    composed = _attend(q, k, v, mask, 0.0, False, 0.4)[0]
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(fast.array, composed.array, **tol)
    for a, b in zip(md.grad([fast], [q, k, v], [g]), md.grad([composed], [q, k, v], [g])):
        assert a.dtype == dtype and a.shape == b.shape
        np.testing.assert_allclose(a.array, b.array, **tol)
