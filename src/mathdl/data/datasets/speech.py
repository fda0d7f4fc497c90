"""Spoken digits: one-second clips of the words "zero".."nine" at 8 kHz, synthesised by espeak-ng.

Two sources, one format:

* the subset shipped inside mathdl (``spoken_digits_subset.npz`` beside this file, made by
  ``scripts/make_spoken_digits.py``; provenance and licence in ``SPOKEN_DIGITS_README.md``): one take
  of every word by each of the 96 voices (accent × variant), stored as 8-bit μ-law;
* the full corpus that ``make_spoken_digits(out_dir)`` renders with espeak-ng (int16, checksummed).

Speakers are split by espeak-ng variant: m3, m7 and f4 are heard only in the test split.
``SpokenDigits`` serves ``(waveform float32 (8000,) in [−1, 1], label int)``.

    from mathdl.data import SpokenDigits, DataLoader
    train = SpokenDigits(train=True)               # the shipped subset
    waveform, label = train[0]
"""

import json
import os
import zipfile

import numpy as np

from mathdl.data.dataset import Dataset, check_indices
from mathdl.data.datasets.espeak import (
    CORPUS_FILE,
    MANIFEST_FILE,
    SAMPLE_RATE,
    WORDS,
    EspeakNotFoundError,
    make_spoken_digits,
    sha256_file,
)

SUBSET_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "spoken_digits_subset.npz")
SPOKEN_DIGIT_CLASSES = WORDS
_FIELDS = ("label", "speaker", "test", "take", "speed", "pitch")

__all__ = [
    "SPOKEN_DIGIT_CLASSES",
    "EspeakNotFoundError",
    "SpokenDigits",
    "load_spoken_digits",
    "make_spoken_digits",
]


def _read_archive(path, where):
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except (OSError, zipfile.BadZipFile, EOFError, ValueError) as error:
        raise ValueError(f"{where}: cannot read {path} ({error})") from None
    missing = [key for key in ("speakers", *_FIELDS) if key not in arrays]
    if ("audio" not in arrays and "audio_mu_law" not in arrays) or missing:
        raise ValueError(f"{where}: {path} is not a spoken-digit corpus (missing {missing or ['audio']})")
    return arrays


def _waveforms(arrays):
    """float32 (N, 8000) in [−1, 1] from int16 or μ-law storage.

    256 μ-law codes have no exact zero: code 128 (every x in [0, 1.7e-4), digital silence included)
    decodes to 8.6e-5. The subset's silence is exact zeros, so code 128 is read back as 0 here;
    otherwise every silent sample would carry that offset (a −81 dBFS DC line in a spectrogram).
    """
    if "audio" in arrays:
        return (arrays["audio"] / np.float32(32768.0)).astype(np.float32)
    from mathdl.audio.mu_law import mu_law_decoding

    codes = arrays["audio_mu_law"]
    waveforms = mu_law_decoding(codes)
    waveforms[codes == 128] = 0.0
    return waveforms


def _check_full(root, where):
    corpus = os.path.join(root, CORPUS_FILE)
    manifest_path = os.path.join(root, MANIFEST_FILE)
    if not os.path.isfile(corpus) or not os.path.isfile(manifest_path):
        raise FileNotFoundError(
            f"{where}: no spoken-digit corpus in {root}; make it with "
            f"mathdl.data.make_spoken_digits({root!r}) (needs espeak-ng) or use root=None for the shipped subset"
        )
    with open(manifest_path, encoding="utf-8") as stream:
        manifest = json.load(stream)
    expected = manifest.get("files", {}).get(CORPUS_FILE, {}).get("sha256")
    actual = sha256_file(corpus)
    if expected != actual:
        raise ValueError(
            f"{where}: {corpus} has SHA-256 {actual}, the manifest says {expected}: damaged or replaced"
        )
    return corpus


