"""Character language models (char-rnn, char-lstm, char-gru, char-transformer): truncated BPTT on
consecutive blocks of a corpus, the state carried across blocks (and saved in checkpoints)."""

import os

from mathdl.cli.common import CommandError
from mathdl.cli.recipes import Recipe, RunData, make_optimizer, recipe

SAMPLE_PROMPT = "ROMEO:\n"


def read_corpus(name):
    """The text of --corpus (a shipped/installed corpus name or a UTF-8 file), with errors that
    name the file and the problem."""
    from mathdl.data.text import CorpusNotFoundError, load_corpus

    if name in ("shakespeare", "tang"):
        try:
            return load_corpus(name)
        except CorpusNotFoundError as error:
            raise CommandError(str(error)) from None
    if not os.path.exists(name):
        raise CommandError(f"--corpus {name}: no such file (or a corpus name: shakespeare, tang)")
    if os.path.isdir(name):
        try:
            text = load_corpus(path=name)
        except (CorpusNotFoundError, UnicodeDecodeError) as error:
            raise CommandError(f"--corpus {name}: {error}") from None
    else:
        with open(name, "rb") as handle:
            raw = handle.read()
        if b"\0" in raw[:65536]:
            raise CommandError(
                f"--corpus {name} is a binary file (it holds NUL bytes); give a UTF-8 text file"
            )
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise CommandError(
                f"--corpus {name} is not UTF-8 text (byte {error.start} cannot be decoded); "
                f"convert it, e.g. iconv -t utf-8"
            ) from None
    if not text.strip():
        raise CommandError(f"--corpus {name} is empty")
    return text


@recipe
class CharLanguageModel(Recipe):
    names = ("char-rnn", "char-lstm", "char-gru", "char-transformer")
    family = "language model"
    options = {
        "corpus": "shakespeare",
        "limit": None,
        "epochs": 10,
        "steps_per_epoch": 100,
        "batch_size": 32,
        "seq_len": 64,
        "optimizer": "adam",
        "lr": 2e-3,
        "clip": 1.0,
        "val_fraction": 0.1,
        "patience": None,
    }
    tiny = {
        "limit": 6000,
        "epochs": 2,
        "steps_per_epoch": 3,
        "batch_size": 4,
        "seq_len": 16,
        "model_args": {"hidden_size": 16, "num_layers": 1, "embed_dim": 8},
    }
    tiny_model_args = {
        "char-transformer": {"d_model": 16, "nhead": 2, "num_layers": 1, "dim_feedforward": 32}
    }
    unit = "Block"
    generates = True
    figure_names = ("curves.png", "sample.txt")

    def load_data(self, config):
        from mathdl.data.text import CharVocab, TextStreams, split_ids

        text = read_corpus(config["corpus"])
        if config.get("limit"):
            text = text[: config["limit"]]
        vocab = CharVocab(text)
        train_ids, val_ids = split_ids(vocab.encode(text), config["val_fraction"] or 0.1)
        batch, length = config["batch_size"], config["seq_len"]
        try:
            train = TextStreams(train_ids, batch, length, blocks=config["steps_per_epoch"])
            val_batch = max(1, min(batch, len(val_ids) // (4 * length)))
            val = TextStreams(val_ids, val_batch, length, shift=False) if config["val_fraction"] else None
        except ValueError as error:
            raise CommandError(f"--corpus {config['corpus']} ({len(text)} characters): {error}") from None
        info = (
            f"{config['corpus']} ({len(text):,} characters, {len(vocab)} distinct; "
            f"{len(train_ids):,} for training, {len(val_ids):,} held out)"
        )
        return RunData(train, val, val, info=info, vocab=vocab, config_data={"vocab": list(vocab.tokens)})

    def model_kwargs(self, config, data):
        kwargs = dict(config["model_args"], vocab_size=len(data.vocab))
        if config["model"] == "char-transformer":
            kwargs.setdefault("max_len", max(config["seq_len"], 64))
        return kwargs

    def training(self, config, model):
        from mathdl import optim
        from mathdl.train import TruncatedBPTT

        optimizer = make_optimizer(config["optimizer"], model.parameters(), config["lr"])
        scheduler = optim.lr_scheduler.CosineAnnealingLR(
            optimizer, T_max=config["epochs"], eta_min=config["lr"] / 10
        )
        return optimizer, TruncatedBPTT(clip=config["clip"]), scheduler

    def evaluate(self, trainer, data, config):
        from mathdl.nn.sequence import perplexity

        logs = trainer.evaluate(data.val)
        return {"val_loss": logs["loss"], "val_perplexity": perplexity(logs["loss"])}

    def finish(self, trainer, data, config):
        if data.val is None:
            return {}, []
        numbers = self.evaluate(trainer, data, config)
        return numbers, [
            f"validation perplexity {numbers['val_perplexity']:.2f} "
            f"({numbers['val_loss']:.3f} nats per character) after {trainer.epoch} blocks"
        ]

    def figures(self, trainer, data, config, out):
        from mathdl.models.generate import generate
        from mathdl.train.history import write_text_atomic

        paths = super().figures(trainer, data, config, out)
        prompt = "".join(c for c in SAMPLE_PROMPT if c in data.vocab) or data.vocab.tokens[0]
        text = generate(trainer.model, data.vocab, prompt, length=400, temperature=0.8, seed=config["seed"])
        path = os.path.join(out, "sample.txt")
        write_text_atomic(path, text + "\n")
        return paths + [path]

    def generate(self, model, config, args):
        from mathdl.data.text import CharVocab
        from mathdl.models.generate import generate

        vocab = CharVocab(tokens=config["data"]["vocab"])
        prompt = args.prompt if args.prompt is not None else SAMPLE_PROMPT
        missing = sorted({c for c in prompt if c not in vocab})
        if missing:
            raise CommandError(f"--prompt {prompt!r} uses characters the model never saw: {missing!r}")
        if not prompt:
            raise CommandError("--prompt is empty; give at least one character")
        return generate(
            model,
            vocab,
            prompt,
            length=args.length,
            temperature=args.temperature,
            top_k=args.top_k,
            seed=args.seed,
        )
