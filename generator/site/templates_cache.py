"""The theme's templates compiled once, not in every build: Jinja's bytecode cache, signed.

MkDocs makes a new Jinja environment for every build (theme.get_env()), which compiles
each template it renders anew: Material's main.html, base.html and their partials took
0.7 s of a rebuild after one edit, in each of the build's processes. Jinja keeps compiled
templates at its documented seam, a BytecodeCache on the environment, by template and
source checksum. This one holds them in memory for the process (the preview server
rebuilds in one process) and in a folder of the build's cache. Compiled code runs when
loaded, so each file is signed as every cache is (generator.cache.sign): a file this
machine did not sign is ignored, and the template compiled again.

The key also names the environment's settings that change compiled code (its extensions,
delimiters, whitespace options): another theme configuration gets its own entries.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import jinja2
from jinja2.bccache import Bucket, BytecodeCache

from generator.cache import sign, verified
from generator.files import write_bytes_atomic

log = logging.getLogger(__name__)

_MEMORY: dict[str, bytes] = {}  # compiled templates of this process, by key


class SignedBytecodeCache(BytecodeCache):
    def __init__(self, folder: Path | None, environment: jinja2.Environment) -> None:
        self.folder = folder
        self.settings = _settings(environment)

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        key = f"{self.settings}\0{name}\0{filename or ''}"
        return hashlib.blake2b(key.encode("utf-8"), digest_size=16).hexdigest()

    def load_bytecode(self, bucket: Bucket) -> None:
        data = _MEMORY.get(bucket.key)
        if data is None and self.folder is not None:
            try:
                data = verified((self.folder / f"{bucket.key}.code").read_bytes())
            except OSError:
                data = None
        if data is not None:
            bucket.bytecode_from_string(data)  # reset if its source changed (checksum)

    def dump_bytecode(self, bucket: Bucket) -> None:
        data = bucket.bytecode_to_string()
        _MEMORY[bucket.key] = data
        signed = sign(data)
        if self.folder is None or signed is None:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_bytes_atomic(self.folder / f"{bucket.key}.code", signed)
        except OSError as err:  # only slower
            log.debug("cannot keep compiled template %s: %s", bucket.key, err.strerror)


def use(environment: jinja2.Environment, folder: Path | None) -> None:
    """Compile the templates of `environment` once, kept in `folder` and in memory."""
    environment.bytecode_cache = SignedBytecodeCache(folder, environment)


def _settings(environment: jinja2.Environment) -> str:
    options = (
        "block_start_string",
        "block_end_string",
        "variable_start_string",
        "variable_end_string",
        "comment_start_string",
        "comment_end_string",
        "line_statement_prefix",
        "line_comment_prefix",
        "trim_blocks",
        "lstrip_blocks",
        "newline_sequence",
        "keep_trailing_newline",
        "optimized",
        "autoescape",
    )
    values = [repr(getattr(environment, option, None)) for option in options]
    values += sorted(environment.extensions)
    return f"{jinja2.__version__}|{'|'.join(values)}"
