"""Neural style transfer (Gatys, Ecker & Bethge, "Image Style Transfer Using Convolutional Neural
Networks", CVPR 2016): optimise the pixels of an image x so that its deep features match those of a
content image p at one layer and its Gram matrices match those of a style image a at several layers.

    from mathdl.vision.style_transfer import StyleObjective, stylize
    result = stylize(content, style)                 # (3, H, W) arrays in [0, 1] → StyleResult
    result.image, result.losses, result.curve

With F_l(x) the features of layer l (C_l channels, M_l positions), G_l = F_l F_lᵀ / M_l, P = F_c(p)
and A_l = G_l(a), the objective minimised here is

    L(x) = α · ‖F_c(x) − P‖² / ‖P‖²  +  Σ_l (1/L) ‖G_l(x) − A_l‖² / ‖A_l‖²  +  γ · TV₂(x) / (3 H W)

that is Gatys' α L_content + β L_style (``F.content_loss`` = ½‖F − P‖², ``F.style_loss`` with
E_l = ‖G − A‖² / (4 C_l²)) with each term divided by its value for all-zero features (relative errors: ‖P‖², ‖A_l‖²), so that
α has the same meaning whatever the scale of a network's features (a random network and a trained
one differ by orders of magnitude), plus the squared total variation (``F.total_variation``, p = 2)
per pixel difference, which removes the high-frequency noise that matching statistics of deep
features leaves behind (Mahendran & Vedaldi 2015; Johnson et al. 2016).

The image starts from the content image (Gatys start from noise; starting from p reaches a given
loss in fewer iterations and does not change the fixed point the trade-off α selects much), is
optimised by L-BFGS (``mathdl.optimize.minimize(method='lbfgs')``, as Gatys et al.) or by Adam
(for comparison) and is clipped to [0, 1] at the end. The gradient ∂L/∂x flows back through the
Gram matrices and the network by autograd (checked against finite differences in
``tests/vision/test_style_transfer.py``).
"""

import time
from dataclasses import dataclass, field

import numpy as np

from mathdl import optim
from mathdl.autograd.tensor import Tensor
from mathdl.nn import functional as F
from mathdl.ops.resampling import interpolate

CONTENT_LAYER = 2  # the third layer (a quarter of the resolution), as Gatys' conv4_2 sits deep in VGG


def _image(image, name):
    array = np.asarray(getattr(image, "array", image), dtype=np.float64)
    if array.ndim == 3 and array.shape[-1] == 3 and array.shape[0] != 3:
        array = np.moveaxis(array, -1, 0)  # (H, W, 3) → (3, H, W)
    elif array.ndim == 2:
        array = np.repeat(array[None], 3, axis=0)  # grey → RGB
    if array.ndim != 3 or array.shape[0] != 3:
        raise ValueError(
            f"style transfer: {name} must be an (H, W), (H, W, 3) or (3, H, W) image, got {array.shape}"
        )
    if min(array.shape[1:]) < 8:
        raise ValueError(
            f"style transfer: {name} is {array.shape[1]} × {array.shape[2]}; need at least 8 × 8"
        )
    return array


def resize_to(image, longest):
    """(3, H, W) resized (antialiased bicubic) so that its longer side is ``longest`` pixels."""
    height, width = image.shape[1:]
    factor = longest / max(height, width)
    if factor == 1:
        return image
    size = (max(int(round(height * factor)), 8), max(int(round(width * factor)), 8))
    out = interpolate(Tensor(image[None]), size=size, mode="bicubic", align_corners=False, antialias=True)
    return np.clip(out.array[0], 0.0, 1.0)


