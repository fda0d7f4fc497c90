"""Bayesian optimisation against random and grid search on synthetic objectives with known optima.

Objectives (scores to maximise, optimum known):
  branin     −Branin(x₁, x₂) on [−5, 10] × [0, 15]; optimum −0.397887 (three maximisers)
  hartmann6  −Hartmann-6 on [0, 1]⁶; optimum 3.32237
  mixed      a learning-rate-like objective over a log-uniform, an integer and a choice:
             −(log₁₀ lr + 2.5)² − ((width − 48)/32)² − 0.5·1[act ≠ 'tanh'];  optimum 0

Each strategy gets the same number of evaluations; over ``--seeds`` seeds the script reports the
best score reached (mean ± std), the regret (optimum − best), and the evaluations needed to come
within ``tolerance`` of the optimum (a run that never does counts budget + 1), and draws the
median regret curves. Grid search has one deterministic run (its points are fixed).

    OPENBLAS_NUM_THREADS=1 python examples/search_comparison.py [OUTPUT_DIR] [--seeds 10] [--replot]
"""

import argparse
import json
import math
import os
import time

import numpy as np

from mathdl import tune
from mathdl.tune.results import write_text_atomic

HARTMANN_A = np.array(
    [
        [10, 3, 17, 3.5, 1.7, 8],
        [0.05, 10, 17, 0.1, 8, 14],
        [3, 3.5, 1.7, 10, 17, 8],
        [17, 8, 0.05, 10, 0.1, 14],
    ]
)
HARTMANN_P = 1e-4 * np.array(
    [
        [1312, 1696, 5569, 124, 8283, 5886],
        [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650],
        [4047, 8828, 8732, 5743, 1091, 381],
    ]
)
HARTMANN_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])


def branin(params, budget=None):
    x1, x2 = params["x1"], params["x2"]
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return -((x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10)


def hartmann6(params, budget=None):
    x = np.array([params[f"x{i}"] for i in range(6)])
    return float(HARTMANN_ALPHA @ np.exp(-(HARTMANN_A * (x - HARTMANN_P) ** 2).sum(axis=1)))


def mixed(params, budget=None):
    return (
        -((math.log10(params["lr"]) + 2.5) ** 2)
        - ((params["width"] - 48) / 32) ** 2
        - 0.5 * (params["act"] != "tanh")
    )


PROBLEMS = {
    "branin": (branin, {"x1": tune.Uniform(-5, 10), "x2": tune.Uniform(0, 15)}, -0.397887, 0.1, 30, 6),
    "hartmann6": (hartmann6, {f"x{i}": tune.Uniform(0, 1) for i in range(6)}, 3.32237, 0.3, 40, 2),
    "mixed": (
        mixed,
        {
            "lr": tune.LogUniform(1e-5, 1e-1),
            "width": tune.IntUniform(8, 256),
            "act": ["relu", "tanh", "gelu"],
        },
        0.0,
        0.05,
        30,
        3,
    ),
}


def evaluations_to_reach(curve, threshold):
    hits = np.flatnonzero(curve >= threshold)
    return int(hits[0]) + 1 if hits.size else len(curve) + 1


def compare(name, seeds):
    objective, space, optimum, tolerance, budget, grid_points = PROBLEMS[name]
    curves, seconds = {"random": [], "bayesian": []}, {"random": 0.0, "bayesian": 0.0}
    for seed in range(seeds):
        for strategy, search in (
            ("random", tune.RandomSearch(space, n_trials=budget, seed=seed)),
            ("bayesian", tune.BayesianOptimization(space, n_trials=budget, seed=seed)),
        ):
            start = time.perf_counter()
            curves[strategy].append(search.run(objective).best_so_far())
            seconds[strategy] += time.perf_counter() - start
    grid = tune.GridSearch(space, points=grid_points).run(objective).best_so_far()
    curves["grid"] = [
        grid[:budget] if len(grid) >= budget else np.r_[grid, np.full(budget - len(grid), grid[-1])]
    ]
    rows = {}
    for strategy, runs in curves.items():
        runs = np.array(runs)
        reach = [evaluations_to_reach(run, optimum - tolerance) for run in runs]
        rows[strategy] = {
            "best_mean": float(runs[:, -1].mean()),
            "best_std": float(runs[:, -1].std()),
            "regret_mean": float(optimum - runs[:, -1].mean()),
            "evaluations_to_tolerance_mean": float(np.mean(reach)),
            "reached_tolerance": f"{sum(r <= budget for r in reach)}/{len(reach)}",
            "seconds_per_run": seconds.get(strategy, 0.0) / seeds if strategy != "grid" else None,
        }
    return curves, rows, optimum, tolerance, budget


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output_dir", nargs="?", default=os.path.join("examples", "output"))
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--replot", action="store_true", help="redraw from the JSON a previous run wrote")
    args = parser.parse_args()
    os.makedirs(args.output_dir, exist_ok=True)
    path = os.path.join(args.output_dir, "search_comparison.json")
    if args.replot:
        with open(path) as stream:
            for name, entry in json.load(stream).items():
                figure = os.path.join(args.output_dir, f"search_{name}.png")
                print(
                    f"wrote {tune.plot_search_comparison(entry['curves'], figure, optimum=PROBLEMS[name][2])}"
                )
        return
    report = {}
    for name in PROBLEMS:
        curves, rows, optimum, tolerance, budget = compare(name, args.seeds)
        report[name] = {**rows, "curves": {k: np.asarray(v).tolist() for k, v in curves.items()}}
        print(f"\n{name}: optimum {optimum}, {budget} evaluations, {args.seeds} seeds, tolerance {tolerance}")
        print(
            f"  {'strategy':<9} {'best (mean ± std)':>20} {'regret':>9} {'evals to tol':>13} {'reached':>8}"
        )
        for strategy, row in rows.items():
            print(
                f"  {strategy:<9} {row['best_mean']:>11.4f} ± {row['best_std']:<6.4f} {row['regret_mean']:>9.4f} "
                f"{row['evaluations_to_tolerance_mean']:>13.1f} {row['reached_tolerance']:>8}"
            )
        figure = os.path.join(args.output_dir, f"search_{name}.png")
        print(f"  wrote {tune.plot_search_comparison(curves, figure, optimum=optimum)}")
    write_text_atomic(path, json.dumps(report, indent=2) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
