"""Spoken digits: the recogniser (speech-digits, log-mel CNN) and the generator (speech-cvae).

Data: ``--dataset spoken-digits-subset`` (shipped, 720 training and 240 test clips) or a folder made
by ``mathdl data spoken-digits`` (5,760 and 1,920). Test clips are said by voices never heard in
training (the variants m3, m7, f4); validation is a stratified share of the training clips.
"""

import os

import numpy as np

from mathdl.cli.common import CommandError
from mathdl.cli.recipes import Recipe, RunData, fixed_rng, make_optimizer, recipe

SUBSET = "spoken-digits-subset"
RECOGNIZER_FEATURES = {"sr": 8000, "n_fft": 256, "hop_length": 128, "n_mels": 40}
GENERATOR_FEATURES = {"sr": 8000, "n_fft": 512, "hop_length": 128, "n_mels": 64}
NOISY_TEST_SNR_DB, NOISY_TEST_SEED = 10.0, 1


def resolve_spoken_digits(name):
    """``spoken-digits-subset`` or an absolute path to a folder holding the corpus."""
    if name.strip().lower().replace("_", "-") == SUBSET:
        return SUBSET
    path = os.path.abspath(os.path.expanduser(name))
    if not os.path.isdir(path):
        raise CommandError(
            f"--dataset {name}: give {SUBSET} (shipped) or a folder made by 'mathdl data spoken-digits --out DIR'"
        )
    return path


def load_clips(config):
    """(training SpokenDigits, test SpokenDigits) of the run's dataset, training clips cut to a
    random ``limit`` (drawn with the run's seed) for quick runs."""
    from mathdl.data import SpokenDigits

    name = resolve_spoken_digits(config["dataset"])
    root = None if name == SUBSET else name
    try:
        train, test = SpokenDigits(root=root, train=True), SpokenDigits(root=root, train=False)
    except (FileNotFoundError, ValueError) as error:
        raise CommandError(str(error)) from None
    if config.get("limit"):
        keep = np.sort(np.random.default_rng(config["seed"]).permutation(len(train))[: config["limit"]])
        train.waveforms, train.labels, train.speakers = (
            train.waveforms[keep],
            train.labels[keep],
            train.speakers[keep],
        )
    return train, test


def split(waveforms, labels, config):
    """(train indices, val indices or None): a stratified share ``val_fraction`` (by digit)."""
    from mathdl.data import TensorDataset, train_val_split

    digits = labels if labels.ndim == 1 else labels[:, 0]
    if not config.get("val_fraction"):
        return np.arange(len(waveforms)), None
    train, val = train_val_split(
        TensorDataset(digits), config["val_fraction"], seed=config["seed"], stratify=digits
    )
    return np.asarray(train.indices), np.asarray(val.indices)


def feature_loaders(waveforms, labels, features, config, snr_db=None, clean_fraction=0.0):
    """(train loader, val loader or None, train size, val size) of log-mel features."""
    from mathdl.data import DataLoader, FeatureDataset

    train, val = split(waveforms, labels, config)
    data = FeatureDataset(
        (waveforms[train], labels[train]), features, snr_db=snr_db, clean_fraction=clean_fraction
    )
    loader = DataLoader(data, batch_size=config["batch_size"], shuffle=True)
    if val is None:
        return loader, None, len(train), 0
    val_data = FeatureDataset((waveforms[val], labels[val]), features)
    return loader, DataLoader(val_data, batch_size=500), len(train), len(val)


