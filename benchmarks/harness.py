"""The one measuring harness every speed benchmark uses, so their numbers can be trusted alike.

What it does for a comparison of "sides" (mathdl, PyTorch, hand-written NumPy):

* **Same work.** Each side is a ``step()`` callable that runs one unit of work (a training step, an
  epoch, an op chain) and returns its loss as a float. Before any timing, the first step of every
  side is run from the same weights on the same data and the losses must agree to a tolerance
  (``losses_agree``): otherwise the sides compute different things and the ratio would be
  meaningless, so the benchmark stops.
* **Warm-up.** ``warmup`` steps per side before timing (caches, lazy imports, allocator pools).
* **Blocks, alternating order.** Each pass times a block of ``steps`` consecutive steps per side;
  the order of the sides rotates from pass to pass (``rotation``), so drift in the machine's load
  hits every side alike. Blocks, not single steps, alternate: a training loop runs step after step
  with its own weights in cache.
* **Medians with spread.** ``passes`` ≥ 5 block times per side; reported as the median with min,
  max and quartiles (``summary``), and each ratio as the ratio of medians with the min–max of the
  per-pass ratios (``ratio_summary``: pass i of one side against pass i of the other, which ran
  right next to it).
* **Facts.** Machine, library versions, BLAS and torch thread settings, date and ``uptime`` load go
  with every result (``machine_facts``), and a GEMM timed as one more side in the same passes
  (``gemm_side``) gives the physical limit a step's flops imply (``limits``).
* **Two clocks.** Wall time, and with one thread per side the process CPU time of the same
  blocks: on a machine shared with other work, time spent descheduled is not counted by it.

Threads: a benchmark script is run with ``--threads n``. Importing this module *before NumPy*
sets ``OPENBLAS_NUM_THREADS``/``OMP_NUM_THREADS``/``MKL_NUM_THREADS`` from that flag (BLAS reads them
when it loads); ``apply_threads`` applies it to PyTorch and to mathdl. ``run_all.py`` sets the same variables in
the environment of each subprocess.
"""

import argparse
import datetime
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time

THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def threads_from_argv(argv):
    """The value of ``--threads N`` / ``--threads=N`` in ``argv``, or None."""
    for index, arg in enumerate(argv):
        if arg == "--threads" and index + 1 < len(argv):
            return int(argv[index + 1])
        if arg.startswith("--threads="):
            return int(arg.split("=", 1)[1])
    return None


_ARGV_THREADS = threads_from_argv(sys.argv[1:])
for _name in THREAD_VARIABLES:  # the parser's default is one thread: say so to BLAS too
    os.environ[_name] = str(1 if _ARGV_THREADS is None else _ARGV_THREADS)


# ----- pure functions (tests/benchmarks/test_harness.py) ------------------------------------------
def summary(values):
    """Median, min, max and quartiles of a list of numbers."""
    if not values:
        raise ValueError("summary: no values")
    ordered = sorted(values)
    if len(ordered) >= 2:
        q1, _, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    else:
        q1 = q3 = ordered[0]
    return {
        "median": statistics.median(ordered),
        "min": ordered[0],
        "max": ordered[-1],
        "q1": q1,
        "q3": q3,
        "n": len(ordered),
    }


def ratio_summary(ours, theirs):
    """ours / theirs for two lists of per-pass times: the ratio of the medians, and the min and max
    of the pass-by-pass ratios (pass i of one side timed next to pass i of the other)."""
    if len(ours) != len(theirs) or not ours:
        raise ValueError(
            f"ratio_summary: need equal, non-empty pass lists, got {len(ours)} and {len(theirs)}"
        )
    per_pass = [a / b for a, b in zip(ours, theirs)]
    return {
        "ratio": statistics.median(ours) / statistics.median(theirs),
        "min": min(per_pass),
        "max": max(per_pass),
    }


def rotation(names, pass_index):
    """The order of the sides in pass ``pass_index``: rotated by one each pass, so with two sides
    the order alternates and with k sides each goes first once every k passes."""
    names = list(names)
    if not names:
        return names
    shift = pass_index % len(names)
    return names[shift:] + names[:shift]


