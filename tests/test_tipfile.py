"""Reading, validating and writing tip files."""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
from pathlib import Path

import pytest

from generator.content.load import check_content, load_content
from generator.content.tipfile import dump_tip, parse_tip, write_text_atomic
from generator.errors import ContentError
from generator.model import Phrase, Source, Tip, slugify

HERE = Path(__file__).parent
BASE = HERE / "fixtures" / "base"


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Defend without Being Defensive", "defend-without-being-defensive"),
        ("Don’t Rush to Resolve Quickly", "dont-rush-to-resolve-quickly"),
        ("When Customers are…Jerks", "when-customers-are-jerks"),
        (
            "Address the 4 P’s for a Customer-friendly COVID-19 Walk-in Experience",
            "address-the-4-ps-for-a-customer-friendly-covid-19-walk-in-experience",
        ),
        ("Energy v. Apathy", "energy-v-apathy"),
        ("Café “Quotes” – dashes", "cafe-quotes-dashes"),
    ],
)
def test_slugify(title: str, slug: str) -> None:
    assert slugify(title) == slug


def full_tip() -> Tip:
    return Tip(
        title="Defend without Being Defensive",
        slug="defend-without-being-defensive",
        body="The customer is not always right.\n\n- I’m sorry you had to deal with it.\n",
        date=dt.date(2014, 7, 8),
        series="tip-of-the-week",
        categories=("Customer Service Tip of the Week",),
        summary="The customer is not always right.",
        source=Source(page="Page 186", digest="abc"),
        situations=("upset-customer",),
        techniques=("empathy",),
        phrases=(Phrase("I’m sorry you had to deal with it.", ("upset-customer",), auto=True),),
        auto_tags=("empathy",),
    )


@pytest.mark.parametrize(
    "tip",
    [
        full_tip(),
        Tip(
            title="Undated: a “teaser”",
            slug="undated-a-teaser",
            body="Only a teaser…\n",
            kind="excerpt",
        ),
        Tip(title="Draft", slug="draft", body="Text.\n", draft=True, rejected=("apology",)),
    ],
)
def test_round_trip(tmp_path: Path, tip: Tip) -> None:
    path = tmp_path / tip.filename
    text = dump_tip(tip)
    parsed, problems = parse_tip(path, text.encode())
    assert problems == []
    assert parsed == tip
    assert dump_tip(parsed) == text


def test_dump_keeps_schema_order_and_empty_tag_lists() -> None:
    text = dump_tip(Tip(title="T", slug="t", body="B\n"))
    keys = [line.split(":")[0] for line in text.split("---")[1].strip().splitlines()]
    assert keys == ["title", "slug", "kind", "categories", "situations", "techniques", "phrases"]


def test_key_lines_are_file_lines(tmp_path: Path) -> None:
    text = "---\ntitle: T\nslug: t\n\ndate: 2025-01-07\n---\n\nBody\n"
    tip, _ = parse_tip(tmp_path / "x.md", text.encode())
    assert tip is not None
    assert (tip.line_of("title"), tip.line_of("slug"), tip.line_of("date")) == (2, 3, 5)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = (
        "---\ntitle: ''\nslug: Bad Slug\ndate: 2025-02-30\nkind: long\ncolour: red\n---\n\nBody\n"
    )
    _, problems = parse_tip(tmp_path / "x.md", text.encode())
    assert [(p.line, p.level) for p in problems] == [
        (2, "error"),
        (3, "error"),
        (4, "error"),
        (5, "error"),
        (6, "warning"),
    ]


def write(content: Path, name: str, text: str) -> None:
    (content / "tips" / name).write_text(text, encoding="utf-8")


def copy_base(tmp_path: Path) -> Path:
    import shutil

    shutil.copytree(BASE, tmp_path / "content")
    return tmp_path / "content"


def test_check_reports_all_files(tmp_path: Path) -> None:
    content = copy_base(tmp_path)
    write(content, "undated-one.md", "---\ntitle: One\nslug: one\n---\n\n")
    write(content, "undated-two.md", "---\ntitle: Two\nslug: three\n---\n\nBody\n")
    _, problems = check_content(content)
    assert [(Path(p.path).name, p.line) for p in problems] == [
        ("undated-one.md", 5),
        ("undated-two.md", 3),
    ]
    assert "'slug: three' does not match the file name, which gives 'two'" in problems[1].message


