"""WAV files, μ-law and the polyphase resampler."""

import os
import wave

import numpy as np
import pytest

from mathdl import audio
from mathdl.audio.mu_law import mu_law_decoding, mu_law_encoding


def test_wav_round_trip_float_and_int16(tmp_path, rng):
    x = (0.9 * np.sin(np.arange(1000) / 7)).astype(np.float32)
    path = tmp_path / "tone.wav"
    audio.write_wav(path, x, 8000)
    y, rate = audio.read_wav(path)
    assert rate == 8000 and y.dtype == np.float32 and y.shape == (1000,)
    assert np.abs(y - x).max() <= 0.5 / 32768 + 1e-7
    ints = rng.integers(-32768, 32768, size=500).astype(np.int16)
    audio.write_wav(path, ints, 22050)
    back, rate = audio.read_wav(path, dtype="int16")
    np.testing.assert_array_equal(back, ints)
    assert rate == 22050 and os.listdir(tmp_path) == ["tone.wav"]  # no temporary file left behind
    with wave.open(str(path)) as reader:
        assert (reader.getnchannels(), reader.getsampwidth()) == (1, 2)


def test_wav_clips_out_of_range_floats(tmp_path):
    audio.write_wav(tmp_path / "a.wav", np.array([2.0, -2.0, 0.5]), 8000)
    np.testing.assert_array_equal(audio.read_wav(tmp_path / "a.wav", "int16")[0], [32767, -32768, 16384])


def _write_raw_wav(path, channels, width, frames):
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(width)
        writer.setframerate(8000)
        writer.writeframes(frames)


def test_wav_errors_name_the_problem(tmp_path):
    _write_raw_wav(tmp_path / "stereo.wav", 2, 2, bytes(40))
    with pytest.raises(ValueError, match="2 channels"):
        audio.read_wav(tmp_path / "stereo.wav")
    _write_raw_wav(tmp_path / "byte.wav", 1, 1, bytes(40))
    with pytest.raises(ValueError, match="8-bit"):
        audio.read_wav(tmp_path / "byte.wav")
    float_wav = tmp_path / "float.wav"
    data = np.zeros(4, dtype="<f4").tobytes()
    fmt = (3).to_bytes(2, "little") + (1).to_bytes(2, "little") + (8000).to_bytes(4, "little")
    fmt += (32000).to_bytes(4, "little") + (4).to_bytes(2, "little") + (32).to_bytes(2, "little")
    body = (
        b"WAVE"
        + b"fmt "
        + len(fmt).to_bytes(4, "little")
        + fmt
        + b"data"
        + len(data).to_bytes(4, "little")
        + data
    )
    float_wav.write_bytes(b"RIFF" + len(body).to_bytes(4, "little") + body)
    with pytest.raises(ValueError, match="IEEE float"):
        audio.read_wav(float_wav)
    (tmp_path / "text.wav").write_text("not audio")
    with pytest.raises(ValueError, match="not a WAV"):
        audio.read_wav(tmp_path / "text.wav")
    with pytest.raises(FileNotFoundError):
        audio.read_wav(tmp_path / "missing.wav")
    with pytest.raises(ValueError, match="mono"):
        audio.write_wav(tmp_path / "x.wav", np.zeros((2, 5)), 8000)
    with pytest.raises(ValueError, match="NaN"):
        audio.write_wav(tmp_path / "x.wav", np.array([np.nan]), 8000)
    with pytest.raises(ValueError, match="sample_rate"):
        audio.write_wav(tmp_path / "x.wav", np.zeros(5), 0)
    assert not (tmp_path / "x.wav").exists()


def test_mu_law_matches_its_formula_and_round_trips(rng):
    x = rng.uniform(-1, 1, 1000)
    codes = mu_law_encoding(x)
    assert codes.dtype == np.uint8
    expected = ((np.sign(x) * np.log1p(255 * np.abs(x)) / np.log1p(255) + 1) / 2 * 255 + 0.5).astype(int)
    np.testing.assert_array_equal(codes, expected)
    # The step between codes grows with |x|: the error is below half a step at that amplitude.
    error = np.abs(mu_law_decoding(codes) - x)
    assert error.max() < 0.035 and error[np.abs(x) < 0.01].max() < 3.5e-4


def test_resample_keeps_a_tone_and_removes_what_would_alias():
    t_in, t_out = np.arange(22050) / 22050, np.arange(8000) / 8000
    tone = lambda f, t: np.sin(2 * np.pi * f * t)  # noqa: E731
    y = audio.resample(tone(440, t_in) + 0.5 * tone(3000, t_in), 22050, 8000)
    assert y.shape == (8000,)
    assert np.abs(y - tone(440, t_out) - 0.5 * tone(3000, t_out))[200:-200].max() < 1e-4
    assert np.abs(audio.resample(tone(6000, t_in), 22050, 8000)[200:-200]).max() < 1e-4  # −80 dB
    up = audio.resample(tone(440, t_out), 8000, 22050)
    assert np.abs(up - tone(440, t_in))[500:-500].max() < 1e-4
    x = np.arange(10.0)
    np.testing.assert_array_equal(audio.resample(x, 8000, 8000), x)
    assert audio.resample(np.zeros((3, 441), np.float32), 44100, 16000).shape == (3, 160)
    assert audio.resample(np.zeros((3, 441), np.float32), 44100, 16000).dtype == np.float32


def test_resample_agrees_with_scipy_on_band_limited_signals():
    signal = pytest.importorskip("scipy.signal", reason="SciPy is the test-only reference for resampling")
    t = np.arange(22050) / 22050
    x = sum(np.sin(2 * np.pi * f * t + f) for f in (150, 700, 2100, 3300))
    t_out = np.arange(8000) / 8000
    truth = sum(np.sin(2 * np.pi * f * t_out + f) for f in (150, 700, 2100, 3300))
    ours, theirs = audio.resample(x, 22050, 8000), signal.resample_poly(x, 160, 441)
    our_error, their_error = (np.abs(y - truth)[200:-200].max() for y in (ours, theirs))
    assert our_error < 1e-3 and their_error < 0.02 and our_error < their_error


def test_resample_errors():
    with pytest.raises(ValueError, match="orig_sr"):
        audio.resample(np.zeros(4), 0, 8000)
    with pytest.raises(ValueError, match="rolloff"):
        audio.resample(np.zeros(4), 16000, 8000, rolloff=1.5)
