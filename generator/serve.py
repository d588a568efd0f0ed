"""Preview the site while editing: build, serve on 127.0.0.1, rebuild and reload on change.

Uses MkDocs' live-reload server, but every rebuild goes through our own
`build()`, so the preview shows exactly what `tipkb build --drafts` would, and like it
renders only the pages whose Markdown changed since the last rebuild.
The preview site lives in a temporary folder, never in `site/`. The site search's
index is remade after the page has reloaded (Pagefind reads every tip, which would be
most of a rebuild); until then the search finds what it found before the save.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import re
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from mkdocs.livereload import LiveReloadServer

from generator.build import build, default_config, refresh_site_search
from generator.content.escape import html
from generator.errors import BuildError, ContentError, Superseded, TipkbError
from generator.files import write_bytes_atomic

log = logging.getLogger(__name__)


def preview_server(
    content_dir: Path,
    site_dir: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    drafts: bool = True,
    build_dir: Path = Path("build/serve"),
    config_file: Path | None = None,
    today: dt.date | None = None,
    engine: str | None = None,
) -> LiveReloadServer:
    """Build once (failing loudly), then return a server that rebuilds on every change.

    The server is not yet listening: call its `serve()` (which blocks) and
    `shutdown()` to stop it. `today` pins the day every rebuild is made as of
    (default: generator.clock.today() at each rebuild).
    """
    config_file = config_file or default_config(content_dir)
    run = partial(
        build,
        content_dir,
        site_dir,
        drafts=drafts,
        build_dir=build_dir,
        config_file=config_file,
        today=today,
        engine=engine,
        search_later=True,
    )
    searching = _Background()

    def rebuild() -> None:
        # The index being made is for the site this build replaces: stopped, not waited
        # for (Pagefind takes seconds at a few thousand tips); this build's job remakes it.
        searching.stop()
        try:
            search = run().search
            if search.pending:
                searching.start(lambda stop: refresh_site_search(build_dir, site_dir, search, stop))
        except TipkbError as err:
            # Keep serving the last good site, with the problems on every page; the editor
            # fixes the file and saves again, and the next good build has no banner.
            log.error("%s\nBuild failed; still showing the last good version.", err)
            show_failure(site_dir, err)

    run()
    server = _PreviewServer(searching, builder=rebuild, host=host, port=port, root=str(site_dir))
    for path in (content_dir, config_file, config_file.parent / "theme"):
        if path.exists():
            server.watch(str(path))
    return server


class _PreviewServer(LiveReloadServer):
    """MkDocs' live-reload server, which stops the site search's job when it closes: on
    Ctrl+C, Pagefind would otherwise go on writing into the preview's folder as it is
    removed."""

    def __init__(self, background: _Background, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.background = background

    def server_close(self) -> None:
        self.background.stop()
        super().server_close()


class _Background:
    """One job at a time beside the server: the site search's index after a rebuild. The
    job is given an event, which stop() sets before it waits for the job to end."""

    THREAD = "tipkb-site-search"

    def __init__(self) -> None:
        self.thread: threading.Thread | None = None
        self.stopping = threading.Event()

    def start(self, job: Callable[[threading.Event], object]) -> None:
        stopping = self.stopping = threading.Event()

        def run() -> None:
            try:
                job(stopping)
                log.info("site search: index remade")
            except Superseded as err:
                log.info("site search: %s", err)
            except TipkbError as err:
                log.error("the site search's index could not be remade: %s", err)

        self.thread = threading.Thread(target=run, name=self.THREAD, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        if self.thread is not None:
            self.stopping.set()
            self.thread.join()
            self.thread = None


BANNER_CLASS = "tipkb-build-failed"
_BODY = re.compile(r"<body[^>]*>")


def show_failure(site_dir: Path, err: TipkbError) -> int:
    """Put a banner listing the build's problems at the top of every page of the preview
    (a folder of its own, never published); how many pages got it.

    Each page is replaced, not written into: its file is shared with the rendered site
    the build folder keeps (generator.site.kept), which must stay as it was rendered.
    """
    problems = [str(p) for p in err.problems] if isinstance(err, ContentError) else [str(err)]
    items = "".join(f"<li><code>{html(line)}</code></li>" for line in problems)
    banner = (
        f'<div class="{BANNER_CLASS}" role="alert"><strong>Your last change does not '
        "build. Fix what is listed, save, and this page reloads; until then it shows the "
        f"last version that built.</strong><ul>{items}</ul></div>"
    )
    marked = 0
    for page in site_dir.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        text = re.sub(rf'<div class="{BANNER_CLASS}".*?</ul></div>', "", text, flags=re.S)
        text, found = _BODY.subn(lambda m: m[0] + banner, text, count=1)
        if found:
            write_bytes_atomic(page, text.encode("utf-8"))
            marked += 1
    return marked


@contextlib.contextmanager
def _stopped_like_ctrl_c(signum: int) -> Iterator[None]:
    """Within the block, the signal `signum` stops the server as Ctrl+C does: a
    `kill`, or an editor's tool closing the preview, would otherwise end the process
    before the preview's temporary folder is removed. Only the main thread may set a
    handler; elsewhere (tests), nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signum, interrupt)
    try:
        yield
    finally:
        signal.signal(signum, previous)


def serve(
    content_dir: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    drafts: bool = True,
    build_dir: Path = Path("build/serve"),
    config_file: Path | None = None,
    today: dt.date | None = None,
    engine: str | None = None,
) -> None:
    """Serve the preview until Ctrl+C.

    The preview's site is a temporary folder beside the build folder: on the same disk
    (the system's temporary folder is often a disk in memory), so each rebuild links the
    pages it did not render from the kept site (generator.site.kept) instead of copying."""
    build_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tipkb-serve-", dir=build_dir.parent) as tmp:
        server = preview_server(
            content_dir,
            Path(tmp) / "site",
            host=host,
            port=port,
            drafts=drafts,
            build_dir=build_dir,
            config_file=config_file,
            today=today,
            engine=engine,
        )
        shown = "shown" if drafts else "hidden"
        log.info("Serving on http://%s:%d/ (drafts %s); press Ctrl+C to stop.", host, port, shown)
        try:
            with _stopped_like_ctrl_c(signal.SIGTERM):
                server.serve()  # binds the port first: an OSError here means it is taken
        except OSError as err:
            raise BuildError(f"cannot serve on {host}:{port}: {err.strerror}; try --port") from None
        except KeyboardInterrupt:
            log.info("Stopped.")
        finally:
            server.shutdown()