@recipe
class SpeechRecognizer(Recipe):
    names = ("speech-digits",)
    family = "spoken-digit recogniser"
    options = {
        "dataset": SUBSET,
        "limit": None,
        "epochs": 12,
        "batch_size": 64,
        "optimizer": "adam",
        "lr": 3e-3,
    }
    options.update(val_fraction=0.1, patience=None, augment_snr=[0.0, 40.0])
    unset_text = {"augment_snr": "no noise"}
    tiny = {"limit": 120, "epochs": 2, "batch_size": 40, "model_args": {"width": 4}}
    figure_names = ("curves.png", "confusion_matrix.png", "confusion_matrix_10db.png")

    def resolve_dataset(self, name):
        return resolve_spoken_digits(name)

    def complete(self, config):
        config["features"] = dict(RECOGNIZER_FEATURES)
        return config

    def load_data(self, config):
        from mathdl.data import DataLoader, FeatureDataset, LogMel

        features = LogMel(**config["features"])
        train_clips, test_clips = load_clips(config)
        snr = config.get("augment_snr") or None
        train, val, n_train, n_val = feature_loaders(
            train_clips.waveforms,
            train_clips.labels,
            features,
            config,
            snr_db=snr,
            clean_fraction=0.25 if snr else 0.0,
        )
        test = FeatureDataset(test_clips, features)
        noisy = FeatureDataset(test_clips, features, snr_db=NOISY_TEST_SNR_DB, seed=NOISY_TEST_SEED)
        info = f"{config['dataset']} ({n_train} training, {n_val} validation, {len(test)} test clips by held-out voices)"
        return RunData(
            train, val, DataLoader(test, batch_size=500), info=info, noisy=DataLoader(noisy, batch_size=500),
            test_labels=test.labels,
        )  # fmt: skip

    def model_kwargs(self, config, data):
        return {"n_mels": config["features"]["n_mels"], **config["model_args"]}

    def training(self, config, model):
        from mathdl import optim
        from mathdl.train import Supervised, accuracy

        optimizer = make_optimizer(config["optimizer"], model.parameters(), config["lr"])
        scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=config["epochs"])
        return optimizer, Supervised(metrics=[("accuracy", accuracy)]), scheduler

    def evaluate(self, trainer, data, config):
        test, noisy = trainer.evaluate(data.test), trainer.evaluate(data.noisy)
        return {
            "test_loss": test["loss"],
            "test_accuracy": test["accuracy"],
            "test_accuracy_10db": noisy["accuracy"],
        }

    def finish(self, trainer, data, config):
        numbers = self.evaluate(trainer, data, config)
        line = (
            f"held-out voices: test accuracy {numbers['test_accuracy']:.4f}, "
            f"with white noise at 10 dB SNR {numbers['test_accuracy_10db']:.4f}"
        )
        return numbers, [line]

    def figures(self, trainer, data, config, out):
        from mathdl.data import SPOKEN_DIGIT_CLASSES
        from mathdl.train import confusion_matrix, plot_confusion_matrix

        paths = super().figures(trainer, data, config, out)
        if not paths:
            return paths
        for loader, name in ((data.test, "confusion_matrix.png"), (data.noisy, "confusion_matrix_10db.png")):
            predicted = trainer.predict(loader).argmax(axis=1)
            matrix = confusion_matrix(data.test_labels, predicted, 10)
            paths.append(
                plot_confusion_matrix(matrix, os.path.join(out, name), class_names=SPOKEN_DIGIT_CLASSES)
            )
        return [path for path in paths if path]


