"""A small AE-GAN trained live, for the app's Training tab: the shipped recipe, watched as it learns.

The run is the loop of training/loop.py (`train`, unchanged) on a class-balanced subset of a dataset's train
split, in a child process (`python -m training.live FOLDER`), so that it cannot slow the server's own thread,
can be stopped at any moment by ending the process, and is held to its limits from outside:

- LIMITS: at most MAX_STEPS steps (checked before it starts), MAX_SECONDS of wall time, MAX_MEMORY_MB of
  resident memory (the child is ended past either), MAX_RUNS runs at a time in this process (the app's queue
  lets one `train` event run at a time; a script calling this module directly gets a one-line refusal).
- Everything it writes goes into one temporary folder (aegan-live-<server pid>-*), deleted when the run ends,
  fails or is stopped (`LiveRun.close`, which `with` calls); a folder left by a server that was killed is
  deleted by the next run. The child ends itself when its parent is gone or its time is up.

    with LiveRun(LiveOptions(dataset="mnist")) as run:
        for progress in run.follow():        # every `every` seconds, and at each new frame of the film
            show(progress.film, progress.step)  # progress.film: an aegan.film.Film, in memory
    # here the run has ended and its folder is gone

$AEGAN_LIVE=tiny trains a tiny model on synthetic strokes instead (seconds, no dataset): for tests and smoke runs.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import ClassVar

from aegan.errors import InputError, shown
from aegan.film import Film

from .config import TrainConfig

log = logging.getLogger("aegan.live")

REPO_ROOT = Path(__file__).resolve().parents[1]
MAX_STEPS = 3000  # stage 1 + stage 2
MAX_SECONDS = 600
MAX_MEMORY_MB = 2000  # resident memory of the child (torch itself takes a few hundred)
MAX_RUNS = 1
IMAGES = 10_000  # training images of a live run (all of them when the split has fewer)
FRAMES = 300  # frames drawn by a live run: one every few steps, so that the page gets a new grid every second or two
KEPT_FRAMES = 100  # frames of the film it hands over (the first, the switch's and the last among them)
POLL_S = 0.2
THREADS = 1  # the run's CPU threads: on a 2-core laptop the other core stays with the app's other tabs
PREFIX = "aegan-live-"

# What each knob may be: the app's controls are drawn from these, and LiveOptions.check holds any caller to them.
BOUNDS = {"ae_steps": (0, MAX_STEPS), "gan_steps": (0, MAX_STEPS), "kl_weight": (0.0, 1.0),
          "adversarial_weight": (0.0, 10.0), "ae_lr": (1e-5, 1e-2), "g_lr": (1e-5, 1e-2), "d_lr": (1e-5, 1e-2)}
LABELS = {"ae_steps": "stage 1 steps", "gan_steps": "stage 2 steps", "kl_weight": "the KL weight",
          "adversarial_weight": "the adversarial weight", "ae_lr": "the stage 1 learning rate",
          "g_lr": "G's learning rate", "d_lr": "D's learning rate"}
WHOLE = {"ae_steps", "gan_steps"}

# The recipe of the shipped models (training/config.py), but for its KL weight: 25 times theirs, so that stage 1's
# samples, drawn from N(0, I), show the classes (blurry) within a few hundred steps, as the film should teach.
RECIPE = dict(ae_steps=450, gan_steps=300, kl_weight=0.5, adversarial_weight=TrainConfig.adversarial_weight,
              ae_lr=TrainConfig.ae_lr, g_lr=TrainConfig.gan_lr, d_lr=TrainConfig.gan_lr)
# ...and three ways to break it on purpose (ui/training.py says what each shows).
PRESETS = {
    "recipe": RECIPE,
    "no-kl": {**RECIPE, "kl_weight": 0.0},
    "strong-d": {**RECIPE, "g_lr": RECIPE["g_lr"] / 10, "d_lr": RECIPE["d_lr"] * 10},  # D learns 100x as fast
    "no-stage-1": {**RECIPE, "ae_steps": 0, "gan_steps": RECIPE["ae_steps"] + RECIPE["gan_steps"]},
}
# Model sizes: the app's live model (half the shipped width, so that the recipe fits in a few minutes on one
# core), and the tests' (training.config.TINY).
SIZES = {"small": dict(latent_dim=32, base_channels=16, condition_dim=32, discriminator_features=128),
         "tiny": dict(latent_dim=8, base_channels=8, condition_dim=8, discriminator_features=16)}
BATCH = {"small": 64, "tiny": 16}
# The grid is drawn by the exponential moving average of the weights: at the shipped 0.999 it would average over
# more steps than a live run's GAN stage has, and show the autoencoder long after the switch.
EMA_DECAY = 0.98

_slots = threading.BoundedSemaphore(MAX_RUNS)


@dataclass(frozen=True)
class LiveOptions:
    """The knobs of a live run (RECIPE's values by default). `job`: what the child process does with its options
    (training/own.py's FineTuneOptions is the other job this runner runs: a fine-tune on your own images)."""

    job: ClassVar[str] = "live"
    dataset: str = "fashion-mnist"
    ae_steps: int = RECIPE["ae_steps"]
    gan_steps: int = RECIPE["gan_steps"]
    kl_weight: float = RECIPE["kl_weight"]
    adversarial_weight: float = RECIPE["adversarial_weight"]
    ae_lr: float = RECIPE["ae_lr"]
    g_lr: float = RECIPE["g_lr"]
    d_lr: float = RECIPE["d_lr"]
    seed: int = 0

    @property
    def total_steps(self) -> int:
        return self.ae_steps + self.gan_steps

    def check(self) -> "LiveOptions":
        """self, or an InputError of one sentence naming the first knob out of its bounds."""
        from aegan.data import check_dataset_name

        check_dataset_name(self.dataset)
        for name, (low, high) in BOUNDS.items():
            value = getattr(self, name)
            whole = name in WHOLE
            if isinstance(value, bool) or not isinstance(value, int if whole else (int, float)) \
                    or not low <= value <= high:
                kind = "a whole number" if whole else "a number"
                raise InputError(f"{LABELS[name]} must be {kind} from {low:g} to {high:g}, not {shown(value)}")
        if not 1 <= self.total_steps <= MAX_STEPS:
            raise InputError(f"stage 1 and stage 2 steps together must be from 1 to {MAX_STEPS:,}, "
                             f"not {self.total_steps:,}")
        return self


def scale() -> str:
    """'tiny' when $AEGAN_LIVE says so, else 'small' (the app's)."""
    return "tiny" if os.environ.get("AEGAN_LIVE") == "tiny" else "small"


def train_config(options: LiveOptions, size: str = "small"):
    """The TrainConfig of a live run: the shipped recipe's, with the run's knobs and the live model size."""
    from aegan.config import ModelConfig
    from aegan.data import CLASS_NAMES

    model = ModelConfig(dataset=options.dataset, class_names=CLASS_NAMES[options.dataset], **SIZES[size])
    return TrainConfig(dataset=options.dataset, model=model, batch_size=BATCH[size], ae_steps=options.ae_steps,
                       gan_steps=options.gan_steps, kl_weight=options.kl_weight,
                       adversarial_weight=options.adversarial_weight, ae_lr=options.ae_lr, gan_lr=options.g_lr,
                       d_lr=options.d_lr, seed=options.seed, device=os.environ.get("AEGAN_DEVICE", "auto"),
                       ema_decay=EMA_DECAY, checkpoint_seconds=float("inf"), film_frames=FRAMES)


def subset(data, count: int = IMAGES, seed: int = 0):
    """A class-balanced subset of `count` images of an aegan.data.Dataset (all when it has fewer)."""
    import numpy as np

    from aegan.data import Dataset

    if len(data) <= count:
        return data
    order = np.random.default_rng(seed).permutation(len(data))
    classes = np.unique(data.labels)
    per_class = count // len(classes)
    keep = np.sort(np.concatenate([order[data.labels[order] == k][:per_class] for k in classes]))
    return Dataset(data.name, data.split, data.images[keep], data.labels[keep],
                   f"{len(keep):,} images ({per_class:,} of each class) of the {data.source}")


@dataclass(frozen=True)
class Progress:
    """Where a live run is. `state`: starting, training, finished, stopped (by a limit or a caller) or failed;
    `film`: its film so far, at most KEPT_FRAMES frames (None before the first); `reason`: why it stopped or
    failed."""

    state: str
    step: int
    total_steps: int
    seconds: float  # since it started
    film: Film | None = None
    reason: str | None = None
    steps_per_second: float | None = None  # since its first frame (None before the second)

    @property
    def over(self) -> bool:
        return self.state in ("finished", "stopped", "failed")


def live_root() -> Path:
    """Where live runs' temporary folders go: $AEGAN_LIVE_DIR, else the system's temp folder."""
    return Path(os.environ.get("AEGAN_LIVE_DIR") or tempfile.gettempdir())


class LiveRun:
    """One live run: `start()` (or `with`) starts it, `follow()` watches it, `close()` ends it and deletes its
    folder. `root`: where the temporary folder goes ($AEGAN_LIVE_DIR, else the system's temp folder)."""

    def __init__(self, options, *, root: str | Path | None = None, max_seconds: float = MAX_SECONDS,
                 max_memory_mb: float = MAX_MEMORY_MB):
        self.options = options.check()
        self.root = Path(root) if root else live_root()
        self.max_seconds, self.max_memory_mb = max_seconds, max_memory_mb
        self.folder: Path | None = None
        self.process: subprocess.Popen | None = None
        self.film: Film | None = None
        self.ending: tuple[str, str] | None = None  # (state, reason) once it is over
        self._slot = False
        self._record_mtime = None
        self._frames: dict[int, object] = {}  # uint8 [H, W] by step: each frame file is decoded once
        self._started = time.monotonic()
        self._first_frame: tuple[float, int] | None = None  # (when it was read, its step)

    def __enter__(self) -> "LiveRun":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> "LiveRun":
        if not _slots.acquire(blocking=False):
            raise InputError("a live run is already training on this server; try again when it has finished")
        self._slot = True
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            remove_abandoned(self.root)
            self.folder = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=self.root))
            size = scale()
            child = {"job": self.options.job, "options": asdict(self.options), "size": size,
                     "deadline_s": self.max_seconds + 30,
                     "threads": THREADS, "dataset": "synthetic" if size == "tiny" else None}
            (self.folder / "options.json").write_text(json.dumps(child))
            with open(self.folder / "log.txt", "wb") as out:
                self.process = subprocess.Popen([sys.executable, "-m", "training.live", str(self.folder)],
                                                cwd=REPO_ROOT, stdin=subprocess.DEVNULL, stdout=out,
                                                stderr=subprocess.STDOUT)
        except BaseException:
            self.close()
            raise
        self._started = time.monotonic()
        return self

    def follow(self, every: float = 1.0):
        """Progress snapshots every `every` seconds, with the film as far as it has got, until the run is over;
        the last one says how it ended. The run is ended here when it passes a limit."""
        last = -float("inf")
        while True:
            over = self._check()
            now = time.monotonic()
            if over or now - last >= every:
                self._read_film()
                over = self._check()  # the film may have reached the last step
                last = now
                progress = self.progress()
                yield progress
                if progress.over:
                    return
            time.sleep(POLL_S)

    def progress(self) -> Progress:
        step = self.film.steps[-1] if self.film is not None else 0
        state, reason = self.ending or (("training" if self.film is not None else "starting"), None)
        now, rate = time.monotonic(), None
        if self._first_frame is not None and step > self._first_frame[1]:
            rate = (step - self._first_frame[1]) / max(now - self._first_frame[0], 1e-9)
        return Progress(state, step, self.options.total_steps, now - self._started, kept(self.film), reason, rate)

    def stop(self, reason: str = "it was stopped") -> None:
        """End the child now (its film so far stays readable until close); `reason`: why, for Progress."""
        if self.ending is None:
            self.ending = ("stopped", reason)
        _end(self.process)

    def close(self) -> None:
        """End the child and delete the folder; safe to call twice, and from any failure."""
        try:
            _end(self.process)
            if self.folder is not None:
                shutil.rmtree(self.folder, ignore_errors=True)
        finally:
            if self._slot:
                self._slot = False
                _slots.release()

    def _check(self) -> bool:
        """Is the run over? Ends it past its time or memory."""
        if self.ending is not None:
            return True
        code = self.process.poll()
        if code is None and self.film is not None and self.film.steps[-1] >= self.options.total_steps \
                and self.options.job == "live":
            self.ending = ("finished", None)  # its last frame is drawn: what is left is saving state nobody reads
            return True
        if code is None:
            seconds, memory = time.monotonic() - self._started, resident_mb(self.process.pid)
            if seconds > self.max_seconds:
                self.stop(f"it reached the time limit of {self.max_seconds:g} s")
            elif memory is not None and memory > self.max_memory_mb:
                self.stop(f"it used {memory:,.0f} MB of memory, over the limit of {self.max_memory_mb:,.0f} MB")
            else:
                return False
            self._read_film(force=True)
            return True
        self._read_film(force=True)  # the frames drawn before it exited
        if code == 0:
            self.ending = ("finished", None)
        else:
            self.ending = ("failed", self._failure(code))
        return True

    def _failure(self, code: int) -> str:
        lines = (self.folder / "log.txt").read_text(errors="replace").strip().splitlines()
        said = [line[len("error: "):] for line in lines if line.startswith("error: ")]
        if said:
            return said[-1]
        log.error("live run failed (exit code %s):\n%s", code, "\n".join(lines[-30:]))
        return "the run failed (the details are in the server log)"

    def _read_film(self, force: bool = False) -> bool:
        """Reread the film when the run wrote a new frame (or `force`); True when it has new frames."""
        from .film import read_film

        path = self.folder / "run" / "film" / "record.json"
        try:
            mtime = path.stat().st_mtime_ns
            if mtime == self._record_mtime and not force:
                return False
            film = read_film(json.loads(path.read_text()), self.folder / "run", self._frames)
        except (OSError, ValueError):  # not written yet
            return False
        self._record_mtime = mtime
        changed = film is not None and (self.film is None or film.steps != self.film.steps)
        self.film = film if film is not None else self.film
        if self.film is not None and self._first_frame is None:
            self._first_frame = (time.monotonic(), self.film.steps[-1])
        return changed


