"""Tab "Your images": upload or draw images under labels you name, fine-tune the shipped class model on them,
and every tab draws with that model, for your session only. Beside each of its samples, the nearest of your
images: a model that copies what it saw draws samples that sit closer to one of your images than your images
sit to each other.

Your images (converted as every upload is: aegan.images.prepare_image) and your model live in a temporary folder
of the session (aegan-yours-<server pid>-*, in $AEGAN_LIVE_DIR or the system's temp folder), deleted when the
session ends (demo.unload: the page is closed), when you start over, or after KEEP_S without use (drawing with your
model in any tab is use); the files the browser uploaded for this tab are deleted from Gradio's upload folder when
the page is closed (not at Start over: the page's other tabs may hold the same file). The fine-tune is a child process
run by training/live.py's runner (its limits; one training at a time on a server: it shares the live run's slot
in the queue, so a second visitor waits and sees their place). The model replaces the class model of the dataset
it was fine-tuned from (ui/loading.py `use_session_model`); the text tab keeps the shipped text model.

Events (api_name = the pipeline verb):
    add_images      (label, image files, a drawing) -> your images, a summary, the inputs cleared
    clear_images    () -> your images (none), a summary, the status: images and model forgotten
    fine_tune       (dataset) -> streams the fine-tune's latest grid and a status line
    forget_model    () -> the status: back to the shipped model
    nearest         (dataset, seed) -> samples of your model, each beside the nearest of your images, a verdict
After fine_tune, forget_model and clear_images, the page renames the other tabs' class dropdowns for the dataset
selected then (private events, relabel_after_*): a fine-tune takes minutes, and the visitor may have switched.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
import unicodedata
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import gradio as gr
import numpy as np

from aegan.data import MAX_OWN_CLASSES, MIN_OWN_IMAGES, check_own_images
from aegan.errors import InputError
from training import live as runs
from training import own

from .controls import (DATASET, HEAVY, LIGHT, RAW, SEED, class_dropdowns, explain, gallery_output, seed_number,
                       sketchpad)
from .films import FRAME_CSS, frame_data_url, stage_of
from .loading import (forget_session_model, gpu, has_own_model, label_of, last_used, session_model, session_of,
                      use_session_model)
from .media import BLANK, read_drawing, read_image, show, show_strip
from .requests import friendly, read_editor, read_image_file, read_text, upload_paths

MAX_IMAGES = 200  # images a session may add (at least aegan.data.MIN_OWN_IMAGES to fine-tune)
MAX_LABEL_CHARS = 40
MAX_SECONDS = runs.MAX_SECONDS  # a fine-tune past this is stopped, as a live run is (docs/PERFORMANCE.md: its time)
KEEP_S = 3600  # a session's images and model are deleted after this long without use (or when it ends)
MAX_SESSIONS = 32  # sessions holding images at once (a class of 30 and its teacher); past it a new one is refused
IDLE_S = 600  # ...unless one holds images only (no model, no fine-tune) and has not been used for this long
PER_CLASS = 2  # samples of each class beside their nearest images
PREFIX = "aegan-yours-"
LABEL, FILES, DRAWING = "Label", "Images for this label", "…or draw one"
GRID_HTML = '<img alt="your model\'s samples while it fine-tunes" src="${value}">'

EXPLAIN = f"""**Teach the model your own classes.** Name a label (a *cat*, your initials, a *smiley*), upload or draw
images of it, and add them; then another label, up to {MAX_OWN_CLASSES}. With {MIN_OWN_IMAGES} to {MAX_IMAGES}
images, press *Fine-tune*: the shipped model of the selected dataset learns your labels in about two minutes
(its encoder **E** already reads strokes and shapes; each of your labels starts where E reads your images, so a
label of shoes starts from the sneakers). Then **every tab draws with your model** while this dataset is selected,
for you only (the text tab keeps the shipped text model). Your images and your model are deleted when you close
the page."""
COPYING = """### Copying or generalising?
A model trained on a few images can learn them by heart. Each sample of your model (left) is shown beside the
nearest of your images (right), with their distance (0 = the same image, 1 = opposite everywhere). Samples much
closer to one of your images than your images are to each other are copies; the others are new drawings."""


@dataclass
class Yours:
    """One session's images and model. `images`: uint8 [28, 28] each, `labels`: the label of each; `folder`: where
    its fine-tunes write (made by the first)."""

    folder: Path | None = None
    images: list[np.ndarray] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    # The browser's uploads this session added, each with its identity then (kept at Start over): see _delete.
    uploads: dict[Path, tuple[int, int] | None] = field(default_factory=dict)
    used: float = field(default_factory=time.monotonic)
    run: runs.LiveRun | None = None

    @property
    def names(self) -> list[str]:
        """The labels in the order they were first used (class id = position)."""
        return list(dict.fromkeys(self.labels))

    def ids(self) -> np.ndarray:
        names = self.names
        return np.asarray([names.index(label) for label in self.labels], dtype=np.int64)


_sessions: dict[str, Yours] = {}
_lock = threading.Lock()


def _session(session: str | None, create: bool = False) -> Yours | None:
    """The session's images (made on first use when `create`); deletes the sessions unused for KEEP_S first.
    When MAX_SESSIONS hold images, the one holding images only and unused for IDLE_S longest makes room (a script's
    abandoned calls, say); else the new session is refused in one line. A session with a model is never deleted to
    make room: a student drawing with it in another tab would lose it without a word."""
    if session is None:
        raise InputError("this request has no session; open the page, or call the app with a session")
    now = time.monotonic()
    with _lock:
        unused = {s: now - max(yours.used, last_used(s)) for s, yours in _sessions.items() if yours.run is None}
        stale = [s for s, idle in unused.items() if idle > KEEP_S]
        if create and session not in _sessions and len(_sessions) - len(stale) >= MAX_SESSIONS:
            idle = [s for s, t in unused.items() if s not in stale and t > IDLE_S and not has_own_model(s)]
            stale += sorted(idle, key=unused.get, reverse=True)[:1]
        dropped = [_sessions.pop(s) for s in stale]
    for s, yours in zip(stale, dropped):
        _delete(s, yours, uploads=False)  # an abandoned session: its uploads are Gradio's to expire (delete_cache)
    with _lock:
        yours = _sessions.get(session)
        if yours is None and create:
            if len(_sessions) >= MAX_SESSIONS:
                raise InputError(f"this server holds the images of {MAX_SESSIONS} visitors already, the most it "
                                 "keeps; try again when one of them has closed their page")
            yours = _sessions[session] = Yours()
        if yours is not None:
            yours.used = now
        return yours


def _delete(session: str, yours: Yours, uploads: bool = True, why: str = "the page was closed") -> None:
    """Forget a session's model, end its fine-tune, delete its folder and (`uploads`) the files its browser
    uploaded to this tab, unless another session here added the same file or anyone sent it again since. Gradio
    keeps an upload under a name made from its content, so the same picture sent from another tab or by another
    visitor is the same file, written anew (renamed into place) each time it is sent: a file whose identity
    changed after this session added it is someone else's upload now. That is also why only a page that is
    closed deletes them (its other tabs are gone with it), and an abandoned session leaves them to Gradio's own
    clean-up (the app's delete_cache: files older than an hour). Left open: a visitor who sent the same picture
    before this session did, and has not added it yet, finds it gone and is asked to upload it again."""
    forget_session_model(session)
    if yours.run is not None:
        yours.run.stop(why)  # the fine-tune's status line says it
    if yours.folder is not None:
        shutil.rmtree(yours.folder, ignore_errors=True)
    if not uploads:
        return
    with _lock:
        shared = set().union(*(other.uploads for other in _sessions.values()))
    for path, identity in yours.uploads.items():
        if path in shared or _identity(path) != identity:
            continue
        path.unlink(missing_ok=True)
        try:
            path.parent.rmdir()  # Gradio keeps each upload in a folder of its own; gone when empty
        except OSError:
            pass


def _identity(path: Path) -> tuple[int, int] | None:
    """Which write of a file this is (inode, modification time); None when there is no file."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_ino, stat.st_mtime_ns


def _new_folder() -> Path:
    where = runs.live_root()  # beside the live runs' folders
    where.mkdir(parents=True, exist_ok=True)
    runs.remove_abandoned(where, PREFIX)
    return Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=where))


