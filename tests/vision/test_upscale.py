"""Whole-image upscaling with a saved SRCNN/ESPCN run: YCbCr, PNG in and out, errors."""

import numpy as np
import pytest

import mathdl as md
from mathdl import models
from mathdl.train import save_checkpoint
from mathdl.vision.png import read_png, write_png
from mathdl.vision.superresolution import bicubic_upscale
from mathdl.vision.upscale import load_upscaler, rgb_to_ycbcr, upscale_file, upscale_image, ycbcr_to_rgb


def _run(tmp_path, name="espcn", scale=2):
    md.manual_seed(0)
    model = models.build(name, scale=scale)
    folder = tmp_path / f"{name}-x{scale}"
    save_checkpoint(folder / "checkpoint.npz", model, config={"model": model.config})
    return folder, model


def test_ycbcr_is_matlab_rgb2ycbcr_and_inverts(rng):
    white_black = rgb_to_ycbcr(np.array([[1.0, 1.0, 1.0], [0.0, 0.0, 0.0]])) * 255
    np.testing.assert_allclose(white_black, [[235, 128, 128], [16, 128, 128]], atol=1e-3)
    rgb = rng.random((4, 5, 3))
    np.testing.assert_allclose(ycbcr_to_rgb(rgb_to_ycbcr(rgb)), rgb, atol=1e-12)
    with pytest.raises(ValueError, match="RGB"):
        rgb_to_ycbcr(np.zeros((2, 2)))


@pytest.mark.parametrize("name, scale", [("espcn", 3), ("srcnn", 2)])
def test_upscale_file_end_to_end(tmp_path, rng, name, scale):
    folder, model = _run(tmp_path, name, scale)
    rgb = rng.random((9, 11, 3))
    write_png(tmp_path / "in.png", rgb)
    shapes = upscale_file(folder, tmp_path / "in.png", tmp_path / "out.png")
    assert shapes == ((9, 11, 3), (9 * scale, 11 * scale, 3))
    out = read_png(tmp_path / "out.png")
    expected = upscale_image(model, read_png(tmp_path / "in.png"))
    np.testing.assert_allclose(out, np.round(expected * 255) / 255, atol=1e-6)
    # the chroma is bicubic: Cb, Cr of the result equal the bicubic enlargement where not clipped
    chroma = bicubic_upscale(np.moveaxis(rgb_to_ycbcr(read_png(tmp_path / "in.png"))[..., 1:], -1, 0), scale)
    inside = (expected > 0.01).all(-1) & (expected < 0.99).all(-1)
    np.testing.assert_allclose(
        np.moveaxis(rgb_to_ycbcr(expected)[..., 1:], -1, 0)[:, inside], chroma[:, inside], atol=1e-5
    )
    grey = rng.random((6, 7))
    write_png(tmp_path / "grey.png", grey)
    upscale_file(folder / "checkpoint.npz", tmp_path / "grey.png", tmp_path / "grey_out.png")
    assert read_png(tmp_path / "grey_out.png").shape == (6 * scale, 7 * scale)


def test_upscale_errors(tmp_path):
    folder, _ = _run(tmp_path)
    write_png(tmp_path / "in.png", np.zeros((4, 4)))
    with pytest.raises(FileNotFoundError, match="no such image"):
        upscale_file(folder, tmp_path / "missing.png", tmp_path / "out.png")
    with pytest.raises(FileNotFoundError, match="no such run"):
        upscale_file(tmp_path / "nothing", tmp_path / "in.png", tmp_path / "out.png")
    with pytest.raises(FileNotFoundError, match="without checkpoint"):
        load_upscaler(tmp_path)
    write_png(tmp_path / "out.png", np.ones((2, 2)))
    with pytest.raises(FileExistsError, match="exists"):
        upscale_file(folder, tmp_path / "in.png", tmp_path / "out.png")
    np.testing.assert_array_equal(read_png(tmp_path / "out.png"), np.ones((2, 2)))
    mlp = models.build("mlp")
    save_checkpoint(tmp_path / "mlp.npz", mlp, config={"model": mlp.config})
    with pytest.raises(ValueError, match="not a super-resolution run"):
        load_upscaler(tmp_path / "mlp.npz")
    with pytest.raises(ValueError, match="RGB"):
        upscale_image(models.build("espcn"), np.zeros((4, 4, 2)))
