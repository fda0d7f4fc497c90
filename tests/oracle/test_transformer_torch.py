"""TransformerEncoderLayer / DecoderLayer / stacks against PyTorch with copied weights (float64, 1e-6)."""

import numpy as np
import pytest

import mathdl as md
from mathdl.nn.layers.layernorm import LayerNorm
from mathdl.nn.layers.transformer import (
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)
from torch_oracle import copy_weights


def compare_grads(reference, module, pairs):
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours.grad.array, theirs.grad.numpy(), atol=1e-6)
    ours = dict(module.named_parameters())
    for name, p in reference.named_parameters():
        np.testing.assert_allclose(ours[name].grad.array, p.grad.numpy(), atol=1e-6, err_msg=name)


def _randomise_norms(torch, reference):
    with torch.no_grad():
        for name, p in reference.named_parameters():
            if "norm" in name:
                p.normal_()


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_encoder_layer_matches_torch(torch, float64, rng, norm_first, batch_first):
    torch.manual_seed(0)
    reference = torch.nn.TransformerEncoderLayer(
        8, 2, 16, dropout=0.0, batch_first=batch_first, norm_first=norm_first, dtype=torch.float64
    )
    _randomise_norms(torch, reference)
    module = TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=batch_first, norm_first=norm_first)
    copy_weights(reference, module)
    x = rng.standard_normal((3, 5, 8))
    batch, length = (3, 5) if batch_first else (5, 3)
    padding = np.zeros((batch, length), dtype=bool)
    padding[1, -2:] = True
    causal = np.triu(np.ones((length, length), bool), 1)
    tx, mx = torch.tensor(x, requires_grad=True), md.tensor(x, requires_grad=True)
    t_out = reference(tx, src_mask=torch.tensor(causal), src_key_padding_mask=torch.tensor(padding))
    m_out = module(mx, src_mask=causal, src_key_padding_mask=padding)
    np.testing.assert_allclose(m_out.array, t_out.detach().numpy(), atol=1e-6)
    g = rng.standard_normal(x.shape)
    (t_out * torch.tensor(g)).sum().backward()
    (m_out * md.tensor(g)).sum().backward()
    compare_grads(reference, module, [(mx, tx)])


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer_matches_torch(torch, float64, rng, norm_first):
    torch.manual_seed(1)
    reference = torch.nn.TransformerDecoderLayer(
        8, 2, 16, dropout=0.0, norm_first=norm_first, dtype=torch.float64
    )
    _randomise_norms(torch, reference)
    module = TransformerDecoderLayer(8, 2, 16, dropout=0.0, norm_first=norm_first)
    copy_weights(reference, module)
    tgt, memory = rng.standard_normal((4, 2, 8)), rng.standard_normal((6, 2, 8))
    memory_padding = np.zeros((2, 6), dtype=bool)
    memory_padding[0, 4:] = True
    causal = torch.nn.Transformer.generate_square_subsequent_mask(4, dtype=torch.float64)
    tt, tm = torch.tensor(tgt, requires_grad=True), torch.tensor(memory, requires_grad=True)
    mt, mm = md.tensor(tgt, requires_grad=True), md.tensor(memory, requires_grad=True)
    t_out = reference(
        tt, tm, tgt_mask=causal, memory_key_padding_mask=torch.tensor(memory_padding), tgt_is_causal=True
    )
    m_out = module(
        mt, mm, tgt_mask=causal.numpy(), memory_key_padding_mask=memory_padding, tgt_is_causal=True
    )
    np.testing.assert_allclose(m_out.array, t_out.detach().numpy(), atol=1e-6)
    g = rng.standard_normal(tgt.shape)
    (t_out * torch.tensor(g)).sum().backward()
    (m_out * md.tensor(g)).sum().backward()
    compare_grads(reference, module, [(mt, tt), (mm, tm)])


def test_stacks_match_torch(torch, float64, rng):
    torch.manual_seed(2)
    t_encoder = torch.nn.TransformerEncoder(
        torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, dtype=torch.float64),
        2,
        norm=torch.nn.LayerNorm(8, dtype=torch.float64),
        enable_nested_tensor=False,
    )
    t_decoder = torch.nn.TransformerDecoder(
        torch.nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, dtype=torch.float64), 2
    )
    encoder = TransformerEncoder(TransformerEncoderLayer(8, 2, 16, dropout=0.0), 2, norm=LayerNorm(8))
    decoder = TransformerDecoder(TransformerDecoderLayer(8, 2, 16, dropout=0.0), 2)
    copy_weights(t_encoder, encoder)
    copy_weights(t_decoder, decoder)
    src, tgt = rng.standard_normal((5, 2, 8)), rng.standard_normal((3, 2, 8))
    t_out = t_decoder(torch.tensor(tgt), t_encoder(torch.tensor(src)))
    m_out = decoder(md.tensor(tgt), encoder(md.tensor(src)))
    np.testing.assert_allclose(m_out.array, t_out.detach().numpy(), atol=1e-6)
    t_out.sum().backward()
    m_out.sum().backward()
    compare_grads(t_encoder, encoder, [])
    compare_grads(t_decoder, decoder, [])
