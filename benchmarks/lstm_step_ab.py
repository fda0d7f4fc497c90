"""A/B of the LSTM LM training step (benchmarks/char_lstm.py's mathdl side) between source trees:
CPU time and minor page faults per step, alternating processes.

    OPENBLAS_NUM_THREADS=1 python benchmarks/lstm_step_ab.py --side old=/tmp/main/src \\
        --side new=src [--side new_floor4M=src:4194304] [--rounds 6] [--steps 20]

Each side is ``name=path[:floor]``: a fresh process imports mathdl from ``path`` (PYTHONPATH) and,
if ``floor`` is given, sets ``mathdl.nn.functional.recurrent._CACHED_FROM`` to it (the size from
which the recurrent ops take buffers from ``mathdl.ops.workspace``). The process runs warm-up
steps, then times ``--steps`` steps one by one with ``time.process_time`` (CPU time: the machine
is shared) and counts the minor page faults of each (``getrusage``'s ``ru_minflt``). The sides run
in rotating order for ``--rounds`` rounds; reported per side, as medians over the rounds: each
process's median step CPU time and its mean faults per step, and the side's CPU time over the
first side's, paired round by round (median and range).
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time


def measure(steps, warmup, floor):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    sys.argv = [sys.argv[0], "--threads", "1"]
    import char_lstm  # (imports harness first, which applies --threads)

    if floor is not None:
        from mathdl.nn.functional import recurrent

        recurrent._CACHED_FROM = floor
    vocab_size, batches = char_lstm.data()
    step = char_lstm.build_mathdl(vocab_size, batches)
    for _ in range(warmup):
        step()
    times, faults = [], []
    for _ in range(steps):
        start_faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        start = time.process_time()
        step()
        times.append(time.process_time() - start)
        faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - start_faults)
    source = os.path.dirname(os.path.dirname(char_lstm.md.__file__))
    return {"cpu": statistics.median(times), "faults": statistics.mean(faults), "source": source}


def run_side(path, floor, steps, warmup):
    env = dict(os.environ, PYTHONPATH=os.path.abspath(path), OPENBLAS_NUM_THREADS="1")
    command = [sys.executable, os.path.abspath(__file__), "--child", "--steps", str(steps)]
    command += ["--warmup", str(warmup)] + (["--floor", str(floor)] if floor is not None else [])
    output = subprocess.run(command, capture_output=True, text=True, check=True, env=env)
    result = json.loads(output.stdout.strip().splitlines()[-1])
    if os.path.realpath(result["source"]) != os.path.realpath(path):
        raise RuntimeError(f"the side for {path} imported mathdl from {result['source']}")
    return result


def parse_side(text):
    name, _, spec = text.partition("=")
    path, _, floor = spec.partition(":")
    if not name or not path:
        raise ValueError(f"--side {text!r}: expected name=path or name=path:floor")
    return name, path, int(floor) if floor else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", action="append", default=[])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--floor", type=int, default=None)
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.steps, args.warmup, args.floor)))
        return
    sides = [parse_side(s) for s in args.side]
    if len(sides) < 2:
        raise ValueError("give at least two --side name=path[:floor]")
    results = {name: [] for name, _, _ in sides}
    for r in range(args.rounds):
        order = sides[r % len(sides) :] + sides[: r % len(sides)]
        for name, path, floor in order:
            results[name].append(run_side(path, floor, args.steps, args.warmup))
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
