"""The law of large numbers, the central limit theorem, and the distributions of mathdl.stats.

    python examples/math_probability.py [OUTPUT_DIR]      (default examples/output/)

Writes probability_lln.png, probability_clt.png and probability_distributions.png.
"""

import os
import sys

import numpy as np

import mathdl as md
from mathdl import stats

f64 = np.float64


def main(output_dir):
    md.manual_seed(0)
    laws = {
        "Bernoulli(0.3)": stats.Bernoulli(probs=f64(0.3)),
        "Exponential(0.5)": stats.Exponential(f64(0.5)),
        "Pareto(1, 2.5)": stats.Pareto(f64(1.0), f64(2.5)),
        "Poisson(4)": stats.Poisson(f64(4.0)),
    }
    paths = {}
    for name, law in laws.items():
        path = stats.running_mean(law.sample((20_000,)))
        paths[name] = (path, float(law.mean.array))
        print(f"LLN {name}: mean after 20 000 draws {path[-1]:.4f}, expected {float(law.mean.array):.4f}")
    sizes = (1, 2, 10, 50)
    clt = {n: stats.standardized_means(stats.Exponential(f64(1.0)), n, 20_000) for n in sizes}
    for n, z in clt.items():
        print(
            f"CLT n={n:>2}: standardized means have mean {z.mean():+.3f}, variance {z.var():.3f}, "
            f"skewness {float(np.asarray(stats.skewness(z))):.3f} (2/√n = {2 / np.sqrt(n):.3f})"
        )
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed (pip install 'mathdl[plot]'): no figures written")
        return
    os.makedirs(output_dir, exist_ok=True)

    fig, axes = plt.subplots(2, 2, figsize=(8, 5), sharex=True)
    for ax, (name, (path, mean)) in zip(axes.ravel(), paths.items()):
        n = np.arange(1, len(path) + 1)
        ax.semilogx(n, path, linewidth=1)
        ax.axhline(mean, color="C3", linestyle="--")
        ax.set_title(name, fontsize=9)
    fig.suptitle("Law of large numbers: running means approach E[X]")
    path = os.path.join(output_dir, "probability_lln.png")
    fig.savefig(path, dpi=80, bbox_inches="tight")
    print(f"wrote {path}")

    fig, axes = plt.subplots(1, len(sizes), figsize=(11, 3), sharey=True)
    grid = np.linspace(-4, 4, 200)
    normal = np.asarray(stats.Normal(f64(0.0), f64(1.0)).pdf(grid))
    for ax, n in zip(axes, sizes):
        ax.hist(clt[n], bins=80, range=(-4, 4), density=True, alpha=0.6)
        ax.plot(grid, normal, color="C3")
        ax.set_title(f"n = {n}", fontsize=9)
    fig.suptitle("Central limit theorem: √n(x̄ − μ)/σ of Exponential(1) samples vs N(0, 1)")
    path = os.path.join(output_dir, "probability_clt.png")
    fig.savefig(path, dpi=80, bbox_inches="tight")
    print(f"wrote {path}")

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.5))
    x = np.linspace(-4, 6, 400)
    for name, law in [
        ("Normal(0, 1)", stats.Normal(f64(0.0), f64(1.0))),
        ("Laplace(0, 1)", stats.Laplace(f64(0.0), f64(1.0))),
        ("Uniform(-1, 2)", stats.Uniform(f64(-1.0), f64(2.0))),
        ("Exponential(1)", stats.Exponential(f64(1.0))),
        ("Pareto(1, 3)", stats.Pareto(f64(1.0), f64(3.0))),
    ]:
        left.plot(x, np.asarray(law.pdf(x)), label=name)
    left.set_ylim(0, 1.5)
    left.legend(fontsize=8)
    left.set_title("densities")
    k = np.arange(0, 16)
    for i, (name, law) in enumerate(
        [("Binomial(10, 0.4)", stats.Binomial(10, f64(0.4))), ("Poisson(4)", stats.Poisson(f64(4.0)))]
    ):
        right.bar(k + 0.4 * i, np.asarray(law.pmf(k)), width=0.4, label=name)
    right.legend(fontsize=8)
    right.set_title("mass functions")
    path = os.path.join(output_dir, "probability_distributions.png")
    fig.savefig(path, dpi=80, bbox_inches="tight")
    print(f"wrote {path}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join("examples", "output"))
