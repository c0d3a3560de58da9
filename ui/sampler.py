"""Tab 2, Class sampler (CGAN): a class (or all), a seed, a count and a truncation -> a grid of images,
each with the discriminator's "how real" score. Same seed, same images.

Events (api_name = the pipeline verb):
    sample   (dataset, class id or -1 for all, seed, count, truncation) -> gallery, summary
"""

from __future__ import annotations

import gradio as gr

from .controls import (DATASET, HEAVY, MAX_COUNT, RAW, SEED, class_choice, class_choices, explain, gallery_output,
                       seed_number)
from .loading import get_model, gpu, session_of
from .media import show_batch
from .requests import Range, friendly

ALL = "all classes"
CLASS = class_choice("Class", ALL)
COUNT = Range("How many", 1, MAX_COUNT, whole=True)
TRUNCATION = Range("Truncation (diversity)", 0.0, 2.0, step=0.05)

EXPLAIN = """**What E, G and D do here.** The generator **G** draws each image from random numbers *z* and the
class you pick; the seed fixes those numbers, so the same seed always gives the same images. Truncation
shrinks *z* toward its centre: lower gives cleaner, more typical images, higher more varied (and odder) ones.
Under each image the discriminator **D** says how real it finds it for that class, from 0 (surely fake)
to 1 (surely real); the encoder **E** is not used here."""


@gpu(seconds=5)
def _draw(dataset: str, label: int, seed: int, count: int, truncation: float, session: str | None = None):
    """x [N, 1, 28, 28], labels [N] and D's probability that each is real [N]."""
    from aegan.pipeline import realness, sample as draw

    model = get_model(dataset, session=session)
    x, y = draw(model, count, labels=None if label == -1 else label, seed=seed, truncation=truncation)
    return x, y, realness(model, x, y)


@friendly
def sample(dataset, label, seed, count, truncation, request: gr.Request = None):
    """A grid of generated images with D's probability that each is real, and a summary line (drawn by the
    session's own model when it has one: the "Your images" tab)."""
    dataset, label, seed, session = DATASET.read(dataset), CLASS.read(label), SEED.read(seed), session_of(request)
    x, y, scores = _draw(dataset, label, seed, COUNT.read(count), TRUNCATION.read(truncation), session)
    names = get_model(dataset, session=session).class_names
    gallery = [(image, f"D {float(p):.2f} · {names[k]}") for image, k, p in zip(show_batch(x), y.tolist(), scores)]
    summary = (f"D's \"how real\", from 0 to 1: mean **{float(scores.mean()):.2f}**, lowest "
               f"{float(scores.min()):.2f}, highest {float(scores.max()):.2f} over {len(y)} images (seed {seed}).")
    return gallery, summary


def build_sampler_tab(dataset: gr.Radio, demo: gr.Blocks) -> dict:
    explain(EXPLAIN)
    with gr.Row():
        label = gr.Dropdown(class_choices(dataset.value, ALL), value=-1, label=CLASS.label)
        with gr.Row():
            seed = seed_number("Seed", 0, elem_id="sample-seed")
            dice = gr.Button("New seed", size="sm", scale=0)
        count = gr.Slider(**COUNT.slider(value=20))
        truncation = gr.Slider(**TRUNCATION.slider(
            value=1.0, info="scale of the random numbers z: 0 = the class's most typical image"))
    go = gr.Button("Sample", variant="primary")
    gallery = gallery_output("Samples (caption: D's how-real score · class)", columns=10, elem_id="sample-grid")
    summary = gr.Markdown()
    dice.click(None, None, seed, js="() => Math.floor(Math.random() * 1000000)")
    gr.on([demo.load, dataset.change, go.click, label.change, seed.change, count.release, truncation.release],
          sample, [dataset, label, seed, count, truncation], [gallery, summary], api_name="sample",
          trigger_mode="always_last", **HEAVY, **RAW)
    return dict(label=label, seed=seed, count=count, truncation=truncation, gallery=gallery, summary=summary,
                class_dropdowns=[(label, ALL)])
