"""Train the digit speech generator (a conditional VAE over log-mel spectrograms) and measure it.

    python examples/speech_generator.py --root DIR --recognizer RUN/recognizer.npz [--epochs 40]
        [--out examples/output/speech_generator] [--seeds 100 101 102 103 104] [--temperature 0.7]
    python examples/speech_generator.py --root DIR --recognizer ... --generator RUN/generator.npz  # measure only

``--root``: the full corpus (``make_spoken_digits``; 8 takes of every word by 72 training voices, the
takes differing in speed and pitch: what the latent variable learns). ``--recognizer``: a checkpoint
written by ``examples/speech_recognizer.py``. Measures, on seeds not used while developing the model
(``--seeds``):

* recognition: every digit in every evaluation voice (one variant per accent and three per accent
  for 24 voices), generated as a one-second clip (mel → non-negative filterbank inversion → fast
  Griffin-Lim), classified by the recogniser; the accuracy and a confusion matrix;
* the log-spectral distance (DTW-aligned, voiced frames, 257 bins at n_fft 512) between each
  generated word and espeak-ng's rendering of the same word by the same voice at its default speed
  and pitch, next to reference points: the same pipeline applied to espeak-ng's own mel spectrogram
  (what mel + Griffin-Lim alone lose), espeak-ng at another speed/pitch (a corpus take), another voice,
  another word;
* a figure of generated against espeak-ng spectrograms, and WAV files to listen to.
"""

import argparse
import json
import os
import time

import numpy as np

import mathdl as md
from mathdl import models
from mathdl.audio.distance import log_spectral_distance
from mathdl.audio.speak import speak
from mathdl.audio.synthesis import mel_db_to_audio, voiced_frames
from mathdl.audio.wav import write_wav
from mathdl.data import LogMel, SpokenDigits
from mathdl.data.datasets import espeak
from mathdl.train import confusion_matrix, load_checkpoint, plot_confusion_matrix
from mathdl.train.history import write_text_atomic

GENERATOR_FEATURES = dict(sr=8000, n_fft=512, hop_length=128, n_mels=64)
EVAL_VARIANTS = ("m1", "f2", "m5")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", required=True, help="the full corpus folder (make_spoken_digits)")
    parser.add_argument(
        "--recognizer", required=True, help="recognizer.npz from examples/speech_recognizer.py"
    )
    parser.add_argument("--generator", default=None, help="a trained generator checkpoint: measure only")
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--hidden", type=int, nargs="+", default=[512])
    parser.add_argument("--latent", type=int, default=16)
    parser.add_argument("--sigma-db", type=float, default=4.0)
    parser.add_argument("--temperature", type=float, default=0.7)
    parser.add_argument("--seeds", type=int, nargs="+", default=[100, 101, 102, 103, 104])
    parser.add_argument("--gl-iterations", type=int, default=100)
    parser.add_argument("--out", default=os.path.join("examples", "output", "speech_generator"))
    return parser.parse_args()


def load_model(path):
    """(model in eval mode, its checkpoint config) from a training checkpoint."""
    content = load_checkpoint(path)
    model = models.from_config(content["config"]["model"])
    model.load_state_dict(content["model"])
    model.eval()
    return model, content["config"]


def recognise(recognizer, features, clips):
    """Predicted digits of waveforms (B, 8000)."""
    with md.no_grad():
        return np.concatenate(
            [recognizer(features(clips[i : i + 256])).array.argmax(axis=1) for i in range(0, len(clips), 256)]
        )