def test_unknown_field_is_a_warning_and_strict_fails(tmp_path: Path) -> None:
    content = copy_base(tmp_path)
    write(content, "undated-one.md", "---\ntitle: One\nslug: one\nauthor: me\n---\n\nBody\n")
    assert len(load_content(content).tips) == 2
    with pytest.raises(ContentError) as err:
        load_content(content, strict=True)
    assert str(err.value.problems[0]).endswith(
        "undated-one.md:4: warning: unknown field 'author' (ignored)"
    )


def test_missing_content_folder(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match="content folder not found"):
        load_content(tmp_path / "nope")


def test_atomic_writes_keep_permissions_others_can_read(tmp_path: Path) -> None:
    new, existing = tmp_path / "new.md", tmp_path / "existing.md"
    existing.write_text("old", encoding="utf-8")
    existing.chmod(0o640)
    old_umask = os.umask(0o022)
    try:
        write_text_atomic(new, "text")
        write_text_atomic(existing, "text")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(new.stat().st_mode) == 0o644
    assert stat.S_IMODE(existing.stat().st_mode) == 0o640
    assert existing.read_text(encoding="utf-8") == "text"


@pytest.mark.parametrize(
    ("line", "advice"),
    [
        ("title: Refunds: what to say", 'put it in quotes: title: "Refunds: what to say"'),
        ('summary: Say "no": kindly', 'put it in quotes: summary: "Say \\"no\\": kindly"'),
    ],
)
def test_an_unquoted_colon_gets_the_quoted_line_to_write(line: str, advice: str) -> None:
    title = "" if line.startswith("title") else "title: X\n"
    text = f"---\n{title}{line}\nslug: x\n---\nBody.\n"
    _, problems = parse_tip(Path("x.md"), text.encode())
    assert any(advice in p.message for p in problems), problems


def test_the_file_name_gives_the_slug(tmp_path: Path) -> None:
    content = copy_base(tmp_path)
    write(
        content, "2025-02-04-a-new-tip.md", "---\ntitle: A New Tip\ndate: 2025-02-04\n---\nBody\n"
    )
    loaded, problems = check_content(content)
    assert problems == []
    assert "a-new-tip" in {t.slug for t in loaded.tips}


@pytest.mark.parametrize(
    ("name", "front", "advice"),
    [
        # A copied tip whose slug line was kept: never "rename" onto the original.
        (
            "2025-02-04-my-copy.md",
            "slug: base-tip\ndate: 2025-02-04",
            "delete the slug line (the file name decides) or change it to 'slug: my-copy'",
        ),
        (
            "2025-02-04-my-copy.md",
            "date: 2025-02-11",
            "change the date to agree with the file name, or rename the file to "
            "'2025-02-11-my-copy.md'",
        ),
        ("my copy.md", "slug: my-copy", "rename the file to 'undated-my-copy.md'"),
    ],
)
def test_a_name_mismatch_says_what_to_change_and_never_renames_onto_a_file(
    tmp_path: Path, name: str, front: str, advice: str
) -> None:
    content = copy_base(tmp_path)
    write(content, name, f"---\ntitle: My Copy\n{front}\n---\nBody\n")
    _, problems = check_content(content)
    messages = [p.message for p in problems if Path(p.path).name == name]
    assert any(advice in m for m in messages), messages
    for message in messages:
        for target in re.findall(r"rename the file to '([^']+)'", message):
            assert not (content / "tips" / target).exists()


def test_a_rename_onto_an_existing_file_is_never_advised(tmp_path: Path) -> None:
    content = copy_base(tmp_path)
    write(content, "my copy.md", "---\ntitle: Copy\nslug: base-tip\ndate: 2025-01-07\n---\nB\n")
    _, problems = check_content(content)
    mine = [p.message for p in problems if Path(p.path).name == "my copy.md"]
    assert mine and all("rename the file to '2025-01-07-base-tip.md'" not in m for m in mine)
