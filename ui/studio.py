"""The whole app: the dataset switch, one tab per capability (one module each), the footer, and the
queue and launch settings that app.py and the tests share."""

from __future__ import annotations

import logging
import os

import gradio as gr

from . import explorer, repair, sampler, style, text
from .common import CSS, LIGHT, LIVE, StudioBlocks, class_choices, dataset_radio, describe_device, friendly

TITLE = "AE-GAN Studio"
INTRO = """# AE-GAN Studio
Three small networks, trained on 28x28 images: the **encoder E** reads an image into a code *z* (and guesses
its class), the **generator G** draws an image from a code and a class (or a sentence), and the
**discriminator D** judges how real an image looks. Pick a dataset, then a tab."""

# Order of the class dropdowns that switch_dataset() relabels: explorer A, explorer B, sampler.
DROPDOWN_AUTOS = (explorer.AUTO, explorer.AUTO, sampler.ALL)

# A bounded queue: past 64 waiting events new ones are turned away with "queue is full" instead of piling up.
QUEUE = dict(max_size=64, default_concurrency_limit=2)
# After every event Gradio recomputes, with pandas, a timing summary of up to 10,000 past events for its
# monitoring page: on this 2-core machine 1 ms of CPU with 100 past events, 6.5 ms with 10,000, taken from
# whichever request runs next; a no-op round trip took 7 ms with it and 4 ms without. Once per 1,000 events
# keeps that page useful (it is only read when monitoring is switched on).
ANALYTICS_EVERY = "1000"
LAUNCH = dict(css=CSS, ssr_mode=False, max_file_size="20mb", show_error=False)


@friendly
def switch_dataset(dataset):
    """The class dropdowns renamed for the dataset (class ids stay, so choices carry over)."""
    return tuple(gr.Dropdown(choices=class_choices(dataset, auto)) for auto in DROPDOWN_AUTOS)


footer = friendly(describe_device)


def ping() -> str:
    """The no-op endpoint: answers at once, through the same queue and concurrency group as a slider frame,
    so benchmarks/ can tell the app's own overhead from model time (`python -m benchmarks`)."""
    return "pong"


def build_demo() -> gr.Blocks:
    """The Blocks app, queued; nothing is loaded until a page asks (or the warm-up thread runs)."""
    with StudioBlocks(title=TITLE, delete_cache=(1800, 3600)) as demo:
        gr.Markdown(INTRO)
        dataset = dataset_radio()
        with gr.Tabs():
            with gr.Tab("Latent explorer", id="explorer"):
                tab_explorer = explorer.build_explorer_tab(dataset, demo)
            with gr.Tab("Class sampler", id="sampler"):
                tab_sampler = sampler.build_sampler_tab(dataset, demo)
            with gr.Tab("Image repair", id="repair"):
                repair.build_repair_tab(dataset, demo)
            with gr.Tab("Text to image", id="text"):
                text.build_text_tab(dataset, demo)
            with gr.Tab("Style transfer", id="style"):
                style.build_style_tab(dataset, demo)
        device_line = gr.Markdown("Starting…", elem_classes=["footer-note"], elem_id="footer-device")
        demo.load(footer, None, device_line, api_name="describe_device", **LIGHT)
        dropdowns = [d for d, _ in tab_explorer["class_dropdowns"] + tab_sampler["class_dropdowns"]]
        assert len(dropdowns) == len(DROPDOWN_AUTOS)
        dataset.change(switch_dataset, dataset, dropdowns, api_name="class_names", **LIGHT)
        gr.api(ping, api_name="ping", api_visibility="undocumented", **LIVE)
    os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", ANALYTICS_EVERY)  # read when the queue is made
    return demo.queue(**QUEUE)


def launch(demo: gr.Blocks, **options) -> None:
    """demo.launch with LAUNCH, not blocking, tried up to 3 times: Gradio gives up when its own page does not
    answer within 3 s, as on a machine busy training. `options`: more launch arguments (address, port)."""
    for attempt in range(3):
        try:
            demo.launch(prevent_thread_lock=True, **LAUNCH, **options)
            return
        except ValueError as error:
            if "localhost is not accessible" not in str(error) or attempt == 2:
                raise
            logging.getLogger("aegan.app").warning("the page was slow to answer; starting again")
            demo.close()
