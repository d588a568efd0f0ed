"""The tip page: title, date, tags, what to say (or what to do), the body, related tips.

Nothing on it grows with the corpus: related tips are capped, so a tip page
weighs the same among 40 tips or 10,000.
"""

from __future__ import annotations

import logging
import re

from generator.model import SERIES_TOW, Tip
from generator.site import markdown as md
from generator.site import parts
from generator.site.model import Page, Said, Site

log = logging.getLogger(__name__)

# A body's link to another tip file: `other-tip.md` or `2014-07-08-other-tip.md`
# (as the file is named in content/tips), with an optional #anchor. The sanitizer
# writes every attribute in double quotes, so the pattern sees each href whole.
_TIP_LINK = re.compile(r'href="(?:\./)?(?:\d{4}-\d\d-\d\d-)?([a-z0-9-]+)\.md(#[^"]*)?"')


def tip_page(site: Site, tip: Tip) -> Page:
    path = parts.tip_path(tip)
    text = md.block(
        md.front_matter({}, title=tip.title),
        f"# {md.text(tip.title)}",
        _meta_line(site, tip),
        _notice(site, tip),
        _chips(site, path, tip.situations, "Situations"),
        _chips(site, path, tip.techniques, "Techniques"),
        _what_to_say(site, path, tip) or _what_to_do(site, path, tip),
        _excerpt_note(site, tip),
        _body(site, path, tip),
        _related(site, path, tip),
    )
    return Page(path, text)


def _chips(site: Site, path: str, ids: tuple[str, ...], title: str) -> str:
    """A row of the tip's situations or techniques."""
    return parts.chips(site.taxonomy, path, parts.terms_of(site.taxonomy, ids), title)


def _meta_line(site: Site, tip: Tip) -> str:
    items = [md.long_date(tip.date) if tip.date else "Undated"]
    if tip.series == SERIES_TOW:
        items.append("Tip of the Week")
    items.append(parts.badge(site, tip))
    return md.raw(f'<p class="tipkb-meta">{" · ".join(i for i in items if i)}</p>')


def _notice(site: Site, tip: Tip) -> str:
    status = site.status(tip)
    if status == "Draft":
        return '!!! warning "Draft"\n    Not published: remove `draft: true` to publish this tip.'
    if status == "Scheduled" and tip.date:
        return (
            f'!!! info "Scheduled"\n    Appears on the published site on {md.long_date(tip.date)}.'
        )
    return ""


def _excerpt_note(site: Site, tip: Tip) -> str:
    """What a teaser page holds, and where to read on."""
    if tip.kind != "excerpt":
        return ""
    when = f" of {md.long_date(tip.date)}" if tip.date else ""
    where = f", found on the blog's page “{md.text(tip.source.page)}”" if tip.source else ""
    full = [t for t in site.related_to(tip) if t.kind != "excerpt"]
    more = " Full tips on the same topics are listed at the foot." if full else ""
    return (
        '!!! note "Teaser"\n'
        f"    This is the opening of the post{when}{where}; the rest of the post was not "
        f"imported.{more}"
    )


def _body(site: Site, path: str, tip: Tip) -> str:
    """The tip's own text, rendered and sanitized here (generator.safety), so no engine
    renders an editor's Markdown on its own; a raw HTML block passes through untouched.
    Links to other tips' files become links to their pages."""
    html = site.body(tip)
    body = _TIP_LINK.sub(lambda m: _tip_link(site, path, tip, m), html)
    return md.raw(f'<div class="tipkb-body">\n{body}\n</div>')


def _tip_link(site: Site, path: str, tip: Tip, match: re.Match[str]) -> str:
    target = site.by_slug.get(match[1])
    if target is None:
        log.warning(
            "%s: the link to '%s.md' names no tip on the site; link to a tip's file name",
            tip.path,
            match[1],
        )
        return match[0]
    return f'href="{md.url(path, parts.tip_path(target))}{match[2] or ""}"'


def _what_to_say(site: Site, path: str, tip: Tip) -> str:
    said = [Said(p, tip) for p in tip.phrases]
    if not said:
        return ""
    cards = parts.phrase_list(site, path, said, with_tip=False)
    return md.block(_lead("What to say", "what-to-say"), cards)


def _what_to_do(site: Site, path: str, tip: Tip) -> str:
    """For a tip with nothing to say: its techniques, each in one sentence, above the
    article, so a reader in a hurry sees what to do before the story."""
    terms = parts.terms_of(site.taxonomy, tip.techniques)
    if not terms:
        return ""
    items = (
        f"{md.a(term.label, path, parts.term_path(site.taxonomy, term))}: {md.html(term.description)}"
        for term in terms
    )
    return md.block(_lead("What to do", "what-to-do"), md.html_list(items, "tipkb-what-to-do"))


def _lead(label: str, anchor: str) -> str:
    """A heading above the article, and no heading of the document outline: the tip's
    title stays its one heading, before what to say."""
    return md.raw(f'<p class="tipkb-lead" id="{anchor}" role="heading" aria-level="2">{label}</p>')


def _related(site: Site, path: str, tip: Tip) -> str:
    related = site.related_to(tip)  # the build asks for RELATED of them
    if not related:
        return ""
    heading = "## Related tips { #related-tips }"
    return md.block(heading, parts.tip_list(site, path, related))
