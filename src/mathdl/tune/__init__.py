"""Hyper-parameter search: search spaces, grid / random search, successive halving, Hyperband and
Bayesian optimisation with a Gaussian-process surrogate, scored by any ``objective(params, budget)``
(for networks: ``cross_val_score`` with stratified k-fold splits).

    from mathdl import tune
    space = tune.SearchSpace({"lr": tune.LogUniform(1e-4, 1e-1), "hidden": tune.IntUniform(16, 256)})
    results = tune.BayesianOptimization(space, n_trials=30, seed=0).run(objective)
    results.best_params_, results.cv_results_["mean_test_score"]
"""

from mathdl.tune.bayesian import BayesianOptimization, expected_improvement
from mathdl.tune.config import ConfigError, load_config, make_search, parse_config
from mathdl.tune.cross_validation import cross_val_score, cross_validation_objective, trainer_fit_score
from mathdl.tune.gaussian_process import RBF, GaussianProcess, Kernel, Matern52
from mathdl.tune.plots import plot_search, plot_search_comparison
from mathdl.tune.results import SearchResults, Trial
from mathdl.tune.runner import run_config
from mathdl.tune.search import GridSearch, Hyperband, RandomSearch, Search, SuccessiveHalving
from mathdl.tune.space import Choice, Distribution, IntUniform, LogUniform, SearchSpace, Uniform

__all__ = [
    "RBF",
    "BayesianOptimization",
    "Choice",
    "ConfigError",
    "Distribution",
    "GaussianProcess",
    "GridSearch",
    "Hyperband",
    "IntUniform",
    "Kernel",
    "LogUniform",
    "Matern52",
    "RandomSearch",
    "Search",
    "SearchResults",
    "SearchSpace",
    "SuccessiveHalving",
    "Trial",
    "Uniform",
    "cross_val_score",
    "cross_validation_objective",
    "expected_improvement",
    "load_config",
    "make_search",
    "parse_config",
    "plot_search",
    "plot_search_comparison",
    "run_config",
    "trainer_fit_score",
]
