"""What every tab shares: the device, the one cached model loader, shared controls, examples, display
helpers and the error translation each callback goes through.

Fast start: this module does not import torch. The `aegan` modules that need it are imported inside
functions, and `start_warm_up()` imports them, picks the device and loads the models in a background
thread right after launch, so the first page is served while torch is still loading.
"""

from __future__ import annotations

import base64
import binascii
import functools
import inspect
import io
import logging
import math
import os
import tempfile
import threading
import time
import uuid
from pathlib import Path

import gradio as gr
import numpy as np
from PIL import Image

from aegan.data import CLASS_NAMES, local_checkpoints  # numpy only, no torch
from aegan.errors import CheckpointError, InputError, shown
from aegan.images import DAMAGED, DECODE_ERRORS, NOT_AN_IMAGE, check_image_file  # PIL and numpy only, no torch

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
TEXT_LIVE = dict(concurrency_id="text", concurrency_limit=2)  # "understood as" while typing: never blocks sliders

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
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        except gr.Error:
            raise
        except (InputError, CheckpointError) as error:
            raise gr.Error(sentence(error), print_exception=False) from None
        except Exception:
            log.exception("%s failed", fn.__name__)
            raise gr.Error("Something unexpected went wrong (the details are in the server log); "
                           "please try again.") from None
        finally:
            log.debug("%s took %.1f ms", fn.__name__, 1000 * (time.perf_counter() - started))

    return wrapper


# --- device and models ---------------------------------------------------------------------------------

def check_dataset(dataset: str) -> str:
    if dataset not in CLASS_NAMES or dataset == "synthetic":
        raise InputError(f"unknown dataset {dataset!r}; choose fashion-mnist or mnist")
    return dataset


def checkpoint_dir(dataset: str, kind: str = "cgan") -> Path:
    """kind: 'cgan' (class-conditional: explorer, sampler, repair, style) or 'text2img'."""
    return local_checkpoints() / f"{check_dataset(dataset)}-{kind}"


def has_checkpoint(dataset: str, kind: str = "cgan") -> bool:
    return (checkpoint_dir(dataset, kind) / "config.json").is_file()


@functools.cache
def device():
    """The one device choice (CUDA, then MPS, then CPU; $AEGAN_DEVICE overrides), made once."""
    from aegan.devices import pick_device

    return pick_device(os.environ.get("AEGAN_DEVICE", "auto"))


_load_lock = threading.Lock()
_models: dict[Path, object] = {}  # keyed by folder, so a changed $AEGAN_CHECKPOINTS loads afresh
_directions: dict[Path, object] = {}


def get_model(dataset: str, kind: str = "cgan"):
    """The model for a dataset, loaded once, moved to the device once, shared read-only by all users."""
    folder = checkpoint_dir(dataset, kind)
    key = folder.resolve()
    if key in _models:
        return _models[key]
    with _load_lock:
        if key not in _models:
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
    folder = checkpoint_dir(dataset, "cgan").resolve()
    if folder not in _directions:
        from aegan.latent import load_directions

        _directions[folder] = load_directions(folder)
    return _directions[folder]


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
    if not all(hasattr(text, name) for name in ("text_to_image", "understand", "load_text_encoder")):
        raise InputError("text to image is not part of this build yet (aegan.text has no text_to_image)")
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

    root = local_checkpoints()
    try:
        shown = root.resolve().relative_to(REPO_ROOT)
    except ValueError:
        shown = root
    return (f"Models run on **{describe(device())}** · checkpoints from `{shown}` · "
            f"Gradio {gr.__version__} · no data leaves this machine")


# --- reading what a request sends, before Gradio does ------------------------------------------------------
# Gradio's own reading of a request turns many wrong values (text for a number, a list for an image, a
# missing value) into an error with no message at all (show_error=False), and its gr.Image reads any file
# path a script names. StudioBlocks checks every value first and answers with one sentence instead.

