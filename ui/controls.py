"""Controls every tab shares: the dataset switch, seeds, image and gallery outputs, drawing canvases and
uploads, the explanation paragraph, the page's CSS, and how many events of each kind run at once."""

from __future__ import annotations

import gradio as gr

from .loading import DATASETS, class_names
from .requests import Choice, Seed

DEFAULT_DATASET = "fashion-mnist"
DATASET = Choice("Dataset", DATASETS)
SEED = Seed("Seed", 0, 2**31 - 1, whole=True, default=0)
MAX_COUNT = 64  # images per request in the sampler and text tabs
CANVAS = 280  # drawing canvases are 10x the model's 28x28

# Concurrency, on purpose (Gradio's default is 1 per event): heavier jobs (grids, repair's optimisation, GIFs)
# share two slots so a burst of users cannot starve the light ones; the queue itself is bounded in studio.py.
HEAVY = dict(concurrency_id="heavy", concurrency_limit=2)
LIVE = dict(concurrency_id="live", concurrency_limit=4)  # answers while drawing or dragging a direction
LIGHT = dict(concurrency_id="light", concurrency_limit=8)
TEXT_LIVE = dict(concurrency_id="text", concurrency_limit=2)  # "understood as" while typing
RAW = dict(preprocess=False)  # every event reads its own values (ui/requests.py)

CSS = """
.pixels img, .pixels canvas, #walk-frame img { image-rendering: pixelated; }
#walk-frame img { width: 260px; height: 260px; display: block; margin: 0 auto; background: #000; }
.explain { font-size: 0.95em; opacity: 0.9; }
.footer-note { font-size: 0.85em; opacity: 0.75; }
.classroom { display: flex; align-items: center; gap: 1em; }
"""


def class_choices(dataset: str, auto: str | None = None, session: str | None = None) -> list[tuple[str, int]]:
    """Dropdown choices (name, class id) of the dataset's class model (the session's own, when it has one);
    `auto` adds a first choice with the value -1."""
    choices = [(name, k) for k, name in enumerate(class_names(dataset, session))]
    return ([(auto, -1)] if auto else []) + choices


def class_dropdowns(dataset: str, autos, session: str | None = None, reset: bool = False) -> tuple:
    """Updates of the page's class dropdowns, whose first choices are `autos` (None: none), for the dataset's class
    model (the session's own, when it has one). Class ids stay, so a choice carries over; `reset`: back to the
    first choice (after the session's model changed, its ids may not exist any more)."""
    extra = {"value": -1} if reset else {}
    return tuple(gr.Dropdown(choices=class_choices(dataset, auto, session), **extra) for auto in autos)


def class_choice(label: str, auto: str | None = None) -> Choice:
    """The reader of a class dropdown: ids 0-9 (both datasets have ten classes), -1 for `auto`."""
    return Choice(label, tuple(class_choices(DEFAULT_DATASET, auto)), default=-1 if auto else None)


def dataset_radio() -> gr.Radio:
    return gr.Radio(DATASETS, value=DEFAULT_DATASET, label="Dataset",
                    info="Every tab uses the models trained on this dataset.")


def seed_number(label: str = "Seed", value: int = 0, **kwargs) -> gr.Number:
    return gr.Number(value=value, label=label, precision=0, minimum=SEED.minimum, maximum=SEED.maximum, **kwargs)


def image_output(label: str, **kwargs) -> gr.Image:
    kwargs.setdefault("height", 240)
    kwargs.setdefault("type", "pil")
    return gr.Image(label=label, format="png", interactive=False, elem_classes=["pixels"], buttons=["download"],
                    **kwargs)


def gallery_output(label: str, columns: int = 8, **kwargs) -> gr.Gallery:
    kwargs.setdefault("height", "auto")
    return gr.Gallery(label=label, format="png", columns=columns, object_fit="contain", elem_classes=["pixels"],
                      interactive=False, **kwargs)


def sketchpad(label: str = "Draw here", **kwargs) -> gr.ImageEditor:
    return gr.ImageEditor(label=label, type="pil", image_mode="RGBA", sources=(), transforms=(), layers=False,
                          brush=gr.Brush(colors=["#000000"], color_mode="fixed", default_size=14),
                          canvas_size=(CANVAS, CANVAS), fixed_canvas=True, format="png", **kwargs)


def upload(label: str = "…or upload an image", **kwargs) -> gr.Image:
    kwargs.setdefault("height", 180)
    return gr.Image(label=label, type="pil", image_mode=None, sources=["upload", "clipboard"], format="png",
                    **kwargs)


def source_follows_tabs(source: gr.Radio, tabs: tuple, drawing: gr.ImageEditor, picture: gr.Image) -> None:
    """The inner tab the user picks ((tab, source value) pairs) is the input's source, set in the browser (no server
    call); drawing on the sketchpad or uploading a picture picks it too."""
    for tab, value in tabs:
        tab.select(None, None, source, js=f"() => '{value}'")
    drawing.input(None, None, source, js="() => 'drawing'")
    picture.upload(None, None, source, js="() => 'upload'")


def shown_tab() -> gr.Textbox:
    """Which tab the page shows (its id), kept in the page: every tab's select sets it in the browser (studio.py)."""
    return gr.Textbox("explorer", visible=False)


def when_shown(tab: gr.Tab, dataset: gr.Radio, shown: gr.Textbox) -> list:
    """The triggers that (re)draw a tab's contents: the tab opened, and a change of dataset while it is shown.
    Gradio has no event for "the dataset changed while this tab is shown", so a hidden counter counts, in the
    browser, the dataset changes made while `shown` names this tab: a change made in another tab calls nothing,
    and the tab is drawn for the new dataset when it is opened."""
    seen = gr.Number(0, visible=False)
    dataset.change(None, [shown, seen], seen, js=f"(tab, n) => tab === {tab.id!r} ? n + 1 : n")
    return [tab.select, seen.change]


def explain(text: str) -> gr.Markdown:
    """The two or three sentences each tab gives a student on what E, G and D do in it."""
    return gr.Markdown(text, elem_classes=["explain"])
