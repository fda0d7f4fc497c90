"""``mnist.load_data()`` for the guide programs of test_keras_guides.py: the Fashion-MNIST subset
shipped with mathdl (6000 training and 1000 test images, uint8, as Keras's loader returns them),
so the programs run offline and quickly with Keras's own call."""

from mathdl.data import load_dataset


class _Subset:
    def load_data(self):
        return load_dataset("fashion-mnist-subset")


mnist = _Subset()
