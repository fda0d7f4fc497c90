"""Sequence to sequence on written dates → ISO 8601 (seq2seq-attention, seq2seq-transformer),
trained with teacher forcing and tested on days that never occur in training."""

import os

import numpy as np

from mathdl.cli.common import CommandError
from mathdl.cli.recipes import Recipe, RunData, make_optimizer, recipe


def held_out_sizes(train_size):
    """(validation, test) pair counts: 500 and 2,000 for the default 20,000 training pairs, fewer
    for quick runs."""
    return min(500, max(50, train_size // 10)), min(2000, max(100, train_size // 5))


def decode_all(model, codec, pairs, batch_size=500):
    """Greedy translations of the written dates in ``pairs``."""
    was_training = model.training
    model.eval()
    predictions = []
    for start in range(0, len(pairs), batch_size):
        source, mask = codec.encode_sources([p[0] for p in pairs[start : start + batch_size]])
        ids, _ = model.greedy_decode(source, mask)
        predictions.extend(codec.decode_targets(ids))
    model.train(was_training)
    return predictions


@recipe
class DateTranslation(Recipe):
    names = ("seq2seq-attention", "seq2seq-transformer")
    family = "sequence to sequence"
    options = {
        "train_size": 20000,
        "epochs": 5,
        "batch_size": 64,
        "optimizer": "adam",
        "lr": 3e-3,
        "clip": 1.0,
        "patience": None,
    }
    tiny = {"train_size": 300, "epochs": 2, "batch_size": 50}
    tiny_model_args = {
        "seq2seq-attention": {"embed_dim": 8, "hidden_size": 16},
        "seq2seq-transformer": {"d_model": 16, "nhead": 2, "num_layers": 1, "dim_feedforward": 32},
    }
    generates = True
    figure_names = ("curves.png", "predictions.txt")

    def model_defaults(self, name):
        return {}

    def load_data(self, config):
        from mathdl.data import DataLoader, TensorDataset
        from mathdl.data.dates import DateCodec, date_splits, encode_pairs

        codec = DateCodec()
        val_size, test_size = held_out_sizes(config["train_size"])
        train, val, test = date_splits(config["train_size"], val_size, test_size, seed=config["seed"])
        width = max(len(p[0]) for p in train + val + test)

        def loader(pairs, batch_size, shuffle):
            return DataLoader(TensorDataset(*encode_pairs(codec, pairs, width)), batch_size, shuffle=shuffle)

        overlap = len({p[1] for p in train} & {p[1] for p in test})
        info = (
            f"written dates ({len(train)} training pairs; {len(val)} validation and {len(test)} test "
            f"pairs of {len({p[1] for p in test})} days that never occur in training)"
        )
        return RunData(
            loader(train, config["batch_size"], True),
            loader(val, 500, False),
            loader(test, 500, False),
            info=info,
            codec=codec,
            test_pairs=test,
            overlap=overlap,
        )

    def model_kwargs(self, config, data):
        return dict(config["model_args"], source_vocab=len(data.codec.source_tokens))

    def training(self, config, model):
        from mathdl import optim
        from mathdl.train import TeacherForcing

        optimizer = make_optimizer(config["optimizer"], model.parameters(), config["lr"])
        scheduler = optim.lr_scheduler.CosineAnnealingLR(
            optimizer, T_max=config["epochs"], eta_min=config["lr"] * 0.05
        )
        return optimizer, TeacherForcing(clip=config["clip"]), scheduler

    def evaluate(self, trainer, data, config):
        from mathdl.train import corpus_bleu

        predictions = decode_all(trainer.model, data.codec, data.test_pairs)
        truths = [p[1] for p in data.test_pairs]
        return {
            "test_exact_match": float(np.mean([p == t for p, t in zip(predictions, truths)])),
            "test_bleu": corpus_bleu(truths, predictions),
            "test_days_seen_in_training": data.overlap,
        }

    def finish(self, trainer, data, config):
        numbers = self.evaluate(trainer, data, config)
        return numbers, [
            f"exact match {numbers['test_exact_match']:.4f} (character BLEU-4 {numbers['test_bleu']:.4f}) "
            f"on {len(data.test_pairs)} written dates of days never seen in training"
        ]

    def figures(self, trainer, data, config, out):
        from mathdl.train.history import write_text_atomic

        paths = super().figures(trainer, data, config, out)
        shown = data.test_pairs[:40]
        predictions = decode_all(trainer.model, data.codec, shown)
        lines = [
            f"{'ok ' if p == t else 'BAD'} {s!r:>36} -> {p}  (true {t})"
            for (s, t), p in zip(shown, predictions)
        ]
        path = os.path.join(out, "predictions.txt")
        write_text_atomic(path, "\n".join(lines) + "\n")
        return paths + [path]

    def generate(self, model, config, args):
        from mathdl.data.dates import DateCodec

        if not args.prompt:
            raise CommandError(
                "--prompt gives the written date to translate, e.g. --prompt '3rd of March 1998'"
            )
        try:
            return decode_all(model, DateCodec(), [(args.prompt, "")])[0]
        except ValueError as error:
            raise CommandError(f"--prompt {args.prompt!r}: {error}") from None
