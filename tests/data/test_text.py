"""Text data: the shipped corpus, the play converter, vocabularies, LM batching."""

import hashlib

import numpy as np
import pytest

from mathdl.data import text
from mathdl.data.text import (
    CharVocab,
    CorpusNotFoundError,
    WordVocab,
    load_corpus,
    pad_sequences,
    play_markdown_to_text,
    random_offset_batches,
    read_fortunes,
    sequential_batches,
    split_ids,
    word_tokenize,
)


def test_shipped_corpus_is_the_documented_file():
    corpus = load_corpus("shakespeare", full=False)
    assert len(corpus.encode("utf-8")) == 693028
    assert (
        hashlib.sha256(corpus.encode("utf-8")).hexdigest()
        == "d42003bfc8778633de17f384367f85d1d36bea5cb29e128489d6e5a1bfc3a040"
    )
    assert corpus.startswith("BERNARDO:\nWho's there?\n\nFRANCISCO:\n")
    assert len(set(corpus)) == 64
    assert "To be, or not to be" in corpus


def test_play_markdown_conversion():
    markdown = (
        "# Hamlet\n\n## ACT I\n\n### SCENE I. Elsinore.\n\n_FRANCISCO at his post. Enter to him\n"
        "BERNARDO_\n\n**BERNARDO**  \nWho's there?\n\n**FRANCISCO**  \nNay, answer me: stand,  \n"
        "_\\[Aside]_  \nand unfold yourself.\\--\n\n_Exit_\n"
    )
    assert play_markdown_to_text(markdown) == (
        "BERNARDO:\nWho's there?\n\nFRANCISCO:\nNay, answer me: stand,\nand unfold yourself.--\n"
    )


def test_a_bigger_corpus_folder_is_preferred(tmp_path, monkeypatch):
    play = tmp_path / "plays" / "comedies"
    play.mkdir(parents=True)
    (play / "x.md").write_text("**PUCK**  \nIf we shadows have offended,\n", encoding="utf-8")
    monkeypatch.setenv("MATHDL_SHAKESPEARE_DIR", str(tmp_path / "plays"))
    assert load_corpus("shakespeare") == "PUCK:\nIf we shadows have offended,\n"
    assert load_corpus("shakespeare", full=False).startswith("BERNARDO:")
    assert load_corpus(path=str(play / "x.md")).startswith("PUCK:")
    with pytest.raises(CorpusNotFoundError):
        load_corpus(path=str(tmp_path / "missing.txt"))
    with pytest.raises(ValueError, match="unknown corpus"):
        load_corpus("klingon")


def test_fortune_files(tmp_path, monkeypatch):
    path = tmp_path / "tang300"
    path.write_text("\x1b[32m《静夜思》\x1b[m\n床前明月光，\n%\n春眠不觉晓，\n%\n", encoding="utf-8")
    assert read_fortunes(str(path)) == ["《静夜思》\n床前明月光，", "春眠不觉晓，"]
    assert load_corpus("tang", path=str(path)) == "《静夜思》\n床前明月光，\n\n春眠不觉晓，\n"
    monkeypatch.setattr(text, "FORTUNES_ZH_DIRS", (str(tmp_path / "none"),))
    with pytest.raises(CorpusNotFoundError, match="fortunes-zh"):
        load_corpus("tang")


def test_char_vocab_round_trip_and_errors():
    vocab = CharVocab("hello world")
    assert vocab.tokens == [" ", "d", "e", "h", "l", "o", "r", "w"] and len(vocab) == 8
    ids = vocab.encode("low")
    assert ids.dtype == np.int64 and vocab.decode(ids) == "low"
    assert CharVocab(tokens=vocab.tokens).decode(ids) == "low"
    with pytest.raises(ValueError, match="'z'"):
        vocab.encode("lazy")
    assert vocab.decode(vocab.encode("lazy", unknown=" ")) == "l   "
    with pytest.raises(ValueError, match="either"):
        CharVocab()
    with pytest.raises(ValueError, match="ids"):
        vocab.decode([8])


