"""The app in a real browser: Playwright driving Debian's Chromium (never `playwright install`).

`python app.py` runs as a subprocess on a free port, on the shipped checkpoints when they are there, else on tiny
untrained ones. Screenshots of every tab go to a temporary folder; `make screenshots` (AEGAN_SCREENSHOTS=1, shipped
checkpoints) writes them to docs/screenshots/ for the README, so that a test run leaves the tree as it found it.
Each test also checks that the page logs no console error and requests nothing from any other host.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest

pytest.importorskip("playwright")
from playwright.sync_api import Page, expect  # noqa: E402
from test_app import free_port, text_available, write_tiny_checkpoints  # noqa: E402

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "checkpoints"
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SLOW = 120_000  # ms: this machine may be busy training, and the browser renders without a GPU


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (`make test` installs it with apt)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}}


def shipped_models() -> bool:
    return all((SHIPPED / f"{name}-cgan" / "model.safetensors").is_file() for name in ("fashion-mnist", "mnist"))


FAMILIES = ("ae", "vae", "gan")  # the Compare tab's other families (Fashion-MNIST only)


def shipped_families() -> bool:
    return all((SHIPPED / f"fashion-mnist-{family}" / "model.safetensors").is_file() for family in FAMILIES)


def checkpoints_for_the_app(tmp: Path) -> Path:
    """The shipped checkpoints when they are all there; the shipped class models beside tiny untrained families
    while the families are not trained yet (so the Compare tab's map can still be clicked); else all tiny."""
    if not shipped_models():
        return write_tiny_checkpoints(tmp)
    if shipped_families():
        return SHIPPED
    tiny = write_tiny_checkpoints(tmp / "tiny")
    root = tmp / "mixed"
    root.mkdir()
    for folder in SHIPPED.iterdir():
        (root / folder.name).symlink_to(folder.resolve())
    for family in FAMILIES:
        if not (root / f"fashion-mnist-{family}").exists():
            (root / f"fashion-mnist-{family}").symlink_to(tiny / f"fashion-mnist-{family}")
    return root


@pytest.fixture(scope="session")
def app_url(tmp_path_factory):
    """`python app.py` as users start it, on a free port."""
    root = checkpoints_for_the_app(tmp_path_factory.mktemp("checkpoints"))
    port = free_port()
    env = {**os.environ, "AEGAN_CHECKPOINTS": str(root), "GRADIO_SERVER_PORT": str(port),
           "GRADIO_SERVER_NAME": "127.0.0.1",  # live training: a tiny model on synthetic strokes, in seconds
           "AEGAN_LIVE": "tiny", "AEGAN_LIVE_DIR": str(tmp_path_factory.mktemp("live"))}
    log = open(tmp_path_factory.mktemp("app") / "app.log", "w+")
    process = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                if httpx.get(url, timeout=10).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                pytest.fail(f"app.py did not start:\n{log.read()[-3000:]}")
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory) -> Path:
    """docs/screenshots/ when asked for (AEGAN_SCREENSHOTS=1) and the real models run (the README shows them), else a
    temporary folder."""
    if os.environ.get("AEGAN_SCREENSHOTS") == "1" and shipped_models():
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        return SCREENSHOTS
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture
def app(page: Page, app_url):
    """The page, opened on the app, with every console error and every request to another host recorded."""
    errors, foreign = [], []
    own = urlparse(app_url).netloc
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))

    def check_host(request):
        url = urlparse(request.url)
        if url.scheme in ("http", "https", "ws", "wss") and url.netloc != own:
            foreign.append(request.url)

    page.on("request", check_host)
    page.set_default_timeout(SLOW)
    page.goto(app_url)
    expect(page.locator("#walk-frame img")).to_be_visible(timeout=SLOW)  # the first walk has been drawn
    yield page
    assert not errors, f"console errors: {errors}"
    assert not foreign, f"requests to other hosts: {foreign}"


def open_tab(page: Page, name: str) -> None:
    page.get_by_role("tab", name=name, exact=True).click()


