"""Pathological inputs end quickly and cleanly: a `path:line:` message, never a hang or a traceback."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from html import unescape
from pathlib import Path

import pytest
from conftest import make_project

from generator import cli, files
from generator.content.markdown_limits import MAX_BRACKETS, MAX_PARAGRAPH, MAX_PREFIX, MAX_TAGS
from generator.content.safety import render_body
from generator.content.tipfile import parse_tip
from generator.errors import OutputError
from generator.importing import write as importer
from generator.importing.parse import escape_markdown
from generator.importing.write import import_pages

HERE = Path(__file__).parent
BASE = HERE / "fixtures" / "base"  # one valid tip and a taxonomy
LONG = 200_000  # characters on one line: a quadratic pattern takes minutes on it
SECONDS = 5.0  # what the slowest case may take; a linear one takes well under one

PATTERNS = [
    *"<[*_-•. ",
    "data: ",
    "&#",
    "](",
    "[](",
    "Posted on in ",
    "Read more ",
    "http://",
    "&a",
    "- 1/1/14 ",
]
SHAPES = {
    "title": "Header - Page 1\n\n{line}x – 7/8/14\n\nPosted on in Tips\n\nStart.\n",
    "header": "{line}x\n\nA Title – 7/8/14\n\nPosted on in Tips\n\nStart.\n",
    "body": "Header\n\nA Title – 7/8/14\n\nPosted on in Tips\n\nStart. {line}x end.\n",
    "cut-off body": "Header\n\nA Title – 7/8/14\n\nPosted on in Tips\n\nStart. {line}x\n",
    "bullet": "Header\n\nA Title – 7/8/14\n\nPosted on in Tips\n\nStart.\n• {line}x end.\n",
    "teaser": "Header\n\nA Title\n\n{line}x Read more\n",
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("pattern", PATTERNS)
def test_a_long_line_is_imported_in_linear_time(tmp_path: Path, pattern: str, shape: str) -> None:
    line = (pattern * (LONG // len(pattern) + 1))[:LONG]
    page = tmp_path / "page.txt"
    page.write_text(SHAPES[shape].format(line=line), encoding="utf-8")
    start = time.perf_counter()
    import_pages([page], tmp_path / "content")
    assert time.perf_counter() - start < SECONDS


@pytest.mark.parametrize(
    "text",
    [
        "[x](javascript:alert(1))",
        "[x]( DATA :text/html,1)",
        "href=vbscript:x <b>bold</b> &lt;i&gt;",
        "Data: the numbers, and [a](data:x) *not emphasis* `not code`",
        "# not a heading | not a cell",
    ],
)
def test_the_importer_writes_text_that_renders_as_itself(text: str) -> None:
    """Scraped text is text: rendered, it shows exactly what the page said, with no tag."""
    html = render_body(escape_markdown(text))
    assert html.startswith("<p>") and html.count("<") == 2, html
    assert unescape(html.removeprefix("<p>").removesuffix("</p>")) == text


# --- tipkb as a user runs it -------------------------------------------------------------


def tipkb(cwd: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """A real process, in its own folder (for build/): the exit code, and no traceback."""
    make_project(cwd)
    result = subprocess.run(
        [sys.executable, "-m", "generator", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=cwd,
    )
    assert "Traceback" not in result.stderr
    return result


def base_content(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    shutil.copytree(BASE, content)
    return content


# --- files that are not plain files ---------------------------------------------------------


def _sparse(size: int) -> Callable[[Path], None]:
    """A file of `size` bytes that takes no disk space."""

    def make(path: Path) -> None:
        path.touch()
        os.truncate(path, size)

    return make


def _outside(path: Path) -> None:
    secret = path.parent.parent.parent / "secret.md"
    secret.write_text("---\ntitle: Secret\nslug: secret\n---\n\nNot for the site.\n")
    path.symlink_to(secret)


SPECIAL: dict[str, tuple[Callable[[Path], None], str]] = {
    "fifo": (os.mkfifo, "not a regular file; "),
    "folder": (Path.mkdir, "not a regular file; "),
    "link to /dev/zero": (lambda p: p.symlink_to("/dev/zero"), "is a symbolic link, which"),
    "link outside content": (_outside, "is a symbolic link, which"),
    "dangling link": (lambda p: p.symlink_to(p.parent / "nowhere"), "is a symbolic link, which"),
    "1.5 GB": (_sparse(1_500_000_000), "file is 1500.0 MB; "),
}


@pytest.mark.parametrize("where", ["tips/undated-odd.md", "taxonomy.yml"])
@pytest.mark.parametrize("kind", sorted(SPECIAL))
def test_check_refuses_what_is_not_a_plain_file(tmp_path: Path, kind: str, where: str) -> None:
    content = base_content(tmp_path)
    target = content / where
    target.unlink(missing_ok=True)
    make, message = SPECIAL[kind]
    make(target)
    start = time.perf_counter()
    result = tipkb(tmp_path, "check", "--content", content)
    assert time.perf_counter() - start < 10
    assert result.returncode == 1
    assert f"{target}: {message}" in result.stderr


def test_a_linked_tips_folder_is_refused(tmp_path: Path) -> None:
    content = base_content(tmp_path)
    (content / "tips").rename(tmp_path / "elsewhere")
    (content / "tips").symlink_to(tmp_path / "elsewhere")
    result = tipkb(tmp_path, "check", "--content", content)
    assert result.returncode == 1
    assert f"{content}/tips: is a symbolic link" in result.stderr


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (os.mkfifo, "not a regular file; "),
        (lambda p: p.symlink_to("/dev/zero"), "not a regular file; "),
        (_sparse(30_000_000), "file is 30.0 MB; "),
        (lambda p: None, "file not found"),
    ],
    ids=["fifo", "link to /dev/zero", "30 MB", "missing"],
)
def test_import_refuses_a_page_that_is_not_a_plain_file(
    tmp_path: Path, make: Callable[[Path], None], message: str
) -> None:
    content = base_content(tmp_path)
    page = tmp_path / "page.txt"
    make(page)
    result = tipkb(tmp_path, "import", "--content", content, page)
    assert result.returncode == 1
    assert f"error: {page}: {message}" in result.stderr
    assert sorted(p.name for p in (content / "tips").iterdir()) == ["2025-01-07-base-tip.md"]


# --- content without tips -----------------------------------------------------------------


@pytest.mark.parametrize("command", ["check", "build"])
@pytest.mark.parametrize("tips", ["missing", "empty", "other files only"])
def test_content_without_tips_is_an_error(tmp_path: Path, tips: str, command: str) -> None:
    content = base_content(tmp_path)
    shutil.rmtree(content / "tips")
    if tips != "missing":
        (content / "tips").mkdir()
    if tips == "other files only":
        (content / "tips" / "notes.txt").write_text("not a tip\n")
    site = tmp_path / "site"
    args = ["--site", site] if command == "build" else []
    result = tipkb(tmp_path, command, "--content", content, *args)
    assert result.returncode == 1
    assert f"{content}/tips: no tips found; " in result.stderr
    assert not site.exists()


def test_the_first_tip_of_an_empty_content_folder_can_be_started(tmp_path: Path) -> None:
    content = base_content(tmp_path)
    shutil.rmtree(content / "tips")
    result = tipkb(tmp_path, "new", "--content", content, "--date", "2025-03-04", "First tip")
    assert result.returncode == 0, result.stderr
    assert (content / "tips" / "2025-03-04-first-tip.md").is_file()


# --- nesting ------------------------------------------------------------------------------

DEPTH = 500
NESTED_BODIES = {
    "list by 2 spaces": "\n".join("  " * i + "- item" for i in range(DEPTH)),
    "list by 4 spaces": "\n".join("    " * i + "- item" for i in range(DEPTH)),
    "list on one line": "- " * DEPTH + "item",
    "numbered list on one line": "1. " * DEPTH + "item",
    "quote": ">" * DEPTH + " deep",
    "quoted list": "> - " * DEPTH + "deep",
}
HEAD = "---\ntitle: Deep\nslug: deep\n---\n\nStart.\n\n"  # the nesting starts on line 8


@pytest.mark.parametrize("shape", sorted(NESTED_BODIES))
def test_a_deeply_nested_body_is_refused_at_its_line(shape: str) -> None:
    body = NESTED_BODIES[shape]
    tip, problems = parse_tip(Path("deep.md"), (HEAD + body + "\n").encode())
    prefix = [len(line.rsplit(" ", 1)[0]) + 1 for line in body.split("\n")]  # before the word
    first_too_deep = next(n for n, width in enumerate(prefix) if width > MAX_PREFIX)
    assert tip is None
    assert [str(p).split(" (")[0] for p in problems] == [
        f"deep.md:{8 + first_too_deep}: lists or quotes nested too deeply"
    ]


NESTED_YAML = {
    "title in brackets": ("title: " + "[" * DEPTH + "]" * DEPTH, 2),
    "title in braces": ("title: " + "{a: " * DEPTH + "1" + "}" * DEPTH, 2),
    "phrases as block lists": (
        "phrases:\n" + "\n".join(" " * i + "-" for i in range(1, DEPTH)) + " x",
        12,  # the 11th level: the mapping is the 1st, `phrases:` the 2nd
    ),
    "situations at 1000, libyaml's own limit": ("situations: " + "[" * 1000 + "]" * 1000, 2),
}


@pytest.mark.parametrize("shape", sorted(NESTED_YAML))
def test_deeply_nested_front_matter_is_refused_at_its_line(shape: str) -> None:
    yaml_text, line = NESTED_YAML[shape]
    text = f"---\n{yaml_text}\nslug: deep\n---\n\nBody.\n"
    tip, problems = parse_tip(Path("deep.md"), text.encode())
    assert tip is None
    assert len(problems) == 1
    assert str(problems[0]).startswith(f"deep.md:{line}: invalid YAML: ")
    assert "nest" in problems[0].message


def test_a_deeply_nested_taxonomy_is_refused(tmp_path: Path) -> None:
    content = base_content(tmp_path)
    path = content / "taxonomy.yml"
    path.write_text("situations:\n  - id: a\n    synonyms: " + "[" * 50 + "]" * 50 + "\n")
    result = tipkb(tmp_path, "check", "--content", content)
    assert result.returncode == 1
    assert f"{path}:3: invalid YAML: values nested more than 10 levels deep" in result.stderr


@pytest.mark.slow
def test_nesting_at_the_limit_builds(tmp_path: Path) -> None:
    content = base_content(tmp_path)
    deepest = MAX_PREFIX // 4  # a list nested by 4 spaces, its last line just at the limit
    body = "\n".join("    " * i + f"- level {i}" for i in range(deepest))
    (content / "tips" / "undated-deep.md").write_text(
        HEAD + body + "\n" + ">" * (MAX_PREFIX - 1) + " q\n"
    )
    result = tipkb(tmp_path, "build", "--content", content, "--site", tmp_path / "site")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "tips" / "deep" / "index.html").is_file()


# --- values YAML makes that field parsing did not expect -------------------------------------

ODD_VALUES = [
    ("title", "1" * 5000, "the number 11111111111111111111… has 5000 digits; put it in quotes"),
    ("summary", "0x" + "f" * 5000, "has 5002 digits; put it in quotes"),
    ("summary", "!!int " + "9" * 5000, "has 5000 digits"),
    ("title", ".nan", "title: nan is a number, not text; put it in quotes"),
    ("title", "-.inf", "title: -inf is a number, not text"),
    ("summary", "!!float abc", "'abc' is not a valid float; put it in quotes"),
    ("summary", "!!bool maybe", "'maybe' is not a valid bool"),
    ("date", "!!timestamp 2025-13-45", "'2025-13-45' is not a valid timestamp"),
    ("date", "2025-13-45", "date: '2025-13-45' is not a real date"),
    ("date", "[2025-01-01]", "date: ['2025-01-01'] is not a real date"),
    ("title", "!!binary aGVsbG8=", "title: must be text"),
    ("situations", "[upset-customer, null]", "situations: has an empty item"),
    ("phrases", "[{text: null}]", "phrases: has an empty item"),
    ("series", "x" * 5000, "not 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…"),
    ("draft", "[" * 9 + "]" * 9, "draft: must be true or false, not [[[[[[[[[]]]]]]]]]"),
    ("[a, b]", "x", "invalid YAML: found unhashable key"),
    ("title", "!!python/object:os.system x", "invalid YAML: could not determine a constructor"),
]


@pytest.mark.parametrize(("field", "value", "message"), ODD_VALUES)
def test_an_odd_yaml_value_is_a_message_at_its_line(field: str, value: str, message: str) -> None:
    lines = [f"{field}: {value}", "slug: odd"] + ([] if field == "title" else ["title: Odd"])
    text = "---\n" + "\n".join(lines) + "\n---\n\nBody.\n"
    tip, problems = parse_tip(Path("odd.md"), text.encode())
    assert tip is None
    assert len(problems) == 1
    assert str(problems[0]).startswith("odd.md:2: ")
    assert message in problems[0].message
    assert len(problems[0].message) < 200


# --- what killed writes leave ---------------------------------------------------------------


def _leftovers(tips: Path) -> tuple[Path, Path, Path]:
    """A killed write's temporary file, one being written now, and an editor's dotfile."""
    old = tips / ".2025-01-07-base-tip.md.k2j4_x9a.tmp"
    fresh = tips / ".undated-new.md.abcdefgh.tmp"
    own = tips / ".notes.tmp"
    for path in (old, fresh, own):
        path.write_text("half a tip")
    past = time.time() - 3600
    os.utime(old, (past, past))
    os.utime(own, (past, past))
    return old, fresh, own


@pytest.mark.parametrize(
    "command",
    [["check"], ["build", "--site", "site"], ["tag", "--write"], ["search", "tip"], ["import"]],
    ids=lambda c: c[0],
)
def test_the_next_run_removes_what_a_killed_write_left(tmp_path: Path, command: list[str]) -> None:
    content = base_content(tmp_path)
    old, fresh, own = _leftovers(content / "tips")
    if command == ["import"]:
        page = tmp_path / "page.txt"
        page.write_text("Header\n\nA Title – 7/8/14\n\nPosted on in Tips\n\nStart.\n")
        command = ["import", str(page)]
    result = tipkb(tmp_path, command[0], "--content", content, *command[1:])
    assert result.returncode == 0, result.stderr
    logged = result.stderr if command[0] == "search" else result.stdout  # stdout: results
    assert f"removed {old}, left by an interrupted write" in logged
    assert not old.exists()
    assert fresh.exists()  # perhaps another tipkb writing it right now
    assert own.exists()  # not named as our writes name their files


def test_import_writes_every_entry_or_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content = base_content(tmp_path)
    before = {p.name: p.read_bytes() for p in (content / "tips").iterdir()}
    real_stage, staged = files.stage, []

    def stage_until_the_disk_is_full(path: Path, data: bytes) -> Path:
        if len(staged) == 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        staged.append(path)
        return real_stage(path, data)

    monkeypatch.setattr(importer, "stage", stage_until_the_disk_is_full)
    pages = sorted((HERE / "fixtures").glob("*.txt"))  # 43 entries
    with pytest.raises(OutputError, match=r": cannot write; nothing was imported \(No space left"):
        import_pages(pages, content)
    assert len(staged) == 3
    assert {p.name: p.read_bytes() for p in (content / "tips").iterdir()} == before


# --- a build folder or site that cannot be written ------------------------------------------


def run_main(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: object
) -> tuple[int, str]:
    """`tipkb ARGS` in this process (so os functions can be patched): exit code and stderr."""
    make_project(Path.cwd())
    monkeypatch.setattr(sys, "argv", ["tipkb", *map(str, args)])
    with pytest.raises(SystemExit) as exit_:
        cli.main()
        raise SystemExit(0)
    return int(exit_.value.code or 0), capsys.readouterr().err


def _disk_full(path: Path) -> Callable[..., None]:
    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    return fail


@pytest.mark.slow
@pytest.mark.parametrize(
    ("break_it", "message"),
    [
        (
            lambda tmp, mp: (tmp / "parent").write_text("a file"),
            "parent: cannot make the folder (File exists)",
        ),
        (
            lambda tmp, mp: (tmp / "build").write_text("a file"),
            "build: cannot make the folder (File exists)",
        ),
        (
            lambda tmp, mp: mp.setattr(
                Path, "write_text", _disk_full(tmp / "build" / "docs" / "x.md")
            ),
            "docs/x.md: the pages stage failed (No space left on device)",
        ),
        (
            lambda tmp, mp: mp.setattr(os, "replace", _disk_full(tmp / "build" / "index")),
            "build/index: the index stage failed (No space left on device)",
        ),
    ],
    ids=[
        "site's parent is a file",
        "build is a file",
        "disk full: pages",
        "disk full: index",
    ],
)
def test_a_build_that_cannot_write_says_where_and_why(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    break_it: Callable[[Path, pytest.MonkeyPatch], object],
    message: str,
) -> None:
    content = base_content(tmp_path)
    monkeypatch.chdir(tmp_path)
    site = tmp_path / ("parent/site" if "parent" in message else "site")
    break_it(tmp_path, monkeypatch)
    code, err = run_main(monkeypatch, capsys, "build", "--content", content, "--site", site)
    assert code == 1
    assert message in err
    assert err.startswith("error: ")
    assert "Traceback" not in err


def test_an_os_error_anywhere_is_a_message_naming_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    content = base_content(tmp_path)
    tip = content / "tips" / "2025-03-04-new-tip.md"
    monkeypatch.setattr(files, "stage", _disk_full(tip))
    code, err = run_main(
        monkeypatch, capsys, "new", "--content", content, "--date", "2025-03-04", "New tip"
    )
    assert (code, err) == (1, f"error: {tip}: No space left on device\n")


# --- paragraphs Markdown takes minutes over -------------------------------------------------

COSTLY = {
    "200 KB of '['": ("[" * LONG, "a paragraph of 200,001 characters (at most 10,000)"),
    "5,000 '['": ("[" * 5000, "a paragraph with 5,000 '[' (at most 50)"),
    "2,000 '!['": ("![" * 2000, "a paragraph with 2,000 '[' (at most 50)"),
    "1,000 '<a '": ("<a " * 1000, "a paragraph with 1,000 '<' (at most 100)"),
    "lines of '[' in one paragraph": ("[[\n" * 100, "a paragraph with 200 '['"),
}


@pytest.mark.parametrize("shape", sorted(COSTLY))
def test_a_paragraph_markdown_takes_minutes_over_is_refused(shape: str) -> None:
    body, message = COSTLY[shape]
    tip, problems = parse_tip(Path("slow.md"), (HEAD + body + "x\n").encode())
    assert tip is None
    assert len(problems) == 1
    assert str(problems[0]).startswith(f"slow.md:8: {message}")


@pytest.mark.parametrize(
    "paragraph",
    [
        "[" * MAX_BRACKETS + "a " * ((MAX_PARAGRAPH - MAX_BRACKETS) // 2),
        "<a " * MAX_TAGS + "a " * ((MAX_PARAGRAPH - 3 * MAX_TAGS) // 2),
    ],
    ids=["brackets", "tags"],
)
def test_a_paragraph_at_the_limits_renders_in_well_under_a_second(paragraph: str) -> None:
    import markdown

    _, problems = parse_tip(Path("ok.md"), (HEAD + paragraph + "\n").encode())
    assert [p for p in problems if "paragraph" in p.message] == []
    start = time.perf_counter()
    markdown.markdown(paragraph, extensions=["admonition", "attr_list", "md_in_html", "tables"])
    assert time.perf_counter() - start < 1.0
