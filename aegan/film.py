"""A training run's film: sample grids from fixed noise through both stages, and every loss of both.

A checkpoint folder carries it as two files, written by `save_film` at export (training/export.py):

- `film.png`: every frame in one grayscale PNG, stacked top to bottom (frame k is pixel rows
  k*height .. (k+1)*height). A frame is a grid of generated images from the same fixed noise and classes
  at every step: one row per class, `columns` samples each, `tile` pixels a side, `padding` pixels between.
- `history.json` (compact JSON):

      {"format": "aegan-film", "version": 1,
       "total_steps": 8000,            # steps the run trained
       "gan_start": 2000,              # steps of the autoencoder stage: the GAN stage starts here
       "frames": {"file": "film.png", "count": 62, "height": 302, "width": 182,
                  "rows": 10, "columns": 6, "tile": 28, "padding": 2,
                  "steps": [0, 133, ...]},  # the step of each frame, increasing
       "losses": {"L_rec": {"steps": [...], "values": [...]}, "KL": ..., "L_D": ..., ...},
       "d_scores": {"real": {"steps": [...], "values": [...]}, "fake": ...}}

  Each loss point is the mean over the steps since the point before (a window of steps), and a window
  never spans the switch between the stages. LOSSES and D_SCORES name and explain every series.

`load_film(folder)` reads both back. This module needs numpy and Pillow only: the app may read a film
before torch is loaded.

    >>> film = load_film("checkpoints/fashion-mnist-cgan")  # None: the checkpoint has no film
    >>> film.frames[film.frame_at(film.gan_start)]           # uint8 [H, W]: the grid when the GAN starts
"""

from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from .errors import CheckpointError, shown

FORMAT, VERSION = "aegan-film", 1
HISTORY_FILE, FRAMES_FILE = "history.json", "film.png"
MAX_FILM_BYTES = 3_000_000  # both files together; save_film keeps fewer frames rather than exceed it

# Every series, in the seed's terms, with what a student should read in it.
LOSSES = {
    "L_rec": "reconstruction: mean squared error between an image and G(E(image)), both stages "
             "(in the GAN stage it is kept so that E stays an inverse of G)",
    "KL": "KL divergence of E's codes from N(0, I), nats per image, both stages: small keeps the codes "
          "where G will be sampled from",
    "L_class": "E's class loss on real images (cross-entropy), both stages",
    "L_D": "D's whole loss, GAN stage: L_D_real + L_D_fake + the loss on real images with a wrong condition; "
           "near 0 means D wins easily, which starves G",
    "L_D_real": "D's loss on real images, softplus(-D(x)): low when D calls real images real",
    "L_D_fake": "D's loss on generated images, softplus(D(G(z))): low when D calls them fake",
    "L_G": "G's adversarial loss (non-saturating), softplus(-D(G(z))): low when G fools D; L_D and L_G "
           "pulling against each other without either running away is a healthy GAN",
    "L_aux": "how well E recognises the class G was asked for (cross-entropy on generated images), GAN stage; "
             "part of G's loss unless the run's auxiliary class weight is 0 (the Fashion-MNIST CGAN's), where it "
             "only shows how clearly G draws each class",
}
D_SCORES = {
    "real": "D's mean score sigmoid(D(x)) on real images (1 = sure they are real)",
    "fake": "D's mean score sigmoid(D(G(z))) on generated images (0 = sure they are fake)",
}


@dataclass(frozen=True, eq=False)
class Film:
    """A run's film. `losses` and `d_scores` map a name (LOSSES, D_SCORES) to (steps int64 [n],
    values float64 [n]); a series of the GAN stage only starts after gan_start."""

    steps: list[int]  # the training step of each frame: frames[k] is the grid after steps[k] steps
    frames: np.ndarray  # uint8 [F, H, W], 0 = background, 255 = ink
    gan_start: int
    total_steps: int
    losses: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    d_scores: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    rows: int = 10  # one row per class
    columns: int = 6  # samples per class
    tile: int = 28
    padding: int = 2

    def frame_at(self, step: int) -> int:
        """Index of the frame shown at `step`: the last one at or before it (the first before any)."""
        return max(0, int(np.searchsorted(self.steps, step, side="right")) - 1)


