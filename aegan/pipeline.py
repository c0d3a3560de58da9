"""What the models are for: sample, encode, reconstruct, interpolate (repair, analogy and text follow).

Each function takes a loaded `AEGAN`, works under `torch.inference_mode()`, and returns tensors in
[-1, 1]; `aegan.images` converts them for files and screens. The CLI and the app both call these.

Every family (aegan/families.py) samples and walks; encode and reconstruct need an encoder (not the GAN's);
a task a family cannot do is an InputError of one sentence. The unconditional families (AE, VAE, GAN) refuse a
label and return the label UNLABELLED (-1) for each sample.
"""

from __future__ import annotations

import math
import numbers

import torch

from .errors import InputError, shown
from .families import TASKS, check_can, family, is_conditional, refusal
from .models import AEGAN

MAX_IMAGES = 10_000  # one call never makes more than this (memory stays bounded)
MAX_SEED = 2**64 - 1  # torch.Generator.manual_seed takes up to 64 bits
UNLABELLED = -1  # the label of an unconditional model's sample: it was not asked for a class


def make_generator(seed: int | None, device: torch.device | str = "cpu") -> torch.Generator:
    """A torch.Generator seeded by `seed` (random when None). Noise is drawn on the CPU so a seed gives
    the same images on every device."""
    g = torch.Generator("cpu")
    if seed is None:
        g.seed()
    elif not _is_whole(seed) or not 0 <= seed <= MAX_SEED:
        raise InputError(f"seed must be a whole number from 0 to 2**64 - 1, not {shown(seed)}")
    else:
        g.manual_seed(int(seed))
    return g


def spread_labels(n: int, num_classes: int) -> torch.Tensor:
    """n labels spread evenly and in order over the classes: each class gets floor or ceil of n / K."""
    return torch.arange(n) * num_classes // n


def _is_whole(value) -> bool:
    """True for a finite whole number (3, 3.0 or 10**400), False for anything else (NaN, 2.5, None, "3", True)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return False
    return isinstance(value, numbers.Integral) or (math.isfinite(value) and int(value) == value)


def check_label(model: AEGAN, label: int) -> int:
    k = model.config.num_classes
    if not _is_whole(label) or not 0 <= int(label) < k:
        raise InputError(f"label {shown(label)} is out of range; this model has classes 0..{k - 1}")
    return int(label)


def check_labels(model: AEGAN, labels, n: int) -> torch.Tensor:
    """Class ids for n images, one per image (a sequence or LongTensor [n]) -> LongTensor [n]."""
    y = torch.as_tensor(labels, dtype=torch.long).view(-1)
    if len(y) != n:
        raise InputError(f"{len(y)} labels for {n} images; give one label per image")
    for label in y.unique().tolist():
        check_label(model, label)
    return y


def check_class_model(model: AEGAN, task: str) -> None:
    """Refuse a text model, or a family without classes (AE, VAE, GAN), for a `task` that chooses classes
    (sampling by label, repair, denoising, style, walks between classes)."""
    if family(model) != "aegan":
        if task in TASKS:
            check_can(model, task)
        raise InputError(refusal(family(model), task if task in TASKS else "sample a class"))
    if model.config.condition != "class":
        raise InputError(f"{task} needs a class-conditional model (a *-cgan checkpoint), not a text one")


def check_count(n: int, limit: int = MAX_IMAGES) -> int:
    if not _is_whole(n) or not 1 <= n <= limit:
        raise InputError(f"count must be a whole number from 1 to {limit:,}, not {shown(n)}")
    return int(n)


def draw_latents(model: AEGAN, n: int, *, seed: int | None = 0, truncation: float = 1.0,
                 generator: torch.Generator | None = None) -> torch.Tensor:
    """z [n, L] on the CPU (a seed gives the same images on every device), drawn from N(0, I) at the
    model's calibrated scale (config.z_scale) times `truncation` (below 1: more typical, less varied)."""
    if not 0.0 <= truncation <= 2.0:
        raise InputError(f"truncation must be between 0 and 2, not {truncation}")
    g = generator or make_generator(seed)
    return torch.randn(n, model.config.latent_dim, generator=g) * (truncation * model.config.z_scale)


