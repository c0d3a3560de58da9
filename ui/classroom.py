"""A classroom on one laptop: the address students type on the local network, and a QR code of it for the
terminal and for the page's footer (`python app.py --classroom`, or `make serve`)."""

from __future__ import annotations

import io
import socket


def lan_address() -> str:
    """This machine's address on the local network (127.0.0.1 when there is none). A UDP socket 'connected' to
    a private address sends nothing; it only makes the system choose the interface it would route through."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.254.254.254", 1))
            return probe.getsockname()[0]
        except OSError:
            return "127.0.0.1"


def classroom_url(port: int, host: str | None = None) -> str:
    return f"http://{host or lan_address()}:{port}"


def qr_for_terminal(url: str) -> str:
    """The QR code as text (half-block characters), to print in the terminal."""
    import segno

    text = io.StringIO()
    segno.make(url, error="m").terminal(out=text, compact=True)
    return text.getvalue()


def qr_for_page(url: str) -> str:
    """HTML for the footer: the QR code as an inline SVG image beside the address."""
    import segno

    image = segno.make(url, error="m").svg_data_uri(scale=3, dark="#111", light="#fff")
    return (f'<div class="classroom"><img src="{image}" alt="QR code of {url}" width="120" height="120">'
            f'<p>Students open <b>{url}</b> (or scan the code) on this network.</p></div>')
