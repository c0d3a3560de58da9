"""The device, the shipped models and the text encoder: each loaded once, shared read-only by every user; and a
session's own model (fine-tuned on its images in the "Your images" tab), used by that session only.

Fast start: this module does not import torch. The `aegan` modules that need it are imported inside
functions, and `start_warm_up()` imports them, picks the device and loads the models in a background thread
right after launch, so the first page is served while torch is still loading.

On a ZeroGPU Space the GPU is attached only inside functions decorated with `spaces.GPU`, which run in a
forked worker: so only the model calls are decorated (`gpu(seconds)`), each with the time it needs; requests
are read and checked, and caches kept, in the main process before that.

A session's own model replaces the shipped class model of the dataset it was fine-tuned from, for that session:
every callback that draws with the class model passes its session (`session_of(request)`) to `get_model`,
`get_directions` and `class_names`. The choice travels with each request, never on a shared object.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import os
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from aegan.data import CLASS_NAMES, local_checkpoints  # numpy only, no torch
from aegan.errors import CheckpointError, InputError, shown

log = logging.getLogger("aegan.app")

REPO_ROOT = Path(__file__).resolve().parents[1]
DATASETS = (("Fashion-MNIST", "fashion-mnist"), ("MNIST", "mnist"))  # (label, value)
TEXT_ENCODER_WAIT_S = 120  # how long a text request waits for the background load of the text encoder

try:
    import spaces
except ImportError:
    spaces = None


GPU_SECONDS: dict[str, float] = {}  # each model call's ZeroGPU allowance, by name (tests pin them)


def gpu(seconds: float):
    """For a function that runs the models: spaces.GPU(duration=seconds), which attaches a GPU for that long
    on a ZeroGPU Space and does nothing elsewhere. A few seconds each: ZeroGPU's default asks for 60 s per
    call, and anonymous visitors have a few minutes of GPU a day."""

    def decorate(fn):
        GPU_SECONDS[f"{fn.__module__}.{fn.__qualname__}"] = seconds
        return fn if spaces is None else spaces.GPU(duration=seconds)(fn)

    return decorate


def label_of(dataset: str) -> str:
    return dict((value, label) for label, value in DATASETS).get(dataset, dataset)


def check_dataset(dataset) -> str:
    if dataset not in [value for _, value in DATASETS]:
        raise InputError(f"unknown dataset {shown(dataset)}; choose fashion-mnist or mnist")
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


def get_model(dataset: str, kind: str = "cgan", session: str | None = None):
    """The model for a dataset, loaded once, moved to the device once, shared read-only by all users; or, for
    the class model, the session's own model when it has one for this dataset (see `use_session_model`)."""
    own = session_model(session, dataset) if kind == "cgan" else None
    if own is not None:
        return own.model
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


def get_directions(dataset: str, session: str | None = None):
    """The main latent directions shipped beside the class-conditional model (or the session's own), or None."""
    own = session_model(session, dataset)
    if own is not None:
        return own.directions
    folder = checkpoint_dir(dataset, "cgan").resolve()
    if folder not in _directions:
        from aegan.latent import load_directions

        _directions[folder] = load_directions(folder)
    return _directions[folder]


def class_names(dataset: str, session: str | None = None) -> list[str]:
    """The class names of the dataset's class model, for controls drawn before any model is loaded: the names
    its config.json gives (a model trained on your own folder names its own), else the dataset's; the session's
    own model's when it has one (a loaded model's names are `model.class_names`)."""
    own = session_model(session, check_dataset(dataset))
    if own is not None:
        return list(own.model.class_names)
    try:
        names = json.loads((checkpoint_dir(dataset) / "config.json").read_text()).get("class_names")
    except (OSError, ValueError, AttributeError):
        names = None
    if isinstance(names, list) and names and all(isinstance(n, str) for n in names):
        return names
    return list(CLASS_NAMES[dataset])


# --- a session's own model ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class SessionModel:
    """A model fine-tuned on one session's images (ui/yours.py), in place of `dataset`'s class model for it."""

    dataset: str
    folder: Path
    model: object  # aegan.models.AEGAN, on the device, read-only
    directions: object  # its main latent directions (aegan.latent), or None
    key: str  # what a walk records as its model (aegan.walk.Walk.dataset): a walk is redrawn by its own model only


_session_models: dict[str, SessionModel] = {}
_session_used: dict[str, float] = {}  # when each session's own model last drew something (time.monotonic)
_session_lock = threading.Lock()


def session_of(request: gr.Request | None) -> str | None:
    """The session a request belongs to (None for a call without one)."""
    return request.session_hash if request is not None else None


def session_model(session: str | None, dataset: str | None = None) -> SessionModel | None:
    """The session's own model (for `dataset` only, when given), or None. Every tab asks this before it draws,
    so a model found counts as used (last_used: ui/yours.py keeps a session that draws in other tabs)."""
    if session is None:
        return None
    with _session_lock:
        own = _session_models.get(session)
        if own is None or (dataset is not None and own.dataset != dataset):
            return None
        _session_used[session] = time.monotonic()
        return own


def has_own_model(session: str) -> bool:
    """Whether the session has a model of its own (without counting this as a use, as session_model does)."""
    with _session_lock:
        return session in _session_models


def last_used(session: str) -> float:
    """When the session's own model was last asked for (time.monotonic), or -inf."""
    return _session_used.get(session, -math.inf)


def use_session_model(session: str, dataset: str, folder: Path) -> SessionModel:
    """Load the model in `folder` (a fine-tune of `dataset`'s class model) as `session`'s model from now on."""
    from aegan.latent import load_directions
    from aegan.models import load_model

    model = load_model(folder, device())
    model.requires_grad_(False)
    own = SessionModel(check_dataset(dataset), Path(folder), model, load_directions(folder),
                       f"{dataset}:yours-{uuid.uuid4().hex[:12]}")
    with _session_lock:
        _session_models[session] = own
    return own


def forget_session_model(session: str | None) -> SessionModel | None:
    """The session goes back to the shipped models; -> the model it had (its folder is the caller's to delete)."""
    with _session_lock:
        if session is None:
            return None
        _session_used.pop(session, None)
        return _session_models.pop(session, None)


def model_key(dataset: str, session: str | None = None) -> str:
    """What names the class model a session draws `dataset` with: the dataset, or its own model's key."""
    own = session_model(session, dataset)
    return own.key if own is not None else dataset


# --- the text encoder (slow to load: in the background after launch) ----------------------------------

_text_ready = threading.Event()
_text_lock = threading.Lock()


def text_module():
    """aegan.text, or an InputError saying why text to image is unavailable."""
    try:
        import aegan.text as text
    except ModuleNotFoundError as error:
        raise InputError(f"text to image needs the Python package {error.name!r}, which is not installed") from None
    return text


def ensure_text_encoder(wait_s: float = TEXT_ENCODER_WAIT_S):
    """aegan.text with its sentence encoder loaded (once; other callers wait for the first)."""
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
        log.warning("warm-up stopped: %s", " ".join(str(error).split()))


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
