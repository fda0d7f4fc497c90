"""Measure the digit speech generator (a speech-cvae run) with the spoken-digit recogniser.

    mathdl train --model speech-digits --dataset DIR --out runs/recognizer     # the judge
    mathdl train --model speech-cvae --dataset DIR --out runs/generator        # the generator
    python examples/speech_generator.py --root DIR --generator runs/generator --recognizer runs/recognizer
        [--out examples/output/speech_generator] [--seeds 100 101 102 103 104] [--temperature 0.5]

``--root``: the full corpus (``mathdl data spoken-digits``), for the corpus takes used as a reference
point. ``--recognizer``: a speech-digits run folder or ``recognizer.npz`` of
``examples/speech_recognizer.py``. Measures, on seeds not used while developing the model (``--seeds``):

* recognition: every digit in every evaluation voice (m1, f2, m5 in each of the 8 accents: 24
  training voices), generated as a one-second clip (mel → non-negative filterbank inversion → fast
  Griffin-Lim), classified by the recogniser; the accuracy and a confusion matrix;
* the log-spectral distance (DTW-aligned, voiced frames, 257 bins at n_fft 512) between each
  generated word and espeak-ng's rendering of the same word by the same voice at its default speed
  and pitch, next to reference points: the same pipeline applied to espeak-ng's own mel spectrogram
  (what mel + Griffin-Lim alone lose), espeak-ng at another speed/pitch (a corpus take), another voice,
  another word;
* the vocoder's share of the errors: the recogniser's accuracy on espeak-ng's own evaluation words
  (default speed and pitch), as rendered and after log-mel → filterbank inversion → Griffin-Lim;
* the same with ``--second-recognizer`` (e.g. one trained without noise), and the recognition of one
  seed's words at other temperatures (``--sweep``);
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
        "--recognizer",
        required=True,
        help="a speech-digits run folder or recognizer.npz (examples/speech_recognizer.py)",
    )
    parser.add_argument("--second-recognizer", default=None, help="another recogniser judging the same words")
    parser.add_argument(
        "--generator", required=True, help="a speech-cvae run folder (mathdl train) or checkpoint"
    )
    parser.add_argument("--temperature", type=float, default=0.5)
    parser.add_argument("--seeds", type=int, nargs="+", default=[100, 101, 102, 103, 104])
    parser.add_argument("--gl-iterations", type=int, default=100)
    parser.add_argument(
        "--sweep", type=float, nargs="*", default=[0.0, 0.7, 1.0], help="temperatures also tried"
    )
    parser.add_argument("--out", default=os.path.join("examples", "output", "speech_generator"))
    return parser.parse_args()


def load_model(path):
    """(model in eval mode, its checkpoint config) from a run folder (its checkpoint.npz) or a checkpoint."""
    content = load_checkpoint(os.path.join(path, "checkpoint.npz") if os.path.isdir(path) else path)
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
    return centred_second(np.concatenate(clips)), mels


def centred_second(clips):
    """Waveforms (B, n ≤ 8000) padded with silence on both sides to one second (B, 8000) float32."""
    pad = 8000 - clips.shape[1]
    return np.pad(clips, ((0, 0), (pad // 2, pad - pad // 2))).astype(np.float32)


def evaluation_voices():
    return [f"{accent}+{variant}" for accent in espeak.ACCENTS for variant in EVAL_VARIANTS]


def generate_evaluation_words(generator, seeds, temperature, n_iter):
    """{seed: clips (240, 8000)}: every digit by every evaluation voice, per seed; and the digits."""
    voices = evaluation_voices()
    digits = np.tile(np.arange(10), len(voices))
    indices = np.repeat([generator.voice_index(v) for v in voices], 10)
    return {
        seed: generate_clips(generator, digits, indices, seed, temperature, n_iter)[0] for seed in seeds
    }, digits


def measure_recognition(generated, digits, recognizer, recognizer_features):
    """(accuracy, confusion matrix) of the recogniser on generated words ``{seed: clips}``."""
    truth, predicted = [], []
    for seed, clips in generated.items():
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


def recognise_references(recognizer, features, references, resynthesised, digits):
    """The vocoder's share of the errors: accuracy on espeak-ng's own evaluation words as rendered,
    and after the generator's path back to sound (log-mel → filterbank inversion → Griffin-Lim)."""
    clips = {
        "espeak-ng": references.reshape(-1, 8000).astype(np.float32),
        "mel + Griffin-Lim of espeak-ng": centred_second(resynthesised),
    }
    return {name: float(np.mean(recognise(recognizer, features, c) == digits)) for name, c in clips.items()}


