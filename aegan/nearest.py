"""The nearest training image of each generated one: does a model copy what it saw, or make something new?

Distance is pixel L2, reported as the root-mean-square difference per pixel on the 0-1 scale (0 = the same
image, 1 = black against white everywhere). A model trained on a few images can learn them by heart; its
samples then sit much closer to one training image than those images sit to each other. `typical_distance`
gives that yardstick: the median distance from each training image to its nearest other one.

    >>> index, distance = nearest(samples, training_images)   # x [N,1,28,28], bank [M,1,28,28] in [-1, 1]
    >>> copies = is_copy(distance, typical_distance(training_images))
"""

from __future__ import annotations

import torch

from .images import check_images

COPY_RATIO = 0.5  # a sample closer than this fraction of the typical distance to one training image is a copy


def _distances(x: torch.Tensor, bank: torch.Tensor) -> torch.Tensor:
    """x [N,1,28,28], bank [M,1,28,28] in [-1, 1] -> RMS pixel distances [N, M] on the 0-1 scale."""
    a, b = x.flatten(1).double() / 2, bank.flatten(1).double() / 2  # [-1, 1] -> a range of 1
    # Differences summed directly (not |a|^2 - 2ab + |b|^2, which leaves ~1e-8 where an image meets its copy).
    distances = torch.cdist(a, b, compute_mode="donot_use_mm_for_euclid_dist")
    return (distances / a.shape[1] ** 0.5).float()


@torch.inference_mode()
def nearest(x: torch.Tensor, bank: torch.Tensor, *, exclude_self: bool = False,
            batch: int = 256) -> tuple[torch.Tensor, torch.Tensor]:
    """For each image of x [N,1,28,28], the index [N] (long) of the nearest image of `bank` [M,1,28,28] and its
    distance [N] (RMS per pixel, 0-1 scale). `exclude_self`: x is the bank itself, and an image may not be its
    own nearest (needs M >= 2)."""
    x, bank = check_images(x).cpu(), check_images(bank).cpu()
    if not len(bank) or (exclude_self and len(bank) < 2):
        raise ValueError("the bank needs at least one image (two with exclude_self)")
    indices, distances = [], []
    for start in range(0, len(x), batch):
        d = _distances(x[start : start + batch], bank)  # [n, M]
        if exclude_self:
            rows = torch.arange(len(d))
            d[rows, rows + start] = float("inf")
        distance, index = d.min(dim=1)
        indices.append(index)
        distances.append(distance)
    return torch.cat(indices), torch.cat(distances)


def typical_distance(bank: torch.Tensor) -> float:
    """The median distance from each image of `bank` [M,1,28,28] (M >= 2) to its nearest other one."""
    return float(nearest(bank, bank, exclude_self=True)[1].median())


def is_copy(distance: torch.Tensor, typical: float) -> torch.Tensor:
    """Bool [N]: which samples, at `distance` [N] from their nearest training image, are copies of it."""
    return distance < COPY_RATIO * typical
