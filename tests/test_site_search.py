"""What the generator gives the site search: the tips' records, the answers, the vocabulary,
and the page script's reading of words, which must match the terminal search's."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from golden import TODAY, fixture_site, hostile_site

from generator.model import Taxonomy, Term, Tip
from generator.search.analysis import STOP_WORDS, inflection_key, significant_words
from generator.search.vocabulary import shards, vocabulary
from generator.site.model import Site
from generator.site.site_search import search_data, search_records
from generator.site.term_search import term_tokens

ROOT = Path(__file__).parent.parent
SCRIPT = ROOT / "theme" / "assets" / "tipkb-search.js"


class _Record(HTMLParser):
    """Text by Pagefind role: weighted text, filters, metadata, ignored parts."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[dict[str, str | None]] = []
        self.filters: list[tuple[str, str]] = []
        self.meta: dict[str, str] = {}
        self.weighted: dict[str, str] = {}
        self.tags: list[str] = []
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.open.append(dict(attrs))

    def handle_endtag(self, tag: str) -> None:
        self.open.pop()

    def handle_data(self, data: str) -> None:
        attrs = self.open[-1] if self.open else {}
        self.text += data + " "
        if "data-pagefind-filter" in attrs:
            self.filters.append((str(attrs["data-pagefind-filter"]), data))
        if "data-pagefind-meta" in attrs:
            self.meta[str(attrs["data-pagefind-meta"])] = data
        if "data-pagefind-weight" in attrs:
            weight = str(attrs["data-pagefind-weight"])
            self.weighted[weight] = self.weighted.get(weight, "") + data + " "


def record(site: Site, slug: str) -> _Record:
    parsed = _Record()
    pages = {page.path: page.text for page in search_records(site)}
    parsed.feed(pages[f"tips/{slug}/index.html"])
    return parsed


def test_a_record_holds_its_terms_tokens_filters_and_what_a_result_shows() -> None:
    site = fixture_site(drafts=False)
    tip = next(t for t in site.tips if t.phrases and t.situations)
    found = record(site, tip.slug)
    term = site.taxonomy.term(tip.situations[0])
    assert term is not None
    assert ("situation", term.label) in found.filters
    tokens = term_tokens(site.taxonomy)[term.id]
    assert tokens.names in found.weighted["3"].split()  # weighted as the names' words were
    assert tokens.description in found.text.split()
    assert not set(term.label.casefold().split()) & set(found.weighted["3"].split())
    assert found.meta["phrase1"] == tip.phrases[0].text
    assert found.meta["summary"]
    assert tip.title == found.meta.get("title", tip.title)


def test_term_tokens_are_distinct_and_none_begins_another() -> None:
    # Pagefind also matches the words a query word begins: "zzn1" would find "zzn12".
    terms = tuple(Term(id=f"t{n}", label=f"T {n}", description="") for n in range(120))
    taxonomy = Taxonomy(situations=terms[:60], techniques=terms[60:])
    words = [w for t in term_tokens(taxonomy).values() for w in (t.names, t.description)]
    assert len(set(words)) == 240 and len({len(w) for w in words}) == 1
    assert all(w.isalnum() and w.islower() for w in words)


def test_the_page_never_looks_up_a_term_token_or_its_start_as_typed() -> None:
    # Pagefind also matches the words a query word begins: "zz" would find every tip.
    source = SCRIPT.read_text(encoding="utf-8")
    found = re.search(r"var TOKEN = /(.+)/;", source)
    assert found is not None
    typed = re.compile(found[1])
    site = fixture_site(drafts=False)
    for tokens in term_tokens(site.taxonomy).values():
        for token in (tokens.names, tokens.description):
            assert all(typed.match(token[:n]) for n in range(2, len(token) + 1))
    assert not any(typed.match(w) for w in ["zzz", "zebra", "buzz", "pizza"])


def word_files(site: Site) -> dict[str, dict[str, object]]:
    """The search page's word files, by their first two letters."""
    pages = search_data(site)
    prefix = "search/words/"
    return {
        p.path.removeprefix(prefix).removesuffix(".json"): json.loads(p.text)
        for p in pages
        if p.path.startswith(prefix)
    }


def terms_for(site: Site, word: str) -> dict[str, float]:
    key = inflection_key(word)
    found = word_files(site).get(key[:2], {}).get("terms", {})
    assert isinstance(found, dict)
    return found.get(key, {})


def test_a_word_of_a_terms_names_or_description_leads_to_its_tokens() -> None:
    site = fixture_site(drafts=False)
    upset = site.taxonomy.term("upset-customer")
    assert upset is not None and {"irate", "frustrated"} <= set(upset.synonyms)
    tokens = term_tokens(site.taxonomy)["upset-customer"]
    assert tokens.names in terms_for(site, "irate")
    assert tokens.names in terms_for(site, "frustrating")  # another inflection, typed
    description_word = next(
        w for w in significant_words(upset.description) if w not in " ".join(upset.synonyms)
    )
    assert tokens.description in terms_for(site, description_word)
    assert terms_for(site, "zebra") == {}


def test_a_token_scores_by_how_rare_the_word_was() -> None:
    # "refund" is in every tip: naming a term by it added little, whatever the term.
    term = Term(
        id="refund-delay", label="Refund delay", description="", synonyms=("refund", "wait")
    )
    tagged = (term.id,)
    tips = tuple(
        Tip(title=f"Tip {n}", slug=f"t{n}", body="A refund story.\n", situations=tagged[: n < 2])
        for n in range(20)
    )
    taxonomy = Taxonomy(situations=(term,))
    site = Site(tips, taxonomy, {}, TODAY)
    token = term_tokens(taxonomy)[term.id].names
    common, rare = terms_for(site, "refund").get(token, 0), terms_for(site, "wait")[token]
    assert common < 0.3 <= 0.9 <= rare
    files = word_files(site)
    assert "wait" in files["wa"]["absent"]  # only the term has it: its token alone is searched
    assert "refund" not in files["re"]["absent"]


