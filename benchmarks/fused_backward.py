"""Why the fused Functions keep a NumPy fast path: forward + first-order backward of each fused op
against the same formula composed of differentiable ops (what the fused op differentiates when a
graph of the gradient is asked), timed interleaved in the same run, float32, at training sizes.

    layer_norm        x (64, 128, 256), γ, β               fused vs composed mean/var/normalise ops
    lstm sequence     T 64, B 32, H 128                     fused BPTT vs the step rule per time step
    sequence CE       (64·128, 65) logits, 10% padding      fused vs log_softmax ⊙ one-hot composed

Prints the median seconds per forward+backward and the ratio composed / fused (> 1: the fast path
earns its place); tests/nn/test_fused_paths.py proves both paths give the same gradient.

    OPENBLAS_NUM_THREADS=1 python benchmarks/fused_backward.py [--passes 5]
"""

import argparse
import statistics
import time

import numpy as np

import mathdl as md
import mathdl.nn.functional as F
from mathdl.nn.functional.normalization import _layer_norm_composed
from mathdl.nn.functional.recurrent import LSTMSequence, _composed_sequence


def _tensor(rng, shape, scale=1.0):
    return md.tensor((rng.standard_normal(shape) * scale).astype(np.float32), requires_grad=True)


def layer_norm_pair(rng):
    x, g, b = _tensor(rng, (64, 128, 256)), _tensor(rng, (256,)), _tensor(rng, (256,))

    def fused():
        F.layer_norm(x, (256,), g, b).sum().backward()

    def composed():
        _layer_norm_composed(x, (2,), 1e-5, g, b).sum().backward()

    return fused, composed, (x, g, b)


def lstm_pair(rng):
    xw, h, c, w = (
        _tensor(rng, (64, 32, 512)),
        _tensor(rng, (32, 128)),
        _tensor(rng, (32, 128)),
        _tensor(rng, (512, 128), 0.1),
    )

    def fused():
        out, h_t, c_t = LSTMSequence()(xw, h, c, w)
        out.sum().backward()

    def composed():
        out, h_t, c_t = _composed_sequence("LSTM", [xw, h, c, w])
        out.sum().backward()

    return fused, composed, (xw, h, c, w)


def sequence_ce_pair(rng):
    z = _tensor(rng, (64, 128, 65))
    targets = rng.integers(0, 65, (64, 128))
    mask = rng.random((64, 128)) > 0.1

    def fused():
        F.sequence_cross_entropy(z, targets, mask=mask).backward()

    def composed():
        flat = z.reshape(-1, 65)
        weights = np.zeros(flat.shape, dtype=np.float32)
        weights[np.arange(flat.shape[0]), targets.reshape(-1)] = mask.reshape(-1) / mask.sum()
        (-(md.log_softmax(flat, axis=1) * md.tensor(weights)).sum()).backward()

    return fused, composed, (z,)


def _time(function, params):
    start = time.perf_counter()
    function()
    elapsed = time.perf_counter() - start
    for p in params:
        p.grad = None
    return elapsed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passes", type=int, default=5)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    print(f"{'op':<16}{'fused (s)':>12}{'composed (s)':>14}{'composed / fused':>18}")
    for name, make in (
        ("layer_norm", layer_norm_pair),
        ("lstm sequence", lstm_pair),
        ("sequence CE", sequence_ce_pair),
    ):
        fused, composed, params = make(rng)
        fused(), composed()  # warm-up
        times = {"fused": [], "composed": []}
        for _ in range(args.passes):
            times["fused"].append(_time(fused, params))
            times["composed"].append(_time(composed, params))
        a, b = statistics.median(times["fused"]), statistics.median(times["composed"])
        print(f"{name:<16}{a:>12.4f}{b:>14.4f}{b / a:>18.2f}")


if __name__ == "__main__":
    main()
