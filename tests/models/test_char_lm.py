"""Character language models: they learn (validation perplexity well below the unigram model's
in seconds), sample reproducibly, round-trip through checkpoints, and the transformer is causal."""

import numpy as np
import pytest

import mathdl as md
from mathdl.data.text import CharVocab, load_corpus, split_ids
from mathdl.models.char_lm import (
    CharRNNLM,
    CharTransformerLM,
    evaluate,
    load_char_lm,
    save_char_lm,
    train_char_lm,
)
from mathdl.models.generate import generate, generate_from_checkpoint, sample_from_logits
from mathdl.models.registry import build


@pytest.fixture(scope="module")
def corpus():
    return load_corpus("shakespeare", full=False)[:60000]


@pytest.fixture(scope="module")
def trained(corpus):
    return train_char_lm(
        corpus,
        "char-lstm",
        dict(hidden_size=64, num_layers=1, embed_dim=16),
        steps=80,
        batch_size=16,
        seq_len=32,
        lr=1e-2,
        eval_every=40,
        seed=0,
    )


def test_lstm_language_model_beats_the_unigram_model(corpus, trained):
    model, vocab, history = trained
    ids = vocab.encode(corpus)
    train_ids, val_ids = split_ids(ids, 0.1)
    counts = np.bincount(train_ids, minlength=len(vocab)) + 1.0
    unigram = float(np.exp(-np.log(counts / counts.sum())[val_ids].mean()))  # about 27
    assert history["step"] == [40, 80]
    assert history["val_perplexity"][-1] < 15.0 < 0.6 * unigram
    assert history["val_perplexity"][-1] < history["val_perplexity"][0]
    loss, ppl = evaluate(model, val_ids, seq_len=32)
    assert ppl == pytest.approx(history["val_perplexity"][-1], rel=1e-5)
    assert loss == pytest.approx(np.log(ppl))


def test_generation_is_reproducible_and_uses_the_vocabulary(trained):
    model, vocab, _ = trained
    a = generate(model, vocab, "ROMEO:\n", length=50, temperature=0.8, seed=3)
    b = generate(model, vocab, "ROMEO:\n", length=50, temperature=0.8, seed=3)
    assert a == b and a.startswith("ROMEO:\n") and len(a) == 57
    assert set(a) <= set(vocab.tokens)
    assert generate(model, vocab, "ROMEO:\n", length=50, temperature=0.8, seed=4) != a
    greedy = generate(model, vocab, "the", length=20, temperature=0.0)
    assert greedy == generate(model, vocab, "the", length=20, temperature=0.0)
    with pytest.raises(ValueError, match="prompt"):
        generate(model, vocab, "", length=5)


def test_checkpoint_round_trip(trained, tmp_path):
    model, vocab, history = trained
    path = str(tmp_path / "lm.npz")
    save_char_lm(path, model, vocab, history)
    loaded, loaded_vocab, loaded_history = load_char_lm(path)
    assert loaded_vocab.tokens == vocab.tokens and loaded_history == history
    ids = vocab.encode("To be, or not")[None]
    model.eval()
    np.testing.assert_array_equal(loaded(ids)[0].array, model(ids)[0].array)
    sample = generate_from_checkpoint(path, prompt="HAMLET:\n", length=30, temperature=0.5, seed=1)
    assert sample == generate(model, vocab, "HAMLET:\n", length=30, temperature=0.5, seed=1)
    with pytest.raises(ValueError, match="never saw"):
        generate_from_checkpoint(path, prompt="\u00e9", length=3)
    md.save({"format": "something-else"}, str(tmp_path / "other.npz"))
    with pytest.raises(ValueError, match="not a character language-model checkpoint"):
        load_char_lm(str(tmp_path / "other.npz"))


@pytest.mark.parametrize("name", ["char-rnn", "char-gru", "char-transformer"])
def test_registered_models_train(corpus, name):
    kwargs = (
        dict(d_model=32, nhead=2, num_layers=1, dim_feedforward=64, dropout=0.0)
        if name == "char-transformer"
        else dict(hidden_size=48, num_layers=1, embed_dim=16)
    )
    model, vocab, history = train_char_lm(
        corpus[:30000], name, kwargs, steps=40, batch_size=16, seq_len=24, lr=1e-2, eval_every=40, seed=1
    )
    assert model.config == {
        "name": name,
        "kwargs": {
            "vocab_size": len(vocab),
            **kwargs,
            **({"max_len": 64} if name == "char-transformer" else {}),
        },
    }
    assert history["val_perplexity"][-1] < 20.0


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
