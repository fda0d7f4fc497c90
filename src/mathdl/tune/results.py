"""The record of a search: one row per evaluation, as scikit-learn's ``cv_results_``.

A trial is one call ``objective(params, budget)``; its score is a number or a 1-D sequence of
per-split scores (k-fold cross-validation), higher is better. Columns of ``cv_results_``:

    params                 the parameter dicts
    param_<name>           one column per hyper-parameter
    budget                 the budget the trial was given (None for un-budgeted searches)
    split<i>_test_score    the per-split scores, when every trial has the same number of splits
    mean_test_score        (1/k) Σ_i s_i
    std_test_score         √((1/k) Σ_i (s_i − mean)²)   (population std, as scikit-learn)
    rank_test_score        1 = best; ordered by (budget, mean) so a trial that reached a larger
                           budget ranks above any trial stopped earlier (scikit-learn's halving
                           searches do the same); ties share the smaller rank; NaN scores rank last
    fit_time               seconds spent in the objective call
    iter, bracket          (successive halving / Hyperband) the rung and bracket of the trial
"""

import csv
import io
import json
import math
import os

import numpy as np

from mathdl.io import atomic_write


class Trial:
    """One evaluation: ``params``, ``budget``, ``scores`` (1-D array), ``fit_time``, ``info``."""

    def __init__(self, params, budget, scores, fit_time, info=None):
        self.params, self.budget, self.fit_time = dict(params), budget, float(fit_time)
        self.scores = as_scores(scores)
        self.info = dict(info or {})

    @property
    def mean(self):
        return float(np.mean(self.scores))

    @property
    def std(self):
        return float(np.std(self.scores))

    def __repr__(self):
        return f"Trial(params={self.params}, budget={self.budget}, mean={self.mean:.6g})"


def as_scores(value):
    """An objective's return value as a 1-D float array (ValueError if it is not numbers)."""
    try:
        scores = np.atleast_1d(np.asarray(value, dtype=np.float64))
    except (TypeError, ValueError):
        raise ValueError(
            f"objective: must return a score (a number) or a sequence of per-split scores, got {value!r}"
        ) from None
    if scores.ndim != 1 or scores.size == 0:
        raise ValueError(
            f"objective: must return a number or a 1-D sequence of scores, got shape {scores.shape}"
        )
    return scores


def _sort_key(trial):
    budget = -math.inf if trial.budget is None else float(trial.budget)
    mean = trial.mean
    return (budget, -math.inf if math.isnan(mean) else mean)


def ranks(trials):
    """1-based ranks (1 = best) by (budget, mean score), ties sharing the smaller rank."""
    keys = [_sort_key(t) for t in trials]
    order = sorted(range(len(trials)), key=lambda i: keys[i], reverse=True)
    result = [0] * len(trials)
    for position, index in enumerate(order):
        tied = position > 0 and keys[order[position - 1]] == keys[index]
        result[index] = result[order[position - 1]] if tied else position + 1
    return result


class SearchResults:
    """The trials of a search with scikit-learn's summaries: ``cv_results_``, ``best_index_``,
    ``best_params_``, ``best_score_``; ``to_csv``/``to_json`` write them (atomically)."""

    def __init__(self, trials, names, strategy):
        if not trials:
            raise ValueError(f"{strategy}: the search evaluated no trials")
        self.trials, self.names, self.strategy = list(trials), list(names), strategy

    @property
    def cv_results_(self):
        trials = self.trials
        table = {"params": [t.params for t in trials]}
        for name in self.names:
            table[f"param_{name}"] = [t.params.get(name) for t in trials]
        table["budget"] = [t.budget for t in trials]
        splits = {t.scores.size for t in trials}
        if len(splits) == 1 and splits != {1}:
            for i in range(splits.pop()):
                table[f"split{i}_test_score"] = [float(t.scores[i]) for t in trials]
        table["mean_test_score"] = [t.mean for t in trials]
        table["std_test_score"] = [t.std for t in trials]
        table["rank_test_score"] = ranks(trials)
        table["fit_time"] = [t.fit_time for t in trials]
        for key in sorted({k for t in trials for k in t.info}):
            table[key] = [t.info.get(key) for t in trials]
        return table

    @property
    def best_index_(self):
        return ranks(self.trials).index(1)

    @property
    def best_params_(self):
        return dict(self.trials[self.best_index_].params)

    @property
    def best_score_(self):
        return self.trials[self.best_index_].mean

    def best_so_far(self):
        """The best mean score after each trial, in evaluation order (the curve searches are compared by)."""
        means = np.array([t.mean for t in self.trials])
        return np.fmax.accumulate(np.where(np.isnan(means), -np.inf, means))

    def to_csv(self, path):
        """One row per trial: every column of ``cv_results_`` except the ``params`` dicts."""
        table = self.cv_results_
        keys = [k for k in table if k != "params"]
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["trial", *keys])
        for row in range(len(self.trials)):
            writer.writerow([row, *(_csv_cell(table[k][row]) for k in keys)])
        write_text_atomic(path, buffer.getvalue())

    def to_json(self, path):
        """``{'strategy', 'best_index', 'best_params', 'best_score', 'cv_results'}`` as JSON."""
        document = {
            "strategy": self.strategy,
            "best_index": self.best_index_,
            "best_params": self.best_params_,
            "best_score": self.best_score_,
            "cv_results": self.cv_results_,
        }
        write_text_atomic(path, json.dumps(_plain(document), indent=2, allow_nan=True) + "\n")

    def __len__(self):
        return len(self.trials)

    def __repr__(self):
        return (
            f"SearchResults({self.strategy}, trials={len(self.trials)}, "
            f"best_score={self.best_score_:.6g}, best_params={self.best_params_})"
        )


def write_text_atomic(path, text):
    """Write ``text`` (UTF-8) to ``path`` through a temporary file and ``os.replace``."""
    folder = os.path.dirname(os.path.abspath(os.fspath(path)))
    os.makedirs(folder, exist_ok=True)
    with atomic_write(path) as stream:
        stream.write(text.encode("utf-8"))


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return value


def _plain(value):
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value