def losses_agree(losses, rtol=1e-3, atol=1e-4):
    """(True, message) when every loss in ``{side: loss}`` is within ``atol + rtol·|reference|`` of
    the first side's; (False, message naming the largest difference) otherwise."""
    names = list(losses)
    if not names:
        raise ValueError("losses_agree: no losses")
    reference = float(losses[names[0]])
    worst_name, worst = names[0], 0.0
    for name in names[1:]:
        difference = abs(float(losses[name]) - reference)
        if not math.isfinite(float(losses[name])):
            return False, f"{name}'s loss is {losses[name]}"
        if difference > worst:
            worst_name, worst = name, difference
    text = ", ".join(f"{name} {float(value):.6g}" for name, value in losses.items())
    ok = worst <= atol + rtol * abs(reference)
    if ok:
        return True, f"losses agree: {text}"
    return False, f"losses differ ({worst_name} by {worst:.3g}): {text}"


def geometric_mean(values):
    values = list(values)
    if not values or min(values) <= 0:
        raise ValueError(f"geometric_mean: need positive values, got {values}")
    return math.exp(sum(math.log(v) for v in values) / len(values))


def best_of(runs):
    """``runs``: {threads: [per-pass times]}. Returns (threads, times) of the run with the lowest
    median (ties go to fewer threads)."""
    if not runs:
        raise ValueError("best_of: no runs")
    threads = min(runs, key=lambda t: (statistics.median(runs[t]), t))
    return threads, runs[threads]


def format_ratio(stats):
    """'0.93× (0.90–0.97)': the ratio of medians and the range of the per-pass ratios."""
    return f"{stats['ratio']:.2f}× ({stats['min']:.2f}–{stats['max']:.2f})"


def format_seconds(seconds):
    if seconds >= 1.0:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.2f} µs"


def write_atomic(path, text):
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename, so a
    reader never sees half a file and an interrupted run leaves the old one."""
    folder = os.path.dirname(os.path.abspath(path))
    temporary = os.path.join(folder, f".{os.path.basename(path)}.{os.getpid()}.tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


# ----- measuring ------------------------------------------------------------------------------------
def measure(sides, steps, passes, warmup=1, clock=time.perf_counter, cpu=None):
    """{side: [seconds per step in each pass]}: ``warmup`` untimed steps per side, then ``passes``
    passes, each timing a block of ``steps`` steps of every side in ``rotation`` order. With a
    dict ``cpu``, the process CPU time of every block is recorded in it the same way (with one
    thread per side the steadier measure on a shared machine: time spent descheduled is not
    counted)."""
    for step in sides.values():
        for _ in range(warmup):
            step()
    times = {name: [] for name in sides}
    if cpu is not None:
        cpu.update({name: [] for name in sides})
    for pass_index in range(passes):
        for name in rotation(sides, pass_index):
            step = sides[name]
            start, cpu_start = clock(), time.process_time()
            for _ in range(steps):
                step()
            times[name].append((clock() - start) / steps)
            if cpu is not None:
                cpu[name].append((time.process_time() - cpu_start) / steps)
    return times


def gemm_side(size=1024, repeats=3):
    """(step, flops): a step of ``repeats`` float32 size×size products, to be timed as one more
    side in ``measure`` so that the GEMM rate is sampled in every pass, under the same load as the
    benchmark (``gemm_rate_of``)."""
    import numpy as np

    rng = np.random.default_rng(0)
    a = rng.standard_normal((size, size)).astype(np.float32)
    b = rng.standard_normal((size, size)).astype(np.float32)

    def step():
        for _ in range(repeats):
            a @ b
        return 0.0

    return step, 2 * size**3 * repeats


def gemm_rate_of(times, flops):
    """GFLOP/s from the per-pass times of a ``gemm_side``: the median rate and its min–max."""
    return _rates(flops / t / 1e9 for t in times)


def _rates(values):
    """A GEMM rate summary (as ``gemm_rate_of``) of per-pass rates in GFLOP/s."""
    rates = sorted(values)
    return {"median": statistics.median(rates), "min": rates[0], "max": rates[-1], "values": rates}


def split_gemm(times, cpu, flops, name="GEMM"):
    """Take the GEMM side out of measured times: returns its rate (wall and CPU clocks)."""
    rate = gemm_rate_of(times.pop(name), flops)
    rate_cpu = gemm_rate_of(cpu.pop(name), flops) if cpu else None
    return rate, rate_cpu


def check_losses(first_losses, rtol=1e-3, atol=1e-4):
    """Stop the benchmark (SystemExit) when the sides' first-step losses differ."""
    ok, message = losses_agree(first_losses, rtol, atol)
    print(message)
    if not ok:
        sys.exit("the sides compute different things; timing them would compare nothing")
    return message