MAX_LAYERS = 8  # per editor value; the app's editors show no layer controls, so a browser sends one


def _input_name(block_fn, index: int, block) -> str:
    """How a user knows the input: its label, else the callback's parameter name."""
    if getattr(block, "label", None):
        return str(block.label)
    try:
        return list(inspect.signature(block_fn.fn).parameters)[index]
    except (TypeError, ValueError, IndexError):
        return f"input {index + 1}"


def _file_problem(value, max_file_size: float) -> str | None:
    """What is wrong with one file value (Gradio's FileData: {'path', 'url', 'meta', ...}), or None."""
    from gradio.utils import get_upload_folder

    if not isinstance(value, dict):
        return f"an image must be sent as an uploaded file ({{'path': ..., 'meta': ...}}), not {shown(value)}"
    path, url = value.get("path"), value.get("url")
    try:
        if isinstance(url, str) and url.startswith("data:"):  # the image inline, base64: Gradio reads it first
            if len(url) > max_file_size * 4 / 3 + 1024:
                return f"the image is over the upload limit of {max_file_size / 2**20:g} MB"
            try:
                data = base64.b64decode(url.split(",", 1)[-1], validate=False)
            except (binascii.Error, ValueError):
                return NOT_AN_IMAGE
            check_image_file(data)
            if not path:
                return None
        if not isinstance(path, str) or not path:
            return f"an image file needs a 'path' from the upload route, not {shown(path)}"
        # Only files that reached the server through its upload route (or that it wrote itself) may be read:
        # never a path a script names, and never a URL the server would have to fetch.
        folder = Path(get_upload_folder()).resolve()
        where = Path(path).resolve() if not path.startswith(("http://", "https://", "//")) else None
        if where is None or not where.is_relative_to(folder):
            return "that file was not uploaded to this app, so it cannot be read; upload the image instead"
        if not where.is_file():
            return "that uploaded file is no longer on the server; upload it again"
        if where.stat().st_size > max_file_size:
            return f"the file is over the upload limit of {max_file_size / 2**20:g} MB"
        check_image_file(where)
    except InputError as error:
        return str(error)
    except (OSError, ValueError):  # a path the file system cannot even look at (too long, NUL bytes)
        return "that file was not uploaded to this app, so it cannot be read; upload the image instead"
    return None


def _value_problem(block, value, max_file_size: float) -> str | None:
    """What is wrong with the value sent for one input component, or None when Gradio can read it."""
    if isinstance(block, (gr.Slider, gr.Number)):
        if value is None:
            return None if isinstance(block, gr.Number) and not isinstance(block, gr.Slider) else "needs a number"
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"must be a number, not {shown(value)}"
        try:
            finite = math.isfinite(value)
        except OverflowError:  # JSON allows an integer of any length; a float cannot hold 10**400
            return f"is out of range: {shown(value)}"
        if not finite:
            return f"must be a finite number, not {value}"
    elif isinstance(block, (gr.Radio, gr.Dropdown)):
        if value is None or (isinstance(block, gr.Dropdown) and (block.multiselect or block.allow_custom_value)):
            return None  # None: each callback says what no choice means
        # Checked here rather than by Gradio, whose message repeats the whole value (a 10,000-character one too).
        choices = [choice for _, choice in block.choices]
        if isinstance(value, bool) or not isinstance(value, (str, int, float)) or value not in choices:
            return f"must be one of its choices ({', '.join(map(str, choices))}), not {shown(value)}"
    elif isinstance(block, gr.Textbox):
        if value is not None and not isinstance(value, str):
            return f"must be text, not {shown(value)}"
    elif isinstance(block, gr.Dataset):
        count = len(getattr(block, "raw_samples", None) or block.samples or [])
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < count:
            return f"must be an example number from 0 to {count - 1}, not {shown(value)}"
    elif isinstance(block, gr.ImageEditor):
        if value is None:
            return None
        if not isinstance(value, dict):
            return f"must be an editor value {{'background', 'layers', 'composite'}}, not {shown(value)}"
        layers = value.get("layers") or []
        if not isinstance(layers, list):
            return f"must have a list of layers, not {shown(layers)}"
        if len(layers) > MAX_LAYERS:  # each is a file to open: 5,000 took 2.8 s of the server's time
            return f"must have at most {MAX_LAYERS} layers (the app paints on one), not {len(layers):,}"
        files = [value.get("background"), value.get("composite"), *layers]
        return next(filter(None, (_file_problem(f, max_file_size) for f in files if f is not None)), None)
    elif isinstance(block, gr.Image):
        return None if value is None else _file_problem(value, max_file_size)
    return None


