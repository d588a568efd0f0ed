"""Where a build folder keeps what builds share between runs: generated pages, caches,
the search index, the rendered site. Apart from the orchestrator, so that `tipkb check`
finds its cache without loading the stages of a build."""

from __future__ import annotations

from pathlib import Path

BUILD_DIR = Path("build")  # what builds keep between runs: generated pages, caches, index
DOCS, INDEX, CACHE = "docs", "index", "cache"  # its folders
RENDERED = "rendered"  # and the site MkDocs rendered last (generator.site.kept)
RENDERED_STATE = "rendered.pickle"  # what it was rendered from, in the cache folder
SPARE = "spare"  # the site the last swap took out, for the next build to bring up to date
RECORDS = "search-records"  # what the site search indexes of each tip (site_search.py)
SEARCH_DATA = "search-data"  # and the files its page reads, put into the site as they are
PAGEFIND_NEXT = "pagefind-next"  # where Pagefind writes the index it is making
CONTENT_CACHE = "content.pickle"  # parsed tip files, shared by check and the build
TAGS_CACHE = "tags.pickle"
BODIES_CACHE = "bodies.pickle"  # tip bodies rendered and sanitized
WORDS_CACHE = "words.pickle"  # each tip's words, which the site search corrects typos to
SEARCHED_CACHE = "searched.pickle"  # each tip body's words in its search record
RELATED_CACHE = "related.pickle"  # every tip's related tips, while no tip changes


def content_cache(build_dir: Path = BUILD_DIR) -> Path:
    """The parsed tip files, shared by `tipkb check` and the build."""
    return build_dir / CACHE / CONTENT_CACHE
