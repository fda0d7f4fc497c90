"""Search spaces: one distribution per hyper-parameter, and the map to the unit cube.

Each distribution is sampled by the inverse-cdf method, x = F⁻¹(u) with u ~ U[0, 1) drawn from the
search's own generator (so a search with ``seed=s`` is reproducible and leaves the global stream
alone); F and F⁻¹ are those of ``mathdl.stats.Uniform``:

    Uniform(a, b)        x = a + (b − a) u                                  F(x) = (x − a)/(b − a)
    LogUniform(a, b)     log x ~ U[log a, log b]:  x = a (b/a)^u            F(x) = log(x/a)/log(b/a)
    IntUniform(a, b)     x = min(⌊a + (b + 1 − a) u⌋, b), each of a … b with probability 1/(b − a + 1)
                         (``log=True``: ⌊·⌋ of a log-uniform draw on [a, b + 1))
    Choice(options)      each option with probability 1/k

The encoding used by Bayesian optimisation puts every parameter in [0, 1]: a numeric parameter
through its own cdf (log-uniform ones on the log scale, so the GP's length scales are relative),
integers as the continuous cdf value and decoded by F⁻¹ and ⌊·⌋, and a k-way choice one-hot in k
coordinates, decoded by argmax.
"""

import itertools
import math
import numbers

import numpy as np

from mathdl.stats import Uniform as _StatsUniform


def _real(value, name, where):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{where}: {name} must be a finite number, got {value!r}")
    return float(value)


def _uniform_on(low, high):
    return _StatsUniform(np.float64(low), np.float64(high))


class Distribution:
    """A hyper-parameter's distribution: ``sample(rng, n)``, ``cdf``, ``icdf`` on [0, 1], ``grid(n)``."""

    width = 1  # coordinates in the unit-cube encoding

    def sample(self, rng, n):
        """``n`` draws (a list) using ``rng`` (a ``numpy.random.Generator``)."""
        return self.decode(rng.random((n, self.width)))

    def encode(self, values):
        """(n, width) unit-cube coordinates of ``values``."""
        return np.asarray(self.cdf(np.asarray(values, dtype=np.float64)), dtype=np.float64).reshape(-1, 1)

    def decode(self, unit):
        """The values at unit-cube coordinates ``unit`` (n, width), a list."""
        return list(self.icdf(np.clip(np.asarray(unit, dtype=np.float64)[:, 0], 0.0, 1.0)))


class Uniform(Distribution):
    """U[low, high] for a real hyper-parameter (``mathdl.stats.Uniform``'s cdf and icdf)."""

    def __init__(self, low, high):
        self.low, self.high = _real(low, "low", "Uniform"), _real(high, "high", "Uniform")
        if not self.low < self.high:
            raise ValueError(f"Uniform: low must be less than high, got low={low}, high={high}")
        self._stats = _uniform_on(self.low, self.high)

    def cdf(self, x):
        return np.clip(self._stats.cdf(x).array, 0.0, 1.0)

    def icdf(self, u):
        return [float(v) for v in self._stats.icdf(np.asarray(u, dtype=np.float64)).array]

    def grid(self, n):
        return [float(v) for v in np.linspace(self.low, self.high, n)]

    def __repr__(self):
        return f"Uniform({self.low!r}, {self.high!r})"


class LogUniform(Distribution):
    """log x ~ U[log low, log high] (0 < low < high): learning rates, weight decays."""

    def __init__(self, low, high):
        self.low, self.high = _real(low, "low", "LogUniform"), _real(high, "high", "LogUniform")
        if not 0 < self.low < self.high:
            raise ValueError(f"LogUniform: need 0 < low < high, got low={low}, high={high}")
        self._stats = _uniform_on(math.log(self.low), math.log(self.high))

    def cdf(self, x):
        return np.clip(self._stats.cdf(np.log(x)).array, 0.0, 1.0)

    def icdf(self, u):
        values = np.exp(self._stats.icdf(np.asarray(u, dtype=np.float64)).array)
        return [float(v) for v in np.clip(values, self.low, self.high)]

    def grid(self, n):
        return [float(v) for v in np.geomspace(self.low, self.high, n)]

    def __repr__(self):
        return f"LogUniform({self.low!r}, {self.high!r})"


