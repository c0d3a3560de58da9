"""Pictures in and out of the page: user images made 28x28, model images made crisp and big, the walk's
frames as PNG data: URLs for the page, the GIF file, and the test images shipped with the app.

Pixel conversions themselves live in aegan.images (the one place that converts ranges); this module only
decides how big things are shown and in which container.
"""

from __future__ import annotations

import base64
import functools
import io
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
from PIL import Image

from aegan.errors import InputError
from aegan.images import INK_THRESHOLD  # below it, a prepared image is blank (no torch: aegan.images imports it lazily)

from .loading import check_dataset
from .requests import read_editor, read_image_file

EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"
SCALE = 8  # 28 px -> 224 px on screen, upscaled with nearest-neighbour so pixels stay crisp
THUMB_SCALE = 4  # gallery thumbnails and strips: 112 px
GIF_DIR = Path(tempfile.gettempdir()) / "aegan-studio"
GIF_KEEP_S = 3600


# --- user images -> uint8 [28, 28] -------------------------------------------------------------------------

def read_image(image: Image.Image | None) -> tuple[np.ndarray, list[str]] | None:
    """An opened upload -> (uint8 [28, 28], notes on what was converted), or None when there is no ink."""
    if image is None:
        return None
    from aegan.images import prepare_image

    picture, notes = prepare_image(image)
    return (picture, notes) if picture.max() >= INK_THRESHOLD else None


def exact_pixels(picture: Image.Image) -> np.ndarray | None:
    """uint8 [28, 28] when `picture` is a gray 28x28 image, or one enlarged a whole number of times with
    nearest-neighbour (as the app draws its pictures and its downloads are), opaque; else None. Such a picture is
    taken back pixel for pixel, not resampled: resampling would blur what the model must see (noise, a mask's
    edge)."""
    if picture.width != picture.height or picture.width % 28 or picture.mode not in ("L", "RGB", "RGBA", "P"):
        return None
    if picture.mode == "RGBA" and np.asarray(picture)[..., 3].min() < 255:
        return None
    rgb = np.asarray(picture.convert("RGB"))
    k = picture.width // 28
    small = rgb[k // 2 :: k, k // 2 :: k]
    gray = small[..., 0]
    if not (small == gray[..., None]).all() or not np.array_equal(rgb, small.repeat(k, 0).repeat(k, 1)):
        return None
    return gray.copy()


def read_drawing(value: dict | None) -> tuple[np.ndarray, list[str]] | None:
    """A read sketchpad value -> (uint8 [28, 28], []), or None when nothing is drawn. No notes: flattening,
    inverting and shrinking the canvas is expected, not news."""
    if value is None:
        return None
    read = read_image(value["composite"] if value["composite"] is not None else value["background"])
    return None if read is None else (read[0], [])


ASK_FOR = {"drawing": "draw on the sketchpad", "upload": "upload an image"}  # what an empty chosen input needs


def read_chosen(source: str, drawing, picture, drawing_label: str, picture_label: str):
    """The input the user chose, read: (uint8 [28, 28], notes) for a "drawing" or an "upload" with ink in it, else
    None (any other source, or nothing there yet). Only the chosen input is opened: Gradio deletes uploads after an
    hour (delete_cache), and a stale sketch or upload must not stop a seed or a test image from being read."""
    if source == "drawing":
        return read_drawing(read_editor(drawing, drawing_label))
    if source == "upload":
        return read_image(read_image_file(picture, picture_label))
    return None


def editor_mask(value: dict | None) -> np.ndarray | None:
    """The painted mask of a read editor value: bool [H, W] (True = painted = missing), or None."""
    painted = None
    for layer in (value or {}).get("layers", []):
        alpha = np.asarray(layer.convert("RGBA"))[..., 3] > 0  # what the brush touched
        if painted is None:
            painted = alpha
        elif painted.shape == alpha.shape:
            painted |= alpha
        else:
            raise InputError("the mask layers have different sizes; paint on one layer")
    return painted


# --- model images -> what the page shows -------------------------------------------------------------------

def show(image: np.ndarray, scale: int = SCALE) -> Image.Image:
    """uint8 [28, 28] -> PIL image upscaled with nearest-neighbour."""
    from aegan.images import to_pil

    return to_pil(image, scale)


def show_batch(x, scale: int = THUMB_SCALE) -> list[Image.Image]:
    """Model images x [N, 1, 28, 28] in [-1, 1] -> N crisp PIL images."""
    from aegan.images import to_uint8

    return [show(image, scale) for image in to_uint8(x)]


def show_strip(images: np.ndarray, scale: int = 3) -> Image.Image:
    """uint8 [N, 28, 28] -> one row, N wide."""
    from aegan.images import make_grid

    return show(make_grid(images, columns=len(images)), scale)


def show_mask(image: np.ndarray, hole: np.ndarray, scale: int = SCALE) -> Image.Image:
    """uint8 [28, 28] and bool hole [28, 28] -> RGB picture with the hole in red (what the model cannot see)."""
    rgb = np.repeat(np.asarray(image, np.uint8)[..., None], 3, axis=2)
    rgb[hole] = (200, 40, 40)
    pil = Image.fromarray(rgb, mode="RGB")
    return pil.resize((pil.width * scale, pil.height * scale), Image.NEAREST)


# A 1x1 transparent GIF: what an <img> of a streamed grid or a film shows before its first frame.
BLANK = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"


def png_data_url(image: np.ndarray) -> str:
    """uint8 [28, 28] -> 'data:image/png;base64,...' at 28x28 (the page scales it up with pixelated CSS)."""
    buffer = io.BytesIO()
    Image.fromarray(np.asarray(image, np.uint8), mode="L").save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def write_gif(frames: np.ndarray, frame_ms: int = 80) -> str:
    """uint8 [T, 28, 28] -> path of an endlessly looping GIF in the app's temp folder (kept an hour)."""
    from aegan.images import save_gif

    GIF_DIR.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for old in GIF_DIR.glob("*.gif"):
        if now - old.stat().st_mtime > GIF_KEEP_S:
            old.unlink(missing_ok=True)
    path = GIF_DIR / f"walk-{uuid.uuid4().hex[:12]}.gif"
    save_gif(frames, path, scale=THUMB_SCALE, frame_ms=frame_ms)
    return str(path)


# --- examples shipped with the app (the app never needs the datasets) ------------------------------------

@functools.cache
def examples(dataset: str) -> tuple[np.ndarray, np.ndarray]:
    """12 test images of the dataset: (uint8 [12, 28, 28], labels int64 [12]) from ui/examples/."""
    with np.load(EXAMPLES_DIR / f"{check_dataset(dataset)}.npz") as data:
        return data["images"], data["labels"]
