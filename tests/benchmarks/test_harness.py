"""The pure functions of benchmarks/harness.py and benchmarks/report.py (never timing itself)."""

import json
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "benchmarks"))

import harness  # noqa: E402
import report  # noqa: E402


def test_threads_from_argv_reads_both_spellings():
    assert harness.threads_from_argv(["--quick", "--threads", "2"]) == 2
    assert harness.threads_from_argv(["--threads=3"]) == 3
    assert harness.threads_from_argv(["--quick"]) is None


def test_summary_gives_median_range_and_quartiles():
    stats = harness.summary([5.0, 1.0, 3.0, 2.0, 4.0])
    assert (stats["median"], stats["min"], stats["max"], stats["n"]) == (3.0, 1.0, 5.0, 5)
    assert (stats["q1"], stats["q3"]) == (2.0, 4.0)
    with pytest.raises(ValueError, match="no values"):
        harness.summary([])


def test_ratio_summary_pairs_passes():
    stats = harness.ratio_summary([2.0, 4.0, 3.0], [1.0, 2.0, 6.0])
    assert stats["ratio"] == pytest.approx(3.0 / 2.0)
    assert (stats["min"], stats["max"]) == (0.5, 2.0)
    with pytest.raises(ValueError, match="equal"):
        harness.ratio_summary([1.0], [1.0, 2.0])


def test_rotation_lets_every_side_go_first():
    names = ["a", "b", "c"]
    firsts = [harness.rotation(names, k)[0] for k in range(3)]
    assert sorted(firsts) == names
    assert harness.rotation(["x", "y"], 1) == ["y", "x"]


def test_losses_agree_within_tolerance_only():
    ok, message = harness.losses_agree({"mathdl": 2.0, "pytorch": 2.0005}, rtol=1e-3, atol=0.0)
    assert ok and "agree" in message
    ok, message = harness.losses_agree({"mathdl": 2.0, "pytorch": 2.1, "numpy": 2.0}, rtol=1e-3, atol=0.0)
    assert not ok and "pytorch" in message
    ok, _ = harness.losses_agree({"mathdl": 1.0, "pytorch": float("nan")})
    assert not ok


def test_geometric_mean_and_best_of():
    assert harness.geometric_mean([1.0, 4.0]) == pytest.approx(2.0)
    with pytest.raises(ValueError):
        harness.geometric_mean([1.0, 0.0])
    threads, times = harness.best_of({1: [3.0, 3.0, 3.0], 2: [2.0, 5.0, 1.0]})
    assert threads == 2 and times == [2.0, 5.0, 1.0]
    assert harness.best_of({1: [2.0], 2: [2.0]})[0] == 1  # a tie goes to fewer threads


def test_measure_runs_warmup_and_every_block():
    calls = {"a": 0, "b": 0}

    def counter(name):
        def step():
            calls[name] += 1

        return step

    ticks = iter(range(1000))
    times = harness.measure({"a": counter("a"), "b": counter("b")}, 3, 5, warmup=2, clock=lambda: next(ticks))
    assert calls == {"a": 2 + 15, "b": 2 + 15}
    assert len(times["a"]) == len(times["b"]) == 5
    assert all(t == pytest.approx(1 / 3) for t in times["a"])  # two clock reads per block of 3


def test_row_ratios_against_every_side_and_fastest_pytorch():
    times = {"mathdl": [1.0] * 5, "pytorch": [2.0] * 5, "pytorch channels_last": [1.6] * 5}
    row = harness.row("bench", "case", times)
    assert row["best_reference"] == "pytorch channels_last"
    assert row["ratios"]["pytorch"]["ratio"] == pytest.approx(0.5)
    assert set(row["ratios"]) == {"pytorch", "pytorch channels_last"}


