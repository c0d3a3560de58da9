"""Tab 4, Text to image: a sentence -> images that match it, and how the model understood the sentence.

Events (api_name = the pipeline verb):
    text_to_image   (dataset, prompt, count, seed) -> gallery, "understood as"
    understand      (dataset, prompt) -> "understood as" (live, while typing)
    text_examples   the dataset's example prompts and whether a text model is installed
"""

from __future__ import annotations

import gradio as gr

from aegan.errors import CheckpointError, InputError
from aegan.prompt import MAX_PROMPT_CHARS, check_prompt

from .controls import (DATASET, HEAVY, LIGHT, MAX_COUNT, RAW, SEED, TEXT_LIVE, explain, gallery_output,
                       seed_number)
from .loading import ensure_text_encoder, get_model, gpu, has_checkpoint, label_of, log
from .media import show_batch
from .requests import Range, friendly, read_text, sentence

PROMPT = "Describe the picture"
COUNT = Range("How many", 1, MAX_COUNT // 2, whole=True)
PROMPTS = {
    "fashion-mnist": ["a pair of running shoes", "a warm winter coat", "a dark leather ankle boot",
                      "a short summer dress", "a bag to carry things", "long loose trousers"],
    "mnist": ["a bold slanted seven", "the number three", "a thin zero", "two, written with a loop",
              "a big eight", "the digit one"],
}

EXPLAIN = """**What E, G and D do here.** A frozen sentence encoder (all-MiniLM-L6-v2) turns your sentence into
384 numbers; the generator **G** was trained to draw from those numbers instead of a class id, on many
phrasings of each caption, so paraphrases work. Before that, numbers written out ("three plus four", "the
number after 6", "VII") and garment words the captions lack ("kicks", "parka") are read, and *understood as*
says what was read. The discriminator **D** judged during training whether an image fits its sentence; the
encoder **E** says which classes it sees in the images drawn."""


def _understood(understanding) -> str:
    line = f"**{understanding.summary}**"
    if understanding.notes:  # what the readers did to the words: "read 'sevn' as 'seven'", "read 'VII' as 7"
        line += " · " + "; ".join(understanding.notes)
    if understanding.classes:
        line += " · closest classes: " + ", ".join(f"{name} {score:.2f}" for name, score in understanding.classes[:3])
    if understanding.attributes:
        line += " · attributes: " + ", ".join(f"{name} {score:.2f}" for name, score in understanding.attributes[:3])
    return line


@gpu(seconds=5)
def _draw(dataset: str, text: str, count: int, seed: int):
    return ensure_text_encoder().text_to_image(get_model(dataset, "text2img"), text, count, seed=seed)


@friendly
def text_to_image(dataset, prompt, count, seed):
    """`count` images for the sentence, and how the model understood it."""
    dataset, text = DATASET.read(dataset), check_prompt(read_text(prompt, PROMPT))
    count, seed = COUNT.read(count), SEED.read(seed)
    get_model(dataset, "text2img")  # a missing text model is said before the encoder loads
    ensure_text_encoder()  # loaded in this process, not inside the GPU's time
    x, understanding = _draw(dataset, text, count, seed)
    if not understanding.known:
        gr.Warning("The sentence matches nothing this model knows, so these images are a guess.")
    return show_batch(x), _understood(understanding)


def understand(dataset, prompt):
    """What the model makes of the sentence so far (live while typing; problems are said, not raised)."""
    try:
        dataset, text = DATASET.read(dataset), read_text(prompt, PROMPT)
        if not text.strip():
            return ""
        model = get_model(dataset, "text2img")
        return _understood(ensure_text_encoder(wait_s=0).understand(model, check_prompt(text)))  # never wait
    except (InputError, CheckpointError) as error:  # a live preview never pops an error; the Generate button does
        return f"_{sentence(error)}_"
    except Exception:  # not the user's doing: the details go to the server log, not the page
        log.exception("understand failed")
        return "_Something unexpected went wrong (the details are in the server log)._"


@friendly
def text_examples(dataset):
    """Example prompts for the dataset and a line on whether its text model is installed."""
    dataset = DATASET.read(dataset)
    status = "" if has_checkpoint(dataset, "text2img") else (
        f"_No text-to-image model for {label_of(dataset)} is installed in this copy of the app._")
    return gr.Dataset(samples=[[p] for p in PROMPTS[dataset]]), status


def build_text_tab(dataset: gr.Radio, demo: gr.Blocks) -> dict:
    explain(EXPLAIN)
    status = gr.Markdown()
    with gr.Row():
        prompt = gr.Textbox(label=PROMPT, placeholder=PROMPTS[dataset.value][0], max_length=MAX_PROMPT_CHARS,
                            scale=3, elem_id="text-prompt")
        count = gr.Slider(**COUNT.slider(value=8, scale=1))
        seed = seed_number("Seed", 0, scale=1)
    examples = gr.Examples([[p] for p in PROMPTS[dataset.value]], inputs=[prompt], label="Try")
    go = gr.Button("Generate", variant="primary", elem_id="text-generate")
    understood = gr.Markdown(elem_id="text-understood")
    gallery = gallery_output("Images", columns=8, elem_id="text-grid")

    gr.on([demo.load, dataset.change], text_examples, dataset, [examples.dataset, status], api_name="text_examples",
          **LIGHT, **RAW)
    prompt.change(understand, [dataset, prompt], understood, api_name="understand", trigger_mode="always_last",
                  show_progress="hidden", **TEXT_LIVE, **RAW)
    gr.on([go.click, prompt.submit], text_to_image, [dataset, prompt, count, seed], [gallery, understood],
          api_name="text_to_image", **HEAVY, **RAW)
    return dict(prompt=prompt, count=count, seed=seed, gallery=gallery, understood=understood, status=status)
