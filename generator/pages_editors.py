"""The editors' guide: prose from templates/editors.md, references generated.

The front-matter reference comes from `schema.FIELDS` and the tag lists from
the taxonomy, so the guide cannot drift from what the checks accept.
"""

from __future__ import annotations

from importlib import resources
from string import Template

from . import pages_md as md
from . import pages_parts as parts
from .model import Taxonomy, Term
from .pages import Page
from .schema import FIELDS, reference_table

# Fields shown in the example file: the ones an editor writes by hand.
EXAMPLE_FIELDS = ("title", "slug", "date", "series", "summary", "situations", "techniques")


def editors_page(taxonomy: Taxonomy) -> Page:
    template = resources.files("generator").joinpath("templates/editors.md").read_text("utf-8")
    text = Template(template).substitute(
        example=example_file(),
        fields=reference_table().rstrip("\n"),
        situations=_ids(taxonomy, taxonomy.situations),
        techniques=_ids(taxonomy, taxonomy.techniques),
    )
    return Page(parts.EDITORS, text)


def example_file() -> str:
    """An example front matter, as an indented code block."""
    lines = ["---"]
    lines += [f"{f.name}: {f.example}" for f in FIELDS if f.required or f.name in EXAMPLE_FIELDS]
    lines += ["---", "Write the tip here, in Markdown."]
    return "\n".join(f"    {line}" for line in lines)


def _ids(taxonomy: Taxonomy, terms: tuple[Term, ...]) -> str:
    """`upset-customer` ([Upset customer](…)), … — the ids to write, with their pages."""
    if not terms:
        return "none defined yet."
    source = parts.EDITORS
    items = (f"`{t.id}` ({md.link(t.label, source, parts.term_path(taxonomy, t))})" for t in terms)
    return ", ".join(items) + "."
