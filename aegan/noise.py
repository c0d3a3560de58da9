"""Noise: adding it reproducibly, estimating it from a noisy image, and the classical denoisers to beat.

Images are uint8 [N, 28, 28] (0 = background, 255 = ink, the file contract). A `Noise` is

- `sigma`:   Gaussian noise, standard deviation in grey levels (40 = 40/255 of the range), added to every pixel;
             the result is rounded and clipped to 0..255, as a saved image must be;
- `impulse`: salt-and-pepper noise, the share of pixels (0.15 = 15%) replaced by 0 or 255, each with chance 1/2.

Both at once is the "mix" kind: Gaussian first, then impulses. `add_noise` draws it from a seed, so the same
images, noise and seed give the same picture on every machine (a class sees the same thing).

The classical denoisers (median, total variation, non-local means, wavelet) are scikit-image's and SciPy's,
needed only for evaluation (requirements-dev.txt), so they are imported inside the functions. `best_classical`
tunes each one's parameter on the clean images (an oracle: the strongest version of each).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .errors import InputError, shown

NOISE_KINDS = ("auto", "gaussian", "salt-pepper", "mix")
MAX_SIGMA = 128.0  # grey levels: beyond this the noise hides the image; a level the user gives must be below
MAX_IMPULSE = 0.9  # share of pixels: with more, too few clean pixels are left to go on


@dataclass(frozen=True)
class Noise:
    """How an image was damaged: Gaussian sigma in grey levels (0..128) and the share of impulse pixels (0..0.9)."""

    sigma: float = 0.0
    impulse: float = 0.0

    def __post_init__(self):
        if not (isinstance(self.sigma, (int, float)) and math.isfinite(self.sigma) and 0 <= self.sigma <= MAX_SIGMA):
            raise InputError(f"the Gaussian noise level must be from 0 to {MAX_SIGMA:g} grey levels, "
                             f"not {shown(self.sigma)}")
        if not (isinstance(self.impulse, (int, float)) and math.isfinite(self.impulse)
                and 0 <= self.impulse <= MAX_IMPULSE):
            raise InputError(f"the salt-and-pepper share must be from 0 to {MAX_IMPULSE:g} of the pixels "
                             f"(0.15 = 15%), not {shown(self.impulse)}")

    @property
    def kind(self) -> str:
        """'gaussian', 'salt-pepper', 'mix' or 'none'."""
        return {(True, True): "mix", (True, False): "gaussian", (False, True): "salt-pepper",
                (False, False): "none"}[(self.sigma > 0, self.impulse > 0)]

    def describe(self) -> str:
        """In words, for notes and tables: 'Gaussian sigma 40/255', 'salt-and-pepper 15%', both, or none."""
        parts = ([f"Gaussian sigma {self.sigma:.0f}/255"] if self.sigma > 0 else []) + \
            ([f"salt-and-pepper {100 * self.impulse:.0f}%"] if self.impulse > 0 else [])
        return " + ".join(parts) or "no noise"


def noise_from_level(kind: str, level: float) -> Noise:
    """The CLI's --noise/--level pair: gaussian -> sigma in grey levels (1..128), salt-pepper -> percent of
    pixels (1..90)."""
    if kind == "gaussian":
        if not (isinstance(level, (int, float)) and math.isfinite(level) and 1 <= level <= MAX_SIGMA):
            raise InputError(f"a Gaussian level is sigma in grey levels, from 1 to {MAX_SIGMA:g}, not {shown(level)}")
        return Noise(sigma=float(level))
    if kind == "salt-pepper":
        if not (isinstance(level, (int, float)) and math.isfinite(level) and 1 <= level <= 100 * MAX_IMPULSE):
            raise InputError(f"a salt-and-pepper level is the percent of pixels hit, from 1 to "
                             f"{100 * MAX_IMPULSE:g}, not {shown(level)}")
        return Noise(impulse=float(level) / 100)
    raise InputError(f"a level goes with --noise gaussian or salt-pepper, not {shown(kind)}")


def add_noise(images: np.ndarray, noise: Noise, *, seed: int = 0) -> np.ndarray:
    """uint8 [N, 28, 28] (or one [28, 28]) -> the same shape with `noise` added, drawn from `seed`.

    Same images, noise and seed: same result. Each image's noise depends only on the seed and its place in the
    batch (a batch of the first n images is the start of a longer batch's result).
    """
    array = np.asarray(images)
    if array.dtype != np.uint8 or array.ndim not in (2, 3):
        raise InputError(f"images must be uint8 [N, 28, 28] or [28, 28], not {array.dtype} {list(array.shape)}")
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or not 0 <= seed < 2**64:
        raise InputError(f"seed must be a whole number from 0 to 2**64 - 1, not {shown(seed)}")
    flat = array.reshape(-1, *array.shape[-2:])
    out = np.empty_like(flat)
    for i, image in enumerate(flat):  # one stream per image: noise does not depend on the batch size
        rng = np.random.default_rng([int(seed), i])
        values = image.astype(np.float64)
        if noise.sigma > 0:
            values = np.clip(np.rint(values + rng.normal(0.0, noise.sigma, image.shape)), 0, 255)
        if noise.impulse > 0:
            hit = rng.random(image.shape) < noise.impulse
            values = np.where(hit, np.where(rng.random(image.shape) < 0.5, 255.0, 0.0), values)
        out[i] = values.astype(np.uint8)
    return out.reshape(array.shape)


# --- Estimating the noise from the noisy image ----------------------------------------------------------------

def estimate_noise(images: np.ndarray) -> list[Noise]:
    """uint8 [N, 28, 28] (or one [28, 28]) -> a Noise per image, read from the image alone.

    - Gaussian sigma, from the flat ends: where the 5x5 median is 0 (background) or 255 (solid ink), a clean
      image is exactly 0 or 255, and clipped Gaussian noise moves about half of those pixels off the end by |n|,
      half-normal with scale sigma: sigma from the quartiles and median of the moved distances. When under a
      quarter moved, the image is clean there (sigma 0); a distance of 255 is an impulse, not Gaussian noise.
      Images with no flat end fall back to Donoho's estimate (median absolute diagonal difference / 0.6745) over
      the 2x2 blocks with no pixel at 0 or 255.
    - impulse share: salt shows as a 255 pixel in a dark neighbourhood (3x3 median below 128) and pepper as a 0
      pixel in a bright one, alone (no neighbour like it on two opposite sides, as a stroke has). There each pixel
      is one with chance impulse / 2: the count over both, less what clipped Gaussian noise of that sigma would
      put there, over the number of such pixels. An excess within chance (6 + 2 standard deviations of the
      Gaussian count) counts as none.
    """
    array = np.asarray(images)
    if array.dtype != np.uint8 or array.ndim not in (2, 3):
        raise InputError(f"images must be uint8 [N, 28, 28] or [28, 28], not {array.dtype} {list(array.shape)}")
    array = array[None] if array.ndim == 2 else array
    result = []
    for image in array.astype(np.float64):
        sigma = min(_estimate_sigma(image), MAX_SIGMA)
        result.append(Noise(sigma=sigma, impulse=min(_estimate_impulse(image, sigma), MAX_IMPULSE)))
    return result


def _window_median(image: np.ndarray, radius: int) -> np.ndarray:
    """Median of the (2 radius + 1)^2 window around each pixel, border replicated: [H, W] -> [H, W]."""
    padded = np.pad(image, radius, mode="edge")
    h, w = image.shape
    size = 2 * radius + 1
    return np.median(np.stack([padded[dy : dy + h, dx : dx + w] for dy in range(size) for dx in range(size)]), axis=0)


def _estimate_sigma(image: np.ndarray) -> float:
    around = _window_median(image, 2)
    moved = []
    for end in (0.0, 255.0):
        flat = around == end
        if flat.sum() >= 40:  # enough of a flat end to measure on
            distance = np.abs(image[flat] - end)
            moved.append(distance[distance < 255])  # an impulse of the other end is not Gaussian noise
    if moved:
        distance = np.concatenate(moved)
        if len(distance) == 0 or (distance >= 1).mean() < 0.25:
            return 0.0
        moved = distance[distance >= 1]
        # three quantiles of the half-normal |n| (at 25, 50 and 75%: 0.319, 0.674 and 1.150 sigma), averaged:
        # steadier than the median alone, and still blind to the few far values of an edge in the window
        return float(np.mean(np.quantile(moved, [0.25, 0.5, 0.75]) / [0.3186, 0.6745, 1.1503]))
    extreme = (image == 0) | (image == 255)
    blocks = ~(extreme[:-1, :-1] | extreme[1:, :-1] | extreme[:-1, 1:] | extreme[1:, 1:])
    if blocks.sum() < 8:
        return 0.0
    diagonal = (image[:-1, :-1] - image[1:, :-1] - image[:-1, 1:] + image[1:, 1:]) / 2
    return float(np.median(np.abs(diagonal[blocks])) / 0.6745)


def _estimate_impulse(image: np.ndarray, sigma: float) -> float:
    from math import erfc

    around = _window_median(image, 1)  # includes the pixel itself; with 9 values one impulse cannot move it
    padded = np.pad(image >= 128, 1, mode="edge")
    h, w = image.shape

    def bright(dy, dx):
        return padded[1 + dy : 1 + dy + h, 1 + dx : 1 + dx + w]

    # a pixel of a stroke has a neighbour like it on two opposite sides; a lone impulse rarely does
    pairs = [((-1, 0), (1, 0)), ((0, -1), (0, 1)), ((-1, -1), (1, 1)), ((-1, 1), (1, -1))]
    on_bright_stroke = np.any([bright(*a) & bright(*b) for a, b in pairs], axis=0)
    on_dark_stroke = np.any([~bright(*a) & ~bright(*b) for a, b in pairs], axis=0)
    # where each kind can be told from the image: salt in a dark neighbourhood and off bright strokes, pepper in a
    # bright one and off dark strokes. There, each pixel is at that end with chance impulse / 2 (pooled over both)
    count = expected = pixels = 0.0
    for where, end, gap in ((~on_bright_stroke & (around < 128), 255, 255 - around),
                            (~on_dark_stroke & (around >= 128), 0, around)):
        count += float((where & (image == end)).sum())
        pixels += float(where.sum())
        if sigma > 0:  # what clipped Gaussian noise alone would put at that end
            expected += sum(0.5 * erfc((g - 0.5) / (sigma * math.sqrt(2))) for g in gap[where])
    # only a clear excess counts as impulses (the corners of a clean stroke can pass for a few)
    if pixels < 20 or count - expected <= 6 + 2 * math.sqrt(expected):
        return 0.0
    return float(min(2 * (count - expected) / pixels, 1.0))


# --- Classical denoisers (evaluation only) ----------------------------------------------------------------------

CLASSICAL = ("median", "total variation", "non-local means", "wavelet")
# The settings best_classical tries for each method (intensities on a [0, 1] scale), around where each one's best
# lies for these noises. Non-local means also tries both of scikit-image's modes: the classic one is the better for
# Gaussian noise, the fast one for salt and pepper.
PARAMETER_GRID = {
    "median": [{"size": size} for size in (3, 5, 7)],  # window side in pixels
    "total variation": [{"weight": w} for w in (0.03, 0.05, 0.07, 0.1, 0.14, 0.2, 0.3, 0.4)],  # Chambolle's weight
    "non-local means": [{"h": h, "fast_mode": fast} for fast in (True, False)
                        for h in (0.08, 0.11, 0.14, 0.18, 0.23, 0.3, 0.38)],  # filter strength, 5x5 patches
    "wavelet": [{"sigma": s} for s in (0.05, 0.08, 0.11, 0.15, 0.2, 0.27, 0.35, 0.45)],  # noise level for BayesShrink
}


def _cycle_spin_workers() -> str:
    """scikit-image renamed cycle_spin's num_workers to workers (0.26 warns about the old name)."""
    import inspect

    from skimage.restoration import cycle_spin

    return "workers" if "workers" in inspect.signature(cycle_spin).parameters else "num_workers"


def classical_denoise(name: str, images: np.ndarray, parameter: dict) -> np.ndarray:
    """One classical method with its settings on uint8 [N, 28, 28] -> uint8 [N, 28, 28], image by image.

    median: SciPy's median_filter; total variation: denoise_tv_chambolle; non-local means: denoise_nl_means with
    5x5 patches searched 6 pixels around (most of a 28x28 image); wavelet: denoise_wavelet (Haar, 3 levels,
    BayesShrink, soft thresholds) averaged over the 9 shifts of up to 2 pixels (cycle spinning, which removes the
    blocky artefacts of a single decimated transform)."""
    from scipy.ndimage import median_filter
    from skimage.restoration import cycle_spin, denoise_nl_means, denoise_tv_chambolle, denoise_wavelet

    workers = {_cycle_spin_workers(): 1}

    def one(image: np.ndarray) -> np.ndarray:
        u = image.astype(np.float64) / 255.0
        if name == "median":
            return median_filter(u, size=parameter["size"], mode="reflect")
        if name == "total variation":
            return denoise_tv_chambolle(u, weight=parameter["weight"])
        if name == "non-local means":
            return denoise_nl_means(u, patch_size=5, patch_distance=6, **parameter)
        if name == "wavelet":
            return cycle_spin(u, denoise_wavelet, max_shifts=2, **workers,
                              func_kw=dict(sigma=parameter["sigma"], wavelet="db1", wavelet_levels=3, mode="soft",
                                           method="BayesShrink", rescale_sigma=True))
        raise ValueError(f"unknown classical method {name!r}; choose one of {', '.join(CLASSICAL)}")

    images = np.asarray(images, np.uint8)
    return np.stack([np.clip(np.rint(one(image) * 255), 0, 255).astype(np.uint8) for image in images])


def psnr(truth: np.ndarray, estimate: np.ndarray) -> float:
    """PSNR in dB of uint8 [N, 28, 28] images, over the mean squared error of all their pixels."""
    error = ((np.asarray(estimate, np.float64) - np.asarray(truth, np.float64)) / 255.0) ** 2
    return float(10 * np.log10(1 / max(float(error.mean()), 1e-10)))


def best_classical(name: str, clean: np.ndarray, noisy: np.ndarray) -> tuple[str, np.ndarray]:
    """The oracle: `name` run with each of its settings, the one with the best PSNR against the clean images kept.
    -> (the settings as text, denoised uint8 [N, 28, 28])."""
    best = None
    for parameter in PARAMETER_GRID[name]:
        out = classical_denoise(name, noisy, parameter)
        score = psnr(clean, out)
        if best is None or score > best[0]:
            best = (score, parameter, out)
    return ", ".join(f"{key} {value}" for key, value in best[1].items()), best[2]


def median_filter(image: np.ndarray, size: int = 3) -> np.ndarray:
    """Pillow's median filter on one uint8 [28, 28] image -> uint8 [28, 28]: the classical method the app shows
    beside the model (Pillow is a run-time dependency; SciPy and scikit-image are not)."""
    from PIL import Image, ImageFilter

    return np.asarray(Image.fromarray(np.asarray(image, np.uint8), mode="L").filter(ImageFilter.MedianFilter(size)))
