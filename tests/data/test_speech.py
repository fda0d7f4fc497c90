"""Spoken digits: the shipped subset, the Dataset, and the espeak-ng builder (determinism, checksums)."""

import hashlib
import json
import os
import re
import shutil

import numpy as np
import pytest

from mathdl import audio
from mathdl.data import DataLoader, SpokenDigits, load_spoken_digits
from mathdl.data.datasets import espeak
from mathdl.data.datasets.speech import SUBSET_PATH

README = os.path.join(os.path.dirname(SUBSET_PATH), "SPOKEN_DIGITS_README.md")
TINY = dict(accents=("en-us", "en-gb-scotland"), variants=("m1", "f4"), words=("zero", "seven"), takes=2)


def test_shipped_subset_is_small_and_matches_its_readme_checksum():
    assert os.path.getsize(SUBSET_PATH) <= 4 * 1024 * 1024
    with open(README, encoding="utf-8") as stream:
        recorded = re.search(r"spoken_digits_subset\.npz`?: SHA-256 `([0-9a-f]{64})`", stream.read()).group(1)
    assert espeak.sha256_file(SUBSET_PATH) == recorded


def test_subset_splits_by_held_out_voice_and_balances_classes():
    train, test = SpokenDigits(train=True), SpokenDigits(train=False)
    assert (len(train), len(test)) == (720, 240)
    assert np.bincount(train.labels).tolist() == [72] * 10 and np.bincount(test.labels).tolist() == [24] * 10
    variant = lambda names: {name.split("+")[1] for name in names}  # noqa: E731
    assert variant(test.speakers) == set(espeak.TEST_VARIANTS)
    assert not variant(train.speakers) & set(espeak.TEST_VARIANTS)
    assert len(set(train.speakers)) == 72 and len(set(test.speakers)) == 24


def test_subset_clips_are_centred_speech_in_range():
    waveforms, metadata = load_spoken_digits()
    assert waveforms.dtype == np.float32 and waveforms.shape == (960, 8000)
    peaks = np.abs(waveforms).max(axis=1)
    assert peaks.min() > 0.8 and peaks.max() <= 0.92  # scaled to a peak of 0.9 (μ-law rounding aside)
    energy = (waveforms**2).reshape(960, 8, 1000).sum(axis=2)
    assert (energy[:, 3:5].sum(axis=1) > energy[:, [0, 7]].sum(axis=1)).all()  # the word is in the middle
    assert set(np.unique(metadata["take"])) == {0}
    short = metadata["voiced_samples"] <= 7800
    assert short.sum() >= 959  # one word in the full corpus was longer than 1 s and was cropped
    assert (waveforms[short, :100] == 0).all() and (waveforms[short, -100:] == 0).all()  # silence is 0
    assert np.abs(waveforms[:, [0, -1]]).max() < 1e-3  # and a cropped word is faded at its ends


def test_subset_words_are_recognisable_by_nearest_neighbour_on_mfcc():
    """A label check: 1-NN on MFCC averages over the word's thirds, on held-out voices (chance: 10%)."""
    train, test = SpokenDigits(train=True), SpokenDigits(train=False)

    def features(x):
        c = audio.mfcc(
            y=x.astype(np.float64), sr=8000, n_mfcc=13, n_fft=256, hop_length=80, n_mels=40
        ).numpy()
        thirds = np.array_split(c, 3, axis=-1)  # the word's start, middle and end
        return np.concatenate([part.mean(axis=-1) for part in thirds], axis=-1)

    a, b = features(train.waveforms), features(test.waveforms)
    scale = a.std(axis=0)
    distances = (((b / scale)[:, None, :] - (a / scale)[None, :, :]) ** 2).sum(-1)
    accuracy = (train.labels[distances.argmin(axis=1)] == test.labels).mean()
    assert accuracy > 0.9  # measured 0.992 (238 of 240)


def test_dataset_items_batches_and_loader():
    test = SpokenDigits(train=False, transform=lambda w: w * 2, target_transform=lambda y: y + 10)
    waveform, label = test[3]
    np.testing.assert_allclose(waveform, 2 * test.waveforms[3])
    assert label == test.labels[3] + 10
    batch, labels = next(iter(DataLoader(SpokenDigits(train=False), batch_size=16)))
    assert batch.shape == (16, 8000) and labels.shape == (16,)
    with pytest.raises(IndexError):
        test[240]
    with pytest.raises(TypeError):
        test[1.5]
    with pytest.raises(TypeError, match="callable"):
        SpokenDigits(transform=3)
    assert "240 clips" in repr(test)


needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")


@needs_espeak
def test_builder_is_deterministic_and_checksummed(tmp_path):
    first = espeak.make_spoken_digits(tmp_path / "a", seed=5, **TINY)
    second = espeak.make_spoken_digits(tmp_path / "b", seed=5, **TINY)
    bytes_a = (tmp_path / "a" / espeak.CORPUS_FILE).read_bytes()
    assert bytes_a == (tmp_path / "b" / espeak.CORPUS_FILE).read_bytes()
    assert first == second
    assert first["files"][espeak.CORPUS_FILE]["sha256"] == hashlib.sha256(bytes_a).hexdigest()
    assert first["counts"] == {"train": 8, "test": 8} and first["test_variants"] == ["f4"]
    on_disk = json.loads((tmp_path / "a" / espeak.MANIFEST_FILE).read_text())
    assert on_disk == first and on_disk["espeak_ng"].startswith("eSpeak NG")
    other = espeak.make_spoken_digits(tmp_path / "c", seed=6, **TINY)
    assert other["audio_sha256"] != first["audio_sha256"]  # the seed draws the speeds and pitches
    dataset = SpokenDigits(root=tmp_path / "a", train=False)
    assert len(dataset) == 8 and set(dataset.speakers) == {"en-us+f4", "en-gb-scotland+f4"}
    assert sorted(set(dataset.labels.tolist())) == [0, 7]


@needs_espeak
def test_builder_refuses_to_overwrite_and_loader_detects_damage(tmp_path):
    espeak.make_spoken_digits(tmp_path, seed=0, **{**TINY, "takes": 1})
    with pytest.raises(FileExistsError, match="overwrite"):
        espeak.make_spoken_digits(tmp_path, seed=0, **TINY)
    corpus = tmp_path / espeak.CORPUS_FILE
    data = bytearray(corpus.read_bytes())
    data[len(data) // 2] ^= 0xFF
    corpus.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="SHA-256"):
        load_spoken_digits(tmp_path)


def test_missing_espeak_names_the_debian_package(monkeypatch, tmp_path):
    monkeypatch.setattr(espeak.shutil, "which", lambda name: None)
    with pytest.raises(espeak.EspeakNotFoundError, match="apt-get install espeak-ng"):
        espeak.make_spoken_digits(tmp_path)
    assert not os.listdir(tmp_path)


def test_missing_full_corpus_says_how_to_make_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="make_spoken_digits"):
        SpokenDigits(root=tmp_path)


def test_trim_and_fit_centres_and_scales():
    samples = np.zeros(3000)
    samples[1000:1400] = np.sin(np.arange(400) / 3)
    clip, kept = espeak.trim_and_fit(samples, length=1000)
    assert kept == 480 and np.isclose(np.abs(clip).max(), 0.9)  # whole 160-sample frames are kept
    voiced = np.flatnonzero(clip)
    assert abs((voiced[0] + voiced[-1]) / 2 - 500) < 5


@needs_espeak
def test_subset_script_keeps_one_take_as_mu_law(tmp_path):
    import importlib.util

    path = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "scripts", "make_spoken_digits.py")
    spec = importlib.util.spec_from_file_location("make_spoken_digits_script", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    manifest = espeak.make_spoken_digits(tmp_path, seed=1, **TINY)
    with np.load(tmp_path / espeak.CORPUS_FILE) as archive:
        corpus = {name: archive[name] for name in archive.files}
    arrays = script.subset_arrays(corpus, manifest, take=1)
    np.testing.assert_array_equal(arrays["full_index"], np.flatnonzero(corpus["take"] == 1))
    assert (arrays["take"] == 1).all() and arrays["audio_mu_law"].dtype == np.uint8
    decoded = audio.mu_law_decoding(arrays["audio_mu_law"])
    assert np.abs(decoded - corpus["audio"][arrays["full_index"]] / 32768.0).max() < 0.035
    assert json.loads(str(arrays["source"]))["corpus_audio_sha256"] == manifest["audio_sha256"]
