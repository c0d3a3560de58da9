"""A latent map: encoded test images as points on a plane, coloured by class, and the way back from any point
of that plane to a code the decoder can draw.

The plane is a projection, not a 2-D latent. The AE and the VAE compared here have 32-D codes, like the AE-GAN;
a model trained with a 2-D code would be a different model (and a much worse one), so the map would no longer
show the models the rest of the Compare tab compares. The projection is PCA of the test images' codes (the
encoder's means): the plane through their mean spanned by the two directions along which they vary most,
which is the flat picture that keeps the most of the codes' spread. Both axes have the same scale, so distances
on the map are distances in the plane.

A point (u, v) of the plane becomes the code `mean + u * axis_1 + v * axis_2`: the other 30 components are at
their mean. So every point has one image, moving the click moves the image smoothly, and what changes is only
what the two axes encode; the map is a slice through the code space, and where the slice leaves the region the
encoder uses (gaps between the clusters, the rim), the decoder shows what it draws for codes it never saw. The
alternative (the nearest test image's other components) would show that image's reconstruction almost
everywhere, with jumps at the borders between neighbours: the dots already show that. `nearest` gives the
nearest encoded test image separately.

    >>> latent_map = map_of(model, images, labels)        # images uint8 [N, 28, 28], labels [N]
    >>> u, v = latent_map.from_fraction(0.25, 0.5)          # a click a quarter from the left, half-way down
    >>> x = draw_at(model, latent_map, u, v)                # [1, 1, 28, 28] in [-1, 1]

Importing this module does not import torch (the app builds its page before torch loads, and the legend needs
CLASS_COLOURS); the functions on codes import it when called.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .errors import InputError, shown

if TYPE_CHECKING:
    import torch

# Ten colours a reader tells apart (matplotlib's tab10), one per class id.
CLASS_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                 "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
MARGIN = 0.12  # the map shows the middle 98% of the points on each axis, with this much room around them


@dataclass(frozen=True)
class LatentMap:
    """Test images' codes projected on their two main directions.

    mean [L] and axes [2, L] (unit rows) define the plane; points [N, 2] are the images' plane coordinates,
    labels [N] their classes; explained [2] the share of the codes' variance along each axis; extent
    (u_min, u_max, v_min, v_max) the square of the plane the map shows (v grows upwards, as on a chart)."""

    mean: torch.Tensor
    axes: torch.Tensor
    points: np.ndarray
    labels: np.ndarray
    explained: tuple[float, float]
    extent: tuple[float, float, float, float]

    def to_plane(self, z: torch.Tensor) -> np.ndarray:
        """Codes z [B, L] -> plane coordinates [B, 2]."""
        return ((z.float().cpu() - self.mean) @ self.axes.T).numpy()

    def code_at(self, u: float, v: float) -> torch.Tensor:
        """The code [1, L] at plane point (u, v): the other components at the mean (see the module docstring)."""
        return (self.mean + u * self.axes[0] + v * self.axes[1])[None]

    def from_fraction(self, fx: float, fy: float) -> tuple[float, float]:
        """A point of the map given as fractions of its width (from the left) and height (from the top), each
        in [0, 1] -> plane coordinates (u, v)."""
        for name, value in (("x", fx), ("y", fy)):
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0.0 <= value <= 1.0:
                raise InputError(f"the map's {name} must be a fraction from 0 to 1, not {shown(value)}")
        u0, u1, v0, v1 = self.extent
        return u0 + fx * (u1 - u0), v1 - fy * (v1 - v0)

    def to_fraction(self, uv: np.ndarray) -> np.ndarray:
        """Plane coordinates [B, 2] -> map fractions [B, 2] (x from the left, y from the top); outside [0, 1]
        when the point lies off the map."""
        u0, u1, v0, v1 = self.extent
        uv = np.asarray(uv, np.float64).reshape(-1, 2)
        return np.stack([(uv[:, 0] - u0) / (u1 - u0), (v1 - uv[:, 1]) / (v1 - v0)], axis=1)

    def nearest(self, u: float, v: float) -> int:
        """Index of the test image whose code lies nearest to (u, v) on the plane."""
        return int(np.argmin(((self.points - np.array([u, v])) ** 2).sum(axis=1)))


def build_map(z: torch.Tensor, labels) -> LatentMap:
    """Codes z [N, L] (N >= 3) and their classes [N] -> the map (PCA of the codes, a square extent)."""
    import torch

    z = z.float().cpu()
    if z.ndim != 2 or len(z) < 3:
        raise InputError(f"a latent map needs at least 3 codes, not {shown(tuple(z.shape))}")
    mean = z.mean(dim=0)
    _, singular, vectors = torch.linalg.svd(z - mean, full_matrices=False)
    axes = vectors[:2].contiguous()
    variance = singular**2
    explained = tuple(float(s) for s in (variance[:2] / variance.sum().clamp_min(1e-12)))
    points = ((z - mean) @ axes.T).numpy()
    low, high = np.percentile(points, 1, axis=0), np.percentile(points, 99, axis=0)
    centre, half = (low + high) / 2, float((high - low).max()) / 2 * (1 + 2 * MARGIN) or 1.0
    extent = (float(centre[0] - half), float(centre[0] + half), float(centre[1] - half), float(centre[1] + half))
    return LatentMap(mean, axes, points.astype(np.float32), np.asarray(labels, np.int64).reshape(-1),
                     explained, extent)


def map_of(model, images: np.ndarray, labels) -> LatentMap:
    """The map of `model`'s encoder over test images (uint8 [N, 28, 28]) with their classes [N]."""
    import torch

    from .images import to_tensor
    from .pipeline import encode

    x = to_tensor(images)
    z = torch.cat([encode(model, chunk)[0] for chunk in x.split(500)])  # the encoder's means [N, L]
    return build_map(z, labels)


