"""Property tests: MultiheadAttention and Transformer encoder/decoder layers agree with PyTorch
(outputs, input gradients and every parameter gradient, float64) for random head counts, head
sizes, sequence lengths, batch sizes, layouts, biases, key/value sizes, activations and masks —
test_attention_torch.py and test_transformer_torch.py fix the sizes; here hypothesis draws them
jointly. More examples in CI (hypothesis_budget)."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mathdl as md
from hypothesis_budget import examples
from mathdl.nn.layers.attention import MultiheadAttention
from mathdl.nn.layers.transformer import TransformerDecoderLayer, TransformerEncoderLayer
from torch_oracle import copy_weights

SETTINGS = settings(
    max_examples=examples(8, ci=100),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
ATOL = 1e-6


def _padding(rng, batch, length):
    """A random key padding mask that leaves the first position of every row unmasked."""
    mask = rng.random((batch, length)) < 0.4
    mask[:, 0] = False
    return mask


def _layout(rng, batch, length, features, batch_first):
    return rng.standard_normal((batch, length, features) if batch_first else (length, batch, features))


def _randomise(torch, reference):
    """PyTorch initialises biases and norm weights to constants: draw them so they are tested."""
    with torch.no_grad():
        for name, p in reference.named_parameters():
            if "bias" in name or "norm" in name:
                p.normal_()


def _check(torch, reference, module, outputs, pairs, rng):
    """Values, then the gradients of ⟨g, output⟩ for a random g: inputs and every parameter."""
    (t_out, m_out) = outputs
    np.testing.assert_allclose(m_out.array, t_out.detach().numpy(), atol=ATOL)
    g = rng.standard_normal(m_out.shape)
    (t_out * torch.tensor(g)).sum().backward()
    (m_out * md.tensor(g)).sum().backward()
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours.grad.array, theirs.grad.numpy(), atol=ATOL)
    ours = dict(module.named_parameters())
    for name, p in reference.named_parameters():
        np.testing.assert_allclose(ours[name].grad.array, p.grad.numpy(), atol=ATOL, err_msg=name)


SIZES = dict(
    heads=st.integers(1, 3),
    head_dim=st.integers(1, 3),
    batch=st.integers(1, 3),
    length=st.integers(1, 4),
    batch_first=st.booleans(),
    bias=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)


@SETTINGS
@given(**SIZES, source=st.integers(1, 4), kv_dims=st.sampled_from(["self", "same", "other"]))
def test_mha_random_sizes_match_torch(
    torch, float64, heads, head_dim, batch, length, batch_first, bias, seed, source, kv_dims
):
    rng = np.random.default_rng(seed)
    embed = heads * head_dim
    kdim, vdim = (embed + 1, embed + 2) if kv_dims == "other" else (None, None)
    torch.manual_seed(seed % 2**31)
    options = dict(bias=bias, kdim=kdim, vdim=vdim, batch_first=batch_first)
    reference = torch.nn.MultiheadAttention(embed, heads, dtype=torch.float64, **options)
    _randomise(torch, reference)
    module = MultiheadAttention(embed, heads, **options)
    copy_weights(reference, module)
    source = length if kv_dims == "self" else source
    q = _layout(rng, batch, length, embed, batch_first)
    k = q if kv_dims == "self" else _layout(rng, batch, source, kdim or embed, batch_first)
    v = q if kv_dims == "self" else _layout(rng, batch, source, vdim or embed, batch_first)
    padding = _padding(rng, batch, source)
    t_in = [torch.tensor(a, requires_grad=True) for a in (q, k, v)]
    m_in = [md.tensor(a, requires_grad=True) for a in (q, k, v)]
    t_out, _ = reference(*t_in, key_padding_mask=torch.tensor(padding), need_weights=False)
    m_out, _ = module(*m_in, key_padding_mask=padding, need_weights=False)
    _check(torch, reference, module, (t_out, m_out), list(zip(m_in, t_in)), rng)


@SETTINGS
@given(
    **SIZES,
    feedforward=st.integers(1, 6),
    norm_first=st.booleans(),
    activation=st.sampled_from(["relu", "gelu"]),
    causal=st.booleans(),
)
def test_encoder_layer_random_sizes_match_torch(
    torch,
    float64,
    heads,
    head_dim,
    batch,
    length,
    batch_first,
    bias,
    seed,
    feedforward,
    norm_first,
    activation,
    causal,
):
    rng = np.random.default_rng(seed)
    d_model = heads * head_dim
    options = dict(
        dropout=0.0, activation=activation, batch_first=batch_first, norm_first=norm_first, bias=bias
    )
    torch.manual_seed(seed % 2**31)
    reference = torch.nn.TransformerEncoderLayer(d_model, heads, feedforward, dtype=torch.float64, **options)
    _randomise(torch, reference)
    module = TransformerEncoderLayer(d_model, heads, feedforward, **options)
    copy_weights(reference, module)
    x = _layout(rng, batch, length, d_model, batch_first)
    padding = _padding(rng, batch, length)
    mask = np.triu(np.ones((length, length), bool), 1) if causal else None
    tx, mx = torch.tensor(x, requires_grad=True), md.tensor(x, requires_grad=True)
    t_out = reference(
        tx, src_mask=None if mask is None else torch.tensor(mask), src_key_padding_mask=torch.tensor(padding)
    )
    m_out = module(mx, src_mask=mask, src_key_padding_mask=padding)
    _check(torch, reference, module, (t_out, m_out), [(mx, tx)], rng)


@SETTINGS
@given(**SIZES, memory_length=st.integers(1, 4), feedforward=st.integers(1, 6), norm_first=st.booleans())
def test_decoder_layer_random_sizes_match_torch(
    torch,
    float64,
    heads,
    head_dim,
    batch,
    length,
    batch_first,
    bias,
    seed,
    memory_length,
    feedforward,
    norm_first,
):
    rng = np.random.default_rng(seed)
    d_model = heads * head_dim
    options = dict(dropout=0.0, batch_first=batch_first, norm_first=norm_first, bias=bias)
    torch.manual_seed(seed % 2**31)
    reference = torch.nn.TransformerDecoderLayer(d_model, heads, feedforward, dtype=torch.float64, **options)
    _randomise(torch, reference)
    module = TransformerDecoderLayer(d_model, heads, feedforward, **options)
    copy_weights(reference, module)
    tgt = _layout(rng, batch, length, d_model, batch_first)
    memory = _layout(rng, batch, memory_length, d_model, batch_first)
    memory_padding = _padding(rng, batch, memory_length)
    causal = np.triu(np.ones((length, length), bool), 1)
    t_in = [torch.tensor(a, requires_grad=True) for a in (tgt, memory)]
    m_in = [md.tensor(a, requires_grad=True) for a in (tgt, memory)]
    t_out = reference(
        *t_in, tgt_mask=torch.tensor(causal), memory_key_padding_mask=torch.tensor(memory_padding)
    )
    m_out = module(*m_in, tgt_mask=causal, memory_key_padding_mask=memory_padding)
    _check(torch, reference, module, (t_out, m_out), list(zip(m_in, t_in)), rng)
