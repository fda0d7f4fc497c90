"""Text of digits → speech: a word generator's log-mel spectrograms, joined with short silences, then
mel → linear magnitude → Griffin-Lim → WAV.

    from mathdl.audio.speak import speak
    waveform = speak(generator, "3 1 4", out="pi.wav", voice="en-us+m1", seed=0)

``generator`` is any object with ``sample(digits, voices, rng, temperature) → (B, n_mels, frames) dB``,
``voice_index(name)`` and the STFT its spectrograms come from (``sample_rate``, ``n_fft``,
``hop_length``; Slaney mel bands from 0 to sample_rate / 2): ``mathdl.models.speech_generator.SpeechCVAE``.
No command-line parsing here: ``mathdl speak RUN TEXT --out FILE`` loads the run and calls ``speak``.
"""

import os

import numpy as np

from mathdl.audio.synthesis import join_words, mel_db_to_audio
from mathdl.audio.wav import write_wav

DIGITS = "0123456789"


def parse_digits(text):
    """The digits of ``text`` ("3 1 4" or "314"; spaces, tabs and newlines are ignored) as a list of
    ints. ValueError for empty text or for any other character (each one named)."""
    if not isinstance(text, str):
        raise TypeError(f"speak: text must be a string of digits such as '3 1 4', got {type(text).__name__}")
    kept = [c for c in text if not c.isspace()]
    bad = sorted({c for c in kept if c not in DIGITS})
    if bad:
        raise ValueError(
            f"speak: text may hold only the digits 0-9 and spaces; found {', '.join(repr(c) for c in bad)} "
            f"in {text!r}"
        )
    if not kept:
        raise ValueError(f"speak: no digits to say in {text!r} (give digits such as '3 1 4')")
    return [int(c) for c in kept]


def words_to_mel(generator, digits, voice=None, seed=0, temperature=0.5):
    """The generator's log-mel spectrogram (n_mels, frames) dB of every digit, in order (one batch)."""
    index = generator.voice_index(voice) if voice is not None else 0
    rng = np.random.default_rng(seed)
    return generator.sample(np.asarray(digits), np.full(len(digits), index), rng, temperature)


def speak(
    generator,
    text,
    out=None,
    voice=None,
    seed=0,
    temperature=0.5,
    gap_seconds=0.15,
    n_iter=100,
    overwrite=False,
):
    """Say ``text`` (digits) with ``generator``: returns the waveform (float64 at its sample_rate) and
    writes it to ``out`` (16-bit PCM WAV) when given; an existing ``out`` is refused unless ``overwrite``.

    Each digit is one generated word (z drawn from ``seed``), trimmed to its voiced frames; words are
    separated by ``gap_seconds`` of silence; Griffin-Lim runs ``n_iter`` fast iterations (seeded).
    """
    digits = parse_digits(text)
    if out is not None and os.path.exists(out) and not overwrite:
        raise FileExistsError(f"speak: {out} exists; choose another name or pass overwrite=True")
    sr, n_fft, hop = int(generator.sample_rate), int(generator.n_fft), int(generator.hop_length)
    mels = words_to_mel(generator, digits, voice, seed, temperature)
    gap = max(1, int(round(gap_seconds * sr / hop)))
    mel_db = join_words(list(mels), gap)
    waveform = mel_db_to_audio(mel_db, sr, n_fft, hop, n_iter=n_iter, seed=seed)
    if out is not None:
        write_wav(out, waveform, sr)
    return waveform
