"""Character language models: they learn (validation perplexity well below the unigram model's
in seconds), sample reproducibly, round-trip through checkpoints, and the transformer is causal."""

import numpy as np
import pytest

import mathdl as md
from mathdl import optim
from mathdl.data.text import CharVocab, TextStreams, load_corpus, split_ids
from mathdl.models.char_lm import CharRNNLM, CharTransformerLM
from mathdl.models.generate import generate, sample_from_logits
from mathdl.models.registry import build, from_config
from mathdl.nn.sequence import perplexity
from mathdl.train import Trainer, TruncatedBPTT


def train_lm(text, name, kwargs, steps, batch_size, seq_len, lr, seed=0, blocks=2):
    """Truncated BPTT through the Trainer: ``blocks`` epochs of steps/blocks steps, validation
    perplexity on the held-out tail after each; returns (model, vocab, history, trainer, val)."""
    md.manual_seed(seed)
    vocab = CharVocab(text)
    train_ids, val_ids = split_ids(vocab.encode(text), 0.1)
    model = build(name, vocab_size=len(vocab), **kwargs)
    trainer = Trainer(
        model, optim.Adam(model.parameters(), lr=lr), strategy=TruncatedBPTT(clip=1.0), verbose=0
    )
    train = TextStreams(train_ids, batch_size, seq_len, blocks=steps // blocks)
    val = TextStreams(val_ids, 8, seq_len, shift=False)
    history = trainer.fit(train, blocks, val_data=val)
    return model, vocab, history, trainer, val


@pytest.fixture(scope="module")
def corpus():
    return load_corpus("shakespeare", full=False)[:60000]


@pytest.fixture(scope="module")
def trained(corpus):
    return train_lm(corpus, "char-lstm", dict(hidden_size=64, num_layers=1, embed_dim=16), 80, 16, 32, 1e-2)


def test_lstm_language_model_beats_the_unigram_model(corpus, trained):
    model, vocab, history, trainer, val = trained
    ids = vocab.encode(corpus)
    train_ids, val_ids = split_ids(ids, 0.1)
    counts = np.bincount(train_ids, minlength=len(vocab)) + 1.0
    unigram = float(np.exp(-np.log(counts / counts.sum())[val_ids].mean()))  # about 27
    ppl = [perplexity(loss) for loss in history["val_loss"]]
    assert len(ppl) == 2 and ppl[-1] < 15.0 < 0.6 * unigram
    assert ppl[-1] < ppl[0]
    assert trainer.evaluate(val)["loss"] == pytest.approx(history["val_loss"][-1], rel=1e-6)


def test_generation_is_reproducible_and_uses_the_vocabulary(trained):
    model, vocab = trained[:2]
    a = generate(model, vocab, "ROMEO:\n", length=50, temperature=0.8, seed=3)
    b = generate(model, vocab, "ROMEO:\n", length=50, temperature=0.8, seed=3)
    assert a == b and a.startswith("ROMEO:\n") and len(a) == 57
    assert set(a) <= set(vocab.tokens)
    assert generate(model, vocab, "ROMEO:\n", length=50, temperature=0.8, seed=4) != a
    greedy = generate(model, vocab, "the", length=20, temperature=0.0)
    assert greedy == generate(model, vocab, "the", length=20, temperature=0.0, seed=99)
    with pytest.raises(ValueError, match="prompt"):
        generate(model, vocab, "", length=5)


def test_checkpoint_round_trip_keeps_the_carried_state(trained, tmp_path):
    model, vocab, _, trainer, _ = trained
    path = str(tmp_path / "lm.npz")
    trainer.save_checkpoint(path)
    content = md.train.load_checkpoint(path)
    loaded = from_config(content["config"]["model"])
    loaded.load_state_dict(content["model"])
    state = content["extra"]["strategy"]
    assert state["tuple"] and [np.shape(s) for s in state["state"]] == [(1, 16, 64)] * 2  # LSTM (h, c)
    ids = vocab.encode("To be, or not")[None]
    model.eval()
    loaded.eval()
    np.testing.assert_array_equal(loaded(ids)[0].array, model(ids)[0].array)


@pytest.mark.parametrize("name", ["char-rnn", "char-gru", "char-transformer"])
def test_registered_models_train(corpus, name):
    kwargs = (
        dict(d_model=32, nhead=2, num_layers=1, dim_feedforward=64, dropout=0.0)
        if name == "char-transformer"
        else dict(hidden_size=48, num_layers=1, embed_dim=16)
    )
    model, vocab, history, _, _ = train_lm(corpus[:30000], name, kwargs, 40, 16, 24, 1e-2, seed=1, blocks=1)
    assert model.config == {"name": name, "kwargs": {"vocab_size": len(vocab), **kwargs}}
    assert perplexity(history["val_loss"][-1]) < 20.0


def test_transformer_language_model_is_causal():
    md.manual_seed(0)
    model = build(
        "char-transformer",
        vocab_size=10,
        d_model=16,
        nhead=2,
        num_layers=2,
        dim_feedforward=32,
        dropout=0.0,
        max_len=12,
    )
    ids = np.array([[1, 2, 3, 4, 5, 6]])
    changed = ids.copy()
    changed[0, 4:] = [9, 9]
    a, b = model(ids)[0].array, model(changed)[0].array
    np.testing.assert_allclose(a[0, :4], b[0, :4], atol=1e-5)
    assert not np.allclose(a[0, 4:], b[0, 4:])
    with pytest.raises(ValueError, match="max_len"):
        model(np.zeros((1, 13), dtype=np.int64))


def test_recurrent_state_continues_the_sequence():
    md.manual_seed(0)
    model = CharRNNLM(10, embed_dim=4, hidden_size=8, num_layers=2, cell="gru")
    ids = np.array([[1, 2, 3, 4, 5, 6]])
    whole = model(ids)[0].array
    first, state = model(ids[:, :3])
    second, _ = model(ids[:, 3:], state)
    np.testing.assert_allclose(np.concatenate([first.array, second.array], axis=1), whole, atol=1e-6)
    with pytest.raises(ValueError, match="cell"):
        CharRNNLM(10, cell="tcn")
    assert isinstance(build("char-transformer", vocab_size=5, d_model=8, nhead=2), CharTransformerLM)


def test_sampling_distribution():
    logits = np.log(np.array([0.5, 0.3, 0.2]))
    rng = np.random.default_rng(0)
    draws = np.bincount([sample_from_logits(logits, 1.0, rng=rng) for _ in range(4000)], minlength=3) / 4000
    np.testing.assert_allclose(draws, [0.5, 0.3, 0.2], atol=0.03)
    cold = np.bincount([sample_from_logits(logits, 0.25, rng=rng) for _ in range(2000)], minlength=3) / 2000
    assert cold[0] > 0.85  # softmax(z/τ) sharpens: 0.5⁴ / (0.5⁴ + 0.3⁴ + 0.2⁴) ≈ 0.87
    assert sample_from_logits(logits, 0.0) == 0
    assert {sample_from_logits(logits, 5.0, top_k=1, rng=rng) for _ in range(50)} == {0}
    assert {sample_from_logits(logits, 1.0, top_k=2, rng=rng) for _ in range(300)} == {0, 1}
    with pytest.raises(ValueError, match="temperature"):
        sample_from_logits(logits, -1.0)
    with pytest.raises(ValueError, match="top_k"):
        sample_from_logits(logits, 1.0, top_k=0)
    assert len(CharVocab("ab")) == 2