def drop_session(request: gr.Request) -> None:
    """demo.unload: the page was closed or reloaded, so the session's images, model and uploads are deleted."""
    end_session(session_of(request))


def end_session(session: str) -> None:
    """Delete the session's images, model and uploads, as at the end of its page."""
    with _lock:
        yours = _sessions.pop(session, None)
    if yours is not None:
        _delete(session, yours)
    else:
        forget_session_model(session)


def _start_over(session: str) -> None:
    """Images, model and fine-tune go; the session starts again empty, keeping only the list of its uploads for
    the page's end (the page's other tabs may still show the same files)."""
    with _lock:
        yours = _sessions.get(session)
        if yours is not None:
            _sessions[session] = Yours(uploads=dict(yours.uploads))
    if yours is not None:
        _delete(session, yours, uploads=False, why="you pressed Start over")
    else:
        forget_session_model(session)


# --- reading what a request sends -------------------------------------------------------------------------

ZERO_WIDTH_JOINER = "\u200d"  # a format character (category Cf) that joins emoji such as 👩‍💻 into one


def read_label(value) -> str:
    """A label's name: its words, one space apart; 1 to MAX_LABEL_CHARS characters, no control characters."""
    text = " ".join(read_text(value, LABEL).split())
    if not text:
        raise InputError("name the label first (for example “cat”): each image you add goes under a label")
    if len(text) > MAX_LABEL_CHARS:
        raise InputError(f"a label may have at most {MAX_LABEL_CHARS} characters, not {len(text):,}")
    if any(unicodedata.category(c).startswith("C") and c != ZERO_WIDTH_JOINER for c in text):
        raise InputError("a label may not hold control characters; use letters, digits or emoji")
    return text


