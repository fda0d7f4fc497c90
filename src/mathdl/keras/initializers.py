"""``keras.initializers``: Keras 3's weight initialisers, drawn from mathdl's generator.

An initialiser is called ``init(shape, dtype=None)`` with a shape in Keras's layout and returns a
NumPy array. Fans follow Keras: for a kernel of shape (…, in, out) the receptive field is the
product of the leading axes r, fan_in = in·r, fan_out = out·r (a Dense kernel (in, out) has
r = 1). Then, with n = fan_in, fan_out or their mean per ``mode``:

    VarianceScaling(scale, mode, 'uniform')           U(−√(3 s / n), √(3 s / n))
    VarianceScaling(scale, mode, 'truncated_normal')  N(0, σ²) truncated to ±2σ, σ = √(s / n) / 0.8796…
    VarianceScaling(scale, mode, 'untruncated_normal') N(0, s / n)
    GlorotUniform = VS(1, 'fan_avg', 'uniform'),  GlorotNormal = VS(1, 'fan_avg', 'truncated_normal')
    HeUniform/HeNormal = VS(2, 'fan_in', …),        LecunUniform/LecunNormal = VS(1, 'fan_in', …)
    Orthogonal(gain): the Q of a QR factorisation of a normal matrix (signs fixed by diag R)

(0.87962566103423978 is the standard deviation of a unit normal truncated to [−2, 2], so the
truncated draw has variance s / n.) Without ``seed`` the values come from ``mathdl.random``
(seeded by ``md.manual_seed`` / ``keras.utils.set_random_seed``); a seeded initialiser returns the
same values at every call, as in Keras.

    >>> import numpy as np
    >>> from mathdl.keras import initializers
    >>> initializers.Constant(0.5)((2,)).tolist()
    [0.5, 0.5]
"""

import math

import numpy as np

from mathdl import backend
from mathdl import random as md_random

_TRUNCATED_STD = 0.87962566103423978


