"""Run every speed benchmark in two settings and write benchmarks/RESULTS.md (atomically).

    python benchmarks/run_all.py [--quick] [--threads 1,2] [--processes 3]
        [--only char_lstm,conv2d_layers] [--output benchmarks/RESULTS.md]

Settings. *One thread each*: every script runs in ``--processes`` subprocesses (default 3, taken
in turns across the scripts) with OPENBLAS_NUM_THREADS, OMP_NUM_THREADS and MKL_NUM_THREADS set to
1 and ``torch.set_num_threads(1)``; a row pools the passes of all its processes
(``harness.pool_rows``) and also lists each process's own ratio. *Each side's best
thread count*: the scripts run again with every count in ``--threads`` (default 1 and 2), and for
each row each side keeps its fastest run; the ratio pairs those runs pass by pass. Then the memory
benchmark (one thread). The results file states the machine, versions, thread settings, date and
load, every ratio with its spread, and the targets of issue 17 with the figure each was judged on.
``--quick`` is a smoke run (small blocks, 3 passes, part of an epoch): its numbers are not results.
A full run (no ``--quick``, ``--only`` or ``--output``) also writes its file to
``benchmarks/results/RESULTS-<BLAS kernels>.md`` (e.g. ``RESULTS-openblas-Haswell.md``): the latest
run on each kernel set, since the same code gives different ratios on AVX2 and AVX-512 machines.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

import harness

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUTPUT = os.path.join(HERE, "RESULTS.md")
SPEED = ["op_overhead", "char_lstm", "transformer_lm", "cnn_lenet", "conv2d_layers", "mlp_keras_example"]


def run_script(name, threads, quick, folder, process=0):
    """Run one benchmark script in a subprocess with ``threads`` threads; returns its JSON."""
    out = os.path.join(folder, f"{name}-{threads}-{process}.json")
    env = dict(os.environ)
    for variable in harness.THREAD_VARIABLES:
        env[variable] = str(threads)
    command = [sys.executable, os.path.join(HERE, f"{name}.py"), "--threads", str(threads), "--json", out]
    if quick:
        command.append("--quick")
    print(f"$ {' '.join(command[1:])}  (threads {threads})", flush=True)
    subprocess.run(command, check=True, env=env, cwd=HERE)
    with open(out, encoding="utf-8") as handle:
        return json.load(handle)


def uptime():
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def best_rows(runs):
    """Rows of the best-thread-count setting: ``runs`` {threads: payload}; per row and side the
    run with the lowest median, and the subject's ratio against every other side from those runs."""
    counts = sorted(runs)
    rows = []
    for index, first in enumerate(runs[counts[0]]["rows"]):
        times, chosen = {}, {}
        for side in first["times"]:
            t, values = harness.best_of({c: runs[c]["rows"][index]["times"][side] for c in counts})
            times[side], chosen[side] = values, t
        extra = {k: first[k] for k in ("loss_check",) if k in first}
        row = harness.row(first["benchmark"], first["case"], times, unit=first["unit"], **extra)
        row["threads"] = chosen
        rows.append(row)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--threads", default="1,2", help="thread counts tried for the best setting")
    parser.add_argument("--only", default=None, help="comma-separated subset of " + ",".join(SPEED))
    parser.add_argument("--output", default=DEFAULT_OUTPUT)
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory benchmark")
    parser.add_argument(
        "--processes",
        type=int,
        default=None,
        help="processes per script in the one-thread setting, their passes pooled (default 3; --quick: 1)",
    )
    args = parser.parse_args(argv)
    if args.processes is None:
        args.processes = 1 if args.quick else 3
    if args.processes < 1:
        parser.error(f"--processes must be at least 1, got {args.processes}")
    counts = sorted({int(t) for t in args.threads.split(",")} | {1})
    names = SPEED if args.only is None else [n for n in args.only.split(",") if n]
    load_before = uptime()
    processes = args.processes
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        # one thread each: every script in ``processes`` processes, taken in turns (a slow spell of
        # the machine then falls on several scripts' single processes, not on all of one script's)
        single = {name: [] for name in names}
        for process in range(processes):
            for name in names:
                single[name].append(run_script(name, 1, args.quick, folder, process))
        best_runs = {}
        for name in names:
            pooled = dict(single[name][0], rows=harness.pool_rows([p["rows"] for p in single[name]]))
            more = {t: run_script(name, t, args.quick, folder) for t in counts if t != 1}
            results[name] = {1: pooled, **more}
            # the best-thread setting pairs one process per count, pass by pass (the first at one thread)
            best_runs[name] = {1: single[name][0], **more}
        memory = None
        if not args.no_memory:
            print("$ memory.py", flush=True)
            out = os.path.join(folder, "memory.json")
            command = [sys.executable, os.path.join(HERE, "memory.py"), "--json", out]
            subprocess.run(
                command,
                check=True,
                cwd=HERE,
                env=dict(os.environ, **dict.fromkeys(harness.THREAD_VARIABLES, "1")),
            )
            with open(out, encoding="utf-8") as handle:
                memory = json.load(handle)["memory"]
    from report import archive_name, render

    text = render(results, memory, counts, args, load_before, uptime(), best_runs)
    harness.write_atomic(args.output, text)
    print(f"wrote {args.output}")
    name = archive_name(next(iter(results.values()))[1]["facts"]) if results else None
    if name and not args.quick and args.only is None and args.output == DEFAULT_OUTPUT:
        archived = os.path.join(HERE, "results", name)
        harness.write_atomic(archived, text)
        print(f"wrote {archived} (this kernel set's latest full run)")


if __name__ == "__main__":
    main()