class StyleObjective:
    """L(x) of the module docstring for a feature network ``net`` (``features(x)`` → list of layers,
    float64), the content image and the style image, both (3, H, W) in [0, 1] (sizes may differ).

    ``style_layers``: indices of the layers whose Gram matrices are matched (default all);
    ``content_layer``: the layer whose features are matched; ``content_weight`` α, ``tv_weight`` γ."""

    def __init__(
        self,
        net,
        content,
        style,
        content_weight=1.0,
        tv_weight=1.0,
        style_layers=None,
        content_layer=CONTENT_LAYER,
    ):
        self.net = net
        content, style = _image(content, "content"), _image(style, "style")
        self.shape = content.shape
        content_features = net.features(Tensor(content[None]))
        style_features = net.features(Tensor(style[None]))
        layers = len(style_features)
        self.style_layers = list(range(layers)) if style_layers is None else list(style_layers)
        if not self.style_layers or any(not 0 <= i < layers for i in self.style_layers):
            raise ValueError(
                f"StyleObjective: style_layers must be indices below {layers}, got {style_layers!r}"
            )
        if not 0 <= content_layer < layers:
            raise ValueError(f"StyleObjective: content_layer must be below {layers}, got {content_layer!r}")
        if content_weight < 0 or tv_weight < 0:
            raise ValueError("StyleObjective: content_weight and tv_weight must be non-negative")
        self.content_layer, self.content_weight, self.tv_weight = content_layer, content_weight, tv_weight
        self.target_content = content_features[content_layer].array
        self.content_scale = 1.0 / max(
            F.content_loss(Tensor(self.target_content), 0 * self.target_content).item(), 1e-300
        )
        self.target_grams = [F.gram_matrix(style_features[i]).array[0] for i in self.style_layers]
        # Σ_l w_l E_l with w_l = 1/(L E_l(0)): the mean relative Gram error
        self.style_weights = [
            1.0 / (len(self.target_grams) * max(float((g**2).sum()) / (4.0 * g.shape[0] ** 2), 1e-300))
            for g in self.target_grams
        ]

    def parts(self, x):
        """{'content', 'style', 'tv'}: the three terms (Tensors) for x (3, H, W), without weights."""
        x = x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=np.float64))
        if tuple(x.shape) != self.shape:
            raise ValueError(f"StyleObjective: expected an image of shape {self.shape}, got {tuple(x.shape)}")
        batch = x.reshape((1,) + self.shape)
        features = self.net.features(batch)
        content = F.content_loss(features[self.content_layer], self.target_content) * self.content_scale
        style = F.style_loss([features[i] for i in self.style_layers], self.target_grams, self.style_weights)
        tv = F.total_variation(batch, p=2, reduction="mean")
        return {"content": content, "style": style, "tv": tv}

    def __call__(self, x):
        parts = self.parts(x)
        return parts["content"] * self.content_weight + parts["style"] + parts["tv"] * self.tv_weight

    def report(self, x):
        """The three terms and the total as floats."""
        parts = {k: v.item() for k, v in self.parts(x).items()}
        parts["total"] = (
            parts["content"] * self.content_weight + parts["style"] + parts["tv"] * self.tv_weight
        )
        return parts


@dataclass
class StyleResult:
    """The stylised image (3, H, W) in [0, 1], its loss terms, the loss after each evaluation
    (``curve``: (evaluations, seconds, total)) and the optimiser's message."""

    image: np.ndarray
    losses: dict
    curve: list = field(default_factory=list)
    message: str = ""
    iterations: int = 0


class _Recorder:
    """Wraps the objective to log (evaluation count, elapsed seconds, value) at every evaluation."""

    def __init__(self, objective):
        self.objective, self.curve, self.start = objective, [], time.perf_counter()

    def __call__(self, x):
        value = self.objective(x)
        self.curve.append((len(self.curve) + 1, time.perf_counter() - self.start, value.item()))
        return value


def _run_lbfgs(recorder, x0, steps, memory):
    from mathdl.optimize import minimize

    result = minimize(recorder, x0, method="lbfgs", tol=1e-9, maxiter=steps, options={"memory": memory})
    return result.x.reshape(x0.shape), result.message, result.nit


def _run_adam(recorder, x0, steps, lr):
    x = Tensor(x0.copy(), requires_grad=True)
    optimizer = optim.Adam([x], lr=lr)
    for _ in range(steps):
        optimizer.zero_grad()
        recorder(x).backward()
        optimizer.step()
    return x.array.copy(), f"{steps} Adam steps", steps


