"""A spoken digit through mathdl.audio: the STFT and its inverse, windows and COLA, mel and MFCC,
and a waveform recovered from its magnitude alone by Griffin-Lim.

    python examples/audio_spectrograms.py [output_folder]       (default examples/output/)

1. The STFT of one frame is the DFT matrix W[k, n] = e^{−2πikn/N} times the windowed frame; the
   script checks ``stft`` against that product and ``istft(stft(x)) = x`` (weighted overlap-add).
2. Windows: the periodic Hann window overlap-adds to a constant at hops N/2 and N/4 (COLA); the
   symmetric one does not quite.
3. The word "seven" from the shipped espeak-ng subset: waveform, log-power spectrogram, 40-band mel
   spectrogram and 13 MFCCs.
4. Griffin-Lim from |STFT| with random initial phases, classic (momentum 0) against fast (0.99):
   spectral convergence ‖S − |STFT(x̂)|‖ / ‖S‖ per iteration, and the WAV files to listen to.

Writes audio_spectrograms.png, audio_windows_cola.png, audio_griffin_lim.png and
seven_original.wav, seven_griffin_lim.wav, and prints the checks' numbers.
"""

import os
import sys

import numpy as np

from mathdl import audio
from mathdl.data import SpokenDigits

N_FFT, HOP, SR = 256, 64, 8000


