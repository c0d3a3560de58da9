"""What every tab shares: the device, the one cached model loader, shared controls, examples, display
helpers and the error translation each callback goes through.

Fast start: this module does not import torch. The `aegan` modules that need it are imported inside
functions, and `start_warm_up()` imports them, picks the device and loads the models in a background
thread right after launch, so the first page is served while torch is still loading.
"""

from __future__ import annotations

import functools
import logging
import os
import tempfile
import threading
import time
import uuid
from pathlib import Path

import gradio as gr
import numpy as np
from PIL import Image, UnidentifiedImageError

from aegan.data import CLASS_NAMES  # numpy only, no torch
from aegan.errors import CheckpointError, InputError

try:  # ZeroGPU on Hugging Face Spaces: the GPU is attached only inside functions decorated with it
    import spaces

    gpu = spaces.GPU
except ImportError:  # anywhere else the decorator does nothing

    def gpu(fn=None, **_options):
        return fn if fn is not None else (lambda f: f)


log = logging.getLogger("aegan.app")

REPO_ROOT = Path(__file__).resolve().parents[1]
EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"
DATASETS = [("Fashion-MNIST", "fashion-mnist"), ("MNIST", "mnist")]  # (label, value) for gr.Radio
DEFAULT_DATASET = "fashion-mnist"
SCALE = 8  # 28 px -> 224 px on screen, upscaled with nearest-neighbour so pixels stay crisp
THUMB_SCALE = 4  # gallery thumbnails and strips: 112 px
SEED_MAX = 2**31 - 1
MAX_COUNT = 64  # images per request in the sampler and text tabs
CANVAS = 280  # drawing canvases are 10x the model's 28x28
INK_THRESHOLD = 24  # a prepared 28x28 image whose brightest pixel is below this counts as empty
TEXT_ENCODER_WAIT_S = 120  # how long a text request waits for the background load of the text encoder

# Concurrency, on purpose (Gradio's default is 1 per event): live slider frames are tiny (one 28x28 image),
# so several run at once; heavier jobs (grids, repair's optimisation, GIFs) share two slots so a burst of
# users cannot starve the sliders. The queue itself is bounded in app.py.
LIVE = dict(concurrency_id="live", concurrency_limit=4)
HEAVY = dict(concurrency_id="heavy", concurrency_limit=2)
LIGHT = dict(concurrency_id="light", concurrency_limit=8)

CSS = """
.pixels img, .pixels canvas { image-rendering: pixelated; }
.explain { font-size: 0.95em; opacity: 0.9; }
.footer-note { font-size: 0.85em; opacity: 0.75; }
"""


# --- errors --------------------------------------------------------------------------------------------

