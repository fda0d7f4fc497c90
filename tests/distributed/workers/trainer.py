"""Worker: the Trainer over 2 ranks.

    mpiexec -n 2 python trainer.py OUT_DIR

Writes OUT_DIR/rank<r>.npz (parameters, histories, stop decisions per scenario) and checkpoints.
The test imports this file for ``reference`` (one process, the doubled batch) and compares.
"""

import sys
from pathlib import Path

import numpy as np

import mathdl as md
import mathdl.distributed as dist
from mathdl import nn
from mathdl.data import DataLoader, DistributedSampler, TensorDataset
from mathdl.train import LambdaCallback, ModelCheckpoint, Supervised, Trainer

N, VAL, FEATURES, HIDDEN, CLASSES, BATCH, EPOCHS = 100, 30, 6, 16, 3, 16, 2


def data():
    rng = np.random.default_rng(7)
    x = rng.standard_normal((N + VAL, FEATURES)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.int64) + (x[:, 2] > 1).astype(np.int64)
    return TensorDataset(x[:N], y[:N]), TensorDataset(x[N:], y[N:])


def build(optimizer_name, seed=0, dropout=0.0):
    md.manual_seed(seed)
    layers = [nn.Linear(FEATURES, HIDDEN), nn.Tanh()]
    if dropout:
        layers.append(nn.Dropout(dropout))
    model = nn.Sequential(*layers, nn.Linear(HIDDEN, CLASSES))
    if optimizer_name == "sgd":
        optimizer = md.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    else:
        optimizer = md.optim.Adam(model.parameters(), lr=0.01)
    return model, optimizer


def parameters(model):
    return {name: value.array.copy() for name, value in model.state_dict().items()}


def history_arrays(trainer, tag):
    return {f"{tag}/history/{key}": np.array(column) for key, column in trainer.history.history.items()}


def reference(optimizer_name, seed):
    """One process: global batch BATCH, the epoch orders of DistributedSampler(seed) on 1 rank."""
    train, val = data()
    model, optimizer = build(optimizer_name)
    sampler = DistributedSampler(train, num_replicas=1, rank=0, shuffle=True, seed=seed)
    trainer = Trainer(model, optimizer, verbose=0)
    trainer.fit(DataLoader(train, BATCH, sampler=sampler), EPOCHS, val_data=DataLoader(val, 1000))
    return {**parameters(model), **history_arrays(trainer, "")}


def equivalence(optimizer_name):
    """2 ranks, global batch BATCH (BATCH/2 each), shuffled, with validation."""
    train, val = data()
    model, optimizer = build(optimizer_name)
    trainer = Trainer(model, optimizer, verbose=0)
    trainer.fit(DataLoader(train, BATCH, shuffle=True), EPOCHS, val_data=DataLoader(val, 1000))
    tag = f"equivalence/{optimizer_name}"
    results = {f"{tag}/{name}": value for name, value in parameters(model).items()}
    results.update(history_arrays(trainer, tag))
    results[f"{tag}/seed"] = np.array(trainer.distributed.seed)
    return results


def resume(out):
    """With dropout (each rank its own masks): 3 epochs straight vs 1 epoch then a resumed Trainer."""
    train, _ = data()
    rank = dist.get_rank()
    model, optimizer = build("adam", dropout=0.3)
    straight = Trainer(model, optimizer, verbose=0)
    straight.fit(DataLoader(train, BATCH, shuffle=True), 3, callbacks=[ModelCheckpoint(out / "straight.npz")])
    model, optimizer = build("adam", dropout=0.3)
    first = Trainer(model, optimizer, verbose=0)
    first.fit(DataLoader(train, BATCH, shuffle=True), 1, callbacks=[ModelCheckpoint(out / "first.npz")])
    model, optimizer = build("adam", seed=99, dropout=0.3)  # other weights: the checkpoint must set them
    resumed = Trainer(model, optimizer, verbose=0)
    resumed.load_checkpoint(out / "first.npz")
    loader = DataLoader(train, BATCH, shuffle=True)
    resumed.fit(loader, 3, callbacks=[ModelCheckpoint(out / "resumed.npz")])
    # only rank 0 writes: rank 1's own path stays empty
    model, optimizer = build("sgd")
    Trainer(model, optimizer, verbose=0).fit(
        DataLoader(train, BATCH), 1, callbacks=[ModelCheckpoint(out / f"by-rank{rank}.npz")]
    )
    return {"resume/epoch": np.array(resumed.epoch)}


