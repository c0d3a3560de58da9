"""Reading what a request sends, and saying in one sentence what is wrong with it.

Every event runs with `preprocess=False` (Gradio's documented switch), so each callback gets the values as
the browser or a script sent them (numbers, strings, file dicts) and reads them here. That gives every value
a check and a message of our own, in one place: the range a slider shows is the range its reader accepts,
because both come from the same `Range` or `Choice`.

    COUNT = Range("How many", 1, 64, whole=True)
    gr.Slider(**COUNT.slider(value=20))          # the layout
    count = COUNT.read(count)                    # the callback: an int from 1 to 64, or a gr.Error
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import functools
import inspect
import io
import logging
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path

import gradio as gr
from PIL import Image

from aegan.errors import CheckpointError, InputError, shown
from aegan.images import DAMAGED, DECODE_ERRORS, NOT_AN_IMAGE, check_image_file

log = logging.getLogger("aegan.app")

MAX_LAYERS = 8  # per editor value: each is a file to open; the app's editors show no layer controls


def sentence(error: BaseException | str) -> str:
    """An error message as one sentence: capitalised, ending with a full stop."""
    text = " ".join(str(error).split()) or "Something went wrong"
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def friendly(fn):
    """Turn what a user can cause (InputError, CheckpointError) into a gr.Error with one clear sentence, and
    anything else into a short apology (the traceback goes to the server log); the app keeps serving. A generator
    (a streaming event) stays one, so that Gradio streams it, and its errors are turned the same way."""

    @contextlib.contextmanager
    def turned():
        started = time.perf_counter()
        try:
            yield
        except gr.Error:
            raise
        except (InputError, CheckpointError) as error:
            raise gr.Error(sentence(error), print_exception=False) from None
        except Exception:
            log.exception("%s failed", fn.__name__)
            raise gr.Error("Something unexpected went wrong (the details are in the server log); "
                           "please try again.", print_exception=False) from None
        finally:
            log.debug("%s took %.1f ms", fn.__name__, 1000 * (time.perf_counter() - started))

    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def streamed(*args, **kwargs):
            with turned():
                yield from fn(*args, **kwargs)

        return streamed

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with turned():
            return fn(*args, **kwargs)

    return wrapper


def _about(label: str, problem: str) -> InputError:
    return InputError(f"“{label}” {problem}")


def _number(value, label: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _about(label, f"must be a number, not {shown(value)}")
    try:
        number = float(value)
    except OverflowError:  # JSON allows an integer of any length; a float cannot hold 10**400
        raise _about(label, f"is out of range: {shown(value)}") from None
    if not math.isfinite(number):
        raise _about(label, f"must be a finite number, not {value}")
    return number


def _bound(x: float) -> str:
    """A range's end as a person reads it: 2,147,483,647 rather than 2.14748e+09."""
    return f"{int(x):,}" if float(x).is_integer() else f"{x:g}"


@dataclass(frozen=True)
class Range:
    """A number input: its label, bounds and whether it must be whole. `default` is what None means
    (None: a number is required)."""

    label: str
    minimum: float
    maximum: float
    whole: bool = False
    default: float | None = None
    step: float | None = None

    def read(self, value) -> float | int:
        if value is None:
            if self.default is None:
                raise _about(self.label, "needs a number")
            value = self.default
        number = _number(value, self.label)
        if not self.minimum <= number <= self.maximum:
            bounds = f"from {_bound(self.minimum)} to {_bound(self.maximum)}"
            raise _about(self.label, f"must be {bounds}, not {shown(value)}")
        if self.whole:
            if number != int(number):
                raise _about(self.label, f"must be a whole number, not {shown(value)}")
            return int(number)
        return number

    def slider(self, **kwargs) -> dict:
        """Keyword arguments for gr.Slider with this range."""
        step = self.step if self.step is not None else (1 if self.whole else None)
        return dict(minimum=self.minimum, maximum=self.maximum, label=self.label,
                    **({"step": step} if step is not None else {}), **kwargs)


@dataclass(frozen=True)
class Seed(Range):
    """A seed: a whole number, None meaning 0; a fraction is rounded, as a number box with precision 0 does."""

    def read(self, value) -> int:
        if value is not None and not isinstance(value, bool) and isinstance(value, float) and math.isfinite(value):
            value = round(value)
        return int(super().read(value))