def check_dft_and_inverse(x):
    window = audio.hann_window(N_FFT, dtype=np.float64)
    X = audio.stft(x, N_FFT, HOP, window=window, center=False).numpy()
    frame = x[50 * HOP : 50 * HOP + N_FFT] * window  # frame 50: in the middle of the word
    by_matrix = (audio.dft_matrix(N_FFT) @ frame)[: N_FFT // 2 + 1]
    matrix_error = np.abs(X[:, 50] - by_matrix).max()
    spectrum = audio.stft(x, N_FFT, HOP, window=window)
    inverse_error = np.abs(audio.istft(spectrum, N_FFT, HOP, window=window, length=x.size).numpy() - x).max()
    print(f"max |stft frame − W·(w ⊙ frame)|        = {matrix_error:.2e}")
    print(f"max |istft(stft(x)) − x| (Hann, hop N/4) = {inverse_error:.2e}")


def plot_windows(plt, folder):
    figure, axes = plt.subplots(1, 3, figsize=(13, 3.4))
    n = 64
    periodic, symmetric = audio.hann_window(n, dtype=np.float64), audio.hann_window(n, False, np.float64)
    axes[0].plot(periodic, label="hann, periodic (torch default)")
    axes[0].plot(symmetric, "--", label="hann, symmetric")
    axes[0].plot(audio.hamming_window(n, dtype=np.float64), label="hamming")
    axes[0].plot(audio.blackman_window(n, dtype=np.float64), label="blackman")
    axes[0].set_title("windows, N = 64", fontsize=10)
    axes[0].legend(fontsize=7)
    for axis, hop in zip(axes[1:], (n // 2, n // 4)):
        frames = 8
        for name, w in (("periodic", periodic), ("symmetric", symmetric)):
            total = np.zeros(n + hop * (frames - 1))
            for t in range(frames):
                total[t * hop : t * hop + n] += w
                if name == "periodic":
                    axis.plot(np.arange(t * hop, t * hop + n), w, color="0.75", lw=0.8)
            axis.plot(total, label=f"Σ_t w(n − t·{hop}), {name}")
            middle = total[n:-n]
            print(
                f"hop {hop}, {name} Hann: overlap-add ripple (max − min) / mean = {np.ptp(middle) / middle.mean():.2e}"
            )
        axis.set_ylim(0, total.max() * 1.15)
        axis.set_title(f"overlap-add at hop {hop} (COLA: flat in the middle)", fontsize=10)
        axis.legend(fontsize=7, loc="lower center")
    figure.tight_layout()
    path = os.path.join(folder, "audio_windows_cola.png")
    figure.savefig(path, dpi=110)
    print(f"wrote {path}")


def plot_features(plt, folder, x, title):
    power = audio.spectrogram(x, N_FFT, HOP, window="hann").numpy()
    mel = audio.melspectrogram(S=power, sr=SR, n_fft=N_FFT, n_mels=40)
    mel_db = audio.power_to_db(mel, ref=np.max).numpy()
    coefficients = audio.mfcc(S=mel_db, n_mfcc=13).numpy()
    figure, axes = plt.subplots(4, 1, figsize=(8, 10))
    axes[0].plot(np.arange(x.size) / SR, x, lw=0.6)
    axes[0].set(title=f"waveform of {title!r} (espeak-ng, 8 kHz)", xlabel="s", xlim=(0, x.size / SR))
    seconds, top = x.size / SR, SR / 2
    panels = [
        (
            audio.power_to_db(power, ref=np.max).numpy(),
            f"log power |STFT|² (dB), N={N_FFT}, hop={HOP}",
            (0, top),
            "Hz",
        ),
        (mel_db, "mel spectrogram, 40 bands (dB)", (0, 40), "mel band"),
        (
            coefficients[1:],
            "MFCC 1-12 (DCT-II of the log mel spectrum; c0, the log energy, left out)",
            (1, 13),
            "coefficient",
        ),
    ]
    for axis, (data, name, (low, high), unit) in zip(axes[1:], panels):
        shown = axis.imshow(data, origin="lower", aspect="auto", extent=(0, seconds, low, high), cmap="magma")
        axis.set(title=name, ylabel=unit, xlabel="s")
        figure.colorbar(shown, ax=axis, fraction=0.03)
    figure.tight_layout()
    path = os.path.join(folder, "audio_spectrograms.png")
    figure.savefig(path, dpi=110)
    print(f"wrote {path}")


def griffin_lim_curves(plt, folder, x, iterations=200):
    S = audio.spectrogram(x, N_FFT, HOP, window="hann", power=1).numpy()
    curves = {}
    for momentum in (0.0, 0.99):
        signal, curves[momentum] = audio.griffin_lim(
            S, iterations, N_FFT, HOP, length=x.size, momentum=momentum, seed=0, return_convergence=True
        )
        errors = curves[momentum]
        print(f"Griffin-Lim momentum {momentum}: spectral convergence {errors[0]:.3f} at the start, "
              f"{errors[49]:.3f} at iteration 50, {errors[-1]:.4f} at iteration {iterations}")  # fmt: skip
    audio.write_wav(os.path.join(folder, "seven_original.wav"), x, SR)
    audio.write_wav(os.path.join(folder, "seven_griffin_lim.wav"), signal, SR)
    print(f"wrote {os.path.join(folder, 'seven_original.wav')} and seven_griffin_lim.wav (fast Griffin-Lim)")
    figure, axes = plt.subplots(1, 2, figsize=(12, 3.8))
    for momentum, label in ((0.0, "Griffin-Lim (1984)"), (0.99, "fast Griffin-Lim, α = 0.99")):
        axes[0].semilogy(np.arange(1, iterations + 1), curves[momentum], label=label)
    axes[0].set(xlabel="iteration", ylabel="‖S − |STFT(x̂)|‖ / ‖S‖", title="spectral convergence on 'seven'")
    axes[0].legend()
    axes[0].grid(True, which="both", alpha=0.3)
    t = np.arange(x.size) / SR
    axes[1].plot(t, x, lw=0.6, label="espeak-ng")
    axes[1].plot(t, signal, lw=0.6, alpha=0.8, label="from |STFT| alone (fast GL)")
    axes[1].set(xlabel="s", title="waveforms (the phase, hence the shape, differs)", xlim=(0.35, 0.45))
    axes[1].legend(fontsize=8)
    figure.tight_layout()
    path = os.path.join(folder, "audio_griffin_lim.png")
    figure.savefig(path, dpi=110)
    print(f"wrote {path}")


def main(folder):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    os.makedirs(folder, exist_ok=True)
    digits = SpokenDigits(train=False)
    index = int(np.flatnonzero((digits.labels == 7) & (digits.speakers == "en-us+m3"))[0])
    x = digits.waveforms[index].astype(np.float64)
    check_dft_and_inverse(x)
    plot_windows(plt, folder)
    plot_features(plt, folder, x, "seven")
    griffin_lim_curves(plt, folder, x)


if __name__ == "__main__":
    main(
        sys.argv[1]
        if len(sys.argv) > 1
        else os.path.join(os.path.dirname(os.path.abspath(__file__)), "output")
    )
