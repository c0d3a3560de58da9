"""Tab 5, Style transfer by analogy: draw or upload one image, see it re-drawn in every class.

Events (api_name = the pipeline verb):
    analogy       (dataset, drawing, upload) -> what E sees, the image in every class, E's class guess
    analogy_live  the same while drawing; an empty canvas just clears the outputs
"""

from __future__ import annotations

import gradio as gr

from aegan.errors import InputError

from .common import (HEAVY, LIVE, class_names, explain, friendly, gallery_output, get_model, gpu, image_output,
                     read_drawing, read_image, show, show_batch, sketchpad, upload)

EXPLAIN = """**What E, G and D do here.** The encoder **E** reads your image into a code *z* and a class; the
code keeps *how* it is drawn (thickness, slant, size) apart from *what* it is. The generator **G** then
draws that one code once for every class, so each image borrows your style. The discriminator **D** is
not called; in training it pushed G to make every class look real for any code."""


def _read(drawing, picture):
    """The upload if there is one, else the drawing: (uint8 [28, 28], notes) or None."""
    return read_image(picture) if picture is not None else read_drawing(drawing)


@friendly
@gpu
def analogy(dataset, drawing, picture):
    """One image (an upload wins over the drawing) in the style of E's code, drawn as every class."""
    from aegan.images import to_tensor
    from aegan.pipeline import encode
    from aegan.repair import analogy as redraw

    read = _read(drawing, picture)
    if read is None:
        raise InputError("draw something on the sketchpad or upload an image first; the canvas is empty")
    image, notes = read
    model = get_model(dataset)
    x = to_tensor(image)  # [1, 1, 28, 28]
    names = model.config.class_names or class_names(dataset)
    everyone = redraw(model, x)[0]  # [K, 1, 28, 28]
    _, probs = encode(model, x)
    gallery = [(picture, names[k]) for k, picture in enumerate(show_batch(everyone))]
    guess = {names[k]: float(p) for k, p in enumerate(probs[0])}
    note = ("Your image as the model sees it: " + ", ".join(notes) + ".") if notes else ""
    return show(image, 4), gallery, guess, note


@friendly
@gpu
def analogy_live(dataset, drawing, picture):
    """analogy() while the user draws: an empty canvas clears the outputs instead of raising."""
    if _read(drawing, picture) is None:
        return None, None, None, ""
    return analogy(dataset, drawing, picture)


def build_style_tab(dataset: gr.Radio, demo: gr.Blocks) -> dict:
    explain(EXPLAIN)
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=300):
            drawing = sketchpad("Draw one image", elem_id="style-sketch")
            picture = upload("…or upload one (used instead of the drawing)")
            go = gr.Button("Re-draw in every class", variant="primary", elem_id="style-button")
        with gr.Column(scale=2, min_width=360):
            with gr.Row():
                seen = image_output("What E sees (28x28)", height=130)
                guess = gr.Label(label="E's class guess", num_top_classes=3)
            gallery = gallery_output("Your style in every class", columns=5, elem_id="style-grid")
            note = gr.Markdown()
    go.click(analogy, [dataset, drawing, picture], [seen, gallery, guess, note], api_name="analogy", **HEAVY)
    gr.on([drawing.change, picture.change, dataset.change], analogy_live, [dataset, drawing, picture],
          [seen, gallery, guess, note], api_name="analogy_live", trigger_mode="always_last", show_progress="hidden",
          **LIVE)
    return dict(drawing=drawing, picture=picture, seen=seen, gallery=gallery, guess=guess, note=note)
