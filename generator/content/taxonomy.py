"""Load and validate `content/taxonomy.yml`: the situations and techniques vocabularies.

Format::

    situations:
      - id: upset-customer            # a-z, 0-9, hyphens; unique across both vocabularies
        label: Upset customer
        description: One sentence saying when this applies.
        synonyms: [angry, irate, ...]  # words staff might type
        rules: ["angry customer", ...] # match rules for the auto-tagger (generator.rules)
    techniques:
      - id: empathy
        ...
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Any

import yaml

from generator.content import rules
from generator.content.tipfile import compose_yaml, decode
from generator.errors import Problem, UnreadableError
from generator.files import read_file
from generator.model import SLUG_RE, Taxonomy, Term

VOCABULARIES = ("situations", "techniques")
TERM_KEYS = {"id", "label", "description", "synonyms", "rules", "broad"}


def load_taxonomy(path: Path) -> tuple[Taxonomy, list[Problem]]:
    """Read taxonomy.yml; a missing file is an empty taxonomy."""
    if not os.path.lexists(path):  # a dangling symbolic link is refused, not "missing"
        return Taxonomy(), []
    try:
        raw = read_file(path)
    except UnreadableError as err:
        return Taxonomy(), [Problem(path, 0, err.reason)]
    text, problems = decode(path, raw)
    if text is None:
        return Taxonomy(), problems
    try:
        data = _load_nodes(text)
    except yaml.MarkedYAMLError as err:
        line = err.problem_mark.line + 1 if err.problem_mark else 1
        return Taxonomy(), [Problem(path, line, f"invalid YAML: {err.problem}")]
    if not isinstance(data, dict):
        return Taxonomy(), [
            Problem(path, 1, "must be a mapping with 'situations:' and 'techniques:'")
        ]
    return _parse(path, data)


def _load_nodes(text: str) -> Any:
    """YAML with the line of every term kept, as `__line__` on each mapping."""
    data, node = compose_yaml(text)
    if isinstance(data, dict) and isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            terms = data.get(key.value)
            if isinstance(value, yaml.SequenceNode) and isinstance(terms, list):
                for item, item_node in zip(terms, value.value, strict=False):
                    if isinstance(item, dict):
                        item["__line__"] = item_node.start_mark.line + 1
    return data


def _parse(path: Path, data: dict[str, Any]) -> tuple[Taxonomy, list[Problem]]:
    problems = [
        Problem(path, 1, f"unknown top-level key '{key}'; expected {' and '.join(VOCABULARIES)}")
        for key in data
        if key not in VOCABULARIES
    ]
    vocabularies: dict[str, tuple[Term, ...]] = {}
    seen: dict[str, int] = {}
    for vocabulary in VOCABULARIES:
        items = data.get(vocabulary) or []
        if not isinstance(items, list):
            problems.append(Problem(path, 1, f"'{vocabulary}' must be a list of terms"))
            items = []
        terms = []
        for item in items:
            term, term_problems = _parse_term(path, item)
            problems += term_problems
            if term is None:
                continue
            if term.id in seen:
                problems.append(
                    Problem(
                        path,
                        term.line,
                        f"duplicate id '{term.id}' (first defined on line {seen[term.id]})",
                    )
                )
                continue
            seen[term.id] = term.line
            terms.append(term)
        vocabularies[vocabulary] = tuple(terms)
    return Taxonomy(**vocabularies), problems


def _parse_term(path: Path, item: Any) -> tuple[Term | None, list[Problem]]:
    if not isinstance(item, dict):
        return None, [Problem(path, 1, "each term must be a mapping with id, label, description")]
    line = item.pop("__line__", 1)
    problems = [
        Problem(
            path, line, f"unknown key '{key}' in a term; allowed: {', '.join(sorted(TERM_KEYS))}"
        )
        for key in item
        if key not in TERM_KEYS
    ]
    for key in ("id", "label", "description"):
        if not isinstance(item.get(key), str) or not item[key].strip():
            problems.append(Problem(path, line, f"term is missing '{key}:'"))
    if problems:
        return None, problems
    if not SLUG_RE.match(item["id"]):
        return None, [Problem(path, line, f"id '{item['id']}' may use only a-z, 0-9 and hyphens")]
    synonyms, rule_texts = item.get("synonyms") or [], item.get("rules") or []
    for key, value in (("synonyms", synonyms), ("rules", rule_texts)):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.append(
                Problem(path, line, f"'{key}' of '{item['id']}' must be a list of text")
            )
    if not isinstance(item.get("broad", False), bool):
        problems.append(Problem(path, line, f"'broad' of '{item['id']}' must be true or false"))
    if problems:
        return None, [*problems, *_unquoted_rules(path, line, item["id"], rule_texts)]
    problems += _rule_problems(path, line, item["id"], rule_texts)
    term = Term(
        id=item["id"],
        label=item["label"].strip(),
        description=item["description"].strip(),
        synonyms=tuple(synonyms),
        rules=tuple(rule_texts),
        broad=bool(item.get("broad", False)),
        line=line,
    )
    return term, problems


def _rule_problems(path: Path, line: int, term_id: str, rule_texts: list[str]) -> list[Problem]:
    """Every rule that does not compile, with the reason."""
    problems = []
    for rule in rule_texts:
        try:
            rules.compile_rule(rule)
        except ValueError as err:
            problems.append(
                Problem(path, line, f"rule {rule!r} of '{term_id}' does not compile: {err}")
            )
    return problems


def _unquoted_rules(path: Path, line: int, term_id: str, rule_texts: Any) -> list[Problem]:
    """A rule like `- title: phone` reads as YAML key and value; say how to write it."""
    if not isinstance(rule_texts, list):
        return []
    return [
        Problem(
            path,
            line,
            f"a rule of '{term_id}' reads as '{key}: {value}'; put it in double quotes: "
            f'- "{key}: {value}"',
        )
        for rule in rule_texts
        if isinstance(rule, dict)
        for key, value in rule.items()
    ]


def did_you_mean(word: str, choices: tuple[str, ...]) -> str:
    """' (did you mean 'x'?)' for a near miss, else ''."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
