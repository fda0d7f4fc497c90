"""One epoch of the book network (784-512-10, ReLU, softmax + categorical cross-entropy, RMSprop
lr 1e-3 rho 0.9 eps 1e-7, batch 128, full Fashion-MNIST, shuffled) three ways, timed interleaved
in the same run:

    mathdl   ``network.fit(x, y, epochs=1, batch_size=128)`` through the Keras facade (the whole
             fit loop: shuffling, batching, forward, fused loss, backward, RMSprop, loss and
             accuracy bookkeeping)
    NumPy    the same epoch written by hand (the same work: shuffle, forward, softmax-CE, backward,
             RMSprop, running loss and accuracy)
    PyTorch  the same epoch in PyTorch on the CPU (skipped when torch is not installed)

Prints the median seconds per epoch over ``--passes`` passes, wall-clock and CPU time (CPU time
is the fairer one on a shared machine: a descheduled process does not accumulate it, though
spinning BLAS threads do), and the ratios mathdl/NumPy (goal ≤ 1.10) and mathdl/PyTorch (goal
≤ 1.0), then trains a fresh mathdl network for
``--accuracy-epochs`` epochs and prints its test accuracy.

    python benchmarks/mlp_keras_example.py [--threads 1] [--passes 5] [--quick] [--json out.json]
        [--accuracy-epochs 0]

Every side gets the same one-hot targets (the book's categorical cross-entropy) and the same
shuffled batches' sizes; first-epoch losses are compared from the same initial weights is not
possible (each side draws its own Glorot weights), so the check compares the sides' mean loss
after one epoch, which must land within 0.05 of each other. Also reported: the epoch's GEMM flops
over the GEMM rate measured in the same process (target: mathdl ≥ 60 % of that peak).
"""

import harness
import numpy as np

LR, RHO, EPS, BATCH = 1e-3, 0.9, 1e-7, 128


def load():
    from mathdl.keras.datasets import fashion_mnist
    from mathdl.keras.utils import to_categorical

    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    x_train = x_train.reshape((60000, 28 * 28)).astype("float32") / 255
    x_test = x_test.reshape((10000, 28 * 28)).astype("float32") / 255
    return (x_train, to_categorical(y_train)), (x_test, to_categorical(y_test))


def glorot(rng, fan_in, fan_out):
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, (fan_in, fan_out)).astype(np.float32)


class MathdlKeras:
    name = "mathdl (keras fit)"

    def __init__(self, seed):
        import mathdl as md
        from mathdl.keras import layers, models

        md.manual_seed(seed)
        self.network = models.Sequential()
        self.network.add(layers.Dense(512, activation="relu", input_shape=(28 * 28,)))
        self.network.add(layers.Dense(10, activation="softmax"))
        self.network.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])

    def epoch(self, x, y):
        history = self.network.fit(x, y, epochs=1, batch_size=BATCH, verbose=0)
        return history.history["loss"][0], history.history["accuracy"][0]

    def test_accuracy(self, x, y):
        return self.network.evaluate(x, y, verbose=0)[1]


class HandNumPy:
    """The textbook epoch in NumPy, float32, the same algorithm as the Keras fit."""

    name = "hand-written NumPy"

    def __init__(self, seed):
        rng = np.random.default_rng(seed)
        self.rng = rng
        self.params = [
            glorot(rng, 784, 512),
            np.zeros(512, np.float32),
            glorot(rng, 512, 10),
            np.zeros(10, np.float32),
        ]
        self.square_avgs = [np.zeros_like(p) for p in self.params]

    def epoch(self, x, y):
        w1, b1, w2, b2 = self.params
        order = self.rng.permutation(len(x))
        loss_sum = correct = 0.0
        for start in range(0, len(x), BATCH):
            index = order[start : start + BATCH]
            xb, yb = x[index], y[index]
            n = len(xb)
            pre = xb @ w1 + b1
            hidden = np.maximum(pre, 0)
            logits = hidden @ w2 + b2
            shifted = logits - logits.max(axis=1, keepdims=True)
            exps = np.exp(shifted)
            sums = exps.sum(axis=1, keepdims=True)
            log_p = shifted - np.log(sums)
            loss = -(yb * log_p).sum() / n
            loss_sum += float(loss) * n
            correct += np.count_nonzero(logits.argmax(axis=1) == yb.argmax(axis=1))
            g_logits = (exps / sums - yb) / n
            g_w2 = hidden.T @ g_logits
            g_b2 = g_logits.sum(axis=0)
            g_hidden = (g_logits @ w2.T) * (pre > 0)
            g_w1 = xb.T @ g_hidden
            g_b1 = g_hidden.sum(axis=0)
            for p, s, g in zip(self.params, self.square_avgs, (g_w1, g_b1, g_w2, g_b2)):
                s *= RHO
                s += (1 - RHO) * g * g
                p -= LR * g / (np.sqrt(s) + EPS)
        return loss_sum / len(x), correct / len(x)


