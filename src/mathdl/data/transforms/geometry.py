"""Geometric augmentation: ``RandomCrop``, ``RandomHorizontalFlip``, ``RandomVerticalFlip``,
``RandomAffine``, ``RandomRotation`` (torchvision.transforms.v2's names, arguments and formulas),
and their deterministic kernels ``crop`` and ``affine`` that take one parameter per image.

**Crop.** Pad (``padding``: left, top, right, bottom; ``padding_mode`` constant | edge | reflect |
symmetric, NumPy's and torchvision's meaning), then read the h × w window at (top, left) with
top ~ U{0, …, H_pad − h}, left ~ U{0, …, W_pad − w}, drawn per image.

**Affine.** For each output pixel p (coordinates relative to the image centre, pixel units) the
input is read at M⁻¹ p, with M = T · C · R S Sh · C⁻¹ (translation T, centre C, rotation R by the
angle a, scale s, shear Sh). As in torchvision, ``affine``/``RandomAffine`` rotate **clockwise**
(as displayed, y pointing down) for a positive angle and ``rotate``/``RandomRotation``
counter-clockwise (they pass −a). torchvision's inverse (its
``_get_inverse_affine_matrix``): with r = a, shears sx, sy in radians,

    A = [[cos(r − sy)/cos sy,  −cos(r − sy) tan sx / cos sy − sin r],
         [sin(r − sy)/cos sy,  −sin(r − sy) tan sx / cos sy + cos r]]      (det A = 1)
    M⁻¹ = (1/s) [[A₁₁, −A₀₁], [−A₁₀, A₀₀]]  applied to p − c − t, then + c

The sampling itself is ``affine_grid`` + ``grid_sample`` (``mathdl.ops.grid_sampling``) with
align_corners=False, whose normalised coordinate of a pixel is x_n = x_p / (W/2); so M⁻¹ in pixel
units becomes the normalised

    θ = [[m₀, m₁ H/W, 2 m₂/W], [m₃ W/H, m₄, 2 m₅/H]]

one per image, and the whole batch is resampled in one call (bilinear or nearest). Points that
fall outside read ``fill``.
"""

import numpy as np

from mathdl.autograd import grad_mode
from mathdl.autograd.tensor import Tensor
from mathdl.data.transforms.base import Transform, check_probability, check_range, generator
from mathdl.ops.grid_sampling import affine_grid, grid_sample

PADDING_MODES = ("constant", "edge", "reflect", "symmetric")
INTERPOLATIONS = ("nearest", "bilinear")


def _pair(size, where, name="size"):
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool):
        size = (int(size), int(size))
    if not isinstance(size, (tuple, list)) or len(size) != 2 or any(int(s) != s or s < 1 for s in size):
        raise ValueError(f"{where}: {name} must be a positive int or a pair (h, w), got {size!r}")
    return int(size[0]), int(size[1])


def _padding(padding, where):
    """torchvision's padding: int → all sides; (lr, tb); (left, top, right, bottom)."""
    if isinstance(padding, (int, np.integer)) and not isinstance(padding, bool):
        padding = [int(padding)] * 4
    elif isinstance(padding, (tuple, list)) and len(padding) == 2:
        padding = [padding[0], padding[1], padding[0], padding[1]]
    elif not (isinstance(padding, (tuple, list)) and len(padding) == 4):
        raise ValueError(f"{where}: padding must be an int or a sequence of 2 or 4 ints, got {padding!r}")
    if any(isinstance(p, bool) or int(p) != p or p < 0 for p in padding):
        raise ValueError(f"{where}: padding must be non-negative integers, got {padding!r}")
    return [int(p) for p in padding]


def pad(batch, padding, fill=0, padding_mode="constant"):
    """Pad a batch (N, C, H, W) by (left, top, right, bottom) pixels."""
    if padding_mode not in PADDING_MODES:
        raise ValueError(f"pad: padding_mode must be one of {PADDING_MODES}, got {padding_mode!r}")
    left, top, right, bottom = _padding(padding, "pad")
    widths = ((0, 0), (0, 0), (top, bottom), (left, right))
    if padding_mode == "constant":
        return np.pad(batch, widths, mode="constant", constant_values=fill)
    return np.pad(batch, widths, mode=padding_mode)


