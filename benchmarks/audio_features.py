"""Log-mel features of a batch of spoken digits, forward and backward: mathdl against PyTorch (CPU).

    batch of 64 one-second clips at 8 kHz → stft (N = 256, H = 80, Hann) → |X|² → 40 mel bands → log
    → sum; forward, and forward + backward to the waveforms (what a recogniser's input layer costs)

    python benchmarks/audio_features.py [--passes 5] [--batch 64]

Both frameworks compute the same float32 numbers from the same clips (the mathdl and PyTorch log-mel
features are compared before timing). Prints per-pass times, the medians and the ratio mathdl / PyTorch.
"""

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

N_FFT, HOP, N_MELS = 256, 80, 40


def mathdl_features(md, audio, clips, basis, backward):
    x = md.tensor(clips, requires_grad=backward)
    power = audio.spectrogram(x, N_FFT, HOP, window="hann")
    features = md.log(md.matmul(md.tensor(basis), power) + 1e-6)
    if backward:
        features.sum().backward()
    return features


def torch_features(torch, clips, basis, backward):
    x = torch.tensor(clips, requires_grad=backward)
    spectrum = torch.stft(x, N_FFT, HOP, window=torch.hann_window(N_FFT), return_complex=True)
    features = torch.log(torch.tensor(basis) @ spectrum.abs() ** 2 + 1e-6)
    if backward:
        features.sum().backward()
    return features


def median_time(fn, passes):
    times = []
    for _ in range(passes):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--batch", type=int, default=64)
    args = parser.parse_args(argv)
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "src"))
    import torch

    import mathdl as md
    from mathdl import audio
    from mathdl.data import SpokenDigits

    torch.set_num_threads(1)
    clips = SpokenDigits(train=True).waveforms[: args.batch]
    basis = audio.mel_filterbank(8000, N_FFT, N_MELS)
    ours = mathdl_features(md, audio, clips, basis, False).numpy()
    theirs = torch_features(torch, clips, basis, False).detach().numpy()
    print(f"max |mathdl − torch| log-mel (float32): {np.abs(ours - theirs).max():.2e}")
    for backward in (False, True):
        label = "forward + backward" if backward else "forward"
        ours, our_times = median_time(lambda: mathdl_features(md, audio, clips, basis, backward), args.passes)
        theirs, their_times = median_time(lambda: torch_features(torch, clips, basis, backward), args.passes)
        print(f"{label:19s} mathdl {ours * 1e3:7.1f} ms  torch {theirs * 1e3:7.1f} ms  ratio {ours / theirs:5.2f}"
              f"   (passes, ms: {[round(t * 1e3, 1) for t in our_times]} / {[round(t * 1e3, 1) for t in their_times]})")  # fmt: skip


if __name__ == "__main__":
    main()
