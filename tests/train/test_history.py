import math

import pytest

from mathdl.train.history import History


def test_history_records_columns_per_epoch_and_pads_late_keys():
    history = History()
    history.append(0, {"loss": 1.0, "accuracy": 0.5})
    history.append(1, {"loss": 0.5, "accuracy": 0.7, "val_loss": 0.6})
    assert history.history["loss"] == [1.0, 0.5]
    assert math.isnan(history.history["val_loss"][0]) and history.history["val_loss"][1] == 0.6
    assert history.epoch == [0, 1] and len(history) == 2
    assert history.last() == {"loss": 0.5, "accuracy": 0.7, "val_loss": 0.6}


def test_history_round_trips_through_state_dict_and_writes_csv(tmp_path):
    history = History()
    history.append(0, {"loss": 1.25, "accuracy": 0.5})
    history.append(1, {"loss": 0.75, "accuracy": 0.625})
    copy = History().load_state_dict(history.state_dict())
    assert copy.history == history.history and copy.epoch == history.epoch
    path = tmp_path / "history.csv"
    history.to_csv(path)
    assert path.read_text().splitlines() == ["epoch,loss,accuracy", "1,1.25,0.5", "2,0.75,0.625"]
    with pytest.raises(ValueError, match="column 'loss' has 1 values"):
        History().load_state_dict({"epoch": [0, 1], "history": {"loss": [1.0]}})
