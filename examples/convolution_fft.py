"""Convolution three ways: the textbook sum, cross-correlation (what conv2d computes), and the FFT.

    python examples/convolution_fft.py [output_folder]       (default examples/output/)

1. The 2-D convolution of an image x with a kernel k,
       (x * k)[i, j] = Σ_{u,v} x[i − u, j − v] · k[u, v],
   written as loops, equals ``conv2d`` (a cross-correlation, y[i, j] = Σ x[i + u, j + v] k[u, v])
   applied with the kernel rotated by 180° and "full" padding kh − 1: deep learning's "convolution"
   is correlation, and the two differ only by that flip (for learned kernels the flip is irrelevant).
2. The convolution theorem: the DFT turns circular convolution into a pointwise product,
       DFT(x ⊛ k) = DFT(x) · DFT(k),
   so x * k = IDFT(DFT(x_pad) · DFT(k_pad)) once both are zero-padded to (H + kh − 1, W + kw − 1)
   (the padding stops the circular wrap-around). Checked numerically against both of the above.
3. The cost: im2col + GEMM costs O(H·W·kh·kw) per channel pair, the FFT O(H·W·log(H·W)), so the FFT
   wins for large kernels; the script times both for growing kernel sizes.

Writes ``convolution_fft.png`` (image, kernel, the three results and their differences, and the
timings) and prints the maximum differences (all at float64 rounding level, ~1e-13).
"""

import os
import sys
import time

import numpy as np

from mathdl.ops.convolution import conv2d


def convolve_direct(x, k):
    """Full 2-D convolution by the definition (loops over the kernel; x (H, W), k (kh, kw))."""
    h, w = x.shape
    kh, kw = k.shape
    out = np.zeros((h + kh - 1, w + kw - 1))
    for u in range(kh):
        for v in range(kw):
            out[u : u + h, v : v + w] += k[u, v] * x  # x[i − u, j − v] k[u, v] summed over (u, v)
    return out


def convolve_as_correlation(x, k):
    """Full convolution as conv2d (cross-correlation) with the kernel rotated by 180°."""
    kh, kw = k.shape
    y = conv2d(x[None, None], np.ascontiguousarray(k[::-1, ::-1])[None, None], padding=(kh - 1, kw - 1))
    return y.array[0, 0]


def convolve_fft(x, k):
    """Full convolution by the convolution theorem: zero-pad both, multiply the DFTs, invert."""
    shape = (x.shape[0] + k.shape[0] - 1, x.shape[1] + k.shape[1] - 1)
    return np.fft.irfft2(np.fft.rfft2(x, shape) * np.fft.rfft2(k, shape), shape)


def timings(sizes, image_size=128, repeats=3):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((image_size, image_size))
    rows = []
    for size in sizes:
        k = rng.standard_normal((size, size))
        row = [size]
        for method in (convolve_as_correlation, convolve_fft):
            best = float("inf")
            for _ in range(repeats):
                start = time.perf_counter()
                method(x, k)
                best = min(best, time.perf_counter() - start)
            row.append(best)
        rows.append(row)
    return rows


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    folder = argv[0] if argv else os.path.join("examples", "output")
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:48, 0:48]
    image = ((np.abs(xx - 24) < 12) & (np.abs(yy - 24) < 12)).astype(np.float64)  # a bright square
    image += 0.1 * rng.standard_normal(image.shape)
    kernel = rng.standard_normal((5, 7))  # asymmetric: the flip matters

    direct = convolve_direct(image, kernel)
    correlation = convolve_as_correlation(image, kernel)
    fft = convolve_fft(image, kernel)
    unflipped = conv2d(image[None, None], kernel[None, None], padding=(4, 6)).array[0, 0]
    errors = {
        "|direct − conv2d(flipped kernel)|": np.abs(direct - correlation).max(),
        "|direct − FFT|": np.abs(direct - fft).max(),
        "|direct − conv2d(unflipped kernel)| (correlation ≠ convolution)": np.abs(direct - unflipped).max(),
    }
    for name, value in errors.items():
        print(f"max {name}: {value:.3g}")
    assert errors["|direct − conv2d(flipped kernel)|"] < 1e-10 and errors["|direct − FFT|"] < 1e-10

    # The theorem itself, on circular convolution: DFT(x ⊛ k) = DFT(x) · DFT(k).
    small = rng.standard_normal((8, 8))
    small_kernel = np.zeros((8, 8))
    small_kernel[:3, :3] = rng.standard_normal((3, 3))
    circular = np.zeros((8, 8))
    for u in range(8):
        for v in range(8):
            circular += small_kernel[u, v] * np.roll(small, (u, v), axis=(0, 1))
    theorem = np.abs(np.fft.fft2(circular) - np.fft.fft2(small) * np.fft.fft2(small_kernel)).max()
    print(f"max |DFT(x ⊛ k) − DFT(x)·DFT(k)| on an 8×8 circular convolution: {theorem:.3g}")

    rows = timings([3, 7, 15, 31])
    print("kernel  im2col+GEMM ms  FFT ms   (128×128 image, float64)")
    for size, gemm, fourier in rows:
        print(f"{size:4d}×{size:<3d} {gemm * 1e3:12.2f} {fourier * 1e3:8.2f}")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(2, 4, figsize=(13, 6.5))
    panels = [
        (image, "image x"),
        (kernel, "kernel k (5×7)"),
        (direct, "x * k by the sum"),
        (fft, "x * k by the FFT"),
        (unflipped, "conv2d(x, k): correlation"),
        (direct - correlation, "sum − conv2d(rot180 k)"),
        (direct - fft, "sum − FFT"),
    ]
    for axis, (data, title) in zip(axes.flat, panels):
        shown = axis.imshow(data, cmap="RdBu_r" if "−" in title else "gray")
        axis.set_title(title, fontsize=9)
        axis.axis("off")
        figure.colorbar(shown, ax=axis, fraction=0.046)
    axis = axes.flat[-1]
    sizes = [r[0] for r in rows]
    axis.plot(sizes, [r[1] * 1e3 for r in rows], marker="o", label="im2col + GEMM")
    axis.plot(sizes, [r[2] * 1e3 for r in rows], marker="s", label="FFT")
    axis.set_xlabel("kernel size")
    axis.set_ylabel("ms (128×128)")
    axis.legend(fontsize=8)
    axis.set_title("cost", fontsize=9)
    figure.tight_layout()
    path = os.path.join(folder, "convolution_fft.png")
    figure.savefig(path, dpi=110)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
