"""``mathdl evaluate RUN`` and ``mathdl generate RUN``: use a trained run of any model, or say
which command fits that model."""

import json
import os

from mathdl.cli.common import CommandError, find_checkpoint, non_negative_float, positive_int, read_checkpoint


def _load_run(path, checkpoint, config):
    """(recipe, data, trainer) of a run: the model rebuilt with its weights, the run's data loaded
    and a Trainer with the recipe's strategy (for its validation numbers)."""
    import mathdl as md
    from mathdl.cli.recipes import get_recipe
    from mathdl.train import Trainer

    recipe = get_recipe(config["model"])
    md.manual_seed(config["seed"])
    data = recipe.load_data(config)
    model = _rebuild(checkpoint, path)
    _, strategy, _ = recipe.training(config, model)
    trainer = Trainer(model, None, strategy=strategy, verbose=0)
    return recipe, data, trainer


def _rebuild(checkpoint, path):
    from mathdl import models

    model_config = checkpoint["config"].get("model")
    if not model_config:
        raise CommandError(
            f"{path} holds no model config (name and arguments), so the model cannot be rebuilt"
        )
    try:
        model = models.from_config(model_config)
        model.load_state_dict(checkpoint["model"])
    except (KeyError, TypeError, ValueError) as error:
        raise CommandError(
            f"{path}: the stored weights do not fit model {model_config['name']!r}: {error}"
        ) from None
    return model.eval()


# ----- mathdl evaluate -------------------------------------------------------------------------
def add_evaluate(subparsers):
    """Declare ``mathdl evaluate``."""
    parser = subparsers.add_parser(
        "evaluate",
        help="a trained run's numbers on its test data",
        description="Rebuild the model of a run folder (or checkpoint) and print its numbers on the held-out "
        "data of its task: test loss and accuracy for classifiers, reconstruction error for autoencoders, "
        "ELBO for the VAE, pseudo-likelihood for the RBM, perplexity for language models, exact match "
        "on unseen dates for seq2seq. (A GAN has no test loss: use 'mathdl generate'.)",
    )
    parser.add_argument("checkpoint", help="run folder or checkpoint file")
    parser.add_argument(
        "--dataset",
        default=None,
        help="image models: another dataset name or IDX folder (default: the run's)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print the result as one JSON object (default: text)"
    )
    parser.set_defaults(handler=run_evaluate)
    return parser


def run_evaluate(args):
    """Print a run's held-out numbers; returns the exit code."""
    from mathdl.cli.common import plain
    from mathdl.cli.recipes import get_recipe

    path = find_checkpoint(args.checkpoint)
    checkpoint = read_checkpoint(path)
    config = dict((checkpoint["config"] or {}).get("run") or {})
    if not config:
        raise CommandError(f"{path} holds no run config (it was not written by 'mathdl train')")
    if not get_recipe(config["model"]).evaluates:
        raise CommandError(
            f"{path} is a run of --model {config['model']}, which has no held-out loss to evaluate; "
            f"use 'mathdl generate {args.checkpoint}' to draw samples (its training run printed its score)"
        )
    if args.dataset is not None:
        if "dataset" not in config:
            raise CommandError(f"--dataset does not apply to a {config['model']} run")
        config["dataset"] = get_recipe(config["model"]).resolve_dataset(args.dataset)
    recipe, data, trainer = _load_run(path, checkpoint, config)
    numbers = plain(recipe.evaluate(trainer, data, config))
    result = {"checkpoint": path, "model": config["model"], "epoch": checkpoint["epoch"], **numbers}
    if "dataset" in config:
        result["dataset"] = config["dataset"]
    if args.json:
        print(json.dumps(result))
    else:
        shown = ", ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}" for k, v in numbers.items())
        print(f"{path} ({config['model']}, {recipe.unit.lower()} {checkpoint['epoch']}): {shown}")
    return 0


# ----- mathdl generate -------------------------------------------------------------------------
def add_generate(subparsers):
    """Declare ``mathdl generate``."""
    parser = subparsers.add_parser(
        "generate",
        help="sample from a trained generative or language model",
        description="Load a run folder (or checkpoint) and generate: text continuing --prompt for a character "
        "language model (c ~ softmax(z / T); --temperature 0 is greedy decoding), a grid of images for a "
        "GAN, VAE or RBM, the ISO form of a written date (--prompt) for seq2seq. (Classifiers and "
        "autoencoders do not generate: use 'mathdl evaluate'.)",
    )
    parser.add_argument("checkpoint", help="run folder or checkpoint file")
    parser.add_argument(
        "--prompt",
        default=None,
        help="text to continue ('\\n' is a newline) or, for seq2seq, the written date to translate "
        "(default: ROMEO:\\n for language models)",
    )
    parser.add_argument(
        "--temperature",
        type=non_negative_float,
        default=0.8,
        help="T: 0 is greedy, below 1 sharper, above 1 more varied (default: 0.8)",
    )
    parser.add_argument(
        "--length", type=positive_int, default=300, help="characters to generate (default: 300)"
    )
    parser.add_argument(
        "--top-k", type=positive_int, default=None, help="sample only among the k likeliest (default: all)"
    )
    parser.add_argument("--count", type=positive_int, default=None, help="images to draw (default: 64)")
    parser.add_argument("--output", default=None, help="image file to write (default: RUN/generated.png)")
    parser.add_argument(
        "--seed", type=int, default=None, help="seed of the sampling (default: the run's seed)"
    )
    parser.set_defaults(handler=run_generate)
    return parser


def run_generate(args):
    """Print generated text (or the path of a generated figure); returns the exit code."""
    from mathdl.cli.recipes import get_recipe

    path = find_checkpoint(args.checkpoint)
    checkpoint = read_checkpoint(path)
    config = (checkpoint["config"] or {}).get("run")
    if not config:
        raise CommandError(f"{path} holds no run config (it was not written by 'mathdl train')")
    recipe = get_recipe(config["model"])
    if not recipe.generates:
        raise CommandError(
            f"{path} is a run of --model {config['model']} ({recipe.family}), which does not generate; "
            f"use 'mathdl evaluate {args.checkpoint}' for its test numbers"
        )
    import mathdl as md

    md.manual_seed(config["seed"] if args.seed is None else args.seed)
    model = _rebuild(checkpoint, path)
    if args.prompt is not None:
        args.prompt = args.prompt.replace("\\n", "\n")
    args.run_folder = os.path.dirname(os.path.abspath(path))
    print(recipe.generate(model, config, args))
    return 0