def draw(page: Page, pad: str, strokes: list[list[tuple[float, float]]]) -> None:
    """Pick the brush of a sketchpad/editor and draw strokes given in fractions of its canvas."""
    editor = page.locator(pad)
    editor.locator("button[aria-label=Brush]").first.click()
    box = editor.locator("canvas").first.bounding_box()
    for stroke in strokes:
        (x0, y0), *rest = stroke
        page.mouse.move(box["x"] + x0 * box["width"], box["y"] + y0 * box["height"])
        page.mouse.down()
        for x, y in rest:
            page.mouse.move(box["x"] + x * box["width"], box["y"] + y * box["height"], steps=8)
        page.mouse.up()


def wait_idle(page: Page, selector: str = "body") -> None:
    """Until no component inside `selector` shows Gradio's pending-event timer."""
    page.wait_for_timeout(300)  # let an event that was just triggered start
    page.wait_for_function(f"() => document.querySelector('{selector}').querySelectorAll('.progress-text').length == 0",
                           timeout=SLOW)


def screenshot(page: Page, path: Path) -> None:
    wait_idle(page)
    page.screenshot(path=path, full_page=True)


def expect_result(page: Page, result: str) -> None:
    """Wait for `result` to show, failing with the app's message if an error toast shows instead."""
    toast = page.locator(".toast-body")
    expect(page.locator(result).or_(toast).first).to_be_visible(timeout=SLOW)
    assert toast.count() == 0, f"the app said: {toast.first.inner_text()}"


SEVEN = [[(0.3, 0.3), (0.7, 0.3), (0.45, 0.75)]]


def test_explorer_slider_answers_in_the_page(app: Page, screenshot_dir):
    """Dragging t, clicking its track and pressing arrow keys change the frame, and send nothing to the server."""
    page = app
    frame = page.locator("#walk-frame img")
    expect(frame).to_have_attribute("src", re.compile("^data:image/png"))
    wait_idle(page)  # the page's own first events (previews, strip, examples) are done
    page.wait_for_timeout(1000)
    sent = []
    page.on("request", lambda request: sent.append(request.url))
    first = frame.get_attribute("src")
    slider = page.locator("#walk-t input[type=range]")
    box = slider.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + 0.5 * box["width"], y)
    page.mouse.down()
    seen = set()
    for fraction in (0.4, 0.3, 0.2, 0.1, 0.0):
        page.mouse.move(box["x"] + fraction * box["width"], y, steps=4)
        seen.add(frame.get_attribute("src"))
    page.mouse.up()
    assert len(seen) >= 4, "the frame should change at every step of the drag"
    expect(frame).not_to_have_attribute("src", first)
    at_start = frame.get_attribute("data-k")
    slider.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(frame).to_have_attribute("data-k", str(int(at_start) + 2))
    page.mouse.click(box["x"] + 0.75 * box["width"], y)
    expect(frame).not_to_have_attribute("data-k", str(int(at_start) + 2))
    page.wait_for_timeout(500)
    assert sent == [], f"moving t sent requests: {sent}"

    page.get_by_label("MNIST", exact=True).check()
    page.get_by_role("tab", name="Draw").first.click()
    draw(page, "#sketch-a", SEVEN)
    expect_result(page, "text=E reads it as")
    screenshot(page, screenshot_dir / "explorer.png")


def test_sampler_shows_a_grid_with_realness(app: Page, screenshot_dir):
    page = app
    open_tab(page, "Class sampler")
    grid = page.locator("#sample-grid")
    expect_result(page, "#sample-grid img")
    expect(grid.locator("img")).to_have_count(20, timeout=SLOW)
    expect(grid.get_by_text("D 0.", exact=False).first).to_be_visible()
    screenshot(page, screenshot_dir / "sampler.png")


def test_repair_a_painted_hole(app: Page, screenshot_dir):
    page = app
    open_tab(page, "Image repair")
    expect(page.locator("#repair-examples .thumbnail-item")).to_have_count(12, timeout=SLOW)
    page.locator("#repair-examples .thumbnail-item").nth(7).click()  # the sneaker
    expect(page.locator("#repair-original img")).to_be_visible(timeout=SLOW)
    wait_idle(page, "#repair-editor")  # the editor has drawn the picture
    for attempt in range(2):  # on a busy machine the editor may still be storing the picture when painted on
        draw(page, "#repair-editor", [[(0.35, 0.45), (0.65, 0.45), (0.65, 0.55), (0.35, 0.55)]])
        page.wait_for_timeout(1000)
        page.locator("#repair-button").click()
        toast = page.locator(".toast-body")
        expect(page.locator("#repair-repaired img").or_(toast).first).to_be_visible(timeout=SLOW)
        if toast.count() and "mask is empty" in toast.first.inner_text() and attempt == 0:
            page.locator(".toast-close").first.click()
            wait_idle(page, "#repair-editor")
            continue
        break
    expect_result(page, "#repair-repaired img")
    expect(page.get_by_text("pixels were missing")).to_be_visible()
    screenshot(page, screenshot_dir / "repair.png")


