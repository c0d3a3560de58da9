"""The explorer's t slider in a real browser: Playwright driving Debian's Chromium against `python app.py`.

    python -m benchmarks.browser              # 40 key presses, a 40-step drag
    python -m benchmarks.browser --keys 10

1. First frame: from the start of navigation to the walk's first frame in #walk-frame (the page, Gradio's
   scripts, the encode event and its 101 frames).
2. Key -> frame: a keyboard arrow on #walk-t, from the key event's timestamp to the first animation frame after
   the shown frame changed (in-page clocks only, so Playwright's own messaging is not counted).
3. Requests per tick: every request the page makes while the keys are pressed and the slider is dragged.
"""

from __future__ import annotations

import argparse
import shutil
import sys

from .app_latency import running_app
from .report import Row, Section, median, percentile, render_section

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
KEY_TO_FRAME_MS = 20.0  # issue 14: median key press -> new frame
# Installed before the page's own scripts: remembers when the first frame showed, and for each key press on
# the t slider, how long until the frame after the one that showed the new position was painted.
PROBE = """
window.__keyToFrame = []; window.__firstFrame = null;
let pressed = null;
document.addEventListener('keydown', (e) => { if (e.target.closest && e.target.closest('#walk-t')) pressed = e.timeStamp; }, true);
new MutationObserver(() => {
  const img = document.querySelector('#walk-frame img');
  if (!img) return;
  if (window.__firstFrame === null && img.src.startsWith('data:image/png')) window.__firstFrame = performance.now();
  if (pressed !== null && img.dataset.k !== window.__lastK) {
    const at = pressed; pressed = null;
    requestAnimationFrame(() => window.__keyToFrame.push(performance.now() - at));
  }
  window.__lastK = img.dataset.k;
}).observe(document, {subtree: true, attributes: true, childList: true, attributeFilter: ['src', 'data-k']});
"""


def measure(base: str, keys: int, drag_steps: int) -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                                             args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.add_init_script(PROBE)
        page.goto(base)
        page.wait_for_function("() => window.__firstFrame !== null", timeout=300_000)
        first_frame_ms = page.evaluate("() => window.__firstFrame")
        page.wait_for_function("() => document.querySelectorAll('.progress-text').length == 0", timeout=300_000)
        page.wait_for_timeout(1500)  # the page's own first events are done
        sent = []
        page.on("request", lambda request: sent.append(request.url))
        slider = page.locator("#walk-t input[type=range]")
        slider.focus()
        for i in range(keys):  # right to the end and back, as a student steps through the walk
            page.keyboard.press("ArrowRight" if (i // 25) % 2 == 0 else "ArrowLeft")
            page.wait_for_timeout(30)
        box = slider.bounding_box()
        y = box["y"] + box["height"] / 2
        page.mouse.move(box["x"] + 2, y)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] - 2, y, steps=drag_steps)
        page.mouse.up()
        page.wait_for_timeout(500)
        key_ms = page.evaluate("() => window.__keyToFrame")
        browser.close()
    return dict(first_frame_ms=first_frame_ms, key_ms=key_ms, requests=len(sent), ticks=keys + drag_steps,
                urls=sent[:3])


def run(keys: int = 40, drag_steps: int = 40, device: str = "auto") -> list[Section]:
    with running_app(device) as (base, _):
        m = measure(base, keys, drag_steps)
    key_ms = m["key_ms"]
    rows = [Row("key press -> new frame, median", f"{median(key_ms):.1f} ms", f"<= {KEY_TO_FRAME_MS:.0f} ms",
                bool(key_ms) and median(key_ms) <= KEY_TO_FRAME_MS, f"{len(key_ms)} of {keys} presses changed the frame"),
            Row("key press -> new frame, p95", f"{percentile(key_ms, 95):.1f} ms"),
            Row("requests to the server while t moves", f"{m['requests']} in {m['ticks']} ticks "
                f"({m['requests'] / m['ticks']:.2f} per tick)", "0", m["requests"] == 0,
                f"{keys} arrow keys, a drag of {drag_steps} steps" + (f"; e.g. {m['urls'][0]}" if m["urls"] else "")),
            Row("first frame after page load", f"{m['first_frame_ms'] / 1000:.2f} s",
                note="navigation start -> the walk's first frame shown (page, scripts, encode, 101 frames)")]
    return [Section("The t slider in the browser", rows,
                    "Chromium (Debian's, headless, software rendering) driven by Playwright against `python app.py` "
                    "on this machine. Key -> frame is timed inside the page, from the key event to the animation "
                    "frame after the new frame was set.")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keys", type=int, default=40, help="arrow-key presses on the t slider")
    parser.add_argument("--drag-steps", type=int, default=40, help="mouse steps of one drag across the slider")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"], help="the app's AEGAN_DEVICE")
    args = parser.parse_args(argv)
    for section in run(args.keys, args.drag_steps, args.device):
        print(render_section(section), end="\n\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