def non_finite():
    """Rank 1's loss turns NaN at step 2 of epoch 2: both ranks stop there."""
    train, _ = data()
    model, optimizer = build("sgd")
    calls = {"n": 0}
    steps_per_epoch = -(-N // BATCH)

    def loss_fn(output, target):
        calls["n"] += 1
        loss = md.nn.functional.cross_entropy(output, target)
        if dist.get_rank() == 1 and calls["n"] == steps_per_epoch + 2:
            return loss * float("nan")
        return loss

    trainer = Trainer(model, optimizer, strategy=Supervised(loss_fn), verbose=0)
    trainer.fit(DataLoader(train, BATCH), 3)
    return {
        "nan/epoch": np.array(trainer.epoch),
        "nan/reason": np.array(trainer.stop_reason),
        "nan/calls": np.array(calls["n"]),
    }


def stop_on_one_rank():
    """A callback stops rank 1 alone after epoch 1 (e.g. its own clock): both ranks stop."""
    train, _ = data()
    model, optimizer = build("sgd")
    trainer = Trainer(model, optimizer, verbose=0)

    def stop(epoch, logs):
        if dist.get_rank() == 1:
            trainer.stop_training = True

    trainer.fit(DataLoader(train, BATCH), 4, callbacks=[LambdaCallback(on_epoch_end=stop)])
    return {"stop/epoch": np.array(trainer.epoch), "stop/reason": np.array(str(trainer.stop_reason))}


def batch_norm_buffers():
    """BatchNorm's running statistics: rank 0's on every rank after each epoch (as checkpoints hold)."""
    train, _ = data()
    md.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(FEATURES, HIDDEN), nn.BatchNorm1d(HIDDEN), nn.Tanh(), nn.Linear(HIDDEN, CLASSES)
    )
    Trainer(model, md.optim.SGD(model.parameters(), lr=0.1), verbose=0).fit(DataLoader(train, BATCH), 1)
    return {
        "bn/running_mean": model[1].running_mean.array.copy(),
        "bn/running_var": model[1].running_var.array.copy(),
    }


def messages_per_step():
    """Allreduce calls of 2 epochs without validation: one per step (the gradients, carrying the
    non-finite flag) and two per epoch (the numbers, the stop decision)."""
    train, _ = data()
    model, optimizer = build("sgd")
    trainer = Trainer(model, optimizer, verbose=0)
    calls, original = [0], dist.all_reduce

    def counting(*args, **kwargs):
        calls[0] += 1
        return original(*args, **kwargs)

    from mathdl.distributed import collectives

    dist.all_reduce = collectives.all_reduce = counting  # the package's name and the module's
    try:
        trainer.fit(DataLoader(train, BATCH), 2)
    finally:
        dist.all_reduce = collectives.all_reduce = original
    return {
        "messages/all_reduce_calls": np.array(calls[0]),
        "messages/buckets": np.array(len(trainer.distributed.wrappers["main"]._buckets)),
    }


def uneven_batch():
    train, _ = data()
    model, optimizer = build("sgd")
    try:
        Trainer(model, optimizer, verbose=0).fit(DataLoader(train, 15), 1)
    except ValueError as error:
        return {"uneven/message": np.array(str(error))}
    return {"uneven/message": np.array("no error")}


def main(out):
    out = Path(out)
    dist.init_process_group(backend="mpi")
    results = {}
    for name in ("sgd", "adam"):
        results.update(equivalence(name))
    results.update(resume(out))
    results.update(non_finite())
    results.update(stop_on_one_rank())
    results.update(batch_norm_buffers())
    results.update(messages_per_step())
    results.update(uneven_batch())
    np.savez(out / f"rank{dist.get_rank()}.npz", **results)
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1])
