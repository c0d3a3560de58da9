"""Image repair, second part: remove noise. The picture picked above (or uploaded there) gets Gaussian and/or
salt-and-pepper noise, drawn from a seed so a whole class sees the same picture, or the user uploads an image
that is already noisy; the model's repair, Pillow's median filter and the original are shown side by side.

Events (api_name = the pipeline verb):
    denoise   (dataset, editor value, source, sigma, salt-and-pepper percent, seed, noisy upload)
              -> noisy, model's repair, median filter, original, sentence
"""

from __future__ import annotations

import gradio as gr
import numpy as np

from aegan.errors import InputError

from .controls import DATASET, HEAVY, RAW, SEED, image_output, seed_number, upload
from .loading import get_model, gpu, session_of
from .media import exact_pixels, show
from .repair import EDITOR, read_background
from .requests import Choice, Range, friendly, read_editor, read_image_file

EXPLAIN = """**Noise instead of a hole.** Now every pixel is there but none can be fully trusted. A median filter
replaces each pixel by the middle value of its 3x3 neighbourhood: it knows nothing about clothes or digits, so it
smooths noise and detail alike. The model instead looks for the image its generator **G** can draw that best
explains the noisy one (starting from the encoder **E**'s guess), then keeps each of your pixels as far as the
noise allows: where G fits, the result follows G; where the noise is low, it follows your pixels."""

ADD, NOISY = "add", "noisy"
SOURCE = Choice("Noise", (("Add noise to the picture above", ADD), ("My upload is already noisy", NOISY)), default=ADD)
SIGMA = Range("Gaussian noise (sigma, grey levels of 255)", 0, 128, whole=True, default=0)
PERCENT = Range("Salt and pepper (% of pixels)", 0, 90, whole=True, default=0)
UPLOAD = "Noisy image"


def _noisy_upload(value) -> tuple[np.ndarray, list[str]]:
    """The noisy upload -> (uint8 [28, 28], notes)."""
    from aegan.images import prepare_image

    picture = read_image_file(value, UPLOAD)  # its size is checked from the header before any decoding
    if picture is None:
        raise InputError("upload a noisy image first, or choose to add noise to the picture above")
    exact = exact_pixels(picture)
    if exact is not None:
        return exact, []
    image, notes = prepare_image(picture)
    notes.append("resizing blends neighbouring pixels, so the noise is milder and less regular than in the file")
    return image, notes


@gpu(seconds=10)
def _denoise(dataset: str, noisy: np.ndarray, session: str | None = None):
    """-> (denoised uint8 [28, 28], the noise model used, class probabilities [K])."""
    from aegan.denoise import denoise
    from aegan.images import to_tensor, to_uint8

    result = denoise(get_model(dataset, session=session), to_tensor(noisy))
    return to_uint8(result.x)[0], result.noise[0], result.class_probs[0].numpy()


def explanation(found, probs, names, scores: dict | None) -> str:
    """Why the model's repair and the median filter differ, in a few sentences (scores: PSNR by method)."""
    k = int(np.argmax(probs))
    text = (f"Noise found in the image: **{found.describe()}**. The model read it as **{names[k]}** "
            f"({100 * float(probs[k]):.0f}%) and redrew what such an image looks like, keeping your pixels where "
            "the noise allows; the median filter only looks at each pixel's neighbours, so it blurs edges and "
            "leaves noise in flat parts")
    if found.kind == "none":
        text = (f"No noise was found, so the model returned the picture as it is (it reads it as **{names[k]}**); "
                "the median filter still smooths it")
    if scores:
        text += (". Closeness to the original (PSNR, higher is better): noisy {noisy:.1f} dB, model {model:.1f} dB, "
                 "median filter {median:.1f} dB").format(**scores)
    return text + "."


@friendly
def denoise(dataset, editor, source, sigma, percent, seed, noisy_upload, request: gr.Request = None):
    """-> (noisy, model's repair, median filter, original or None, a sentence on why they differ), with the
    session's model."""
    from aegan.noise import Noise, add_noise, median_filter, psnr

    dataset, source, session = DATASET.read(dataset), SOURCE.read(source), session_of(request)
    notes, original = [], None
    if source == ADD:
        noise = Noise(sigma=SIGMA.read(sigma), impulse=PERCENT.read(percent) / 100)
        seed = SEED.read(seed)
        if noise.kind == "none":
            raise InputError("set some Gaussian noise or salt and pepper first; both are 0")
        _, original = read_background(read_editor(editor, EDITOR))
        noisy = add_noise(original, noise, seed=seed)
    else:
        noisy, notes = _noisy_upload(noisy_upload)
    repaired, found, probs = _denoise(dataset, noisy, session)
    filtered = median_filter(noisy)
    scores = None if original is None else {"noisy": psnr(original, noisy), "model": psnr(original, repaired),
                                            "median": psnr(original, filtered)}
    text = explanation(found, probs, get_model(dataset, session=session).class_names, scores)
    if notes:
        text += " Notes: " + "; ".join(notes) + "."
    return show(noisy), show(repaired), show(filtered), None if original is None else show(original), text


def build_denoise_section(dataset: gr.Radio, editor: gr.ImageEditor) -> dict:
    """The noise controls and the four pictures, under the mask repair (which owns the picture `editor`)."""
    gr.Markdown("### Remove noise")
    gr.Markdown(EXPLAIN, elem_classes=["explain"])
    with gr.Row(equal_height=False):
        with gr.Column(scale=2, min_width=300):
            source = gr.Radio(list(SOURCE.choices), value=ADD, label=SOURCE.label)
            sigma = gr.Slider(**SIGMA.slider(value=40, elem_id="denoise-sigma"))
            percent = gr.Slider(**PERCENT.slider(value=0, elem_id="denoise-percent"))
            seed = seed_number("Noise seed (the same seed gives everyone the same noise)", 0)
            noisy_upload = upload(f"{UPLOAD} (for 'already noisy')", elem_id="denoise-upload")
            go = gr.Button("Remove the noise", variant="primary", elem_id="denoise-button")
        with gr.Column(scale=3, min_width=360):
            with gr.Row():
                noisy = image_output("Noisy", elem_id="denoise-noisy", height=180)
                repaired = image_output("Model's repair", elem_id="denoise-repaired", height=180)
                filtered = image_output("Median filter (3x3)", elem_id="denoise-median", height=180)
                original = image_output("Original", elem_id="denoise-original", height=180)
            why = gr.Markdown(elem_id="denoise-why")
    go.click(denoise, [dataset, editor, source, sigma, percent, seed, noisy_upload],
             [noisy, repaired, filtered, original, why], api_name="denoise", **HEAVY, **RAW)
    return dict(source=source, sigma=sigma, percent=percent, seed=seed, upload=noisy_upload, noisy=noisy,
                repaired=repaired, filtered=filtered, original=original, why=why)
