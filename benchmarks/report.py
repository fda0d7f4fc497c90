"""benchmarks/RESULTS.md from the JSON of the benchmark scripts (used by run_all.py).

``targets`` judges issue 17's targets on the one-thread rows; ``render`` writes the file: machine
and versions, the targets, then every row of both settings with medians, spreads and ratios.
"""

import harness

# (benchmark, case or None, bound, what is compared) — ratios are mathdl / the fastest PyTorch layout
RATIO_TARGETS = [
    ("LSTM LM step", None, 1.0),
    ("Transformer LM step", None, 0.9),
    ("Small CNN step", None, 0.9),
    ("LeNet epoch", None, 0.9),
    ("per-op overhead", None, 1.0),
    ("conv2d layer", "depthwise 64 3x3 p1 @14 g64", 2.0),
]
CONV_GEOMEAN_BOUND, PEAK_FRACTION_BOUND, MEMORY_BOUND = 1.0, 0.6, 1.2


def _find(rows, benchmark, case=None):
    for row in rows:
        if row["benchmark"] == benchmark and (case is None or row["case"] == case):
            return row
    return None


def targets(rows, memory):
    """[(target, figure, met)] for the targets that the rows (one thread each) and the memory
    results measured; targets whose benchmark did not run are left out. Judged on wall time;
    the CPU-time figure (steadier on a shared machine) is shown next to it."""
    checks = []
    for benchmark, case, bound in RATIO_TARGETS:
        row = _find(rows, benchmark, case)
        if row is None:
            continue
        reference = row["best_reference"]
        stats = row["ratios"][reference]
        name = benchmark if case is None else f"{benchmark} {case}"
        figure = f"{harness.format_ratio(stats)} vs {reference}{_cpu_figure(row, reference)}"
        figure += _process_figure(row, reference)
        checks.append((f"{name} ≤ {bound}× PyTorch", figure, stats["ratio"] <= bound))
    conv = [row for row in rows if row["benchmark"] == "conv2d layer"]
    if conv:
        geomean = harness.geometric_mean(row["ratios"][row["best_reference"]]["ratio"] for row in conv)
        figure = f"{geomean:.2f}×"
        if all("cpu_ratios" in row for row in conv):
            cpu = harness.geometric_mean(row["cpu_ratios"][row["best_reference"]]["ratio"] for row in conv)
            figure += f"; CPU time {cpu:.2f}×"
        checks.append(
            (
                f"conv2d layer table geometric mean ≤ {CONV_GEOMEAN_BOUND}×",
                figure,
                geomean <= CONV_GEOMEAN_BOUND,
            )
        )
    mlp = _find(rows, "Keras-book MLP epoch")
    if mlp is not None:
        fraction = mlp["peak_fraction"]
        figure = f"{fraction:.0%} ({mlp['gflop']:.1f} GFLOP at {mlp['gemm_gflops']:.1f} GFLOP/s)"
        if "peak_fraction_cpu" in mlp:
            figure += f"; CPU time {mlp['peak_fraction_cpu']:.0%} (at {mlp['gemm_gflops_cpu']:.1f} GFLOP/s)"
        checks.append(
            (
                f"Keras-book MLP epoch ≥ {PEAK_FRACTION_BOUND:.0%} of the GEMM peak",
                figure,
                fraction >= PEAK_FRACTION_BOUND,
            )
        )
    for entry in memory or []:
        figure = f"{entry['ratio']:.2f}×"
        checks.append(
            (
                f"peak training memory, {entry['benchmark']} ≤ {MEMORY_BOUND}× PyTorch",
                figure,
                entry["ratio"] <= MEMORY_BOUND,
            )
        )
    return checks


def _process_figure(row, side):
    """'; per process a–b× (n)' when the row pools several processes (``harness.pool_rows``)."""
    ratios = row.get("process_ratios", {}).get(side, [])
    if len(ratios) < 2:
        return ""
    return f"; per process {min(ratios):.2f}–{max(ratios):.2f}× ({len(ratios)} processes)"


def _cpu_figure(row, side):
    if "cpu_ratios" not in row:
        return ""
    return f"; CPU time {harness.format_ratio(row['cpu_ratios'][side])}"


def _cell(stats):
    low, high = harness.format_seconds(stats["min"]), harness.format_seconds(stats["max"])
    return f"{harness.format_seconds(stats['median'])} ({low}–{high})"


