"""Read and write one tip file: YAML front matter plus a Markdown body.

Reading never raises on bad input: it returns the tip (or None) and every
problem found, each with the line of the offending key, so a whole content
folder can be checked in one pass.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import frontmatter
import yaml

from generator.content.markdown_limits import markdown_problem
from generator.content.safety import unsafe_markup
from generator.content.schema import FIELD_NAMES, FIELDS, PLACEHOLDERS, FieldError
from generator.errors import Problem, UnreadableError
from generator.files import MAX_BYTES, read_file, size_text, write_bytes_atomic
from generator.model import Phrase, Tip, name_parts

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: check stays fast


class SafeLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe YAML that keeps dates as text, so `2025-13-45` gets our own message."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        """PyYAML's, with a value it cannot make (`!!int x`, a number of 5,000 digits)
        refused at its line instead of escaping as a ValueError."""
        try:
            value = super().construct_object(node, deep)
        except (ValueError, TypeError, OverflowError, KeyError) as err:
            raise ValueYAMLError(
                problem=_value_problem(node, err), problem_mark=node.start_mark
            ) from None
        if isinstance(value, int) and len(node.value) > MAX_DIGITS:  # str() of it may fail
            raise ValueYAMLError(problem=_value_problem(node, None), problem_mark=node.start_mark)
        return value


MAX_DIGITS = 100  # a longer number is a mistake, or text that needs quotes


def _value_problem(node: yaml.Node, err: Exception | None) -> str:
    text = str(node.value)
    shown = text[:20] + ("…" if len(text) > 20 else "")
    if err is None or "integer string conversion" in str(err):
        return f"the number {shown} has {len(text)} digits; put it in quotes if it is text"
    return f"{shown!r} is not a valid {node.tag.rsplit(':', 1)[-1]}; put it in quotes if it is text"


_BOOL = "tag:yaml.org,2002:bool"
_TRUE_FALSE = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
# YAML 1.1 reads yes/no/on/off as booleans, which turns a synonym like `no` into
# False; only true/false are booleans here, as in YAML 1.2.
SafeLoader.yaml_implicit_resolvers = {
    first: [
        (tag, _TRUE_FALSE if tag == _BOOL else rx)
        for tag, rx in resolvers
        if tag != "tag:yaml.org,2002:timestamp"
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


MAX_YAML_DEPTH = 10  # a tip's front matter nests 5 deep (phrases → phrase → situations → id)


class RefusedYAML(yaml.MarkedYAMLError):
    """Valid YAML that tipkb refuses; `problem` says why and what to write instead."""


class ValueYAMLError(RefusedYAML):
    """A value YAML cannot make: a number too long, or a tag its text does not fit."""


class AliasError(RefusedYAML):
    """An alias (*name) in front matter: never needed, and the way to a YAML bomb."""


class DepthError(RefusedYAML):
    """Values nested far deeper than any field needs: later stages would recurse past the limit."""


def _reject_aliases(node: yaml.Node) -> None:
    """An alias shows up as a node reached twice; stopping at the first repeat
    keeps this linear even for a "billion laughs" document."""
    seen: set[int] = set()
    todo = [node]
    while todo:
        node = todo.pop()
        if id(node) in seen:
            raise AliasError(
                problem="YAML aliases (*name) are not allowed; write the value out",
                problem_mark=node.start_mark,
            )
        seen.add(id(node))
        todo += _children(node)


def _reject_deep(node: yaml.Node) -> None:
    """Walk the collections level by level (no recursion); refuse one nested too deep."""
    level, depth = [node], 1
    while level:
        if depth > MAX_YAML_DEPTH:
            raise DepthError(
                problem=f"values nested more than {MAX_YAML_DEPTH} levels deep; no field "
                "needs more than 5: check the brackets and indentation",
                problem_mark=level[0].start_mark,
            )
        level = [c for n in level for c in _children(n) if not isinstance(c, yaml.ScalarNode)]
        depth += 1


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return node.value
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def compose_yaml(text: str) -> tuple[Any, yaml.Node | None]:
    """Load YAML text; also return its node tree, which knows the line of everything."""
    loader = SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        if "*" in text:  # no alias without a '*': skip that walk on ordinary files
            _reject_aliases(node)
        _reject_deep(node)
        return loader.construct_document(node), node
    finally:
        loader.dispose()


def load_yaml(text: str) -> tuple[Any, dict[str, int]]:
    """Load YAML text; also return the 1-based line of each top-level key."""
    data, node = compose_yaml(text)
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, _value in node.value:
            name, line = str(key.value), key.start_mark.line + 1
            if name in lines:  # YAML would keep the last silently, hiding the first
                raise RefusedYAML(
                    problem=f"'{name}:' is written twice (also on line {lines[name]}); "
                    "keep one of them",
                    problem_mark=key.start_mark,
                )
            lines[name] = line
    return data, lines


class YAMLHandler(frontmatter.YAMLHandler):
    """python-frontmatter's handler, loading with our safe loader."""

    def load(self, fm: str, **kwargs: object) -> Any:
        return load_yaml(fm)[0]