def kept(film: Film | None, frames: int = KEPT_FRAMES) -> Film | None:
    """`film` with at most `frames` frames, evenly spread, the first, the switch's and the last kept (a session
    keeps its live run's film: it stays small)."""
    if film is None or len(film.steps) <= frames:
        return film
    import numpy as np

    keep = set(np.linspace(0, len(film.steps) - 1, frames - 1).round().astype(int).tolist())
    keep.add(film.frame_at(film.gan_start))
    keep = sorted(keep)
    return replace(film, steps=[film.steps[k] for k in keep], frames=film.frames[keep])


def _end(process: subprocess.Popen | None) -> None:
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def resident_mb(pid: int) -> float | None:
    """A process's resident memory in MB (Linux's /proc; None elsewhere, where the run's sizes bound it)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def remove_abandoned(root: Path, prefix: str = PREFIX) -> list[Path]:
    """Delete the folders named <prefix><pid>-* of servers that are no longer running (killed before they could):
    live runs' (PREFIX), and others kept by session (ui/yours.py's)."""
    removed = []
    for folder in root.glob(f"{prefix}*"):
        try:
            pid = int(folder.name[len(prefix):].split("-")[0])
        except ValueError:
            continue
        if pid != os.getpid() and not _alive(pid):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


# --- the child process -------------------------------------------------------------------------------------

def _watch(parent: int, deadline_s: float) -> None:
    """End this process when its parent is gone (a killed server) or its time is up."""
    started = time.monotonic()
    while os.getppid() == parent and time.monotonic() - started < deadline_s:
        time.sleep(1.0)
    os._exit(3)


def main(argv: list[str] | None = None) -> int:
    """The child: train the run described in FOLDER/options.json into FOLDER/run (or hand a fine-tune over to
    training/own.py)."""
    folder = Path((argv if argv is not None else sys.argv[1:])[0])
    child = json.loads((folder / "options.json").read_text())
    threading.Thread(target=_watch, args=(os.getppid(), child["deadline_s"]), daemon=True).start()
    import torch

    torch.set_num_threads(child["threads"])
    if child.get("job", "live") == "fine-tune":
        from .own import fine_tune_child

        return fine_tune_child(folder, child)
    from aegan.data import load_dataset

    from .loop import train

    options = LiveOptions(**child["options"])
    if child["dataset"]:
        options = replace(options, dataset=child["dataset"])
    try:
        data = subset(load_dataset(options.dataset, "train"), seed=options.seed)
        train(train_config(options, child["size"]), folder / "run", progress=False, data=data)
    except (InputError, FloatingPointError) as error:
        print(f"error: {error}", file=sys.stderr, flush=True)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
