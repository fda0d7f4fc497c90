"""The one random-number generator behind mathdl: ``manual_seed(seed)`` makes a whole run
reproducible (initialisation, dropout, shuffling, sampling all draw from it)."""

import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed):
    """Reseed the global generator (like ``torch.manual_seed``)."""
    global _generator
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"manual_seed: seed must be a non-negative integer, got {seed!r}")
    _generator = np.random.default_rng(int(seed))
    return _generator


def generator():
    """The global ``numpy.random.Generator`` (use it, do not keep it: ``manual_seed`` replaces it)."""
    return _generator


def get_rng_state():
    """The generator's state as plain data (JSON-serialisable: big integers become strings)."""
    state = _generator.bit_generator.state
    return _stringify(state)


def set_rng_state(state):
    """Restore a state returned by ``get_rng_state``."""
    state = _unstringify(state)
    name = state.get("bit_generator")
    if name != type(_generator.bit_generator).__name__:
        raise ValueError(
            f"set_rng_state: state is for bit generator {name!r}, "
            f"this generator is {type(_generator.bit_generator).__name__}"
        )
    _generator.bit_generator.state = state


def _stringify(value):
    if isinstance(value, dict):
        return {k: _stringify(v) for k, v in value.items()}
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return {"int": str(int(value))}
    return value


def _unstringify(value):
    if isinstance(value, dict):
        if set(value) == {"int"}:
            return int(value["int"])
        return {k: _unstringify(v) for k, v in value.items()}
    return value
