"""Record a run's film while it trains (format: aegan/film.py), and export it with the model.

In the run folder: `film/step-000133.png`, one grid per frame, and `film/record.json`, the record so far
(frame steps, each loss and D's scores as series, the loss window in progress). The same record goes
into the resumable state with the weights: a run resumed after a kill goes on from the film of exactly
the weights it resumes, and the frames a killed run drew after its last state are deleted and drawn again.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

from aegan.film import D_SCORES, FRAMES_FILE, HISTORY_FILE, LOSSES, Film, save_film
from aegan.images import IMAGE_SIZE, make_grid

from .state import atomic_write_bytes, atomic_write_text

FRAMES = 60  # frames over a run, plus the first, the one at the stage switch and the last
LOSS_POINTS = 300  # points of each curve over a run, each the mean over its window of steps
SAMPLES_PER_CLASS = 6  # a frame is one row per class of this many samples (the film's size grows with it)
PADDING = 2  # background pixels between the images of a frame
RECORD_VERSION = 1

# The loop's names of the parts of its losses (see loop.py) -> the film's names (aegan.film.LOSSES, D_SCORES)
LOSS_NAMES = {"mse": "L_rec", "kl": "KL", "class_ce": "L_class", "d_loss": "L_D", "d_loss_real": "L_D_real",
              "d_loss_fake": "L_D_fake", "g_adv": "L_G", "g_aux": "L_aux"}
SCORE_NAMES = {"d_real": "real", "d_fake": "fake"}


class FilmRecorder:
    """The film of the run in `run_dir`, trained to `total_steps` with the GAN stage from `gan_start`.
    `record`: the one kept in the state being resumed (None: a new film); `frames`: about how many frames
    (None: FRAMES)."""

    def __init__(self, run_dir: Path, total_steps: int, gan_start: int, classes: int, record: dict | None = None,
                 frames: int | None = None):
        self.folder = Path(run_dir) / "film"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.total_steps, self.gan_start = total_steps, gan_start
        self.frame_every = max(1, total_steps // (frames or FRAMES))
        self.loss_every = max(1, total_steps // LOSS_POINTS)
        if record is None or record.get("version") != RECORD_VERSION:  # a new film (or a state from before films)
            record = {"version": RECORD_VERSION, "rows": classes, "columns": SAMPLES_PER_CLASS, "frame_steps": [],
                      "losses": {}, "d_scores": {}, "window": {}}
        self.record = record
        # A resumed run may train to another total or switch stage elsewhere (--gan-steps): the film says so.
        self.record.update(total_steps=total_steps, gan_start=gan_start)
        self._remove_unrecorded_frames()
        self.save()

    @property
    def samples(self) -> int:
        """Images a frame shows: add_frame takes them class by class, record["columns"] of each class."""
        return self.record["rows"] * self.record["columns"]

    def wants_frame(self, step: int) -> bool:
        frames = self.record["frame_steps"]
        due = not frames or step % self.frame_every == 0 or step in (self.gan_start, self.total_steps)
        return due and (not frames or step > frames[-1])

    def add_frame(self, step: int, images: np.ndarray) -> None:
        """images: uint8 [samples, 28, 28], G's images from the film's fixed noise after `step` steps, class
        by class; drawn as a grid of one row per class."""
        grid = make_grid(images, columns=self.record["columns"], padding=PADDING)
        image = Image.fromarray(grid, mode="L")
        atomic_write_bytes(frame_path(self.folder, step), lambda tmp: image.save(tmp, format="PNG"))
        self.record["frame_steps"].append(step)
        self.save()

    def add_losses(self, step: int, parts: dict[str, float]) -> None:
        """The parts of step `step`'s losses (the loop's names): summed into the window, which becomes one
        point of each curve every loss_every steps and at the stage switch and the end."""
        window = self.record["window"]
        for key, value in parts.items():
            total, count = window.get(key, (0.0, 0))
            window[key] = (total + value, count + 1)
        if step % self.loss_every == 0 or step in (self.gan_start, self.total_steps):
            for key, (total, count) in window.items():
                score = key in SCORE_NAMES
                kind, name = ("d_scores", SCORE_NAMES[key]) if score else ("losses", LOSS_NAMES.get(key, key))
                series = self.record[kind].setdefault(name, {"steps": [], "values": []})
                series["steps"].append(step)
                series["values"].append(float(f"{total / count:.5g}"))  # 5 digits keep history.json small
            window.clear()

    def save(self) -> None:
        atomic_write_text(self.folder / "record.json", json.dumps(self.record, separators=(",", ":")))

    def _remove_unrecorded_frames(self) -> None:
        """Frames that a killed run drew after its last state: the resumed run draws them again."""
        recorded = {frame_path(self.folder, step).name for step in self.record["frame_steps"]}
        for path in self.folder.glob("step-*.png"):
            if path.name not in recorded:
                path.unlink(missing_ok=True)


def frame_path(folder: Path, step: int) -> Path:
    return folder / f"step-{step:06d}.png"


def export_film(record: dict | None, run_dir: Path, out_dir: Path) -> Path | None:
    """Write the film of a run's state (`record`, None for runs from before films) into the checkpoint
    folder as history.json + film.png (aegan.film.save_film); returns history.json's path, or None when
    there is no film, after removing any film an earlier export left there (it would belong to other weights)."""
    out_dir = Path(out_dir)
    film = read_film(record, run_dir)
    if film is None:
        for name in (HISTORY_FILE, FRAMES_FILE):
            (out_dir / name).unlink(missing_ok=True)
        return None
    return save_film(out_dir, film)


def read_film(record: dict | None, run_dir: Path, cache: dict[int, np.ndarray] | None = None) -> Film | None:
    """The film of a run as far as `record` goes (the state's, or film/record.json of a run in progress, as
    the live run in training/live.py reads it), with its frames from the run folder; None before any frame.
    `cache`: frames already read, by step (filled here), so that a film read again and again decodes each once."""
    steps, frames, cache = [], [], {} if cache is None else cache
    for step in (record or {}).get("frame_steps", []):
        path = frame_path(Path(run_dir) / "film", step)
        if step not in cache and path.is_file():  # one deleted by hand is left out, not a reason to fail the export
            with Image.open(path) as image:
                cache[step] = np.asarray(image.convert("L"))
        if step in cache:
            frames.append(cache[step])
            steps.append(step)
    if not frames:
        return None

    def series(kind: dict) -> dict:
        return {name: (np.asarray(s["steps"]), np.asarray(s["values"])) for name, s in kind.items()}

    # Curves in the order aegan.film explains them; names it does not know (a newer loop's) after them.
    order = {name: k for k, name in enumerate([*LOSSES, *D_SCORES])}
    losses, scores = (dict(sorted(series(record[kind]).items(), key=lambda item: order.get(item[0], len(order))))
                      for kind in ("losses", "d_scores"))
    return Film(steps=steps, frames=np.stack(frames), gan_start=record["gan_start"], total_steps=record["total_steps"],
                losses=losses, d_scores=scores, rows=record["rows"], columns=record["columns"], tile=IMAGE_SIZE,
                padding=PADDING)
