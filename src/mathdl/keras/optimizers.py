"""Keras optimisers with Keras's names and defaults, bound to a model's parameters at ``compile``.

A Keras optimiser is created before the model's weights exist, so these classes hold only the
hyper-parameters; ``build(parameters)`` returns the ``mathdl.optim`` optimiser that does the
work. The update rules are the ``mathdl.optim`` ones (PyTorch's formulation), which match Keras's
up to where ε enters:

    SGD       v ← μ v − η g,  w ← w + v            (= optim.SGD with momentum μ; Nesterov likewise)
    RMSprop   s ← ρ s + (1 − ρ) g²,  w ← w − η g / (√s + ε)      Keras: η g / √(s + ε)
    Adam      PyTorch's bias-corrected ε;         Keras adds ε to √v before the bias correction
    Adagrad   s starts at 0.1 as in Keras          Keras: η g / √(s + ε)

With Keras's ε = 1e-7 the two placements differ only for gradients whose running RMS is below
about 3e-4, i.e. they agree to float32 rounding on any network with non-vanishing gradients.
"""

from mathdl import optim


class Optimizer:
    """Base: hyper-parameters now, the ``mathdl.optim`` optimiser after ``build``."""

    name = "optimizer"

    def __init__(self, learning_rate, lr=None, name=None, **unknown):
        for legacy in ("decay", "clipnorm", "clipvalue", "global_clipnorm", "weight_decay_rate"):
            if unknown.get(legacy):
                raise ValueError(f"{type(self).__name__}: argument {legacy!r} is not supported")
            unknown.pop(legacy, None)
        if unknown:
            raise TypeError(
                f"{type(self).__name__}: unrecognized keyword argument(s) {', '.join(sorted(unknown))}"
            )
        self.learning_rate = float(lr if lr is not None else learning_rate)
        if not self.learning_rate >= 0:
            raise ValueError(f"{type(self).__name__}: learning_rate must be >= 0, got {self.learning_rate}")
        if name:
            self.name = name
        self.optimizer = None
        self._parameter_ids = None

    def build(self, parameters):
        """The ``mathdl.optim`` optimiser for ``parameters``: created on first use and kept (with
        its state) while the set of parameters stays the same; a different set (layers frozen or
        unfrozen with ``trainable``) gets a fresh one."""
        parameters = list(parameters)
        if not parameters:
            raise ValueError(f"{type(self).__name__}: the model has no trainable weights to optimise")
        ids = [id(p) for p in parameters]
        if self.optimizer is None or ids != self._parameter_ids:
            self.optimizer = self._make(parameters)
            self._parameter_ids = ids
        return self.optimizer

    def _make(self, parameters):
        raise NotImplementedError(type(self).__name__)

    @property
    def learning_rate(self):
        """The learning rate (that of the bound ``mathdl.optim`` optimiser once built); settable."""
        optimizer = self.__dict__.get("optimizer")
        if optimizer is not None:
            return float(optimizer.param_groups[0]["lr"])
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        value = float(value)
        if not value >= 0:
            raise ValueError(f"{type(self).__name__}: learning_rate must be >= 0, got {value}")
        self._learning_rate = value
        optimizer = self.__dict__.get("optimizer")
        if optimizer is not None:
            for group in optimizer.param_groups:
                group["lr"] = value

    def apply(self, grads, trainable_variables):
        """One update of ``trainable_variables`` with the gradients ``grads`` (Tensors or arrays,
        e.g. from ``mathdl.autograd.grad(loss, model.trainable_weights)``)."""
        from mathdl.autograd.tensor import Tensor

        variables = list(trainable_variables)
        grads = list(grads)
        if len(grads) != len(variables):
            raise ValueError(f"apply: {len(grads)} gradients for {len(variables)} variables")
        optimizer = self.build(variables)
        for grad, variable in zip(grads, variables):
            if grad is not None and tuple(grad.shape) != tuple(variable.shape):
                raise ValueError(
                    f"apply: gradient shape {tuple(grad.shape)} does not match variable {tuple(variable.shape)}"
                )
            variable.grad = (
                None if grad is None else (grad.detach() if isinstance(grad, Tensor) else Tensor(grad))
            )
        optimizer.step()
        self._applied = getattr(self, "_applied", 0) + 1

    def apply_gradients(self, grads_and_vars):
        """``apply`` from (gradient, variable) pairs, as Keras's ``apply_gradients``."""
        pairs = list(grads_and_vars)
        self.apply([g for g, _ in pairs], [v for _, v in pairs])

    @property
    def iterations(self):
        """The number of updates applied so far."""
        if self.optimizer is None:
            return 0
        steps = [s.get("step", 0) for s in self.optimizer.state.values()]
        return max(int(max(steps)) if steps else 0, getattr(self, "_applied", 0))

    def get_config(self):
        """The hyper-parameters as a dict (Keras's ``get_config``)."""
        config = {
            k: v
            for k, v in vars(self).items()
            if k not in ("optimizer", "_parameter_ids", "_learning_rate", "_applied")
        }
        return {"learning_rate": self.learning_rate, **config}

    def __repr__(self):
        items = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({items})"