def read_files(value, room: int) -> list[np.ndarray]:
    """The files of the upload box -> uint8 [28, 28] each, converted as every upload is; any file that is not a
    usable image refuses them all, naming it. `room`: how many more images the session may add."""
    if value is None:
        return []
    if not isinstance(value, list):
        value = [value]
    if len(value) > room:
        raise InputError(f"that is {len(value):,} files and there is room for {room:,} more images "
                         f"(at most {MAX_IMAGES} in all)")
    pictures = []
    for number, item in enumerate(value, 1):
        name = item.get("orig_name") if isinstance(item, dict) else None
        which = f"“{name}”" if isinstance(name, str) and name else f"file {number}"
        try:
            read = read_image(read_image_file(item, FILES))
        except InputError as error:
            raise InputError(f"{which}: {error}") from None
        if read is None:
            raise InputError(f"{which} is blank once made 28x28 (nothing drawn on it); leave it out")
        pictures.append(read[0])
    return pictures


# --- callbacks ----------------------------------------------------------------------------------------------

def _summary(yours: Yours | None) -> str:
    if yours is None or not yours.images:
        return (f"No images yet: name a label, add images of it, then a second label ({MIN_OWN_IMAGES} to "
                f"{MAX_IMAGES} images under 2 to {MAX_OWN_CLASSES} labels).")
    counts = ", ".join(f"**{name}** {yours.labels.count(name)}" for name in yours.names)
    n, k = len(yours.images), len(yours.names)
    text = f"{n} image{'s' if n != 1 else ''} under {k} label{'s' if k != 1 else ''}: {counts}."
    try:
        check_own_images(yours.ids(), yours.names, "To fine-tune")
    except InputError as error:
        return f"{text} {error}."
    return f"{text} Ready to fine-tune."


def _gallery(yours: Yours | None) -> list:
    if yours is None:
        return []
    return [(show(image, 2), label) for image, label in zip(yours.images, yours.labels)]


