"""A walk through latent space: two endpoints, a path (lerp or slerp) and a move along the main directions.

One value holds the whole walk, so the app's state, its events and the command line all pass the same
thing around:

    >>> walk = Walk(a=Endpoint(z_a, label=3), b=Endpoint(z_b, label=7), method="slerp", moves=(1.5, 0.0))
    >>> x = draw(model, walk, torch.linspace(0, 1, 101), directions)  # [101, 1, 28, 28] in [-1, 1]
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch

from .errors import InputError, shown
from .latent import move_along
from .pipeline import interpolate

METHODS = ("slerp", "lerp")


@dataclass(frozen=True)
class Endpoint:
    """One end of the walk: a code z [L], the class G draws it as, and whether z came from the encoder
    (G then decodes with the encoder's statistics rather than the prior's)."""

    z: tuple[float, ...]
    label: int
    encoded: bool = False

    @classmethod
    def of(cls, z: torch.Tensor, label: int, encoded: bool = False) -> Endpoint:
        return cls(tuple(float(v) for v in z.reshape(-1)), int(label), bool(encoded))

    def pair(self, num_classes: int) -> tuple[torch.Tensor, torch.Tensor]:
        """(z [L], one-hot class weights [K]), as aegan.pipeline.interpolate takes an endpoint."""
        weights = torch.zeros(num_classes)
        weights[self.label] = 1.0
        return torch.tensor(self.z, dtype=torch.float32), weights


@dataclass(frozen=True)
class Walk:
    """Both endpoints, the path between them, and how far both are moved along the main directions
    (in standard deviations of real images' codes, one amount per direction; () = not moved)."""

    a: Endpoint
    b: Endpoint
    method: str = "slerp"
    moves: tuple[float, ...] = ()
    dataset: str = ""  # the model whose latent space this is (its codes mean nothing to another model)

    def __post_init__(self):
        if self.method not in METHODS:
            raise InputError(f"the path must be 'slerp' or 'lerp', not {shown(self.method)}")

    def with_(self, **changes) -> Walk:
        """The same walk with some fields changed (moves are stored as plain floats)."""
        if "moves" in changes:
            changes["moves"] = tuple(float(m) for m in changes["moves"])
        return replace(self, **changes)


def _moved(z: torch.Tensor, walk: Walk, directions: dict[str, torch.Tensor] | None) -> torch.Tensor:
    if directions is None or not any(walk.moves):
        return z
    amounts = torch.tensor(walk.moves[: len(directions["scales"])], dtype=torch.float32)
    return move_along(z, directions, amounts)


@torch.inference_mode()
def draw(model, walk: Walk, fractions, directions: dict[str, torch.Tensor] | None = None) -> torch.Tensor:
    """x [T, 1, 28, 28] in [-1, 1]: the walk at `fractions` [T] in [0, 1], both ends moved along `directions`."""
    k = model.config.num_classes
    (z_a, c_a), (z_b, c_b) = walk.a.pair(k), walk.b.pair(k)
    start, end = (_moved(z_a, walk, directions), c_a), (_moved(z_b, walk, directions), c_b)
    t = torch.as_tensor(fractions, dtype=torch.float32).reshape(-1)
    return interpolate(model, start, end, t, method=walk.method,
                       encoded=(float(walk.a.encoded), float(walk.b.encoded)))


def preview(model, endpoint: Endpoint) -> torch.Tensor:
    """x [1, 1, 28, 28]: the endpoint as G draws it (a walk of length zero)."""
    return draw(model, Walk(endpoint, endpoint), [0.0])
