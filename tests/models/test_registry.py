import pytest

from mathdl import models, nn
from mathdl.models import registry


def test_builtin_models_are_registered_and_build_records_their_config():
    assert {"mlp", "softmax"} <= set(models.available())
    model = models.build("mlp", hidden=(16, 8), dropout=0.1)
    assert isinstance(model, nn.Module)
    assert model.config == {"name": "mlp", "kwargs": {"hidden": [16, 8], "dropout": 0.1}}
    again = models.from_config(model.config)
    assert [p.shape for p in again.parameters()] == [p.shape for p in model.parameters()]


def test_register_adds_a_name_and_refuses_to_overwrite_another(monkeypatch):
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))

    @models.register("tiny")
    class Tiny(nn.Module):
        def __init__(self, width=3):
            super().__init__()
            self.fc = nn.Linear(width, 2)

    assert "tiny" in models.available() and models.get("tiny") is Tiny
    assert models.build("tiny", width=5).fc.in_features == 5
    with pytest.raises(ValueError, match="already taken"):
        models.register("tiny")(lambda: nn.Linear(1, 1))
    with pytest.raises(ValueError, match="non-empty"):
        models.register(" ")


def test_unknown_names_and_arguments_are_reported_with_the_choices():
    with pytest.raises(models.UnknownModelError, match="available models: .*mlp"):
        models.build("resnet152")
    with pytest.raises(TypeError, match=r"unknown argument\(s\) hiden; accepted: in_features, hidden"):
        models.build("mlp", hiden=[3])
    with pytest.raises(TypeError, match="JSON"):
        models.build("mlp", hidden=object())