def test_a_record_indexes_every_word_a_query_can_look_up_and_no_other() -> None:
    # The search page drops stop words and one-letter words from a query, so they are
    # never looked up: Pagefind indexes the rest only (half its work and memory).
    site = fixture_site(drafts=False)
    tip = next(t for t in site.tips if t.phrases)
    found = record(site, tip.slug)
    for weight, text in [("3", tip.phrases[0].text), ("2", tip.summary)]:
        words = found.weighted[weight].split()
        assert set(significant_words(text)) <= set(words)
        assert not STOP_WORDS.intersection(words) and min(map(len, words)) > 1
    assert found.meta["phrase1"] == tip.phrases[0].text  # what a result shows, as written


def test_records_kept_between_builds_are_the_records_made_afresh(tmp_path: Path) -> None:
    site = fixture_site(drafts=False)
    fresh = search_records(site)
    cache = tmp_path / "searched.pickle"
    assert search_records(site, cache) == fresh and cache.is_file()
    assert search_records(site, cache) == fresh  # now from the cache


def test_records_are_made_for_the_shown_tips_only() -> None:
    site = fixture_site(drafts=False)
    paths = {page.path for page in search_records(site)}
    assert paths == {f"tips/{tip.slug}/index.html" for tip in site.tips}


HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(1)> "quoted" & more'


def test_hostile_text_stays_text_in_the_record_and_the_answers() -> None:
    site = hostile_site(HOSTILE)
    parsed = record(site, "hostile")
    assert set(parsed.tags) <= {"html", "head", "title", "body", "h1", "div", "p", "span"}
    assert parsed.meta["phrase1"] == HOSTILE
    answers = json.loads(next(p.text for p in search_data(site) if p.path.endswith("answers.json")))
    assert answers["situations"][0]["phrases"] == [HOSTILE]  # data: the page sets it as text


def test_answers_name_each_situation_with_tips_and_carry_the_stop_words() -> None:
    site = fixture_site(drafts=False)
    answers = json.loads(next(p.text for p in search_data(site) if p.path.endswith("answers.json")))
    assert set(answers["stop"]) == STOP_WORDS
    by_id = {s["id"]: s for s in answers["situations"]}
    assert set(by_id) == {t.id for t in site.taxonomy.situations if site.tips_for(t)}
    upset = by_id["upset-customer"]
    assert ["upset", "customer"] in upset["names"] and upset["url"] == "situations/upset-customer/"


def test_the_vocabulary_counts_tips_per_word_and_splits_by_first_letters() -> None:
    tips = (
        Tip(title="Cancel an order", slug="a", body="The customer cancels.\n"),
        Tip(title="Refunds", slug="b", body="A customer wants a refund; 24 hours.\n"),
    )
    counts = vocabulary(tips, Taxonomy())
    assert counts["customer"] == 2 and counts["cancel"] == 1
    assert "the" not in counts and "24" not in counts and "a" not in counts
    split = shards(counts)
    assert split["cu"] == {"customer": 2} and list(split["re"]) == ["refund", "refunds"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Café naïve x ab abc", {"abc"}),  # plain letters, three or more
        ("abc123 ABCdef " + "q" * 31, {"abcdef"}),  # whole tokens, at most 30 letters
        ("The customer’s wait", {"customer", "wait"}),  # stop words and "s" dropped
    ],
)
def test_a_typo_is_corrected_only_to_whole_plain_words(text: str, words: set[str]) -> None:
    tip = Tip(title="T", slug="t", body=text + "\n")
    assert set(vocabulary((tip,), Taxonomy())) == words


def test_the_vocabulary_keeps_each_tips_words_between_builds(tmp_path: Path) -> None:
    cache = tmp_path / "words.pickle"
    tips = [Tip(title=f"Tip {n}", slug=f"t{n}", body=f"Refund number {n}.\n") for n in "ab"]
    assert vocabulary(tips, Taxonomy(), cache) == vocabulary(tips, Taxonomy())
    assert cache.is_file()
    edited = [tips[0], Tip(title="Tip b", slug="tb", body="Cancel instead.\n")]
    counts = vocabulary(edited, Taxonomy(), cache)
    assert counts == vocabulary(edited, Taxonomy())
    assert counts["refund"] == 1 and counts["cancel"] == 1


WORDS = [
    "yelling",
    "yelled",
    "yells",
    "cries",
    "cried",
    "shopping",
    "agreed",
    "furious",
    "calls",
    "called",
    "misses",
    "done",
    "being",
    "boss",
    "buzz",
    "waited",
    "hopping",
]


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node to run the page's script")
def test_the_page_reads_words_as_the_terminal_search_does() -> None:
    """The script's inflectionKey, run by node on the same words as Python's."""
    source = SCRIPT.read_text(encoding="utf-8")
    start = source.index("  var SUFFIXES")
    end = source.index("  function significant(")
    program = (
        source[start:end] + f"console.log(JSON.stringify({json.dumps(WORDS)}.map(inflectionKey)));"
    )
    out = subprocess.run(["node", "-e", program], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == [inflection_key(w) for w in WORDS]
