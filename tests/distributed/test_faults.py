"""A failing rank ends the whole job with its message (never a hang); a script started without an
MPI launcher says how to launch it; ranks that build different models fail at wrap time."""

import sys

import pytest

import mathdl as md
import mathdl.distributed as dist
from mathdl.distributed import launch
from mpi_jobs import WORKERS, require_mpi, run_command, run_mpi, worker_env

# Without MPI_Abort the "raise" job would block forever; run_mpi fails the test at this timeout.
TIMEOUT = 90


def test_raising_rank_ends_the_job_with_its_message():
    require_mpi()
    code, stdout, stderr = run_mpi(2, "faults.py", "raise", timeout=TIMEOUT)
    assert code != 0
    assert "rank 1 of 2 raised an uncaught exception" in stderr
    assert "ValueError: rank 1 fails on purpose: bad batch 17" in stderr
    assert "should never finish" not in stdout


def test_ranks_with_different_models_fail_at_wrap_time():
    require_mpi()
    code, stdout, stderr = run_mpi(2, "faults.py", "mismatch", timeout=TIMEOUT)
    assert code != 0
    assert "the ranks built different models" in stderr
    assert "rank 0 has '0.weight (2, 4) float32', rank 1 has '0.weight (3, 4) float32'" in stderr
    assert "wrapped models that differ" not in stdout


def test_script_without_mpiexec_says_how_to_launch():
    require_mpi()
    code, stdout, stderr = run_command(
        [sys.executable, str(WORKERS / "faults.py"), "raise"], TIMEOUT, worker_env()
    )
    assert code != 0
    assert "was not started by an MPI launcher" in stderr
    assert "-n 2" in stderr and "faults.py raise" in stderr and "mpiexec" in stderr


def test_single_process_group_when_asked_for():
    require_mpi()
    code, stdout, stderr = run_command(
        [
            sys.executable,
            "-c",
            "import mathdl as md, mathdl.distributed as dist\n"
            "dist.init_process_group('mpi', world_size=1)\n"
            "t = md.ones(2); dist.all_reduce(t)\n"
            "print(dist.get_rank(), dist.get_world_size(), t.array.tolist())\n"
            "dist.destroy_process_group()",
        ],
        TIMEOUT,
        worker_env(),
    )
    assert code == 0, stderr
    assert stdout.split() == ["0", "1", "[1.0,", "1.0]"]


def test_errors_before_mpi_starts(monkeypatch):
    for name in launch.LAUNCHER_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(dist.DistributedError, match="not started by an MPI launcher"):
        dist.init_process_group(backend="mpi")
    with pytest.raises(ValueError, match="backend must be one of"):
        dist.init_process_group(backend="nccl")
    with pytest.raises(ValueError, match="init_method"):
        dist.init_process_group(backend="mpi", init_method="tcp://localhost:1234")
    assert not dist.is_initialized()
    with pytest.raises(dist.DistributedError, match="init_process_group"):
        dist.get_rank()
    with pytest.raises(dist.DistributedError, match="init_process_group"):
        dist.all_reduce(md.ones(2))
    assert dist.is_main_process()
    assert dist.all_reduce_metrics({"loss": 2}, count=3) == {"loss": 2.0}


def test_ddp_needs_a_process_group():
    from mathdl import nn
    from mathdl.nn.parallel import DistributedDataParallel

    with pytest.raises(dist.DistributedError, match="init_process_group"):
        DistributedDataParallel(nn.Linear(2, 2))
    with pytest.raises(TypeError, match="nn.Module"):
        DistributedDataParallel("model")
    with pytest.raises(ValueError, match="device_ids"):
        DistributedDataParallel(nn.Linear(2, 2), device_ids=[0])
    with pytest.raises(ValueError, match="bucket_cap_mb"):
        DistributedDataParallel(nn.Linear(2, 2), bucket_cap_mb=0)


def test_launcher_detection():
    assert launch.launched_by_mpi({"OMPI_COMM_WORLD_SIZE": "2"})
    assert launch.launched_by_mpi({"PMI_RANK": "0"})
    assert not launch.launched_by_mpi({"HOME": "/root"})