def stylize(
    content,
    style,
    net=None,
    method="lbfgs",
    steps=200,
    content_weight=1.0,
    tv_weight=1.0,
    lr=0.02,
    memory=10,
    **objective_options,
):
    """Gatys' style transfer of ``style`` onto ``content`` (see the module docstring).

    Args:
        content, style: (H, W, 3), (3, H, W) or grey (H, W) images in [0, 1].
        net: a feature network with ``features`` (default ``RandomFeatures()``), converted to float64.
        method: ``lbfgs`` (``mathdl.optimize.minimize``) or ``adam`` (learning rate ``lr``).
        steps: L-BFGS iterations (each one evaluation or more, in the line search) or Adam steps.
        content_weight α, tv_weight γ: see ``StyleObjective``.
    Returns a ``StyleResult``.
    """
    from mathdl.models.style_features import RandomFeatures

    if method not in ("lbfgs", "adam"):
        raise ValueError(f"stylize: method must be 'lbfgs' or 'adam', got {method!r}")
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"stylize: steps must be a positive int, got {steps!r}")
    net = (RandomFeatures() if net is None else net).double()
    objective = StyleObjective(net, content, style, content_weight, tv_weight, **objective_options)
    recorder = _Recorder(objective)
    x0 = _image(content, "content")
    if method == "lbfgs":
        image, message, iterations = _run_lbfgs(recorder, x0, steps, memory)
    else:
        image, message, iterations = _run_adam(recorder, x0, steps, lr)
    image = np.clip(image, 0.0, 1.0)
    return StyleResult(image, objective.report(image), recorder.curve, message, iterations)


def load_image(source):
    """An RGB image (3, H, W) in [0, 1] from a PNG path or a built-in photograph name
    (``mathdl.data.PHOTOGRAPH_NAMES``: astronaut, brick, coffee, …; needs scikit-image)."""
    import os

    from mathdl.data.datasets.photographs import PHOTOGRAPH_NAMES, load_photograph
    from mathdl.vision.png import read_png

    if os.path.isfile(source):
        return _image(read_png(source), source)
    if source in PHOTOGRAPH_NAMES:
        return load_photograph(source).astype(np.float64)
    raise FileNotFoundError(
        f"{source!r} is neither an image file nor a built-in photograph ({', '.join(PHOTOGRAPH_NAMES)})"
    )


def load_feature_net(features="random", seed=0):
    """'random' (``RandomFeatures(seed)``) or a run folder/checkpoint of ``photo-patch-cnn``."""
    from mathdl import models
    from mathdl.models.style_features import RandomFeatures
    from mathdl.train import load_checkpoint
    from mathdl.vision.upscale import find_checkpoint

    if features == "random":
        return RandomFeatures(seed=seed)
    path = find_checkpoint(features)
    content = load_checkpoint(path)
    config = (content.get("config") or {}).get("model")
    if not isinstance(config, dict) or config.get("name") != "photo-patch-cnn":
        raise ValueError(f"{path}: not a photo-patch-cnn run; use 'random' or a photo-patch-cnn checkpoint")
    net = models.from_config(config)
    net.load_state_dict(content["model"])
    return net


def stylize_file(
    content, style, out, size=160, steps=150, method="lbfgs", features="random", overwrite=False, **options
):
    """What ``mathdl stylize`` runs: read (or name) the two images, resize them so that their longer
    side is ``size``, stylise, write ``out`` (PNG). Returns the ``StyleResult``."""
    import os

    from mathdl.vision.png import write_png

    if os.path.exists(out) and not overwrite:
        raise FileExistsError(f"{out} exists; choose another name (or overwrite it explicitly)")
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 8:
        raise ValueError(f"stylize: size must be an int >= 8, got {size!r}")
    content_image = resize_to(load_image(content), size)
    style_image = resize_to(load_image(style), size)
    result = stylize(content_image, style_image, load_feature_net(features), method, steps, **options)
    write_png(out, np.moveaxis(result.image, 0, -1), overwrite=overwrite)
    return result
