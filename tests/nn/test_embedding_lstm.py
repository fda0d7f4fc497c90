"""``LSTM(…)(ids, embedding=emb)``: the first layer reads the embedding's rows inside its op
(``EmbeddingLSTMSequence``) and must give what ``LSTM(…)(emb(ids))`` gives — outputs, states and
every gradient — in float32 and float64, and fall back to that composition where it is not less
work. (Finite differences and PyTorch: the op's row in ``mathdl gradcheck``, and
tests/oracle/test_rnn.py.)"""

import numpy as np
import pytest

import mathdl as md
from mathdl.models.char_lm import CharRNNLM
from mathdl.nn.functional.embedding_lstm import EmbeddingLSTMSequence, fuses_embedding
from mathdl.nn.layers.embedding import Embedding
from mathdl.nn.layers.recurrent import GRU, LSTM

TOLERANCE = {np.float32: dict(rtol=1e-5, atol=1e-6), np.float64: dict(rtol=1e-12, atol=1e-13)}


@pytest.fixture
def fused_calls(monkeypatch):
    """How many times the fused op's forward ran (a list that grows by one per call)."""
    calls = []
    forward = EmbeddingLSTMSequence.forward

    def counted(self, *inputs):
        calls.append(self.ids.shape)
        return forward(self, *inputs)

    monkeypatch.setattr(EmbeddingLSTMSequence, "forward", counted)
    return calls


def _modules(dtype, vocabulary=6, features=5, padding_idx=None, **lstm_options):
    md.manual_seed(0)
    embedding = Embedding(vocabulary, features, padding_idx=padding_idx)
    lstm = LSTM(features, 4, **lstm_options)
    if dtype == np.float64:
        embedding.double(), lstm.double()
    return embedding, lstm


def _run(embedding, lstm, ids, fused, states=None):
    """Outputs, final states and the gradients of a loss touching all of them (parameters of both
    modules, then the initial states)."""
    for p in list(embedding.parameters()) + list(lstm.parameters()):
        p.grad = None
    hx = None if states is None else tuple(md.tensor(s, requires_grad=True) for s in states)
    out, (h, c) = lstm(ids, hx, embedding=embedding) if fused else lstm(embedding(ids), hx)
    weights = np.linspace(-1.0, 1.0, out.array.size).reshape(out.shape)
    loss = (out * md.tensor(weights, dtype=out.dtype)).sum() + (h * c).sum() + (c * c).sum()
    loss.backward()
    grads = [p.grad.array for p in list(embedding.parameters()) + list(lstm.parameters())]
    grads += [] if hx is None else [s.grad.array for s in hx]
    return [out.array, h.array, c.array] + grads


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "options, padding_idx, with_state",
    [
        (dict(), None, False),
        (dict(num_layers=2, batch_first=True), 2, True),
        (dict(bidirectional=True), None, True),
        (dict(num_layers=2, bidirectional=True, batch_first=True), 0, False),
    ],
)
def test_fused_lookup_equals_embedding_then_lstm(fused_calls, rng, dtype, options, padding_idx, with_state):
    embedding, lstm = _modules(dtype, padding_idx=padding_idx, **options)
    ids = rng.integers(0, 6, (3, 7) if options.get("batch_first") else (7, 3))
    directions = 2 if options.get("bidirectional") else 1
    states = None
    if with_state:
        shape = (options.get("num_layers", 1) * directions, 3, 4)
        states = [rng.standard_normal(shape).astype(dtype) for _ in range(2)]
    fused = _run(embedding, lstm, ids, True, states)
    assert len(fused_calls) == directions  # the first layer's op(s), one per direction
    composed = _run(embedding, lstm, ids, False, states)
    assert len(fused_calls) == directions
    for a, b in zip(fused, composed):
        assert a.dtype == dtype
        np.testing.assert_allclose(a, b, **TOLERANCE[dtype])
    if padding_idx is not None:
        assert not fused[3][padding_idx].any()  # the padding row receives no gradient


