"""``mathdl.vision``: image metrics (PSNR, SSIM), window filters, classical denoisers, the
super-resolution protocol, whole-image upscaling with a trained network, neural style transfer and
a PNG reader/writer."""

from mathdl.vision import denoise, filters, metrics, png, style_transfer, superresolution, upscale

__all__ = ["denoise", "filters", "metrics", "png", "style_transfer", "superresolution", "upscale"]
