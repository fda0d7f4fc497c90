"""Render the spoken-digit corpus with espeak-ng and write the subset shipped inside mathdl.

    python scripts/make_spoken_digits.py --out DIR [--seed 0] [--takes 8] [--subset PATH | --no-subset]
                                         [--overwrite]

1. ``make_spoken_digits(DIR)`` (``mathdl.data.datasets.espeak``) renders "zero".."nine" with 8 accents
   × 12 variants of espeak-ng, seeded speeds and pitches, resampled to 8 kHz, trimmed, centred in
   one second, into DIR/spoken_digits.npz with a manifest of settings and SHA-256 checksums.
2. The shipped subset takes take 0 of every (voice, word): 960 clips (720 train, 240 test), stored as
   8-bit μ-law with the positions of the clips in the full corpus, written atomically and
   deterministically (same corpus, same bytes) to src/mathdl/data/datasets/spoken_digits_subset.npz.
"""

import argparse
import hashlib
import json
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, os.pardir, "src"))

from mathdl.audio.mu_law import mu_law_encoding  # noqa: E402
from mathdl.data.datasets.espeak import (  # noqa: E402
    CORPUS_FILE,
    make_spoken_digits,
    sha256_file,
    write_npz_deterministic,
)
from mathdl.io import atomic_write  # noqa: E402

DEFAULT_SUBSET = os.path.join(
    HERE, os.pardir, "src", "mathdl", "data", "datasets", "spoken_digits_subset.npz"
)


def subset_arrays(corpus, manifest, take=0):
    """The clips of one take from every (voice, word) of the full corpus, μ-law coded."""
    chosen = np.flatnonzero(corpus["take"] == take)
    source = {
        "espeak_ng": manifest["espeak_ng"],
        "seed": manifest["seed"],
        "take": take,
        "corpus_audio_sha256": manifest["audio_sha256"],
    }
    return {
        "audio_mu_law": mu_law_encoding(corpus["audio"][chosen] / 32768.0),
        **{
            key: corpus[key][chosen]
            for key in ("label", "speaker", "test", "take", "speed", "pitch", "voiced_samples")
        },
        "full_index": chosen.astype(np.int32),
        "speakers": corpus["speakers"],
        "words": corpus["words"],
        "source": np.array(json.dumps(source, sort_keys=True)),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="folder for the full corpus")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--takes", type=int, default=8)
    parser.add_argument("--subset", default=DEFAULT_SUBSET)
    parser.add_argument("--no-subset", action="store_true")
    parser.add_argument("--overwrite", action="store_true")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    manifest = make_spoken_digits(
        args.out, seed=args.seed, takes=args.takes, overwrite=args.overwrite, progress=print
    )
    corpus_path = os.path.join(args.out, CORPUS_FILE)
    print(f"wrote {corpus_path}: {manifest['counts']} clips, {os.path.getsize(corpus_path) / 1e6:.1f} MB, "
          f"{time.perf_counter() - start:.0f} s; sha256 {manifest['files'][CORPUS_FILE]['sha256']}")  # fmt: skip
    if args.no_subset:
        return
    with np.load(corpus_path, allow_pickle=False) as archive:
        corpus = {name: archive[name] for name in archive.files}
    arrays = subset_arrays(corpus, manifest)
    out = os.path.abspath(args.subset)
    with atomic_write(out) as stream:
        write_npz_deterministic(stream, arrays)
    counts = int((~arrays["test"]).sum()), int(arrays["test"].sum())
    print(f"wrote {out}: {counts[0]} train + {counts[1]} test clips, {os.path.getsize(out) / 1e6:.2f} MB, "
          f"sha256 {sha256_file(out)}; audio sha256 {hashlib.sha256(arrays['audio_mu_law'].tobytes()).hexdigest()}")  # fmt: skip


if __name__ == "__main__":
    main()
