"""The editors' guide: prose from templates/editors.md, references generated.

The front-matter reference comes from `schema.FIELDS` and the tag lists from
the taxonomy, so the guide cannot drift from what the checks accept.
"""

from __future__ import annotations

from importlib import resources
from string import Template

from generator.content.schema import FIELDS, reference_table
from generator.model import Taxonomy, Term
from generator.site import markdown as md
from generator.site import parts
from generator.site.model import Page, Site

# Fields shown in the example file: the ones an editor writes by hand.
# (No slug: the file name gives it.)
EXAMPLE_FIELDS = ("title", "date", "series", "summary", "situations", "techniques")
TEASERS_LISTED = 50  # the page stays small whatever the corpus


def editors_page(site: Site) -> Page:
    template = resources.files("generator.site").joinpath("templates/editors.md").read_text("utf-8")
    taxonomy = site.taxonomy
    text = Template(template).substitute(
        example=example_file(),
        fields=reference_table().rstrip("\n"),
        situations=_ids(taxonomy, taxonomy.situations),
        techniques=_ids(taxonomy, taxonomy.techniques),
        teasers=_teasers(site),
    )
    return Page(parts.EDITORS, text)


def _teasers(site: Site) -> str:
    """The teasers an editor could complete, newest first, with their files."""
    teasers = [t for t in site.tips if t.kind == "excerpt"]
    if not teasers:
        return "None: every tip on the site is complete."
    items = [
        f"{parts.tip_line(site, parts.EDITORS, t)} <code>{md.html(t.path.name)}</code>"
        for t in teasers[:TEASERS_LISTED]
        if t.path is not None
    ]
    more = len(teasers) - TEASERS_LISTED
    tail = f"\n\nAnd {md.plural(more, 'more teaser')}." if more > 0 else ""
    return md.html_list(items) + tail


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
