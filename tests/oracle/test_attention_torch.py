"""MultiheadAttention and scaled_dot_product_attention against PyTorch (float64, 1e-6)."""

import numpy as np
import pytest

import mathdl as md
from mathdl.nn.layers.attention import MultiheadAttention, scaled_dot_product_attention
from torch_oracle import copy_weights


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("masks", ["none", "padding", "causal+padding", "float", "per-head"])
@pytest.mark.parametrize("self_attention", [True, False])
def test_mha_matches_torch(torch, float64, rng, batch_first, masks, self_attention):
    torch.manual_seed(0)
    reference = torch.nn.MultiheadAttention(8, 2, batch_first=batch_first, dtype=torch.float64)
    with torch.no_grad():
        reference.in_proj_bias.normal_()
        reference.out_proj.bias.normal_()
    module = MultiheadAttention(8, 2, batch_first=batch_first)
    copy_weights(reference, module)
    batch, length = 3, 4
    source = length if self_attention else 6
    q = rng.standard_normal((batch, length, 8) if batch_first else (length, batch, 8))
    kv = (
        q
        if self_attention
        else rng.standard_normal((batch, source, 8) if batch_first else (source, batch, 8))
    )
    padding = np.zeros((batch, source), dtype=bool)
    padding[0, -2:] = True
    kwargs_t, kwargs_m = {}, {}
    if "padding" in masks:
        kwargs_t["key_padding_mask"], kwargs_m["key_padding_mask"] = torch.tensor(padding), padding
    if "causal" in masks:
        causal = np.triu(np.ones((length, source), bool), 1)
        kwargs_t["attn_mask"], kwargs_m["attn_mask"] = torch.tensor(causal), causal
    if masks == "float":
        additive = rng.standard_normal((length, source))
        kwargs_t["attn_mask"], kwargs_m["attn_mask"] = torch.tensor(additive), additive
    if masks == "per-head":
        blocked = rng.random((batch * 2, length, source)) < 0.3
        blocked[..., 0] = False
        kwargs_t["attn_mask"], kwargs_m["attn_mask"] = torch.tensor(blocked), blocked
    tq = torch.tensor(q, requires_grad=True)
    mq = md.tensor(q, requires_grad=True)
    tkv = tq if self_attention else torch.tensor(kv, requires_grad=True)
    mkv = mq if self_attention else md.tensor(kv, requires_grad=True)
    t_out, t_w = reference(tq, tkv, tkv, average_attn_weights=False, **kwargs_t)
    m_out, m_w = module(mq, mkv, mkv, average_attn_weights=False, **kwargs_m)
    np.testing.assert_allclose(m_out.array, t_out.detach().numpy(), atol=1e-6)
    np.testing.assert_allclose(m_w.array, t_w.detach().numpy(), atol=1e-6)
    g_out = rng.standard_normal(q.shape)
    g_w = rng.standard_normal(t_w.shape)
    ((t_out * torch.tensor(g_out)).sum() + (t_w * torch.tensor(g_w)).sum()).backward()
    ((m_out * md.tensor(g_out)).sum() + (m_w * md.tensor(g_w)).sum()).backward()
    np.testing.assert_allclose(mq.grad.array, tq.grad.numpy(), atol=1e-6)
    if not self_attention:
        np.testing.assert_allclose(mkv.grad.array, tkv.grad.numpy(), atol=1e-6)
    ours = dict(module.named_parameters())
    for name, p in reference.named_parameters():
        np.testing.assert_allclose(ours[name].grad.array, p.grad.numpy(), atol=1e-6, err_msg=name)


def test_mha_kdim_vdim_matches_torch(torch, float64, rng):
    reference = torch.nn.MultiheadAttention(4, 2, kdim=3, vdim=5, dtype=torch.float64)
    module = MultiheadAttention(4, 2, kdim=3, vdim=5)
    copy_weights(reference, module)
    q, k, v = rng.standard_normal((2, 3, 4)), rng.standard_normal((6, 3, 3)), rng.standard_normal((6, 3, 5))
    t_out, t_w = reference(torch.tensor(q), torch.tensor(k), torch.tensor(v))
    m_out, m_w = module(md.tensor(q), md.tensor(k), md.tensor(v))
    np.testing.assert_allclose(m_out.array, t_out.detach().numpy(), atol=1e-6)
    np.testing.assert_allclose(m_w.array, t_w.detach().numpy(), atol=1e-6)


@pytest.mark.parametrize("mask", ["none", "causal", "bool", "float"])
def test_sdpa_matches_torch(torch, rng, mask):
    q, k, v = (
        rng.standard_normal((2, 3, 5, 4)),
        rng.standard_normal((2, 3, 5, 4)),
        rng.standard_normal((2, 3, 5, 6)),
    )
    tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
    mq, mk, mv = (md.tensor(a, requires_grad=True) for a in (q, k, v))
    kwargs = {}
    if mask == "causal":
        kwargs["is_causal"] = True
    elif mask == "bool":
        allowed = rng.random((5, 5)) < 0.7
        allowed[:, 0] = True
        kwargs["attn_mask"] = allowed
    elif mask == "float":
        kwargs["attn_mask"] = rng.standard_normal((5, 5))
    t_kwargs = {k_: (torch.tensor(v_) if isinstance(v_, np.ndarray) else v_) for k_, v_ in kwargs.items()}
    t_out = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, **t_kwargs)
    m_out = scaled_dot_product_attention(mq, mk, mv, **kwargs)
    np.testing.assert_allclose(m_out.array, t_out.detach().numpy(), atol=1e-6)
    (t_out**2).sum().backward()
    (m_out**2).sum().backward()
    for m_, t_ in ((mq, tq), (mk, tk), (mv, tv)):
        np.testing.assert_allclose(m_.grad.array, t_.grad.numpy(), atol=1e-6)