def test_unbatched_indices_and_a_retained_graph(fused_calls, rng):
    embedding, lstm = _modules(np.float64)
    ids = rng.integers(0, 6, 9)  # (T,)
    out, (h, c) = lstm(ids, embedding=embedding)
    expected, (h_ref, c_ref) = lstm(embedding(ids))
    assert fused_calls == [(9, 1)] and out.shape == (9, 4) and h.shape == (1, 4)
    np.testing.assert_allclose(out.array, expected.array, rtol=1e-12)
    np.testing.assert_allclose(c.array, c_ref.array, rtol=1e-12)
    loss = (out * out).sum()
    loss.backward(retain_graph=True)
    first = embedding.weight.grad.array.copy()
    embedding.weight.grad = None
    loss.backward()  # the saved factors are read again, unchanged
    np.testing.assert_array_equal(embedding.weight.grad.array, first)


def test_looks_rows_up_first_where_fusing_is_more_work(fused_calls, rng):
    assert fuses_embedding(64, 64, 64, 32) and not fuses_embedding(200, 64, 64, 32)
    assert not fuses_embedding(64, 64, 1, 1)  # one step of one sequence: V rows > T·B rows
    embedding, lstm = _modules(np.float64, vocabulary=20, features=5)  # 20 > 2·5
    ids = rng.integers(0, 20, (6, 2))
    fused, composed = _run(embedding, lstm, ids, True), _run(embedding, lstm, ids, False)
    assert fused_calls == []
    for a, b in zip(fused, composed):
        np.testing.assert_array_equal(a, b)


def test_other_cells_look_rows_up_first(rng):
    md.manual_seed(0)
    embedding, gru = Embedding(6, 5).double(), GRU(5, 4, batch_first=True).double()
    ids = rng.integers(0, 6, (2, 5))
    out, h = gru(ids, embedding=embedding)
    expected, h_ref = gru(embedding(ids))
    np.testing.assert_array_equal(out.array, expected.array)
    np.testing.assert_array_equal(h.array, h_ref.array)


def test_max_norm_rescales_the_rows_as_the_lookup_does(fused_calls, rng):
    ids = rng.integers(0, 6, (5, 3))
    results = []
    for fused in (True, False):
        md.manual_seed(0)
        embedding = Embedding(6, 5, max_norm=0.5).double()
        lstm = LSTM(5, 4).double()
        out, _ = lstm(ids, embedding=embedding) if fused else lstm(embedding(ids))
        results.append((out.array, embedding.weight.array.copy()))
    assert len(fused_calls) == 1
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12)
    np.testing.assert_array_equal(results[0][1], results[1][1])
    assert np.linalg.norm(results[0][1][np.unique(ids)], axis=1).max() <= 0.5


def test_char_lstm_model_reads_its_embedding_inside_the_lstm(fused_calls, rng):
    md.manual_seed(0)
    model = CharRNNLM(12, embed_dim=8, hidden_size=6, num_layers=2, cell="lstm").double()
    ids = rng.integers(0, 12, (3, 10))
    logits, _ = model(ids)
    assert fused_calls == [(10, 3)]
    out, _ = model.rnn(model.embedding(ids))
    np.testing.assert_allclose(logits.array, model.decoder(out).array, rtol=1e-12)


def test_bad_embedding_arguments_raise_clear_errors(rng):
    embedding, lstm = _modules(np.float32)
    with pytest.raises(TypeError, match="embedding must be an nn.Embedding"):
        lstm(np.zeros((3, 2), dtype=np.int64), embedding=md.nn.Linear(6, 5))
    with pytest.raises(ValueError, match="expected input_size=5"):
        lstm(np.zeros((3, 2), dtype=np.int64), embedding=Embedding(6, 3))
    with pytest.raises(TypeError, match="indices must be integers"):
        lstm(np.zeros((3, 2)), embedding=embedding)
    with pytest.raises(ValueError, match="index out of range"):
        lstm(np.full((3, 2), 6), embedding=embedding)
    with pytest.raises(ValueError, match=r"expected indices \(T, B\)"):
        lstm(np.zeros((3, 2, 1), dtype=np.int64), embedding=embedding)


def test_the_op_rejects_indices_outside_its_table():
    e, w_ih, w_hh, state = md.ones(3, 4), md.ones(8, 4), md.ones(8, 2), md.zeros(2, 2)
    with pytest.raises(ValueError, match=r"indices must lie in \[0, 3\)"):
        EmbeddingLSTMSequence(np.array([[0, 3]]))(e, w_ih, state, state, w_hh)
    with pytest.raises(ValueError, match=r"indices must lie in \[0, 3\)"):
        EmbeddingLSTMSequence(np.array([[-1, 2]]))(e, w_ih, state, state, w_hh)