def _write_images(yours: Yours) -> Path:
    """The images, for the fine-tune's child process, in the session's folder (made now if need be). (Under _lock.)"""
    if yours.folder is None:
        yours.folder = _new_folder()
    path = yours.folder / own.IMAGES_FILE
    own.save_images(path, np.stack(yours.images), yours.ids(), yours.names)
    return path


def _check_room(yours: Yours, label: str, adding: int = 0) -> int:
    """Refuse a new label past MAX_OWN_CLASSES, or `adding` images past MAX_IMAGES; -> the room left. (Under _lock.)"""
    known = yours.names
    if label not in known and len(known) >= MAX_OWN_CLASSES:
        raise InputError(f"you have {MAX_OWN_CLASSES} labels already, the most a model here learns; add these "
                         f"images under one of them ({', '.join(known)})")
    room = MAX_IMAGES - len(yours.images)
    if adding > room:
        raise InputError(f"that would make {len(yours.images) + adding:,} images and the limit is {MAX_IMAGES}")
    return room


@friendly
def add_images(label, files, drawing, request: gr.Request = None):
    """Add the uploaded files and the drawing under `label`: your images, a summary, the inputs emptied."""
    label, session = read_label(label), session_of(request)
    yours = _session(session, create=True)
    with _lock:
        room = _check_room(yours, label)
    pictures = read_files(files, room)  # outside the lock: decoding many large files takes a while
    drawn = read_drawing(read_editor(drawing, DRAWING))
    if drawn is not None:
        pictures.append(drawn[0])
    if not pictures:
        raise InputError("choose image files or draw one first; there is nothing to add")
    with _lock:  # checked again: another call of this session may have added meanwhile, or Start over
        if _sessions.get(session) is not yours:
            raise InputError("you pressed Start over while these were read; add them again")
        _check_room(yours, label, len(pictures))
        yours.images += pictures
        yours.labels += [label] * len(pictures)
        yours.uploads.update({path: _identity(path) for path in upload_paths([files, drawing])})
    return _gallery(yours), _summary(yours), None, None


@friendly
def clear_images(request: gr.Request = None):
    """Start over: your images, your model and your uploads are deleted; the tabs use the shipped models."""
    _start_over(session_of(request))
    return [], _summary(None), "Your images and your model are deleted; every tab uses the shipped models."


def _status(progress: runs.Progress) -> str:
    step, total = progress.step, progress.total_steps
    if progress.state == "starting":
        return "Starting: loading your images and the shipped model…"
    if progress.state == "stopped":
        return f"**Stopped at step {step:,} of {total:,}**: {progress.reason}. Your model was not kept."
    if progress.state == "failed":
        return f"**The fine-tune ended at step {step:,} of {total:,}**: {progress.reason.rstrip('.')}."
    if step >= total:
        return f"Step **{total:,}** of {total:,} · saving your model (measuring its statistics, as export does)…"
    rate = f" · {progress.steps_per_second:.1f} steps/s" if progress.steps_per_second else ""
    return f"Fine-tuning: step **{step:,}** of {total:,} · {stage_of(progress.film, step)}{rate} · {progress.seconds:.0f} s"


def _holds(session: str | None, yours: Yours) -> bool:
    """Whether the session still holds these images (not closed, nor started over, since)."""
    with _lock:
        return _sessions.get(session) is yours


def relabeller(autos: list):
    """The relabel_after_* callback for the page's class dropdowns, whose first choices are `autos` (None: none)."""

    @friendly
    def relabel_classes(dataset, request: gr.Request = None):
        """The class dropdowns for the dataset selected now, after the session's model changed: your labels while
        your model is in use, else the shipped model's classes; each reset to its first choice."""
        return class_dropdowns(DATASET.read(dataset), autos, session_of(request), reset=True)

    return relabel_classes


