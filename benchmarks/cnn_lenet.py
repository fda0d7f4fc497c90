"""Convolutional training, mathdl against PyTorch (CPU): a small CNN's step and a LeNet-5 epoch on
Fashion-MNIST, timed interleaved in the same run.

    small CNN   conv 1→32 3×3 p1 → ReLU → maxpool 2 → conv 32→64 3×3 p1 → ReLU → maxpool 2
                → dense 3136→128 → ReLU → dense 10;  batch 64, Adam(lr=1e-3)          (one step)
    LeNet-5     conv 6@5×5 p2 → ReLU → maxpool 2 → conv 16@5×5 → ReLU → maxpool 2 → dense 120
                → ReLU → dense 84 → ReLU → dense 10;  batch 128, Adam(lr=1e-3)        (one epoch,
                469 batches of the 60,000 shuffled training images; ``--quick``: 20 batches)

    python benchmarks/cnn_lenet.py [--threads 1] [--passes 5] [--quick] [--json out.json]

Both sides get the same NCHW float32 batches and integer labels, start from the same weights and
check their first-step losses agree. PyTorch runs twice: in its default NCHW layout and in
``channels_last`` (model and each batch converted, the conversion counted), and targets are judged
against the faster of the two. Target: mathdl / PyTorch ≤ 0.9 for both, one thread each.
"""

import harness
import numpy as np

import mathdl as md
import mathdl.nn.functional as F
from mathdl import nn, optim
from mathdl.nn.layers.conv import Conv2d
from mathdl.nn.layers.pooling import MaxPool2d

LR = 1e-3


def small_cnn_mathdl():
    return nn.Sequential(
        Conv2d(1, 32, 3, padding=1), nn.ReLU(), MaxPool2d(2),
        Conv2d(32, 64, 3, padding=1), nn.ReLU(), MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10),
    )  # fmt: skip


def lenet_mathdl():
    return nn.Sequential(
        Conv2d(1, 6, 5, padding=2), nn.ReLU(), MaxPool2d(2),
        Conv2d(6, 16, 5), nn.ReLU(), MaxPool2d(2),
        nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    )  # fmt: skip


def to_torch_module(torch, model):
    """The same Sequential in PyTorch, with the mathdl model's weights."""
    tnn = torch.nn
    layers = []
    for layer in model:
        if isinstance(layer, Conv2d):
            layers.append(
                tnn.Conv2d(layer.in_channels, layer.out_channels, layer.kernel_size, padding=layer.padding)
            )
        elif isinstance(layer, MaxPool2d):
            layers.append(tnn.MaxPool2d(2))
        elif isinstance(layer, nn.Linear):
            layers.append(tnn.Linear(layer.in_features, layer.out_features))
        else:
            layers.append({"ReLU": tnn.ReLU, "Flatten": tnn.Flatten}[type(layer).__name__]())
    result = tnn.Sequential(*layers)
    result.load_state_dict({k: torch.tensor(np.asarray(v.array)) for k, v in model.state_dict().items()})
    return result


def fashion(samples=None):
    from mathdl.data import load_fashion_mnist

    (x, y), _ = load_fashion_mnist(download=False)
    x = (x[:samples].astype(np.float32) / 255.0)[:, None]
    return np.ascontiguousarray(x), y[:samples].astype(np.int64)


def trainer_mathdl(model):
    optimizer = optim.Adam(model.parameters(), lr=LR)

    def train(xb, yb):
        loss = F.cross_entropy(model(md.Tensor(xb)), md.Tensor(yb))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    return train


def trainer_torch(torch, model, channels_last):
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)

    def train(xb, yb):
        x = torch.from_numpy(xb)
        if channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        loss = torch.nn.functional.cross_entropy(model(x), torch.from_numpy(yb))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    return train


def trainers(make_model, torch):
    md.manual_seed(0)
    model = make_model()
    result = {"mathdl": trainer_mathdl(model)}
    if torch is not None:
        result["pytorch"] = trainer_torch(torch, to_torch_module(torch, model), False)
        result["pytorch channels_last"] = trainer_torch(torch, to_torch_module(torch, model), True)
    return result


def as_steps(train, x, y, batch):
    """A step function cycling through fixed batches."""
    state = {"k": 0}
    count = len(x) // batch

    def step():
        k = state["k"] % count
        state["k"] += 1
        return train(x[k * batch : (k + 1) * batch], y[k * batch : (k + 1) * batch])

    return step


def as_epochs(train, x, y, batch, batches, seed=0):
    """An epoch function: ``batches`` batches of a fresh shuffle (the same order on every side)."""
    rng = np.random.default_rng(seed)

    def epoch():
        order = rng.permutation(len(x))[: batches * batch]
        for start in range(0, len(order), batch):
            index = order[start : start + batch]
            loss = train(x[index], y[index])
        return loss

    return epoch


def build(side, which="small_cnn"):
    """One side's training step (also used by benchmarks/memory.py)."""
    torch = None
    if side != "mathdl":
        import torch
    x, y = fashion(1024)
    make = small_cnn_mathdl if which == "small_cnn" else lenet_mathdl
    batch = 64 if which == "small_cnn" else 128
    return as_steps(trainers(make, torch)[side], x, y, batch)


def main(argv=None):
    args = harness.parser(__doc__.splitlines()[0]).parse_args(argv)
    import torch

    harness.apply_threads(torch, args.threads)
    passes = harness.passes_of(args)
    x, y = fashion()
    rows = []
    train = trainers(small_cnn_mathdl, torch)
    steps = {name: as_steps(t, x, y, 64) for name, t in train.items()}
    check = harness.check_losses({name: step() for name, step in steps.items()})
    cpu = {}
    times = harness.measure(steps, 3 if args.quick else 10, passes, warmup=2, cpu=cpu)
    one = cpu if args.threads == 1 else None
    case = "2 conv + 2 dense, batch 64, 28×28, Adam"
    rows.append(harness.row("Small CNN step", case, times, cpu=one, loss_check=check))
    batches = 20 if args.quick else -(-len(x) // 128)  # the last batch is partial
    train = trainers(lenet_mathdl, torch)
    check = harness.check_losses({name: t(x[:128], y[:128]) for name, t in train.items()})
    epochs = {name: as_epochs(t, x, y, 128, batches) for name, t in train.items()}
    cpu = {}
    times = harness.measure(epochs, 1, passes, warmup=0, cpu=cpu)
    one = cpu if args.threads == 1 else None
    case = f"LeNet-5, {batches} batches of 128, Adam"
    rows.append(harness.row("LeNet epoch", case, times, unit="s/epoch", cpu=one, loss_check=check))
    return harness.finish(args, rows)


if __name__ == "__main__":
    main()
