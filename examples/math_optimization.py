"""Optimiser trajectories on contour plots: Rosenbrock's valley, an ill-conditioned quadratic
(steepest descent's zigzag vs conjugate gradients vs Newton), and a constrained problem solved by
Lagrange/KKT Newton and the augmented Lagrangian.

    python examples/math_optimization.py [OUTPUT_DIR]      (default examples/output/)

Writes optimization_rosenbrock.png, optimization_quadratic.png and optimization_constrained.png.
"""

import os
import sys

import numpy as np

import mathdl as md
from mathdl import optimize


def run_rosenbrock():
    x0 = np.array([-1.2, 1.0])
    runs = {
        "steepest (Wolfe)": optimize.minimize(optimize.rosenbrock, x0, method="steepest", maxiter=3000),
        "momentum": optimize.minimize(
            optimize.rosenbrock, x0, method="momentum", options={"lr": 1e-3, "momentum": 0.9}, maxiter=3000
        ),
        "cg": optimize.minimize(optimize.rosenbrock, x0, method="cg"),
        "bfgs": optimize.minimize(optimize.rosenbrock, x0, method="bfgs"),
        "lbfgs": optimize.minimize(optimize.rosenbrock, x0, method="lbfgs"),
        "newton": optimize.minimize(optimize.rosenbrock, x0, method="newton"),
    }
    for name, result in runs.items():
        print(
            f"rosenbrock {name:>16}: {result.nit:>5} iterations, f = {result.fun:.2e}, x = {np.round(result.x, 6)}"
        )
    return runs


def run_quadratic():
    a, b = np.array([[10.0, 0.0], [0.0, 1.0]]), np.zeros(2)
    f = optimize.quadratic(a, b)
    x0 = np.array([1.0, 10.0])
    runs = {
        "steepest, exact steps": optimize.minimize(
            f, x0, method="steepest", options={"line_search": "exact"}
        ),
        "cg": optimize.minimize(f, x0, method="cg"),
        "newton": optimize.minimize(f, x0, method="newton"),
    }
    for name, result in runs.items():
        print(f"quadratic κ=10 {name:>22}: {result.nit:>3} iterations")
    return f, runs


def run_constrained():
    def f(x):
        return (x[0] - 2.0) ** 2 + (x[1] - 1.0) ** 2

    circle = {"type": "eq", "fun": lambda x: (x * x).sum() - 1.0}
    half_plane = {"type": "ineq", "fun": lambda x: x[0] - x[1] - 0.5}  # x − y ≥ ½
    runs = {
        "lagrange (x² + y² = 1)": optimize.minimize(
            f, np.array([0.3, -0.9]), method="lagrange", constraints=circle
        ),
        "augmented Lagrangian (+ x − y ≥ ½)": optimize.minimize(
            f, np.array([-1.0, 0.5]), method="augmented_lagrangian", constraints=[circle, half_plane]
        ),
    }
    for name, result in runs.items():
        print(
            f"{name}: x = {np.round(result.x, 6)}, multipliers {np.round(result.multipliers, 6)}, "
            f"{result.nit} iterations"
        )
    return f, runs


def _grid(f, xs, ys):
    xx, yy = np.meshgrid(xs, ys)
    points = np.stack([xx.ravel(), yy.ravel()], axis=1)
    with md.no_grad():
        zz = np.array([float(f(md.tensor(p))) for p in points]).reshape(xx.shape)
    return xx, yy, zz


def main(output_dir):
    rosenbrock_runs = run_rosenbrock()
    quadratic, quadratic_runs = run_quadratic()
    constrained_f, constrained_runs = run_constrained()
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed (pip install 'mathdl[plot]'): no figures written")
        return
    os.makedirs(output_dir, exist_ok=True)

    xx, yy, zz = _grid(optimize.rosenbrock, np.linspace(-2, 2, 120), np.linspace(-1, 3, 120))
    fig, ax = plt.subplots(figsize=(7, 6))
    ax.contour(xx, yy, np.log10(zz + 1e-3), levels=25, cmap="Greys", linewidths=0.6)
    for name, result in rosenbrock_runs.items():
        path = result.trajectory
        ax.plot(path[:, 0], path[:, 1], ".-", markersize=2, linewidth=1, label=f"{name} ({result.nit})")
    ax.plot(1, 1, "r*", markersize=12)
    ax.legend(fontsize=8)
    ax.set_title("Rosenbrock: trajectories from (−1.2, 1) (iterations)")
    path = os.path.join(output_dir, "optimization_rosenbrock.png")
    fig.savefig(path, dpi=80, bbox_inches="tight")
    print(f"wrote {path}")

    xx, yy, zz = _grid(quadratic, np.linspace(-2, 2, 100), np.linspace(-1, 11, 100))
    fig, ax = plt.subplots(figsize=(5, 6))
    ax.contour(xx, yy, zz, levels=20, cmap="Greys", linewidths=0.6)
    for name, result in quadratic_runs.items():
        ax.plot(
            result.trajectory[:, 0],
            result.trajectory[:, 1],
            "o-",
            markersize=3,
            label=f"{name} ({result.nit})",
        )
    ax.legend(fontsize=8)
    ax.set_title("½(10x² + y²): steepest descent zigzags")
    path = os.path.join(output_dir, "optimization_quadratic.png")
    fig.savefig(path, dpi=80, bbox_inches="tight")
    print(f"wrote {path}")

    xx, yy, zz = _grid(constrained_f, np.linspace(-1.5, 2.5, 100), np.linspace(-1.5, 1.5, 100))
    fig, ax = plt.subplots(figsize=(7, 5))
    ax.contour(xx, yy, zz, levels=20, cmap="Greys", linewidths=0.6)
    angle = np.linspace(0, 2 * np.pi, 200)
    ax.plot(np.cos(angle), np.sin(angle), "k-", linewidth=1.5, label="x² + y² = 1")
    line = np.linspace(-1.5, 2.5, 10)
    ax.plot(line, line - 0.5, "k--", linewidth=1, label="x − y = ½")
    for name, result in constrained_runs.items():
        ax.plot(result.trajectory[:, 0], result.trajectory[:, 1], "o-", markersize=3, label=name)
    ax.set_aspect("equal")
    ax.set_xlim(-1.5, 2.5)
    ax.set_ylim(-1.5, 1.5)
    ax.legend(fontsize=8)
    ax.set_title("min (x − 2)² + (y − 1)² on the circle")
    path = os.path.join(output_dir, "optimization_constrained.png")
    fig.savefig(path, dpi=80, bbox_inches="tight")
    print(f"wrote {path}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join("examples", "output"))
