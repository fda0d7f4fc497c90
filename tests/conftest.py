"""Shared test fixtures. PyTorch is only a test oracle: tests that need it take the ``torch``
fixture, which skips them (with the reason) where torch is not installed."""

import os
import signal

# Test arrays are small: BLAS threads only add spinning (and noise when the machine is shared).
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import numpy as np  # noqa: E402  (after the thread settings, which NumPy reads when it loads)
import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

# A run started in the background by a non-interactive shell (`.ci/run &`, nohup) inherits SIGINT
# ignored, and Python then never raises KeyboardInterrupt; the Ctrl-C tests send real SIGINTs (to this
# process and to children, which get the default disposition back at exec), so restore the handler.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# ----- hypothesis: deterministic locally, randomised (with a printed seed) in CI -----------------
# Locally ("dev") every run tries the same examples, fast. In CI ("ci", selected by MATHDL_CI=1)
# the examples are random: .ci/run passes --hypothesis-seed=N and prints N, so a failing run
# replays with `MATHDL_CI=1 uv run pytest --hypothesis-seed=N ...`; print_blob also prints the
# @reproduce_failure line of the failing example. Every test states its max_examples (modules
# with many parameters ask for more in CI through hypothesis_budget.examples). No deadline: a
# shared CI machine makes wall time meaningless.
settings.register_profile("dev", derandomize=True, deadline=None)
settings.register_profile("ci", derandomize=False, deadline=None, print_blob=True)
settings.load_profile("ci" if os.environ.get("MATHDL_CI") == "1" else "dev")


@pytest.fixture
def torch():
    return pytest.importorskip(
        "torch",
        reason="PyTorch is not installed (it is only a test oracle; "
        "CI installs it with pip install torch==2.13.0)",
    )


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def float64():
    """New tensors and parameters default to float64 inside the test (restored afterwards)."""
    import mathdl as md

    previous = md.get_default_dtype()
    md.set_default_dtype(np.float64)
    yield
    md.set_default_dtype(previous)


# ----- CI: a test that skips for want of something CI installs is a failure there ----------------
# .ci/run sets MATHDL_CI=1 after installing every extra, PyTorch and the Debian data packages, so
# a skip in CI means an oracle or a feature went untested. Reasons that cannot apply in CI (none
# today) are listed here by a regular expression, with why.
CI_ALLOWED_SKIP_REASONS: list[str] = []

_skip_reasons: dict[str, int] = {}

# The MPI worker scripts are run by mpiexec, never imported by pytest (--doctest-modules would
# import every .py file).
collect_ignore = ["distributed/workers"]


class _SkipCounter:
    """Counts skips of every item, the doctests under src/mathdl included (a hook in this conftest
    would only see the items under tests/, so it is registered as a plugin)."""

    def pytest_runtest_logreport(self, report):
        if report.skipped:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
            _skip_reasons[reason] = _skip_reasons.get(reason, 0) + 1


def pytest_configure(config):
    config.pluginmanager.register(_SkipCounter(), "mathdl-skip-counter")


def pytest_sessionfinish(session, exitstatus):
    if os.environ.get("MATHDL_CI") != "1":
        return
    import re

    forbidden = {
        reason: count
        for reason, count in _skip_reasons.items()
        if not any(re.search(pattern, reason) for pattern in CI_ALLOWED_SKIP_REASONS)
    }
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and _skip_reasons:
        reporter.write_line("")
        reporter.write_line("skips by reason:")
        for reason, count in sorted(_skip_reasons.items(), key=lambda item: -item[1]):
            reporter.write_line(f"  {count:5d}  {reason}")
    if forbidden:
        if reporter is not None:
            reporter.write_line(
                f"ci: {sum(forbidden.values())} tests skipped for reasons CI must not have (see above)",
                red=True,
            )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
