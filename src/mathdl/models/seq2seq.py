"""Sequence to sequence with attention, on a task that needs no download: written dates → ISO 8601.

The data are generated: a random date between 1950 and 2049 written in one of a dozen styles
("Tuesday, March 3, 1998", "3rd of march 1998", "03.03.1998", …) is the source, its ISO form
"1998-03-03" the target. The model must read the whole source (the year may come first or last)
and emit the ten target characters.

Model (``Seq2SeqAttention``), for source characters x₁ … x_S and target characters y₁ … y_T:

    encoder    e_s = [→GRU(x)_s ; ←GRU(x)_s]                         (bidirectional, (S, 2H))
    bridge     d₀ = tanh(W_b · mean_s e_s + b_b)                       (initial decoder state)
    decoder    d_t = GRU(embed(y_{t−1}), d_{t−1})                      (y₀ = the start symbol)
    attention  α_t = softmax_s(q_t · k_s / √H) over real (non-padding) source positions,
               q_t = W_q d_t,  k_s = W_k e_s,  v_s = W_v e_s,  c_t = W_o Σ_s α_ts v_s
               (one-head ``MultiheadAttention`` with a key-padding mask)
    output     p(y_t | y_<t, x) = softmax(W_y tanh(W_c [d_t ; c_t]))

(Luong et al. 2015, "attention after the recurrence".) With teacher forcing the decoder GRU
runs over the whole target at once and attention is one batched product, so training has no
Python loop over target steps; greedy decoding feeds back its own predictions one step at a time.
Evaluation: exact match (all ten characters right) and corpus BLEU-4 over characters
(``mathdl.train.metrics.corpus_bleu``). The data (``mathdl.data.dates``) keep the test dates out of
training entirely; ``mathdl.train.TeacherForcing`` trains the models.
"""

import math

import numpy as np

from mathdl import ops
from mathdl.autograd import grad_mode
from mathdl.data.dates import TARGET_LENGTH, TARGET_VOCAB_SIZE
from mathdl.models.registry import register
from mathdl.nn.layers.attention import MultiheadAttention, causal_mask
from mathdl.nn.layers.embedding import Embedding
from mathdl.nn.layers.linear import Linear
from mathdl.nn.layers.recurrent import GRU
from mathdl.nn.layers.transformer import (
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)
from mathdl.nn.module import Module
from mathdl.nn.sequence import PositionalEncoding


# ----- the model ---------------------------------------------------------------------------------
class Seq2SeqAttention(Module):
    """Bidirectional GRU encoder, GRU decoder, one-head attention (formulas in the module docstring).

    forward(source ids (B, S), source mask (B, S), decoder input ids (B, T)) → logits (B, T, V_out).
    """

    def __init__(self, source_vocab, target_vocab, embed_dim=32, hidden_size=64):
        super().__init__()
        self.hidden_size = int(hidden_size)
        self.source_embedding = Embedding(source_vocab, embed_dim, padding_idx=0)
        self.encoder = GRU(embed_dim, hidden_size, batch_first=True, bidirectional=True)
        self.bridge = Linear(2 * hidden_size, hidden_size)
        self.target_embedding = Embedding(target_vocab, embed_dim)
        self.decoder = GRU(embed_dim, hidden_size, batch_first=True)
        self.attention = MultiheadAttention(
            hidden_size, 1, kdim=2 * hidden_size, vdim=2 * hidden_size, batch_first=True
        )
        self.combine = Linear(2 * hidden_size, hidden_size)
        self.output = Linear(hidden_size, target_vocab)

    def encode(self, source, mask):
        """Encoder outputs (B, S, 2H) and the initial decoder state (1, B, H)."""
        encoded, _ = self.encoder(self.source_embedding(source))
        weights = mask.astype(encoded.dtype) / mask.sum(axis=1, keepdims=True)
        summary = ops.sum(encoded * weights[:, :, None], axis=1)
        return encoded, ops.unsqueeze(ops.tanh(self.bridge(summary)), 0)

    def decode(self, encoded, mask, inputs, state):
        """Logits (B, T, V), the new state, and attention weights (B, T, S)."""
        decoded, state = self.decoder(self.target_embedding(inputs), state)
        context, weights = self.attention(decoded, encoded, encoded, key_padding_mask=~mask)
        hidden = ops.tanh(self.combine(ops.concatenate([decoded, context], axis=2)))
        return self.output(hidden), state, weights

    def forward(self, source, mask, decoder_inputs):
        encoded, state = self.encode(source, mask)
        return self.decode(encoded, mask, decoder_inputs, state)[0]

    def greedy_decode(self, source, mask, length=TARGET_LENGTH):
        """Predicted target ids (B, length) and attention weights (B, length, S), feeding back argmaxes."""
        with grad_mode.no_grad():
            encoded, state = self.encode(source, mask)
            token = np.zeros((source.shape[0], 1), dtype=np.int64)
            predictions, attention = [], []
            for _ in range(length):
                logits, state, weights = self.decode(encoded, mask, token, state)
                token = logits.array[:, -1].argmax(axis=-1)[:, None]
                predictions.append(token)
                attention.append(weights.array)
        return np.concatenate(predictions, axis=1), np.concatenate(attention, axis=1)