def crop(batch, top, left, height, width):
    """The height × width window at (top[n], left[n]) of every image n of a batch (N, C, H, W):
    one gather for the whole batch (``top``, ``left``: ints or arrays (N,))."""
    n, _, h, w = batch.shape
    top = np.broadcast_to(np.asarray(top, dtype=np.int64), (n,))
    left = np.broadcast_to(np.asarray(left, dtype=np.int64), (n,))
    if (top < 0).any() or (left < 0).any() or (top + height > h).any() or (left + width > w).any():
        raise ValueError(f"crop: a {height} × {width} window at the given offsets leaves the {h} × {w} image")
    windows = np.lib.stride_tricks.sliding_window_view(batch, (height, width), axis=(2, 3))
    return windows[np.arange(n), :, top, left]


class RandomCrop(Transform):
    """Crop a random ``size`` window (per image), after optional ``padding``.

    Args (torchvision's): size (int or (h, w)); padding (int, (lr, tb) or (l, t, r, b));
    pad_if_needed (pad images smaller than ``size``); fill (constant padding value);
    padding_mode ('constant', 'edge', 'reflect', 'symmetric')."""

    def __init__(self, size, padding=None, pad_if_needed=False, fill=0, padding_mode="constant"):
        self.size = _pair(size, "RandomCrop")
        self.padding = None if padding is None else _padding(padding, "RandomCrop")
        if padding_mode not in PADDING_MODES:
            raise ValueError(f"RandomCrop: padding_mode must be one of {PADDING_MODES}, got {padding_mode!r}")
        self.pad_if_needed, self.fill, self.padding_mode = bool(pad_if_needed), fill, padding_mode

    def transform(self, batch):
        if self.padding is not None:
            batch = pad(batch, self.padding, self.fill, self.padding_mode)
        (h, w), (height, width) = self.size, batch.shape[2:]
        if self.pad_if_needed and (height < h or width < w):
            extra_h, extra_w = max(h - height, 0), max(w - width, 0)
            batch = pad(batch, [extra_w, extra_h, extra_w, extra_h], self.fill, self.padding_mode)
            height, width = batch.shape[2:]
        if height < h or width < w:
            raise ValueError(
                f"RandomCrop: crop size {self.size} is larger than the (padded) image {height} × {width}"
            )
        rng = generator()
        top = rng.integers(0, height - h + 1, size=batch.shape[0])
        left = rng.integers(0, width - w + 1, size=batch.shape[0])
        return crop(batch, top, left, h, w)

    def extra_repr(self):
        return f"size={self.size}, padding={self.padding}, padding_mode={self.padding_mode!r}"


class _RandomFlip(Transform):
    axis: int | None = None  # the image axis a subclass flips

    def __init__(self, p=0.5):
        self.p = check_probability(p, type(self).__name__)

    def transform(self, batch):
        flip = generator().random(batch.shape[0]) < self.p
        out = batch.copy()
        out[flip] = np.flip(batch[flip], axis=self.axis)
        return out

    def extra_repr(self):
        return f"p={self.p}"


class RandomHorizontalFlip(_RandomFlip):
    """out[n, c, i, j] = x[n, c, i, W − 1 − j] for each image with probability ``p``."""

    axis = -1


class RandomVerticalFlip(_RandomFlip):
    """out[n, c, i, j] = x[n, c, H − 1 − i, j] for each image with probability ``p``."""

    axis = -2


