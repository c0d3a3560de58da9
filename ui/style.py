"""Tab 5, Style transfer by analogy: draw or upload one image, see it re-drawn in every class.

Events (api_name = the pipeline verb):
    analogy       (dataset, drawing, upload) -> what E sees, the image in every class, E's class guess
    analogy_live  the same while drawing; an empty canvas just clears the outputs
"""

from __future__ import annotations

import gradio as gr

from aegan.errors import InputError

from .controls import DATASET, HEAVY, LIVE, RAW, explain, gallery_output, image_output, sketchpad, upload
from .loading import get_model, gpu, session_of
from .media import read_chosen, show, show_batch
from .requests import friendly

DRAWING, PICTURE = "Draw one image", "…or upload one (used instead of the drawing)"

EXPLAIN = """**What E, G and D do here.** The encoder **E** reads your image into a code *z* and a class; the
code keeps *how* it is drawn (thickness, slant, size) apart from *what* it is. The generator **G** then
draws that one code once for every class, so each image borrows your style. The discriminator **D** is
not called; in training it pushed G to make every class look real for any code."""


def _read(drawing, picture):
    """The upload if there is one, else the drawing: (uint8 [28, 28], notes) or None."""
    return read_chosen("upload" if picture is not None else "drawing", drawing, picture, DRAWING, PICTURE)


@gpu(seconds=5)
def _redraw(dataset: str, image, session: str | None = None):
    """(x [K, 1, 28, 28]: the image's code drawn as every class, E's class probabilities [K])."""
    from aegan.images import to_tensor
    from aegan.pipeline import encode
    from aegan.style import analogy as redraw

    model = get_model(dataset, session=session)
    x = to_tensor(image)  # [1, 1, 28, 28]
    return redraw(model, x)[0], encode(model, x)[1][0]


def _answer(dataset: str, read, session: str | None = None):
    image, notes = read
    everyone, probs = _redraw(dataset, image, session)
    names = get_model(dataset, session=session).class_names
    gallery = [(picture, names[k]) for k, picture in enumerate(show_batch(everyone))]
    guess = {names[k]: float(p) for k, p in enumerate(probs)}
    note = ("Your image as the model sees it: " + ", ".join(notes) + ".") if notes else ""
    return show(image, 4), gallery, guess, note


@friendly
def analogy(dataset, drawing, picture, request: gr.Request = None):
    """One image (an upload wins over the drawing) in the style of E's code, drawn as every class (of the
    session's model)."""
    dataset, read = DATASET.read(dataset), _read(drawing, picture)
    if read is None:
        raise InputError("draw something on the sketchpad or upload an image first; the canvas is empty")
    return _answer(dataset, read, session_of(request))


@friendly
def analogy_live(dataset, drawing, picture, request: gr.Request = None):
    """analogy() while the user draws: an empty canvas clears the outputs instead of raising."""
    dataset, read = DATASET.read(dataset), _read(drawing, picture)
    return (None, None, None, "") if read is None else _answer(dataset, read, session_of(request))


def build_style_tab(dataset: gr.Radio, demo: gr.Blocks) -> dict:
    explain(EXPLAIN)
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=300):
            drawing = sketchpad(DRAWING, elem_id="style-sketch")
            picture = upload(PICTURE)
            go = gr.Button("Re-draw in every class", variant="primary", elem_id="style-button")
        with gr.Column(scale=2, min_width=360):
            with gr.Row():
                seen = image_output("What E sees (28x28)", height=130)
                guess = gr.Label(label="E's class guess", num_top_classes=3)
            gallery = gallery_output("Your style in every class", columns=5, elem_id="style-grid")
            note = gr.Markdown()
    go.click(analogy, [dataset, drawing, picture], [seen, gallery, guess, note], api_name="analogy", **HEAVY, **RAW)
    gr.on([drawing.change, picture.change, dataset.change], analogy_live, [dataset, drawing, picture],
          [seen, gallery, guess, note], api_name="analogy_live", trigger_mode="always_last", show_progress="hidden",
          **LIVE, **RAW)
    return dict(drawing=drawing, picture=picture, seen=seen, gallery=gallery, guess=guess, note=note)