@torch.inference_mode()
def sample(model: AEGAN, n: int, *, labels: torch.Tensor | int | None = None, seed: int | None = 0,
           truncation: float = 1.0, generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Draw n images: class-conditional for the AE-GAN, from the one prior for the AE, VAE and GAN.

    Example:
        >>> model = load_model("checkpoints/mnist-cgan")
        >>> x, y = sample(model, 16, labels=7, seed=0)   # sixteen sevens, x [16,1,28,28] in [-1,1]
        >>> x, y = sample(load_model("checkpoints/fashion-mnist-gan"), 16, seed=0)   # y: sixteen UNLABELLED

    Args:
        labels: one class for all, a LongTensor [n], or None to spread n evenly over the classes.
            An unconditional model takes None only (a label is refused in one sentence).
        truncation: scale of z relative to the model's calibrated spread (1 = as varied as real images).
            Below 1 trades diversity for typical, clean images.
    Returns:
        (x [n, 1, 28, 28] in [-1, 1], y [n] long)
    """
    n = check_count(n)
    z = draw_latents(model, n, seed=seed, truncation=truncation, generator=generator)
    # 1. choose the classes
    if not is_conditional(model):
        if labels is not None:
            check_can(model, "sample a class")
        y = torch.full((n,), UNLABELLED, dtype=torch.long)
    elif labels is None:
        y = spread_labels(n, model.config.num_classes)
    elif isinstance(labels, int):
        y = torch.full((n,), check_label(model, labels), dtype=torch.long)
    else:
        y = check_labels(model, labels, n)
    # 2. decode in chunks so memory stays flat
    device = model.device
    x = torch.cat([model.decode(zc.to(device), yc.to(device) if is_conditional(model) else None).cpu()
                   for zc, yc in zip(z.split(1024), y.split(1024))])
    return x, y


@torch.inference_mode()
def encode(model: AEGAN, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """x [B,1,28,28] -> (z mean [B, L], class probabilities [B, K]) from the encoder. The AE's and the VAE's
    encoders have no class head: their probabilities are uniform (1/K). The GAN has no encoder: InputError."""
    check_can(model, "encode")
    mean, _, logits = model.encode(x.to(model.device))
    return mean.cpu(), logits.softmax(dim=1).cpu()


@torch.inference_mode()
def reconstruct(model: AEGAN, x: torch.Tensor, labels: torch.Tensor | None = None, *,
                encoded: tuple[torch.Tensor, torch.Tensor] | None = None) -> torch.Tensor:
    """E then G: x [B,1,28,28] -> x' [B,1,28,28]; the class is E's guess unless `labels` are given (an
    unconditional model has none and ignores `labels`). `encoded`: what `encode` gave for this x, when the caller
    already has it (E runs once). The GAN has no encoder: InputError."""
    check_can(model, "reconstruct")
    z, probabilities = encode(model, x) if encoded is None else encoded
    if not is_conditional(model):
        return model.decode(z.to(model.device), None, encoded=1.0).cpu()
    y = probabilities.argmax(dim=1) if labels is None else labels
    return model.decode(z.to(model.device), y.to(model.device), encoded=1.0).cpu()


@torch.inference_mode()
def realness(model: AEGAN, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """D's opinion: probability [B] that (x, y) is a real pair (an unconditional D ignores y). The AE and the VAE
    have no discriminator: InputError."""
    check_can(model, "judge")
    return torch.sigmoid(model.judge(x.to(model.device), y.to(model.device))).cpu()


def slerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation between rows a [L] and b [L] at fractions t [T] -> [T, L]."""
    t = t[:, None]
    a_norm, b_norm = a / a.norm().clamp_min(1e-8), b / b.norm().clamp_min(1e-8)
    omega = torch.acos((a_norm * b_norm).sum().clamp(-1 + 1e-7, 1 - 1e-7))
    if omega.abs() < 1e-4:
        return torch.lerp(a, b, t)
    return (torch.sin((1 - t) * omega) * a + torch.sin(t * omega) * b) / torch.sin(omega)


@torch.inference_mode()
def interpolate(model: AEGAN, start: tuple[torch.Tensor, torch.Tensor], end: tuple[torch.Tensor, torch.Tensor],
                fractions: torch.Tensor, *, method: str = "slerp",
                encoded: tuple[float, float] = (0.0, 0.0)) -> torch.Tensor:
    """Walk from endpoint (z [L], class probabilities or one-hot [K]) to another.

    z moves by lerp or slerp; the class condition moves linearly between the two embeddings (an unconditional
    model ignores it: every family walks, and the AE and VAE walk between encoded images too).
    `encoded` says for each endpoint whether its z came from the encoder (1) or the prior (0).
    Returns x [T, 1, 28, 28] for fractions [T] in [0, 1].
    """
    if method not in ("lerp", "slerp"):
        raise InputError(f"method must be 'lerp' or 'slerp', not {shown(method)}")
    (z0, c0), (z1, c1) = start, end
    t = fractions.float().clamp(0, 1)
    z = slerp(z0, z1, t) if method == "slerp" else torch.lerp(z0, z1, t[:, None])
    device = model.device
    weights = torch.lerp(c0, c1, t[:, None]).to(device)  # [T, K] mixture of classes
    source = torch.lerp(torch.tensor(float(encoded[0])), torch.tensor(float(encoded[1])), t).to(device)  # [T]
    return model.decode_mixture(z.to(device), weights, encoded=source).cpu()
