"""Worker: ``mathdl train --distributed`` for many models in one MPI job (launching a job costs
seconds, so the models share one).

    mpiexec -n 2 python cli_models.py OUT_DIR CASE [CASE ...]

A CASE is a model name, optionally with model arguments as JSON and ``+resume``:
``gan={"kind": "wgan-gp"}+resume``. For each: a run of the recipe's tiny options
(OUT/<case>/straight); with ``+resume`` also the same run stopped after its first epoch by
``--time-limit 0`` and resumed (OUT/<case>/resumed); and the resumption on these ranks of
OUT/<case>/single when the test made it (a one-process run stopped after one epoch). Rank 0
writes the exit codes to OUT/codes.json. ``--agreed-error`` adds a run whose --out already holds a
run and ``--uneven-batch`` one whose batch does not split over the ranks (every rank must
fail with one message); ``--show`` the default run (the MLP on the shipped
subset, with figures and progress lines) into OUT/show.
"""

import json
import sys
from pathlib import Path

import mathdl.distributed as dist
from mathdl.cli import main
from mathdl.cli.options import flag
from mathdl.cli.recipes import get_recipe


def tiny_argv(name, out, model_args):
    argv = ["train", "--distributed", "--model", name, "--out", str(out), "--verbose", "0", "--no-plots"]
    for key, value in get_recipe(name).tiny_for(name).items():
        if key == "model_args":
            for arg, item in {**value, **model_args}.items():
                argv += ["--model-arg", f"{arg}={item if isinstance(item, str) else json.dumps(item)}"]
        else:
            argv += [flag(key), str(value)]
    return argv


def run_case(out, case):
    case, resume = (case[: -len("+resume")], True) if case.endswith("+resume") else (case, False)
    name, _, arguments = case.partition("=")
    model_args = json.loads(arguments) if arguments else {}
    folder = out / (name + "".join(f"-{value}" for value in model_args.values()))
    codes = {"model": name, "straight": main(tiny_argv(name, folder / "straight", model_args))}
    if resume:
        codes["first"] = main([*tiny_argv(name, folder / "resumed", model_args), "--time-limit", "0"])
        codes["resume"] = main(
            ["train", "--distributed", "--resume", str(folder / "resumed"), "--verbose", "0", "--no-plots"]
        )
    if (folder / "single").exists():
        codes["resume_single"] = main(
            ["train", "--distributed", "--resume", str(folder / "single"), "--verbose", "0", "--no-plots"]
        )
    return folder.name, codes


def main_worker(out, cases):
    out = Path(out)
    codes = {}
    for case in cases:
        if case == "--show":
            codes["show"] = main(["train", "--distributed", "--out", str(out / "show"), "--verbose", "2"])
            continue
        if case == "--uneven-batch":
            argv = ["train", "--distributed", "--out", str(out / "uneven"), "--limit", "300", "--epochs", "1"]
            codes["uneven_batch"] = main([*argv, "--batch-size", "51", "--verbose", "0"])
            continue
        if case == "--agreed-error":
            first = next(key for key, value in codes.items() if isinstance(value, dict))
            codes["agreed_error"] = main(tiny_argv(codes[first]["model"], out / first / "straight", {}))
            continue
        folder, case_codes = run_case(out, case)
        codes[folder] = case_codes
    if dist.launcher_rank() == 0:
        (out / "codes.json").write_text(json.dumps(codes, indent=1))


if __name__ == "__main__":
    main_worker(sys.argv[1], sys.argv[2:])
