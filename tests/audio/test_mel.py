"""Mel scale, filterbank, mel spectrogram, decibels and MFCC against librosa (a test-only reference)."""

import numpy as np
import pytest

import mathdl as md
from mathdl import audio
from mathdl.autograd.gradcheck import gradcheck

librosa = pytest.importorskip("librosa", reason="librosa is the test-only reference for mel features")
scipy_fft = pytest.importorskip("scipy.fft", reason="SciPy is the test-only reference for the DCT")

FILTERBANKS = [
    dict(sr=22050, n_fft=2048, n_mels=128),
    dict(sr=8000, n_fft=256, n_mels=40, fmin=20.0, fmax=3800.0, htk=True),
    dict(sr=16000, n_fft=512, n_mels=64, norm=None),
    dict(sr=16000, n_fft=400, n_mels=30, norm=2.0),
    dict(sr=16000, n_fft=401, n_mels=30, norm=np.inf, htk=True, fmin=300.0),
    dict(sr=8000, n_fft=200, n_mels=20, norm=1.0),
]


@pytest.mark.parametrize("kwargs", FILTERBANKS)
def test_mel_filterbank_equals_librosa(kwargs):
    ours = audio.mel_filterbank(dtype=np.float64, **kwargs)
    theirs = librosa.filters.mel(dtype=np.float64, **kwargs)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-15)
    assert audio.mel_filterbank(**kwargs).dtype == np.float32


@pytest.mark.parametrize("htk", [False, True])
def test_mel_scale_equals_librosa_and_inverts(htk):
    f = np.array([0.0, 50.0, 999.0, 1000.0, 1001.0, 4000.0, 11025.0])
    np.testing.assert_allclose(audio.hz_to_mel(f, htk), librosa.hz_to_mel(f, htk=htk), rtol=1e-12)
    np.testing.assert_allclose(audio.mel_to_hz(audio.hz_to_mel(f, htk), htk), f, atol=1e-9)
    np.testing.assert_allclose(
        audio.mel_frequencies(10, 30.0, 4000.0, htk),
        librosa.mel_frequencies(10, fmin=30.0, fmax=4000.0, htk=htk),
    )


def test_melspectrogram_equals_librosa(rng):
    y = rng.standard_normal((2, 4000))
    kwargs = dict(sr=8000, n_fft=256, hop_length=64, n_mels=40, fmax=3500.0)
    ours = audio.melspectrogram(y=y, **kwargs).numpy()
    # librosa's filterbank is float32 by default: compare with its float64 product.
    power = np.abs(librosa.stft(y, n_fft=256, hop_length=64, pad_mode="constant")) ** 2
    theirs = librosa.feature.melspectrogram(S=power, dtype=np.float64, **kwargs)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10)
    magnitude = audio.melspectrogram(y=y, power=1.0, pad_mode="reflect", **kwargs).numpy()
    reference = librosa.feature.melspectrogram(y=y, power=1.0, pad_mode="reflect", **kwargs)
    np.testing.assert_allclose(magnitude, reference, rtol=1e-5)


@pytest.mark.parametrize("ref", [1.0, 0.5, np.max])
@pytest.mark.parametrize("top_db", [80.0, 20.0, None])
def test_decibels_equal_librosa(ref, top_db, rng):
    S = rng.random((6, 9)) ** 4
    S[0, 0] = 0.0
    ours = audio.power_to_db(S, ref=ref, amin=1e-8, top_db=top_db).numpy()
    np.testing.assert_allclose(ours, librosa.power_to_db(S, ref=ref, amin=1e-8, top_db=top_db), atol=1e-10)
    ours = audio.amplitude_to_db(S, ref=ref, top_db=top_db).numpy()
    np.testing.assert_allclose(ours, librosa.amplitude_to_db(S, ref=ref, top_db=top_db), atol=1e-10)
    np.testing.assert_allclose(audio.db_to_power(librosa.power_to_db(S + 1e-3)), S + 1e-3, rtol=1e-10)


@pytest.mark.parametrize("dct_type", [2, 3])
@pytest.mark.parametrize("norm", [None, "ortho"])
def test_dct_equals_scipy(dct_type, norm, rng):
    x = rng.standard_normal((4, 11, 5))
    for axis in (0, 1, 2):
        expected = scipy_fft.dct(x, type=dct_type, norm=norm, axis=axis)
        np.testing.assert_allclose(audio.dct(x, dct_type, norm, axis).numpy(), expected, atol=1e-12)


@pytest.mark.parametrize("n_mfcc, lifter", [(13, 0), (20, 22), (40, 0)])
def test_mfcc_equals_librosa(n_mfcc, lifter, rng):
    y = rng.standard_normal(8000)
    S = librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=8000, n_fft=256, hop_length=80, n_mels=40))
    ours = audio.mfcc(S=S, n_mfcc=n_mfcc, lifter=lifter).numpy()
    np.testing.assert_allclose(ours, librosa.feature.mfcc(S=S, n_mfcc=n_mfcc, lifter=lifter), atol=1e-10)
    from_signal = audio.mfcc(y=y, sr=8000, n_mfcc=13, n_fft=256, hop_length=80, n_mels=40).numpy()
    reference = librosa.feature.mfcc(y=y, sr=8000, n_mfcc=13, n_fft=256, hop_length=80, n_mels=40)
    np.testing.assert_allclose(from_signal, reference, atol=1e-4 * np.abs(reference).max())


def test_mel_pipeline_gradients_match_finite_differences(rng, float64):
    x = md.tensor(rng.standard_normal(120), requires_grad=True)

    def features(t):
        mel = audio.melspectrogram(y=t, sr=8000, n_fft=32, hop_length=16, n_mels=6, pad_mode="reflect")
        return audio.mfcc(S=audio.power_to_db(mel, ref=np.max, top_db=None), n_mfcc=4)

    assert gradcheck(features, [x], atol=1e-4, rtol=1e-3)


def test_power_to_db_gradient_through_max_reference(rng, float64):
    S = md.tensor(rng.random((3, 4)) + 0.1, requires_grad=True)
    assert gradcheck(lambda s: audio.power_to_db(s, ref=np.max, top_db=None), [S])
    assert gradcheck(lambda s: audio.amplitude_to_db(s, ref=np.max, top_db=None), [S])


def test_bad_mel_arguments_raise():
    with pytest.raises(ValueError, match="fmin < fmax"):
        audio.mel_filterbank(8000, 256, 40, fmin=5000.0)
    with pytest.raises(ValueError, match="norm"):
        audio.mel_filterbank(8000, 256, 40, norm="l2")
    with pytest.raises(ValueError, match="amin"):
        audio.power_to_db(np.ones(3), amin=0.0)
    with pytest.raises(ValueError, match="top_db"):
        audio.power_to_db(np.ones(3), top_db=-1.0)
    with pytest.raises(TypeError, match="real floating"):
        audio.power_to_db(np.ones(3, dtype=np.complex128))
    with pytest.raises(ValueError, match="n_mfcc"):
        audio.mfcc(S=np.zeros((10, 3)), n_mfcc=11)
    with pytest.raises(ValueError, match="dct_type"):
        audio.dct_matrix(4, dct_type=1)
    with pytest.raises(ValueError, match="give the signal"):
        audio.melspectrogram()
