"""The seed's families on the same input: reconstruction, the GAN's nearest sample, walks between two images,
and the measured figures of each checkpoint. The Compare tab (ui/compare.py) shows these side by side.

    >>> models = {name: load_model(f"checkpoints/fashion-mnist-{name}") for name in ("ae", "vae", "cgan")}
    >>> x_ae = reconstruct(models["ae"], x)                   # aegan.pipeline.reconstruct: any family but the GAN
    >>> frames = walk(models["vae"], x[0:1], x[1:2], 9)        # [9, 1, 28, 28], from image A to image B
    >>> index, score = closest(sample_bank(gan), x)             # the GAN cannot encode: the best it can do
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from .errors import InputError
from .families import check_can, is_conditional
from .pipeline import encode, interpolate, sample

BANK_SIZE = 256  # the GAN's samples searched for the one nearest to an image
BANK_SEED = 0
WALK_STEPS = 9

# The figures the comparison table shows: (key in metrics.json's "values", what it is, better when).
MEASURES = (
    ("frechet_distance", "Frechet distance", "lower"),
    ("precision", "precision", "higher"),
    ("recall", "recall", "higher"),
    ("diversity_ratio_all", "diversity", "higher"),  # over all images, not per class: the same for every family
    ("reconstruction_psnr_db", "reconstruction PSNR (dB)", "higher"),
    ("sample_64_ms", "64 samples (ms)", "lower"),
)


@torch.inference_mode()
def decode(model, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
    """Codes z [B, L] the encoder could have made -> x [B, 1, 28, 28] in [-1, 1]. An unconditional model
    (the AE, the VAE) needs no labels; the AE-GAN draws `labels` [B]."""
    if is_conditional(model) and labels is None:
        raise InputError("the AE-GAN draws a code as a class: give the labels")
    condition = labels.to(model.device) if is_conditional(model) else None
    return model.decode(z.to(model.device), condition, encoded=1.0).cpu()


def sample_bank(model, n: int = BANK_SIZE, seed: int = BANK_SEED) -> torch.Tensor:
    """n samples of the model's prior (the GAN's): x [n, 1, 28, 28]."""
    return sample(model, n, seed=seed)[0]


def closest(bank: torch.Tensor, x: torch.Tensor) -> int:
    """Index of the image of `bank` [N, 1, 28, 28] nearest to x [1, 1, 28, 28] in mean squared pixel error: how
    near a model with no encoder gets to an image by searching its own samples."""
    return int(((bank - x.reshape(1, 1, 28, 28)) ** 2).mean(dim=(1, 2, 3)).argmin())


def walk(model, a: torch.Tensor, b: torch.Tensor, steps: int = WALK_STEPS) -> torch.Tensor:
    """The straight line from image a's code to image b's (a, b [1, 1, 28, 28]) in the model's latent space,
    decoded at `steps` evenly spaced points: x [steps, 1, 28, 28], the first and last being the model's
    reconstructions of a and b. The AE-GAN also blends the two classes its encoder reads. The GAN cannot
    encode, so it cannot walk between images (InputError)."""
    check_can(model, "walk between images")
    z, probs = encode(model, torch.cat([a, b]))  # z [2, L], probs [2, K]
    k = model.config.num_classes
    weights = torch.nn.functional.one_hot(probs.argmax(dim=1), k).float()  # each end drawn as E's class guess
    t = torch.linspace(0, 1, steps)
    return interpolate(model, (z[0], weights[0]), (z[1], weights[1]), t, method="lerp", encoded=(1.0, 1.0))


def measured(folder: Path) -> dict:
    """A checkpoint's measured figures: metrics.json's values (None where not measured) and the training time
    in seconds from training.json (None when absent)."""
    folder = Path(folder)
    values, seconds = {}, None
    try:
        values = json.loads((folder / "metrics.json").read_text()).get("values", {})
    except (OSError, ValueError, AttributeError):
        pass
    try:
        seconds = json.loads((folder / "training.json").read_text()).get("training_seconds")
    except (OSError, ValueError, AttributeError):
        pass
    figures = {key: values.get(key) if isinstance(values, dict) else None for key, _, _ in MEASURES}
    figures = {key: float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None
               for key, v in figures.items()}
    figures["training_seconds"] = float(seconds) if isinstance(seconds, (int, float)) else None
    return figures