def session_copy(block, state):
    """The session's copy of an input component where an event changed it (a dropdown's choices per dataset)."""
    return state[block._id] if state is not None and block._id in state else block


def check_request(block_fn, inputs, state, max_file_size: float | None) -> None:
    """Refuse with one sentence (gr.Error) a request that is missing values, or whose values have a type,
    a file or a size this app does not take. What passes, Gradio's own checks read (range, choices)."""
    limit = max_file_size if max_file_size is not None else math.inf
    if len(inputs) < len(block_fn.inputs):
        needed = sum(not getattr(block, "skip_api", False) for block in block_fn.inputs)  # gr.State is not sent
        raise gr.Error(f"This request sent {len(inputs)} values but {block_fn.api_name or 'this event'} needs "
                       f"{needed}; /gradio_api/info lists them.", print_exception=False)
    for index, block in enumerate(block_fn.inputs):
        if getattr(block, "stateful", False):
            continue  # gr.State: kept on the server, whatever the request says
        block = session_copy(block, state)
        problem = _value_problem(block, inputs[index], limit)
        if problem:
            if problem.startswith(("must", "needs", "is ")):  # about this input: say which one
                problem = f"“{_input_name(block_fn, index, block)}” {problem}"
            raise gr.Error(sentence(problem), print_exception=False)  # else a sentence about a file


class BodySizeLimit:
    """ASGI middleware: a request body over the upload limit (plus 1 MB for the rest of the request) gets 413
    and one line before it is read into memory. Gradio's own max_file_size covers only its upload route, and a
    JSON call can carry an image inline (a data: URL) or a huge prompt."""

    def __init__(self, app, file_limit: int):
        self.app, self.file_limit, self.limit = app, file_limit, file_limit + 1_000_000

    async def _refuse(self, send) -> None:
        body = f"The request is over the limit of {self.file_limit / 2**20:g} MB for uploads.".encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            if declared.isdigit() and int(declared) > self.limit:
                return await self._refuse(send)
            return await self.app(scope, receive, send)
        # No declared length (chunked): count what arrives, and stop reading past the limit.
        state = {"received": 0, "refused": False, "started": False}

        async def counted_receive():
            if state["refused"]:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
                if state["received"] > self.limit:
                    state["refused"] = True
                    if not state["started"]:
                        state["started"] = True
                        await self._refuse(send)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message):
            if state["refused"]:
                return  # our 413 went out instead
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            if not state["refused"]:
                raise


# Inputs whose reading by Gradio (Component.preprocess) is a pure check of a plain value: range, choices, type.
PLAIN_INPUTS = (gr.Slider, gr.Number, gr.Radio, gr.Dropdown, gr.Checkbox, gr.Textbox, gr.State)


