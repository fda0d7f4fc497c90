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
``train_char_lm`` trains one on a corpus; ``save_char_lm`` / ``load_char_lm`` store it with its
vocabulary, and ``mathdl.models.generate`` samples text from it.
"""

import json
import math
import os
import time

import numpy as np

from mathdl.autograd import grad_mode
from mathdl.data.text import CharVocab, load_corpus, random_offset_batches, sequential_batches, split_ids
from mathdl.models.registry import build, register
from mathdl.nn.layers.attention import causal_mask
from mathdl.nn.layers.dropout import Dropout
from mathdl.nn.layers.embedding import Embedding
from mathdl.nn.layers.layernorm import LayerNorm
from mathdl.nn.layers.linear import Linear
from mathdl.nn.layers.recurrent import GRU, LSTM, RNN
from mathdl.nn.layers.transformer import TransformerEncoder, TransformerEncoderLayer
from mathdl.nn.module import Module
from mathdl.nn.sequence import PositionalEncoding, perplexity, sequence_cross_entropy

CHECKPOINT_FORMAT = "mathdl-char-lm"
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
        out, state = self.rnn(self.embedding(ids), state)
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
        return self.decoder(self.norm(self.encoder(x, mask=mask))), None

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


# ----- evaluation and training -------------------------------------------------------------------
def evaluate(model, ids, batch_size=16, seq_len=64):
    """Mean next-character negative log-likelihood (nats) over ``ids``, with the recurrent state
    carried across consecutive blocks; returns (loss, perplexity)."""
    was_training = model.training
    model.eval()
    total, count, state = 0.0, 0, None
    with grad_mode.no_grad():
        for x, y in sequential_batches(ids, batch_size, seq_len):
            logits, state = model(x, state)
            total += sequence_cross_entropy(logits, y, reduction="sum").item()
            count += y.size
    model.train(was_training)
    loss = total / count
    return loss, perplexity(loss)


def train_char_lm(
    text,
    model="char-lstm",
    model_kwargs=None,
    steps=1000,
    batch_size=32,
    seq_len=64,
    lr=2e-3,
    clip=1.0,
    val_fraction=0.1,
    eval_every=200,
    seed=0,
    time_limit=None,
    log=None,
):
    """Train a character language model on ``text``; returns (model, vocab, history).

    Windows of ``seq_len`` characters at random offsets of the first 1 − ``val_fraction`` of the
    text, Adam at ``lr`` (cosine-decayed to lr/10), gradient norm clipped to ``clip``. Every
    ``eval_every`` steps (and at the end) the validation perplexity on the held-out tail is
    recorded in ``history`` ({'step', 'train_loss', 'val_loss', 'val_perplexity', 'seconds'}).
    ``time_limit`` (seconds) stops early; ``log`` is called with progress lines.
    """
    from mathdl import optim
    from mathdl.nn.utils.clip_grad import clip_grad_norm_
    from mathdl.random import manual_seed

    if model not in CHAR_LM_MODELS:
        raise ValueError(f"train_char_lm: model must be one of {CHAR_LM_MODELS}, got {model!r}")
    manual_seed(seed)
    vocab = CharVocab(text)
    ids = vocab.encode(text)
    train_ids, val_ids = split_ids(ids, val_fraction)
    kwargs = dict(model_kwargs or {})
    if model == "char-transformer":
        kwargs.setdefault("max_len", max(seq_len, 64))
    network = build(model, vocab_size=len(vocab), **kwargs)
    optimizer = optim.Adam(network.parameters(), lr=lr)
    history = {"step": [], "train_loss": [], "val_loss": [], "val_perplexity": [], "seconds": []}
    from mathdl.random import generator

    start, running, seen = time.perf_counter(), 0.0, 0
    for step, (x, y) in enumerate(
        random_offset_batches(train_ids, batch_size, seq_len, steps, generator()), 1
    ):
        for group in optimizer.param_groups:
            group["lr"] = lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * (step - 1) / max(steps, 1))))
        logits, _ = network(x)
        loss = sequence_cross_entropy(logits, y)
        optimizer.zero_grad()
        loss.backward()
        if clip:
            clip_grad_norm_(network.parameters(), clip)
        optimizer.step()
        running += loss.item()
        seen += 1
        out_of_time = time_limit is not None and time.perf_counter() - start > time_limit
        if step % eval_every == 0 or step == steps or out_of_time:
            val_loss, val_ppl = evaluate(network, val_ids, seq_len=seq_len)
            elapsed = time.perf_counter() - start
            for key, value in (
                ("step", step),
                ("train_loss", running / seen),
                ("val_loss", val_loss),
                ("val_perplexity", val_ppl),
                ("seconds", elapsed),
            ):
                history[key].append(value)
            if log is not None:
                log(
                    f"step {step:5d}  train loss {running / seen:.3f}  val loss {val_loss:.3f}  "
                    f"val perplexity {val_ppl:.2f}  ({elapsed:.0f} s)"
                )
            running, seen = 0.0, 0
        if out_of_time:
            break
    return network, vocab, history


# ----- checkpoints -----------------------------------------------------------------------------
def save_char_lm(path, model, vocab, history=None):
    """Write model weights, architecture (registry name and arguments) and vocabulary to ``path``."""
    from mathdl.io import save

    config = getattr(model, "config", None)
    if not config:
        raise ValueError("save_char_lm: the model has no config; build it with mathdl.models.build")
    save(
        {
            "format": CHECKPOINT_FORMAT,
            "model": model.state_dict(),
            "config": {"model": config},
            "vocab": list(vocab.tokens),
            "history": json.dumps(history or {}),
        },
        path,
    )


def load_char_lm(path):
    """(model in eval mode, CharVocab, history) from a file written by ``save_char_lm``."""
    from mathdl.io import load
    from mathdl.models.registry import from_config

    if os.path.isdir(path):
        path = os.path.join(path, "checkpoint.npz")
    data = load(path)
    if not isinstance(data, dict) or data.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(
            f"load_char_lm: {path} is not a character language-model checkpoint "
            f"(written by save_char_lm / mathdl train --model char-lstm)"
        )
    model = from_config(data["config"]["model"])
    model.load_state_dict(data["model"])
    model.eval()
    return model, CharVocab(tokens=data["vocab"]), json.loads(data.get("history") or "{}")


def train_and_save(
    out="runs/char-lm",
    model="char-lstm",
    corpus="shakespeare",
    corpus_path=None,
    steps=2000,
    batch_size=32,
    seq_len=64,
    lr=2e-3,
    seed=0,
    model_kwargs=None,
    time_limit=None,
    sample_prompt="ROMEO:\n",
    log=print,
):
    """What ``mathdl train --model char-lstm`` runs: train on a corpus, write ``out/checkpoint.npz``,
    ``out/history.json`` and ``out/sample.txt`` (a generated sample); returns a summary dict."""
    from mathdl.io import atomic_write
    from mathdl.models.generate import generate

    text = load_corpus(corpus, path=corpus_path)
    network, vocab, history = train_char_lm(
        text,
        model,
        model_kwargs,
        steps=steps,
        batch_size=batch_size,
        seq_len=seq_len,
        lr=lr,
        seed=seed,
        time_limit=time_limit,
        log=log,
    )
    os.makedirs(out, exist_ok=True)
    save_char_lm(os.path.join(out, "checkpoint.npz"), network, vocab, history)
    with atomic_write(os.path.join(out, "history.json")) as handle:
        handle.write(json.dumps(history, indent=1).encode("utf-8"))
    prompt = "".join(c for c in sample_prompt if c in vocab) or vocab.tokens[0]
    sample = generate(network, vocab, prompt, length=400, temperature=0.8, seed=seed)
    with atomic_write(os.path.join(out, "sample.txt")) as handle:
        handle.write(sample.encode("utf-8"))
    summary = {
        "model": model,
        "characters": len(text),
        "vocab_size": len(vocab),
        "steps": history["step"][-1] if history["step"] else 0,
        "val_perplexity": history["val_perplexity"][-1] if history["val_perplexity"] else None,
        "checkpoint": os.path.join(out, "checkpoint.npz"),
    }
    if log is not None:
        log(
            f"{model}: validation perplexity {summary['val_perplexity']:.2f} after {summary['steps']} steps; "
            f"wrote {summary['checkpoint']}\n--- sample ---\n{sample}"
        )
    return summary
