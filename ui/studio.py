"""The whole app: the dataset switch, one tab per capability (one module each), the footer, and the queue
and launch settings that app.py and the tests share. Everything here is Gradio's documented API."""

from __future__ import annotations

import gradio as gr

from . import compare, denoise, explorer, repair, sampler, style, text, training, yours
from .classroom import qr_for_page
from .controls import CSS, DATASET, LIGHT, RAW, class_dropdowns, dataset_radio, shown_tab
from .loading import describe_device, session_of
from .requests import friendly

TITLE = "AE-GAN Studio"
INTRO = """# AE-GAN Studio
Three small networks, trained on 28x28 images: the **encoder E** reads an image into a code *z* (and guesses
its class), the **generator G** draws an image from a code and a class (or a sentence), and the
**discriminator D** judges how real an image looks. Pick a dataset, then a tab."""

# Order of the class dropdowns that switch_dataset() relabels: explorer A, explorer B, sampler.
DROPDOWN_AUTOS = (explorer.AUTO, explorer.AUTO, sampler.ALL)
# A bounded queue: past 64 waiting events new ones are turned away with "queue is full" instead of piling up.
QUEUE = dict(max_size=64, default_concurrency_limit=2)
# Gradio keeps each session's copy of every component's config (and its walk) in memory, for this many of the
# most recently active sessions: about 0.6 MB each with this page's 294 components (`python -m
# benchmarks.app_latency`: RSS per new session), so 300 of them take at most about 180 MB (Gradio's default,
# 10,000, would allow 6 GB). A visitor idle while 300 others used the app finds their walk gone and sets the
# endpoints again.
SESSIONS_KEPT = 300
MAX_UPLOAD_BYTES = 20 * 2**20


@friendly
def switch_dataset(dataset, request: gr.Request = None):
    """The class dropdowns renamed for the dataset's class model (the session's own, when it has one for it;
    class ids stay, so choices carry over)."""
    return class_dropdowns(DATASET.read(dataset), DROPDOWN_AUTOS, session_of(request))


def ping() -> str:
    """The no-op endpoint: answers at once, through the same queue as every event, so benchmarks/ can tell
    the app's own overhead from model time (`python -m benchmarks`)."""
    return "pong"


def build_demo(classroom_url: str | None = None) -> gr.Blocks:
    """The Blocks app, queued; nothing is loaded until a page asks (or the warm-up thread runs).
    `classroom_url`: the address students type, shown in the footer with its QR code."""
    with gr.Blocks(title=TITLE, delete_cache=(1800, 3600)) as demo:
        gr.Markdown(INTRO)
        dataset, shown = dataset_radio(), shown_tab()
        with gr.Tabs():
            with gr.Tab("Latent explorer", id="explorer") as explorer_tab:
                tab_explorer = explorer.build_explorer_tab(dataset, demo)
            with gr.Tab("Class sampler", id="sampler") as sampler_tab:
                tab_sampler = sampler.build_sampler_tab(dataset, demo)
            with gr.Tab("Image repair", id="repair") as repair_tab:
                tab_repair = repair.build_repair_tab(dataset, demo)
                denoise.build_denoise_section(dataset, tab_repair["editor"])
            with gr.Tab("Text to image", id="text") as text_tab:
                text.build_text_tab(dataset, demo)
            with gr.Tab("Style transfer", id="style") as style_tab:
                style.build_style_tab(dataset, demo)
            with gr.Tab("Training", id="training") as training_tab:
                training.build_training_tab(dataset, demo, training_tab, shown)
            with gr.Tab("Your images", id="yours") as yours_tab:
                yours.build_yours_tab(dataset, demo, tab_explorer["class_dropdowns"] + tab_sampler["class_dropdowns"])
            with gr.Tab("Compare models", id="compare") as compare_tab:
                compare.build_compare_tab(dataset, demo, compare_tab, shown)
        for tab in (explorer_tab, sampler_tab, repair_tab, text_tab, style_tab, training_tab, yours_tab, compare_tab):
            tab.select(None, None, shown, js=f"() => {tab.id!r}")  # in the browser: no server call
        device_line = gr.Markdown("Starting…", elem_classes=["footer-note"], elem_id="footer-device")
        if classroom_url:
            gr.HTML(qr_for_page(classroom_url), elem_id="footer-classroom")
        demo.load(friendly(describe_device), None, device_line, api_name="describe_device", **LIGHT)
        dropdowns = [d for d, _ in tab_explorer["class_dropdowns"] + tab_sampler["class_dropdowns"]]
        assert len(dropdowns) == len(DROPDOWN_AUTOS)
        dataset.change(switch_dataset, dataset, dropdowns, api_name="class_names", **LIGHT, **RAW)
        gr.api(ping, api_name="ping", api_visibility="undocumented", **LIGHT)
    return demo.queue(**QUEUE)


class BodySizeLimit:
    """ASGI middleware: a request body over the upload limit (plus 1 MB for the rest of the request) gets 413
    and one line before it is read into memory. Gradio's max_file_size covers its upload route only, and a
    JSON call can carry an image inline (a data: URL) or a huge prompt. Mounted through launch's documented
    `app_kwargs` (FastAPI's own `middleware` argument)."""

    def __init__(self, app, file_limit: int):
        self.app, self.file_limit, self.limit = app, file_limit, file_limit + 1_000_000

    async def _refuse(self, send) -> None:
        body = f"The request is over the limit of {self.file_limit / 2**20:g} MB for uploads.".encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            if declared.isdigit() and int(declared) > self.limit:
                return await self._refuse(send)
            return await self.app(scope, receive, send)
        # No declared length (chunked): count what arrives, and stop reading past the limit.
        state = {"received": 0, "refused": False, "started": False}

        async def counted_receive():
            if state["refused"]:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
                if state["received"] > self.limit:
                    state["refused"] = True
                    if not state["started"]:
                        state["started"] = True
                        await self._refuse(send)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message):
            if state["refused"]:
                return  # our 413 went out instead
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            if not state["refused"]:
                raise


def launch(demo: gr.Blocks, **options) -> None:
    """demo.launch, not blocking, with the app's CSS, the upload limit and the body-size middleware.
    `options`: more launch arguments (address, port)."""
    from starlette.middleware import Middleware

    demo.launch(prevent_thread_lock=True, css=CSS, ssr_mode=False, show_error=False,
                max_file_size=MAX_UPLOAD_BYTES, state_session_capacity=SESSIONS_KEPT,
                app_kwargs={"middleware": [Middleware(BodySizeLimit, file_limit=MAX_UPLOAD_BYTES)]}, **options)