def apply_threads(torch, threads):
    """Apply ``--threads n`` to both sides: PyTorch's intra-op threads, and for mathdl, when n > 1,
    its measured per-process choice among 1…n BLAS threads (``md.set_num_threads("auto")``'s
    ``choose_num_threads``), so that a setting allowing more threads cannot make it slower than
    one. Returns (mathdl BLAS threads, torch threads)."""
    chosen = 1
    if threads is not None and threads > 1:
        from mathdl.backend import choose_num_threads

        chosen = choose_num_threads(candidates=range(1, threads + 1))
    if threads is not None:
        torch.set_num_threads(threads)
    print(f"threads: mathdl BLAS {chosen} (of {threads} allowed), torch {torch.get_num_threads()}")
    return chosen, torch.get_num_threads()


def _cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_facts():
    """What a reader needs to judge the numbers: CPU, cores, versions, BLAS and torch threads,
    date, load."""
    import numpy as np

    facts = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "numpy": np.__version__,
        "thread_env": {name: os.environ.get(name) for name in THREAD_VARIABLES},
    }
    try:
        import threadpoolctl

        blas = [info for info in threadpoolctl.threadpool_info() if info.get("user_api") == "blas"]
        facts["blas"] = [
            f"{info.get('internal_api')} {info.get('version')} ({info.get('architecture')}), "
            f"{info.get('num_threads')} threads"
            for info in blas
        ]
        facts["blas_kernels"] = [f"{info.get('internal_api')}-{info.get('architecture')}" for info in blas]
    except ImportError:
        facts["blas"] = ["threadpoolctl not installed"]
    # NumPy's ufunc loops (exp, tanh, …) are compiled per instruction set and picked at import: the
    # level found here (X86_V3 = AVX2, X86_V4 = AVX-512) changes their speed as the BLAS kernels do
    found = np.show_config(mode="dicts").get("SIMD Extensions", {}).get("found", [])
    facts["numpy_simd"] = list(found)
    try:
        import torch

        facts["torch"] = torch.__version__
        facts["torch_threads"] = torch.get_num_threads()
    except ImportError:
        facts["torch"] = None
    import mathdl

    facts["mathdl"] = getattr(mathdl, "__version__", "source")
    facts["commit"] = _commit()
    return facts


def _commit():
    """The git commit the benchmarked code is at (``+ changes`` when the tree differs from it), or
    None outside a git checkout: a results file then says which code it measured."""
    folder = os.path.dirname(os.path.abspath(__file__))
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=folder, capture_output=True, text=True, check=True
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=folder,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + (" + changes" if changed else "")


# ----- the command line every benchmark script shares --------------------------------------------
def parser(description, passes=5):
    result = argparse.ArgumentParser(description=description)
    result.add_argument("--threads", type=int, default=1, help="BLAS and torch threads (default 1)")
    result.add_argument("--passes", type=int, default=passes, help="timed passes per side (>= 5)")
    result.add_argument("--quick", action="store_true", help="a fast smoke run: small blocks, 3 passes")
    result.add_argument("--json", default=None, help="write the results to this JSON file")
    return result


def passes_of(args):
    return 3 if args.quick else max(args.passes, 5)


