"""A/B of a training step (the mathdl side of benchmarks/char_lstm.py, transformer_lm.py or
cnn_lenet.py) between source trees: CPU time and minor page faults per step, alternating processes.

    OPENBLAS_NUM_THREADS=1 python benchmarks/step_ab.py --workload transformer_lm \\
        --side old=/tmp/main/src --side new=src [--rounds 6] [--steps 20] [--with-torch]

``--workload`` is ``char_lstm`` (the LSTM LM step), ``char_gru`` or ``char_rnn`` (the same LM with
GRU or tanh-RNN layers), ``transformer_lm`` (the transformer LM step), ``small_cnn`` or ``lenet``
(the CNN steps).
Each side is ``name=path[:NAME=VALUE,…]``: a fresh process (no PyTorch in it) imports mathdl from
``path`` (PYTHONPATH), with the given environment variables set (e.g. glibc's
``MALLOC_MMAP_THRESHOLD_``), builds the workload's ``build_mathdl`` step, runs warm-up steps,
then times ``--steps`` steps one by one with ``time.process_time`` (CPU time: the machine is
shared) and counts the minor page faults of each (``getrusage``'s ``ru_minflt``). The sides run
in rotating order for ``--rounds`` rounds; reported per side, as medians over the rounds: each
process's median step CPU time and its mean faults per step, and the side's CPU time over the
first side's, paired round by round (median and range). ``--with-torch`` (not for char_gru or
char_rnn, which have no PyTorch side) also builds the PyTorch step in
each measured process and runs ten of its steps before every ten timed mathdl steps, as the
workload's benchmark process does (PyTorch's allocations change where glibc puts the step's
arrays, and so how many pages a step faults in).
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

WORKLOADS = ("char_lstm", "char_gru", "char_rnn", "transformer_lm", "small_cnn", "lenet")


def build_step(workload, side):
    """One side's step function of a workload (the benchmark modules' ``build``)."""
    import char_lstm  # (imports harness first, which applies --threads)

    if workload in ("small_cnn", "lenet"):
        import cnn_lenet

        return cnn_lenet.build(side, which=workload)
    if workload in ("char_gru", "char_rnn"):
        if side != "mathdl":
            raise ValueError(f"step_ab: {workload} has no PyTorch side (drop --with-torch)")
        vocab_size, batches = char_lstm.data()
        char_lstm.md.manual_seed(0)
        model = char_lstm.CharRNNLM(
            vocab_size, char_lstm.EMBED, char_lstm.HIDDEN, char_lstm.LAYERS, cell=workload[len("char_") :]
        )
        return char_lstm.mathdl_lm_step(model, vocab_size, batches, char_lstm.LR)
    return __import__(workload).build(side)


def measure(workload, steps, warmup, with_torch):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    if with_torch:
        import torch

        torch.set_num_threads(1)
        torch.set_num_interop_threads(1)
    sys.argv = [sys.argv[0], "--threads", "1"]
    step = build_step(workload, "mathdl")
    other = build_step(workload, "pytorch") if with_torch else None
    for _ in range(warmup):
        step()
    times, faults = [], []
    for index in range(steps):
        if other is not None and index % 10 == 0:
            for _ in range(10):
                other()
        start_faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        start = time.process_time()
        step()
        times.append(time.process_time() - start)
        faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - start_faults)
    source = os.path.dirname(os.path.dirname(sys.modules["mathdl"].__file__))
    return {
        "cpu": statistics.median(times),
        "faults": statistics.mean(faults),
        "source": source,
        "torch": "torch" in sys.modules and not with_torch,
    }


def run_side(workload, path, extra_env, steps, warmup, with_torch):
    env = dict(os.environ, PYTHONPATH=os.path.abspath(path), OPENBLAS_NUM_THREADS="1", **extra_env)
    command = [sys.executable, os.path.abspath(__file__), "--child", "--workload", workload]
    command += ["--steps", str(steps)]
    command += ["--warmup", str(warmup)] + (["--with-torch"] if with_torch else [])
    output = subprocess.run(command, capture_output=True, text=True, check=True, env=env)
    result = json.loads(output.stdout.strip().splitlines()[-1])
    if os.path.realpath(result["source"]) != os.path.realpath(path):
        raise RuntimeError(f"the side for {path} imported mathdl from {result['source']}")
    if result["torch"]:
        raise RuntimeError("PyTorch was imported in the measured process")
    return result


def parse_side(text):
    name, _, spec = text.partition("=")
    path, _, settings = spec.partition(":")
    if not name or not path:
        raise ValueError(f"--side {text!r}: expected name=path or name=path:NAME=VALUE,…")
    env = {}
    for item in filter(None, settings.split(",")):
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValueError(f"--side {text!r}: {item!r} is not NAME=VALUE")
        env[key] = value
    return name, path, env


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", choices=WORKLOADS, required=True)
    parser.add_argument("--side", action="append", default=[])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--with-torch", action="store_true")
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.workload, args.steps, args.warmup, args.with_torch)))
        return
    sides = [parse_side(s) for s in args.side]
    if len(sides) < 2:
        raise ValueError("give at least two --side name=path[:NAME=VALUE,…]")
    results = {name: [] for name, _, _ in sides}
    for r in range(args.rounds):
        order = sides[r % len(sides) :] + sides[: r % len(sides)]
        for name, path, env in order:
            results[name].append(run_side(args.workload, path, env, args.steps, args.warmup, args.with_torch))
        print(f"round {r + 1}: " + ", ".join(f"{n} {v[-1]['cpu'] * 1e3:.1f} ms" for n, v in results.items()))
    base = sides[0][0]
    for name, values in results.items():
        cpu = statistics.median(v["cpu"] for v in values)
        faults = statistics.median(v["faults"] for v in values)
        ratios = [v["cpu"] / b["cpu"] for v, b in zip(values, results[base])]
        print(
            f"{name}: {cpu * 1e3:.1f} ms CPU/step, {faults:.1f} minor faults/step, "
            f"/{base} {statistics.median(ratios):.3f} (range {min(ratios):.3f}–{max(ratios):.3f})"
        )


if __name__ == "__main__":
    main()
