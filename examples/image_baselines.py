"""The classical baselines a learned image-to-image model must beat, on the held-out photographs.

    python examples/image_baselines.py [output_folder] [--scales 2 3] [--sigmas 15 25 50] [--seed 0]

Super-resolution (the papers' protocol, ``mathdl.vision.superresolution``): the luminance Y of each
held-out photograph is shrunk by s = 2, 3 (antialiased bicubic), enlarged back by nearest,
bilinear and bicubic interpolation (PyTorch's a = −0.75 and PIL's/MATLAB's a = −0.5), and scored by
PSNR and SSIM on Y with s border pixels shaved.

Denoising (grey, as Zhang et al. 2017's DnCNN table): white Gaussian noise of σ = 15, 25, 50 (on the
0-255 scale, one fixed seed) removed by the Fourier Wiener filter knowing σ and by the best-σ
Gaussian filter and FFT Gaussian low-pass (σ chosen per image to maximise PSNR: oracles).

Prints the tables, writes ``image_baselines.json`` and the figures ``image_baselines_sr.png`` (a crop:
ground truth, nearest, bicubic), ``image_baselines_denoise.png`` and ``image_baselines_kernels.png``
(the interpolation kernels) into the output folder (default examples/output/).
"""

import argparse
import json
import os

import numpy as np

from mathdl.data import TEST_PHOTOGRAPHS, load_photograph
from mathdl.ops.resampling import interpolate
from mathdl.train.history import write_text_atomic
from mathdl.vision.denoise import best_sigma, fft_lowpass, gaussian_filter, wiener_filter
from mathdl.vision.metrics import psnr
from mathdl.vision.superresolution import bicubic_downscale, bicubic_upscale, modcrop, sr_scores

UPSCALERS = {
    "nearest": lambda low, s: interpolate(low[None, None], scale_factor=s, mode="nearest").array[0, 0],
    "bilinear": lambda low, s: interpolate(low[None, None], scale_factor=s, mode="bilinear").array[0, 0],
    "bicubic a=-0.75 (PyTorch)": lambda low, s: bicubic_upscale(low, s),
    "bicubic a=-0.5 (PIL/MATLAB)": lambda low, s: bicubic_upscale(low, s, antialias=True),
}


def super_resolution_table(scales):
    """{scale: {method: {image: {"psnr", "ssim"}, "mean": {...}}}} and the images for the figure."""
    results, shown = {}, {}
    for s in scales:
        results[s] = {method: {} for method in UPSCALERS}
        for name in TEST_PHOTOGRAPHS:
            high = modcrop(load_photograph(name, mode="y", layout="hwc", dtype=np.float64), s)
            low = bicubic_downscale(high, s)
            for method, upscale in UPSCALERS.items():
                estimate = upscale(low, s)
                results[s][method][name] = sr_scores(high, estimate, s)
                shown[(s, name, method)] = estimate
            shown[(s, name, "truth")] = high
        for method in UPSCALERS:
            scores = list(results[s][method].values())
            results[s][method]["mean"] = {
                key: float(np.mean([v[key] for v in scores])) for key in ("psnr", "ssim")
            }
    return results, shown


def denoising_table(sigmas, seed):
    """{sigma: {method: {image: psnr, "mean": psnr}}} on the grey held-out photographs."""
    rng = np.random.default_rng(seed)
    results, shown = {}, {}
    for sigma in sigmas:
        rows = {
            "noisy": {},
            "Gaussian filter, best σ": {},
            "FFT low-pass, best σ": {},
            "Wiener (σ known)": {},
        }
        for name in TEST_PHOTOGRAPHS:
            clean = load_photograph(name, mode="grey", layout="hwc", dtype=np.float64)
            noisy = clean + sigma / 255.0 * rng.standard_normal(clean.shape)
            wiener = wiener_filter(noisy, sigma / 255.0)
            width, rows["Gaussian filter, best σ"][name], blurred = best_sigma(gaussian_filter, noisy, clean)
            _, rows["FFT low-pass, best σ"][name], _ = best_sigma(fft_lowpass, noisy, clean)
            rows["noisy"][name] = psnr(clean, noisy, data_range=1.0)
            rows["Wiener (σ known)"][name] = psnr(clean, wiener, data_range=1.0)
            shown[(sigma, name)] = (clean, noisy, blurred, wiener, width)
        for row in rows.values():
            row["mean"] = float(np.mean(list(row.values())))
        results[sigma] = rows
    return results, shown


def print_tables(sr, denoise):
    names = list(TEST_PHOTOGRAPHS)
    print("\nSuper-resolution on Y, held-out photographs (PSNR dB / SSIM, borders shaved by the scale)")
    print(f"{'scale  method':<36}" + "".join(f"{n:>17}" for n in names + ["mean"]))
    for s, methods in sr.items():
        for method, scores in methods.items():
            cells = "".join(f"{scores[n]['psnr']:>9.2f} / {scores[n]['ssim']:.3f}" for n in names + ["mean"])
            print(f"x{s}     {method:<29}{cells}")
    print("\nDenoising, grey held-out photographs (PSNR dB)")
    print(f"{'sigma  method':<36}" + "".join(f"{n:>11}" for n in names + ["mean"]))
    for sigma, rows in denoise.items():
        for method, scores in rows.items():
            print(f"{sigma:<7}{method:<29}" + "".join(f"{scores[n]:>11.2f}" for n in names + ["mean"]))


