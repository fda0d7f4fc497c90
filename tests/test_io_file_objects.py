"""mathdl.io with PyTorch's calling conventions: file objects, weights_only, map_location, a whole
model refused with a message naming state_dict(), and a training checkpoint with optimizer state
that round-trips exactly."""

import doctest
import io as pyio
import os
import pickle

import numpy as np
import pytest

import mathdl as md
from mathdl import io, nn


def _model_and_optimizer():
    md.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    optimizer = md.optim.Adam(model.parameters(), lr=1e-2, betas=(0.8, 0.99))
    for _ in range(2):
        optimizer.zero_grad()
        md.square(model(md.randn(5, 3))).mean().backward()
        optimizer.step()
    return model, optimizer


def test_checkpoint_dict_round_trips_through_a_file_object():
    model, optimizer = _model_and_optimizer()
    buffer = pyio.BytesIO()
    buffer.write(b"prefix")  # written at the current position, as torch.save does
    io.save(
        {
            "epoch": 3,
            "model_state_dict": model.state_dict(),
            "optimizer_state_dict": optimizer.state_dict(),
            "loss": 0.25,
        },
        buffer,
    )
    buffer.seek(len(b"prefix"))
    checkpoint = io.load(buffer, weights_only=True, map_location="cpu")
    assert checkpoint["epoch"] == 3 and checkpoint["loss"] == 0.25
    restored, restored_optimizer = _fresh_copies()
    restored.load_state_dict(checkpoint["model_state_dict"])
    restored_optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
    x = md.randn(4, 3)
    for net, opt in ((model, optimizer), (restored, restored_optimizer)):
        opt.zero_grad()
        md.square(net(x)).mean().backward()
        opt.step()
    for (name, p), (_, q) in zip(model.named_parameters(), restored.named_parameters()):
        np.testing.assert_array_equal(p.array, q.array, err_msg=name)  # same Adam moments and steps


def _fresh_copies():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    return model, md.optim.Adam(model.parameters(), lr=1e-2, betas=(0.8, 0.99))


def test_paths_are_still_atomic_and_real_files_work(tmp_path):
    path = tmp_path / "model.pt"
    io.save({"w": md.ones(2)}, path)
    with open(path, "rb") as stream:
        assert io.load(stream, weights_only=False)["w"].tolist() == [1.0, 1.0]
    with open(tmp_path / "other.pt", "wb") as stream:
        io.save([1, 2], stream)
    assert io.load(os.fspath(tmp_path / "other.pt")) == [1, 2]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.pt", "other.pt"]  # no temporary left


def test_whole_objects_are_refused_with_the_state_dict_advice():
    model, optimizer = _model_and_optimizer()
    with pytest.raises(TypeError, match=r"whole Sequential object.*md.save\(model.state_dict\(\), PATH\)"):
        io.save(model, pyio.BytesIO())
    with pytest.raises(TypeError, match=r"optimizer.state_dict\(\)"):
        io.save({"opt": optimizer}, pyio.BytesIO())
    with pytest.raises(TypeError, match="never pickles"):
        io.save({}, pyio.BytesIO(), pickle_module=pickle)


def test_pickles_are_refused_whatever_weights_only_says(tmp_path):
    path = tmp_path / "torch_style.pt"
    path.write_bytes(pickle.dumps({"a": 1}))
    for weights_only in (True, False):
        with pytest.raises(io.CheckpointError, match="never loads, whatever weights_only says"):
            io.load(path, weights_only=weights_only)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"map_location": "cuda:0"}, ValueError, "CPU only"),
        ({"map_location": {"cuda:0": "cuda:1"}}, ValueError, "CPU only"),
        ({"map_location": lambda storage, loc: storage}, ValueError, "functions are not supported"),
        ({"pickle_module": pickle}, TypeError, "never unpickles"),
        ({"mmap": True}, ValueError, "mmap=True"),
        ({"weights_only": "yes"}, TypeError, "weights_only must be"),
        ({"encoding": "latin1"}, TypeError, "unexpected arguments"),
    ],
)
def test_load_option_errors(kwargs, error, message):
    buffer = pyio.BytesIO()
    io.save({"a": 1}, buffer)
    buffer.seek(0)
    with pytest.raises(error, match=message):
        io.load(buffer, **kwargs)


def test_cpu_map_locations_are_accepted():
    buffer = pyio.BytesIO()
    io.save({"a": md.ones(1)}, buffer)
    for location in (None, "cpu", {"cuda:0": "cpu"}):
        buffer.seek(0)
        assert io.load(buffer, map_location=location)["a"].tolist() == [1.0]


def test_text_mode_files_and_bad_targets_are_named(tmp_path):
    path = tmp_path / "x.pt"
    io.save({"a": 1}, path)
    with open(path, encoding="latin1") as stream, pytest.raises(TypeError, match="binary mode"):
        io.load(stream)
    with pytest.raises(TypeError, match="a path .* or a binary file object"):
        io.save({"a": 1}, 42)


def test_docstring_examples():
    result = doctest.testmod(io)
    assert result.attempted > 0 and result.failed == 0
