"""Hyper-parameter search on a real search space: random search vs Bayesian optimisation (GP-EI) vs
successive halving, same training budget, several seeds (``mathdl.tune``).

Model: the MLP of ``mathdl.models`` on the first ``--limit`` images of the shipped Fashion-MNIST
subset, scored by stratified 3-fold cross-validation (``tune.cross_validation_objective``: the
same folds and initial draws for every configuration). Space:

    lr            log-uniform [1e-4, 1e-1]   (Adam)
    hidden        integer, log-uniform [16, 512]
    activation    relu | tanh
    weight_decay  log-uniform [1e-6, 1e-2]

Budget: the number of training epochs summed over trials (each trial trains k models):
random search and Bayesian optimisation run ``--trials`` trials of ``--epochs`` epochs;
successive halving starts n configurations at 1 epoch and promotes the best half (η = 2) to
2, then 4 epochs, n chosen so that its epochs add up to the same total. A strategy's result is
the best mean cross-validated accuracy among its trials at the full number of epochs.

    OPENBLAS_NUM_THREADS=1 nice -n 10 python examples/tricks_search.py [OUT] [--seeds 3] [--replot]
"""

import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import tricks_common as common  # noqa: E402

from mathdl import models, tune  # noqa: E402
from mathdl.data import TensorDataset  # noqa: E402

STRATEGIES = ("random", "bayesian", "halving")


def space():
    return tune.SearchSpace(
        {
            "lr": tune.LogUniform(1e-4, 1e-1),
            "hidden": tune.IntUniform(16, 512, log=True),
            "activation": ["relu", "tanh"],
            "weight_decay": tune.LogUniform(1e-6, 1e-2),
            "batch_size": 64,
        }
    )


def build_mlp(params):
    return models.build("mlp", hidden=[int(params["hidden"])], activation=params["activation"])


def halving_trials(trials, epochs):
    """n for successive halving (η = 2, budgets 1, 2, … epochs) spending ≈ trials · epochs epochs."""
    rungs = int(np.log2(epochs)) + 1
    best = 1
    for n in range(1, 10 * trials):
        spent = sum((n // 2**i) * 2**i for i in range(rungs))
        if spent <= trials * epochs:
            best = n
    return best


def make_search(strategy, seed, args):
    if strategy == "random":
        return tune.RandomSearch(space(), n_trials=args.trials, budget=args.epochs, seed=seed)
    if strategy == "bayesian":
        return tune.BayesianOptimization(space(), n_trials=args.trials, budget=args.epochs, seed=seed)
    n = halving_trials(args.trials, args.epochs)
    return tune.SuccessiveHalving(space(), n_trials=n, min_budget=1, max_budget=args.epochs, eta=2, seed=seed)


def summarise(results, epochs):
    """Best-so-far curve against the epochs spent, counting only full-budget trials as results."""
    spent, best, curve = 0, -np.inf, []
    for trial in results.trials:
        spent += int(trial.budget) * trial.scores.size
        if int(trial.budget) == epochs:
            best = max(best, trial.mean)
        curve.append((spent, best if np.isfinite(best) else None))
    full = [t for t in results.trials if int(t.budget) == epochs]
    top = max(full, key=lambda t: t.mean)
    return {
        "best": top.mean,
        "best_std": top.std,
        "best_params": {k: (v.item() if hasattr(v, "item") else v) for k, v in top.params.items()},
        "trials": len(results.trials),
        "epochs_spent": spent,
        "curve": curve,
    }


def run(args):
    (x, y), _ = common.load_subset(args.limit)
    objective = tune.cross_validation_objective(build_mlp, TensorDataset(x, y), folds=3, seed=0)
    runs = {s: [] for s in STRATEGIES}
    for seed in range(args.seeds):
        for strategy in STRATEGIES:
            with common.Timer() as timer:
                results = make_search(strategy, seed, args).run(objective)
            summary = summarise(results, args.epochs)
            summary["seconds"] = timer.seconds
            runs[strategy].append(summary)
            print(
                f"{strategy:>9} seed {seed}: best {summary['best']:.4f} {summary['best_params']} ({timer.seconds:.0f} s)",
                flush=True,
            )
    return runs


def table(runs, args):
    header = [
        "strategy",
        "trials",
        "epochs spent (×3 folds)",
        *(f"seed {s}" for s in range(args.seeds)),
        "best 3-fold accuracy, mean ± std",
        "wall time / search",
    ]
    rows = []
    names = {
        "random": "random search",
        "bayesian": "Bayesian optimisation (GP-EI)",
        "halving": "successive halving (η = 2)",
    }
    for strategy in STRATEGIES:
        summaries = runs[strategy]
        best = [s["best"] for s in summaries]
        rows.append(
            [
                names[strategy],
                summaries[0]["trials"],
                summaries[0]["epochs_spent"] // 3,
                *(f"{b:.4f}" for b in best),
                common.mean_std(best),
                f"{np.mean([s['seconds'] for s in summaries]):.0f} s",
            ]
        )
    best_overall = max((s for v in runs.values() for s in v), key=lambda s: s["best"])
    return (
        f"MLP (one hidden layer) on the first {args.limit} subset images, stratified 3-fold cross-validation; "
        f"random and Bayesian: {args.trials} trials of {args.epochs} epochs; successive halving: budgets 1, 2, "
        f"…, {args.epochs} epochs. Best configuration found: {best_overall['best_params']} "
        f"({best_overall['best']:.4f}).\n\n" + common.markdown_table(header, rows)
    )


def plot(runs, args, folder):
    """Median (and 25–75 % band over seeds) of the best full-budget score against epochs spent."""
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7, 4.2))
    for strategy, colour in zip(STRATEGIES, ("tab:grey", "tab:blue", "tab:orange")):
        curves = [summary["curve"] for summary in runs[strategy]]
        spent = np.array([e for e, _ in curves[0]]) / 3
        values = np.array([[np.nan if b is None else b for _, b in curve] for curve in curves])
        keep = ~np.isnan(values).any(axis=0)
        low, median, high = np.percentile(values[:, keep], [25, 50, 75], axis=0)
        axis.step(spent[keep], median, where="post", color=colour, label=f"{strategy} (median)")
        axis.fill_between(spent[keep], low, high, step="post", color=colour, alpha=0.2)
    axis.set(xlabel="training epochs spent (per fold)", ylabel="best 3-fold accuracy at full budget")
    axis.set_title(f"search comparison, {args.seeds} seeds each (band: 25–75 %)")
    axis.grid(alpha=0.3)
    axis.legend()
    return common.save_figure(figure, folder, "search.png")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--trials", type=int, default=16)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--limit", type=int, default=2000)
    parser.add_argument("--replot", action="store_true")
    args = parser.parse_args()
    folder = common.output_dir(args.output, "tricks")
    if args.replot:
        with open(os.path.join(folder, "search.json")) as handle:
            stored = json.load(handle)
        runs, args = stored["runs"], argparse.Namespace(**stored["args"])
    else:
        print(common.machine_load(), flush=True)
        runs = run(args)
        common.write_report(folder, "search.json", json.dumps({"runs": runs, "args": vars(args)}, indent=1))
        print(common.machine_load())
    text = table(runs, args)
    print(text)
    common.write_report(folder, "search.md", text)
    plot(runs, args, folder)


if __name__ == "__main__":
    main()
