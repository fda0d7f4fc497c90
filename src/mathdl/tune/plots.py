"""Figures of a search: the best score so far against the number of trials, and the score of every
trial against each hyper-parameter; the mean best-so-far curves of several strategies over seeds.
matplotlib is imported lazily (the ``plot`` extra); without it each function says so and returns None.
"""

import sys

import numpy as np

from mathdl.train.plots import _save


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        print("mathdl: matplotlib is not installed, so no figure was drawn", file=sys.stderr)
        return None
    if "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _numeric(values):
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return array if array.ndim == 1 else None


def plot_search(results, path):
    """Left: each trial's mean score (dots) and the best so far (line) by trial; then one panel per
    hyper-parameter: score against its value, coloured by trial (log axis when it spans more than
    two decades, categories as positions). Returns ``path``."""
    plt = _pyplot()
    if plt is None:
        return None
    table = results.cv_results_
    scores = np.asarray(table["mean_test_score"], dtype=np.float64)
    panels = 1 + len(results.names)
    figure, axes = plt.subplots(1, panels, figsize=(4.2 * panels, 3.6), squeeze=False)
    axis = axes[0, 0]
    trials = np.arange(1, len(scores) + 1)
    axis.plot(trials, scores, ".", color="0.6", label="trial")
    axis.plot(trials, results.best_so_far(), "-", color="C0", label="best so far")
    axis.set(xlabel="trial", ylabel="mean test score", title=results.strategy)
    axis.legend(loc="lower right")
    for axis, name in zip(axes[0, 1:], results.names):
        values = table[f"param_{name}"]
        numeric = _numeric(values)
        if numeric is None:
            labels = sorted({repr(v) for v in values})
            positions = np.array([labels.index(repr(v)) for v in values], dtype=np.float64)
            axis.set_xticks(range(len(labels)), labels)
        else:
            positions = numeric
            if np.all(numeric > 0) and numeric.max() > 100 * numeric.min():
                axis.set_xscale("log")
        dots = axis.scatter(positions, scores, c=trials, cmap="viridis", s=18)
        axis.set(xlabel=name, ylabel="mean test score")
    if results.names:
        figure.colorbar(dots, ax=axes[0, -1], label="trial")
    figure.tight_layout()
    return _save(figure, path, plt)


def plot_search_comparison(curves, path, optimum=None, ylabel="best score so far"):
    """``curves``: {strategy name: array (seeds, trials) of best-so-far scores}; draws each strategy's
    median over seeds with the band between the 25th and 75th percentiles. With a known ``optimum``
    the regret optimum − best so far is drawn instead, on a log axis (floored at 1e-6). Returns ``path``."""
    if not curves:
        raise ValueError("plot_search_comparison: no curves given")
    plt = _pyplot()
    if plt is None:
        return None
    figure, axis = plt.subplots(figsize=(6, 4))
    for name, runs in curves.items():
        runs = np.atleast_2d(np.asarray(runs, dtype=np.float64))
        if optimum is not None:
            runs = np.maximum(optimum - runs, 1e-6)
        trials = np.arange(1, runs.shape[1] + 1)
        low, median, high = np.percentile(runs, [25, 50, 75], axis=0)
        seeds = runs.shape[0]
        axis.plot(trials, median, label=f"{name} (median of {seeds} seed{'s' if seeds > 1 else ''})")
        axis.fill_between(trials, low, high, alpha=0.2)
    if optimum is not None:
        axis.set_yscale("log")
        ylabel = "regret: optimum − best so far"
    axis.set(xlabel="evaluations", ylabel=ylabel)
    axis.legend(loc="best")
    figure.tight_layout()
    return _save(figure, path, plt)