def generate_clips(generator, digits, voice_indices, seed, temperature, n_iter):
    """One-second clips (B, 8000) of generated words: mel → waveform, centred."""
    mels = generator.sample(digits, voice_indices, np.random.default_rng(seed), temperature)
    f = GENERATOR_FEATURES
    clips = []
    for start in range(0, len(mels), 120):  # Griffin-Lim on 120 words at a time bounds the memory
        clips.append(
            mel_db_to_audio(
                mels[start : start + 120], f["sr"], f["n_fft"], f["hop_length"], n_iter, seed=seed
            )
        )
    clips = np.concatenate(clips)
    pad = 8000 - clips.shape[1]
    return np.pad(clips, ((0, 0), (pad // 2, pad - pad // 2))).astype(np.float32), mels


def evaluation_voices():
    return [f"{accent}+{variant}" for accent in espeak.ACCENTS for variant in EVAL_VARIANTS]


def measure_recognition(generator, recognizer, recognizer_features, seeds, temperature, n_iter):
    voices = evaluation_voices()
    digits = np.tile(np.arange(10), len(voices))
    indices = np.repeat([generator.voice_index(v) for v in voices], 10)
    truth, predicted = [], []
    for seed in seeds:
        clips, _ = generate_clips(generator, digits, indices, seed, temperature, n_iter)
        predicted.append(recognise(recognizer, recognizer_features, clips))
        truth.append(digits)
        print(
            f"seed {seed}: {np.mean(predicted[-1] == digits):.4f} of {len(digits)} generated words recognised"
        )
    truth, predicted = np.concatenate(truth), np.concatenate(predicted)
    return float(np.mean(truth == predicted)), confusion_matrix(truth, predicted, num_classes=10)


def render_references(voices, speed=175, pitch=50):
    """espeak-ng's clips (len(voices), 10, 8000) of every digit by every voice at its default speed and pitch."""
    plan = [
        dict(word=word, accent=v.split("+")[0], variant=v.split("+")[1], speed=speed, pitch=pitch, take=0)
        for v in voices
        for word in espeak.WORDS
    ]
    audio, _ = espeak.render_plan(plan)
    return (audio / 32768.0).reshape(len(voices), 10, -1)


def power_spectrogram(clip):
    from mathdl import audio

    f = GENERATOR_FEATURES
    power = audio.spectrogram(
        np.asarray(clip, dtype=np.float64), f["n_fft"], f["hop_length"], window="hann"
    ).numpy()
    start, stop = voiced_frames(10 * np.log10(np.maximum(power, 1e-10)))
    return power[:, start:stop]


def measure_lsd(generator, corpus, seeds, temperature, n_iter):
    """Mean log-spectral distances (dB) of generated words and of the reference points (module docstring)."""
    voices = evaluation_voices()
    references = render_references(voices)
    f = GENERATOR_FEATURES
    reference_mels = LogMel(**f)(references.reshape(-1, 8000).astype(np.float32))
    resynthesised = mel_db_to_audio(reference_mels, f["sr"], f["n_fft"], f["hop_length"], n_iter, seed=0)
    resynthesised = resynthesised.reshape(len(voices), 10, -1)
    reference_power = [[power_spectrogram(references[v, d]) for d in range(10)] for v in range(len(voices))]
    distances = {"generated": [], "mel + Griffin-Lim of espeak-ng": [], "espeak-ng, corpus take 0": []}
    distances.update({"espeak-ng, another voice": [], "espeak-ng, another word": []})
    digits = np.tile(np.arange(10), len(voices))
    indices = np.repeat([generator.voice_index(v) for v in voices], 10)
    generated = [generate_clips(generator, digits, indices, seed, temperature, n_iter)[0] for seed in seeds]
    for v, voice in enumerate(voices):
        for d in range(10):
            reference = reference_power[v][d]
            lsd = lambda clip: log_spectral_distance(reference, power_spectrogram(clip))  # noqa: E731
            distances["generated"] += [lsd(clips[v * 10 + d]) for clips in generated]
            distances["mel + Griffin-Lim of espeak-ng"].append(lsd(resynthesised[v, d]))
            take = np.flatnonzero(
                (corpus.speakers == voice) & (corpus.labels == d) & (corpus.metadata["take"] == 0)
            )
            distances["espeak-ng, corpus take 0"].append(lsd(corpus.waveforms[take[0]]))
            other = (v + len(EVAL_VARIANTS)) % len(voices)  # the same variant in the next accent
            distances["espeak-ng, another voice"].append(
                log_spectral_distance(reference, reference_power[other][d])
            )
            distances["espeak-ng, another word"].append(
                log_spectral_distance(reference, reference_power[v][(d + 1) % 10])
            )
    summary = {
        name: (float(np.mean(values)), float(np.std(values)), len(values))
        for name, values in distances.items()
    }
    return summary, references


def plot_spectrograms(generator, references, seed, temperature, n_iter, path):
    """Generated (bottom) against espeak-ng (top) log-power spectrograms for four words by en-us+m1."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    words = [3, 7, 9, 4]
    voice = evaluation_voices()[0]
    clips, _ = generate_clips(
        generator,
        np.array(words),
        np.full(len(words), generator.voice_index(voice)),
        seed,
        temperature,
        n_iter,
    )
    figure, axes = plt.subplots(2, len(words), figsize=(3.2 * len(words), 5.6), sharey=True)
    f = GENERATOR_FEATURES
    for column, (digit, clip) in enumerate(zip(words, clips)):
        for row, (signal, who) in enumerate(((references[0, digit], "espeak-ng"), (clip, "generated"))):
            power = power_spectrogram(signal)
            image = 10 * np.log10(np.maximum(power / power.max(), 1e-8))
            seconds = power.shape[1] * f["hop_length"] / f["sr"]
            axes[row, column].imshow(image, origin="lower", aspect="auto", cmap="magma", vmin=-80, vmax=0,
                                     extent=(0, seconds, 0, f["sr"] / 2000))  # fmt: skip
            axes[row, column].set_title(f"{espeak.WORDS[digit]}: {who}", fontsize=10)
            axes[row, column].set_xlabel("seconds")
        axes[0, 0].set_ylabel("kHz")
        axes[1, 0].set_ylabel("kHz")
    figure.suptitle(f"{voice}, voiced frames, n_fft {f['n_fft']}, hop {f['hop_length']} (dB re max)")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def write_listening_files(generator, references, out, seed, temperature, n_iter):
    paths = []
    voice = evaluation_voices()[0]
    for text, name in (("3 1 4 1 5 9", "pi_generated.wav"), ("0 1 2 3 4 5 6 7 8 9", "digits_generated.wav")):
        path = os.path.join(out, name)
        speak(generator, text, out=path, voice=voice, seed=seed, temperature=temperature,
              n_iter=n_iter, overwrite=True)  # fmt: skip
        paths.append(path)
    silence = np.zeros(1200)
    joined = np.concatenate([np.concatenate([references[0, d], silence]) for d in (3, 1, 4, 1, 5, 9)])
    paths.append(os.path.join(out, "pi_espeak.wav"))
    write_wav(paths[-1], joined, 8000)
    return paths


def train_generator(args, corpus):
    """The conditional VAE trained with the Trainer (the model-loss step: L = model.loss(x, [digit, voice]))."""
    from mathdl import optim
    from mathdl.data import DataLoader, FeatureDataset
    from mathdl.train import Trainer
    from mathdl.train.strategies import ConditionalModelLoss

    voices = sorted(set(corpus.speakers.tolist()))
    voice_ids = np.searchsorted(voices, corpus.speakers)
    data = FeatureDataset(
        (corpus.waveforms, np.stack([corpus.labels, voice_ids], axis=1)), LogMel(**GENERATOR_FEATURES)
    )
    model = models.build(
        "speech-cvae", voices=voices, n_mels=GENERATOR_FEATURES["n_mels"], frames=data.features.shape[2],
        latent_dim=args.latent, hidden=args.hidden, sigma_db=args.sigma_db, sample_rate=GENERATOR_FEATURES["sr"],
        n_fft=GENERATOR_FEATURES["n_fft"], hop_length=GENERATOR_FEATURES["hop_length"],
    )  # fmt: skip
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    trainer = Trainer(
        model, optimizer, strategy=ConditionalModelLoss(), config={"features": GENERATOR_FEATURES}, verbose=2
    )
    start = time.perf_counter()
    trainer.fit(DataLoader(data, batch_size=args.batch_size, shuffle=True), args.epochs)
    seconds = time.perf_counter() - start
    path = trainer.save_checkpoint(os.path.join(args.out, "generator.npz"))
    model.eval()
    return model, path, seconds, trainer.history.history["loss"]


def main():
    args = parse_args()
    md.manual_seed(0)
    os.makedirs(args.out, exist_ok=True)
    corpus = SpokenDigits(root=args.root, train=True)
    results = {"load_average_start": os.getloadavg()}
    if args.generator is None:
        generator, path, seconds, losses = train_generator(args, corpus)
        results.update(train_seconds=round(seconds, 1), loss_per_epoch=losses, checkpoint=path)
    else:
        generator, _ = load_model(args.generator)
    recognizer, recognizer_config = load_model(args.recognizer)
    recognizer_features = LogMel(**recognizer_config["features"])
    accuracy, matrix = measure_recognition(
        generator, recognizer, recognizer_features, args.seeds, args.temperature, args.gl_iterations
    )
    lsd, references = measure_lsd(generator, corpus, args.seeds, args.temperature, args.gl_iterations)
    figures = [
        plot_confusion_matrix(matrix, os.path.join(args.out, "generated_confusion_matrix.png"), espeak.WORDS)
        and os.path.join(args.out, "generated_confusion_matrix.png"),
        plot_spectrograms(
            generator,
            references,
            args.seeds[0],
            args.temperature,
            args.gl_iterations,
            os.path.join(args.out, "generated_vs_espeak.png"),
        ),  # fmt: skip
    ]
    wavs = write_listening_files(
        generator, references, args.out, args.seeds[0], args.temperature, args.gl_iterations
    )
    results.update(
        recognised=accuracy, words=int(matrix.sum()), seeds=args.seeds, temperature=args.temperature,
        recognizer=args.recognizer, log_spectral_distance_db=lsd, confusion_matrix=matrix.tolist(),
        load_average_end=os.getloadavg(),
    )  # fmt: skip
    write_text_atomic(os.path.join(args.out, "results.json"), json.dumps(results, indent=1) + "\n")
    print(f"recognised {accuracy:.4f} of {matrix.sum()} generated words (seeds {args.seeds})")
    for name, (mean, std, count) in lsd.items():
        print(f"log-spectral distance, {name}: {mean:.2f} ± {std:.2f} dB ({count} pairs)")
    for path in [*figures, *wavs, os.path.join(args.out, "results.json")]:
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