def test_remove_noise_from_the_picked_picture(app: Page):
    page = app
    open_tab(page, "Image repair")
    expect(page.locator("#repair-examples .thumbnail-item")).to_have_count(12, timeout=SLOW)
    page.locator("#repair-examples .thumbnail-item").nth(3).click()
    expect(page.locator("#repair-original img")).to_be_visible(timeout=SLOW)
    wait_idle(page, "#repair-editor")
    page.locator("#denoise-button").click()  # the sliders start at Gaussian noise of sigma 40
    for picture in ("#denoise-noisy", "#denoise-repaired", "#denoise-median", "#denoise-original"):
        expect_result(page, f"{picture} img")
    expect(page.locator("#denoise-why")).to_contain_text("Noise found in the image")


def test_type_a_prompt_and_generate(app: Page, screenshot_dir):
    page = app
    open_tab(page, "Text to image")
    page.locator("#text-prompt textarea").fill("a pair of running shoes")
    page.locator("#text-generate").click()
    if shipped_models() and (SHIPPED / "fashion-mnist-text2img").is_dir() and text_available():
        expect_result(page, "#text-grid img")
        expect(page.locator("#text-understood")).to_contain_text("understood", timeout=SLOW)
    else:  # no text model in this copy: the app says so in one sentence and keeps serving
        said = re.compile("missing from the checkpoints folder|not part of this build")
        expect(page.get_by_text(said).first).to_be_visible(timeout=SLOW)
    screenshot(page, screenshot_dir / "text.png")


def test_style_transfer_of_a_drawing(app: Page, screenshot_dir):
    page = app
    open_tab(page, "Style transfer")
    page.get_by_label("MNIST", exact=True).check()
    draw(page, "#style-sketch", SEVEN)
    expect_result(page, "#style-grid img")
    expect(page.locator("#style-grid img")).to_have_count(10, timeout=SLOW)
    screenshot(page, screenshot_dir / "style.png")


def test_a_live_run_plays_back_in_the_page_and_a_long_one_streams_until_stopped(app: Page):
    """A short run finishes and the player plays its film: the step slider and Play swap frames inside the page,
    with no request. A long run streams its step into the page while it trains, and Stop ends it. (Whether the
    short run shows a step line before it finishes depends on how its tiny steps fall between the server's
    one-second polls, so only the long one, which no test waits for, is held to it.)"""
    page = app
    open_tab(page, "Training")
    page.get_by_label("MNIST", exact=True).check()

    def train(ae_steps: int, gan_steps: int) -> None:
        for label, value in (("Stage 1 steps (autoencoder)", ae_steps), ("Stage 2 steps (GAN)", gan_steps)):
            box = page.get_by_label(label).first
            box.fill(str(value))
            box.press("Enter")
        page.locator("#live-train").click()

    status = page.locator("#live-status")
    train(20, 20)
    expect(status).to_contain_text("Finished: 40 steps", timeout=SLOW)
    expect(page.locator("#live-grid img")).to_have_attribute("src", re.compile("^data:image/png"))
    caption, frame = page.locator("#film-frame .film-caption"), page.locator("#film-frame img")
    expect(caption).to_have_text("step 40 of 40 · stage 2 (GAN)")  # the player is on the live run's film
    wait_idle(page)
    sent = []
    page.on("request", lambda request: sent.append(request.url))
    slider = page.locator("#film-step input[type=range]")
    slider.focus()
    page.keyboard.press("Home")
    expect(caption).to_have_text("step 0 of 40 · stage 1 (autoencoder)")
    first = frame.get_attribute("src")
    page.keyboard.press("ArrowRight")
    expect(caption).to_have_text("step 1 of 40 · stage 1 (autoencoder)")
    expect(frame).not_to_have_attribute("src", first)
    page.wait_for_timeout(500)
    assert sent == [], f"moving the step slider sent requests: {sent}"
    page.locator("#film-frame .film-play").click()
    expect(caption).to_have_text("step 40 of 40 · stage 2 (GAN)", timeout=SLOW)  # played to the end

    train(1500, 1500)
    expect(status).to_contain_text(re.compile(r"Step [\d,]+ of 3,000"), timeout=SLOW)  # streamed while it trains
    page.locator("#live-stop").click()
    expect(status).to_contain_text("Stopped", timeout=SLOW)  # Stop's note, or the run's own last line
    expect(caption).to_have_text(re.compile(r"^step [\d,]+ of [\d,]+ · stage 1 \(autoencoder\)$"))  # the stopped run's
    # No screenshot for the README: a tiny model's few steps show grey noise, not what the tab teaches.