def test_word_vocab():
    tokens = word_tokenize("Who's there? Who is there?")
    assert tokens == ["Who", "'", "s", "there", "?", "Who", "is", "there", "?"]
    vocab = WordVocab(tokens, min_freq=2)
    assert vocab.itos == ["<pad>", "<unk>", "<bos>", "<eos>", "?", "Who", "there"]
    ids = vocab.encode(["Who", "is", "there"], add_bos=True, add_eos=True)
    np.testing.assert_array_equal(ids, [2, 5, 1, 6, 3])
    assert vocab.decode(ids) == ["Who", "<unk>", "there"]
    assert WordVocab(itos=vocab.itos).stoi["there"] == 6
    assert len(WordVocab(tokens, max_size=1)) == 5


def test_pad_sequences():
    padded, lengths = pad_sequences([[1, 2, 3], [4]], pad_id=0)
    np.testing.assert_array_equal(padded, [[1, 2, 3], [4, 0, 0]])
    np.testing.assert_array_equal(lengths, [3, 1])


def test_sequential_batches_continue_each_stream():
    ids = np.arange(23)
    batches = sequential_batches(ids, batch_size=2, seq_len=4)
    # streams of length (23 - 1) // 2 = 11: row 0 reads 0..10, row 1 reads 11..21
    assert [x.shape for x, _ in batches] == [(2, 4), (2, 4), (2, 3)]
    x0, y0 = batches[0]
    np.testing.assert_array_equal(x0, [[0, 1, 2, 3], [11, 12, 13, 14]])
    np.testing.assert_array_equal(y0, x0 + 1)
    x1, _ = batches[1]
    np.testing.assert_array_equal(x1[:, 0], x0[:, -1] + 1)
    with pytest.raises(ValueError, match="batch_size"):
        sequential_batches(ids, 0, 4)


def test_random_offset_batches_are_shifted_windows():
    ids = np.arange(100) * 3
    rng = np.random.default_rng(0)
    batches = list(random_offset_batches(ids, 8, 5, num_batches=3, rng=rng))
    assert len(batches) == 3
    for x, y in batches:
        assert x.shape == y.shape == (8, 5)
        np.testing.assert_array_equal(y[:, :-1], x[:, 1:])
        np.testing.assert_array_equal(np.diff(x, axis=1), 3)
        assert y.max() <= 297
    starts = np.concatenate([x[:, 0] for x, _ in batches])
    assert len(set(starts.tolist())) > 10
    with pytest.raises(ValueError, match="too few"):
        next(random_offset_batches(np.arange(4), 2, 5, 1))


def test_split_ids():
    train, val = split_ids(np.arange(10), 0.2)
    np.testing.assert_array_equal(val, [8, 9])
    assert len(train) == 8
    with pytest.raises(ValueError):
        split_ids(np.arange(10), 1.5)


def test_text_streams_continue_across_epochs_and_resume_from_their_state():
    import mathdl as md
    from mathdl.data.text import TextStreams

    ids = np.arange(1000)
    md.manual_seed(0)
    streams = TextStreams(ids, batch_size=4, seq_len=10, blocks=7)
    first = list(streams)
    assert len(first) == len(streams) == 7 and first[0][2] and not any(reset for _, _, reset in first[1:])
    # row b of block k+1 continues row b of block k; targets are the inputs shifted by one
    np.testing.assert_array_equal(first[1][0][:, 0], first[0][0][:, -1] + 1)
    np.testing.assert_array_equal(first[0][1], first[0][0] + 1)
    state, rng = streams.state_dict(), md.random.get_rng_state()
    later = [list(streams) for _ in range(4)]  # wraps into a second pass, with a new random cut
    assert any(reset for epoch in later for _, _, reset in epoch)
    again = TextStreams(ids, batch_size=4, seq_len=10, blocks=7)
    again.load_state_dict(state)
    md.random.set_rng_state(rng)
    for epoch in later:
        for (x, _, reset), (x2, _, reset2) in zip(epoch, list(again)):
            np.testing.assert_array_equal(x, x2)
            assert reset == reset2
    whole = TextStreams(ids, 4, 10, shift=False)
    assert sum(1 for _ in whole) == len(whole) == sum(1 for _ in whole) == 25
    with pytest.raises(ValueError, match="too few"):
        TextStreams(np.arange(15), 4, 10)