class PyTorchCPU:
    name = "PyTorch CPU"

    def __init__(self, seed):
        import torch

        self.torch = torch
        torch.manual_seed(seed)
        self.model = torch.nn.Sequential(torch.nn.Linear(784, 512), torch.nn.ReLU(), torch.nn.Linear(512, 10))
        for layer in (self.model[0], self.model[2]):
            torch.nn.init.xavier_uniform_(layer.weight)
            torch.nn.init.zeros_(layer.bias)
        self.optimizer = torch.optim.RMSprop(self.model.parameters(), lr=LR, alpha=RHO, eps=EPS)
        self.cache = None

    def epoch(self, x, y):
        torch = self.torch
        if self.cache is None or self.cache[0] is not x:
            self.cache = (x, torch.from_numpy(x), torch.from_numpy(y))
        _, tx, ty = self.cache
        order = torch.randperm(len(x))
        loss_sum = correct = 0.0
        for start in range(0, len(x), BATCH):
            index = order[start : start + BATCH]
            xb, yb = tx[index], ty[index]
            logits = self.model(xb)
            loss = torch.nn.functional.cross_entropy(logits, yb)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            loss_sum += loss.item() * len(xb)
            correct += (logits.argmax(dim=1) == yb.argmax(dim=1)).sum().item()
        return loss_sum / len(x), correct / len(x)


def flops(samples):
    """GEMM flops of an epoch: forward x W1, h W2; backward ∂W1, ∂W2 and ∂h (no ∂x)."""
    return 2 * samples * (784 * 512 * 2 + 512 * 10 * 3)


def main(argv=None):
    parser = harness.parser(__doc__.split("\n\n")[0])
    parser.add_argument(
        "--accuracy-epochs", type=int, default=0, help="then train this many epochs (0: skip)"
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    import torch

    harness.apply_threads(torch, args.threads)
    (x_train, y_train), (x_test, y_test) = load()
    if args.quick:
        x_train, y_train = x_train[:6400], y_train[:6400]
    runners = {
        "mathdl": MathdlKeras(args.seed),
        "numpy": HandNumPy(args.seed),
        "pytorch": PyTorchCPU(args.seed),
    }
    losses = {}

    def epoch_of(name, runner):
        def epoch():
            losses[name] = runner.epoch(x_train, y_train)[0]
            return losses[name]

        return epoch

    sides = {name: epoch_of(name, runner) for name, runner in runners.items()}
    gemm, gemm_flops = harness.gemm_side(repeats=20)
    cpu = {}
    times = harness.measure(dict(sides, GEMM=gemm), 1, harness.passes_of(args), warmup=1, cpu=cpu)
    rate, rate_cpu = harness.split_gemm(times, cpu, gemm_flops)
    check = harness.check_losses(losses, rtol=0.0, atol=0.05)
    result = harness.row(
        "Keras-book MLP epoch",
        f"784-512-10, RMSprop, batch {BATCH}, {len(x_train)} images, one-hot targets",
        times,
        unit="s/epoch",
        cpu=cpu if args.threads == 1 else None,
        loss_check=check,
    )
    harness.limits(result, flops(len(x_train)) / 1e9, rate, rate_cpu)
    print(f"mathdl epoch at {result['peak_fraction']:.0%} of the GEMM peak ({rate['median']:.1f} GFLOP/s)")
    if args.accuracy_epochs:
        fresh = MathdlKeras(args.seed)
        fresh.network.fit(x_train, y_train, epochs=args.accuracy_epochs, batch_size=BATCH, verbose=2)
        print(
            f"mathdl test accuracy after {args.accuracy_epochs} epochs: {fresh.test_accuracy(x_test, y_test):.4f}"
        )
    return harness.finish(args, [result])


if __name__ == "__main__":
    main()