class IntUniform(Distribution):
    """An integer uniform on {low, …, high} (both included); ``log=True`` spreads it log-uniformly."""

    def __init__(self, low, high, log=False):
        for name, value in (("low", low), ("high", high)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                raise ValueError(f"IntUniform: {name} must be an integer, got {value!r}")
        if not low <= high:
            raise ValueError(f"IntUniform: need low <= high, got low={low}, high={high}")
        if log and low < 1:
            raise ValueError(f"IntUniform: log=True needs low >= 1, got low={low}")
        self.low, self.high, self.log = int(low), int(high), bool(log)
        edges = (math.log(self.low), math.log(self.high + 1)) if self.log else (self.low, self.high + 1)
        self._stats = _uniform_on(*edges)

    def cdf(self, x):
        # the middle of the value's cell, so decode(encode(x)) == x
        x = np.asarray(x, dtype=np.float64) + 0.5
        return np.clip(self._stats.cdf(np.log(x) if self.log else x).array, 0.0, 1.0)

    def icdf(self, u):
        continuous = self._stats.icdf(np.asarray(u, dtype=np.float64)).array
        values = np.floor(np.exp(continuous) if self.log else continuous)
        return [int(v) for v in np.clip(values, self.low, self.high)]

    def grid(self, n):
        count = self.high - self.low + 1
        if count <= n:
            return list(range(self.low, self.high + 1))
        spaced = np.geomspace(self.low, self.high, n) if self.log else np.linspace(self.low, self.high, n)
        return sorted({int(round(v)) for v in spaced})

    def __repr__(self):
        return f"IntUniform({self.low!r}, {self.high!r}, log={self.log})"


class Choice(Distribution):
    """One of ``options`` (any JSON-able values), each with probability 1/k; encoded one-hot."""

    def __init__(self, options):
        if isinstance(options, (str, bytes)) or not hasattr(options, "__len__") or len(options) == 0:
            raise ValueError(f"Choice: options must be a non-empty list, got {options!r}")
        self.options = list(options)
        self.width = len(self.options)

    def encode(self, values):
        index = [self._index(v) for v in values]
        return np.eye(self.width)[index]

    def _index(self, value):
        for position, option in enumerate(self.options):
            if option == value:
                return position
        raise ValueError(f"Choice: {value!r} is not one of the options {self.options}")

    def decode(self, unit):
        return [self.options[i] for i in np.argmax(np.asarray(unit).reshape(-1, self.width), axis=1)]

    def sample(self, rng, n):
        return [self.options[i] for i in rng.integers(0, self.width, size=n)]

    def grid(self, n):
        return list(self.options)

    def __repr__(self):
        return f"Choice({self.options!r})"


class SearchSpace:
    """Named hyper-parameters: ``{name: Distribution | list (a Choice) | constant}``.

    >>> space = SearchSpace({"lr": LogUniform(1e-4, 1e-1), "width": IntUniform(16, 128), "act": ["relu", "tanh"]})
    >>> params = space.sample(np.random.default_rng(0), 2)   # two dicts
    """

    def __init__(self, parameters):
        if not isinstance(parameters, dict) or not parameters:
            raise ValueError(
                f"SearchSpace: expected a non-empty dict name -> distribution, got {parameters!r}"
            )
        self.distributions, self.constants = {}, {}
        for name, value in parameters.items():
            if not isinstance(name, str) or not name:
                raise ValueError(f"SearchSpace: parameter names must be non-empty strings, got {name!r}")
            if isinstance(value, Distribution):
                self.distributions[name] = value
            elif isinstance(value, (list, tuple)):
                self.distributions[name] = Choice(value)
            else:
                self.constants[name] = value
        if not self.distributions:
            raise ValueError("SearchSpace: every parameter is a constant; nothing to search")
        self.names = list(self.distributions)

    @property
    def dimension(self):
        """Coordinates of the unit-cube encoding (a k-way choice counts k)."""
        return sum(d.width for d in self.distributions.values())

    def sample(self, rng, n):
        """``n`` parameter dicts drawn independently."""
        columns = {name: d.sample(rng, n) for name, d in self.distributions.items()}
        return [self._with_constants({name: columns[name][i] for name in self.names}) for i in range(n)]

    def grid(self, points=5):
        """Every combination of ``points`` values per numeric parameter and all options of each choice."""
        if isinstance(points, bool) or not isinstance(points, numbers.Integral) or points < 1:
            raise ValueError(f"SearchSpace.grid: points must be a positive integer, got {points!r}")
        axes = [self.distributions[name].grid(int(points)) for name in self.names]
        return [self._with_constants(dict(zip(self.names, combo))) for combo in itertools.product(*axes)]

    def encode(self, params_list):
        """(n, dimension) unit-cube coordinates of a list of parameter dicts."""
        blocks = []
        for name in self.names:
            try:
                values = [params[name] for params in params_list]
            except KeyError:
                raise ValueError(f"SearchSpace.encode: a parameter dict has no {name!r}") from None
            blocks.append(self.distributions[name].encode(values))
        return np.concatenate(blocks, axis=1)

    def decode(self, unit):
        """The parameter dicts at unit-cube coordinates ``unit`` (n, dimension)."""
        unit = np.atleast_2d(np.asarray(unit, dtype=np.float64))
        if unit.shape[1] != self.dimension:
            raise ValueError(
                f"SearchSpace.decode: expected {self.dimension} coordinates, got {unit.shape[1]}"
            )
        columns, start = {}, 0
        for name in self.names:
            width = self.distributions[name].width
            columns[name] = self.distributions[name].decode(unit[:, start : start + width])
            start += width
        return [self._with_constants({n: columns[n][i] for n in self.names}) for i in range(unit.shape[0])]

    def _with_constants(self, params):
        return {**self.constants, **params}

    def __repr__(self):
        return f"SearchSpace({ {**self.distributions, **self.constants} })"


def as_search_space(space):
    """``space`` if it is a SearchSpace, else ``SearchSpace(space)``."""
    return space if isinstance(space, SearchSpace) else SearchSpace(space)