def test_compare_models_and_click_the_latent_map(app: Page, screenshot_dir):
    """The Compare tab fills its columns when opened; a click on the AE's map draws what its decoder draws there,
    and another click elsewhere draws something else."""
    page = app
    open_tab(page, "Compare models")
    for column in ("ae", "vae", "gan", "aegan"):
        expect_result(page, f"#compare-rec-{column} img")
    expect(page.locator("#compare-summary")).to_contain_text("PSNR")
    expect(page.locator("#compare-table")).to_contain_text("AE-GAN")
    shown = page.locator("#compare-map-ae img")
    shown.scroll_into_view_if_needed()  # far down the page, and lazily loaded
    expect_result(page, "#compare-map-ae img")
    wait_idle(page)

    def click(picture, fx: float, fy: float) -> None:
        box = picture.bounding_box()
        picture.click(position={"x": fx * box["width"], "y": fy * box["height"]})

    click(shown, 0.3, 0.6)
    expect_result(page, "#compare-drawn-ae img")
    note = page.locator("#compare-click-ae")
    expect(note).to_contain_text("The AE (autoencoder)'s decoder at")
    first_note, first = note.inner_text(), page.locator("#compare-drawn-ae img").get_attribute("src")
    click(shown, 0.8, 0.2)
    expect(note).not_to_have_text(first_note)
    expect(page.locator("#compare-drawn-ae img")).not_to_have_attribute("src", first)
    click(page.locator("#compare-map-vae img"), 0.5, 0.5)  # the VAE's map answers for itself
    expect(page.locator("#compare-click-vae")).to_contain_text("The VAE's decoder at")
    for strip in ("sample-ae", "sample-vae", "sample-gan", "sample-aegan", "walk-ae", "walk-vae", "walk-aegan"):
        picture = page.locator(f"#compare-{strip} img")
        picture.scroll_into_view_if_needed()  # the page loads images lazily, as they come into view
        page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=picture.element_handle())
    if shipped_families():  # only the real models make a screenshot worth showing
        screenshot(page, screenshot_dir / "compare.png")


def api_names(app_url: str) -> dict:
    """The id of each backend event of the page -> its api_name (from the page's config)."""
    config = httpx.get(f"{app_url}/config", timeout=30).json()
    return {d["id"]: d["api_name"] for d in config["dependencies"] if d["backend_fn"]}


def record_events(page: Page, app_url: str) -> list:
    """The api_name of every event the page sends to the server's queue from now on, in order."""
    names, sent = api_names(app_url), []

    def record(request):
        if request.method == "POST" and urlparse(request.url).path.endswith("/queue/join"):
            sent.append(names.get((request.post_data_json or {}).get("fn_index")))

    page.on("request", record)
    return sent


def wait_for_events(page: Page, sent: list, name: str, count: int) -> None:
    """Until the page has sent `count` events `name` (recorded by record_events). Not test_training_tab's
    wait_for: Playwright's sync API delivers the page's request events only inside its own calls, so the wait is
    page.wait_for_timeout, not time.sleep."""
    deadline = time.monotonic() + SLOW / 1000
    while sent.count(name) < count:
        assert time.monotonic() < deadline, f"{name} was sent {sent.count(name)} times, not {count}: {sent}"
        page.wait_for_timeout(100)


