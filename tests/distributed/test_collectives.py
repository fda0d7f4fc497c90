"""The collectives, differentiable all_reduce, metric reduction and rank-0 guard on `mpiexec -n 2`."""

import os

import numpy as np
import pytest

from mathdl.distributed import launch
from mpi_jobs import require_mpi, run_mpi


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    require_mpi()
    out = tmp_path_factory.mktemp("collectives")
    code, stdout, stderr = run_mpi(2, "collectives.py", out, blas_threads=None)
    assert code == 0, f"the MPI job failed:\n{stdout}\n{stderr}"
    return [dict(np.load(out / f"rank{rank}.npz")) for rank in (0, 1)], out


def test_all_reduce_ops(job):
    base = np.arange(6, dtype=np.float32).reshape(2, 3)
    other = base + 10
    expected = {
        "SUM": base + other,
        "AVG": (base + other) / 2,
        "MAX": other,
        "MIN": base,
        "PRODUCT": base * other,
    }
    for results in job[0]:
        for op, value in expected.items():
            np.testing.assert_array_equal(results[f"all_reduce/{op}"], value, err_msg=op)
            assert results[f"all_reduce/{op}"].dtype == np.float32
        np.testing.assert_array_equal(results["all_reduce/int64"], [3, 2])
        np.testing.assert_array_equal(results["all_reduce/bool"], [True, False])
        np.testing.assert_array_equal(results["all_reduce/transposed"], (base + other).T)


def test_broadcast_all_gather_reduce(job):
    base = np.arange(6, dtype=np.float32).reshape(2, 3)
    rank0, rank1 = job[0]
    for results in job[0]:
        np.testing.assert_array_equal(results["broadcast/src1"], base + 10)
        np.testing.assert_array_equal(results["all_gather"], np.stack([base, base + 10]))
    np.testing.assert_array_equal(rank1["reduce/dst1"], 2 * base + 10)
    np.testing.assert_array_equal(rank0["reduce/dst1"], base)  # not the destination: unchanged


def test_differentiable_all_reduce(job):
    for results in job[0]:
        np.testing.assert_array_equal(results["autograd/total"], [3.0, 6.0])
        # L = Σ_r (r + 1)·[1, 3]·total  ⇒  ∂L/∂x_s = (1 + 2)·[1, 3] on every rank
        np.testing.assert_array_equal(results["autograd/grad"], [3.0, 9.0])


def test_metrics_rank_zero_and_world(job):
    rank0, rank1 = job[0]
    for rank, results in enumerate(job[0]):
        assert float(results["metrics/loss"]) == pytest.approx((1.0 * 10 + 2.0 * 20) / 30)
        assert float(results["metrics/accuracy"]) == pytest.approx((0.0 * 10 + 0.5 * 20) / 30)
        np.testing.assert_array_equal(results["world"], [rank, 2])
    assert rank0["main_process"] and rank0["rank_zero_only"]
    assert not rank1["main_process"] and not rank1["rank_zero_only"]


def test_sampler_shards_from_the_process_group(job):
    rank0, rank1 = job[0]
    assert len(rank0["sampler"]) == len(rank1["sampler"]) == 6
    union = np.concatenate([rank0["sampler"], rank1["sampler"]])
    assert set(union.tolist()) == set(range(11))  # 12 slots: all 11 samples plus 1 wrapped


def test_each_rank_defaults_to_cores_over_ranks_blas_threads(job):
    for results in job[0]:
        threads, expected = results["threads"]
        assert threads == expected
        assert threads == max(1, min(os.cpu_count() // 2, len(os.sched_getaffinity(0))))


def test_group_can_be_destroyed_and_made_again(job):
    out = job[1]
    for rank in (0, 1):
        total, initialized = np.load(out / f"again{rank}.npy")
        assert total == 2 and initialized == 0


def test_mpiexec_command_for_this_machine():
    require_mpi()
    command = launch.mpiexec_command(3, ["python", "x.py"])
    assert command[-4:] == ["-n", "3", "python", "x.py"]
    with pytest.raises(ValueError, match="nprocs"):
        launch.mpiexec_command(0, ["python"])


def test_all_reduce_gradient_matches_finite_differences(job):
    for results in job[0]:
        np.testing.assert_allclose(
            results["gradcheck/autograd"], results["gradcheck/numeric"], rtol=1e-6, atol=1e-8
        )


@pytest.mark.parametrize(
    "name,expected",
    [
        ("float16", "TypeError: all_reduce: MPI cannot reduce or send dtype float16"),
        ("list", "TypeError: all_reduce: expected a Tensor or a NumPy array, got list"),
        ("op", "TypeError: all_reduce: op must be a ReduceOp"),
        ("avg_int", "TypeError: all_reduce: ReduceOp.AVG needs a floating tensor"),
        ("read_only", "ValueError: all_reduce: the tensor's array is read-only"),
        ("src", "ValueError: broadcast: src must be a rank in 0..1, got 2"),
        ("gather_count", "ValueError: all_gather: tensor_list must be a list of world_size=2 tensors"),
        ("gather_shape", "ValueError: all_gather: tensor_list[0] has shape (3,)"),
        ("group", "ValueError: mathdl.distributed has one process group"),
        ("metric_names", "ValueError: all_reduce_metrics: the ranks passed different metric names"),
        ("twice", "DistributedError: init_process_group: the default process group is already initialised"),
    ],
)
def test_bad_calls_raise_clear_errors(job, name, expected):
    for results in job[0]:
        assert str(results[f"error/{name}"]).startswith(expected)
