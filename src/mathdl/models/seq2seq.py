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
Evaluation: exact match (all ten characters right) and corpus BLEU-4 over characters.
"""

import collections
import datetime
import math

import numpy as np

from mathdl import ops
from mathdl.autograd import grad_mode
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
from mathdl.nn.sequence import PositionalEncoding, sequence_cross_entropy

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
PAD, START = "\0", "^"
TARGET_TOKENS = (START,) + tuple("0123456789-")
TARGET_VOCAB_SIZE = len(TARGET_TOKENS)
TARGET_LENGTH = 10


# ----- the data ----------------------------------------------------------------------------------
def _ordinal(day):
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _styles(date):
    month, short = MONTHS[date.month - 1], MONTHS[date.month - 1][:3]
    day, year, weekday = date.day, date.year, WEEKDAYS[date.weekday()]
    return [
        f"{day} {month} {year}",
        f"{day:02d} {short} {year}",
        f"{month} {day}, {year}",
        f"{short} {day} {year}",
        f"{weekday}, {month} {day}, {year}",
        f"{_ordinal(day)} of {month} {year}",
        f"{year} {month} {day}",
        f"{day:02d}.{date.month:02d}.{year}",
        f"{weekday[:3]} {day} {short} {year}",
        f"{month} {_ordinal(day)}, {year}",
        f"{day}/{short}/{year}",
        f"{short}. {day}, {year}",
    ]


def written_date(date, rng):
    """``date`` written in a random style, sometimes lower- or upper-cased."""
    styles = _styles(date)
    text = styles[int(rng.integers(len(styles)))]
    case = rng.random()
    return text.lower() if case < 0.25 else (text.upper() if case < 0.35 else text)


def make_date_pairs(n, seed=0, start=datetime.date(1950, 1, 1), end=datetime.date(2049, 12, 31)):
    """``n`` pairs (written date, ISO date) with dates uniform between ``start`` and ``end``."""
    rng = np.random.default_rng(seed)
    span = (end - start).days + 1
    pairs = []
    for offset in rng.integers(0, span, size=n):
        date = start + datetime.timedelta(days=int(offset))
        pairs.append((written_date(date, rng), date.isoformat()))
    return pairs


class DateCodec:
    """Source characters ↔ ids (0 is padding) and target characters ↔ ids (0 is the start symbol)."""

    def __init__(self, source_tokens=None):
        if source_tokens is None:
            chars = set("0123456789 ,./-")
            for date in (datetime.date(2001, m, 1) for m in range(1, 13)):
                for style in _styles(date):
                    chars |= set(style) | set(style.lower()) | set(style.upper())
            for name in WEEKDAYS:
                chars |= set(name) | set(name.lower()) | set(name.upper())
            source_tokens = [PAD] + sorted(chars - {PAD})
        self.source_tokens = list(source_tokens)
        self.source_index = {c: i for i, c in enumerate(self.source_tokens)}
        self.target_index = {c: i for i, c in enumerate(TARGET_TOKENS)}

    def encode_sources(self, texts):
        """(ids (B, S) right-padded with 0, mask (B, S) True on real characters)."""
        width = max(len(t) for t in texts)
        ids = np.zeros((len(texts), width), dtype=np.int64)
        for row, text in enumerate(texts):
            try:
                ids[row, : len(text)] = [self.source_index[c] for c in text]
            except KeyError as error:
                raise ValueError(
                    f"DateCodec: character {error.args[0]!r} of {text!r} is not in the source alphabet"
                ) from None
        return ids, ids != 0

    def encode_targets(self, isos):
        """Decoder inputs (B, 10) (start symbol, then the first nine characters) and targets (B, 10)."""
        targets = np.array([[self.target_index[c] for c in iso] for iso in isos], dtype=np.int64)
        inputs = np.concatenate([np.zeros((len(isos), 1), dtype=np.int64), targets[:, :-1]], axis=1)
        return inputs, targets

    def decode_targets(self, ids):
        return ["".join(TARGET_TOKENS[i] for i in row) for row in np.asarray(ids)]


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


# ----- metrics -----------------------------------------------------------------------------------
def _ngrams(tokens, n):
    return collections.Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def corpus_bleu(references, hypotheses, max_n=4):
    """Corpus BLEU (Papineni et al. 2002) with one reference per hypothesis (token sequences).

    BLEU = BP · exp((1/N) Σ_n log p_n), p_n = Σ clipped n-gram matches / Σ hypothesis n-grams,
    BP = min(1, exp(1 − r/c)) with r and c the total reference and hypothesis lengths. 0 when some
    p_n is 0 (no smoothing), as in the original definition.
    """
    if len(references) != len(hypotheses):
        raise ValueError(f"corpus_bleu: {len(references)} references for {len(hypotheses)} hypotheses")
    matches, totals = [0] * max_n, [0] * max_n
    ref_length = hyp_length = 0
    for reference, hypothesis in zip(references, hypotheses):
        reference, hypothesis = list(reference), list(hypothesis)
        ref_length += len(reference)
        hyp_length += len(hypothesis)
        for n in range(1, max_n + 1):
            ref_counts, hyp_counts = _ngrams(reference, n), _ngrams(hypothesis, n)
            matches[n - 1] += sum(min(count, ref_counts[gram]) for gram, count in hyp_counts.items())
            totals[n - 1] += max(len(hypothesis) - n + 1, 0)
    if hyp_length == 0 or min(matches) == 0:
        return 0.0
    log_precision = sum(math.log(m / t) for m, t in zip(matches, totals)) / max_n
    brevity = 1.0 if hyp_length > ref_length else math.exp(1 - ref_length / hyp_length)
    return brevity * math.exp(log_precision)


def evaluate_dates(model, codec, pairs, batch_size=500):
    """{'exact_match': fraction of dates fully right, 'bleu': character BLEU-4} on ``pairs``."""
    was_training = model.training
    model.eval()
    predictions = []
    for start in range(0, len(pairs), batch_size):
        chunk = pairs[start : start + batch_size]
        source, mask = codec.encode_sources([p[0] for p in chunk])
        ids, _ = model.greedy_decode(source, mask)
        predictions.extend(codec.decode_targets(ids))
    model.train(was_training)
    truths = [p[1] for p in pairs]
    exact = float(np.mean([p == t for p, t in zip(predictions, truths)]))
    return {"exact_match": exact, "bleu": corpus_bleu(truths, predictions), "predictions": predictions}


def train_date_model(
    train_size=20000,
    test_size=1000,
    steps=1500,
    batch_size=64,
    lr=3e-3,
    embed_dim=32,
    hidden_size=64,
    seed=0,
    log=None,
    eval_every=None,
    model="seq2seq-attention",
    model_kwargs=None,
):
    """Train a date translator on generated dates; returns (model, codec, metrics on a held-out set).

    ``model``: 'seq2seq-attention' (``Seq2SeqAttention`` with ``embed_dim``, ``hidden_size``) or
    'seq2seq-transformer' (``TransformerSeq2Seq`` with ``model_kwargs``).

    Training and test dates come from different seeds (the test pairs are new draws; a date may
    recur in another style, as in real text). ``metrics`` has exact_match, bleu and the loss curve.
    """
    from mathdl import optim
    from mathdl.models.registry import build
    from mathdl.nn.utils.clip_grad import clip_grad_norm_
    from mathdl.random import generator, manual_seed

    manual_seed(seed)
    codec = DateCodec()
    train_pairs = make_date_pairs(train_size, seed=seed)
    test_pairs = make_date_pairs(test_size, seed=seed + 1000)
    if model == "seq2seq-attention":
        kwargs = dict(embed_dim=embed_dim, hidden_size=hidden_size, **(model_kwargs or {}))
    elif model == "seq2seq-transformer":
        kwargs = dict(model_kwargs or {})
    else:
        raise ValueError(
            f"train_date_model: model must be 'seq2seq-attention' or 'seq2seq-transformer', got {model!r}"
        )
    model = build(model, source_vocab=len(codec.source_tokens), **kwargs)
    optimizer = optim.Adam(model.parameters(), lr=lr)
    losses = []
    for step in range(1, steps + 1):
        rows = generator().integers(0, train_size, size=batch_size)
        batch = [train_pairs[i] for i in rows]
        source, mask = codec.encode_sources([p[0] for p in batch])
        decoder_inputs, targets = codec.encode_targets([p[1] for p in batch])
        for group in optimizer.param_groups:
            group["lr"] = lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * (step - 1) / steps)))
        loss = sequence_cross_entropy(model(source, mask, decoder_inputs), targets)
        optimizer.zero_grad()
        loss.backward()
        clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        losses.append(loss.item())
        if log is not None and eval_every and step % eval_every == 0:
            metrics = evaluate_dates(model, codec, test_pairs[:300])
            log(
                f"step {step:5d}  loss {np.mean(losses[-eval_every:]):.4f}  exact match "
                f"{metrics['exact_match']:.3f}  BLEU {metrics['bleu']:.4f}"
            )
    metrics = evaluate_dates(model, codec, test_pairs)
    metrics["losses"] = losses
    metrics["test_pairs"] = test_pairs
    return model, codec, metrics
