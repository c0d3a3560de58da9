"""Repair (inpainting) through the encoder, and the latent optimisation it shares with `aegan.style`.

    repair(model, x, mask) -> RepairResult      x [B,1,28,28] in [-1,1], mask [B,1,28,28] with 1 = missing
    repair_image(model, image, mask)            one user image (any size/mode) -> uint8 [28,28], probs, notes
    refine(model, x, known, z, class_logits)    Adam on (z, class) so that G matches the known pixels

Repair is latent optimisation, like `projector.py::project` in NVlabs/stylegan2-ada-pytorch, but started
from the encoder's guess instead of the average latent:

1. fill the hole smoothly (harmonic interpolation of the known pixels) so E sees a plausible image;
2. E gives the starting code z and the class probabilities;
3. Adam refines z and the class (a soft mixture of class embeddings) so that G(z, c) matches the known
   pixels (those next to the hole weigh more), with a Gaussian prior on z (z ~ N(0, I) is what G was
   trained on);
4. blend: known pixels are copied back exactly; inside the hole G's content is corrected by the harmonic
   interpolation of its error on the known pixels, so the seam is continuous.

Masks follow the file contract: 1 = missing. Images are x [B, 1, 28, 28] in [-1, 1].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from .errors import InputError
from .images import check_images, check_masks, mask_to_tensor, prepare_image, prepare_mask, to_tensor, to_uint8
from .models import AEGAN
from .pipeline import check_class_model, encode, make_generator

_NEIGHBOURS = torch.tensor([[0.0, 1.0, 0.0], [1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]).view(1, 1, 3, 3)


@dataclass
class RepairResult:
    x: torch.Tensor  # [B, 1, 28, 28] in [-1, 1]: the repaired images; known pixels equal the input exactly
    class_probs: torch.Tensor  # [B, K]: the class mixture the repair settled on (starts at E's guess)
    z: torch.Tensor  # [B, L]: the refined latent code
    generated: torch.Tensor  # [B, 1, 28, 28]: G's full image before blending (what the model imagined)


def _neighbour_sum(u: torch.Tensor) -> torch.Tensor:
    """Sum of the 4 neighbours of each pixel, [B,1,H,W] -> [B,1,H,W] (pixels outside the image count 0)."""
    return F.conv2d(u, _NEIGHBOURS.to(u), padding=1)


def harmonic_fill(values: torch.Tensor, hole: torch.Tensor, *, iterations: int = 200, tolerance: float = 1e-5) -> torch.Tensor:
    """Fill the hole with the smoothest surface through the known pixels (Laplace's equation).

    values, hole: [B, 1, H, W]; hole is 1 where a value is missing. Each hole pixel becomes the mean of its
    neighbours (the image border is a free edge, Neumann), solved by batched conjugate gradients, which
    needs about as many iterations as the hole is wide. Rows with no known pixel are returned as they are.
    """
    hole = hole.to(values.dtype)
    known = 1 - hole
    degree = _neighbour_sum(torch.ones_like(values[:1]))  # 2, 3 or 4 neighbours inside the image

    def laplacian(u):  # the symmetric positive definite operator on hole pixels
        return hole * (degree * u - _neighbour_sum(hole * u))

    b = hole * _neighbour_sum(known * values)  # what known neighbours contribute
    # Start from each image's mean known value: closer than 0, fewer iterations.
    mean = (values * known).sum((1, 2, 3), keepdim=True) / known.sum((1, 2, 3), keepdim=True).clamp_min(1)
    u = hole * mean
    r = b - laplacian(u)
    p = r.clone()
    rs = (r * r).sum((1, 2, 3), keepdim=True)
    for _ in range(iterations):
        if float(rs.max()) < tolerance**2:
            break
        ap = laplacian(p)
        alpha = rs / (p * ap).sum((1, 2, 3), keepdim=True).clamp_min(1e-20)
        u = u + alpha * p
        r = r - alpha * ap
        rs_new = (r * r).sum((1, 2, 3), keepdim=True)
        p = r + (rs_new / rs.clamp_min(1e-20)) * p
        rs = rs_new
    has_known = known.flatten(1).amax(dim=1).view(-1, 1, 1, 1) > 0
    return torch.where((hole > 0) & has_known, u, values)


def repair(model: AEGAN, x: torch.Tensor, mask: torch.Tensor, *, steps: int = 40, lr: float = 0.3,
           prior_weight: float = 0.1, class_lr: float = 0.5, seam_weight: float = 3.0,
           discriminator_weight: float = 0.0, encoded: float = 1.0, seed: int | None = 0,
           generator: torch.Generator | None = None) -> RepairResult:
    """Fill the masked pixels of x so the result looks like an image of the model's dataset.

    Example:
        >>> model = load_model("checkpoints/mnist-cgan")
        >>> result = repair(model, x, mask)        # x [B,1,28,28] in [-1,1], mask [B,1,28,28], 1 = missing
        >>> to_uint8(result.x)                     # uint8 [B,28,28]; unmasked pixels unchanged

    Args:
        steps: Adam steps on (z, class). 0 keeps the encoder's guess (then only the blend runs).
        lr: Adam learning rate of z; class_lr that of the class logits (0 keeps E's class mixture).
        prior_weight: strength of the N(0, I) prior on z, relative to the summed squared error on the
            known pixels; higher keeps z typical (safer with big holes), lower fits the pixels more closely.
        seam_weight: extra weight of known pixels near the hole (up to 1 + seam_weight x the share of
            hole pixels in their 5x5 neighbourhood): they say most about how the hole continues.
        discriminator_weight: weight of D's "looks real" loss on G's image (0 skips D, which is faster).
        encoded: which of G's inference statistics to use, 1 = those of encoded codes, 0 = of prior codes
            (see `ConditionalBatchNorm`); fully masked images always use the prior ones.
        seed / generator: randomness for images with nothing known (a fully masked image is sampled).
    Returns:
        RepairResult(x [B,1,28,28], class_probs [B,K], z [B,L], generated [B,1,28,28]), on the CPU.
    """
    check_class_model(model, "repair")
    x = check_images(x)
    hole = check_masks(mask, x.shape)
    check_knobs(steps, lr, class_lr, prior_weight, discriminator_weight, encoded)
    if not seam_weight >= 0:
        raise InputError("seam_weight must be 0 or more")
    device = model.device
    x, hole = x.to(device), hole.to(device)
    known = 1 - hole
    n_known = known.sum((1, 2, 3))  # [B]
    blank = n_known == 0  # nothing to match: sample instead
    num_classes = model.config.num_classes

    # 1-2. the encoder's guess on the smoothly filled image
    with torch.no_grad():
        filled = harmonic_fill(x, hole)
        filled = torch.where(blank.view(-1, 1, 1, 1), torch.full_like(x, -1.0), filled)
        z, _, logits = model.encode(filled)
    class_logits = logits.log_softmax(dim=1)
    if blank.any():
        g = generator or make_generator(seed)
        count = int(blank.sum())
        z[blank] = torch.randn(count, z.shape[1], generator=g).to(device)
        sampled = torch.randint(num_classes, (count,), generator=g).to(device)
        class_logits[blank] = F.one_hot(sampled, num_classes).float().mul(20.0).log_softmax(dim=1)

    # 3. refine z and the class mixture so G matches the known pixels
    active = (~blank).float()  # fully masked rows keep their sampled code
    weights = known * (1 + seam_weight * F.avg_pool2d(hole, 5, stride=1, padding=2))  # [B,1,28,28]
    z, class_logits = refine(model, x, weights, z, class_logits, steps=steps, lr=lr,
                             class_lr=class_lr, prior_weight=prior_weight,
                             discriminator_weight=discriminator_weight, encoded=encoded)

    # 4. blend: G's content in the hole, shifted by the smooth interpolation of its error on known pixels
    with torch.no_grad():
        probs = class_logits.softmax(dim=1)
        generated = model.decode_mixture(z, probs, encoded=active * encoded)  # sampled rows: prior statistics
        correction = harmonic_fill(torch.where(hole > 0, torch.zeros_like(x), x - generated), hole)
        inside = (generated + correction).clamp(-1, 1)
        repaired = torch.where(hole > 0, inside, x)  # known pixels: the input, bit for bit
    return RepairResult(repaired.cpu(), probs.cpu(), z.cpu(), generated.cpu())


def check_knobs(steps, lr, class_lr, prior_weight, discriminator_weight=0.0, encoded=1.0) -> None:
    """Refuse optimisation knobs outside their ranges (repair's and style projection's)."""
    if not (0 <= steps <= 10_000 and lr > 0 and class_lr >= 0 and prior_weight >= 0 and discriminator_weight >= 0
            and 0 <= encoded <= 1):
        raise InputError("steps must be 0..10000, lr positive, class_lr and the weights 0 or more, encoded 0..1")


def refine(model: AEGAN, x: torch.Tensor, known: torch.Tensor, z: torch.Tensor, class_logits: torch.Tensor, *,
           steps: int, lr: float, class_lr: float, prior_weight: float, discriminator_weight: float = 0.0,
           encoded: float = 1.0) -> tuple[torch.Tensor, torch.Tensor]:
    """Adam on z [B,L] and class logits [B,K] so that G(z, c) matches x [B,1,28,28] where known > 0.

    known [B,1,28,28] weighs each pixel's squared error (0 = unknown). The loss of each image is a MAP
    objective: weighted squared error on its known pixels (Gaussian pixel noise) + prior_weight * |z|^2 (z ~ N(0, I), what G was trained on), plus optionally D's opinion.
    Each image's loss only touches its own row, so the batch is many independent problems solved at once.
    autograd.grad (not backward) leaves the model's own gradients alone: a model shared by several app
    users is never modified. Returns detached (z, class_logits).
    """
    with torch.inference_mode(False), torch.enable_grad():
        # clones are normal tensors even when the caller is in inference mode
        x, known = x.clone(), known.clone()
        z = z.detach().clone().requires_grad_(True)
        class_logits = class_logits.detach().clone().requires_grad_(class_lr > 0)
        params = [z, class_logits] if class_lr > 0 else [z]
        groups = [{"params": [z], "lr": lr}] + ([{"params": [class_logits], "lr": class_lr}] if class_lr > 0 else [])
        optimizer = torch.optim.Adam(groups)
        for _ in range(steps):
            weights = class_logits.softmax(dim=1)  # [B, K] soft class mixture
            out = model.decode_mixture(z, weights, encoded=encoded)
            error = ((out - x) ** 2 * known).sum((1, 2, 3))  # [B]
            loss = error + prior_weight * z.pow(2).sum(dim=1)
            if discriminator_weight > 0:
                loss = loss + discriminator_weight * F.softplus(-model.judge_mixture(out, weights))
            # rows with nothing known have a zero error; leave their (sampled) code where it is
            loss = loss * (known.flatten(1).amax(dim=1) > 0)
            for p, grad in zip(params, torch.autograd.grad(loss.sum(), params)):
                p.grad = grad
            optimizer.step()
    return z.detach(), class_logits.detach()


def repair_image(model: AEGAN, image, mask, **knobs) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Repair one user image: image (PIL or array, any size) and mask (array, 1/True = missing).

    Returns (repaired uint8 [28, 28], class probabilities [K], notes): the notes say in words what was
    changed on the way in (resized, converted, ...) and when the mask was empty or full.
    """
    picture, notes = prepare_image(image)
    hole, mask_notes = prepare_mask(mask)
    notes += mask_notes
    x = to_tensor(picture)  # [1, 1, 28, 28]
    if not hole.any():
        notes.append("the mask is empty: nothing to repair, the image is returned unchanged")
        return picture, encode(model, x)[1][0].numpy(), notes
    if hole.all():
        notes.append("the whole image is masked: nothing is left to go on, so a random image of a random class was drawn")
    result = repair(model, x, mask_to_tensor(hole), **knobs)
    return to_uint8(result.x)[0], result.class_probs[0].numpy(), notes