class StudioBlocks(gr.Blocks):
    """gr.Blocks that checks each request before Gradio reads it (check_request), turns any reading error
    left into one sentence, and launches with a limit on request bodies (BodySizeLimit).

    Events whose inputs are all plain values are read inline: Gradio runs each input's preprocess in a worker
    thread of its own, a hop of about 0.15 ms each, 1.3 ms for a live slider frame's eight inputs (0.1 ms
    inline). For those events Gradio is told not to preprocess, and the same preprocess (the same checks
    and messages) runs here on the event loop."""

    read_inline: frozenset[int] | set[int] = frozenset()  # ids of the events read inline, set when the layout is complete

    def __exit__(self, *args):
        super().__exit__(*args)
        self.read_inline = set()
        for block_fn in self.fns.values():
            if (block_fn.fn is not None and block_fn.inputs and block_fn.preprocess
                    and all(isinstance(block, PLAIN_INPUTS) for block in block_fn.inputs)):
                block_fn.preprocess = False
                self.read_inline.add(block_fn._id)

    async def preprocess_data(self, block_fn, inputs, state, explicit_call=False):
        import anyio

        inputs = list(inputs)
        if any(isinstance(block, (gr.Image, gr.ImageEditor)) for block in block_fn.inputs):  # reads file headers
            await anyio.to_thread.run_sync(check_request, block_fn, inputs, state, self.max_file_size,
                                           limiter=self.limiter)
        else:  # type checks only: no thread hop on the live slider path
            check_request(block_fn, inputs, state, self.max_file_size)
        try:
            values = await super().preprocess_data(block_fn, inputs, state, explicit_call)
            if block_fn._id not in self.read_inline:
                return values
            return [value if block.stateful else session_copy(block, state).preprocess(value)
                    for block, value in zip(block_fn.inputs, values)]
        except gr.Error as error:  # Gradio's own checks (ranges): clear, made one sentence here
            raise gr.Error(sentence(error.message), duration=error.duration, visible=error.visible,
                           title=error.title, print_exception=False) from None
        except Exception as error:  # what check_request did not foresee: still one sentence, never silence
            log.warning("%s: a value sent could not be read: %s", block_fn.api_name, shown(str(error)))
            raise gr.Error("A value sent to this app could not be read; /gradio_api/info lists what each input "
                           "expects.", print_exception=False) from None

    async def call_function(self, block_fn, *args, **kwargs):
        try:
            return await super().call_function(block_fn, *args, **kwargs)
        except gr.Error:
            raise
        except Exception as error:  # the callbacks raise gr.Error only (friendly): this is Gradio's own reading
            # of a request no browser sends, e.g. a gallery click without its click data, found by calling every
            # event through /gradio_api/queue/join; it answered with an error with no message at all
            name = getattr(block_fn, "api_name", None) or getattr(block_fn, "name", "an event")
            log.warning("%s could not run: %s: %s", name, type(error).__name__, shown(str(error)))
            raise gr.Error("This event needs what the browser sends with it (a click on a picture, say), so it "
                           "cannot be called on its own; /gradio_api/info lists what a script can call.",
                           print_exception=False) from None

    def launch(self, *args, app_kwargs: dict | None = None, **kwargs):
        from gradio.route_utils import FnIndexInferError
        from gradio.utils import _parse_file_size
        from starlette.middleware import Middleware
        from starlette.responses import PlainTextResponse

        limit = _parse_file_size(kwargs.get("max_file_size"))
        app_kwargs = dict(app_kwargs or {})  # a copy: Gradio adds its own keys to the dict it gets
        if limit is not None:
            app_kwargs["middleware"] = [*app_kwargs.get("middleware", []), Middleware(BodySizeLimit, file_limit=limit)]

        async def no_such_endpoint(request, error):  # Gradio answers a call to an unknown api_name with a 500
            return PlainTextResponse("There is no endpoint by that name; /gradio_api/info lists them.", 404)

        app_kwargs["exception_handlers"] = {**app_kwargs.get("exception_handlers", {}),
                                            FnIndexInferError: no_such_endpoint}
        return super().launch(*args, app_kwargs=app_kwargs, **kwargs)


# --- reading user images --------------------------------------------------------------------------------

