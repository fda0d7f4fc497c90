"""The Trainer over `mpiexec -n 2`: the same run as one process with the global batch, one run
folder, agreed decisions, bit-for-bit resume; and the pieces that need no MPI job."""

import importlib.util

import numpy as np
import pytest

import mathdl as md
from mathdl import models, nn, optim
from mathdl.data.text import TextStreams
from mathdl.random import get_rng_state
from mathdl.train import ContrastiveDivergence, TruncatedBPTT
from mathdl.train.distributed import ShardedTextStreams, module_for_optimizer, unwrap
from mpi_jobs import WORKERS, require_mpi, run_mpi


def _worker_module():
    spec = importlib.util.spec_from_file_location("trainer_worker", WORKERS / "trainer.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def trainer_job(tmp_path_factory):
    require_mpi()
    out = tmp_path_factory.mktemp("trainer")
    code, stdout, stderr = run_mpi(2, "trainer.py", out)
    assert code == 0, f"the MPI job failed:\n{stdout}\n{stderr}"
    return out, [dict(np.load(out / f"rank{rank}.npz")) for rank in (0, 1)]


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_two_ranks_of_batch_b_equal_one_process_of_batch_2b(trainer_job, optimizer):
    """Through the Trainer: shuffled epochs (DistributedSampler), a short last batch, validation
    sharded: parameters to 1e-6 in float32, the reduced epoch numbers as one process's."""
    _, ranks = trainer_job
    tag = f"equivalence/{optimizer}"
    seed = int(ranks[0][f"{tag}/seed"])
    expected = _worker_module().reference(optimizer, seed)
    for rank, results in enumerate(ranks):
        for name, value in expected.items():
            got = results[f"{tag}/{name}"] if not name.startswith("/") else results[f"{tag}{name}"]
            if name.startswith("/history/"):
                np.testing.assert_allclose(got, value, rtol=1e-5, err_msg=f"rank {rank} {name}")
            else:
                assert got.dtype == np.float32
                np.testing.assert_allclose(got, value, rtol=0, atol=1e-6, err_msg=f"rank {rank} {name}")
    assert set(k for k in ranks[0] if "/history/" in k and k.startswith(tag)) == {
        f"{tag}/history/{k}" for k in ("loss", "accuracy", "val_loss", "val_accuracy")
    }
    for key in ranks[0]:
        if key.startswith(tag):
            np.testing.assert_array_equal(ranks[0][key], ranks[1][key], err_msg=f"ranks differ: {key}")


def _assert_same(a, b, where="checkpoint"):
    if isinstance(a, dict):
        assert set(a) == set(b), f"{where}: {sorted(a)} != {sorted(b)}"
        for key in a:
            _assert_same(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for index, (x, y) in enumerate(zip(a, b)):
            _assert_same(x, y, f"{where}[{index}]")
    elif hasattr(a, "shape") or hasattr(a, "array"):
        np.testing.assert_array_equal(
            np.asarray(getattr(a, "array", a)), np.asarray(getattr(b, "array", b)), where
        )
    else:
        assert a == b or (a != a and b != b), f"{where}: {a!r} != {b!r}"


def test_resume_on_the_same_world_size_is_bit_for_bit(trainer_job):
    """Dropout draws differ per rank; each rank's stream is saved, so 1 epoch + resume to 3 is the
    3-epoch run exactly (weights, optimiser, history, every rank's RNG state)."""
    out, _ = trainer_job
    straight, resumed = md.load(out / "straight.npz"), md.load(out / "resumed.npz")
    assert straight["epoch"] == resumed["epoch"] == 3
    _assert_same(straight, resumed)
    saved = straight["extra"]["distributed"]
    assert saved["world_size"] == 2 and len(saved["rng"]) == 2
    assert saved["rng"][0] == straight["rng"]  # the top-level state is rank 0's
    assert saved["rng"][0] != saved["rng"][1]  # the ranks draw from different streams
    assert set(straight["model"]) == {"0.weight", "0.bias", "3.weight", "3.bias"}  # unwrapped keys


def test_only_rank_zero_writes(trainer_job):
    out, _ = trainer_job
    assert (out / "by-rank0.npz").exists()
    assert not (out / "by-rank1.npz").exists()


def test_a_non_finite_loss_on_one_rank_stops_every_rank_at_that_step(trainer_job):
    _, ranks = trainer_job
    steps = -(-100 // 16)
    for results in ranks:
        assert int(results["nan/epoch"]) == 1
        assert "non-finite loss (loss = nan) at epoch 2, step 2" in str(results["nan/reason"])
        assert int(results["nan/calls"]) == steps + 2  # no rank ran a step past it


def test_one_allreduce_per_step(trainer_job):
    """The non-finite-loss flag travels in the gradients' message: no second synchronisation."""
    _, ranks = trainer_job
    steps = -(-100 // 16)
    for results in ranks:
        assert int(results["messages/buckets"]) == 1
        assert int(results["messages/all_reduce_calls"]) == 2 * (steps + 2)


def test_a_stop_on_one_rank_stops_every_rank(trainer_job):
    _, ranks = trainer_job
    for results in ranks:
        assert int(results["stop/epoch"]) == 1
        assert str(results["stop/reason"]) == "callback"


def test_batch_norm_statistics_are_rank_zeros_on_every_rank(trainer_job):
    _, (rank0, rank1) = trainer_job
    for name in ("bn/running_mean", "bn/running_var"):
        np.testing.assert_array_equal(rank0[name], rank1[name])
    assert np.abs(rank0["bn/running_mean"]).max() > 0  # they were updated


def test_a_global_batch_that_does_not_split_evenly_is_refused(trainer_job):
    _, ranks = trainer_job
    for results in ranks:
        assert "global batch of 15 samples cannot be split evenly over 2 ranks" in str(
            results["uneven/message"]
        )


# ----- pieces that need no MPI job ------------------------------------------------------------------
def test_each_optimiser_gets_the_module_holding_its_parameters():
    gan = models.build("gan", hidden=[8, 8], latent_dim=4)
    generator = optim.Adam(gan.generator.parameters())
    discriminator = optim.Adam(gan.discriminator.parameters())
    assert module_for_optimizer(gan, generator, "generator") is gan.generator
    assert module_for_optimizer(gan, discriminator, "discriminator") is gan.discriminator
    both = optim.SGD(gan.parameters(), lr=0.1)
    assert module_for_optimizer(gan, both, "main") is gan
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    head_and_bias = optim.SGD([model[2].weight, model[2].bias, model[0].bias], lr=0.1)
    assert module_for_optimizer(model, head_and_bias, "main") is model  # the smallest holder
    with pytest.raises(ValueError, match="'main' updates parameters that are not in the model"):
        module_for_optimizer(model, optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1), "main")
    assert unwrap(model) is model


def test_sharded_text_streams_are_the_rows_of_the_full_streams_with_shared_offsets():
    ids = np.arange(400) % 37
    md.manual_seed(3)
    shared = get_rng_state()
    full = TextStreams(ids, 4, 8, blocks=30)
    md.manual_seed(3)
    expected = list(full)  # several passes: random offsets drawn from the global generator
    parts = []
    for start, stop in ((0, 2), (2, 4)):
        md.manual_seed(100 + start)  # each rank's own stream must not matter
        parts.append(list(ShardedTextStreams(TextStreams(ids, 4, 8, blocks=30), start, stop, shared)))
    assert sum(reset for _, _, reset in expected) >= 2
    for block, (left, right) in zip(expected, zip(*parts)):
        np.testing.assert_array_equal(np.concatenate([left[0], right[0]]), block[0])
        np.testing.assert_array_equal(np.concatenate([left[1], right[1]]), block[1])
        assert left[2] == right[2] == block[2]
    shard = ShardedTextStreams(TextStreams(ids, 4, 8, blocks=3), 0, 2, shared)
    list(shard)
    state = shard.state_dict()
    plain = TextStreams(ids, 4, 8, blocks=3)
    plain.load_state_dict(state)  # a one-process run reads the position and ignores the rest
    assert plain.state_dict() == {"offset": state["offset"], "position": state["position"]}


def test_strategy_states_merge_and_split_over_ranks():
    lstm = TruncatedBPTT()
    rng = np.random.default_rng(0)
    ranks = [
        {"state": [rng.standard_normal((2, 3, 5)), rng.standard_normal((2, 3, 5))], "tuple": True}
        for _ in range(2)
    ]
    merged = lstm.merge_rank_states(ranks)
    assert merged["state"][0].shape == (2, 6, 5) and merged["tuple"]
    for rank in (0, 1):
        part = lstm.rank_state(merged, rank, 2)
        for got, want in zip(part["state"], ranks[rank]["state"]):
            np.testing.assert_array_equal(got, want)
    assert [p["state"][0].shape[1] for p in (lstm.rank_state(merged, r, 3) for r in range(3))] == [2, 2, 2]
    assert lstm.merge_rank_states([{"state": None}] * 2) == {"state": None}
    rbm = ContrastiveDivergence()
    chains = [{"chain": np.full((4, 6), r, np.float32)} for r in range(2)]
    merged = rbm.merge_rank_states(chains)
    assert merged["chain"].shape == (8, 6)
    np.testing.assert_array_equal(rbm.rank_state(merged, 1, 2)["chain"], chains[1]["chain"])
    assert rbm.rank_state(merged, 0, 1)["chain"].shape == (8, 6)  # one process continues all particles
