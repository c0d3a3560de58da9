"""Denoising through the model: the image G can draw that best explains the noisy one, then each pixel's best guess.

    denoise(model, x) -> DenoiseResult        x [B,1,28,28] in [-1,1]; the noise model estimated or given
    denoise_image(model, image, ...)          one user image (any size/mode) -> uint8 [28,28], noise, probs, notes

Like `aegan.repair`, this is latent optimisation started from the encoder's guess; but every pixel is seen, each
through a noise model (`aegan.noise.Noise`): Gaussian noise of `sigma` grey levels, clipped to 0..255 as a saved
image is, and a share `impulse` of pixels replaced by 0 or 255 (salt and pepper). Per pixel, the likelihood of
the noisy value y given G's value g is

    (1 - impulse) * clipped Gaussian(y | g, sqrt(sigma^2 + model_error^2)) + impulse / 2 * [y is 0 or 255]

(the clipped Gaussian is a probability mass at 0 and 255: a value clipped to 0 says "at most 0", no more).
`model_error` is how far G's best image is from the truth even without noise, so no pixel is trusted to within
less. The steps:

1. the noise model: the caller's, or estimated from the image itself (`aegan.noise.estimate_noise`);
2. a first clean-up for E: pixels at 0 or 255 unlike their 3x3 neighbourhood (likely impulses) are filled
   smoothly from the others (`aegan.repair.harmonic_fill`); E gives the starting code z and the class;
3. Adam refines z and the class mixture to maximise the likelihood above, with a Gaussian prior on z;
4. detail: G's first feature map (7x7) and an offset to its 14x14 features are refined a little further, each
   kept near where step 3 left it, so G can draw what its 32-number code cannot (a pattern, a thin strap);
5. each pixel's posterior mean, with G's image as the prior (its error variance measured locally from the
   residuals around the pixel, less the noise's) and the noisy pixel as the data: a Wiener blend for Gaussian
   noise, the mean of the clipped tail for a pixel at 0 or 255, and for a likely impulse G's value corrected by
   the smooth interpolation of the residual around it. Where the model fits, the result follows the model; where
   the noise is low, it follows the data. A clean image (noise estimated as none) comes back unchanged.

Images are x [B, 1, 28, 28] in [-1, 1]; the noisy pixels must still be whole grey levels (as from `to_tensor`),
since 0 and 255 are told apart exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from .errors import InputError, shown
from .images import check_images, prepare_image, to_tensor, to_uint8
from .models import AEGAN
from .noise import NOISE_KINDS, Noise, estimate_noise
from .pipeline import check_class_model
from .repair import check_knobs, harmonic_fill

GREY = 1 / 127.5  # one grey level in model units ([-1, 1] spans 255 of them)


@dataclass
class DenoiseResult:
    x: torch.Tensor  # [B, 1, 28, 28] in [-1, 1]: the denoised images
    noise: list[Noise]  # the noise model used for each image (given or estimated)
    class_probs: torch.Tensor  # [B, K]: the class mixture the fit settled on
    generated: torch.Tensor  # [B, 1, 28, 28]: G's image after step 4 (what the model drew, before the blend)


def denoise(model: AEGAN, x: torch.Tensor, *, noise: str = "auto", sigma: float | None = None,
            impulse: float | None = None, steps: int = 40, lr: float = 0.3, class_lr: float = 0.5,
            prior_weight: float = 0.1, detail_steps: int = 40, detail_lr: float = 0.05, detail_weight: float = 1.0,
            model_error: float = 0.15, window: int = 5, encoded: float = 1.0) -> DenoiseResult:
    """Remove noise from x with the model as the prior.

    Example:
        >>> model = load_model("checkpoints/fashion-mnist-cgan")
        >>> noisy = add_noise(images, Noise(sigma=40), seed=0)       # aegan.noise; uint8 [B, 28, 28]
        >>> to_uint8(denoise(model, to_tensor(noisy)).x)             # kind and level estimated from each image

    Args:
        noise: "auto" (kind and level estimated per image), "gaussian", "salt-pepper" or "mix" (both).
        sigma: Gaussian level in grey levels (0..128); impulse: salt-and-pepper share of pixels (0..0.9). Either
            one left None is estimated from the image when its kind is in `noise`; a level outside its kind is
            refused. With noise="auto" both are estimated.
        steps, lr, class_lr, prior_weight: step 3, as in `aegan.repair.repair` (prior_weight relative to the
            negative log-likelihood; class_lr 0 keeps E's class mixture).
        detail_steps, detail_lr, detail_weight: step 4 (0 steps skips it); detail_weight pulls the feature maps
            back towards step 3's, higher = closer to what z alone draws.
        model_error: G's own typical error in model units (0.15 = 19 grey levels): the likelihood's floor.
        window: side of the square over which step 5 measures G's local error (odd, 1..15).
        encoded: which of G's inference statistics to use (see `ConditionalBatchNorm`).
    Returns:
        DenoiseResult(x [B,1,28,28], noise per image, class_probs [B,K], generated [B,1,28,28]), on the CPU.
    """
    check_class_model(model, "denoise")
    x = check_images(x)
    check_knobs(steps, lr, class_lr, prior_weight, 0.0, encoded)
    check_knobs(detail_steps, detail_lr, 0.0, detail_weight)
    if not (model_error > 0 and isinstance(window, int) and 1 <= window <= 15 and window % 2 == 1):
        raise InputError("model_error must be positive and window an odd whole number from 1 to 15")
    noises = noise_models(to_uint8(x), noise, sigma, impulse)  # 1. the noise model of each image
    device = model.device
    x = x.to(device)
    if all(found.kind == "none" for found in noises):  # nothing to remove: the images as they are
        with torch.no_grad():
            probs = model.encode(x)[2].softmax(dim=1)
        return DenoiseResult(x.cpu(), noises, probs.cpu(), x.cpu())
    sigma_t = torch.tensor([n.sigma * GREY for n in noises], device=device).view(-1, 1, 1, 1)  # [B,1,1,1]
    impulse_t = torch.tensor([n.impulse for n in noises], device=device).view(-1, 1, 1, 1)
    spread = (sigma_t**2 + model_error**2).sqrt()  # the likelihood's std: noise and G's own error

    # 2. E's guess on the image with likely impulses filled in
    with torch.no_grad():
        suspect = _likely_impulses(x) & (impulse_t > 0)
        z, _, logits = model.encode(harmonic_fill(torch.where(suspect, torch.zeros_like(x), x), suspect.float()))
    class_logits = logits.log_softmax(dim=1)

    def negative_log_likelihood(out):  # [B] per image
        return _pixel_nll(out, x, spread, impulse_t).sum((1, 2, 3))

    # 3. z and the class mixture
    with torch.inference_mode(False), torch.enable_grad():
        x, spread, impulse_t = x.clone(), spread.clone(), impulse_t.clone()  # normal tensors in inference mode too
        z = z.clone().requires_grad_(True)
        class_logits = class_logits.clone().requires_grad_(class_lr > 0)
        _adam([z, class_logits] if class_lr > 0 else [z], [lr, class_lr], steps, lambda: (
            negative_log_likelihood(model.decode_mixture(z, class_logits.softmax(dim=1), encoded=encoded))
            + prior_weight * 0.5 * z.pow(2).sum(dim=1)))

        # 4. detail: the 7x7 map and a 14x14 offset, each held near step 3's by detail_weight
        generator = model.generator
        probs = class_logits.detach().softmax(dim=1)
        c = generator.condition.mix(probs)
        start = generator.start(z.detach(), c).detach()
        h = start.clone().requires_grad_(True)
        detail = torch.zeros(len(x), generator.up1.out_channels, 14, 14, device=device, requires_grad=True)
        _adam([h, detail], [detail_lr, detail_lr], detail_steps, lambda: (
            negative_log_likelihood(generator.draw(h, c, encoded, detail))
            + detail_weight * 0.5 * ((h - start).pow(2).sum((1, 2, 3)) + detail.pow(2).sum((1, 2, 3)))))
        with torch.no_grad():
            generated = generator.draw(h, c, encoded, detail)

    # 5. each pixel's posterior mean
    with torch.no_grad():
        result = _posterior_mean(generated, x, sigma_t, impulse_t, spread, window)
    return DenoiseResult(result.cpu(), noises, probs.cpu(), generated.cpu())


def noise_models(images: np.ndarray, noise: str, sigma: float | None, impulse: float | None) -> list[Noise]:
    """The noise model of each of images uint8 [B, 28, 28]: `noise` names the kinds present, given levels are
    used as they are, missing ones estimated (`aegan.noise.estimate_noise`). All-black images are refused."""
    if noise not in NOISE_KINDS:
        raise InputError(f"noise must be one of {', '.join(NOISE_KINDS)}, not {shown(noise)}")
    if noise in ("auto", "salt-pepper") and sigma is not None:
        raise InputError(f"a Gaussian sigma does not go with noise={noise!r}; use noise='gaussian' or 'mix'")
    if noise in ("auto", "gaussian") and impulse is not None:
        raise InputError(f"a salt-and-pepper share does not go with noise={noise!r}; use 'salt-pepper' or 'mix'")
    Noise(sigma=sigma or 0.0, impulse=impulse or 0.0)  # checks the given levels' ranges
    black = np.flatnonzero(images.reshape(len(images), -1).max(axis=1) == 0)
    if len(black):
        which = "the image" if len(images) == 1 else f"image {black[0]} (counted from 0)"
        raise InputError(f"{which} is all black (every pixel 0): there is nothing to denoise")
    estimated = estimate_noise(images) if sigma is None or impulse is None else [Noise()] * len(images)
    gaussian, impulses = noise in ("auto", "gaussian", "mix"), noise in ("auto", "salt-pepper", "mix")
    return [Noise(sigma=(e.sigma if sigma is None else sigma) if gaussian else 0.0,
                  impulse=(e.impulse if impulse is None else impulse) if impulses else 0.0) for e in estimated]


def _adam(params: list[torch.Tensor], rates: list[float], steps: int, loss) -> None:
    """`steps` Adam steps on params (one learning rate each) for loss() -> [B] (one independent problem per
    image). autograd.grad, not backward: the model's own gradients are never touched (shared by app users)."""
    optimizer = torch.optim.Adam([{"params": [p], "lr": rate} for p, rate in zip(params, rates)])
    for _ in range(steps):
        for p, grad in zip(params, torch.autograd.grad(loss().sum(), params)):
            p.grad = grad
        optimizer.step()


def _ends(y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(pixels at 0, pixels at 255) of y [B,1,28,28] in model units, as bool maps."""
    return y <= -1 + GREY / 2, y >= 1 - GREY / 2


def _log_gaussian_mass(g: torch.Tensor, y: torch.Tensor, spread: torch.Tensor) -> torch.Tensor:
    """log P(y | g) of clipped Gaussian noise, per pixel: the density times a grey level's width, and at 0 and 255
    the whole tail beyond (log Phi, computed stably)."""
    low, high = _ends(y)
    density = (-0.5 * ((y - g) / spread) ** 2 - spread.log() - 0.5 * math.log(2 * math.pi) + math.log(GREY))
    below = torch.special.log_ndtr((-1 + GREY / 2 - g) / spread)
    above = torch.special.log_ndtr((g - 1 + GREY / 2) / spread)
    return torch.where(low, below, torch.where(high, above, density))


def _pixel_nll(g: torch.Tensor, y: torch.Tensor, spread: torch.Tensor, impulse: torch.Tensor) -> torch.Tensor:
    """-log of the mixture likelihood per pixel [B,1,28,28] (see the module docstring)."""
    gaussian = torch.log1p(-impulse) + _log_gaussian_mass(g, y, spread)
    return -torch.logaddexp(gaussian, _log_spike(y, impulse))


def _log_spike(y: torch.Tensor, impulse: torch.Tensor) -> torch.Tensor:
    """log P(y is an impulse) per pixel: log(impulse / 2) at 0 and 255, else (and with no impulses) about -inf."""
    low, high = _ends(y)
    return torch.where((low | high) & (impulse > 0), (impulse / 2).clamp_min(1e-12).log(), torch.full_like(y, -1e4))


def _likely_impulses(y: torch.Tensor) -> torch.Tensor:
    """Pixels at 0 or 255 more than half the range from their 3x3 median: bool [B,1,28,28]."""
    low, high = _ends(y)
    median = F.unfold(F.pad(y, (1, 1, 1, 1), mode="replicate"), 3).median(dim=1).values.view_as(y)
    return (low | high) & ((y - median).abs() > 1.0)


def _box(u: torch.Tensor, size: int) -> torch.Tensor:
    """Mean over a size x size window, border replicated: [B,1,H,W] -> [B,1,H,W]."""
    r = size // 2
    return F.avg_pool2d(F.pad(u, (r, r, r, r), mode="replicate"), size, stride=1)


def _posterior_mean(g, y, sigma, impulse, spread, window) -> torch.Tensor:
    """Step 5: E[clean pixel | y] with prior N(g, local model variance), clipped Gaussian noise and impulses."""
    low, high = _ends(y)
    # the chance that each pixel is an impulse (its share of the mixture likelihood)
    chance = torch.exp(_log_spike(y, impulse) + _pixel_nll(g, y, spread, impulse)).clamp(0, 1)  # [B,1,28,28]
    trusted = 1 - chance
    residual = y - g
    # G's local error variance: the residuals' mean square around the pixel, less the noise's variance
    variance = (_box(trusted * residual**2, window) / _box(trusted, window).clamp_min(1e-3) - sigma**2)
    variance = variance.clamp_min(GREY**2)
    total = (variance + sigma**2).sqrt()
    blend = g + variance / total**2 * residual  # Wiener: the data's share grows with G's error
    # a pixel clipped to an end: the mean of the prior-and-noise tail beyond it (inverse Mills ratio)
    below = (-1 + GREY / 2 - g) / total
    above = (g - 1 + GREY / 2) / total
    mills_below = torch.exp(-0.5 * below**2 - 0.5 * math.log(2 * math.pi) - torch.special.log_ndtr(below))
    mills_above = torch.exp(-0.5 * above**2 - 0.5 * math.log(2 * math.pi) - torch.special.log_ndtr(above))
    noisy = sigma > 0
    blend = torch.where(low & noisy, g - variance / total * mills_below,
                        torch.where(high & noisy, g + variance / total * mills_above, blend))
    # a likely impulse: G's value, corrected by the smooth fill of the trusted residuals around it
    hole = (chance > 0.5).float()
    fill = harmonic_fill(torch.where(hole > 0, torch.zeros_like(y), blend - g), hole)
    return (chance * (g + fill) + trusted * blend).clamp(-1, 1)


def denoise_image(model: AEGAN, image, *, noise: str = "auto", sigma: float | None = None,
                  impulse: float | None = None, **knobs) -> tuple[np.ndarray, Noise, np.ndarray, list[str]]:
    """Denoise one user image (PIL or array, any size): -> (uint8 [28, 28], the noise model used, class
    probabilities [K], notes saying what was changed on the way in)."""
    picture, notes = prepare_image(image)
    result = denoise(model, to_tensor(picture), noise=noise, sigma=sigma, impulse=impulse, **knobs)
    found = result.noise[0]
    if found.kind == "none":
        notes.append("no noise was found, so the image is returned as it is")
    return to_uint8(result.x)[0], found, result.class_probs[0].numpy(), notes


__all__ = ["DenoiseResult", "denoise", "denoise_image", "noise_models"]