def unreadable(error: BaseException) -> str:
    """The sentence for an upload that Pillow could not decode."""
    return sentence(DAMAGED if "truncated" in str(error) or isinstance(error, EOFError) else NOT_AN_IMAGE)


class ImageUpload(gr.Image):
    """gr.Image whose unreadable uploads (not an image, a decompression bomb) give one clear sentence."""

    is_template = True  # drawn by Gradio's own Image front end

    def preprocess(self, payload):
        try:
            return super().preprocess(payload)
        except DECODE_ERRORS as error:
            raise gr.Error(unreadable(error), print_exception=False) from None


class ImageEditor(gr.ImageEditor):
    """gr.ImageEditor (and sketchpads) with the same clear sentence for unreadable files."""

    is_template = True  # drawn by Gradio's own ImageEditor front end

    def preprocess(self, payload):
        try:
            return super().preprocess(payload)
        except DECODE_ERRORS as error:
            raise gr.Error(unreadable(error), print_exception=False) from None


def read_image(image) -> tuple[np.ndarray, list[str]] | None:
    """An upload (PIL/array) -> (uint8 [28, 28], notes), or None when there is no image or no ink."""
    if image is None:
        return None
    from aegan.images import prepare_image

    picture, notes = prepare_image(image)
    return (picture, notes) if picture.max() >= INK_THRESHOLD else None


def read_drawing(value) -> tuple[np.ndarray, list[str]] | None:
    """A Sketchpad value {'background', 'layers', 'composite'} -> (uint8 [28, 28], []), or None when nothing
    is drawn. No notes: flattening, inverting and shrinking the canvas is expected, not news."""
    if value is None:
        return None
    image = value.get("composite") if isinstance(value, dict) else value
    if image is None and isinstance(value, dict):
        image = value.get("background")
    read = read_image(image)
    return None if read is None else (read[0], [])


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


def inline_png(image: Image.Image):
    """A PIL image as Gradio's ImageData holding a PNG data: URL (path None: nothing written to the cache)."""
    from gradio.data_classes import ImageData

    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return ImageData(url="data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii"),
                     orig_name="image.png", mime_type="image/png")


class InlineImage(gr.Image):
    """An output image that travels inside the response as a PNG data: URL (a 224 px frame is about 1.4 kB):
    no file written to Gradio's cache and hashed, and no second request from the browser to fetch it. For a
    live slider frame that step took 1.5 ms as a file and 0.3 ms inline. File paths (the GIF) stay files."""

    is_template = True  # drawn by Gradio's own Image front end

    def postprocess(self, value):
        return inline_png(value) if isinstance(value, Image.Image) else super().postprocess(value)


class InlineGallery(gr.Gallery):
    """A gallery of PIL images (each alone or with its caption) sent inline like InlineImage. Gradio's own
    Gallery starts a thread pool for every response and writes each image to its cache: for a grid of 20
    that was about half of the round trip (66 ms as files, 35 ms inline)."""

    is_template = True  # drawn by Gradio's own Gallery front end

    def postprocess(self, value):
        items = [item if isinstance(item, (tuple, list)) else (item, None) for item in value or []]
        if not items or not all(isinstance(image, Image.Image) for image, _ in items):
            return super().postprocess(value)
        from gradio.components.gallery import GalleryData, GalleryImage

        return GalleryData(root=[GalleryImage(image=inline_png(image), caption=caption) for image, caption in items])


def image_output(label: str, **kwargs) -> InlineImage:
    kwargs.setdefault("height", 240)
    kwargs.setdefault("type", "pil")
    return InlineImage(label=label, format="png", interactive=False, elem_classes=["pixels"], buttons=["download"],
                       **kwargs)


def gallery_output(label: str, columns: int = 8, **kwargs) -> InlineGallery:
    kwargs.setdefault("height", "auto")
    return InlineGallery(label=label, format="png", columns=columns, object_fit="contain", elem_classes=["pixels"],
                         interactive=False, **kwargs)


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