def compute_fans(shape):
    """(fan_in, fan_out) of a Keras-layout weight shape."""
    shape = tuple(shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = int(np.prod(shape[:-2]))
    return shape[-2] * receptive, shape[-1] * receptive


def _dtype(dtype):
    return np.dtype(dtype) if dtype is not None else backend.get_default_dtype()


class Initializer:
    """Base: ``__call__(shape, dtype=None)`` → array; ``get_config``/``from_config``."""

    def __init__(self, seed=None):
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
            raise TypeError(f"{type(self).__name__}: seed must be an integer or None, got {seed!r}")
        self.seed = seed

    def _rng(self):
        return np.random.default_rng(self.seed) if self.seed is not None else md_random.generator()

    def __call__(self, shape, dtype=None):
        raise NotImplementedError(type(self).__name__)

    def get_config(self):
        return {"seed": self.seed}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class Zeros(Initializer):
    """All zeros."""

    def __init__(self):
        super().__init__()

    def __call__(self, shape, dtype=None):
        return np.zeros(tuple(shape), dtype=_dtype(dtype))

    def get_config(self):
        return {}


class Ones(Zeros):
    """All ones."""

    def __call__(self, shape, dtype=None):
        return np.ones(tuple(shape), dtype=_dtype(dtype))


class Constant(Initializer):
    """Every entry ``value``."""

    def __init__(self, value=0.0):
        super().__init__()
        self.value = float(value)

    def __call__(self, shape, dtype=None):
        return np.full(tuple(shape), self.value, dtype=_dtype(dtype))

    def get_config(self):
        return {"value": self.value}


class RandomNormal(Initializer):
    """N(mean, stddev²), defaults 0 and 0.05."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = float(mean), float(stddev)

    def __call__(self, shape, dtype=None):
        return self._rng().normal(self.mean, self.stddev, size=tuple(shape)).astype(_dtype(dtype))

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(Initializer):
    """U(minval, maxval), defaults −0.05 and 0.05."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        self.minval, self.maxval = float(minval), float(maxval)

    def __call__(self, shape, dtype=None):
        return self._rng().uniform(self.minval, self.maxval, size=tuple(shape)).astype(_dtype(dtype))

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


def _truncated_normal(rng, shape, mean, stddev):
    """N(mean, stddev²) conditioned on |x − mean| ≤ 2 stddev (rejection, vectorised)."""
    out = rng.standard_normal(size=shape)
    bad = np.abs(out) > 2.0
    while bad.any():
        out[bad] = rng.standard_normal(size=int(bad.sum()))
        bad = np.abs(out) > 2.0
    return mean + stddev * out


class TruncatedNormal(RandomNormal):
    """N(mean, stddev²) truncated to mean ± 2 stddev (defaults 0 and 0.05)."""

    def __call__(self, shape, dtype=None):
        return _truncated_normal(self._rng(), tuple(shape), self.mean, self.stddev).astype(_dtype(dtype))


class VarianceScaling(Initializer):
    """``VarianceScaling(scale=1.0, mode='fan_in', distribution='truncated_normal', seed=None)``."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        super().__init__(seed)
        if scale <= 0:
            raise ValueError(f"VarianceScaling: scale must be positive, got {scale}")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"VarianceScaling: mode must be 'fan_in', 'fan_out' or 'fan_avg', got {mode!r}")
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform", "normal"):
            raise ValueError(
                "VarianceScaling: distribution must be 'truncated_normal', 'untruncated_normal' or "
                f"'uniform', got {distribution!r}"
            )
        self.scale, self.mode = float(scale), mode
        self.distribution = "truncated_normal" if distribution == "normal" else distribution

    def __call__(self, shape, dtype=None):
        shape = tuple(shape)
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        variance = self.scale / max(1.0, n)
        rng = self._rng()
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * variance)
            values = rng.uniform(-limit, limit, size=shape)
        elif self.distribution == "truncated_normal":
            values = _truncated_normal(rng, shape, 0.0, math.sqrt(variance) / _TRUNCATED_STD)
        else:
            values = rng.normal(0.0, math.sqrt(variance), size=shape)
        return values.astype(_dtype(dtype))

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution, "seed": self.seed}


def _variance_scaling(name, scale, mode, distribution, doc):
    def __init__(self, seed=None):
        VarianceScaling.__init__(self, scale, mode, distribution, seed)

    def get_config(self):
        return {"seed": self.seed}

    return type(name, (VarianceScaling,), {"__init__": __init__, "get_config": get_config, "__doc__": doc})


GlorotUniform = _variance_scaling(
    "GlorotUniform", 1.0, "fan_avg", "uniform", "U(−a, a), a = √(6 / (fan_in + fan_out))."
)
GlorotNormal = _variance_scaling(
    "GlorotNormal", 1.0, "fan_avg", "truncated_normal", "Truncated normal, variance 2 / (fan_in + fan_out)."
)
HeUniform = _variance_scaling("HeUniform", 2.0, "fan_in", "uniform", "U(−a, a), a = √(6 / fan_in).")
HeNormal = _variance_scaling(
    "HeNormal", 2.0, "fan_in", "truncated_normal", "Truncated normal, variance 2 / fan_in."
)
LecunUniform = _variance_scaling("LecunUniform", 1.0, "fan_in", "uniform", "U(−a, a), a = √(3 / fan_in).")
LecunNormal = _variance_scaling(
    "LecunNormal", 1.0, "fan_in", "truncated_normal", "Truncated normal, variance 1 / fan_in."
)


class Orthogonal(Initializer):
    """``Orthogonal(gain=1.0)``: rows or columns orthonormal (of the (∏ shape[:-1], shape[-1])
    matrix), from the QR factorisation of a standard normal matrix with Q's signs fixed by diag R."""

    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed)
        self.gain = float(gain)

    def __call__(self, shape, dtype=None):
        shape = tuple(shape)
        if len(shape) < 2:
            raise ValueError(f"Orthogonal: the shape must have at least 2 axes, got {shape}")
        rows, cols = int(np.prod(shape[:-1])), shape[-1]
        a = self._rng().standard_normal(size=(max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q *= np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return (self.gain * q).reshape(shape).astype(_dtype(dtype))

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    """``Identity(gain=1.0)``: gain · I for a 2-D shape."""

    def __init__(self, gain=1.0):
        super().__init__()
        self.gain = float(gain)

    def __call__(self, shape, dtype=None):
        if len(shape) != 2:
            raise ValueError(f"Identity: the shape must be 2-D, got {tuple(shape)}")
        return (self.gain * np.eye(*shape)).astype(_dtype(dtype))

    def get_config(self):
        return {"gain": self.gain}


ALL = {
    "zeros": Zeros,
    "ones": Ones,
    "constant": Constant,
    "random_normal": RandomNormal,
    "random_uniform": RandomUniform,
    "uniform": RandomUniform,
    "normal": RandomNormal,
    "truncated_normal": TruncatedNormal,
    "variance_scaling": VarianceScaling,
    "glorot_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal,
    "he_uniform": HeUniform,
    "he_normal": HeNormal,
    "lecun_uniform": LecunUniform,
    "lecun_normal": LecunNormal,
    "orthogonal": Orthogonal,
    "identity": Identity,
}
_CLASSES = {cls.__name__: cls for cls in set(ALL.values())}


def get(identifier):
    """An initialiser from a name ('glorot_uniform', 'HeNormal', …), a config dict, an
    Initializer or a callable ``f(shape, dtype=None)``."""
    if isinstance(identifier, Initializer) or (callable(identifier) and not isinstance(identifier, type)):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    if isinstance(identifier, dict) and "class_name" in identifier:
        return _CLASSES[identifier["class_name"]].from_config(identifier.get("config", {}))
    if isinstance(identifier, str):
        key = identifier if identifier in ALL else None
        if key is None and identifier in _CLASSES:
            return _CLASSES[identifier]()
        if key is not None:
            return ALL[key]()
    raise ValueError(f"unknown initializer {identifier!r}; known: {sorted(ALL)}")


def serialize(initializer):
    """The config dict of an initialiser (or its name when given a name)."""
    if isinstance(initializer, str):
        return initializer
    if isinstance(initializer, Initializer):
        return {"class_name": type(initializer).__name__, "config": initializer.get_config()}
    raise ValueError(
        f"initializer {initializer!r} is a plain callable and cannot be saved; use a keras.initializers class"
    )


deserialize = get


# Keras 3 also exposes every initialiser class under its lowercase name (keras.initializers.he_normal)
zeros, ones, constant = Zeros, Ones, Constant
random_normal, random_uniform, truncated_normal = RandomNormal, RandomUniform, TruncatedNormal
variance_scaling, orthogonal, identity = VarianceScaling, Orthogonal, Identity
glorot_uniform, glorot_normal, he_uniform, he_normal = GlorotUniform, GlorotNormal, HeUniform, HeNormal
lecun_uniform, lecun_normal = LecunUniform, LecunNormal