def load_film(folder: str | Path) -> Film | None:
    """The film in a checkpoint folder, or None when the folder has none (neither file). A missing,
    damaged or mismatched file is a CheckpointError of one line naming it."""
    folder = Path(folder)
    history_path, frames_path = folder / HISTORY_FILE, folder / FRAMES_FILE
    if not history_path.is_file():
        if frames_path.is_file():
            raise CheckpointError(f"{history_path}: file is missing ({FRAMES_FILE} cannot be read without it)")
        return None
    try:
        history = json.loads(history_path.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise CheckpointError(f"{history_path}: not readable JSON ({_first_line(error)})") from None
    if not isinstance(history, dict) or history.get("format") != FORMAT or history.get("version") != VERSION:
        raise CheckpointError(f"{history_path}: not a training film of version {VERSION}")
    try:
        layout = history["frames"]
        count, height, width = (_count(layout[k], k) for k in ("count", "height", "width"))
        steps = [_count(s, "a frame step") for s in layout["steps"]]
        gan_start, total_steps = (_count(history[k], k) for k in ("gan_start", "total_steps"))
        losses = {name: _series(s, name) for name, s in history["losses"].items()}
        d_scores = {name: _series(s, name) for name, s in history["d_scores"].items()}
        grid = {k: _count(layout[k], k) for k in ("rows", "columns", "tile", "padding")}
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise CheckpointError(f"{history_path}: not a valid training film ({_why(error)})") from None
    if len(steps) != count or count == 0 or any(b <= a for a, b in zip(steps, steps[1:])):
        raise CheckpointError(f"{history_path}: frames.steps must be {count} increasing steps, one per frame")
    tiles = [n * (grid["tile"] + grid["padding"]) + grid["padding"] for n in (grid["rows"], grid["columns"])]
    if [height, width] != tiles:
        raise CheckpointError(f"{history_path}: frames of {width}x{height} pixels cannot hold {grid['rows']} rows of "
                              f"{grid['columns']} images of {grid['tile']} pixels, {grid['padding']} apart")
    if not frames_path.is_file():
        raise CheckpointError(f"{frames_path}: file is missing ({HISTORY_FILE} lists {count} frames in it)")
    try:
        with Image.open(frames_path) as image:
            if image.format != "PNG" or image.size != (width, count * height):
                raise CheckpointError(f"{frames_path}: a {image.format} of {image.width}x{image.height} pixels, "
                                      f"{HISTORY_FILE} says a PNG of {width}x{count * height} ({count} frames "
                                      f"of {width}x{height})")
            pixels = np.asarray(image.convert("L"), dtype=np.uint8)
    except CheckpointError:
        raise
    except Exception as error:  # Pillow raises many types for a truncated or garbled file
        raise CheckpointError(f"{frames_path}: not a readable PNG ({_first_line(error)})") from None
    return Film(steps=steps, frames=pixels.reshape(count, height, width), gan_start=gan_start,
                total_steps=total_steps, losses=losses, d_scores=d_scores, **grid)


def save_film(folder: str | Path, film: Film) -> Path:
    """Write film.png and history.json into `folder`; returns the history's path.

    When both would exceed MAX_FILM_BYTES, every other frame is dropped (the first, the one where the GAN
    stage starts and the last stay) until they fit: a film with fewer frames still plays."""
    folder = Path(folder)
    if len(film.steps) != len(film.frames) or not len(film.steps):
        raise ValueError(f"a film needs one step per frame and at least one frame, not {len(film.steps)} steps "
                         f"for {len(film.frames)} frames")
    keep = list(range(len(film.steps)))
    while True:
        sheet = _encode_png(film.frames[keep].reshape(-1, film.frames.shape[2]))
        history = _history_bytes(film, [film.steps[k] for k in keep])
        if len(sheet) + len(history) <= MAX_FILM_BYTES or len(keep) <= 2:
            break
        thinner = sorted(set(keep[::2]) | {keep[-1]} | {k for k in keep if film.steps[k] == film.gan_start})
        keep = thinner if len(thinner) < len(keep) else [keep[0], keep[-1]]
    _write_atomically(folder / FRAMES_FILE, sheet)
    _write_atomically(folder / HISTORY_FILE, history)
    return folder / HISTORY_FILE


def stages_phrase(gan_start: int, total_steps: int) -> str:
    """Which stages a run of `total_steps` with the GAN stage from `gan_start` trained, in words. One-stage runs
    (the seed's other families): the AE and the VAE never reach the GAN stage, the GAN starts in it."""
    if gan_start <= 0:
        return "the GAN stage only"
    if gan_start >= total_steps:
        return "the autoencoder stage only"
    return f"the GAN stage from step {gan_start:,}"


def film_summary(folder: str | Path) -> str | None:
    """One line about the folder's film for its model card, or None when it has no readable one."""
    try:
        history = json.loads((Path(folder) / HISTORY_FILE).read_text())
        frames, total, gan_start = history["frames"], history["total_steps"], history["gan_start"]
        stage = stages_phrase(gan_start, total)
        scores = " and D's scores" if history.get("d_scores") else ""
        return (f"{frames['count']} frames of samples from fixed noise over {total:,} steps ({stage}), with every "
                f"loss{scores}: `{FRAMES_FILE}` and `{HISTORY_FILE}`.")
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _history_bytes(film: Film, steps: list[int]) -> bytes:
    def series(curves: dict) -> dict:
        return {name: {"steps": [int(s) for s in x], "values": [float(v) for v in y]}
                for name, (x, y) in curves.items()}

    count, height, width = len(steps), film.frames.shape[1], film.frames.shape[2]
    history = {
        "format": FORMAT, "version": VERSION, "total_steps": int(film.total_steps), "gan_start": int(film.gan_start),
        "frames": {"file": FRAMES_FILE, "count": count, "height": height, "width": width, "rows": film.rows,
                   "columns": film.columns, "tile": film.tile, "padding": film.padding, "steps": steps},
        "losses": series(film.losses), "d_scores": series(film.d_scores),
    }
    return (json.dumps(history, separators=(",", ":")) + "\n").encode()


def _encode_png(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels, dtype=np.uint8), mode="L").save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _write_atomically(path: Path, data: bytes) -> None:
    """A temp file renamed into place: a reader never sees half a file."""
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _count(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a whole number of 0 or more, not {shown(value)}")
    return value


def _series(data: dict, name: str) -> tuple[np.ndarray, np.ndarray]:
    steps, values = np.asarray(data["steps"], dtype=np.int64), np.asarray(data["values"], dtype=np.float64)
    if steps.ndim != 1 or steps.shape != values.shape:
        raise ValueError(f"{name} needs as many values as steps")
    return steps, values


def _why(error: BaseException) -> str:
    return f"{error.args[0]} is missing" if isinstance(error, KeyError) else _first_line(error)


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0][:200] if lines else type(error).__name__
