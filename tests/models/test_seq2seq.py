"""Seq2seq with attention on written dates → ISO: the data are right, BLEU is the textbook
formula, and the model reaches ≥ 95% exact match on held-out dates in seconds."""

import datetime
import math

import numpy as np
import pytest

import mathdl as md
from mathdl import optim
from mathdl.data import DataLoader, TensorDataset
from mathdl.data.dates import MONTHS, WEEKDAYS, DateCodec, date_splits, encode_pairs, make_date_pairs
from mathdl.models.registry import build
from mathdl.train import LambdaCallback, TeacherForcing, Trainer, corpus_bleu


def train_date_model(
    train_size, test_size, steps, batch_size, lr=3e-3, seed=0, model="seq2seq-attention", model_kwargs=None
):
    """Teacher forcing through the Trainer on generated dates; the test days never occur in
    training. Returns (model, codec, {'exact_match', 'bleu', 'predictions', 'history'})."""
    md.manual_seed(seed)
    codec = DateCodec()
    train, _, test = date_splits(train_size, 0, test_size, seed=seed)
    assert not {p[1] for p in train} & {p[1] for p in test}
    network = build(model, source_vocab=len(codec.source_tokens), **(model_kwargs or {}))
    trainer = Trainer(network, optim.Adam(network.parameters(), lr=lr), strategy=TeacherForcing(), verbose=0)
    epochs = max(1, steps * batch_size // train_size)
    loader = DataLoader(TensorDataset(*encode_pairs(codec, train)), batch_size, shuffle=True)
    losses = []
    record = LambdaCallback(on_train_batch_end=lambda step, logs: losses.append(logs["loss"]))
    history = trainer.fit(loader, epochs, callbacks=[record])
    network.eval()
    source, mask = codec.encode_sources([p[0] for p in test])
    predictions = codec.decode_targets(network.greedy_decode(source, mask)[0])
    truths = [p[1] for p in test]
    exact = float(np.mean([p == t for p, t in zip(predictions, truths)]))
    return (
        network,
        codec,
        {
            "exact_match": exact,
            "bleu": corpus_bleu(truths, predictions),
            "predictions": predictions,
            "history": history,
            "losses": losses,
        },
    )


def test_generated_pairs_are_correct_dates():
    pairs = make_date_pairs(300, seed=1)
    assert len({p[0] for p in pairs}) > 250
    for written, iso in pairs:
        date = datetime.date.fromisoformat(iso)
        assert 1950 <= date.year <= 2049
        assert str(date.year) in written
        lower = written.lower()
        names = [m.lower() for m in MONTHS]
        if any(m[:3] in lower for m in names):
            assert names[date.month - 1][:3] in lower
        for weekday in WEEKDAYS:
            if weekday[:3].lower() in lower.split(",")[0].split(" ")[0]:
                assert weekday == WEEKDAYS[date.weekday()]
    assert make_date_pairs(5, seed=2) == make_date_pairs(5, seed=2)


def test_codec():
    codec = DateCodec()
    source, mask = codec.encode_sources(["3 March 1998", "MON 1 JAN 2001"])
    assert source.shape == (2, 14) and mask.sum() == 12 + 14
    assert not mask[0, 12:].any()
    inputs, targets = codec.encode_targets(["1998-03-03"])
    assert codec.decode_targets(targets) == ["1998-03-03"]
    assert inputs[0, 0] == 0 and np.array_equal(inputs[0, 1:], targets[0, :-1])
    with pytest.raises(ValueError, match="alphabet"):
        codec.encode_sources(["3 März 1998"])


def test_corpus_bleu_formula():
    assert corpus_bleu(["abcd"], ["abcd"]) == pytest.approx(1.0)
    # p1 = 3/4, p2 = 2/3, no brevity penalty: BLEU-2 = sqrt(3/4 · 2/3)
    assert corpus_bleu(["abcd"], ["abce"], max_n=2) == pytest.approx(math.sqrt(0.5))
    # short hypothesis: BP = exp(1 − r/c) = exp(1 − 6/4)
    assert corpus_bleu(["abcdef"], ["abcd"], max_n=1) == pytest.approx(math.exp(-0.5))
    # clipping: "aaaa" against "abcd" matches 'a' once
    assert corpus_bleu(["abcd"], ["aaaa"], max_n=1) == pytest.approx(0.25)
    assert corpus_bleu(["abcd"], ["dcba"]) == 0.0
    with pytest.raises(ValueError):
        corpus_bleu(["a"], [])


def test_attention_model_translates_dates():
    model, codec, metrics = train_date_model(train_size=4000, test_size=300, steps=250, batch_size=64, seed=0)
    assert metrics["exact_match"] >= 0.95  # on days never seen in training
    assert metrics["bleu"] >= 0.98
    losses = metrics["history"]["loss"]
    assert losses[-1] < 0.1 * losses[0]
    source, mask = codec.encode_sources(["Tuesday, March 3, 1998", "1 jan 2001"])
    ids, attention = model.greedy_decode(source, mask)
    assert codec.decode_targets(ids) == ["1998-03-03", "2001-01-01"]
    assert attention.shape == (2, 10, source.shape[1])
    np.testing.assert_allclose(attention.sum(-1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(attention[1][:, ~mask[1]], 0.0)
    assert model.config["name"] == "seq2seq-attention"
    logits = model(source, mask, codec.encode_targets(["1998-03-03", "2001-01-01"])[0])
    assert logits.shape == (2, 10, 12) and logits.dtype == md.get_default_dtype()


def test_transformer_variant_learns_and_decodes():
    model, codec, metrics = train_date_model(
        train_size=1000,
        test_size=50,
        steps=40,
        batch_size=32,
        lr=3e-3,
        seed=0,
        model="seq2seq-transformer",
        model_kwargs=dict(d_model=32, nhead=2, num_layers=1, dim_feedforward=64),
    )
    assert np.mean(metrics["losses"][-5:]) < 0.6 * np.mean(metrics["losses"][:5])
    assert all(len(p) == 10 for p in metrics["predictions"])
    source, mask = codec.encode_sources(["1 jan 2001"])
    full = model(source, mask, codec.encode_targets(["2001-01-01"])[0]).array
    ids, _ = model.greedy_decode(source, mask)
    assert ids[0, 0] == full[0, 0].argmax()  # the first greedy step is the teacher-forced one
    with pytest.raises(ValueError, match="unknown model 'seq2seq-lstm'"):
        build("seq2seq-lstm", source_vocab=3)
