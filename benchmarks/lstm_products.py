"""The per-step products of an LSTM layer, whole against cut into blocks (CPU time, one thread).

    OPENBLAS_NUM_THREADS=1 python benchmarks/lstm_products.py [--batch 32] [--hidden 256] [--repeats 300]

Forward, each step multiplies h (B, H) by the four blocks of W_hhᵀ (H, 4H); backward, the gate
adjoints (B, 4H) by W_hh (4H, H). The fused LSTM (``mathdl.nn.functional.recurrent``) cuts both
into the (rows, columns) blocks ``_product_blocks`` picks, each a product of at most 10⁶
multiply-adds, which OpenBLAS's small-matrix kernels (AVX-512 CPUs) compute without first packing
both operands; where the BLAS has no such kernels (``mathdl.backend.blas_small_matrix_kernels``)
the LSTM keeps the products whole, and this script still times the blocks it would cut into.
Printed per product: microseconds per call and GFLOP/s whole and cut, and the 1024³ GEMM rate
measured in the same process (best of five runs of ``--repeats`` calls each).
"""

import argparse
import time

import numpy as np

from mathdl.backend import blas_small_matrix_kernels
from mathdl.nn.functional import recurrent


def best_time(function, repeats):
    """The shortest CPU time of one call, over five runs of ``repeats`` calls."""
    function()
    runs = []
    for _ in range(5):
        start = time.process_time()
        for _ in range(repeats):
            function()
        runs.append((time.process_time() - start) / repeats)
    return min(runs)


def products(batch, hidden, rng):
    """(name, whole, cut, flops) for the forward and backward per-step products."""
    h = rng.standard_normal((batch, hidden)).astype(np.float32)
    adjoints = rng.standard_normal((batch, 4 * hidden)).astype(np.float32)
    w_hh = rng.standard_normal((4 * hidden, hidden)).astype(np.float32)
    w_blocks = np.ascontiguousarray(w_hh.reshape(4, hidden, hidden).transpose(0, 2, 1))
    gates = np.empty((4, batch, hidden), np.float32)
    recurrent._CUT_STEP_PRODUCTS = True  # the blocks a small-kernel BLAS gets, on any BLAS
    m, n = recurrent._product_blocks(batch, hidden, hidden)
    w_cut = np.ascontiguousarray(w_hh.reshape(4, hidden // n, n, hidden).transpose(0, 1, 3, 2))
    h_cut = h.reshape(batch // m, 1, 1, m, hidden)
    gates_cut = gates.reshape(4, batch // m, m, hidden // n, n).transpose(1, 0, 3, 2, 4)
    dh = np.empty((batch, hidden), np.float32)
    back_m, back_n = recurrent._product_blocks(batch, 4 * hidden, hidden)
    w_back = np.ascontiguousarray(w_hh.reshape(4 * hidden, hidden // back_n, back_n).transpose(1, 0, 2))
    adjoints_cut = adjoints.reshape(batch // back_m, 1, back_m, 4 * hidden)
    dh_cut = dh.reshape(batch // back_m, back_m, hidden // back_n, back_n).transpose(0, 2, 1, 3)
    flops = 2 * batch * hidden * 4 * hidden
    return [
        (
            f"forward  h·W_hhᵀ, {m} × {n} blocks",
            lambda: np.matmul(h, w_blocks, out=gates),
            lambda: np.matmul(h_cut, w_cut, out=gates_cut),
            flops,
        ),
        (
            f"backward δ·W_hh, {back_m} × {back_n} blocks",
            lambda: np.matmul(adjoints, w_hh, out=dh),
            lambda: np.matmul(adjoints_cut, w_back, out=dh_cut),
            flops,
        ),
    ]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=300)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    square = rng.standard_normal((1024, 1024)).astype(np.float32)
    rate = 2 * 1024**3 / best_time(lambda: square @ square, max(args.repeats // 100, 3)) / 1e9
    print(f"batch {args.batch}, hidden {args.hidden}; 1024³ GEMM {rate:.0f} GFLOP/s")
    kernels = "yes (the LSTM cuts)" if blas_small_matrix_kernels() else "no (the LSTM keeps them whole)"
    print(f"small-matrix kernels in this BLAS: {kernels}")
    for name, whole, cut, flops in products(args.batch, args.hidden, rng):
        whole_time, cut_time = best_time(whole, args.repeats), best_time(cut, args.repeats)
        print(
            f"{name}: whole {whole_time * 1e6:.0f} µs ({flops / whole_time / 1e9:.0f} GFLOP/s), "
            f"cut {cut_time * 1e6:.0f} µs ({flops / cut_time / 1e9:.0f} GFLOP/s), "
            f"whole/cut {whole_time / cut_time:.2f}×"
        )


if __name__ == "__main__":
    main()