def sr_figure(shown, scale, path):
    import matplotlib.pyplot as plt

    crops = {"astronaut": (slice(60, 160), slice(180, 280)), "chelsea": (slice(80, 180), slice(130, 230))}
    methods = ["truth", "nearest", "bicubic a=-0.75 (PyTorch)"]
    figure, axes = plt.subplots(len(crops), len(methods), figsize=(3 * len(methods), 3 * len(crops)))
    for row, (name, window) in enumerate(crops.items()):
        for column, method in enumerate(methods):
            axes[row, column].imshow(shown[(scale, name, method)][window], cmap="gray", vmin=0, vmax=1)
            axes[row, column].set_title(
                f"{name}: {method}" if method != "truth" else f"{name}: ground truth", fontsize=9
            )
            axes[row, column].axis("off")
    figure.suptitle(f"×{scale} from antialiased-bicubic low-resolution Y (crops)")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def denoise_figure(shown, sigma, path):
    import matplotlib.pyplot as plt

    clean, noisy, blurred, wiener, width = shown[(sigma, "camera")]
    window = (slice(40, 240), slice(150, 350))
    panels = [
        ("clean", clean),
        (f"noisy σ={sigma}: {psnr(clean, noisy, 1.0):.2f} dB", noisy),
        (f"Gaussian best σ={width:.2f}: {psnr(clean, blurred, 1.0):.2f} dB", blurred),
        (f"Wiener: {psnr(clean, wiener, 1.0):.2f} dB", wiener),
    ]
    figure, axes = plt.subplots(1, 4, figsize=(12, 3.3))
    for axis, (title, image) in zip(axes, panels):
        axis.imshow(np.clip(image[window], 0, 1), cmap="gray", vmin=0, vmax=1)
        axis.set_title(title, fontsize=9)
        axis.axis("off")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def kernel_figure(path):
    """The 1-D interpolation kernels as functions of the distance to the sample (from the tables)."""
    import matplotlib.pyplot as plt

    from mathdl.ops.resampling import cubic_convolution_weights

    t = np.linspace(0, 1, 201)[:-1]  # fractional offsets; taps sit at distances 1 + t, t, 1 − t, 2 − t
    distances = np.concatenate([-(1 + t), -t, 1 - t, 2 - t])
    figure, axis = plt.subplots(figsize=(6.5, 3.6))
    for a, style in ((-0.75, "-"), (-0.5, "--")):
        weights = cubic_convolution_weights(t, a).T.ravel()
        order = np.argsort(distances)
        axis.plot(distances[order], weights[order], style, label=f"cubic, a = {a}")
    x = np.linspace(-2, 2, 401)
    axis.plot(x, np.maximum(1 - np.abs(x), 0), ":", label="linear (tent)")
    axis.plot(x, ((x >= -0.5) & (x < 0.5)).astype(float), color="grey", lw=0.8, label="nearest (box)")
    axis.axhline(0, color="black", lw=0.5)
    axis.set_xlabel("distance from the output position (input pixels)")
    axis.set_ylabel("weight")
    axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", default=os.path.join("examples", "output"))
    parser.add_argument("--scales", type=int, nargs="+", default=[2, 3])
    parser.add_argument("--sigmas", type=float, nargs="+", default=[15, 25, 50])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    sr, sr_shown = super_resolution_table(args.scales)
    denoise, denoise_shown = denoising_table(args.sigmas, args.seed)
    print_tables(sr, denoise)
    os.makedirs(args.output, exist_ok=True)
    record = {
        "super_resolution": {str(s): methods for s, methods in sr.items()},
        "denoising": {f"{sigma:g}": rows for sigma, rows in denoise.items()},
        "test_photographs": list(TEST_PHOTOGRAPHS),
        "seed": args.seed,
    }
    write_text_atomic(os.path.join(args.output, "image_baselines.json"), json.dumps(record, indent=2))
    try:
        import matplotlib

        matplotlib.use("Agg")
    except ImportError:
        print("matplotlib is not installed: no figures (pip install mathdl[plot])")
        return record
    paths = [
        os.path.join(args.output, f"image_baselines_{what}.png") for what in ("sr", "denoise", "kernels")
    ]
    sr_figure(sr_shown, max(args.scales), paths[0])
    denoise_figure(denoise_shown, args.sigmas[len(args.sigmas) // 2], paths[1])
    kernel_figure(paths[2])
    for path in paths:
        print(f"wrote {path}")
    return record


if __name__ == "__main__":
    main()
