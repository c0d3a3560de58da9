"""Tab 4, Text to image: a sentence -> images that match it, and how the model understood the sentence.

Events (api_name = the pipeline verb):
    text_to_image   (dataset, prompt, count, seed) -> gallery, "understood as"
    understand      (dataset, prompt) -> "understood as" (live, while typing)
    text_examples   the dataset's example prompts and whether a text model is installed
"""

from __future__ import annotations

import gradio as gr

from aegan.errors import CheckpointError, InputError

from .common import (HEAVY, LIGHT, MAX_COUNT, TEXT_LIVE, ensure_text_encoder, explain, friendly, gallery_output,
                     get_model, gpu, has_checkpoint, label_of, log, seed_number, sentence, show_batch)

MAX_PROMPT = 200  # characters
PROMPTS = {
    "fashion-mnist": ["a pair of running shoes", "a warm winter coat", "a dark leather ankle boot",
                      "a short summer dress", "a bag to carry things", "long loose trousers"],
    "mnist": ["a bold slanted seven", "the number three", "a thin zero", "two, written with a loop",
              "a big eight", "the digit one"],
}

EXPLAIN = """**What E, G and D do here.** A frozen sentence encoder (all-MiniLM-L6-v2) turns your sentence into
384 numbers; the generator **G** was trained to draw from those numbers instead of a class id, on many
phrasings of each caption, so paraphrases work. The discriminator **D** judged during training whether
an image fits its sentence; the encoder **E** is not used here."""


def check_prompt(prompt) -> str:
    """The prompt with its white space tidied, or an InputError saying what is wrong with it."""
    text = " ".join(str(prompt or "").split())
    if not text:
        raise InputError("type a sentence first, for example 'a pair of running shoes'")
    if len(text) > MAX_PROMPT:
        raise InputError(f"the prompt is {len(text):,} characters long; keep it under {MAX_PROMPT}")
    if not any(ch.isalnum() for ch in text):
        raise InputError("the prompt has no words in it, only symbols or emoji; describe the picture in words")
    return text


def _understood(understanding) -> str:
    line = f"**{understanding.summary}**"
    if understanding.classes:
        line += " · closest classes: " + ", ".join(f"{name} {score:.2f}" for name, score in understanding.classes[:3])
    if understanding.attributes:
        line += " · attributes: " + ", ".join(f"{name} {score:.2f}" for name, score in understanding.attributes[:3])
    return line


@friendly
@gpu
def text_to_image(dataset, prompt, count, seed):
    """`count` images for the sentence, and how the model understood it."""
    from aegan.pipeline import check_count

    text = check_prompt(prompt)
    count = check_count(count, MAX_COUNT // 2)  # 2.5 images is refused, not silently rounded
    model = get_model(dataset, "text2img")
    module = ensure_text_encoder()
    x, understanding = module.text_to_image(model, text, count, seed=int(seed or 0))
    if not understanding.known:
        gr.Warning("The sentence matches nothing this model knows, so these images are a guess.")
    return show_batch(x), _understood(understanding)


@gpu
def understand(dataset, prompt):
    """What the model makes of the sentence so far (live while typing; problems are said, not raised)."""
    try:
        text = check_prompt(prompt)
        model = get_model(dataset, "text2img")
        return _understood(ensure_text_encoder(wait_s=0).understand(model, text))  # never wait while typing
    except (InputError, CheckpointError) as error:  # a live preview never pops an error; the Generate button does
        return "" if not str(prompt or "").strip() else f"_{sentence(error)}_"
    except Exception:  # not the user's doing: the details go to the server log, not the page
        log.exception("understand failed")
        return "_Something unexpected went wrong (the details are in the server log)._"


@friendly
def text_examples(dataset):
    """Example prompts for the dataset and a line on whether its text model is installed."""
    status = "" if has_checkpoint(dataset, "text2img") else (
        f"_No text-to-image model for {label_of(dataset)} is installed in this copy of the app._")
    return gr.Dataset(samples=[[p] for p in PROMPTS[dataset]]), status


def build_text_tab(dataset: gr.Radio, demo: gr.Blocks) -> dict:
    explain(EXPLAIN)
    status = gr.Markdown()
    with gr.Row():
        prompt = gr.Textbox(label="Describe the picture", placeholder=PROMPTS[dataset.value][0], max_length=MAX_PROMPT,
                            scale=3, elem_id="text-prompt")
        count = gr.Slider(1, MAX_COUNT // 2, value=8, step=1, label="How many", scale=1)
        seed = seed_number("Seed", 0, scale=1)
    examples = gr.Examples([[p] for p in PROMPTS[dataset.value]], inputs=[prompt], label="Try")
    go = gr.Button("Generate", variant="primary", elem_id="text-generate")
    understood = gr.Markdown(elem_id="text-understood")
    gallery = gallery_output("Images", columns=8, elem_id="text-grid")

    gr.on([demo.load, dataset.change], text_examples, dataset, [examples.dataset, status], api_name="text_examples",
          **LIGHT)
    prompt.change(understand, [dataset, prompt], understood, api_name="understand", trigger_mode="always_last",
                  show_progress="hidden", **TEXT_LIVE)
    gr.on([go.click, prompt.submit], text_to_image, [dataset, prompt, count, seed], [gallery, understood],
          api_name="text_to_image", **HEAVY)
    return dict(prompt=prompt, count=count, seed=seed, gallery=gallery, understood=understood, status=status)
