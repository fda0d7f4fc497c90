"""Where a mathdl training step spends its time: CPU time per step and a cProfile of the step's
functions, for the workloads of benchmarks/char_lstm.py, transformer_lm.py and cnn_lenet.py.

    OPENBLAS_NUM_THREADS=1 python benchmarks/profile_step.py --workload transformer_lm [--steps 10] [--top 25]

``--workload`` is ``char_lstm``, ``transformer_lm``, ``small_cnn`` or ``lenet``. The step is the
mathdl side the benchmark times (same model, data and optimiser); after warm-up steps, ``--steps``
steps are timed with ``time.process_time`` (one thread: CPU time, steady on a shared machine), then
the same number run under cProfile, whose table is printed sorted by each function's own time
(NumPy calls made with operators, such as ``a @ b``, count in the calling function's own time).
"""

import argparse
import cProfile
import io
import pstats
import sys
import time

WORKLOADS = ("char_lstm", "transformer_lm", "small_cnn", "lenet")


def step_of(workload):
    """The mathdl step function of one workload."""
    if workload in ("small_cnn", "lenet"):
        import cnn_lenet

        return cnn_lenet.build("mathdl", which=workload)
    return __import__(workload).build("mathdl")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", choices=WORKLOADS, required=True)
    parser.add_argument("--steps", type=int, default=10, help="timed and profiled steps (default 10)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps first (default 3)")
    parser.add_argument("--top", type=int, default=25, help="rows of the profile to print (default 25)")
    args = parser.parse_args(argv)
    if args.steps < 1 or args.warmup < 0 or args.top < 1:
        raise ValueError("profile_step: --steps and --top must be ≥ 1 and --warmup ≥ 0")
    sys.argv = [sys.argv[0], "--threads", "1"]  # the benchmark modules read their harness options
    step = step_of(args.workload)
    for _ in range(args.warmup):
        step()
    start = time.process_time()
    for _ in range(args.steps):
        step()
    per_step = (time.process_time() - start) / args.steps
    print(f"{args.workload}: {per_step * 1e3:.2f} ms CPU per step (mean of {args.steps} steps)")
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(args.steps):
        step()
    profile.disable()
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(args.top)
    print(out.getvalue())


if __name__ == "__main__":
    main()
