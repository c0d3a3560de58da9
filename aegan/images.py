"""The one place that converts between image representations.

- file/API arrays: uint8 [N, 28, 28], 0 = background, 255 = ink (the MNIST convention)
- model tensors:   float [N, 1, 28, 28] in [-1, 1], -1 = background
- display:         PIL images, upscaled with nearest-neighbour so pixels stay crisp
- user files:      their size read from the header and checked before any pixel is decoded (`check_image_file`)
- callers' tensors: `check_images` and `check_masks`, the shape and finiteness rules of the pipeline functions

Importing this module does not import torch (the app's first page is served before torch loads); the
tensor functions import it when called.
"""

from __future__ import annotations

import io
import os
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import InputError

if TYPE_CHECKING:
    import torch

IMAGE_SIZE = 28
MAX_UPLOAD_PIXELS = 4096 * 4096  # larger uploads are refused rather than decoded (decompression bombs)
# Pillow's own guard, for every image this process opens: it warns above this many pixels and refuses
# (DecompressionBombError) above twice as many, at open(), before decoding. Its default is about 89M.
Image.MAX_IMAGE_PIXELS = MAX_UPLOAD_PIXELS
# What can go wrong decoding a file a user sent (truncated data, a bad header, an unknown format).
DECODE_ERRORS = (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, SyntaxError, EOFError)
NOT_AN_IMAGE = "that file is not an image this app can read; upload a PNG, JPEG or WebP"
DAMAGED = "that file is damaged or cut short, so it is not an image this app can read; save it again and re-upload it"
MASK_NOT_FINITE = "the mask contains NaN or infinite values"
INK_THRESHOLD = 24  # a prepared 28x28 image whose brightest pixel is below this is blank (nothing drawn)


def to_tensor(images: np.ndarray, device: torch.device | str = "cpu") -> torch.Tensor:
    """uint8 [N, 28, 28] -> float [N, 1, 28, 28] in [-1, 1]."""
    import torch

    array = np.asarray(images)
    if array.ndim == 2:
        array = array[None]
    x = torch.as_tensor(array, dtype=torch.float32, device=device)
    return (x / 127.5 - 1.0).unsqueeze(1)


def to_uint8(x: torch.Tensor) -> np.ndarray:
    """float [N, 1, 28, 28] in [-1, 1] -> uint8 [N, 28, 28] (values outside [-1, 1] are clipped, NaN is
    background)."""
    import torch

    x = torch.nan_to_num(x.detach().float(), nan=-1.0).clamp(-1, 1).squeeze(1)
    return ((x + 1.0) * 127.5).round().to(torch.uint8).cpu().numpy()


def check_images(x: torch.Tensor) -> torch.Tensor:
    """Model images from a caller -> float x [N, 1, 28, 28], or an InputError for another shape or NaN/infinity.

    Values are not clipped: the model's range is [-1, 1], and to_tensor gives exactly that.
    """
    import torch

    if x.ndim != 4 or x.shape[1:] != (1, IMAGE_SIZE, IMAGE_SIZE):
        raise InputError(f"images must be a tensor [B, 1, 28, 28], not {list(x.shape)}")
    if not torch.isfinite(x).all():
        raise InputError("images contain NaN or infinite values")
    return x.float()


def check_masks(mask: torch.Tensor, shape: torch.Size) -> torch.Tensor:
    """Masks for images of `shape` -> float [N, 1, 28, 28] of 0/1, 1 = missing (above 0.5 counts as missing)."""
    import torch

    if mask.shape != shape:
        raise InputError(f"mask shape {list(mask.shape)} does not match the images' {list(shape)}")
    if not torch.isfinite(mask.float()).all():
        raise InputError(MASK_NOT_FINITE)
    return (mask > 0.5).float()


def to_pil(image: np.ndarray, scale: int = 1) -> Image.Image:
    """uint8 [H, W] -> grayscale PIL image, upscaled `scale` times with nearest-neighbour."""
    pil = Image.fromarray(np.asarray(image, dtype=np.uint8), mode="L")
    if scale > 1:
        pil = pil.resize((pil.width * scale, pil.height * scale), Image.NEAREST)
    return pil