@register("seq2seq-attention")
def seq2seq_attention(source_vocab, target_vocab=TARGET_VOCAB_SIZE, embed_dim=32, hidden_size=64):
    """The date-translation model (bidirectional GRU encoder, attention GRU decoder)."""
    return Seq2SeqAttention(source_vocab, target_vocab, embed_dim, hidden_size)


class TransformerSeq2Seq(Module):
    """Encoder–decoder transformer (Vaswani et al. 2017) with the same interface as ``Seq2SeqAttention``.

    Source: embedding·√d + PE → ``TransformerEncoder`` (key-padding mask); target: embedding·√d + PE
    → ``TransformerDecoder`` (causal self-attention, cross-attention to the encoder output) → linear.
    Greedy decoding re-runs the decoder over the prefix at each step (the encoder runs once).
    """

    def __init__(
        self,
        source_vocab,
        target_vocab,
        d_model=64,
        nhead=4,
        num_layers=2,
        dim_feedforward=128,
        dropout=0.0,
        max_len=64,
    ):
        super().__init__()
        self.d_model = int(d_model)
        self.source_embedding = Embedding(source_vocab, d_model, padding_idx=0)
        self.target_embedding = Embedding(target_vocab, d_model)
        for embedding in (self.source_embedding, self.target_embedding):
            embedding.weight.array *= 1.0 / math.sqrt(d_model)
        self.positions = PositionalEncoding(d_model, dropout=dropout, max_len=max_len, batch_first=True)
        self.encoder = TransformerEncoder(
            TransformerEncoderLayer(
                d_model, nhead, dim_feedforward, dropout, batch_first=True, norm_first=True
            ),
            num_layers,
        )
        self.decoder = TransformerDecoder(
            TransformerDecoderLayer(
                d_model, nhead, dim_feedforward, dropout, batch_first=True, norm_first=True
            ),
            num_layers,
        )
        self.output = Linear(d_model, target_vocab)

    def _embed(self, embedding, ids):
        return self.positions(embedding(ids) * math.sqrt(self.d_model))

    def encode(self, source, mask):
        return self.encoder(self._embed(self.source_embedding, source), src_key_padding_mask=~mask)

    def decode(self, memory, mask, inputs):
        length = inputs.shape[1]
        hidden = self.decoder(
            self._embed(self.target_embedding, inputs),
            memory,
            tgt_mask=causal_mask(length, dtype=memory.dtype),
            memory_key_padding_mask=~mask,
        )
        return self.output(hidden)

    def forward(self, source, mask, decoder_inputs):
        return self.decode(self.encode(source, mask), mask, decoder_inputs)

    def greedy_decode(self, source, mask, length=TARGET_LENGTH):
        """Predicted target ids (B, length) and the last layer's cross-attention is not kept: None."""
        with grad_mode.no_grad():
            memory = self.encode(source, mask)
            tokens = np.zeros((source.shape[0], 1), dtype=np.int64)
            for _ in range(length):
                logits = self.decode(memory, mask, tokens)
                tokens = np.concatenate([tokens, logits.array[:, -1].argmax(axis=-1)[:, None]], axis=1)
        return tokens[:, 1:], None


@register("seq2seq-transformer")
def seq2seq_transformer(
    source_vocab,
    target_vocab=TARGET_VOCAB_SIZE,
    d_model=64,
    nhead=4,
    num_layers=2,
    dim_feedforward=128,
    dropout=0.0,
):
    """The date-translation model as a small encoder–decoder transformer."""
    return TransformerSeq2Seq(
        source_vocab, target_vocab, d_model, nhead, num_layers, dim_feedforward, dropout
    )
