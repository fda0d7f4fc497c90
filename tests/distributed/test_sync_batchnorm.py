"""SyncBatchNorm on `mpiexec -n 2` equals BatchNorm on the global batch: values, gradients (first
and second order), running statistics, and a DDP training run."""

import importlib.util

import numpy as np
import pytest

import mathdl as md
from mathdl import nn
from mpi_jobs import WORKERS, require_mpi, run_mpi


def _worker():
    spec = importlib.util.spec_from_file_location("sync_batchnorm_worker", WORKERS / "sync_batchnorm.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def sync_job(tmp_path_factory):
    require_mpi()
    out = tmp_path_factory.mktemp("syncbn")
    code, stdout, stderr = run_mpi(2, "sync_batchnorm.py", out)
    assert code == 0, f"the MPI job failed:\n{stdout}\n{stderr}"
    return [dict(np.load(out / f"rank{rank}.npz")) for rank in (0, 1)]


@pytest.mark.parametrize("case", ["image", "vector"])
def test_values_and_gradients_equal_batchnorm_on_the_global_batch(sync_job, case):
    worker = _worker()
    x, g, h, _, _ = worker.case_data(case)
    layer_class = nn.BatchNorm2d if x.ndim == 4 else nn.BatchNorm1d
    layer = worker.make_layer(layer_class, case)
    expected = worker.first_and_second_order(layer, x, g, h)
    for key in ("y", "gx", "hx"):  # per-sample: rank r holds its rows
        got = np.concatenate([sync_job[rank][f"{case}/{key}"] for rank in (0, 1)])
        np.testing.assert_allclose(got, expected[key], rtol=1e-9, atol=1e-11, err_msg=key)
    for key in ("gw", "gb", "hw"):  # a parameter's gradient: each rank's share, summed by DDP
        got = sync_job[0][f"{case}/{key}"] + sync_job[1][f"{case}/{key}"]
        np.testing.assert_allclose(got, expected[key], rtol=1e-9, atol=1e-11, err_msg=key)
    for key in ("running_mean", "running_var"):
        for rank in (0, 1):
            np.testing.assert_allclose(
                sync_job[rank][f"{case}/{key}"], getattr(layer, key).array, rtol=1e-12, err_msg=key
            )


def test_ddp_training_with_sync_batchnorm_equals_one_process(sync_job):
    worker = _worker()
    model = worker.build_model()
    batch = worker.BATCH
    worker.train(model, lambda step: slice(2 * batch * step, 2 * batch * (step + 1)))
    for key, value in model.state_dict().items():
        for rank in (0, 1):
            got = sync_job[rank][f"train/{key}"]
            if key.endswith("num_batches_tracked"):
                np.testing.assert_array_equal(got, value.array)
            else:
                np.testing.assert_allclose(got, value.array, rtol=0, atol=1e-6, err_msg=f"rank {rank} {key}")


def test_convert_sync_batchnorm_shares_state_and_keeps_order():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.Sequential(nn.BatchNorm1d(4)))
    model[1].running_mean.array[...] = 5.0
    model.eval()
    converted = nn.SyncBatchNorm.convert_sync_batchnorm(model)
    assert converted is model
    assert [type(m).__name__ for m in converted] == ["Conv2d", "SyncBatchNorm", "ReLU", "Sequential"]
    assert isinstance(converted[3][0], nn.SyncBatchNorm)
    original = dict(model.named_parameters())
    assert converted[1].weight is original["1.weight"]
    np.testing.assert_array_equal(converted[1].running_mean.array, 5.0)
    assert not converted[1].training
    single = nn.SyncBatchNorm.convert_sync_batchnorm(nn.BatchNorm1d(3))
    assert isinstance(single, nn.SyncBatchNorm)


def test_without_a_process_group_it_is_batchnorm(rng):
    x = rng.standard_normal((6, 3, 2, 2)).astype(np.float32)
    plain, synced = nn.BatchNorm2d(3), nn.SyncBatchNorm(3)
    np.testing.assert_array_equal(synced(md.tensor(x)).array, plain(md.tensor(x)).array)
    np.testing.assert_array_equal(synced.running_var.array, plain.running_var.array)


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="process group"):
        nn.SyncBatchNorm(3, process_group="world")
    with pytest.raises(ValueError, match="num_features"):
        nn.SyncBatchNorm(0)


def test_gradient_matches_finite_differences_across_ranks(sync_job):
    for results in sync_job:
        np.testing.assert_allclose(
            results["gradcheck/autograd"], results["gradcheck/numeric"], rtol=1e-6, atol=1e-7
        )
