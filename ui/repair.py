"""Tab 3, Image repair: pick a test image (or upload one), paint the missing part with a brush, and get
masked / repaired / original side by side with the encoder's class guess. Removing noise from the same picture is
the tab's second part (ui/denoise.py).

Events (api_name = the pipeline verb):
    repair          (dataset, editor value with the painted mask layer) -> masked, repaired, original, guess, notes
    load_examples   the dataset's shipped test images -> gallery
    pick_example    example number `index` (a gallery click sets it) -> the editor
"""

from __future__ import annotations

import gradio as gr
import numpy as np

from aegan.errors import InputError

from .controls import CANVAS, DATASET, HEAVY, LIGHT, RAW, explain, gallery_output, image_output
from .loading import class_names, get_model, gpu, session_of
from .media import editor_mask, exact_pixels, examples, show, show_mask
from .requests import Range, friendly, read_editor

EXPLAIN = """**What E, G and D do here.** Paint over part of an image: the painted pixels are hidden from the
model. The encoder **E** guesses a code and a class from what is left, then the code is nudged until the
generator **G**'s image matches every pixel you did not paint; G's pixels fill the hole and yours are
kept exactly. The discriminator **D** is not needed: E and G already learned what these images look like."""

SCALE = CANVAS // 28  # the editor shows the 28x28 picture at 280x280
EDITOR = "Paint the missing part"
EXAMPLE = Range("Example", 0, 11, whole=True)  # ui/examples/ holds 12 test images per dataset


def _editor_value(image):
    """uint8 [28, 28] -> an ImageEditor value showing it at canvas size, with nothing painted."""
    picture = show(image, SCALE).convert("RGB")
    return {"background": picture, "layers": [], "composite": picture}


def read_background(editor: dict | None) -> tuple:
    """(the editor's background, uint8 [28, 28] as the model sees it)."""
    from aegan.images import prepare_image

    background = (editor or {}).get("background")
    if background is None:
        raise InputError("pick a test image or upload one first")
    shown = _unscaled(background)
    if shown is not None:  # one of our own 28x28 pictures: take it back exactly, not resampled
        return background, shown
    return background, prepare_image(background)[0]  # conversion notes were shown at upload


def _unscaled(background) -> np.ndarray | None:
    """The 28x28 gray image that `background` shows at 10x nearest-neighbour (as _editor_value draws it), or
    None when it is something else (an upload)."""
    return exact_pixels(background) if background.size == (CANVAS, CANVAS) else None


@friendly
def load_examples(dataset):
    """The dataset's shipped test images as a gallery (the editor stays empty until one is picked: an editor
    given a new picture while it is still storing the previous one can hang)."""
    dataset = DATASET.read(dataset)
    images, labels = examples(dataset)
    names = class_names(dataset)
    return [(show(image, 3), names[k]) for image, k in zip(images, labels.tolist())]


def clicked_example(evt: gr.SelectData):
    """The index of the example clicked in the gallery (browser only: it needs the click's event data)."""
    return evt.index


@friendly
def pick_example(dataset, index):
    """Example number `index` -> editor value and original."""
    image = examples(DATASET.read(dataset))[0][EXAMPLE.read(index)]
    return _editor_value(image), show(image)


@gpu(seconds=10)
def _repair(dataset: str, image: np.ndarray, hole: np.ndarray, session: str | None = None):
    from aegan.repair import repair_image

    return repair_image(get_model(dataset, session=session), image, hole)


@friendly
def repair(dataset, editor, request: gr.Request = None):
    """Fill the painted pixels: (masked, repaired, original, E's class guess, notes), with the session's model."""
    from aegan.images import prepare_mask

    dataset, editor, session = DATASET.read(dataset), read_editor(editor, EDITOR), session_of(request)
    background, image = read_background(editor)
    painted = editor_mask(editor)
    if painted is None or not painted.any():
        raise InputError("paint over the part of the image to repair first; the mask is empty")
    if painted.shape != (background.height, background.width):
        raise InputError(f"the mask is {painted.shape[1]}x{painted.shape[0]} but the image is "
                         f"{background.width}x{background.height}; paint the mask on the image itself")
    if background.width != background.height:
        raise InputError("send a square image (the editor squares uploads for you) so the mask lines up")
    hole, _ = prepare_mask(painted)  # bool [28, 28], True = missing
    if not hole.any():
        raise InputError("the painted mask is too thin to cover a whole pixel of the 28x28 image; use a wider brush")
    if hole.all():
        gr.Warning("The whole image is masked, so there is nothing left to repair from: "
                   "the model drew a random image instead.")
    repaired, probs, more = _repair(dataset, image, hole, session)
    names = get_model(dataset, session=session).class_names
    guess = {names[k]: float(p) for k, p in enumerate(probs)}
    said = [n for n in more if "mask is empty" not in n]
    text = f"{int(hole.sum())} of 784 pixels were missing; every other pixel is kept exactly."
    if said:
        text += " Notes: " + "; ".join(said) + "."
    return show_mask(image, hole), show(repaired), show(image), guess, text


def build_repair_tab(dataset: gr.Radio, demo: gr.Blocks) -> dict:
    explain(EXPLAIN)
    with gr.Row(equal_height=False):
        with gr.Column(scale=2, min_width=300):
            gallery = gallery_output("Test images (click one)", columns=6, allow_preview=False, height=200,
                                     elem_id="repair-examples")
            index = gr.Number(0, precision=0, visible=False, label=EXAMPLE.label)
            editor = gr.ImageEditor(label=EDITOR, placeholder="Pick a test image above, or drop your own",
                                    type="pil", image_mode=None, sources=["upload", "clipboard"], transforms=(),
                                    layers=False,
                                    brush=gr.Brush(colors=["#ff3030"], color_mode="fixed", default_size=12),
                                    canvas_size=(CANVAS, CANVAS), fixed_canvas=True, format="png",
                                    elem_id="repair-editor", elem_classes=["pixels"])
            go = gr.Button("Repair", variant="primary", elem_id="repair-button")
        with gr.Column(scale=3, min_width=360):
            with gr.Row():
                masked = image_output("Masked (red = hidden)", elem_id="repair-masked")
                repaired = image_output("Repaired", elem_id="repair-repaired")
                original = image_output("Original", elem_id="repair-original")
            guess = gr.Label(label="E's class guess (from the visible pixels)", num_top_classes=3)
            notes = gr.Markdown()

    gr.on([demo.load, dataset.change], load_examples, dataset, gallery, api_name="load_examples", **LIGHT, **RAW)
    # A click (browser only: it needs the click's event data) stores the index, then pick_example, which the
    # API can call with an index directly, loads it. One event sets the editor: two at once can hang it.
    gallery.select(clicked_example, None, index, api_name="clicked_example", api_visibility="private", **LIGHT).then(
        pick_example, [dataset, index], [editor, original], api_name="pick_example", **LIGHT, **RAW)
    go.click(repair, [dataset, editor], [masked, repaired, original, guess, notes], api_name="repair", **HEAVY, **RAW)
    return dict(gallery=gallery, editor=editor, masked=masked, repaired=repaired, original=original, guess=guess,
                notes=notes)
