"""DistributedDataParallel over `mpiexec -n 2` equals one process with the doubled batch."""

import importlib.util

import numpy as np
import pytest

from mpi_jobs import WORKERS, require_mpi, run_mpi


def _worker_module():
    spec = importlib.util.spec_from_file_location("ddp_equivalence", WORKERS / "ddp_equivalence.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def ddp_job(tmp_path_factory):
    require_mpi()
    out = tmp_path_factory.mktemp("ddp")
    code, stdout, stderr = run_mpi(2, "ddp_equivalence.py", out)
    assert code == 0, f"the MPI job failed:\n{stdout}\n{stderr}"
    return [dict(np.load(out / f"rank{rank}.npz")) for rank in (0, 1)]


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
@pytest.mark.parametrize("micro", [1, 2], ids=["one-batch", "no_sync-accumulation"])
@pytest.mark.parametrize("cap", [25, None], ids=["one-bucket", "several-buckets"])
def test_two_ranks_match_one_process_with_double_batch(ddp_job, optimizer, micro, cap):
    worker = _worker_module()
    expected = worker.reference(optimizer)
    tag = f"{optimizer}/micro{micro}/cap{cap}"
    for rank, results in enumerate(ddp_job):
        for name, value in expected.items():
            got = results[f"{tag}/{name}"]
            assert got.dtype == np.float32
            np.testing.assert_allclose(got, value, rtol=0, atol=1e-6, err_msg=f"rank {rank} {tag} {name}")
    for key in ddp_job[0]:
        if key.startswith(tag):
            np.testing.assert_array_equal(ddp_job[0][key], ddp_job[1][key], err_msg=f"replicas differ: {key}")


@pytest.mark.parametrize("micro", [1, 2])
def test_one_allreduce_per_step_with_one_bucket(ddp_job, micro):
    """Flat buckets: one Allreduce per optimiser step (no_sync micro-batches send nothing)."""
    for results in ddp_job:
        np.testing.assert_array_equal(results[f"sgd/micro{micro}/cap25/allreduce_per_step"], [1, 1, 1, 1])
        buckets = int(results[f"sgd/micro{micro}/capNone/buckets"])
        assert buckets > 1
        np.testing.assert_array_equal(results[f"sgd/micro{micro}/capNone/allreduce_per_step"], [buckets] * 4)


def test_parameters_without_gradient_on_some_ranks(ddp_job):
    rank0, rank1 = ddp_job
    np.testing.assert_array_equal(rank1["unused/local_sometimes"], 0)
    for results in ddp_job:
        np.testing.assert_allclose(
            results["unused/sometimes"], rank0["unused/local_sometimes"] / 2, rtol=1e-6
        )
        assert results["unused/never_is_none"]


def test_buffers_broadcast_and_state_dict_without_prefix(ddp_job):
    for results in ddp_job:
        np.testing.assert_array_equal(results["state/running_mean"], 1.0)  # rank 0 set 1, rank 1 set 2
        assert results["state/keys_without_prefix"]
        assert int(results["state/key_count"]) == 7
