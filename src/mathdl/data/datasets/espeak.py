"""Building the spoken-digit corpus with the espeak-ng speech synthesiser (``make_spoken_digits``).

Every clip is one English word "zero".."nine" rendered by ``espeak-ng`` with a voice = an accent
(``-v en-us``, ``en-gb``, ...) plus a speaker variant (``+m1``..``+m7``, ``+f1``..``+f5``), at a speed
(``-s``, words per minute) and pitch (``-p``, 0..99) drawn with a seeded generator. espeak-ng's 22,050 Hz
output is resampled to 8 kHz (``mathdl.audio.resample``), trimmed to where the frame energy is within
40 dB of its peak, scaled to a peak of 0.9, faded in and out over 10 ms, centred in one second (8,000 samples) and stored as int16.
Speakers are split by variant: the variants in ``TEST_VARIANTS`` are heard only in the test split.
espeak-ng renders the same command to the same bytes, so the same seed gives the same corpus.
"""

import hashlib
import io
import json
import os
import shutil
import subprocess
import wave
import zipfile

import numpy as np

WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
ACCENTS = (
    "en-us",
    "en-gb",
    "en-gb-scotland",
    "en-gb-x-rp",
    "en-gb-x-gbclan",
    "en-gb-x-gbcwmd",
    "en-029",
    "en-us-nyc",
)
VARIANTS = ("m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5")
TEST_VARIANTS = ("m3", "m7", "f4")
SAMPLE_RATE = 8000
CLIP_SAMPLES = 8000
SPEED_RANGE = (120, 200)  # words per minute (espeak-ng's default is 175)
PITCH_RANGE = (25, 75)  # espeak-ng's 0..99 pitch scale (default 50)
CORPUS_FILE = "spoken_digits.npz"
MANIFEST_FILE = "spoken_digits_manifest.json"
COMMAND = "espeak-ng -v {accent}+{variant} -s {speed} -p {pitch} --stdout {word}"


class EspeakNotFoundError(FileNotFoundError):
    """espeak-ng is not installed (Debian/Ubuntu: ``apt-get install espeak-ng``)."""


def espeak_executable():
    """The path of ``espeak-ng``, or EspeakNotFoundError naming the Debian package that provides it."""
    path = shutil.which("espeak-ng")
    if path is None:
        raise EspeakNotFoundError(
            "espeak-ng was not found on PATH: install the Debian package 'espeak-ng' "
            "(sudo apt-get install espeak-ng) or see https://github.com/espeak-ng/espeak-ng"
        )
    return path


def espeak_version(executable=None):
    """espeak-ng's version line, e.g. 'eSpeak NG text-to-speech: 1.51  Data at: ...' (the data path cut)."""
    executable = executable or espeak_executable()
    line = subprocess.run([executable, "--version"], capture_output=True, text=True, check=True).stdout
    return line.split("Data at:")[0].strip()


