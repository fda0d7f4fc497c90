"""Log-mel features as a dataset transform (against librosa), caching, and white noise at a stated SNR."""

import numpy as np
import pytest

import mathdl as md
from mathdl.data import DataLoader, FeatureDataset, LogMel, SpokenDigits, add_white_noise

librosa = pytest.importorskip("librosa", reason="librosa is the test-only reference for mel features")


def test_log_mel_of_a_batch_equals_librosa_clip_by_clip():
    clips = SpokenDigits(train=False).waveforms[:3].astype(np.float64)
    features = LogMel(sr=8000, n_fft=256, hop_length=128, n_mels=40)
    ours = features(clips)
    assert ours.shape == (3, 40, 63) and ours.dtype == np.float32
    for clip, row in zip(clips, ours):
        mel = librosa.feature.melspectrogram(
            y=clip, sr=8000, n_fft=256, hop_length=128, n_mels=40, pad_mode="reflect"
        )
        expected = librosa.power_to_db(mel, ref=1.0, amin=1e-10, top_db=None)
        np.testing.assert_allclose(row, expected, atol=2e-3)
    np.testing.assert_array_equal(
        features(clips[1].astype(np.float32)), features(clips.astype(np.float32))[1]
    )


def test_log_mel_rejects_bad_settings_and_inputs():
    with pytest.raises(ValueError, match="hop_length must be a positive integer"):
        LogMel(hop_length=0)
    with pytest.raises(TypeError, match="floating point"):
        LogMel()(np.zeros((2, 800), dtype=np.int16))
    with pytest.raises(ValueError, match=r"\(L,\) or \(B, L\)"):
        LogMel()(np.zeros((2, 2, 800)))
    assert LogMel(**LogMel(n_mels=20).config()).n_mels == 20


def test_white_noise_has_the_requested_snr_per_clip():
    rng = np.random.default_rng(0)
    t = np.arange(80000) / 8000
    clips = np.stack([0.5 * np.sin(2 * np.pi * 440 * t), 0.05 * np.sin(2 * np.pi * 900 * t)])
    noisy = add_white_noise(clips, np.array([10.0, 0.0]), rng)
    noise = noisy - clips
    snr = 10 * np.log10(np.mean(clips**2, axis=1) / np.mean(noise**2, axis=1))
    np.testing.assert_allclose(snr, [10.0, 0.0], atol=0.1)
    assert np.array_equal(add_white_noise(clips, np.inf, rng), clips)  # infinite SNR: clean


def test_feature_dataset_caches_clean_features_and_draws_fresh_noise_per_batch():
    clips = SpokenDigits(train=False)
    features = LogMel()
    clean = FeatureDataset(clips, features)
    np.testing.assert_array_equal(clean.features[5], features(clips.waveforms[5]))
    x, y = clean[5]
    assert x.shape == (40, 63) and y == clips.labels[5]
    fixed = FeatureDataset(clips, features, snr_db=10.0, seed=1)
    assert np.array_equal(fixed.features, FeatureDataset(clips, features, snr_db=10.0, seed=1).features)
    assert np.median(fixed.features[:, :, :5]) > np.median(clean.features[:, :, :5]) + 30  # silence → noise
    md.manual_seed(0)
    augmented = FeatureDataset(clips, features, snr_db=(5.0, 5.0))
    first, _ = augmented.get_batch(np.arange(4))
    second, _ = augmented.get_batch(np.arange(4))
    assert not np.array_equal(first, second)
    x, y = next(iter(DataLoader(augmented, batch_size=8)))
    assert tuple(x.shape) == (8, 40, 63) and y.array.tolist() == clips.labels[:8].tolist()
    everything_clean = FeatureDataset(clips, features, snr_db=(5.0, 5.0), clean_fraction=1.0)
    np.testing.assert_array_equal(everything_clean.get_batch(np.arange(3))[0], clean.features[:3])


def test_feature_dataset_takes_multi_column_labels_and_names_bad_input():
    waveforms = np.zeros((4, 800), dtype=np.float32)
    data = FeatureDataset((waveforms, np.array([[1, 0], [2, 1], [3, 0], [4, 1]])), LogMel())
    assert data[2][1].tolist() == [3, 0]
    with pytest.raises(ValueError, match=r"labels \(N,\) or \(N, k\)"):
        FeatureDataset((waveforms, np.zeros(3)), LogMel())
    with pytest.raises(TypeError, match="must have .waveforms"):
        FeatureDataset(waveforms, LogMel())
    with pytest.raises(ValueError, match="low <= high"):
        FeatureDataset((waveforms, np.zeros(4)), LogMel(), snr_db=(10, 5))
    with pytest.raises(ValueError, match="clean_fraction"):
        FeatureDataset((waveforms, np.zeros(4)), LogMel(), snr_db=(5, 10), clean_fraction=2)