HANDLER = YAMLHandler()


def decode(path: Path, raw: bytes) -> tuple[str | None, list[Problem]]:
    """Bytes → text with Unix line ends, or a problem naming the bad line."""
    if len(raw) > MAX_BYTES:
        return None, [
            Problem(
                path, 0, f"file is {size_text(len(raw))}; it must be under {size_text(MAX_BYTES)}"
            )
        ]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        return None, [Problem(path, line, "is not UTF-8 text; save the file as UTF-8")]
    return text.replace("\r\n", "\n").replace("\r", "\n"), []


def parse_tip(
    path: Path, raw: bytes, *, keep_unsafe: bool = False
) -> tuple[Tip | None, list[Problem]]:
    """Parse a tip file's bytes into a Tip plus every problem found. A body with unsafe
    markup gives no Tip, unless `keep_unsafe`: the loader checks such a tip against the
    others too, so that all its errors come at once (its problems hold the error, so
    the content it is in never builds)."""
    text, problems = decode(path, raw)
    if text is None:
        return None, problems
    if not text.strip():
        return None, [Problem(path, 1, "file is empty; a tip needs front matter and a body")]
    if not text.startswith("---\n"):
        return None, [
            Problem(path, 1, "file must start with a '---' line opening the front matter")
        ]
    try:
        fm_text, body = HANDLER.split(text)
    except ValueError:
        return None, [Problem(path, 1, "front matter is not closed; add a '---' line after it")]
    deep = markdown_problem(body)
    if deep is not None:  # before the YAML is even read: a file that can never be built
        line, message = deep
        return None, [Problem(path, text[: len(text) - len(body)].count("\n") + line, message)]
    try:
        meta, key_lines = load_yaml(fm_text)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        lines = fm_text.split("\n")
        # YAML also breaks lines at U+0085, U+2028 and U+2029: its count may run past ours.
        line = min(mark.line + 1, len(lines)) if mark else 1
        bad_line = lines[line - 1] if mark else ""
        return None, [Problem(path, line, f"invalid YAML: {_yaml_reason(err, bad_line)}")]
    except yaml.reader.ReaderError as err:
        line = fm_text[: err.position].count("\n") + 1
        message = f"invalid YAML: the character U+{err.character:04X} is not allowed; delete it"
        return None, [Problem(path, line, message)]
    except yaml.YAMLError as err:
        return None, [Problem(path, 1, f"invalid YAML: {' '.join(str(err).split())}")]
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        return None, [
            Problem(path, 2, "front matter must be 'key: value' lines, not a list or text")
        ]
    # fm_text starts right after the opening '---', so its line numbers are the file's.
    body_start = text[: len(text) - len(body)].count("\n") + 1
    tip, problems = _build_tip(path, meta, body, key_lines, body_start)
    unsafe = [Problem(path, body_start + n - 1, msg) for n, msg in unsafe_markup(body)]
    return (None if unsafe and not keep_unsafe else tip), problems + unsafe


