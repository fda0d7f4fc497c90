"""How many examples a hypothesis test tries: a small count on a developer's machine (the "dev"
profile, deterministic) and a larger one in CI (MATHDL_CI=1, the "ci" profile, randomised with a
printed seed; see tests/conftest.py). Modules whose examples span many parameters (recurrent,
attention, transformer and convolution oracles) use it to search wider where time is budgeted."""

import os


def examples(local, ci):
    """``max_examples``: ``local`` normally, ``ci`` under MATHDL_CI=1."""
    return ci if os.environ.get("MATHDL_CI") == "1" else local