def make_grid(images: np.ndarray, columns: int = 10, padding: int = 2, background: int = 0) -> np.ndarray:
    """uint8 [N, h, w] -> one uint8 [H, W] mosaic, row-major, `columns` wide."""
    images = np.asarray(images, dtype=np.uint8)
    n, h, w = images.shape
    columns = max(1, min(columns, n))
    rows = -(-n // columns)
    canvas = np.full((rows * (h + padding) + padding, columns * (w + padding) + padding), background, np.uint8)
    for i, image in enumerate(images):
        r, c = divmod(i, columns)
        top, left = padding + r * (h + padding), padding + c * (w + padding)
        canvas[top : top + h, left : left + w] = image
    return canvas


def check_image_size(width: int, height: int) -> None:
    """Refuse an image with no pixels or more than MAX_UPLOAD_PIXELS, from its size alone (nothing decoded)."""
    if width <= 0 or height <= 0:
        raise InputError("the image is empty (0 pixels)")
    if width * height > MAX_UPLOAD_PIXELS:
        raise InputError(f"the image is {width}x{height} pixels and the limit is {MAX_UPLOAD_PIXELS:,} (4096x4096); "
                         "send a smaller one")


def check_image_file(source: str | os.PathLike | bytes) -> tuple[int, int]:
    """A user's image file (a path, or the file's bytes) -> its (width, height), read from the header only.

    Raises InputError for a file that is not an image, or one whose size check_image_size refuses, before
    any pixel is decoded: a 100 kB PNG can declare 100000x100000 pixels (a decompression bomb).
    """
    try:
        with Image.open(io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source) as image:
            size = image.size
    except Image.DecompressionBombError:
        raise InputError(f"the image has more than {2 * MAX_UPLOAD_PIXELS:,} pixels and the limit is "
                         f"{MAX_UPLOAD_PIXELS:,} (4096x4096); send a smaller one") from None
    except FileNotFoundError:
        raise InputError("the image file is missing on the server; upload it again") from None
    except DECODE_ERRORS:
        raise InputError(NOT_AN_IMAGE) from None
    check_image_size(*size)
    return size


def prepare_image(image: Image.Image | np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Any user image -> (uint8 [28, 28] with 0 = background, notes on what was changed).

    Handles RGB(A), palette, 16-bit and float arrays, any size up to MAX_UPLOAD_PIXELS: transparency is
    flattened onto the background, colour becomes gray, a light background is inverted to the
    dark-background convention, and the image is resized to 28x28. Each change is described in `notes` so
    a UI can say so. Anything unusable (too large, empty, damaged, NaN) raises InputError.
    """
    if isinstance(image, np.ndarray):
        image = _array_to_pil(image)
    if not isinstance(image, Image.Image):
        raise InputError(f"expected an image, got {type(image).__name__}")
    check_image_size(image.width, image.height)  # before decoding: a lazily opened file is still unread here
    try:
        image.load()
    except DECODE_ERRORS:
        raise InputError(DAMAGED) from None
    image, notes = _upright(image)
    try:
        array, more_notes = _to_gray(image)
        return array, notes + more_notes
    except InputError:
        raise
    except (ValueError, OSError, TypeError):  # a mode Pillow cannot convert (LAB, premultiplied alpha, ...)
        raise InputError(f"images in Pillow's {image.mode!r} mode cannot be read; send an RGB, RGBA or "
                         "grayscale image") from None


def read_image_file(path: str | os.PathLike) -> tuple[np.ndarray, list[str]]:
    """An image file on disk -> (uint8 [28, 28], notes), converted as the app converts an upload: its size read
    from the header first (check_image_file), then prepare_image. InputError for anything that is not a usable
    image: not an image, damaged, too large, a mode Pillow cannot convert, or blank (no ink after conversion)."""
    check_image_file(path)
    try:
        with Image.open(path) as image:
            picture, notes = prepare_image(image)
    except InputError:
        raise
    except DECODE_ERRORS:
        raise InputError(DAMAGED) from None
    if picture.max() < INK_THRESHOLD:
        raise InputError("the image is blank once made 28x28 (nothing drawn on it)")
    return picture, notes


def _upright(image: Image.Image) -> tuple[Image.Image, list[str]]:
    """A phone photo stores its pixels as the sensor saw them plus an EXIF orientation tag, which browsers
    obey: turn the pixels the way the user sees them, or E reads a sideways digit. (Gradio already turns the
    app's uploads; this is for images handed to the library directly.)"""
    try:
        orientation = image.getexif().get(0x0112, 1)  # EXIF Orientation: 1 = upright, 2-8 = turn and/or flip
    except DECODE_ERRORS:  # a damaged EXIF block: the pixels are still there
        return image, []
    if orientation not in range(2, 9):
        return image, []
    return ImageOps.exif_transpose(image), ["turned upright, as its EXIF orientation says"]


def _to_gray(image: Image.Image) -> tuple[np.ndarray, list[str]]:
    """A decoded PIL image of any mode -> (uint8 [28, 28], 0 = background; notes)."""
    notes: list[str] = []
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        alpha = np.asarray(rgba)[..., 3]
        if alpha.min() < 255:
            # Transparent pixels are background; what is drawn on them decides the ink colour below.
            gray = np.asarray(rgba.convert("L"), dtype=np.float32)
            if alpha.max() == 0:
                gray = np.zeros_like(gray)
            else:
                ink_is_dark = gray[alpha > 0].mean() < 128
                background = 255.0 if ink_is_dark else 0.0
                gray = gray * (alpha / 255.0) + background * (1 - alpha / 255.0)
            image = Image.fromarray(gray.round().astype(np.uint8), mode="L")
            notes.append("transparency flattened")
    if image.mode.startswith("I") or image.mode == "F":  # I, I;16, I;16B, I;16L, I;16N, F
        array = np.asarray(image.convert("F") if image.mode.startswith("I;16") else image, dtype=np.float64)
        image = _array_to_pil(array)
        notes.append("high bit-depth image scaled to 8 bits")
    if image.mode != "L":
        if image.mode not in ("1",):
            notes.append(f"{image.mode} converted to grayscale")
        image = image.convert("L")

    array = np.asarray(image, dtype=np.uint8)
    border = np.concatenate([array[0], array[-1], array[:, 0], array[:, -1]])
    if border.mean() > 127:
        image = ImageOps.invert(image)
        notes.append("light background inverted (models expect light ink on dark)")
    if image.size != (IMAGE_SIZE, IMAGE_SIZE):
        notes.append(f"resized from {image.width}x{image.height} to 28x28")
        image = _fit_square(image)
    return np.asarray(image, dtype=np.uint8).copy(), notes


def _fit_square(image: Image.Image) -> Image.Image:
    """Pad to a square on the background, then resize to 28x28 with antialiasing."""
    side = max(image.size)
    square = Image.new("L", (side, side), 0)
    square.paste(image, ((side - image.width) // 2, (side - image.height) // 2))
    return square.resize((IMAGE_SIZE, IMAGE_SIZE), Image.LANCZOS)


def _array_to_pil(array: np.ndarray) -> Image.Image:
    array = np.asarray(array)
    if array.dtype.kind not in "biuf":
        raise InputError(f"an image array must hold numbers, not {array.dtype}")
    if array.dtype == bool:
        array = array.astype(np.uint8) * 255
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[-1] not in (3, 4)):
        raise InputError(f"expected an image array [H, W] or [H, W, 3|4], got shape {list(array.shape)}")
    if array.size == 0:
        raise InputError("the image is empty (0 pixels)")
    check_image_size(array.shape[1], array.shape[0])
    if array.dtype != np.uint8:
        values = array.astype(np.float64)
        if not np.isfinite(values).all():
            raise InputError("image contains NaN or infinite values")
        low, high = values.min(), values.max()
        if low >= 0 and high <= 1:
            values = values * 255
        elif high > 255 or low < 0:
            values = (values - low) / max(high - low, 1e-12) * 255
        array = values.round().astype(np.uint8)
    return Image.fromarray(array)


def mask_to_tensor(masks: np.ndarray, device: torch.device | str = "cpu") -> torch.Tensor:
    """Masks uint8/bool [N, 28, 28] or [28, 28], nonzero = missing -> float [N, 1, 28, 28] of 0/1."""
    import torch

    array = np.asarray(masks)
    if array.ndim == 2:
        array = array[None]
    return torch.as_tensor(array != 0, dtype=torch.float32, device=device).unsqueeze(1)


def prepare_mask(mask: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Any user mask -> (bool [28, 28], True = missing; notes on what was changed).

    Accepts bool, integer (nonzero = missing) or float (above 0.5 = missing) arrays [H, W], [1, H, W] or
    [H, W, 1]; another size is resized with nearest-neighbour (so it stays a clean 0/1 mask).
    """
    if isinstance(mask, Image.Image):
        mask = np.asarray(mask.convert("L"))
    array = np.asarray(mask)
    notes: list[str] = []
    if array.ndim == 3 and 1 in (array.shape[0], array.shape[-1]):
        array = array.reshape(array.shape[1:] if array.shape[0] == 1 else array.shape[:2])
    if array.ndim != 2:
        raise InputError(f"a mask must be a 2-D array [H, W], not shape {list(array.shape)}")
    if array.size == 0:
        raise InputError("the mask is empty (0 pixels)")
    if array.dtype == bool:
        hole = array
    elif np.issubdtype(array.dtype, np.integer):
        hole = array != 0
    elif np.issubdtype(array.dtype, np.floating):
        if not np.isfinite(array).all():
            raise InputError(MASK_NOT_FINITE)
        hole = array > 0.5
        notes.append("mask of floats read as missing where above 0.5")
    else:
        raise InputError(f"a mask must hold numbers or booleans, not {array.dtype}")
    if hole.shape != (IMAGE_SIZE, IMAGE_SIZE):
        notes.append(f"mask resized from {hole.shape[1]}x{hole.shape[0]} to 28x28 (nearest neighbour)")
        pil = Image.fromarray(hole.astype(np.uint8) * 255, mode="L").resize((IMAGE_SIZE, IMAGE_SIZE), Image.NEAREST)
        hole = np.asarray(pil) > 127
    return hole.copy(), notes


def save_gif(frames: np.ndarray, path, *, scale: int = 4, frame_ms: int = 80) -> None:
    """uint8 [T, 28, 28] -> an endlessly looping GIF at `path` (a file name or a binary file), upscaled crisply.

    The one GIF writer of the project (the CLI's walks and the app's export). `frame_ms` is each frame's
    duration; loop=0 makes viewers repeat the animation forever.
    """
    frames = np.asarray(frames)
    if frames.ndim != 3 or not frames.shape[0] or frames.dtype != np.uint8:
        raise InputError(f"GIF frames must be uint8 [T, H, W] with T >= 1, not {frames.dtype} {list(frames.shape)}")
    images = [to_pil(frame, scale) for frame in frames]
    images[0].save(path, format="GIF", save_all=True, append_images=images[1:], duration=frame_ms, loop=0)
