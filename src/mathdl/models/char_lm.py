"""Character-level language models: recurrent (RNN, LSTM, GRU) and a small causal transformer.

A language model factorises the probability of a text into next-character predictions,

    p(c₁ … c_N) = Π_t p(c_t | c₁ … c_{t−1}),

and is trained by minimising the mean negative log-likelihood of the next character
ℓ = −(1/N) Σ_t log p(c_t | c_<t) (the cross-entropy); its exponential exp(ℓ) is the perplexity.

* ``CharRNNLM``: embedding e_t = E[c_t] → a stack of recurrent layers h_t = F(e_t, h_{t−1}) →
  logits z_t = W h_t + b, so p(c_{t+1} | c_≤t) = softmax(z_t). The state (h, c) carries the
  context forward, so generation needs one step per character.
* ``CharTransformerLM``: x_t = √d · E[c_t] + PE[t] → causal transformer encoder layers (each
  position attends to itself and the past only) → logits. Context is the last ``max_len`` characters.

Registered as ``char-rnn``, ``char-lstm``, ``char-gru``, ``char-transformer`` (``mathdl.models.build``).
``mathdl.train.TruncatedBPTT`` trains them on consecutive blocks of text, carrying the state;
``mathdl.models.generate`` samples text from them.
"""

import math

import numpy as np

from mathdl.models.registry import register
from mathdl.nn.layers.attention import causal_mask
from mathdl.nn.layers.dropout import Dropout
from mathdl.nn.layers.embedding import Embedding
from mathdl.nn.layers.layernorm import LayerNorm
from mathdl.nn.layers.linear import Linear
from mathdl.nn.layers.recurrent import GRU, LSTM, RNN
from mathdl.nn.layers.transformer import TransformerEncoder, TransformerEncoderLayer, norm_then_linear
from mathdl.nn.module import Module
from mathdl.nn.sequence import PositionalEncoding

_CELLS = {"rnn": RNN, "lstm": LSTM, "gru": GRU}


class CharRNNLM(Module):
    """Embedding → ``num_layers`` recurrent layers (``cell`` 'rnn', 'lstm' or 'gru') → Linear.

    forward(ids (B, T) int, state=None) → (logits (B, T, V), state); ``state`` is what the
    recurrent layer returns (h_n, or (h_n, c_n) for an LSTM) and can be fed back to continue.
    """

    def __init__(self, vocab_size, embed_dim=64, hidden_size=256, num_layers=2, cell="lstm", dropout=0.0):
        super().__init__()
        if cell not in _CELLS:
            raise ValueError(f"CharRNNLM: cell must be one of {sorted(_CELLS)}, got {cell!r}")
        self.cell = cell
        self.vocab_size = int(vocab_size)
        self.embedding = Embedding(vocab_size, embed_dim)
        self.rnn = _CELLS[cell](
            embed_dim,
            hidden_size,
            num_layers=num_layers,
            batch_first=True,
            dropout=dropout if num_layers > 1 else 0.0,
        )
        self.dropout = Dropout(dropout)
        self.decoder = Linear(hidden_size, vocab_size)

    def forward(self, ids, state=None):
        out, state = self.rnn(ids, state, embedding=self.embedding)  # (the LSTM reads E's rows itself)
        return self.decoder(self.dropout(out)), state

    @staticmethod
    def detach_state(state):
        """The state cut from the graph (truncated BPTT: carry values, not gradients)."""
        if state is None:
            return None
        if isinstance(state, tuple):
            return tuple(s.detach() for s in state)
        return state.detach()


class CharTransformerLM(Module):
    """Embedding·√d + sinusoidal positions → causal TransformerEncoder (pre-norm) → LayerNorm → Linear.

    forward(ids (B, T) int with T ≤ max_len, state=None) → (logits (B, T, V), None).
    """

    def __init__(
        self, vocab_size, d_model=128, nhead=4, num_layers=2, dim_feedforward=512, dropout=0.1, max_len=256
    ):
        super().__init__()
        self.vocab_size, self.d_model, self.max_len = int(vocab_size), int(d_model), int(max_len)
        self.embedding = Embedding(vocab_size, d_model)
        self.embedding.weight.array *= 1.0 / math.sqrt(d_model)
        self.positions = PositionalEncoding(d_model, dropout=dropout, max_len=max_len, batch_first=True)
        layer = TransformerEncoderLayer(
            d_model, nhead, dim_feedforward, dropout=dropout, batch_first=True, norm_first=True
        )
        self.encoder = TransformerEncoder(layer, num_layers)
        self.norm = LayerNorm(d_model)
        self.decoder = Linear(d_model, vocab_size)

    def forward(self, ids, state=None):
        length = np.shape(ids)[-1]
        if length > self.max_len:
            raise ValueError(f"CharTransformerLM: {length} characters exceed max_len={self.max_len}")
        x = self.positions(self.embedding(ids) * math.sqrt(self.d_model))
        mask = causal_mask(length, dtype=x.dtype)
        return norm_then_linear(self.norm, self.decoder, self.encoder(x, mask=mask)), None

    @staticmethod
    def detach_state(state):
        return None


@register("char-rnn")
def char_rnn(vocab_size, embed_dim=64, hidden_size=256, num_layers=2, dropout=0.0):
    """Character LM with tanh RNN layers."""
    return CharRNNLM(vocab_size, embed_dim, hidden_size, num_layers, "rnn", dropout)


@register("char-lstm")
def char_lstm(vocab_size, embed_dim=64, hidden_size=256, num_layers=2, dropout=0.0):
    """Character LM with LSTM layers."""
    return CharRNNLM(vocab_size, embed_dim, hidden_size, num_layers, "lstm", dropout)


@register("char-gru")
def char_gru(vocab_size, embed_dim=64, hidden_size=256, num_layers=2, dropout=0.0):
    """Character LM with GRU layers."""
    return CharRNNLM(vocab_size, embed_dim, hidden_size, num_layers, "gru", dropout)


@register("char-transformer")
def char_transformer(
    vocab_size, d_model=128, nhead=4, num_layers=2, dim_feedforward=512, dropout=0.1, max_len=256
):
    """Character LM with a small causal transformer."""
    return CharTransformerLM(vocab_size, d_model, nhead, num_layers, dim_feedforward, dropout, max_len)


CHAR_LM_MODELS = ("char-rnn", "char-lstm", "char-gru", "char-transformer")