def test_write_atomic_replaces_the_file(tmp_path):
    path = tmp_path / "out.json"
    path.write_text("old")
    harness.write_atomic(str(path), json.dumps({"a": 1}))
    assert json.loads(path.read_text()) == {"a": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_targets_judge_the_one_thread_rows():
    rows = [
        harness.row("LSTM LM step", "c", {"mathdl": [1.0] * 5, "pytorch": [1.25] * 5}),
        harness.row("Transformer LM step", "c", {"mathdl": [1.0] * 5, "pytorch": [1.0] * 5}),
        harness.row("conv2d layer", "a", {"mathdl": [1.0] * 5, "pytorch": [2.0] * 5}),
        harness.row(
            "conv2d layer", "depthwise 64 3x3 p1 @14 g64", {"mathdl": [3.0] * 5, "pytorch": [1.0] * 5}
        ),
    ]
    memory = [{"benchmark": "LSTM LM step", "ratio": 1.3, "peak_bytes": {"mathdl": 13, "pytorch": 10}}]
    checks = {target.split(" ≤")[0]: met for target, _, met in report.targets(rows, memory)}
    assert checks["LSTM LM step"] is True
    assert checks["Transformer LM step"] is False  # 1.0 > 0.9
    assert checks["conv2d layer depthwise 64 3x3 p1 @14 g64"] is False
    assert checks["conv2d layer table geometric mean"] is False  # √(0.5 · 3) ≈ 1.22 > 1.0
    assert checks["peak training memory, LSTM LM step"] is False


def test_archive_name_is_one_file_per_blas_kernel_set():
    assert report.archive_name({"blas_kernels": ["openblas-Haswell"]}) == "RESULTS-openblas-Haswell.md"
    assert report.archive_name({"blas_kernels": ["openblas-SkylakeX"]}) == "RESULTS-openblas-SkylakeX.md"
    assert report.archive_name({"blas_kernels": ["mkl-Skylake AVX/512"]}) == "RESULTS-mkl-Skylake_AVX_512.md"
    assert report.archive_name({"blas_kernels": ["openblas-None"]}) is None
    assert report.archive_name({"blas": ["threadpoolctl not installed"]}) is None


def test_facts_name_numpy_simd_level_when_known():
    facts = {"date": "d", "cpu": "c", "cores": 2, "python": "3.11", "numpy": "2", "blas": ["b"]}
    assert not any("ufunc" in line for line in report._facts({"facts": facts}))
    lines = report._facts({"facts": dict(facts, numpy_simd=["X86_V3"])})
    assert lines[-1] == "- NumPy's ufunc loops: X86_V3"


def _process_row(mathdl, pytorch, gemm_seconds=None):
    row = harness.row(
        "Transformer LM step",
        "c",
        {"mathdl": mathdl, "pytorch": pytorch},
        cpu={"mathdl": mathdl, "pytorch": pytorch},
        loss_check="ok",
    )
    if gemm_seconds is not None:
        rate = harness.gemm_rate_of(gemm_seconds, 2e9)
        harness.limits(row, 1.0, rate, rate)
    return row


def test_pool_rows_pools_passes_and_keeps_each_process_ratio():
    first = _process_row([1.0, 1.0, 1.0], [2.0, 2.0, 2.0], gemm_seconds=[1.0, 1.0, 1.0])  # 2 GFLOP/s
    second = _process_row([1.0, 1.0, 1.0], [1.0, 1.0, 1.0], gemm_seconds=[0.5, 0.5, 0.5])  # 4 GFLOP/s
    (pooled,) = harness.pool_rows([[first], [second]])
    assert pooled["times"]["mathdl"] == [1.0] * 6 and pooled["times"]["pytorch"] == [2.0] * 3 + [1.0] * 3
    assert pooled["process_ratios"] == {"pytorch": [0.5, 1.0]}
    ratio = pooled["ratios"]["pytorch"]
    assert ratio["ratio"] == 1.0 / 1.5 and (ratio["min"], ratio["max"]) == (0.5, 1.0)  # median of 1,1,1,2,2,2
    assert pooled["cpu_ratios"]["pytorch"]["ratio"] == ratio["ratio"] and pooled["loss_check"] == "ok"
    assert pooled["gemm_gflops"] == 3.0 and pooled["gemm_range"] == [2.0, 4.0]  # all six GEMM passes
    assert pooled["limit_seconds"] == 1.0 / 3.0 and pooled["peak_fraction"] == pooled["limit_seconds"] / 1.0
    with pytest.raises(ValueError, match="do not match"):
        harness.pool_rows([[first], [harness.row("LSTM LM step", "c", {"mathdl": [1.0], "pytorch": [1.0]})]])


def test_targets_give_the_range_of_the_processes_ratios():
    (pooled,) = harness.pool_rows(
        [[_process_row([1.0] * 3, [2.0] * 3)], [_process_row([1.0] * 3, [1.0] * 3)]]
    )
    (check,) = [c for c in report.targets([pooled], None) if c[0].startswith("Transformer")]
    assert check[1].endswith("; per process 0.50–1.00× (2 processes)")
    single = _process_row([1.0] * 3, [2.0] * 3)
    (check,) = [c for c in report.targets([single], None) if c[0].startswith("Transformer")]
    assert "per process" not in check[1]


def test_run_all_refuses_fewer_than_one_process(capsys):
    import run_all

    with pytest.raises(SystemExit):
        run_all.main(["--processes", "0", "--no-memory", "--only", ""])
    assert "--processes must be at least 1, got 0" in capsys.readouterr().err