@recipe
class SpeechGenerator(Recipe):
    names = ("speech-cvae",)
    family = "speech generator (conditional VAE)"
    options = {
        "dataset": SUBSET,
        "limit": None,
        "epochs": 80,
        "batch_size": 64,
        "optimizer": "adam",
        "lr": 1e-3,
    }
    options.update(val_fraction=0.1, patience=None)
    tiny = {"limit": 120, "epochs": 2, "batch_size": 40, "model_args": {"hidden": [16], "latent_dim": 2}}
    generates = True
    figure_names = ("curves.png", "generated.png", "generated.wav")

    def resolve_dataset(self, name):
        return resolve_spoken_digits(name)

    def complete(self, config):
        config["features"] = dict(GENERATOR_FEATURES)
        return config

    def load_data(self, config):
        from mathdl.data import LogMel

        clips, _ = load_clips(config)
        voices = sorted(set(clips.speakers.tolist()))
        labels = np.stack([clips.labels, np.searchsorted(voices, clips.speakers)], axis=1)
        features = LogMel(**config["features"])
        train, val, n_train, n_val = feature_loaders(clips.waveforms, labels, features, config)
        info = f"{config['dataset']} ({n_train} training, {n_val} validation clips; {len(voices)} voices)"
        return RunData(
            train, val, None, info=info, voices=voices, frames=features.frames(clips.waveforms.shape[1])
        )

    def model_kwargs(self, config, data):
        f = config["features"]
        derived = {"voices": data.voices, "n_mels": f["n_mels"], "frames": int(data.frames)}
        derived.update(sample_rate=f["sr"], n_fft=f["n_fft"], hop_length=f["hop_length"])
        return {**derived, **config["model_args"]}

    def training(self, config, model):
        from mathdl.train import ConditionalModelLoss

        return (
            make_optimizer(config["optimizer"], model.parameters(), config["lr"]),
            ConditionalModelLoss(),
            None,
        )

    def evaluate(self, trainer, data, config):
        if data.val is None:
            raise CommandError("this run kept no validation clips (--val-fraction 0): nothing to evaluate")
        with fixed_rng(config["seed"]):  # the ELBO samples z
            return {"val_loss": trainer.evaluate(data.val)["loss"]}

    def finish(self, trainer, data, config):
        if data.val is None:
            return {}, []
        numbers = self.evaluate(trainer, data, config)
        return numbers, [f"validation −ELBO {numbers['val_loss']:.4f} nats per spectrogram bin"]

    def figures(self, trainer, data, config, out):
        paths = super().figures(trainer, data, config, out)
        if not paths:
            return paths
        model = trainer.model.eval()
        paths.append(
            plot_generated(
                model, "0 1 2 3 4 5 6 7 8 9", os.path.join(out, "generated.png"), seed=config["seed"]
            )
        )
        paths.append(
            say(model, "0 1 2 3 4 5 6 7 8 9", os.path.join(out, "generated.wav"), seed=config["seed"])
        )
        return [path for path in paths if path]

    def generate(self, model, config, args):
        text = args.prompt if args.prompt is not None else "0 1 2 3 4 5 6 7 8 9"
        seed = config["seed"] if args.seed is None else args.seed
        path = args.output or os.path.join(args.run_folder, "spoken.wav")
        try:
            if path.lower().endswith(".png"):
                return f"wrote {plot_generated(model, text, path, seed=seed, temperature=args.temperature)}"
            return f"wrote {say(model, text, path, seed=seed, temperature=args.temperature)}"
        except ValueError as error:
            raise CommandError(str(error)) from None


def say(model, text, path, seed=0, temperature=0.5, voice=None, overwrite=True):
    """``mathdl.audio.speak.speak`` into ``path``; returns the path."""
    from mathdl.audio.speak import speak

    speak(model, text, out=path, voice=voice, seed=seed, temperature=temperature, overwrite=overwrite)
    return path


def plot_generated(model, text, path, seed=0, temperature=0.5, voice=None):
    """The generated log-mel spectrogram of ``text`` (words joined by silences) as a figure."""
    from mathdl.audio.speak import parse_digits, words_to_mel
    from mathdl.audio.synthesis import join_words
    from mathdl.train.plots import _pyplot

    plt = _pyplot()
    if plt is None:
        return None
    digits = parse_digits(text)
    mel = join_words(list(words_to_mel(model, digits, voice, seed, temperature)), gap_frames=9)
    seconds = mel.shape[1] * model.hop_length / model.sample_rate
    figure, axis = plt.subplots(figsize=(min(16.0, 3.0 + 1.6 * seconds), 3.2))
    image = axis.imshow(
        mel, origin="lower", aspect="auto", cmap="magma", vmin=-80, extent=(0, seconds, 0, mel.shape[0])
    )
    figure.colorbar(image, ax=axis, label="dB")
    voice_name = voice or model.voices[0]
    axis.set(xlabel="seconds", ylabel="mel band", title=f"generated '{text}' ({voice_name}, seed {seed})")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
