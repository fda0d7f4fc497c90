"""A search described in TOML (for ``mathdl tune CONFIG.toml``), read with ``tomllib`` and checked
key by key, every error naming the key:

    [search]
    strategy = "bayesian"        # grid | random | successive_halving | hyperband | bayesian
    n_trials = 30                # grid: points = 5;  successive_halving/hyperband: min_budget,
    seed = 0                     # max_budget, eta;  bayesian: n_initial, kernel, xi
    budget = 10

    [space.lr]
    distribution = "loguniform"  # uniform | loguniform | int | choice | constant
    low = 1e-4
    high = 1e-1

    [space.activation]
    distribution = "choice"
    options = ["relu", "tanh"]

Other tables ([model], [data], [cv], [output] …) are returned unchanged for the caller.
"""

import numbers
import os
import tomllib

from mathdl.tune.bayesian import BayesianOptimization
from mathdl.tune.search import GridSearch, Hyperband, RandomSearch, SuccessiveHalving
from mathdl.tune.space import Choice, IntUniform, LogUniform, SearchSpace, Uniform


class ConfigError(ValueError):
    """The TOML file does not describe a valid search (the message names the key)."""


STRATEGIES = {
    "grid": (GridSearch, {"points", "budget", "target"}),
    "random": (RandomSearch, {"n_trials", "budget", "seed", "target"}),
    "successive_halving": (
        SuccessiveHalving,
        {"n_trials", "min_budget", "max_budget", "eta", "seed", "target"},
    ),
    "hyperband": (Hyperband, {"min_budget", "max_budget", "eta", "seed", "target"}),
    "bayesian": (
        BayesianOptimization,
        {"n_trials", "n_initial", "budget", "kernel", "xi", "starts", "candidates", "seed", "target"},
    ),
}
DISTRIBUTIONS = ("uniform", "loguniform", "int", "choice", "constant")
DISTRIBUTION_KEYS = {
    "uniform": {"low", "high"},
    "loguniform": {"low", "high"},
    "int": {"low", "high", "log"},
    "choice": {"options"},
    "constant": {"value"},
}


def _fail(where, message):
    raise ConfigError(f"{where}: {message}")


def _parameter(name, table, where):
    key = f"{where} [space.{name}]"
    if not isinstance(table, dict):
        return table  # `name = 3` is a constant
    kind = table.get("distribution")
    if kind not in DISTRIBUTIONS:
        _fail(key, f"'distribution' must be one of {DISTRIBUTIONS}, got {kind!r}")
    given = set(table) - {"distribution"}
    allowed = DISTRIBUTION_KEYS[kind]
    required = allowed - {"log"}
    if given - allowed:
        _fail(
            key, f"unknown keys {sorted(given - allowed)} for a {kind} parameter (allowed: {sorted(allowed)})"
        )
    if required - given:
        _fail(key, f"missing keys {sorted(required - given)} for a {kind} parameter")
    try:
        if kind == "uniform":
            return Uniform(table["low"], table["high"])
        if kind == "loguniform":
            return LogUniform(table["low"], table["high"])
        if kind == "int":
            return IntUniform(table["low"], table["high"], log=bool(table.get("log", False)))
        if kind == "choice":
            return Choice(table["options"])
        return table["value"]
    except ValueError as error:
        raise ConfigError(f"{key}: {error}") from None


def _search_options(table, where):
    if not isinstance(table, dict):
        _fail(where, "[search] must be a table")
    strategy = table.get("strategy")
    if strategy not in STRATEGIES:
        _fail(f"{where} [search]", f"'strategy' must be one of {sorted(STRATEGIES)}, got {strategy!r}")
    _, allowed = STRATEGIES[strategy]
    options = {k: v for k, v in table.items() if k != "strategy"}
    unknown = set(options) - allowed
    if unknown:
        _fail(
            f"{where} [search]",
            f"unknown keys {sorted(unknown)} for strategy {strategy!r} (allowed: {sorted(allowed)})",
        )
    for key, value in options.items():
        if key not in ("kernel",) and not isinstance(value, numbers.Real):
            _fail(f"{where} [search] {key}", f"must be a number, got {value!r}")
    return strategy, options


def parse_config(document, where="config"):
    """A parsed TOML document (dict) checked: ``{'strategy', 'options', 'space', 'sections'}``."""
    if not isinstance(document, dict):
        _fail(where, "expected a TOML table at the top level")
    for section in ("search", "space"):
        if section not in document:
            _fail(where, f"missing the [{section}] table")
    strategy, options = _search_options(document["search"], where)
    if not isinstance(document["space"], dict) or not document["space"]:
        _fail(f"{where} [space]", "must be a table with at least one parameter")
    parameters = {name: _parameter(name, table, where) for name, table in document["space"].items()}
    try:
        space = SearchSpace(parameters)
    except ValueError as error:
        raise ConfigError(f"{where} [space]: {error}") from None
    sections = {k: v for k, v in document.items() if k not in ("search", "space")}
    return {"strategy": strategy, "options": options, "space": space, "sections": sections}


def load_config(path):
    """Read and check the TOML search description at ``path`` (see the module docstring)."""
    path = os.fspath(path)
    try:
        with open(path, "rb") as stream:
            document = tomllib.load(stream)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML ({error})") from None
    return parse_config(document, where=path)


def make_search(config):
    """The search strategy a checked config describes (``load_config``'s result)."""
    cls, _ = STRATEGIES[config["strategy"]]
    try:
        return cls(config["space"], **config["options"])
    except (TypeError, ValueError) as error:
        raise ConfigError(f"[search] {config['strategy']}: {error}") from None