def test_a_dataset_switch_draws_only_the_tab_shown(app: Page, app_url):
    """Compare's three heavy jobs and the Training tab's film run when their tab is opened, and at a dataset switch
    only while their tab is shown: a visitor switching dataset in another tab does not pay for them."""
    page = app
    wait_idle(page)
    sent = record_events(page, app_url)
    page.get_by_label("MNIST", exact=True).check()
    wait_idle(page)
    page.get_by_label("Fashion-MNIST", exact=True).check()
    # The page sends the events a switch triggers one after another; then the Training tab is opened, whose film
    # is sent after them: had either switch drawn Compare or the film, it would be in the list by then.
    wait_for_events(page, sent, "class_names", 2)
    open_tab(page, "Training")
    wait_for_events(page, sent, "load_film", 1)
    wait_idle(page)
    compare = {"compare_table", "compare_reconstruct", "compare_samples", "compare_walk"}
    assert not compare & set(sent) and sent.count("load_film") == 1, str(sent)
    page.get_by_label("MNIST", exact=True).check()  # while Training is shown: its film follows
    wait_for_events(page, sent, "load_film", 2)
    sent.clear()
    open_tab(page, "Compare models")  # MNIST: each section says the families are Fashion-MNIST's
    expect(page.locator("#compare-status")).to_contain_text("trained on Fashion-MNIST only", timeout=SLOW)
    for name in compare:
        wait_for_events(page, sent, name, 1)
    page.get_by_label("Fashion-MNIST", exact=True).check()  # while Compare is shown: it is drawn again
    for name in compare:
        wait_for_events(page, sent, name, 2)
    expect(page.locator("#compare-table")).to_contain_text("AE-GAN", timeout=SLOW)
    wait_idle(page)
    assert "load_film" not in sent, str(sent)


def test_your_labels_reach_the_dropdowns_of_the_dataset_shown_when_the_fine_tune_ends(app: Page, app_url, tmp_path):
    """A fine-tune takes minutes and the visitor may switch dataset meanwhile: the other tabs' class dropdowns
    are renamed for the dataset shown when it ends (your labels only where your model is used)."""
    from aegan.data import load_dataset
    from PIL import Image

    strokes = load_dataset("synthetic", "train")
    page = app
    sent = record_events(page, app_url)
    open_tab(page, "Your images")
    page.get_by_label("MNIST", exact=True).check()
    for label, k in (("flat", 0), ("steep", 5)):
        files = []
        for i, image in enumerate(strokes.images[strokes.labels == k][:10]):
            files.append(tmp_path / f"{label}-{i}.png")
            Image.fromarray(255 - image).resize((84, 84)).save(files[-1])
        page.locator("#yours-label input, #yours-label textarea").first.fill(label)
        page.locator("#yours-files input[type=file]").set_input_files(files)
        page.locator("#yours-add").click()
        expect(page.locator("#yours-summary")).to_contain_text(f"{label} 10", timeout=SLOW)
    expect(page.locator("#yours-summary")).to_contain_text("Ready to fine-tune")
    page.locator("#yours-fine-tune").click()  # the fine-tune reads the dataset now: MNIST
    page.get_by_label("Fashion-MNIST", exact=True).check()  # switched while it trains
    expect(page.locator("#yours-status")).to_contain_text("while MNIST is selected", timeout=SLOW)  # Done
    wait_for_events(page, sent, "relabel_after_fine_tune", 1)
    wait_idle(page)
    open_tab(page, "Class sampler")
    classes = page.get_by_label("Class", exact=True).first

    def expect_choices(shown: str, not_shown: str) -> None:
        classes.click()
        expect(page.get_by_role("option", name=shown, exact=True)).to_be_visible(timeout=SLOW)
        expect(page.get_by_role("option", name=not_shown, exact=True)).to_have_count(0)
        page.keyboard.press("Escape")

    expect_choices("sneaker", "flat")  # Fashion-MNIST shown at the end: the shipped model's classes
    page.get_by_label("MNIST", exact=True).check()
    expect(page.locator("#sample-grid").get_by_text("steep").first).to_be_visible(timeout=SLOW)  # your model draws
    wait_for_events(page, sent, "class_names", 3)  # MNIST, Fashion-MNIST, MNIST
    wait_idle(page)
    expect_choices("flat", "sneaker")  # MNIST: your model's labels
