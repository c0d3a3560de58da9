"""AE-GAN Studio: `python app.py` serves the app on http://127.0.0.1:7860; `python app.py --classroom` serves
it to the local network and prints the address students type, with a QR code.

Settings from the environment: AEGAN_CHECKPOINTS (model folder, default ./checkpoints), AEGAN_DEVICE
(auto, cpu, cuda, mps), AEGAN_LOG_LEVEL (INFO; DEBUG logs every call's time), GRADIO_SERVER_NAME /
GRADIO_SERVER_PORT (address and port), MALLOC_ARENA_MAX (glibc's; 2 unless set), AEGAN_LIVE (tiny: the
Training tab's live run trains a tiny model on synthetic strokes), AEGAN_LIVE_DIR (where live runs' temporary
folders go; the system's temp folder unless set).
"""

import ctypes
import os

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # offline: no telemetry, no version check; before gradio loads


def limit_malloc_arenas(arenas: int = 2) -> None:
    """What MALLOC_ARENA_MAX=2 does, for a process already started. glibc gives each thread that allocates
    an arena of its own (up to 8 per core) and each keeps the memory it freed, so Gradio's worker threads
    grow the app's peak memory (docs/PERFORMANCE.md). Must run before other threads start; no-op off glibc."""
    if "MALLOC_ARENA_MAX" in os.environ:  # glibc read it at start-up: the user's value holds
        return
    try:
        ctypes.CDLL("libc.so.6").mallopt(-8, arenas)  # -8 = M_ARENA_MAX in malloc.h
    except (OSError, AttributeError):  # macOS, Windows, musl
        pass


limit_malloc_arenas()

import argparse  # noqa: E402
import logging  # noqa: E402

from ui.classroom import classroom_url, qr_for_terminal  # noqa: E402
from ui.loading import start_warm_up  # noqa: E402
from ui.studio import build_demo, launch  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve AE-GAN Studio.")
    parser.add_argument("--classroom", action="store_true",
                        help="listen on the local network (0.0.0.0) and print the address students type, with a QR "
                             "code (also shown in the app's footer)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=os.environ.get("AEGAN_LOG_LEVEL", "INFO").upper(),
                        format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # gradio's own start-up probes, one line each
    if not args.classroom:
        demo = build_demo()
        launch(demo)
    else:
        port = int(os.environ.get("GRADIO_SERVER_PORT", 7860))
        url = classroom_url(port)
        demo = build_demo(classroom_url=url)
        launch(demo, server_name="0.0.0.0", server_port=port)
        print(f"\nStudents open {url} on this network, or scan:\n\n{qr_for_terminal(url)}", flush=True)
    start_warm_up()  # torch, the models and the text encoder load after the page is up
    demo.block_thread()


if __name__ == "__main__":
    main()