class SGD(Optimizer):
    """``SGD(learning_rate=0.01, momentum=0.0, nesterov=False)``."""

    name = "SGD"

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.momentum, self.nesterov, self.weight_decay = float(momentum), bool(nesterov), weight_decay or 0.0

    def _make(self, parameters):
        return optim.SGD(
            parameters,
            lr=self.learning_rate,
            momentum=self.momentum,
            nesterov=self.nesterov,
            weight_decay=self.weight_decay,
        )


class RMSprop(Optimizer):
    """``RMSprop(learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False)``."""

    name = "RMSprop"

    def __init__(
        self,
        learning_rate=0.001,
        rho=0.9,
        momentum=0.0,
        epsilon=1e-7,
        centered=False,
        weight_decay=None,
        **kwargs,
    ):
        super().__init__(learning_rate, **kwargs)
        self.rho, self.momentum, self.epsilon = float(rho), float(momentum), float(epsilon)
        self.centered, self.weight_decay = bool(centered), weight_decay or 0.0

    def _make(self, parameters):
        return optim.RMSprop(
            parameters,
            lr=self.learning_rate,
            alpha=self.rho,
            eps=self.epsilon,
            momentum=self.momentum,
            centered=self.centered,
            weight_decay=self.weight_decay,
        )


class Adam(Optimizer):
    """``Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False)``."""

    name = "Adam"

    def __init__(
        self,
        learning_rate=0.001,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-7,
        amsgrad=False,
        weight_decay=None,
        **kwargs,
    ):
        super().__init__(learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)
        self.amsgrad, self.weight_decay = bool(amsgrad), weight_decay or 0.0

    def _make(self, parameters):
        return optim.Adam(
            parameters,
            lr=self.learning_rate,
            betas=(self.beta_1, self.beta_2),
            eps=self.epsilon,
            amsgrad=self.amsgrad,
            weight_decay=self.weight_decay,
        )


class AdamW(Adam):
    """``AdamW(learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7)``
    (decoupled weight decay)."""

    name = "AdamW"

    def __init__(
        self,
        learning_rate=0.001,
        weight_decay=0.004,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-7,
        amsgrad=False,
        **kwargs,
    ):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad, **kwargs)
        self.weight_decay = float(weight_decay)

    def _make(self, parameters):
        return optim.AdamW(
            parameters,
            lr=self.learning_rate,
            betas=(self.beta_1, self.beta_2),
            eps=self.epsilon,
            amsgrad=self.amsgrad,
            weight_decay=self.weight_decay,
        )


class Adagrad(Optimizer):
    """``Adagrad(learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7)``."""

    name = "Adagrad"

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.initial_accumulator_value, self.epsilon = float(initial_accumulator_value), float(epsilon)

    def _make(self, parameters):
        return optim.Adagrad(
            parameters,
            lr=self.learning_rate,
            eps=self.epsilon,
            initial_accumulator_value=self.initial_accumulator_value,
        )


class Adamax(Optimizer):
    """``Adamax(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7)`` (the ∞-norm Adam)."""

    name = "Adamax"

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)

    def _make(self, parameters):
        return optim.Adamax(
            parameters, lr=self.learning_rate, betas=(self.beta_1, self.beta_2), eps=self.epsilon
        )


class Nadam(Optimizer):
    """``Nadam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7)``: Dozat's schedule
    μ_t = β₁(1 − ½·0.96^(0.004 t)), as Keras and PyTorch's NAdam (momentum_decay 0.004)."""

    name = "Nadam"

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)

    def _make(self, parameters):
        return optim.NAdam(
            parameters, lr=self.learning_rate, betas=(self.beta_1, self.beta_2), eps=self.epsilon
        )


class Adadelta(Optimizer):
    """``Adadelta(learning_rate=0.001, rho=0.95, epsilon=1e-7)``."""

    name = "Adadelta"

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho, self.epsilon = float(rho), float(epsilon)

    def _make(self, parameters):
        return optim.Adadelta(parameters, lr=self.learning_rate, rho=self.rho, eps=self.epsilon)


OPTIMIZERS = {
    "sgd": SGD,
    "rmsprop": RMSprop,
    "adam": Adam,
    "adamw": AdamW,
    "adagrad": Adagrad,
    "adamax": Adamax,
    "nadam": Nadam,
    "adadelta": Adadelta,
}


def serialize(optimizer):
    """{'class_name', 'config'} of an optimiser."""
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}


def deserialize(config):
    """The optimiser described by ``serialize`` (a fresh one: its state is not saved)."""
    classes = {cls.__name__: cls for cls in OPTIMIZERS.values()}
    return classes[config["class_name"]](**config["config"])


def get(identifier):
    """A Keras optimiser from a name ('sgd', 'rmsprop', 'adam', 'adamw', 'adagrad'; Keras's
    defaults) or an optimiser instance (returned as is)."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in OPTIMIZERS:
        return OPTIMIZERS[identifier.lower()]()
    if isinstance(identifier, optim.Optimizer):
        raise TypeError(
            "compile: give a keras optimizer (e.g. keras.optimizers.Adam()) or a name; a "
            "mathdl.optim optimizer is already bound to parameters"
        )
    raise ValueError(
        f"unknown optimizer {identifier!r}; known: {sorted(OPTIMIZERS)} or a mathdl.keras.optimizers instance"
    )
