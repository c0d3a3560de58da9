"""Main directions of the latent space (GANSpace-style): principal components of encoded training images.

Computed once at export (the app has no training data on a Space) and shipped beside the weights as
`latent_directions.safetensors`: `mean` [L], `components` [P, L] (unit rows, most variance first) and
`scales` [P] (standard deviation of the codes along each component).
"""

from __future__ import annotations

from pathlib import Path

import torch

from .models import AEGAN
from .pipeline import encode

DIRECTIONS_FILE = "latent_directions.safetensors"


def compute_directions(model: AEGAN, x: torch.Tensor, count: int = 8) -> dict[str, torch.Tensor]:
    """x [N,1,28,28] training images -> PCA of their codes E(x) (means) [N, L]."""
    z = torch.cat([encode(model, chunk)[0] for chunk in x.split(1000)])
    mean = z.mean(dim=0)
    _, singular_values, vectors = torch.linalg.svd(z - mean, full_matrices=False)
    count = min(count, vectors.shape[0])
    return {"mean": mean, "components": vectors[:count].contiguous(),
            "scales": singular_values[:count] / (len(z) - 1) ** 0.5}


def save_directions(folder: Path, directions: dict[str, torch.Tensor]) -> None:
    from safetensors.torch import save_file

    save_file({k: v.contiguous() for k, v in directions.items()}, str(Path(folder) / DIRECTIONS_FILE))


def load_directions(folder: Path) -> dict[str, torch.Tensor] | None:
    """The shipped directions, or None when the folder has none (the app then hides those sliders)."""
    from safetensors.torch import load_file

    path = Path(folder) / DIRECTIONS_FILE
    return load_file(str(path)) if path.is_file() else None


def move_along(z: torch.Tensor, directions: dict[str, torch.Tensor], amounts: torch.Tensor) -> torch.Tensor:
    """z [L] + sum_i amounts[i] * scales[i] * components[i]; amounts [P] in standard deviations."""
    p = len(amounts)
    return z + (amounts * directions["scales"][:p]) @ directions["components"][:p]