@friendly
def fine_tune(dataset, request: gr.Request = None):
    """Fine-tune the shipped class model of `dataset` on your images (a child process, at most MAX_SECONDS):
    streams (its latest grid, a status line); at the end your model is the session's."""
    dataset, session = DATASET.read(dataset), session_of(request)
    yours = _session(session)
    with _lock:
        if yours is None or not yours.images:
            raise InputError(f"add your images first: {MIN_OWN_IMAGES} to {MAX_IMAGES} of them under 2 to "
                             f"{MAX_OWN_CLASSES} labels")
        check_own_images(yours.ids(), yours.names, "Your images")
        images = _write_images(yours)
    export_to = yours.folder / f"model-{uuid.uuid4().hex[:8]}"
    recipe = own.fine_tune_recipe(runs.scale())
    options = own.FineTuneOptions(dataset=dataset, images=str(images), export_to=str(export_to),
                                  ae_steps=recipe["ae_steps"], gan_steps=recipe["gan_steps"])
    progress = None
    try:
        with runs.LiveRun(options, max_seconds=MAX_SECONDS) as run:
            yours.run = run
            shown = None
            for progress in run.follow(every=1.0):
                film = progress.film
                fresh = film is not None and film.steps != shown
                shown = film.steps if film is not None else None
                yield (frame_data_url(film, -1) if fresh else gr.skip()), _status(progress)
    finally:
        yours.run = None
    if progress is None or progress.state != "finished":
        shutil.rmtree(export_to, ignore_errors=True)
        return
    # Kept only while this session still holds these images: the page may have been closed, or Start over
    # pressed (and new images added), while it trained or while the model loads.
    alive = _holds(session, yours)
    if alive:
        before = session_model(session)
        use_session_model(session, dataset, export_to)
        alive = _holds(session, yours)
        if not alive:
            forget_session_model(session)
    if not alive:
        shutil.rmtree(export_to, ignore_errors=True)
        return
    if before is not None and before.folder != export_to:
        shutil.rmtree(before.folder, ignore_errors=True)
    done = (f"**Done** in {progress.seconds:.0f} s: every tab now draws with your model while "
            f"**{label_of(dataset)}** is selected (the text tab keeps the shipped text model). Your labels: "
            f"{', '.join(yours.names)}.")
    yield gr.skip(), done


@friendly
def forget_model(request: gr.Request = None):
    """Back to the shipped model (your images stay): the status."""
    before = forget_session_model(session_of(request))
    if before is not None:
        shutil.rmtree(before.folder, ignore_errors=True)
    return "Every tab uses the shipped models again." if before is not None else "You have no model of your own."


@gpu(seconds=5)
def _sample_beside(model, n: int, seed: int, bank: np.ndarray):
    """n samples of `model` beside your images `bank` uint8 [M, 28, 28]: (the samples uint8 [n, 28, 28], their
    classes [n], the index [n] and distance [n] of the nearest of your images, the typical distance between yours)."""
    from aegan.images import to_tensor, to_uint8
    from aegan.nearest import nearest as find_nearest, typical_distance
    from aegan.pipeline import sample

    x, y = sample(model, n, seed=seed)
    images = to_tensor(bank)
    index, distance = find_nearest(x, images)
    return to_uint8(x), y, index, distance, typical_distance(images)


@friendly
def nearest(dataset, seed, request: gr.Request = None):
    """Samples of your model, PER_CLASS of each label, each beside the nearest of your images, and a verdict."""
    from aegan.nearest import is_copy

    dataset, seed, session = DATASET.read(dataset), SEED.read(seed), session_of(request)
    own_model, yours = session_model(session, dataset), _session(session)
    if own_model is None or yours is None or len(yours.images) < 2:
        return [], (f"Fine-tune a model on your images first (with **{label_of(dataset)}** selected): until then "
                    "there is nothing of yours to compare with.")
    with _lock:
        bank, labels = np.stack(yours.images), list(yours.labels)
    names = own_model.model.class_names
    drawn, y, index, distance, typical = _sample_beside(own_model.model, PER_CLASS * len(names), seed, bank)
    copied = is_copy(distance, typical)
    pairs, copies = [], int(copied.sum())
    for k in range(len(y)):
        copy = bool(copied[k])
        caption = f"{names[int(y[k])]} · nearest: {labels[int(index[k])]} · {float(distance[k]):.2f}"
        pairs.append((show_strip(np.stack([drawn[k], bank[int(index[k])]]), scale=3),
                      caption + (" · a copy" if copy else "")))
    verdict = (f"Your images are **{typical:.2f}** apart (median distance to the nearest other one). "
               f"**{copies} of {len(y)}** samples are closer than half that to one of your images: "
               + ("copies of what the model saw." if copies else "none is a copy: the model draws new images.")
               + " Few images and long training make copies; more images make new drawings (seed "
               f"{seed}).")
    return pairs, verdict


