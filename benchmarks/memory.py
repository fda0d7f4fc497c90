"""Peak memory of one training step, mathdl against PyTorch (CPU), each side in its own process.

    python benchmarks/memory.py [--quick] [--json out.json]

For every workload (the steps of benchmarks/char_lstm.py, transformer_lm.py and cnn_lenet.py) and
every side, a fresh Python process builds the model, runs warm-up steps, and then for each of a few
steps: collects garbage, reads its resident set size (RSS), resets the kernel's high-water mark
(``/proc/self/clear_refs``), runs the step, and reads the high-water mark again. The step's peak
memory is the largest rise of the high-water mark over the RSS it started from: what the step
needs beyond the model, the optimiser state and the data, which both sides hold anyway.

Both sides allocate through glibc's malloc (NumPy's data and PyTorch's CPU tensors alike). So that
RSS follows what is live rather than what the allocator keeps for later, the processes run with
every block above 64 KiB mapped on its own and returned when freed (``MALLOC_MMAP_THRESHOLD_=65536``,
``MALLOC_TRIM_THRESHOLD_=0``): the same policy for both sides.
Target: mathdl ≤ 1.2× PyTorch for every workload.
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
    """The largest rise of the RSS high-water mark over the RSS at the start of a step."""
    for _ in range(warmup):
        step()
    rises = []
    for _ in range(steps):
        gc.collect()
        start = _status_kib("VmRSS")
        _reset_peak()
        step()
        rises.append(_status_kib("VmHWM") - start)
    return max(rises) * 1024


def measure_in_this_process(workload, side):
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
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps({"bytes": measure_in_this_process(args.measure, args.side)}))
        return None
    rows = []
    for workload in WORKLOADS:
        peaks = {side: measure_in_subprocess(workload, side) for side in ("mathdl", "pytorch")}
        ratio = peaks["mathdl"] / peaks["pytorch"]
        print(
            f"{workload}: mathdl {peaks['mathdl'] / 2**20:.1f} MiB, PyTorch {peaks['pytorch'] / 2**20:.1f} MiB, ratio {ratio:.2f}"
        )
        rows.append({"benchmark": workload, "peak_bytes": peaks, "ratio": ratio})
    if args.json:
        payload = {"threads": 1, "quick": args.quick, "facts": harness.machine_facts(), "memory": rows}
        harness.write_atomic(args.json, json.dumps(payload, indent=1))
    return rows


def argparse_hidden():
    import argparse

    return argparse.SUPPRESS


if __name__ == "__main__":
    main()
