"""A built site in Debian's Chromium: served under a sub-path as on an intranet, searched
through its own search page. Shared by `make eval` (search quality), `make bench`
(bytes a phone fetches) and the browser tests."""

from __future__ import annotations

import functools
import gzip
import http.server
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote_plus, urlsplit

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SUB_PATH = "/kb/"
_COMPRESSED = (".html", ".css", ".js", ".json", ".svg", ".xml")  # as a web server would


@contextmanager
def served(site: Path, *, compress: bool = False) -> Iterator[str]:
    """Serve a built site under http://127.0.0.1:PORT/kb/; `compress` gzips text files
    for browsers that accept it, as any intranet web server does."""

    class Handler(http.server.SimpleHTTPRequestHandler):
        def translate_path(self, path: str) -> str:
            if not path.startswith(SUB_PATH):
                return str(site / "does-not-exist")
            return super().translate_path(path[len(SUB_PATH) - 1 :])

        def send_head(self):  # type: ignore[no-untyped-def]
            path = Path(self.translate_path(self.path.split("?")[0]))
            if path.is_dir():
                path = path / "index.html"
            wants = "gzip" in self.headers.get("Accept-Encoding", "")
            if not (compress and wants and path.is_file() and path.suffix in _COMPRESSED):
                return super().send_head()
            body = gzip.compress(path.read_bytes(), 6)
            self.send_response(200)
            self.send_header("Content-Type", self.guess_type(str(path)))
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            return _Body(body)

        def log_message(self, *args: object) -> None:
            pass

    class Server(http.server.ThreadingHTTPServer):
        def handle_error(self, request: object, client_address: object) -> None:
            if not isinstance(sys.exc_info()[1], ConnectionError):  # a browser hung up: fine
                super().handle_error(request, client_address)

    server = Server(("127.0.0.1", 0), functools.partial(Handler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{SUB_PATH}"
    finally:
        server.shutdown()
        server.server_close()


class _Body:
    """A response body for SimpleHTTPRequestHandler.copyfile, already in memory."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def read(self, size: int = -1) -> bytes:
        data, self.data = (self.data, b"") if size < 0 else (self.data[:size], self.data[size:])
        return data

    def close(self) -> None:
        pass


@contextmanager
def chromium() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def search_url(base: str, query: str) -> str:
    return f"{base}search/?q={quote_plus(query)}"


def search(page: Page, base: str, query: str) -> list[str]:
    """Open the search page for `query`; the result pages, best first, relative to the
    site (tips/<slug>/)."""
    page.goto(search_url(base, query))
    page.wait_for_selector("#tipkb-results[data-state=done], #tipkb-results[data-state=failed]")
    hrefs = page.eval_on_selector_all(
        "#tipkb-results .tipkb-result__title a", "links => links.map(a => a.href)"
    )
    prefix = urlsplit(base).path
    return [urlsplit(href).path.removeprefix(prefix) for href in hrefs]


def slugs(pages: list[str]) -> list[str]:
    """The tip slugs among result pages."""
    return [p.removeprefix("tips/").strip("/") for p in pages if p.startswith("tips/")]