def _table(rows, show_threads=False):
    last = "threads" if show_threads else "mathdl / side, CPU time"
    lines = [
        f"| benchmark | case | side | median (min–max) per unit | mathdl / side (range of per-pass ratios) | {last} |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        for side, stats in row["summary"].items():
            ratio = "" if side == row["subject"] else harness.format_ratio(row["ratios"][side])
            if side == row.get("best_reference"):
                ratio = f"**{ratio}**" if ratio else ratio
            unit = row["unit"].split("/")[-1]
            cells = [row["benchmark"], row["case"], side, f"{_cell(stats)} /{unit}", ratio]
            if show_threads:
                cells.append(str(row.get("threads", {}).get(side, "")))
            else:
                cpu = row.get("cpu_ratios", {}).get(side)
                cells.append(harness.format_ratio(cpu) if cpu else "")
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _facts(payload):
    facts = payload["facts"]
    blas = "; ".join(facts.get("blas", []))
    lines = [
        f"- date: {facts['date']}",
        f"- CPU: {facts['cpu']}, {facts['cores']} cores",
        f"- Python {facts['python']}, NumPy {facts['numpy']} ({blas}), PyTorch {facts.get('torch')}",
    ]
    if facts.get("commit"):
        lines.append(f"- code: mathdl at git commit {facts['commit']}")
    if facts.get("numpy_simd"):
        lines.append(f"- NumPy's ufunc loops: {', '.join(facts['numpy_simd'])}")
    return lines


def archive_name(facts):
    """The name of this run's copy in ``benchmarks/results/``, one per BLAS kernel set: the same
    code gives different ratios on an AVX2 (OpenBLAS Haswell) and an AVX-512 (SkylakeX) machine,
    and a run on one must not replace the record of the other. None when the kernels are unknown."""
    kernels = [k for k in facts.get("blas_kernels", []) if k and "None" not in k]
    if not kernels:
        return None
    name = "+".join(kernels)
    return "RESULTS-" + "".join(c if c.isalnum() or c in "+-_." else "_" for c in name) + ".md"


def _limits(rows):
    lines = []
    for row in rows:
        if "limit_seconds" not in row:
            continue
        ours = row["summary"][row["subject"]]["median"]
        low, high = row["gemm_range"]
        text = (
            f"- {row['benchmark']}: {row['gflop']:.2f} GFLOP of GEMMs; at the {row['gemm_gflops']:.1f} "
            f"GFLOP/s ({low:.1f}–{high:.1f}) of a 1024³ GEMM timed in the same passes that is "
            f"{harness.format_seconds(row['limit_seconds'])}; mathdl takes {harness.format_seconds(ours)} "
            f"({row['peak_fraction']:.0%} of the limit"
        )
        if "peak_fraction_cpu" in row:
            text += f"; in CPU time {row['peak_fraction_cpu']:.0%}, at {row['gemm_gflops_cpu']:.1f} GFLOP/s"
        lines.append(text + ")")
    return lines


def render(results, memory, counts, args, load_before, load_after, best_runs=None):
    """The results file. ``results`` {script: {threads: payload}} (one thread: the processes
    pooled); ``best_runs`` the same with one process per thread count, which the best-thread
    setting compares (default ``results``)."""
    one = [row for name in results for row in results[name][1]["rows"]]
    first = next(iter(results.values()))[1] if results else None
    best = []
    from run_all import best_rows

    for name in results:
        best.extend(best_rows((best_runs or results)[name]))
    lines = ["# Benchmark results", ""]
    lines.append(
        "Written by `python benchmarks/run_all.py"
        + (" --quick" if args.quick else "")
        + "` (do not edit by hand). Ratios are mathdl's time over the other side's: below 1, mathdl is faster."
    )
    if args.quick:
        lines += ["", "**A --quick smoke run: small blocks and 3 passes. These numbers are not results.**"]
    lines += ["", "## Machine", ""]
    if first is not None:
        lines += _facts(first)
    lines += [f"- load before: `{load_before}`", f"- load after: `{load_after}`"]
    processes = getattr(args, "processes", None) or 1
    lines += [
        f"- settings: one thread each (BLAS and torch), and each side's best of {counts} threads, each count "
        "in its own process (OPENBLAS/OMP/MKL_NUM_THREADS and torch.set_num_threads)",
        f"- processes: with one thread each, every script ran in {processes} process(es), taken in turns; a row"
        " pools their passes, and a target also gives the range of the processes' own ratios",
        "- method (benchmarks/harness.py): same weights and data on every side, the losses checked to agree, "
        "warm-up, blocks of steps in rotating order, medians over ≥ 5 passes; a ratio is the ratio of medians, "
        "its range the min–max of the pass-by-pass ratios",
        "",
        "## Targets (issue 17, one thread each)",
        "",
        "| target | figure | met |",
        "|---|---|---|",
    ]
    for target, figure, met in targets(one, memory):
        lines.append(f"| {target} | {figure} | {'yes' if met else '**no**'} |")
    lines += ["", "## One thread each", "", _table(one), ""]
    lines += ["### Physical limit (GEMM flops over the GEMM rate measured in the same passes)", ""]
    lines += _limits(one) + [""]
    lines += [f"## Each side's best thread count ({counts})", "", _table(best, show_threads=True), ""]
    if memory:
        lines += ["## Peak memory of training (benchmarks/memory.py, one thread)", ""]
        lines += [
            "Training peak: the anonymous resident memory kept after the warm-up steps over that before the"
            " first step (gradients, optimiser state, buffer pools or caches kept for the next step) plus"
            " the step rise."
            " Step rise: one step's high-water mark over the RSS it started from.",
            "",
            "| workload | training peak mathdl MiB | PyTorch MiB | ratio | step rise mathdl MiB | PyTorch MiB |",
            "|---|---|---|---|---|---|",
        ]
        for entry in memory:
            peaks = entry["peak_bytes"]
            rises = entry.get("step_rise_bytes")
            rise = f"{rises['mathdl'] / 2**20:.1f} | {rises['pytorch'] / 2**20:.1f}" if rises else "– | –"
            lines.append(
                f"| {entry['benchmark']} | {peaks['mathdl'] / 2**20:.1f} | {peaks['pytorch'] / 2**20:.1f}"
                f" | {entry['ratio']:.2f} | {rise} |"
            )
        lines.append("")
    return "\n".join(lines)