def draw_at(model, latent_map: LatentMap, u: float, v: float) -> torch.Tensor:
    """What the decoder draws at plane point (u, v): x [1, 1, 28, 28] in [-1, 1] (the AE and the VAE)."""
    from .compare import decode

    return decode(model, latent_map.code_at(u, v))


def render(latent_map: LatentMap, size: int = 320, dot: int = 3) -> np.ndarray:
    """The map as a picture: uint8 RGB [size, size, 3], one dot per test image in its class's colour and the
    plane's origin (the codes' mean) as two faint lines. A point at fractions (fx, fy) of the map (see
    `from_fraction`) is pixel (fx * (size - 1), fy * (size - 1))."""
    from PIL import Image, ImageDraw

    picture = Image.new("RGB", (size, size), "white")
    pen = ImageDraw.Draw(picture)
    origin = latent_map.to_fraction(np.zeros((1, 2)))[0] * (size - 1)
    pen.line([(origin[0], 0), (origin[0], size)], fill=(225, 225, 225))
    pen.line([(0, origin[1]), (size, origin[1])], fill=(225, 225, 225))
    where = latent_map.to_fraction(latent_map.points) * (size - 1)
    inside = ((where >= 0) & (where <= size - 1)).all(axis=1)
    for (px, py), k in zip(where[inside], latent_map.labels[inside]):
        pen.ellipse([px - dot, py - dot, px + dot, py + dot], fill=CLASS_COLOURS[int(k) % len(CLASS_COLOURS)])
    return np.asarray(picture)


def fraction_of_pixel(pixel: float, size: int = 320) -> float:
    """A pixel coordinate of a `size`-pixel rendered map -> its fraction of the map (render's rule inverted),
    clamped to [0, 1] (a click on the picture's last pixel row is the map's edge)."""
    return min(max(float(pixel) / (size - 1), 0.0), 1.0)


def with_mark(picture: np.ndarray, latent_map: LatentMap, uv) -> tuple[np.ndarray, bool]:
    """A copy of a rendered map with plane point `uv` (u, v) marked as a black ring with a white centre, pinned
    to the edge when it lies off the map -> (uint8 RGB [S, S, 3], whether it lies on the map)."""
    from PIL import Image, ImageDraw

    size = picture.shape[0]
    fraction = latent_map.to_fraction(np.asarray(uv, np.float64))[0]
    on_map = bool(((fraction >= 0) & (fraction <= 1)).all())
    px, py = np.clip(fraction, 0, 1) * (size - 1)
    marked = Image.fromarray(picture)
    pen = ImageDraw.Draw(marked)
    pen.ellipse([px - 9, py - 9, px + 9, py + 9], fill="white", outline="black", width=3)
    pen.ellipse([px - 2, py - 2, px + 2, py + 2], fill="black")
    return np.asarray(marked), on_map
