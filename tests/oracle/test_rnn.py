"""RNN, LSTM, GRU (and cells) against PyTorch with copied weights: forward outputs, final states
and every gradient agree to 1e-6 in float64 across layers, directions, batch_first and states."""

import numpy as np
import pytest

import mathdl as md
from hypothesis_budget import examples
from mathdl.nn.layers.recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from torch_oracle import copy_weights


def assert_grads_match(torch_module, module, atol=1e-6):
    ours = dict(module.named_parameters())
    for name, p in torch_module.named_parameters():
        np.testing.assert_allclose(ours[name].grad.array, p.grad.numpy(), atol=atol, err_msg=name)


@pytest.mark.parametrize("kind", ["rnn_tanh", "rnn_relu", "lstm", "gru"])
@pytest.mark.parametrize(
    "layers, bidirectional, batch_first, with_state",
    [(1, False, False, False), (1, True, False, True), (2, False, True, True), (3, True, True, False)],
)
def test_matches_torch(torch, float64, rng, kind, layers, bidirectional, batch_first, with_state):
    torch.manual_seed(0)
    kwargs = dict(num_layers=layers, bidirectional=bidirectional, batch_first=batch_first)
    if kind.startswith("rnn"):
        kwargs["nonlinearity"] = kind[4:]
    cls, torch_cls = {"rnn": (RNN, torch.nn.RNN), "lstm": (LSTM, torch.nn.LSTM), "gru": (GRU, torch.nn.GRU)}[
        kind[:4].rstrip("_")
    ]
    reference = torch_cls(4, 6, dtype=torch.float64, **kwargs)
    module = cls(4, 6, **kwargs)
    copy_weights(reference, module)
    batch, steps = 3, 7
    x = rng.standard_normal((batch, steps, 4) if batch_first else (steps, batch, 4))
    directions = 2 if bidirectional else 1
    states = [rng.standard_normal((layers * directions, batch, 6)) for _ in range(2 if kind == "lstm" else 1)]
    tx = torch.tensor(x, requires_grad=True)
    mx = md.tensor(x, requires_grad=True)
    t_states = [torch.tensor(s, requires_grad=True) for s in states]
    m_states = [md.tensor(s, requires_grad=True) for s in states]
    if kind == "lstm":
        t_out, (t_h, t_c) = reference(tx, tuple(t_states) if with_state else None)
        m_out, (m_h, m_c) = module(mx, tuple(m_states) if with_state else None)
        t_finals, m_finals = [t_h, t_c], [m_h, m_c]
    else:
        t_out, t_h = reference(tx, t_states[0] if with_state else None)
        m_out, m_h = module(mx, m_states[0] if with_state else None)
        t_finals, m_finals = [t_h], [m_h]
    np.testing.assert_allclose(m_out.array, t_out.detach().numpy(), atol=1e-6)
    for m_f, t_f in zip(m_finals, t_finals):
        np.testing.assert_allclose(m_f.array, t_f.detach().numpy(), atol=1e-6)
    weights = rng.standard_normal(x.shape[:2] + (directions * 6,))
    t_loss = (t_out * torch.tensor(weights)).sum() + sum((f**2).sum() for f in t_finals)
    m_loss = (m_out * md.tensor(weights)).sum() + sum((f**2).sum() for f in m_finals)
    t_loss.backward()
    m_loss.backward()
    np.testing.assert_allclose(mx.grad.array, tx.grad.numpy(), atol=1e-6)
    if with_state:
        for m_s, t_s in zip(m_states, t_states):
            np.testing.assert_allclose(m_s.grad.array, t_s.grad.numpy(), atol=1e-6)
    assert_grads_match(reference, module)


