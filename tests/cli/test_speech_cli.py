"""``mathdl speak`` end to end on a tiny generator run, its errors, and ``mathdl data spoken-digits``
(with and without espeak-ng)."""

import json

import numpy as np
import pytest

from mathdl.audio import read_wav
from mathdl.audio.speak import parse_digits, speak
from mathdl.cli import main
from mathdl.cli.recipes import get_recipe
from mathdl.data.datasets import espeak


@pytest.fixture(scope="module")
def generator_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("speech") / "run"
    tiny = get_recipe("speech-cvae").tiny_for("speech-cvae")
    argv = ["train", "--model", "speech-cvae", "--out", str(out), "--verbose", "0", "--no-plots"]
    argv += ["--limit", str(tiny["limit"]), "--epochs", "2", "--batch-size", str(tiny["batch_size"])]
    for key, value in tiny["model_args"].items():
        argv += ["--model-arg", f"{key}={json.dumps(value)}"]
    assert main(argv) == 0
    return out


def test_speak_writes_a_valid_wav_of_the_digits(generator_run, tmp_path, capsys):
    wav = tmp_path / "pi.wav"
    assert main(["speak", str(generator_run), "3 1 4", "--out", str(wav), "--iterations", "10"]) == 0
    assert f"wrote {wav}" in capsys.readouterr().out
    samples, rate = read_wav(wav)
    assert rate == 8000 and samples.ndim == 1 and samples.size > 3 * 8000 * 0.15  # three words and the gaps
    assert np.abs(samples).max() == pytest.approx(0.9, abs=1e-3)  # scaled to the peak 0.9
    again = tmp_path / "again.wav"
    assert main(["speak", str(generator_run), "314", "--out", str(again), "--iterations", "10"]) == 0
    assert np.array_equal(read_wav(again)[0], samples)  # "314" = "3 1 4", and seeded


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "no digits to say in ''"),
        ("   ", "no digits to say"),
        ("3 x 4!", "found '!', 'x' in '3 x 4!'"),
        ("three", "found 'e', 'h', 'r', 't'"),
    ],
)
def test_speak_names_what_is_wrong_with_the_text(generator_run, tmp_path, capsys, text, message):
    assert main(["speak", str(generator_run), text, "--out", str(tmp_path / "x.wav")]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x.wav").exists()
    with pytest.raises(ValueError, match="only the digits 0-9"):
        parse_digits("1,2")


def test_speak_refuses_missing_runs_folders_and_existing_files(generator_run, tmp_path, capsys):
    assert main(["speak", str(tmp_path / "no_run"), "1", "--out", str(tmp_path / "x.wav")]) == 2
    assert "no such run folder or checkpoint file" in capsys.readouterr().err
    assert main(["speak", str(tmp_path), "1", "--out", str(tmp_path / "x.wav")]) == 2
    assert "is a folder without checkpoint.npz" in capsys.readouterr().err
    assert main(["speak", str(generator_run), "1", "--out", str(tmp_path / "missing" / "x.wav")]) == 2
    assert "does not exist" in capsys.readouterr().err
    existing = tmp_path / "existing.wav"
    existing.write_bytes(b"user data")
    assert main(["speak", str(generator_run), "1", "--out", str(existing)]) == 2
    assert "exists" in capsys.readouterr().err and existing.read_bytes() == b"user data"
    assert (
        main(["speak", str(generator_run), "1", "--voice", "en-us+m3", "--out", str(tmp_path / "v.wav")]) == 2
    )
    assert "unknown voice 'en-us+m3'" in capsys.readouterr().err


def test_speak_function_refuses_to_overwrite(generator_run, tmp_path):
    from mathdl.cli.common import find_checkpoint, read_checkpoint
    from mathdl.cli.evaluate import _rebuild

    path = find_checkpoint(str(generator_run))
    model = _rebuild(read_checkpoint(path), path)
    out = tmp_path / "one.wav"
    waveform = speak(model, "1", out=str(out), n_iter=5)
    assert np.allclose(read_wav(out)[0], waveform, atol=1 / 32768)
    with pytest.raises(FileExistsError, match="exists"):
        speak(model, "1", out=str(out), n_iter=5)


def test_data_spoken_digits_without_espeak_names_the_package(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(espeak.shutil, "which", lambda name: None)
    assert main(["data", "spoken-digits", "--out", str(tmp_path / "corpus")]) == 2
    error = capsys.readouterr().err
    assert "espeak-ng was not found" in error and "apt-get install espeak-ng" in error
    assert not (tmp_path / "corpus").exists()


def test_data_spoken_digits_builds_with_the_given_settings(tmp_path, monkeypatch, capsys):
    calls = []

    def fake(out_dir, seed, takes, progress):
        calls.append((out_dir, seed, takes))
        return {"counts": {"train": 720 * takes, "test": 240 * takes}, "espeak_ng": "eSpeak NG 1.51"}

    monkeypatch.setattr("mathdl.data.make_spoken_digits", fake)
    assert main(["data", "spoken-digits", "--out", str(tmp_path), "--takes", "2", "--seed", "3"]) == 0
    assert calls == [(str(tmp_path), 3, 2)]
    assert "1440 training and 480 test clips" in capsys.readouterr().out