@dataclass(frozen=True)
class Choice:
    """A radio or dropdown input: (shown label, value) pairs. `default` is what None means."""

    label: str
    choices: tuple[tuple[str, object], ...]
    default: object = None

    @property
    def values(self) -> list:
        return [value for _, value in self.choices]

    def read(self, value):
        if value is None and self.default is not None:
            return self.default
        if isinstance(value, bool) or not isinstance(value, (str, int, float)) or value not in self.values:
            listed = ", ".join(map(str, self.values))
            raise _about(self.label, f"must be one of its choices ({listed}), not {shown(value)}")
        return self.values[self.values.index(value)]  # the choice's own value: 3.0 from a script reads as 3


def read_text(value, label: str) -> str:
    """A text box's value ('' for None)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _about(label, f"must be text, not {shown(value)}")
    return value


# --- files: an upload, a sketchpad or an editor ---------------------------------------------------------------
# Gradio refuses paths outside its upload folder only in values marked as its files ({'meta': {'_type':
# 'gradio.FileData'}}); an unmarked {'path': ...} reaches the callback as sent, so the path is checked here too.
# Then: the value is a file at all, and the file is an image of a size we decode (a 100 kB PNG can declare
# 100000x100000 pixels).

NOT_UPLOADED = "that file was not uploaded to this app, so it cannot be read; upload the image instead"


def upload_folder() -> Path:
    """Gradio's upload folder: $GRADIO_TEMP_DIR (documented), which ui/__init__.py sets when it is unset."""
    return Path(os.environ["GRADIO_TEMP_DIR"]).resolve()


def _uploaded(path: str) -> Path:
    """The file at `path` when it lies in Gradio's upload folder (uploads and the app's own outputs), else an
    InputError: never a file a script names elsewhere on the server."""
    try:
        where = Path(path).resolve()
        inside = where.is_relative_to(upload_folder())
        present = inside and where.is_file()
    except (OSError, ValueError):  # too long, NUL bytes: no file the upload route made
        inside = present = False
    if not inside:
        raise InputError(NOT_UPLOADED)
    if not present:
        raise InputError("that uploaded file is no longer on the server; upload it again")
    return where


def read_image_file(value, label: str) -> Image.Image | None:
    """A file value ({'path' or 'url', ...}) -> the opened image (header checked), or None for no file."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _about(label, f"must be sent as an uploaded file ({{'path': ..., 'meta': ...}}), not {shown(value)}")
    url, path = value.get("url"), value.get("path")
    if isinstance(url, str) and url.startswith("data:"):  # the image inline (base64), as a script may send it
        try:
            data = base64.b64decode(url.split(",", 1)[-1], validate=False)
        except (binascii.Error, ValueError):
            raise InputError(NOT_AN_IMAGE) from None
        check_image_file(data)
        source = io.BytesIO(data)
    elif isinstance(path, str) and path:
        where = _uploaded(path)
        check_image_file(where)
        source = where
    else:
        raise _about(label, f"needs a file 'path' from the upload route, not {shown(path)}")
    try:
        return Image.open(source)
    except DECODE_ERRORS as error:
        raise InputError(DAMAGED if "truncated" in str(error) else NOT_AN_IMAGE) from None


def read_editor(value, label: str) -> dict | None:
    """An ImageEditor or sketchpad value -> {'background', 'layers', 'composite'} as opened images, or None."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _about(label, f"must be an editor value {{'background', 'layers', 'composite'}}, not {shown(value)}")
    layers = value.get("layers") or []
    if not isinstance(layers, list):
        raise _about(label, f"must have a list of layers, not {shown(layers)}")
    if len(layers) > MAX_LAYERS:
        raise _about(label, f"must have at most {MAX_LAYERS} layers (the app paints on one), not {len(layers):,}")
    return {"background": read_image_file(value.get("background"), label),
            "layers": [image for image in (read_image_file(layer, label) for layer in layers) if image is not None],
            "composite": read_image_file(value.get("composite"), label)}


def upload_paths(value) -> list[Path]:
    """The files in Gradio's upload folder that a value names: a file dict, an editor value, or a list of them
    (what a session uploaded, so that it can be deleted when the session ends). Anything else is left out."""
    if isinstance(value, list):
        return [path for item in value for path in upload_paths(item)]
    if not isinstance(value, dict):
        return []
    if "path" in value:
        try:
            return [_uploaded(value["path"])] if isinstance(value["path"], str) else []
        except InputError:
            return []
    return [path for key in ("background", "composite", "layers") for path in upload_paths(value.get(key))]