def row(benchmark, case, times, unit="s/step", subject="mathdl", cpu=None, **extra):
    """One result: per-side times, their summaries, and the ``subject`` side's ratio against every
    other side (``best_reference`` names the fastest PyTorch configuration, which targets use).
    ``cpu``: the same passes' CPU times (one thread per side), summarised the same way."""
    result = {"benchmark": benchmark, "case": case, "unit": unit, "subject": subject, "times": times}
    result["summary"] = {side: summary(values) for side, values in times.items()}
    result["ratios"] = {
        side: ratio_summary(times[subject], values) for side, values in times.items() if side != subject
    }
    torch_sides = [side for side in times if side.startswith("pytorch")]
    if torch_sides:
        result["best_reference"] = min(torch_sides, key=lambda side: result["summary"][side]["median"])
    if cpu:
        result["cpu_times"] = cpu
        result["cpu_ratios"] = {
            side: ratio_summary(cpu[subject], values) for side, values in cpu.items() if side != subject
        }
    result.update(extra)
    return result


def limits(result, gflop, rate, rate_cpu=None):
    """Add the physical limit to a row: the step's GEMM flops at the GEMM rate of the same passes,
    and the fraction of it the subject reaches (wall, and CPU when measured)."""
    ours = result["summary"][result["subject"]]["median"]
    result.update(gflop=gflop, gemm_gflops=rate["median"], gemm_range=[rate["min"], rate["max"]])
    result["limit_seconds"] = gflop / rate["median"]
    result["peak_fraction"] = result["limit_seconds"] / ours
    result["gemm_rates"] = list(rate.get("values", []))  # per pass (``pool_rows`` pools them)
    if rate_cpu is not None and "cpu_times" in result:
        ours_cpu = statistics.median(result["cpu_times"][result["subject"]])
        result["gemm_gflops_cpu"] = rate_cpu["median"]
        result["peak_fraction_cpu"] = gflop / rate_cpu["median"] / ours_cpu
        result["gemm_rates_cpu"] = list(rate_cpu.get("values", []))
    return result


def pool_rows(row_lists):
    """The rows of one benchmark script run in several processes (``row_lists``: each process's
    rows, in the same order), as one set of rows over all their passes: per side the passes of
    every process, the ratios paired pass by pass as in one process, the physical limit from all
    the GEMM passes. Each row also keeps ``process_ratios``: the subject's median ratio against
    each side in every process, whose spread shows how much a single process's figure can move
    (PyTorch's time for the same step varies between processes on a shared machine)."""
    pooled = []
    for rows in zip(*row_lists):
        first = rows[0]
        if any((r["benchmark"], r["case"]) != (first["benchmark"], first["case"]) for r in rows):
            raise ValueError("pool_rows: the processes' rows do not match")
        times = {side: [t for r in rows for t in r["times"][side]] for side in first["times"]}
        cpu = None
        if all("cpu_times" in r for r in rows):
            cpu = {side: [t for r in rows for t in r["cpu_times"][side]] for side in first["cpu_times"]}
        extra = {key: first[key] for key in ("loss_check",) if key in first}
        result = row(first["benchmark"], first["case"], times, first["unit"], first["subject"], cpu, **extra)
        result["process_ratios"] = {
            side: [r["ratios"][side]["ratio"] for r in rows] for side in first["ratios"]
        }
        if "gflop" in first and all(r.get("gemm_rates") for r in rows):
            rate = _rates([v for r in rows for v in r["gemm_rates"]])
            rate_cpu = None
            if cpu is not None and all(r.get("gemm_rates_cpu") for r in rows):
                rate_cpu = _rates([v for r in rows for v in r["gemm_rates_cpu"]])
            limits(result, first["gflop"], rate, rate_cpu)
        pooled.append(result)
    return pooled


def print_row(result):
    parts = [f"{side} {format_seconds(s['median'])}" for side, s in result["summary"].items()]
    ratios = [f"{result['subject']}/{side} {format_ratio(r)}" for side, r in result["ratios"].items()]
    print(f"{result['benchmark']} | {result['case']}: " + ", ".join(parts) + " | " + ", ".join(ratios))


def finish(args, rows, **extra):
    """Print the rows and write them, with the machine facts, to ``--json`` (atomically)."""
    for result in rows:
        print_row(result)
    if args.json:
        payload = {"threads": args.threads, "quick": args.quick, "facts": machine_facts(), "rows": rows}
        payload.update(extra)
        write_atomic(args.json, json.dumps(payload, indent=1))
    return rows