def judge(path, generated, digits, references, resynthesised):
    """A recogniser's verdicts: accuracy and confusion matrix on the generated words, and its accuracy
    on espeak-ng's words before and after mel + Griffin-Lim."""
    recognizer, config = load_model(path)
    features = LogMel(**(config.get("features") or config["run"]["features"]))
    accuracy, matrix = measure_recognition(generated, digits, recognizer, features)
    return dict(
        recognised=accuracy,
        confusion_matrix=matrix,
        references=recognise_references(recognizer, features, references, resynthesised, digits),
    )


def measure_lsd(generated, corpus, n_iter):
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
    generated = list(generated.values())
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
    return summary, references, resynthesised.reshape(len(voices) * 10, -1)


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


def temperature_sweep(generator, recognizer_path, seed, temperatures, n_iter):
    """{τ: accuracy of the recogniser on the evaluation words generated at τ with one seed}."""
    recognizer, config = load_model(recognizer_path)
    features = LogMel(**(config.get("features") or config["run"]["features"]))
    sweep = {}
    for temperature in temperatures:
        words, digits = generate_evaluation_words(generator, [seed], temperature, n_iter)
        sweep[str(temperature)] = measure_recognition(words, digits, recognizer, features)[0]
    return sweep


def print_summary(results):
    for key in ("first", "second"):
        verdict = results.get(f"{key}_recognizer")
        if verdict is None:
            continue
        print(f"{key} recogniser ({verdict['path']}): recognised {verdict['recognised']:.4f} of "
              f"{results['words']} generated words (seeds {results['seeds']}); on espeak-ng's words "
              + ", ".join(f"{name}: {a:.4f}" for name, a in verdict["references"].items()))  # fmt: skip
    sweep = results["recognised_by_temperature_first_seed"]
    print("on the first seed, by temperature: " + ", ".join(f"{t}: {a:.4f}" for t, a in sweep.items()))
    for name, (mean, std, count) in results["log_spectral_distance_db"].items():
        print(f"log-spectral distance, {name}: {mean:.2f} ± {std:.2f} dB ({count} pairs)")


def main():
    args = parse_args()
    md.manual_seed(0)
    os.makedirs(args.out, exist_ok=True)
    corpus = SpokenDigits(root=args.root, train=True)
    results = {"generator": args.generator, "load_average_start": os.getloadavg()}
    generator, _ = load_model(args.generator)
    start = time.perf_counter()
    generated, digits = generate_evaluation_words(generator, args.seeds, args.temperature, args.gl_iterations)
    lsd, references, resynthesised = measure_lsd(generated, corpus, args.gl_iterations)
    figures = []
    for key, path in (("first", args.recognizer), ("second", args.second_recognizer)):
        if path is None:
            continue
        verdict = judge(path, generated, digits, references, resynthesised)
        figures.append(
            os.path.join(args.out, f"generated_confusion_matrix{'_second' * (key == 'second')}.png")
        )
        plot_confusion_matrix(verdict["confusion_matrix"], figures[-1], espeak.WORDS)
        verdict.update(path=path, confusion_matrix=verdict["confusion_matrix"].tolist())
        results[f"{key}_recognizer"] = verdict
    sweep = temperature_sweep(generator, args.recognizer, args.seeds[0], args.sweep, args.gl_iterations)
    figures.append(plot_spectrograms(generator, references, args.seeds[0], args.temperature, args.gl_iterations,
                                     os.path.join(args.out, "generated_vs_espeak.png")))  # fmt: skip
    wavs = write_listening_files(
        generator, references, args.out, args.seeds[0], args.temperature, args.gl_iterations
    )
    results.update(
        recognised=results["first_recognizer"]["recognised"], recognised_by_temperature_first_seed=sweep,
        words=len(digits) * len(args.seeds), seeds=args.seeds, temperature=args.temperature,
        griffin_lim_iterations=args.gl_iterations, log_spectral_distance_db=lsd,
        measure_seconds=round(time.perf_counter() - start, 1), load_average_end=os.getloadavg(),
    )  # fmt: skip
    write_text_atomic(os.path.join(args.out, "results.json"), json.dumps(results, indent=1) + "\n")
    print_summary(results)
    for path in [*figures, *wavs, os.path.join(args.out, "results.json")]:
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