# --- layout and wiring --------------------------------------------------------------------------------------

def build_yours_tab(dataset: gr.Radio, demo: gr.Blocks, dropdowns: list) -> dict:
    """Layout and wiring of "Your images"; `dropdowns`: the other tabs' class dropdowns [(dropdown, auto label)],
    renamed to your labels when your model is in use."""
    explain(EXPLAIN)
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=300):
            label = gr.Textbox(label=LABEL, placeholder="for example: cat", max_length=MAX_LABEL_CHARS,
                               elem_id="yours-label")
            files = gr.File(label=FILES, file_count="multiple", file_types=["image"], elem_id="yours-files")
            drawing = sketchpad(DRAWING, elem_id="yours-sketch")
            add = gr.Button("Add to this label", variant="secondary", elem_id="yours-add")
        with gr.Column(scale=2, min_width=360):
            collected = gallery_output("Your images (caption: label)", columns=10, elem_id="yours-images")
            summary = gr.Markdown(_summary(None), elem_id="yours-summary")
            with gr.Row():
                go = gr.Button("Fine-tune the shipped model on them", variant="primary", elem_id="yours-fine-tune")
                forget = gr.Button("Back to the shipped model", size="sm", elem_id="yours-forget")
                clear = gr.Button("Start over", variant="stop", size="sm", elem_id="yours-clear")
            status = gr.Markdown("", elem_id="yours-status")
            grid = gr.HTML(BLANK, html_template=GRID_HTML, css_template=FRAME_CSS, js_on_load=None,
                           elem_id="yours-grid", label="Your model's samples (one row per label)", container=True,
                           min_width=240)
    gr.Markdown(COPYING)
    with gr.Row():
        seed = seed_number("Seed", 0, elem_id="yours-seed")
        compare = gr.Button("Sample your model", elem_id="yours-nearest")
    pairs = gallery_output("Sample (left) · the nearest of your images (right)", columns=5, elem_id="yours-pairs")
    verdict = gr.Markdown(elem_id="yours-verdict")

    boxes, autos = [d for d, _ in dropdowns], [auto for _, auto in dropdowns]
    # Decoding up to MAX_IMAGES large uploads takes seconds: with the heavy jobs, not the light ones.
    add.click(add_images, [label, files, drawing], [collected, summary, files, drawing], api_name="add_images",
              **HEAVY, **RAW)
    cleared = clear.click(clear_images, None, [collected, summary, status], api_name="clear_images", **LIGHT, **RAW)
    tuned = go.click(fine_tune, dataset, [grid, status], api_name="fine_tune", concurrency_id="train",
                     concurrency_limit=1, trigger_mode="once", **RAW)
    forgotten = forget.click(forget_model, None, status, api_name="forget_model", **LIGHT, **RAW)
    relabel = relabeller(autos)  # with the dataset selected when each ends: the visitor may have switched meanwhile
    for name, changed in (("clear", cleared), ("fine_tune", tuned), ("forget", forgotten)):
        changed.then(relabel, dataset, boxes, api_name=f"relabel_after_{name}", api_visibility="private",
                     **LIGHT, **RAW)
    compare.click(nearest, [dataset, seed], [pairs, verdict], api_name="nearest", **HEAVY, **RAW)
    demo.unload(drop_session)
    return dict(label=label, files=files, drawing=drawing, collected=collected, summary=summary, status=status,
                grid=grid, seed=seed, pairs=pairs, verdict=verdict)
