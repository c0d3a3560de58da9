"""How fast the app starts and how live its slider is, measured through plain HTTP. Prints tables of medians.

    python benchmarks/app_latency.py                  # cold starts (app vs Gradio hello-world), slider, 16 users
    python benchmarks/app_latency.py --starts 5 --frames 100 --users 16

1. Cold start: `python app.py` until GET / answers 200, against a bare Gradio hello-world started the same
   way, alternating, in the same run (the budget is 1.5x the hello-world).
2. Slider frame: one `interpolate` call (POST /gradio_api/call/interpolate, then read its event stream), the
   way the browser's slider asks for a frame; the budget is a median under 100 ms with one user.
3. Load: N users dragging at once (each its own session), counting errors; the budget is none with 16.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
HELLO = ("import gradio as gr\n"
         "gr.Interface(lambda name: 'Hello ' + name, 'text', 'text').launch()\n")
NO_MOVES = [0.0] * 5


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(argv: list[str], port: int) -> tuple[subprocess.Popen, float]:
    """Start a server; return it and the seconds until its first page answered 200."""
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "GRADIO_SERVER_PORT": str(port),
           "GRADIO_SERVER_NAME": "127.0.0.1"}
    started = time.perf_counter()
    process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    while True:
        try:
            if httpx.get(url, timeout=30).status_code == 200:
                return process, time.perf_counter() - started
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            raise RuntimeError(f"{argv} exited with status {process.returncode}")
        if time.perf_counter() - started > 300:
            process.kill()
            raise RuntimeError(f"{argv} did not answer within 300 s")
        time.sleep(0.02)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def call(client: httpx.Client, base: str, api_name: str, data: list, session: str) -> list:
    """One event the way a browser-less client sends it: POST, then read the event stream to the end."""
    event = client.post(f"{base}/gradio_api/call/{api_name}", json={"data": data, "session_hash": session})
    event.raise_for_status()
    event_id = event.json()["event_id"]
    kind = None
    with client.stream("GET", f"{base}/gradio_api/call/{api_name}/{event_id}") as stream:
        for line in stream.iter_lines():
            if line.startswith("event:"):
                kind = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and kind in ("complete", "error"):
                payload = line.split(":", 1)[1].strip()
                if kind == "error":
                    raise RuntimeError(f"{api_name} failed: {payload}")
                return json.loads(payload)
    raise RuntimeError(f"{api_name}: the stream ended without a result")


def encode_endpoints(client, base, session) -> None:
    empty = {"background": None, "layers": [], "composite": None}
    call(client, base, "encode", ["mnist", "seed", 1, -1, empty, None, "seed", 2, 3, empty, None, 0.5, "slerp",
                                  *NO_MOVES], session)


def slider_frames(base: str, frames: int, session: str = "bench-slider") -> list[float]:
    with httpx.Client(timeout=60) as client:
        encode_endpoints(client, base, session)
        times = []
        for i in range(frames):
            t = (i % 50) / 49
            started = time.perf_counter()
            call(client, base, "interpolate", ["mnist", t, "slerp", *NO_MOVES], session)
            times.append(time.perf_counter() - started)
    return times


def users_at_once(base: str, users: int, frames: int) -> tuple[int, list[float]]:
    errors, times, lock = [], [], threading.Lock()

    def user(k: int) -> None:
        session = f"bench-user-{k}"
        try:
            with httpx.Client(timeout=120) as client:
                encode_endpoints(client, base, session)
                for i in range(frames):
                    started = time.perf_counter()
                    call(client, base, "interpolate", ["mnist", (i + k) % 10 / 9, "lerp", *NO_MOVES], session)
                    with lock:
                        times.append(time.perf_counter() - started)
        except Exception as error:  # counted, not raised: the point is how many fail
            with lock:
                errors.append(f"user {k}: {error}")

    threads = [threading.Thread(target=user, args=(k,)) for k in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for error in errors[:5]:
        print("  error:", error)
    return len(errors), times


def ms(values: list[float], q: float = 0.5) -> str:
    ordered = sorted(values)
    return f"{1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]:.0f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--starts", type=int, default=3, help="cold starts of each server (alternating)")
    parser.add_argument("--frames", type=int, default=50, help="slider frames with one user")
    parser.add_argument("--users", type=int, default=16, help="users at once (0 skips)")
    parser.add_argument("--user-frames", type=int, default=10, help="frames per user under load")
    args = parser.parse_args(argv)

    hello_s, app_s = [], []
    for _ in range(args.starts):
        for argv_, into in (([sys.executable, "-c", HELLO], hello_s), ([sys.executable, "app.py"], app_s)):
            process, seconds = start(argv_, free_port())
            stop(process)
            into.append(seconds)
    hello, app = statistics.median(hello_s), statistics.median(app_s)
    print("| cold start to first page | median s | runs |")
    print("|---|---|---|")
    print(f"| Gradio hello-world | {hello:.2f} | {', '.join(f'{s:.2f}' for s in hello_s)} |")
    print(f"| python app.py | {app:.2f} | {', '.join(f'{s:.2f}' for s in app_s)} |")
    print(f"| ratio (budget 1.5) | {app / hello:.2f} | |")

    port = free_port()
    process, _ = start([sys.executable, "app.py"], port)
    base = f"http://127.0.0.1:{port}"
    try:
        times = slider_frames(base, args.frames)
        print("\n| slider frame (interpolate), one user | median ms | p90 ms | frames |")
        print("|---|---|---|---|")
        print(f"| HTTP round trip | {ms(times)} | {ms(times, 0.9)} | {len(times)} |")
        if args.users:
            failed, times = users_at_once(base, args.users, args.user_frames)
            print(f"\n| {args.users} users at once | median ms | p90 ms | frames | users with errors |")
            print("|---|---|---|---|---|")
            print(f"| HTTP round trip | {ms(times)} | {ms(times, 0.9)} | {len(times)} | {failed} |")
    finally:
        stop(process)
    return 0


if __name__ == "__main__":
    sys.exit(main())
