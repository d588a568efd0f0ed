"""Compiled templates are kept between builds, signed: code from anywhere else is not run."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest

from generator.site import templates_cache


@pytest.fixture(autouse=True)
def _nothing_in_memory() -> None:
    templates_cache._MEMORY.clear()


def environment(folder: Path, cache: Path, compiled: list[str]) -> jinja2.Environment:
    """A theme-like environment that notes each template it compiles."""

    class Counting(jinja2.Environment):
        def _compile(self, source: str, filename: str) -> object:
            compiled.append(filename)
            return super()._compile(source, filename)

    env = Counting(loader=jinja2.FileSystemLoader(str(folder)), auto_reload=False)
    templates_cache.use(env, cache)
    return env


def test_a_template_is_compiled_once_then_loaded_from_the_cache(tmp_path: Path) -> None:
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "page.html").write_text("<p>{{ name }}</p>", encoding="utf-8")
    compiled: list[str] = []
    first = environment(tmp_path / "t", tmp_path / "cache", compiled)
    assert first.get_template("page.html").render(name="a") == "<p>a</p>"
    templates_cache._MEMORY.clear()  # a new process: only the files are left
    second = environment(tmp_path / "t", tmp_path / "cache", compiled)
    assert second.get_template("page.html").render(name="b") == "<p>b</p>"
    assert len(compiled) == 1
    (tmp_path / "t" / "page.html").write_text("<b>{{ name }}</b>", encoding="utf-8")
    third = environment(tmp_path / "t", tmp_path / "cache", compiled)
    assert third.get_template("page.html").render(name="c") == "<b>c</b>"  # source changed
    assert len(compiled) == 2


def test_compiled_code_this_machine_did_not_sign_is_not_run(tmp_path: Path) -> None:
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "page.html").write_text("<p>{{ name }}</p>", encoding="utf-8")
    compiled: list[str] = []
    environment(tmp_path / "t", tmp_path / "cache", compiled).get_template("page.html")
    (stored,) = (tmp_path / "cache").iterdir()
    stored.write_bytes(stored.read_bytes().replace(b"tipkb-signed", b"someone-else"))
    templates_cache._MEMORY.clear()
    env = environment(tmp_path / "t", tmp_path / "cache", compiled)
    assert env.get_template("page.html").render(name="a") == "<p>a</p>"
    assert len(compiled) == 2  # compiled again, the file ignored