def load_spoken_digits(root=None, verify=True):
    """The corpus as arrays: ``(waveforms float32 (N, 8000), metadata dict of (N,) arrays + 'speakers')``.

    ``root=None`` reads the shipped subset; a folder reads the full corpus that ``make_spoken_digits``
    wrote there (its SHA-256 checked against the manifest when ``verify``). Metadata: label, speaker
    (index into ``speakers``), test (bool), take, speed, pitch, voiced_samples (the word's length
    before it was fitted into one second).
    """
    where = "load_spoken_digits"
    if root is None:
        path = SUBSET_PATH
    else:
        path = _check_full(root, where) if verify else os.path.join(root, CORPUS_FILE)
    arrays = _read_archive(path, where)
    waveforms = _waveforms(arrays)
    metadata = {key: arrays[key] for key in _FIELDS}
    metadata["speakers"] = arrays["speakers"]
    if "voiced_samples" in arrays:
        metadata["voiced_samples"] = arrays["voiced_samples"]
    if waveforms.ndim != 2 or any(metadata[key].shape != (waveforms.shape[0],) for key in _FIELDS):
        raise ValueError(f"{where}: {path} has malformed arrays (audio {waveforms.shape})")
    return waveforms, metadata


class SpokenDigits(Dataset):
    """Spoken digits as a Dataset of ``(waveform float32 (8000,), label int)`` at 8 kHz.

    Args:
        root: None for the shipped subset, or the folder ``make_spoken_digits`` wrote.
        train: the training split (voices of 9 variants) or the test split (held-out variants m3, m7, f4).
        transform: optional callable applied to each waveform; target_transform to each label.

    Attributes: ``waveforms`` (N, 8000), ``labels`` (N,) int64, ``speakers`` (N,) voice names such as
    "en-us+f3", ``sample_rate`` (8000), ``classes`` ("zero".."nine"), ``metadata`` (take, speed, pitch).

    >>> test = SpokenDigits(train=False)
    >>> waveform, label = test[0]
    >>> waveform.shape, waveform.dtype, test.classes[label]
    ((8000,), dtype('float32'), 'zero')
    """

    sample_rate = SAMPLE_RATE
    classes = SPOKEN_DIGIT_CLASSES

    def __init__(self, root=None, train=True, transform=None, target_transform=None):
        for name, fn in (("transform", transform), ("target_transform", target_transform)):
            if fn is not None and not callable(fn):
                raise TypeError(f"SpokenDigits: {name} must be callable or None")
        waveforms, metadata = load_spoken_digits(root)
        keep = ~metadata["test"] if train else metadata["test"]
        self.waveforms = np.ascontiguousarray(waveforms[keep])
        self.labels = metadata["label"][keep].astype(np.int64)
        self.speakers = metadata["speakers"][metadata["speaker"][keep]]
        self.metadata = {key: metadata[key][keep] for key in ("take", "speed", "pitch")}
        self.train = bool(train)
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self):
        return self.waveforms.shape[0]

    def __getitem__(self, index):
        if not isinstance(index, (int, np.integer)):
            raise TypeError(f"SpokenDigits: index must be an integer, got {type(index).__name__}")
        if not -len(self) <= index < len(self):
            raise IndexError(f"SpokenDigits: index {index} is out of range for length {len(self)}")
        waveform, label = self.waveforms[index].copy(), int(self.labels[index])
        if self.transform is not None:
            waveform = self.transform(waveform)
        if self.target_transform is not None:
            label = self.target_transform(label)
        return waveform, label

    def get_batch(self, indices):
        """``(waveforms (B, 8000) float32, labels (B,) int64)`` at ``indices``."""
        indices = check_indices(indices, len(self), "SpokenDigits.get_batch")
        waveforms, labels = self.waveforms[indices], self.labels[indices]
        if self.transform is not None:
            waveforms = np.stack([np.asarray(self.transform(w)) for w in waveforms])
        if self.target_transform is not None:
            labels = np.asarray([self.target_transform(int(label)) for label in labels])
        return waveforms, labels

    def __repr__(self):
        split = "train" if self.train else "test"
        return f"SpokenDigits({split}: {len(self)} clips of 1 s at {self.sample_rate} Hz, {len(set(self.speakers))} voices)"
