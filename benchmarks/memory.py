"""Peak memory of one training step, mathdl against PyTorch (CPU), each side in its own process.

    python benchmarks/memory.py [--quick] [--json out.json] [--gru-rnn]

For every workload (the steps of benchmarks/char_lstm.py, transformer_lm.py and cnn_lenet.py) and
every side, a fresh Python process builds the model and its data, reads its resident set size
(RSS) and resets the kernel's high-water mark (``/proc/self/clear_refs``), runs warm-up steps, and
then for each of a few steps: collects garbage, reads the RSS, resets the high-water mark, runs the
step and reads the high-water mark again. Two figures per side:

* **training peak** (the target's figure): what training holds between steps beyond the model and
  the data — the rise of the process's anonymous resident memory (``RssAnon``: heap and mapped
  arrays, not the pages of a library's code that a first call reads in) from before the first
  step to after the warm-up steps: gradients, optimiser state and anything a side keeps for its
  next step (buffer pools, caches) — plus the largest step rise;
* **step rise**: the largest rise of the high-water mark during one step over the RSS that step
  started from: the transient memory of a step alone.

Both sides allocate through glibc's malloc (NumPy's data and PyTorch's CPU tensors alike). So that
RSS follows what is live rather than what the allocator keeps for later, the processes run with
every block above 64 KiB mapped on its own and returned when freed (``MALLOC_MMAP_THRESHOLD_=65536``,
``MALLOC_TRIM_THRESHOLD_=0``): the same policy for both sides.
Target: mathdl ≤ 1.2× PyTorch for every workload. ``--gru-rnn`` also measures the LSTM LM with GRU
or tanh-RNN layers (``benchmarks/step_ab.py``'s char_gru and char_rnn steps), mathdl only.
"""

import gc
import json
import os
import subprocess
import sys

import harness

WORKLOADS = {
    "LSTM LM step": ("char_lstm", {}),
    "Transformer LM step": ("transformer_lm", {}),
    "Small CNN step": ("cnn_lenet", {"which": "small_cnn"}),
    "LeNet step": ("cnn_lenet", {"which": "lenet"}),
}
# Workloads without a PyTorch side (--gru-rnn): step_ab.build_step's name of each.
MATHDL_ONLY = {"GRU LM step": "char_gru", "RNN LM step": "char_rnn"}


def _status_kib(field):
    with open("/proc/self/status", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"memory: {field} not in /proc/self/status")


def _reset_peak():
    with open("/proc/self/clear_refs", "w", encoding="utf-8") as handle:
        handle.write("5")


def step_peak_bytes(step, warmup=2, steps=3):
    """{"kept": anonymous RSS kept after the warm-up steps over that before the first step,
    "step": the largest rise of one step's high-water mark over the RSS it started from,
    "training": their sum}, in bytes."""
    gc.collect()
    before = _status_kib("RssAnon")
    for _ in range(warmup):
        step()
    gc.collect()
    kept = max(_status_kib("RssAnon") - before, 0)
    rises = []
    for _ in range(steps):
        gc.collect()
        start = _status_kib("VmRSS")
        _reset_peak()
        step()
        rises.append(_status_kib("VmHWM") - start)
    return {"kept": kept * 1024, "step": max(rises) * 1024, "training": (kept + max(rises)) * 1024}


def measure_in_this_process(workload, side):
    if workload in MATHDL_ONLY:
        import step_ab

        return step_peak_bytes(step_ab.build_step(MATHDL_ONLY[workload], side))
    module_name, options = WORKLOADS[workload]
    module = __import__(module_name)
    if side != "mathdl":
        import torch

        torch.set_num_threads(1)
    return step_peak_bytes(module.build(side, **options))


def measure_in_subprocess(workload, side):
    command = [
        sys.executable,
        os.path.abspath(__file__),
        "--measure",
        workload,
        "--side",
        side,
        "--threads",
        "1",
    ]
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="65536", MALLOC_TRIM_THRESHOLD_="0", MALLOC_TOP_PAD_="0")
    output = subprocess.run(
        command, capture_output=True, text=True, check=True, cwd=os.path.dirname(__file__), env=env
    )
    return json.loads(output.stdout.strip().splitlines()[-1])["bytes"]


def main(argv=None):
    parser = harness.parser(__doc__.splitlines()[0])
    parser.add_argument("--measure", default=None, help=argparse_hidden())
    parser.add_argument("--side", default=None, help=argparse_hidden())
    parser.add_argument("--gru-rnn", action="store_true", help="also the GRU and RNN LM steps (mathdl only)")
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps({"bytes": measure_in_this_process(args.measure, args.side)}))
        return None
    rows = []
    for workload in WORKLOADS:
        measured = {side: measure_in_subprocess(workload, side) for side in ("mathdl", "pytorch")}
        peaks = {side: value["training"] for side, value in measured.items()}
        rises = {side: value["step"] for side, value in measured.items()}
        ratio = peaks["mathdl"] / peaks["pytorch"]
        print(
            f"{workload}: training peak mathdl {peaks['mathdl'] / 2**20:.1f} MiB, PyTorch "
            f"{peaks['pytorch'] / 2**20:.1f} MiB, ratio {ratio:.2f}; step rise mathdl "
            f"{rises['mathdl'] / 2**20:.1f} MiB, PyTorch {rises['pytorch'] / 2**20:.1f} MiB"
        )
        rows.append({"benchmark": workload, "peak_bytes": peaks, "step_rise_bytes": rises, "ratio": ratio})
    for workload in MATHDL_ONLY if args.gru_rnn else ():
        measured = measure_in_subprocess(workload, "mathdl")
        print(
            f"{workload}: training peak mathdl {measured['training'] / 2**20:.1f} MiB; "
            f"step rise {measured['step'] / 2**20:.1f} MiB (no PyTorch side)"
        )
    if args.json:
        payload = {"threads": 1, "quick": args.quick, "facts": harness.machine_facts(), "memory": rows}
        harness.write_atomic(args.json, json.dumps(payload, indent=1))
    return rows


def argparse_hidden():
    import argparse

    return argparse.SUPPRESS


if __name__ == "__main__":
    main()