def inverse_affine_matrices(angle, translate, scale, shear, center=(0.0, 0.0)):
    """torchvision's inverse affine map (pixel units, origin at the image centre) for arrays of
    N parameters: angle (N,) degrees, translate (N, 2) pixels, scale (N,), shear (N, 2) degrees,
    center (2,) or (N, 2) relative to the image centre. Returns (N, 6): m₀ … m₅ of the module
    docstring."""
    rot = np.radians(np.asarray(angle, dtype=np.float64))
    shear = np.radians(np.asarray(shear, dtype=np.float64))
    sx, sy = shear[..., 0], shear[..., 1]
    cx, cy = np.asarray(center, dtype=np.float64).T
    tx, ty = np.asarray(translate, dtype=np.float64).T
    a = np.cos(rot - sy) / np.cos(sy)
    b = -np.cos(rot - sy) * np.tan(sx) / np.cos(sy) - np.sin(rot)
    c = np.sin(rot - sy) / np.cos(sy)
    d = -np.sin(rot - sy) * np.tan(sx) / np.cos(sy) + np.cos(rot)
    scale = np.asarray(scale, dtype=np.float64)
    m0, m1, m3, m4 = d / scale, -b / scale, -c / scale, a / scale
    m2 = m0 * (-cx - tx) + m1 * (-cy - ty) + cx
    m5 = m3 * (-cx - tx) + m4 * (-cy - ty) + cy
    return np.stack(np.broadcast_arrays(m0, m1, m2, m3, m4, m5), axis=-1)


def affine(
    batch,
    angle,
    translate=(0.0, 0.0),
    scale=1.0,
    shear=(0.0, 0.0),
    interpolation="nearest",
    fill=0,
    center=None,
):
    """Apply per-image affine maps to a batch (N, C, H, W) (see the module docstring).

    angle (degrees, clockwise as torchvision's ``F.affine``), scale, and the pairs translate (pixels) and shear
    (degrees) are numbers or arrays with one entry per image; ``center`` (x, y) in pixels
    (default the image centre). uint8 images are resampled in float32 and rounded back."""
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"affine: interpolation must be one of {INTERPOLATIONS}, got {interpolation!r}")
    n, channels, height, width = batch.shape
    angle = np.broadcast_to(np.asarray(angle, dtype=np.float64), (n,))
    translate = np.broadcast_to(np.asarray(translate, dtype=np.float64), (n, 2))
    shear = np.broadcast_to(np.asarray(shear, dtype=np.float64), (n, 2))
    scale = np.broadcast_to(np.asarray(scale, dtype=np.float64), (n,))
    if (scale <= 0).any():
        raise ValueError("affine: scale must be positive")
    offset = (0.0, 0.0) if center is None else (center[0] - width * 0.5, center[1] - height * 0.5)
    m = inverse_affine_matrices(angle, translate, scale, shear, offset)
    theta = np.stack(
        [
            m[:, 0],
            m[:, 1] * height / width,
            2.0 * m[:, 2] / width,
            m[:, 3] * width / height,
            m[:, 4],
            2.0 * m[:, 5] / height,
        ],
        axis=-1,
    ).reshape(n, 2, 3)
    work = batch if batch.dtype.kind == "f" else batch.astype(np.float32)
    with grad_mode.no_grad():
        grid = affine_grid(
            Tensor(theta.astype(work.dtype)), (n, channels, height, width), align_corners=False
        )
        out = grid_sample(
            Tensor(work), grid, mode=interpolation, padding_mode="zeros", align_corners=False
        ).array
        if fill:
            ones = Tensor(np.ones((n, 1, height, width), work.dtype))
            inside = grid_sample(
                ones, grid, mode=interpolation, padding_mode="zeros", align_corners=False
            ).array
            out = out + (1.0 - inside) * np.asarray(fill, dtype=work.dtype).reshape(-1, 1, 1)
    if batch.dtype == np.uint8:
        return np.clip(np.rint(out), 0, 255).astype(np.uint8)
    return out.astype(batch.dtype, copy=False)