def _yaml_reason(err: yaml.MarkedYAMLError, line: str) -> str:
    if isinstance(err, RefusedYAML):
        return str(err.problem)
    if "\t" in line:
        return "tabs are not allowed in YAML; indent with spaces"
    key, colon, value = line.partition(": ")
    if "mapping values are not allowed" in str(err.problem) and colon and ": " in value:
        quoted = value.strip().replace('"', '\\"')
        return f'the {key.strip()} holds ": "; put it in quotes: {key.strip()}: "{quoted}"'
    return f"{err.problem or err}; check the quotes, brackets and indentation on this line"


def _build_tip(
    path: Path, meta: dict[Any, Any], body: str, lines: dict[str, int], body_start: int
) -> tuple[Tip | None, list[Problem]]:
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    parts = name_parts(path.name)
    if meta.get("slug") is None and parts:  # the file name is the slug's one source
        meta = {**meta, "slug": parts[1]}
    for f in FIELDS:
        raw = meta.get(f.name)
        if raw is None and f.required:
            problems.append(Problem(path, 2, f"missing '{f.name}:' in the front matter ({f.doc})"))
            continue
        try:
            values[f.name] = f.parse(raw)
        except FieldError as err:
            problems.append(Problem(path, lines.get(f.name, 2), f"{f.name}: {err}"))
    for key in meta:
        if str(key) not in FIELD_NAMES:
            problems.append(
                Problem(path, lines.get(str(key), 2), f"unknown field '{key}' (ignored)", "warning")
            )
    for placeholder in PLACEHOLDERS:
        if placeholder in body:
            line = body_start + body[: body.index(placeholder)].count("\n")
            problems.append(
                Problem(
                    path,
                    line,
                    f"'{placeholder}' is the template's: write the tip in its place "
                    "(the comment above it says how)",
                )
            )
    if not body.strip():
        problems.append(
            Problem(
                path, _body_line(lines), "the body is empty; write the tip below the front matter"
            )
        )
    if any(p.level == "error" for p in problems):
        return None, problems
    values = {k: v for k, v in values.items() if v is not None or k in ("date", "series", "source")}
    tip = Tip(body=body.strip() + "\n", path=path, lines=lines, **values)
    return tip, problems


def _body_line(lines: dict[str, int]) -> int:
    return max(lines.values(), default=1) + 2


def read_tip(path: Path, *, keep_unsafe: bool = False) -> tuple[Tip | None, list[Problem]]:
    """Read and parse one tip file (see parse_tip); a file that is not read is a problem
    of the whole file."""
    try:
        raw = read_file(path)
    except UnreadableError as err:
        return None, [Problem(path, 0, err.reason)]
    return parse_tip(path, raw, keep_unsafe=keep_unsafe)


def metadata(tip: Tip) -> dict[str, Any]:
    """The front matter of a tip, in schema order, leaving out empty optional keys."""
    data: dict[str, Any] = {}
    for f in FIELDS:
        value = _plain(getattr(tip, f.name))
        if value in (None, "", [], False) and not f.written_when_empty:
            continue
        data[f.name] = value
    return data


def _plain(value: Any) -> Any:
    """Model values → plain YAML values."""
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Phrase):
        item: dict[str, Any] = {"text": value.text, "situations": list(value.situations)}
        if value.auto:
            item["auto"] = True
        return item
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: v for k, v in dataclasses.asdict(value).items() if v}
    return value  # dates stay dates: YAML writes them unquoted, as editors do


def dump_tip(tip: Tip) -> str:
    """The full text of a tip file."""
    post = frontmatter.Post(tip.body.strip() + "\n", **metadata(tip))
    text = frontmatter.dumps(
        post,
        handler=HANDLER,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=False,
    )
    return text.rstrip("\n") + "\n"


def write_text_atomic(path: Path, text: str) -> None:
    """Write a file so a reader never sees it half-written."""
    write_bytes_atomic(path, text.encode("utf-8"))


def write_tip(path: Path, tip: Tip) -> None:
    write_text_atomic(path, dump_tip(tip))
