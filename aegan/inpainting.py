"""Mask sets and classical inpainting baselines, for measuring `aegan.repair` fairly.

Masks are uint8 [N, 28, 28] with 1 = missing pixel (the file contract), drawn deterministically from a
seed, in four kinds:

- "centre":    a 14x14 square in the middle (a quarter of the image)
- "half":      the top, bottom, left or right half, side drawn at random
- "brush":     a thick random polyline, like a stroke painted with a brush
- "scattered": a dozen small square blocks at random places

Baselines work on uint8 [N, 28, 28] images and return uint8 [N, 28, 28] with every known pixel kept,
exactly like the model's repair, so all are scored by the same code. scikit-image and OpenCV are only
needed for evaluation (requirements-dev.txt), so they are imported inside the functions.
"""

from __future__ import annotations

import numpy as np

SIZE = 28
MASK_KINDS = ("centre", "half", "brush", "scattered")
BASELINES = ("mean fill", "biharmonic", "telea")


def make_masks(kind: str, n: int, seed: int = 0) -> np.ndarray:
    """n masks of one kind -> uint8 [n, 28, 28], 1 = missing. Same kind, n and seed: same masks."""
    if kind not in MASK_KINDS:
        raise ValueError(f"unknown mask kind {kind!r}; choose one of {', '.join(MASK_KINDS)}")
    rng = np.random.default_rng([seed, MASK_KINDS.index(kind)])
    draw = {"centre": _centre, "half": _half, "brush": _brush, "scattered": _scattered}[kind]
    return np.stack([draw(rng) for _ in range(n)]).astype(np.uint8) if n else np.zeros((0, SIZE, SIZE), np.uint8)


def _centre(rng: np.random.Generator) -> np.ndarray:
    mask = np.zeros((SIZE, SIZE), bool)
    mask[7:21, 7:21] = True
    return mask


def _half(rng: np.random.Generator) -> np.ndarray:
    mask = np.zeros((SIZE, SIZE), bool)
    side = rng.integers(4)
    if side == 0:
        mask[: SIZE // 2] = True  # top
    elif side == 1:
        mask[SIZE // 2 :] = True  # bottom
    elif side == 2:
        mask[:, : SIZE // 2] = True  # left
    else:
        mask[:, SIZE // 2 :] = True  # right
    return mask


def _brush(rng: np.random.Generator) -> np.ndarray:
    """A polyline through 3 to 5 random points, 3 to 5 pixels thick (pixels within a radius of a segment)."""
    points = rng.uniform(3, SIZE - 3, size=(rng.integers(3, 6), 2))
    radius = rng.uniform(1.5, 2.5)
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64)
    pixels = np.stack([yy, xx], axis=-1)  # [28, 28, 2]
    mask = np.zeros((SIZE, SIZE), bool)
    for a, b in zip(points[:-1], points[1:]):
        ab = b - a
        t = np.clip(((pixels - a) @ ab) / max(ab @ ab, 1e-9), 0, 1)  # projection onto the segment
        distance = np.linalg.norm(pixels - (a + t[..., None] * ab), axis=-1)
        mask |= distance <= radius
    return mask


def _scattered(rng: np.random.Generator) -> np.ndarray:
    mask = np.zeros((SIZE, SIZE), bool)
    for _ in range(12):
        side = rng.integers(2, 5)
        top, left = rng.integers(0, SIZE - side + 1, size=2)
        mask[top : top + side, left : left + side] = True
    return mask


# --- Classical baselines ---------------------------------------------------------------------------

def mean_fill(images: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """Fill each hole with the mean of that image's known pixels (0 when nothing is known)."""
    images, holes = np.asarray(images, np.uint8), np.asarray(masks).astype(bool)
    known = ~holes
    counts = known.sum(axis=(1, 2))
    means = np.where(counts > 0, (images * known).sum(axis=(1, 2)) / np.maximum(counts, 1), 0.0)
    filled = np.broadcast_to(np.rint(means)[:, None, None], images.shape).astype(np.uint8)
    return np.where(holes, filled, images)


def biharmonic(images: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """scikit-image `inpaint_biharmonic`, one image at a time."""
    from skimage.restoration import inpaint_biharmonic

    images, holes = np.asarray(images, np.uint8), np.asarray(masks).astype(bool)
    out = images.copy()
    for i, (image, hole) in enumerate(zip(images, holes)):
        if hole.any() and not hole.all():
            filled = inpaint_biharmonic(image.astype(np.float64) / 255.0, hole)
            out[i] = np.where(hole, np.clip(np.rint(filled * 255), 0, 255), image).astype(np.uint8)
        elif hole.all():
            out[i] = 0
    return out


def telea(images: np.ndarray, masks: np.ndarray, radius: int = 3) -> np.ndarray:
    """OpenCV's fast-marching inpainting (Telea 2004), one image at a time."""
    import cv2

    images, holes = np.asarray(images, np.uint8), np.asarray(masks).astype(bool)
    out = images.copy()
    for i, (image, hole) in enumerate(zip(images, holes)):
        if hole.any():
            filled = cv2.inpaint(np.ascontiguousarray(image), hole.astype(np.uint8), radius, cv2.INPAINT_TELEA)
            out[i] = np.where(hole, filled, image)
    return out


def run_baseline(name: str, images: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """Dispatch by name (one of BASELINES): uint8 [N,28,28] images and masks -> uint8 [N,28,28]."""
    functions = {"mean fill": mean_fill, "biharmonic": biharmonic, "telea": telea}
    if name not in functions:
        raise ValueError(f"unknown baseline {name!r}; choose one of {', '.join(BASELINES)}")
    return functions[name](images, masks)


# --- Scores ------------------------------------------------------------------------------------------

def score(truth: np.ndarray, repaired: np.ndarray, masks: np.ndarray) -> dict[str, float]:
    """PSNR and SSIM of repaired against truth (uint8 [N, 28, 28]), inside the hole and over the image.

    PSNR pools the squared error of all pixels concerned over all images (the dataset-level figure, as
    in `aegan.metrics.mean_psnr`). SSIM is scikit-image's (7x7 uniform window): whole = the mean of
    each image's SSIM, hole = the SSIM map averaged over hole pixels, then over images. `hole_mse` lets
    callers pool several mask kinds.
    """
    from skimage.metrics import structural_similarity

    truth, repaired = np.asarray(truth, np.float64), np.asarray(repaired, np.float64)
    holes = np.asarray(masks).astype(bool)
    squared = ((repaired - truth) / 255.0) ** 2
    hole_mse, whole_mse = float(squared[holes].mean()), float(squared.mean())
    whole_ssim, hole_ssim = [], []
    for a, b, hole in zip(truth, repaired, holes):
        mean, ssim_map = structural_similarity(a, b, data_range=255.0, full=True)
        whole_ssim.append(mean)
        if hole.any():
            hole_ssim.append(ssim_map[hole].mean())
    return {"hole_psnr": psnr_from_mse(hole_mse), "hole_ssim": float(np.mean(hole_ssim)), "hole_mse": hole_mse,
            "whole_psnr": psnr_from_mse(whole_mse), "whole_ssim": float(np.mean(whole_ssim))}


def psnr_from_mse(mse: float) -> float:
    """PSNR in dB of a mean squared error measured on [0, 1] pixel values."""
    return float(10 * np.log10(1 / max(mse, 1e-10)))
