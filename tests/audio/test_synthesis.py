"""Mel inversion (non-negative least squares), word joining, DTW and the log-spectral distance."""

import numpy as np
import pytest

from mathdl import audio
from mathdl.audio.distance import dtw, log_spectral_distance
from mathdl.audio.synthesis import (
    join_words,
    mel_db_to_audio,
    mel_to_stft,
    nnls_projected_gradient,
    voiced_frames,
)

librosa = pytest.importorskip(
    "librosa", reason="librosa is the test-only reference for mel inversion and DTW"
)


def test_nnls_is_non_negative_and_fits_a_consistent_mel_exactly():
    rng = np.random.default_rng(0)
    basis = audio.mel_filterbank(8000, 512, n_mels=64).astype(np.float64)
    power = rng.random((257, 20)) ** 4
    recovered = mel_to_stft(basis @ power, 8000, 512)
    assert recovered.shape == (257, 20) and (recovered >= 0).all()
    assert np.linalg.norm(basis @ recovered - basis @ power) < 1e-6 * np.linalg.norm(basis @ power)


def test_nnls_residual_is_no_larger_than_librosa_mel_to_stft():
    # an inconsistent target (noise added in dB): the best non-negative fit is not exact
    rng = np.random.default_rng(1)
    basis = audio.mel_filterbank(8000, 256, n_mels=40).astype(np.float64)
    mel = (basis @ rng.random((129, 3)) ** 2) * 10 ** (rng.normal(0, 0.5, (40, 3)))
    ours = mel_to_stft(mel, 8000, 256, n_iter=500)
    theirs = librosa.feature.inverse.mel_to_stft(mel, sr=8000, n_fft=256, power=1.0)  # power=1: P itself
    ours_residual = np.linalg.norm(basis @ ours - mel)
    assert (ours >= 0).all() and ours_residual <= 1.001 * np.linalg.norm(basis @ theirs - mel)


def test_nnls_and_mel_to_stft_name_bad_input():
    with pytest.raises(ValueError, match="do not fit"):
        nnls_projected_gradient(np.ones((3, 4)), np.ones((2, 1)))
    with pytest.raises(ValueError, match="non-negative"):
        mel_to_stft(-np.ones((40, 2)), 8000, 256)


def test_voiced_frames_and_join_words_trim_silence_and_insert_gaps():
    word = np.full((4, 10), -80.0)
    word[:, 3:6] = -10.0
    assert voiced_frames(word) == (3, 6)
    joined = join_words([word, word], gap_frames=2, margin=0)
    assert joined.shape == (4, 2 + 3 + 2 + 3 + 2)
    assert (joined[:, 2:5] == -10).all() and (joined[:, 5:7] == -80).all()
    with pytest.raises(ValueError, match="no words"):
        join_words([], 2)


def test_mel_to_audio_recovers_a_tone_with_its_pitch():
    sr, n_fft, hop = 8000, 512, 128
    t = np.arange(8000) / sr
    tone = 0.5 * np.sin(2 * np.pi * 500 * t)
    mel_db = audio.power_to_db(
        audio.melspectrogram(y=tone, sr=sr, n_fft=n_fft, hop_length=hop, n_mels=64)
    ).numpy()
    waves = mel_db_to_audio(np.stack([mel_db, mel_db]), sr, n_fft, hop, n_iter=30, seed=0)
    assert waves.shape == (2, hop * (mel_db.shape[1] - 1)) and np.allclose(np.abs(waves).max(axis=1), 0.9)
    spectrum = np.abs(np.fft.rfft(waves[0]))
    peak_hz = np.argmax(spectrum) * sr / waves.shape[1]
    assert abs(peak_hz - 500) < 40  # within one mel band of the tone


def test_dtw_equals_librosa_cost_and_path():
    cost = np.random.default_rng(2).random((17, 23))
    total, path = dtw(cost)
    accumulated, warping_path = librosa.sequence.dtw(C=cost)
    assert total == pytest.approx(accumulated[-1, -1], rel=1e-12)
    np.testing.assert_array_equal(path, warping_path[::-1])
    with pytest.raises(ValueError, match="finite"):
        dtw(np.array([[np.inf]]))


def test_log_spectral_distance_is_zero_for_a_time_stretch_and_matches_the_formula():
    rng = np.random.default_rng(3)
    power = rng.random((33, 12)) + 0.01
    stretched = np.repeat(power, 2, axis=1)  # every frame twice: DTW pairs them with their originals
    assert log_spectral_distance(power, stretched) == pytest.approx(0.0, abs=1e-6)
    other = power * 10.0  # +10 dB everywhere
    assert log_spectral_distance(power, other, align=False) == pytest.approx(10.0)
    assert log_spectral_distance(power, other) == pytest.approx(10.0)
    with pytest.raises(ValueError, match="share bins"):
        log_spectral_distance(power, power[:5])
