"""How the default GAN run's score grows with epochs: the run of ``mathdl train --model gan``,
scored after chosen epochs by the same judge it prints at the end.

    OPENBLAS_NUM_THREADS=1 nice -n 10 python benchmarks/gan_epochs.py [--epochs 10,20,30,40,60,80,100]

Builds the run exactly as the command does (its recipe: data, model, optimisers, the Adversarial
strategy, seed 0), trains to the largest epoch and after each listed epoch draws 1,000 samples
(the RNG is put back, so scoring does not change the run) and prints the share the judging
classifier labels with confidence >= 0.5 and the classes those cover. At 60 epochs the numbers are
the default run's.
"""

import argparse
import time

import mathdl as md
from mathdl.cli.recipes import get_recipe
from mathdl.cli.recipes.judge import probabilities, train_judge
from mathdl.random import get_rng_state, set_rng_state
from mathdl.train import LambdaCallback, Trainer, judge_samples


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", default="10,20,30,40,60,80,100")
    parser.add_argument("--kind", default="mlp", choices=["mlp", "dcgan", "wgan-gp"])
    args = parser.parse_args(argv)
    marks = sorted(int(e) for e in args.epochs.split(","))
    recipe = get_recipe("gan")
    config = {**recipe.options, "model": "gan", "seed": 0, "model_args": {"kind": args.kind}}
    config = recipe.complete(config)
    md.manual_seed(0)
    data = recipe.load_data(config)
    model = recipe.build_model(config, data)
    optimizers, strategy, _ = recipe.training(config, model)
    trainer = Trainer(model, optimizers, strategy=strategy, verbose=0)
    judge = train_judge(data.x_unit, data.y)
    real = judge_samples(probabilities(judge, data.x_test_unit[:1000] / 255.0))
    print(
        f"judge on real held-out images: {real['confident_share']:.3f} confident, {real['coverage']} classes"
    )
    start = time.perf_counter()

    def score(epoch, logs):
        if epoch + 1 not in marks:
            return
        state = get_rng_state()
        judged = judge_samples(probabilities(judge, (model.sample(1000) + 1.0) / 2.0))
        set_rng_state(state)
        print(
            f"epoch {epoch + 1:4d}: {judged['confident_share']:.3f} of samples with confidence >= 0.5, "
            f"{judged['coverage']} classes covered ({time.perf_counter() - start:.0f} s)",
            flush=True,
        )

    trainer.fit(data.train, marks[-1], callbacks=[LambdaCallback(on_epoch_end=score)])


if __name__ == "__main__":
    main()