class RandomAffine(Transform):
    """A random affine map per image (torchvision's ``RandomAffine``).

    Args: degrees (d → angle ~ U(−d, d), or (min, max)); translate (a, b): horizontal shift
    round(U(−aW, aW)) pixels, vertical round(U(−bH, bH)); scale (min, max): s ~ U; shear (s → x
    shear ~ U(−s, s); (min, max); or 4 values for x and y); interpolation 'nearest' (torchvision's
    default) or 'bilinear'; fill; center (x, y) pixels."""

    def __init__(
        self, degrees, translate=None, scale=None, shear=None, interpolation="nearest", fill=0, center=None
    ):
        self.degrees = check_range(degrees, "RandomAffine", "degrees")
        if translate is not None:
            if len(translate) != 2 or not all(0.0 <= t <= 1.0 for t in translate):
                raise ValueError(
                    f"RandomAffine: translate must be two fractions in [0, 1], got {translate!r}"
                )
            translate = (float(translate[0]), float(translate[1]))
        self.translate = translate
        if scale is not None:
            scale = check_range(tuple(scale), "RandomAffine", "scale")
            if scale[0] <= 0:
                raise ValueError(f"RandomAffine: scale values must be positive, got {scale}")
        self.scale = scale
        self.shear = self._shear(shear)
        if interpolation not in INTERPOLATIONS:
            raise ValueError(
                f"RandomAffine: interpolation must be one of {INTERPOLATIONS}, got {interpolation!r}"
            )
        self.interpolation, self.fill, self.center = interpolation, fill, center

    @staticmethod
    def _shear(shear):
        if shear is None:
            return None
        if isinstance(shear, (tuple, list)) and len(shear) == 4:
            return check_range(tuple(shear[:2]), "RandomAffine", "shear") + check_range(
                tuple(shear[2:]), "RandomAffine", "shear"
            )
        return check_range(shear, "RandomAffine", "shear") + (0.0, 0.0)

    def parameters(self, n, height, width):
        """The random parameters of n images: angle (n,), translate (n, 2), scale (n,), shear (n, 2)."""
        rng = generator()
        angle = rng.uniform(*self.degrees, size=n)
        translate = np.zeros((n, 2))
        if self.translate is not None:
            max_dx, max_dy = self.translate[0] * width, self.translate[1] * height
            translate[:, 0] = np.rint(rng.uniform(-max_dx, max_dx, size=n))
            translate[:, 1] = np.rint(rng.uniform(-max_dy, max_dy, size=n))
        scale = np.ones(n) if self.scale is None else rng.uniform(*self.scale, size=n)
        shear = np.zeros((n, 2))
        if self.shear is not None:
            shear[:, 0] = rng.uniform(self.shear[0], self.shear[1], size=n)
            shear[:, 1] = rng.uniform(self.shear[2], self.shear[3], size=n)
        return angle, translate, scale, shear

    def transform(self, batch):
        angle, translate, scale, shear = self.parameters(batch.shape[0], *batch.shape[2:])
        return affine(batch, angle, translate, scale, shear, self.interpolation, self.fill, self.center)

    def extra_repr(self):
        return (
            f"degrees={self.degrees}, translate={self.translate}, scale={self.scale}, "
            f"shear={self.shear}, interpolation={self.interpolation!r}"
        )


def rotate(batch, angle, interpolation="nearest", fill=0, center=None):
    """Rotate each image of a batch counter-clockwise by ``angle`` degrees (a number or one per
    image), torchvision's ``F.rotate`` without ``expand``: ``affine`` with −angle."""
    return affine(
        batch, -np.asarray(angle, dtype=np.float64), interpolation=interpolation, fill=fill, center=center
    )


class RandomRotation(RandomAffine):
    """Rotate each image counter-clockwise by an angle ~ U(degrees), torchvision's
    ``RandomRotation``; ``expand=True`` (growing the canvas) is not supported."""

    def __init__(self, degrees, interpolation="nearest", expand=False, center=None, fill=0):
        if expand:
            raise ValueError("RandomRotation: expand=True is not supported (the output keeps the input size)")
        super().__init__(degrees, interpolation=interpolation, fill=fill, center=center)

    def transform(self, batch):
        angle = generator().uniform(*self.degrees, size=batch.shape[0])
        return rotate(batch, angle, self.interpolation, self.fill, self.center)
