"""Image classifiers (softmax, mlp, lenet, lenet5, cnn): cross-entropy on 28×28 images."""

import os

import numpy as np

from mathdl.cli.recipes import DEFAULT_LR, Recipe, RunData, make_optimizer, recipe
from mathdl.cli.recipes.images import loaders

CLASSIFIER_OPTIONS = {
    "dataset": "fashion-mnist-subset",
    "limit": None,
    "epochs": 10,
    "batch_size": 64,
    "optimizer": "adam",
    "lr": None,
    "val_fraction": 0.1,
    "patience": None,
}


@recipe
class ImageClassifier(Recipe):
    names = ("softmax", "mlp", "lenet", "lenet5", "cnn")
    family = "image classifier"
    options = CLASSIFIER_OPTIONS
    tiny = {"limit": 300, "epochs": 2, "batch_size": 50}
    figure_names = ("curves.png", "confusion_matrix.png", "predictions.png")

    def model_defaults(self, name):
        return {}

    def complete(self, config):
        if config["lr"] is None:
            config["lr"] = DEFAULT_LR[config["optimizer"]]
        return config

    def load_data(self, config):
        train, val, test, sizes, test_arrays = loaders(config)
        return RunData(train, val, test, info=f"{config['dataset']} ({sizes})", test_arrays=test_arrays)

    def training(self, config, model):
        from mathdl.train import Supervised, accuracy

        optimizer = make_optimizer(config["optimizer"], model.parameters(), config["lr"])
        return optimizer, Supervised(metrics=[("accuracy", accuracy)]), None

    def finish(self, trainer, data, config):
        test = trainer.evaluate(data.test)
        line = f"test loss {test['loss']:.4f}, test accuracy {test['accuracy']:.4f}"
        return {"test": test}, [line]

    def figures(self, trainer, data, config, out):
        from mathdl.data import FASHION_MNIST_CLASSES
        from mathdl.train import confusion_matrix, plot_confusion_matrix, plot_predictions

        paths = super().figures(trainer, data, config, out)
        if not paths:
            return paths
        x_test, y_test = data.test_arrays
        scores = trainer.predict(data.test)
        predicted = scores.argmax(axis=1)
        classes = scores.shape[1]
        fashion = "fashion" in str(config["dataset"]).lower() and classes == len(FASHION_MNIST_CLASSES)
        names = FASHION_MNIST_CLASSES if fashion else None
        paths.append(
            plot_confusion_matrix(
                confusion_matrix(y_test, predicted, classes),
                os.path.join(out, "confusion_matrix.png"),
                class_names=names,
            )
        )
        shown = np.arange(min(32, len(predicted)))
        shifted = scores[shown] - scores[shown].max(axis=1, keepdims=True)
        confidence = np.exp(shifted).max(axis=1) / np.exp(shifted).sum(axis=1)
        paths.append(
            plot_predictions(
                x_test[shown],
                y_test[shown],
                predicted[shown],
                os.path.join(out, "predictions.png"),
                class_names=names,
                probabilities=confidence,
            )
        )
        return paths
