"""The peer's docs: the same synthetic tips as posts of Material's blog plugin.

Each tip becomes `blog/posts/<slug>.md` with the front matter the blog and tags plugins
read (`date`, `categories`: its situations, `tags`: its techniques, both as our tagger
finds them, by label), its title as the heading, and the excerpt mark after its first
paragraph, as a blog's author writes it. Beside them: the home page, the blog's index
and a tags page. Made once per corpus, before anything is measured.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from generator.content.load import load_content
from generator.model import Taxonomy, Tip
from generator.tagging.cache import tag_all

from .corpus import FIRST_DAY


def make_peer_docs(content_dir: Path, out: Path) -> Path:
    content = load_content(content_dir)
    tips, _ = tag_all(content.tips, content.taxonomy, None)
    if out.exists():
        shutil.rmtree(out)
    posts = out / "blog" / "posts"
    posts.mkdir(parents=True)
    (out / "index.md").write_text("# Tips\n", encoding="utf-8")
    (out / "blog" / "index.md").write_text("# Blog\n", encoding="utf-8")
    (out / "tags.md").write_text("# Tags\n\n<!-- material/tags -->\n", encoding="utf-8")
    for tip in tips:
        (posts / f"{tip.slug}.md").write_text(post(tip, content.taxonomy), encoding="utf-8")
    return out


def post(tip: Tip, taxonomy: Taxonomy) -> str:
    def labels(ids: tuple[str, ...]) -> list[str]:
        return [term.label for i in ids if (term := taxonomy.term(i)) is not None]

    meta = {
        "date": tip.date or FIRST_DAY,  # a YAML date, as the blog plugin requires
        "categories": labels(tip.situations),
        "tags": labels(tip.techniques),
    }
    first, _, rest = tip.body.strip().partition("\n\n")
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)
    return f"---\n{front}---\n\n# {tip.title}\n\n{first}\n\n<!-- more -->\n\n{rest}\n"