def render_word(word, accent, variant, speed, pitch, executable=None):
    """espeak-ng's rendering of ``word``: (int16 samples, sample rate) as it writes them."""
    executable = executable or espeak_executable()
    command = [executable, "-v", f"{accent}+{variant}", "-s", str(speed), "-p", str(pitch), "--stdout", word]
    result = subprocess.run(command, capture_output=True, check=False)
    if result.returncode != 0 or not result.stdout:
        raise RuntimeError(
            f"espeak-ng failed ({' '.join(command)}): {result.stderr.decode(errors='replace')}"
        )
    with wave.open(io.BytesIO(result.stdout), "rb") as reader:  # --stdout's header has no true length
        rate = reader.getframerate()
        raw = reader.readframes(reader.getnframes())
    return np.frombuffer(raw[: len(raw) // 2 * 2], dtype="<i2").astype(np.int16), rate


def trim_and_fit(samples, length=CLIP_SAMPLES, threshold_db=40.0, frame=160, peak=0.9, fade=80):
    """Cut leading/trailing silence (20 ms frames whose RMS is more than ``threshold_db`` below the
    loudest), scale to ``peak``, crop the centre if longer than ``length``, fade in and out over ``fade``
    samples (a half Hann ramp, 10 ms at 8 kHz, so the cut makes no click) and centre in ``length`` samples.

    Returns (float64 clip (length,), the number of voiced samples before any crop)."""
    samples = np.asarray(samples, dtype=np.float64)
    n_frames = max(1, samples.size // frame)
    rms = np.sqrt(np.mean(samples[: n_frames * frame].reshape(n_frames, -1) ** 2, axis=1))
    loud = np.flatnonzero(rms > rms.max() * 10 ** (-threshold_db / 20))
    start, stop = (loud[0] * frame, (loud[-1] + 1) * frame) if loud.size else (0, samples.size)
    voiced = samples[start:stop]
    scale = np.abs(voiced).max()
    voiced = voiced * (peak / scale) if scale > 0 else voiced.copy()
    kept = voiced.size
    if kept > length:  # crop first, so the fades below fall on the clip's real ends
        cut = (kept - length) // 2
        voiced = voiced[cut : cut + length]
    ramp = np.sin(0.5 * np.pi * (np.arange(min(fade, voiced.size // 2)) + 0.5) / max(fade, 1)) ** 2
    voiced[: ramp.size] *= ramp
    voiced[voiced.size - ramp.size :] *= ramp[::-1]
    clip = np.zeros(length)
    offset = (length - voiced.size) // 2
    clip[offset : offset + voiced.size] = voiced
    return clip, kept


def corpus_plan(seed=0, takes=8, accents=ACCENTS, variants=VARIANTS, words=WORDS):
    """The list of clips to render, in corpus order: speakers (accent × variant) × words × takes, each
    with a speed and a pitch drawn uniformly (integers) from a generator seeded with ``seed``."""
    rng = np.random.default_rng(seed)
    count = len(accents) * len(variants) * len(words) * takes
    speeds = rng.integers(SPEED_RANGE[0], SPEED_RANGE[1] + 1, size=count)
    pitches = rng.integers(PITCH_RANGE[0], PITCH_RANGE[1] + 1, size=count)
    plan, k = [], 0
    for accent in accents:
        for variant in variants:
            for word in words:
                for take in range(takes):
                    plan.append(dict(accent=accent, variant=variant, word=word, take=take,
                                     speed=int(speeds[k]), pitch=int(pitches[k])))  # fmt: skip
                    k += 1
    return plan


def render_plan(plan, executable=None, progress=None):
    """Render, resample to 8 kHz and fit every clip of ``plan``: (int16 (N, 8000), voiced lengths (N,))."""
    from mathdl.audio.resample import resample
    from mathdl.audio.wav import to_int16

    executable = executable or espeak_executable()
    audio = np.zeros((len(plan), CLIP_SAMPLES), dtype=np.int16)
    voiced = np.zeros(len(plan), dtype=np.int32)
    for i, clip in enumerate(plan):
        samples, rate = render_word(
            clip["word"], clip["accent"], clip["variant"], clip["speed"], clip["pitch"], executable
        )
        fitted, voiced[i] = trim_and_fit(resample(samples / 32768.0, rate, SAMPLE_RATE))
        audio[i] = to_int16(fitted)
        if progress is not None and (i + 1) % 500 == 0:
            progress(f"rendered {i + 1}/{len(plan)} clips")
    return audio, voiced


def write_npz_deterministic(stream, arrays, compress=True):
    """An npz (readable by ``np.load(allow_pickle=False)``) whose bytes depend only on ``arrays``:
    entries in the given order with a fixed timestamp (np.savez stamps the current time)."""
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(stream, "w", compression=method) as archive:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = method
            info.external_attr = 0o644 << 16
            with archive.open(info, "w", force_zip64=True) as entry:
                np.lib.format.write_array(entry, np.ascontiguousarray(array), allow_pickle=False)


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def corpus_arrays(plan, audio, voiced, accents, variants):
    """The corpus as named arrays (no Python objects: names are fixed-width unicode arrays)."""
    speakers = [f"{accent}+{variant}" for accent in accents for variant in variants]
    speaker = np.array([speakers.index(f"{c['accent']}+{c['variant']}") for c in plan], dtype=np.int16)
    return {
        "audio": audio,
        "label": np.array([WORDS.index(c["word"]) for c in plan], dtype=np.uint8),
        "speaker": speaker,
        "test": np.array([c["variant"] in TEST_VARIANTS for c in plan], dtype=bool),
        "take": np.array([c["take"] for c in plan], dtype=np.int16),
        "speed": np.array([c["speed"] for c in plan], dtype=np.int16),
        "pitch": np.array([c["pitch"] for c in plan], dtype=np.int16),
        "voiced_samples": voiced,
        "speakers": np.array(speakers),
        "words": np.array(WORDS),
    }


def make_spoken_digits(out_dir, seed=0, takes=8, accents=ACCENTS, variants=VARIANTS, words=WORDS,
                       overwrite=False, progress=None):  # fmt: skip
    """Render the spoken-digit corpus into ``out_dir``: ``spoken_digits.npz`` and a JSON manifest.

    The defaults give 8 accents × 12 variants × 10 words × 8 takes = 7,680 one-second clips
    (5,760 train from 9 variants, 1,920 test from the held-out variants m3, m7, f4), about 3 minutes
    on one core. The npz holds ``audio`` int16 (N, 8000) at 8 kHz, ``label`` (N,), ``speaker`` (index
    into ``speakers``), ``test`` (bool), ``take``, ``speed``, ``pitch``, ``voiced_samples``; the manifest
    records the espeak-ng version, the command, every setting, and SHA-256 checksums of the npz file
    and of the audio array. Existing files are not replaced unless ``overwrite``. Returns the manifest.
    Raises EspeakNotFoundError (naming the Debian package) when espeak-ng is missing.
    """
    from mathdl.io import atomic_write

    executable = espeak_executable()
    unknown = [w for w in words if w not in WORDS]
    if unknown or takes < 1 or not accents or not variants:
        raise ValueError(
            f"make_spoken_digits: words must be among {WORDS}, takes >= 1, accents and variants non-empty"
        )
    os.makedirs(out_dir, exist_ok=True)
    corpus_path, manifest_path = os.path.join(out_dir, CORPUS_FILE), os.path.join(out_dir, MANIFEST_FILE)
    for path in (corpus_path, manifest_path):
        if os.path.exists(path) and not overwrite:
            raise FileExistsError(f"make_spoken_digits: {path} exists; pass overwrite=True to replace it")
    plan = corpus_plan(seed, takes, tuple(accents), tuple(variants), tuple(words))
    audio, voiced = render_plan(plan, executable, progress)
    arrays = corpus_arrays(plan, audio, voiced, tuple(accents), tuple(variants))
    with atomic_write(corpus_path) as stream:
        write_npz_deterministic(stream, arrays)
    manifest = {
        "format": "mathdl-spoken-digits",
        "version": 1,
        "espeak_ng": espeak_version(executable),
        "command": COMMAND,
        "seed": seed,
        "takes": takes,
        "accents": list(accents),
        "variants": list(variants),
        "test_variants": [v for v in variants if v in TEST_VARIANTS],
        "words": list(words),
        "sample_rate": SAMPLE_RATE,
        "clip_samples": CLIP_SAMPLES,
        "speed_range": list(SPEED_RANGE),
        "pitch_range": list(PITCH_RANGE),
        "counts": {"train": int((~arrays["test"]).sum()), "test": int(arrays["test"].sum())},
        "clips_longer_than_a_second": int((voiced > CLIP_SAMPLES).sum()),
        "audio_sha256": hashlib.sha256(audio.tobytes()).hexdigest(),
        "files": {CORPUS_FILE: {"sha256": sha256_file(corpus_path), "bytes": os.path.getsize(corpus_path)}},
    }
    with atomic_write(manifest_path) as stream:
        stream.write((json.dumps(manifest, indent=2) + "\n").encode("utf-8"))
    return manifest
