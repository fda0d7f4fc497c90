import numpy as np
import pytest

import mathdl as md
from mathdl import nn, optim
from mathdl.io import CheckpointError
from mathdl.random import get_rng_state
from mathdl.train import CheckpointFormatError, History, load_checkpoint, save_checkpoint


def test_checkpoint_round_trips_model_optimizer_rng_config_and_history(tmp_path):
    md.manual_seed(3)
    model = nn.Linear(4, 2)
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    model(md.randn(5, 4)).sum().backward()
    optimizer.step()
    history = History()
    history.append(0, {"loss": 0.5})
    config = {"model": {"name": "mlp", "kwargs": {"hidden": [8, 4]}}, "run": {"lr": 0.01}}
    path = tmp_path / "sub" / "ckpt.npz"  # missing folders are created
    save_checkpoint(path, model, optimizer, epoch=3, config=config, history=history)
    rng_after_save = get_rng_state()
    content = load_checkpoint(path)
    assert content["epoch"] == 3 and content["config"] == config
    assert content["history"]["history"] == {"loss": [0.5]}
    assert content["rng"] == rng_after_save
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(content["model"][name], value.array)
    state = content["optimizer"]["state"]
    assert set(state) == {0, 1} and state[0]["step"] == 1
    restored = optim.Adam(nn.Linear(4, 2).parameters(), lr=0.5)
    restored.load_state_dict(content["optimizer"])
    assert restored.param_groups[0]["lr"] == 0.01


def test_a_bare_state_dict_or_a_damaged_file_is_refused_clearly(tmp_path):
    bare = tmp_path / "weights.npz"
    md.save(dict(nn.Linear(2, 2).state_dict()), bare)
    with pytest.raises(CheckpointFormatError, match="not a mathdl training checkpoint"):
        load_checkpoint(bare)
    damaged = tmp_path / "damaged.npz"
    damaged.write_bytes(b"PK\x03\x04 definitely not a zip archive")
    with pytest.raises(CheckpointError):
        load_checkpoint(damaged)


def test_a_registry_model_puts_its_config_in_the_trainers_checkpoint(tmp_path):
    from mathdl import models
    from mathdl.train import Trainer

    model = models.build("mlp", hidden=[5])
    trainer = Trainer(model, optim.SGD(model.parameters(), lr=0.1), verbose=0)
    trainer.save_checkpoint(tmp_path / "c.npz")
    config = load_checkpoint(tmp_path / "c.npz")["config"]["model"]
    assert config == {"name": "mlp", "kwargs": {"hidden": [5]}}
    rebuilt = models.from_config(config)
    rebuilt.load_state_dict(load_checkpoint(tmp_path / "c.npz")["model"])
    np.testing.assert_array_equal(rebuilt.net[1].weight.array, model.net[1].weight.array)
