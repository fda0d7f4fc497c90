"""``mathdl tune CONFIG.toml``: run the hyper-parameter search a TOML file describes
(``mathdl.tune.run_config``) and print where its results went."""

import os

from mathdl.cli.common import CommandError


def add_tune(subparsers):
    """Declare ``mathdl tune``."""
    parser = subparsers.add_parser(
        "tune",
        help="run a hyper-parameter search described by a TOML file",
        description="Run the search of CONFIG.toml ([search] strategy and options, [space.<name>] "
        "distributions, [model], [data], [cv], [output]; see docs/tricks_of_the_trade.md and "
        "examples/tune_mlp.toml) with k-fold cross-validation; writes cv_results.csv, "
        "cv_results.json and search.png.",
    )
    parser.add_argument("config", help="the TOML file of the search")
    parser.add_argument("--output", "-o", help="folder for the results (default: the file's [output] dir)")
    parser.set_defaults(handler=run_tune)
    return parser


def run_tune(args):
    """Run the search; exit code 0, or a CommandError naming what was wrong with the file."""
    from mathdl import tune

    if not os.path.isfile(args.config):
        raise CommandError(f"no such file: {args.config}")
    try:
        results = tune.run_config(args.config, output_dir=args.output)
    except (ValueError, TypeError, KeyError) as error:
        raise CommandError(f"{args.config}: {error}") from None
    folder = args.output or tune.load_config(args.config)["sections"].get("output", {}).get(
        "dir", "runs/tune"
    )
    print(f"{results.strategy}: {len(results)} trials; best mean score {results.best_score_:.4f}")
    print(f"best parameters: {results.best_params_}")
    for name in ("cv_results.csv", "cv_results.json", "search.png"):
        path = os.path.join(folder, name)
        if os.path.exists(path):
            print(f"wrote {path}")
    return 0