def sentence(error: BaseException | str) -> str:
    """An error message as one sentence: capitalised, ending with a full stop."""
    text = " ".join(str(error).split()) or "Something went wrong"
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def friendly(fn):
    """Turn what a user can cause (InputError, CheckpointError) into a gr.Error with one clear sentence,
    and anything else into a short apology (the traceback goes to the server log); the app keeps serving."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except gr.Error:
            raise
        except (InputError, CheckpointError) as error:
            raise gr.Error(sentence(error)) from None
        except Exception:
            log.exception("%s failed", fn.__name__)
            raise gr.Error("Something unexpected went wrong (the details are in the server log); "
                           "please try again.") from None

    return wrapper


# --- device and models ---------------------------------------------------------------------------------

def checkpoint_root() -> Path:
    """Where the models are: $AEGAN_CHECKPOINTS, else <repo>/checkpoints."""
    return Path(os.environ.get("AEGAN_CHECKPOINTS") or REPO_ROOT / "checkpoints")


def check_dataset(dataset: str) -> str:
    if dataset not in CLASS_NAMES or dataset == "synthetic":
        raise InputError(f"unknown dataset {dataset!r}; choose fashion-mnist or mnist")
    return dataset


def checkpoint_dir(dataset: str, kind: str = "cgan") -> Path:
    """kind: 'cgan' (class-conditional: explorer, sampler, repair, style) or 'text2img'."""
    return checkpoint_root() / f"{check_dataset(dataset)}-{kind}"


def has_checkpoint(dataset: str, kind: str = "cgan") -> bool:
    return (checkpoint_dir(dataset, kind) / "config.json").is_file()


@functools.cache
def device():
    """The one device choice (CUDA, then MPS, then CPU; $AEGAN_DEVICE overrides), made once."""
    from aegan.devices import pick_device

    return pick_device(os.environ.get("AEGAN_DEVICE", "auto"))


_load_lock = threading.Lock()
_models: dict[tuple[str, str], object] = {}
_directions: dict[str, object] = {}


def get_model(dataset: str, kind: str = "cgan"):
    """The model for a dataset, loaded once, moved to the device once, shared read-only by all users."""
    key = (check_dataset(dataset), kind)
    if key in _models:
        return _models[key]
    with _load_lock:
        if key not in _models:
            folder = checkpoint_dir(dataset, kind)
            if kind == "text2img" and not folder.is_dir():
                raise CheckpointError(f"no text-to-image model for {label_of(dataset)} is installed "
                                      f"({folder.name} is missing from the checkpoints folder)")
            from aegan.models import load_model

            started = time.perf_counter()
            model = load_model(folder, device())
            model.requires_grad_(False)  # read-only: requests never train the shared model
            _models[key] = model
            log.info("loaded %s on %s in %.2f s", folder, device(), time.perf_counter() - started)
    return _models[key]


def get_directions(dataset: str):
    """The main latent directions shipped beside the class-conditional model, or None."""
    if dataset not in _directions:
        from aegan.latent import load_directions

        _directions[dataset] = load_directions(checkpoint_dir(dataset, "cgan"))
    return _directions[dataset]


def class_names(dataset: str) -> list[str]:
    return list(CLASS_NAMES[check_dataset(dataset)])


def label_of(dataset: str) -> str:
    return dict((value, label) for label, value in DATASETS).get(dataset, dataset)


# --- the text encoder (slow to load: in the background after launch) ----------------------------------

_text_ready = threading.Event()
_text_lock = threading.Lock()


def text_module():
    """aegan.text, or an InputError saying why text to image is unavailable."""
    try:
        import aegan.text as text
    except ModuleNotFoundError as error:
        if error.name == "aegan.text":
            raise InputError("text to image is not part of this build yet (the aegan.text module is missing)") from None
        raise InputError(f"text to image needs the Python package {error.name!r}, which is not installed") from None
    return text


def ensure_text_encoder(wait_s: float = TEXT_ENCODER_WAIT_S):
    """Load the sentence encoder once (a few seconds); other callers wait for the first."""
    text = text_module()
    if _text_ready.is_set():
        return text
    if not _text_lock.acquire(timeout=wait_s):
        raise InputError("the text encoder is still loading; try again in a few seconds")
    try:
        if not _text_ready.is_set():
            started = time.perf_counter()
            text.load_text_encoder()
            _text_ready.set()
            log.info("text encoder loaded in %.1f s", time.perf_counter() - started)
    finally:
        _text_lock.release()
    return text


def warm_up() -> None:
    """Import torch and aegan, pick the device, load every shipped model, then the text encoder."""
    started = time.perf_counter()
    try:
        device()
        for _, dataset in DATASETS:
            if has_checkpoint(dataset, "cgan"):
                get_model(dataset, "cgan")
                get_directions(dataset)
            if has_checkpoint(dataset, "text2img"):
                get_model(dataset, "text2img")
        log.info("models ready in %.1f s", time.perf_counter() - started)
        if any(has_checkpoint(dataset, "text2img") for _, dataset in DATASETS):
            ensure_text_encoder()
    except Exception as error:  # a broken checkpoint shows up (as gr.Error) when a tab uses it
        log.warning("warm-up stopped: %s", sentence(error))


def start_warm_up() -> threading.Thread:
    thread = threading.Thread(target=warm_up, name="aegan-warm-up", daemon=True)
    thread.start()
    return thread


def describe_device() -> str:
    """The footer: where the models run."""
    from aegan.devices import describe_device as describe

    root = checkpoint_root()
    try:
        shown = root.resolve().relative_to(REPO_ROOT)
    except ValueError:
        shown = root
    return (f"Models run on **{describe(device())}** · checkpoints from `{shown}` · "
            f"Gradio {gr.__version__} · no data leaves this machine")


# --- reading user images --------------------------------------------------------------------------------
from gradio.events import Dependency

class ImageUpload(gr.Image):
    """gr.Image whose unreadable uploads (not an image, a decompression bomb) give one clear sentence."""

    is_template = True  # drawn by Gradio's own Image front end

    def preprocess(self, payload):
        try:
            return super().preprocess(payload)
        except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, SyntaxError):
            raise gr.Error("That file is not an image this app can read; upload a PNG, JPEG or WebP.") from None
    from typing import Callable, Literal, Sequence, Any, TYPE_CHECKING
    from gradio.blocks import Block
    if TYPE_CHECKING:
        from gradio.components import Timer
        from gradio.components.base import Component


class ImageEditor(gr.ImageEditor):
    """gr.ImageEditor (and sketchpads) with the same clear sentence for unreadable files."""

    is_template = True  # drawn by Gradio's own ImageEditor front end

    def preprocess(self, payload):
        try:
            return super().preprocess(payload)
        except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, SyntaxError):
            raise gr.Error("That file is not an image this app can read; upload a PNG, JPEG or WebP.") from None
    from typing import Callable, Literal, Sequence, Any, TYPE_CHECKING
    from gradio.blocks import Block
    if TYPE_CHECKING:
        from gradio.components import Timer
        from gradio.components.base import Component


def read_image(image) -> tuple[np.ndarray, list[str]] | None:
    """An upload (PIL/array) -> (uint8 [28, 28], notes), or None when there is no image or no ink."""
    if image is None:
        return None
    from aegan.images import prepare_image

    picture, notes = prepare_image(image)
    return (picture, notes) if picture.max() >= INK_THRESHOLD else None


def read_drawing(value) -> tuple[np.ndarray, list[str]] | None:
    """A Sketchpad / ImageEditor value {'background', 'layers', 'composite'} -> (uint8 [28, 28], notes),
    or None when nothing is drawn."""
    if value is None:
        return None
    if not isinstance(value, dict):
        return read_image(value)
    image = value.get("composite")
    if image is None:
        image = value.get("background")
    return read_image(image)


def editor_mask(value) -> np.ndarray | None:
    """The painted mask of an ImageEditor value: bool [H, W] (True = painted = missing), or None."""
    layers = [layer for layer in (value or {}).get("layers") or [] if layer is not None]
    if not layers:
        return None
    painted = None
    for layer in layers:
        rgba = np.asarray(layer.convert("RGBA") if isinstance(layer, Image.Image) else layer)
        if rgba.ndim == 3 and rgba.shape[-1] == 4:
            alpha = rgba[..., 3] > 0  # what the brush touched
        else:
            alpha = (rgba.reshape(rgba.shape[0], rgba.shape[1], -1) > 0).any(axis=2)
        if painted is None:
            painted = alpha
        elif painted.shape == alpha.shape:
            painted = painted | alpha
        else:
            raise InputError("the mask layers have different sizes; paint on one layer")
    return painted


# --- showing images --------------------------------------------------------------------------------------

def show(image: np.ndarray, scale: int = SCALE) -> Image.Image:
    """uint8 [28, 28] -> PIL image upscaled with nearest-neighbour."""
    from aegan.images import to_pil

    return to_pil(image, scale)


def show_batch(x, scale: int = THUMB_SCALE) -> list[Image.Image]:
    """Model images x [N, 1, 28, 28] in [-1, 1] -> N crisp PIL images."""
    from aegan.images import to_uint8

    return [show(image, scale) for image in to_uint8(x)]


def show_strip(x, scale: int = 3) -> Image.Image:
    """Model images x [N, 1, 28, 28] -> one row, N wide."""
    from aegan.images import make_grid, to_uint8

    return show(make_grid(to_uint8(x), columns=len(x)), scale)


def show_mask(image: np.ndarray, hole: np.ndarray, scale: int = SCALE) -> Image.Image:
    """uint8 [28, 28] and bool hole [28, 28] -> RGB picture with the hole in red (what the model cannot see)."""
    rgb = np.repeat(np.asarray(image, np.uint8)[..., None], 3, axis=2)
    rgb[hole] = (200, 40, 40)
    pil = Image.fromarray(rgb, mode="RGB")
    return pil.resize((pil.width * scale, pil.height * scale), Image.NEAREST)


GIF_DIR = Path(tempfile.gettempdir()) / "aegan-studio"
GIF_KEEP_S = 3600


def write_gif(frames: np.ndarray, scale: int = THUMB_SCALE, frame_ms: int = 80) -> str:
    """uint8 [T, 28, 28] -> path of an endlessly looping GIF (files older than an hour are removed)."""
    GIF_DIR.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for old in GIF_DIR.glob("*.gif"):
        if now - old.stat().st_mtime > GIF_KEEP_S:
            old.unlink(missing_ok=True)
    images = [show(frame, scale) for frame in frames]
    path = GIF_DIR / f"walk-{uuid.uuid4().hex[:12]}.gif"
    images[0].save(path, save_all=True, append_images=images[1:], duration=frame_ms, loop=0)
    return str(path)


# --- examples shipped with the app (the app never needs the datasets) ------------------------------------

@functools.cache
def examples(dataset: str) -> tuple[np.ndarray, np.ndarray]:
    """12 test images of the dataset: (uint8 [12, 28, 28], labels int64 [12]) from ui/examples/."""
    with np.load(EXAMPLES_DIR / f"{check_dataset(dataset)}.npz") as data:
        return data["images"], data["labels"]


# --- shared controls ---------------------------------------------------------------------------------------

def class_choices(dataset: str, auto: str | None = None) -> list[tuple[str, int]]:
    """Dropdown choices (name, class id); `auto` adds a first choice with the value -1."""
    choices = [(name, k) for k, name in enumerate(class_names(dataset))]
    return ([(auto, -1)] if auto else []) + choices


def dataset_radio() -> gr.Radio:
    return gr.Radio(DATASETS, value=DEFAULT_DATASET, label="Dataset",
                    info="Every tab uses the models trained on this dataset.")


def seed_number(label: str = "Seed", value: int = 0, **kwargs) -> gr.Number:
    return gr.Number(value=value, label=label, precision=0, minimum=0, maximum=SEED_MAX, **kwargs)


def image_output(label: str, **kwargs) -> gr.Image:
    kwargs.setdefault("height", 240)
    return gr.Image(label=label, type="pil", format="png", interactive=False, elem_classes=["pixels"],
                    buttons=["download"], **kwargs)


def gallery_output(label: str, columns: int = 8, **kwargs) -> gr.Gallery:
    return gr.Gallery(label=label, format="png", columns=columns, object_fit="contain", height="auto",
                      elem_classes=["pixels"], interactive=False, **kwargs)


def sketchpad(label: str = "Draw here", **kwargs) -> ImageEditor:
    return ImageEditor(label=label, type="pil", image_mode="RGBA", sources=(), transforms=(), layers=False,
                       brush=gr.Brush(colors=["#000000"], color_mode="fixed", default_size=14),
                       canvas_size=(CANVAS, CANVAS), fixed_canvas=True, format="png", **kwargs)


def upload(label: str = "…or upload an image", **kwargs) -> ImageUpload:
    # image_mode=None keeps the file's own mode (palette, 16-bit, alpha) for aegan.images.prepare_image.
    kwargs.setdefault("height", 180)
    return ImageUpload(label=label, type="pil", image_mode=None, sources=["upload", "clipboard"], format="png",
                       **kwargs)


def explain(text: str) -> gr.Markdown:
    """The two or three sentences each tab gives a student on what E, G and D do in it."""
    return gr.Markdown(text, elem_classes=["explain"])