@pytest.mark.parametrize("cell_name", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cells_match_torch(torch, float64, rng, cell_name):
    torch.manual_seed(0)
    reference = getattr(torch.nn, cell_name)(3, 5, dtype=torch.float64)
    cell = {"RNNCell": RNNCell, "LSTMCell": LSTMCell, "GRUCell": GRUCell}[cell_name](3, 5)
    copy_weights(reference, cell)
    x, h, c = rng.standard_normal((2, 3)), rng.standard_normal((2, 5)), rng.standard_normal((2, 5))
    tx, mx = torch.tensor(x, requires_grad=True), md.tensor(x, requires_grad=True)
    if cell_name == "LSTMCell":
        t_h, t_c = reference(tx, (torch.tensor(h), torch.tensor(c)))
        m_h, m_c = cell(mx, (md.tensor(h), md.tensor(c)))
        t_loss, m_loss = (t_h**2).sum() + t_c.sum(), (m_h**2).sum() + m_c.sum()
    else:
        t_h, m_h = reference(tx, torch.tensor(h)), cell(mx, md.tensor(h))
        t_loss, m_loss = (t_h**2).sum(), (m_h**2).sum()
    np.testing.assert_allclose(m_h.array, t_h.detach().numpy(), atol=1e-6)
    t_loss.backward()
    m_loss.backward()
    np.testing.assert_allclose(mx.grad.array, tx.grad.numpy(), atol=1e-6)
    assert_grads_match(reference, cell)


def test_state_dict_loads_into_torch(torch):
    lstm = LSTM(3, 4, num_layers=2, bidirectional=True)
    reference = torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    reference.load_state_dict({k: torch.tensor(np.asarray(v.array)) for k, v in lstm.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((5, 2, 3)).astype(np.float32)
    np.testing.assert_allclose(
        lstm(md.tensor(x))[0].array, reference(torch.tensor(x))[0].detach().numpy(), atol=1e-5
    )


def test_random_shapes_match_torch(torch):
    """Property test: any small (T, B, I, H, layers, direction, cell) agrees with PyTorch."""
    hypothesis = pytest.importorskip("hypothesis")
    strategies = hypothesis.strategies

    @hypothesis.settings(max_examples=examples(12, ci=100), deadline=None)
    @hypothesis.given(
        steps=strategies.integers(1, 5),
        batch=strategies.integers(1, 3),
        inputs=strategies.integers(1, 4),
        hidden=strategies.integers(1, 5),
        layers=strategies.integers(1, 2),
        bidirectional=strategies.booleans(),
        kind=strategies.sampled_from(["RNN", "LSTM", "GRU"]),
    )
    def check(steps, batch, inputs, hidden, layers, bidirectional, kind):
        previous = md.get_default_dtype()
        md.set_default_dtype(np.float64)
        try:
            module = {"RNN": RNN, "LSTM": LSTM, "GRU": GRU}[kind](
                inputs, hidden, num_layers=layers, bidirectional=bidirectional
            )
        finally:
            md.set_default_dtype(previous)
        reference = getattr(torch.nn, kind)(
            inputs, hidden, num_layers=layers, bidirectional=bidirectional, dtype=torch.float64
        )
        copy_weights(reference, module)
        x = np.random.default_rng(steps * 100 + hidden).standard_normal((steps, batch, inputs))
        tx, mx = torch.tensor(x, requires_grad=True), md.tensor(x, requires_grad=True)
        t_out, m_out = reference(tx)[0], module(mx)[0]
        np.testing.assert_allclose(m_out.array, t_out.detach().numpy(), atol=1e-6)
        (t_out**2).sum().backward()
        (m_out**2).sum().backward()
        np.testing.assert_allclose(mx.grad.array, tx.grad.numpy(), atol=1e-6)
        assert_grads_match(reference, module)

    check()


@pytest.mark.parametrize("padding_idx, bidirectional", [(None, False), (3, True)])
def test_lstm_reading_an_embedding_matches_torch(torch, float64, rng, padding_idx, bidirectional):
    """``lstm(ids, embedding=emb)`` (the first layer's op reads the table's rows: the fused
    EmbeddingLSTMSequence at these sizes) against torch's Embedding followed by its LSTM."""
    from mathdl.nn.functional.embedding_lstm import fuses_embedding
    from mathdl.nn.layers.embedding import Embedding

    torch.manual_seed(0)
    t_embedding = torch.nn.Embedding(8, 5, padding_idx=padding_idx, dtype=torch.float64)
    t_lstm = torch.nn.LSTM(
        5, 6, num_layers=2, batch_first=True, bidirectional=bidirectional, dtype=torch.float64
    )
    embedding = Embedding(8, 5, padding_idx=padding_idx)
    lstm = LSTM(5, 6, num_layers=2, batch_first=True, bidirectional=bidirectional)
    copy_weights(t_embedding, embedding)
    copy_weights(t_lstm, lstm)
    ids = rng.integers(0, 8, (4, 7))
    assert fuses_embedding(8, 5, 7, 4)
    t_out, (t_h, t_c) = t_lstm(t_embedding(torch.tensor(ids)))
    m_out, (m_h, m_c) = lstm(ids, embedding=embedding)
    for m, t in ((m_out, t_out), (m_h, t_h), (m_c, t_c)):
        np.testing.assert_allclose(m.array, t.detach().numpy(), atol=1e-6)
    weights = rng.standard_normal(m_out.shape)
    ((t_out * torch.tensor(weights)).sum() + (t_h * t_c).sum()).backward()
    ((m_out * md.tensor(weights)).sum() + (m_h * m_c).sum()).backward()
    assert_grads_match(t_embedding, embedding)
    assert_grads_match(t_lstm, lstm)
