"""docs/keras.md's table of Keras 3 names is what scripts/keras_compatibility.py generates from the
committed name list and the current facade (regenerate: uv run python scripts/keras_compatibility.py)."""

import importlib.util
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]


def load_script():
    spec = importlib.util.spec_from_file_location(
        "keras_compatibility", ROOT / "scripts" / "keras_compatibility.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_keras_name_table_is_current():
    script = load_script()
    assert (ROOT / "docs" / "keras.md").read_text(encoding="utf-8") == script.render_page(), (
        "docs/keras.md's name table is stale: run uv run python scripts/keras_compatibility.py"
    )


def test_names_the_issue_asks_for_are_present():
    script = load_script()
    required = {
        "keras": ["Input", "Model", "Sequential", "Layer"],
        "keras.layers": [
            "GlobalAveragePooling2D",
            "GlobalAveragePooling1D",
            "GlobalMaxPooling2D",
            "Conv1D",
            "SimpleRNN",
            "LSTM",
            "GRU",
            "Bidirectional",
            "LayerNormalization",
            "Reshape",
            "Permute",
            "Activation",
            "Rescaling",
            "RandomFlip",
            "RandomRotation",
            "Concatenate",
            "Add",
            "Multiply",
            "Embedding",
        ],
        "keras.metrics": ["Accuracy", "SparseCategoricalAccuracy", "CategoricalAccuracy", "Mean", "AUC"],
        "keras.callbacks": [
            "ModelCheckpoint",
            "EarlyStopping",
            "ReduceLROnPlateau",
            "CSVLogger",
            "LearningRateScheduler",
        ],
        "keras.saving": ["load_model", "register_keras_serializable"],
        "keras.ops": ["matmul", "relu", "softmax", "mean", "sum", "reshape", "concatenate"],
    }
    names = script.read_names()
    for section, wanted in required.items():
        for name in wanted:
            assert name in names[section] and script.present(section, name), f"{section}.{name}"
