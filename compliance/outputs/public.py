"""The public edition: an assessment with the fields its solution file marks confidential removed.

A Danish or Swedish authority publishes the council's papers and answers requests for access
(aktindsigt; allmänna handlingar), so the report often has to go out without a supplier's business
secrets or the details of a security measure. The solution file marks each such field with its
legal ground and reason (`confidential:`); `--edition public` then writes every output of the run
from an assessment in which:

- every value under a marked field is replaced by `[withheld N]` (N numbers the marked fields), in
  the embedded solution, in the facts each result read, in the names of flows, parties and systems,
  in the sources of facts and in the assessor's checks;
- a result that rests on a withheld fact keeps its outcome and its provision, but its sentence is
  replaced by one saying that it rests on withheld information (a sentence such as "the gateway does
  not require MFA" would give the value away);
- every text anywhere in it (explanations, questions, reasons, references) has each withheld text
  value, and the names of withheld countries in English, Danish and Swedish, cut out;
- `edition` lists what is withheld, on which ground and why; the report's cover says so.

The values are removed, not covered: nothing of them is left in the file to uncover. As a last
guard, `leaks` searches the finished output (a PDF's page text, every decompressed stream, its
metadata, bookmarks, alternative texts and the embedded JSON) for each withheld text value and its
renderings; the command refuses to write an edition in which one is found. Values that are not text
(a yes or no, a number) cannot be searched for: they are removed where the structure says they are.

What the edition cannot know is text that names a withheld value only in part ("Kaveri" where
"Kaveri Support Services" is withheld): such text must be marked as well.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from compliance.core.errors import raised_by
from compliance.core.models.assessment import Assessment, Edition, Target, Withheld
from compliance.core.models.common import value_at
from compliance.core.models.rules import Scope
from compliance.core.provenance import Provenances
from compliance.core.vocabulary import OTHER_GROUND, countries, grounds
from compliance.outputs import i18n

# How a withheld value reads in the data; the texts people read say it in their language.
PLACEHOLDER = "[withheld {n}]"
_TOKEN = re.compile(r"\[withheld (\d+)\]")
_COLLECTIONS = {"flow": "flows", "party": "parties", "system": "systems"}
# Text values shorter than this (once spaces and punctuation are ignored) are not searched for in
# the finished edition: a two-letter code matches everywhere. They are still removed.
MIN_SEARCHED = 4
# Keys of an item that are no fact and stay in the public edition: they name the item.
_KEPT_KEYS = frozenset({"id", "control"})


def placeholder(number: int) -> str:
    """How the data shows withheld item `number`."""
    return PLACEHOLDER.format(n=number)


def localise(text: str, lang: str) -> str:
    """A rendered text with each `[withheld N]` in the reader's language."""
    if "[withheld " not in text:
        return text
    word = i18n.translator(lang).gettext("withheld")
    return _TOKEN.sub(lambda m: f"[{word} {m.group(1)}]", text)


@dataclass(frozen=True)
class Plan:
    """What a public edition withholds: the items its cover lists, the fields (as paths of the
    solution file) with their numbers, and the text values to cut out of free text."""

    items: tuple[Withheld, ...]
    paths: tuple[tuple[str, int], ...]
    texts: tuple[tuple[str, int], ...]  # longest first

    def number_of(self, path: str | None) -> int | None:
        """The number of the withheld field that holds `path`, or None."""
        if not path:
            return None
        for prefix, number in self.paths:
            if path == prefix or path.startswith((prefix + ".", prefix + "[")):
                return number
        return None

    def searched(self) -> list[tuple[str, int]]:
        """The withheld texts as the leak search compares them, long enough to be searched."""
        out = []
        for text, number in self.texts:
            key = _normalised(text)
            if len(key.replace(" ", "")) >= MIN_SEARCHED:
                out.append((key, number))
        return out


def plan_for(a: Assessment) -> Plan:
    """The plan of a public edition of `a`, from its solution's `confidential` entries."""
    solution = a.solution
    items: list[Withheld] = []
    paths: list[tuple[str, int]] = []
    texts: dict[str, int] = {}
    known = grounds()
    for number, entry in enumerate(solution.get("confidential") or [], start=1):
        path = str(entry["field"]).strip()
        ground = str(entry["ground"])
        info = known.get(ground)
        citation = (
            str(entry.get("provision") or "") if ground == OTHER_GROUND or info is None else info.citation
        )
        items.append(
            Withheld(
                number=number,
                field=path,
                ground=ground,
                citation=citation,
                verified=bool(info and info.verified and ground != OTHER_GROUND),
                reason=str(entry["reason"]),
            )
        )
        paths.append((path, number))
        try:
            node = value_at(solution, path)
        except ValueError:
            continue  # the loader refuses such a file; a crafted assessment withholds nothing there
        for value in _leaves(node):
            for text in _renderings(value):
                texts.setdefault(text, number)
    ordered = sorted(texts.items(), key=lambda kv: (-len(kv[0]), kv[0]))
    return Plan(tuple(items), tuple(paths), tuple(ordered))


def _leaves(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key not in _KEPT_KEYS:
                yield from _leaves(value)
    elif isinstance(node, list):
        for value in node:
            yield from _leaves(value)
    elif node is not None:
        yield node


# A value of the schema's own words (an enum's code, an id, a yes or no) or a date: cut out of
# free text or searched for, it would hit the report's own words everywhere. Such values are
# removed where the structure holds them; only free text and countries' names are cut and searched.
_CODE = re.compile(r"[a-z0-9_./-]+|\d{4}-\d{2}-\d{2}")


def _renderings(value: Any) -> list[str]:
    """The texts a withheld value may appear as in free text: itself if it is free text, a
    country's name in each language if it is a country's code."""
    if not isinstance(value, str):
        return []
    if value in countries().codes:
        from babel import Locale

        return [str(Locale.parse(lang).territories.get(value, value)) for lang in i18n.LANGUAGES]
    if _CODE.fullmatch(value) or len(_normalised(value)) < MIN_SEARCHED:
        return []
    return [value]


# ---------------------------------------------------------------------------------------------
# Redaction


WITHHELD_EXPLANATION = "This result rests on information withheld from the public edition ({items})."


def redact(a: Assessment, plan: Plan) -> Assessment:
    """The public edition of an assessment."""
    original = a.solution
    data = a.model_dump(mode="json", by_alias=True)
    provenances = Provenances(original, [], [])
    for path, number in plan.paths:
        _withhold_at(data["solution"], path, number)
    for finding in data["findings"]:
        _redact_finding(finding, plan, provenances)
    decisions = data.get("decisions")
    if isinstance(decisions, dict):
        for check in (decisions.get("document") or {}).get("checks") or []:
            if not isinstance(check, dict):
                continue
            withheld = plan.number_of(str(check.get("fact", "")))
            if withheld is not None:
                check["value"] = placeholder(withheld)
    _redact_names(data, plan)
    data["edition"] = Edition(withheld=list(plan.items)).model_dump(mode="json")
    data = _cut_texts(data, _cutter(plan))
    data = _cut_texts(data, _id_renamer(renamed_ids(original, plan)))
    return Assessment.model_validate(data)


def partial_mentions(a: Assessment, plan: Plan) -> list[tuple[str, int]]:
    """Words that begin a withheld name and still stand in the public edition ('Kaveri' of
    'Kaveri Support Services Pvt. Ltd.'): text that names the same thing in part, which the
    authority must mark too if it does. Warned of, not refused: the word may mean something else."""
    text = json.dumps(a.model_dump(mode="json", by_alias=True), ensure_ascii=False)
    found = []
    seen: set[str] = set()
    for value, number in plan.texts:
        words = value.split()
        first = words[0].strip(".,;:()") if len(words) > 1 else ""
        if len(first) < MIN_SEARCHED or not first[:1].isupper() or first in seen:
            continue
        seen.add(first)
        if re.search(rf"(?<!\w){re.escape(first)}(?!\w)", text):
            found.append((first, number))
    return found


def _withhold_at(document: dict[str, Any], path: str, number: int) -> None:
    """Replace every value under `path` of the solution by the placeholder, keeping the keys and
    the ids that name items."""
    try:
        node = value_at(document, path)
    except ValueError:
        return
    parent_path, _, last = path.rpartition(".")
    if isinstance(node, dict):
        _replace_leaves(node, number)
        return
    parent = value_at(document, parent_path) if parent_path else document
    key = re.sub(r"\[.*\]$", "", last)
    if isinstance(parent, dict) and key in parent:
        parent[key] = placeholder(number)


def _replace_leaves(node: dict[str, Any], number: int) -> None:
    for key, value in node.items():
        if key in _KEPT_KEYS:
            continue
        if isinstance(value, dict):
            _replace_leaves(value, number)
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for item in value:
                _replace_leaves(item, number)
        elif value is not None:
            node[key] = placeholder(number)


def _target(raw: Any) -> Target | None:
    if not isinstance(raw, dict) or raw.get("kind") not in ("flow", "party", "system", "solution"):
        return None
    return Target(Scope(raw["kind"]), str(raw.get("id", "")), str(raw.get("name", "")))


def _redact_finding(finding: dict[str, Any], plan: Plan, provenances: Provenances) -> None:
    target = _target(finding.get("target"))
    numbers: set[int] = set()
    for used in finding.get("facts") or []:
        if used.get("value") is None:
            continue
        hit = {
            n
            for p in provenances.of_fact(str(used["fact"]), target)
            if (n := plan.number_of(p.path)) is not None
        }
        if hit:
            used["value"] = placeholder(min(hit))
            numbers |= hit
    for item in finding.get("provenance") or []:
        number = plan.number_of(item.get("path"))
        if number is not None:
            numbers.add(number)
            for key in ("by", "reference"):
                if item.get(key):
                    item[key] = placeholder(number)
            item["on"] = None  # a date is no text to show a placeholder in
    if numbers:
        finding["withheld"] = sorted(numbers)
        finding["explanation"] = WITHHELD_EXPLANATION.format(
            items=", ".join(placeholder(n) for n in sorted(numbers))
        )


def _redact_names(node: Any, plan: Plan) -> None:
    """Names of flows, parties and systems whose name is withheld, wherever a target names them."""
    if isinstance(node, dict):
        kind = node.get("kind")
        if kind in _COLLECTIONS and set(node) == {"kind", "id", "name"}:
            number = plan.number_of(f"{_COLLECTIONS[kind]}[{node['id']}].name")
            if number is not None:
                node["name"] = placeholder(number)
            return
        for value in node.values():
            _redact_names(value, plan)
    elif isinstance(node, list):
        for value in node:
            _redact_names(value, plan)


def renamed_ids(solution: dict[str, Any], plan: Plan) -> dict[str, str]:
    """The ids of the flows, parties and systems whose name is withheld, and what the public
    edition calls them instead (`withheld-N`): an id often spells the name ('kaveri')."""
    out: dict[str, str] = {}
    for collection in _COLLECTIONS.values():
        for item in solution.get(collection) or []:
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                continue
            number = plan.number_of(f"{collection}[{item['id']}].name")
            if number is not None:
                out[item["id"]] = f"withheld-{number}"
    return out


def _id_renamer(ids: dict[str, str]) -> Callable[[str], str]:
    """Rename ids where a text is one (a reference, a target's id) or names one in a path
    (`parties[kaveri].country`)."""
    if not ids:
        return lambda text: text
    pattern = re.compile(r"(?<![\w-])(" + "|".join(re.escape(i) for i in ids) + r")(?![\w-])")

    def rename(text: str) -> str:
        if text in ids:
            return ids[text]
        return pattern.sub(lambda m: ids[m.group(1)], text)

    return rename


def _cutter(plan: Plan) -> Callable[[str], str]:
    """A function cutting every withheld text (case ignored) out of a text."""
    if not plan.texts:
        return lambda text: text
    pattern = re.compile("|".join(re.escape(t) for t, _n in plan.texts), re.IGNORECASE)
    numbers = {t.casefold(): n for t, n in plan.texts}
    return lambda text: pattern.sub(lambda m: placeholder(numbers.get(m.group(0).casefold(), 0)), text)


def _cut_texts(node: Any, cut: Callable[[str], str]) -> Any:
    if isinstance(node, str):
        return cut(node)
    if isinstance(node, dict):
        return {key: _cut_texts(value, cut) for key, value in node.items()}
    if isinstance(node, list):
        return [_cut_texts(value, cut) for value in node]
    return node


# ---------------------------------------------------------------------------------------------
# The last guard: search the finished edition


def _normalised(text: str) -> str:
    """Text as the search compares it: case folded, invisible break marks and line-end hyphens
    removed, every run of spaces one space."""
    text = re.sub(r"[\u00ad\u200b\u2060\ufeff]", "", text)
    text = re.sub(r"-\s*\n\s*", "", text)
    return re.sub(r"\s+", " ", text.casefold()).strip()


def leaks(data: bytes, kind: str, plan: Plan) -> list[str]:
    """Where the finished output still holds a withheld text: 'withheld 2 in the page text'."""
    wanted = plan.searched()
    if not wanted:
        return []
    found: list[str] = []
    for where, text in _texts_of(data, kind):
        squeezed = _normalised(text)
        for key, number in wanted:
            if key in squeezed:
                found.append(f"{placeholder(number)} in {where}")
    return sorted(set(found))


def _texts_of(data: bytes, kind: str) -> Iterable[tuple[str, str]]:
    if kind == ".pdf":
        yield from _pdf_texts(data)
    elif kind in (".docx", ".xlsx"):
        yield from _zip_texts(data)
    else:
        yield (
            {".json": "the JSON", ".txt": "the summary"}.get(kind, kind),
            data.decode("utf-8", errors="replace"),
        )


def _zip_texts(data: bytes) -> Iterable[tuple[str, str]]:
    import zipfile

    with zipfile.ZipFile(BytesIO(data)) as archive:
        for name in archive.namelist():
            yield name, archive.read(name).decode("utf-8", errors="replace")


def _pdf_texts(data: bytes) -> Iterable[tuple[str, str]]:
    """Every text a PDF holds: its pages' text, and every string and decompressed stream of every
    object (metadata, bookmarks, alternative texts, the embedded files)."""
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

    reader = PdfReader(BytesIO(data))
    yield "the page text", "\n".join(page.extract_text() or "" for page in reader.pages)
    strings: list[str] = []
    streams: list[str] = []
    seen: set[tuple[int, int]] = set()
    stack: list[Any] = [reader.trailer]
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            key = (obj.idnum, obj.generation)
            if key in seen:
                continue
            seen.add(key)
            obj = obj.get_object()
        if isinstance(obj, StreamObject):
            try:
                raw = obj.get_data()
            except Exception as exc:  # a stream pypdf cannot decode: read its raw bytes
                if not raised_by(exc, "pypdf", "zlib", "PIL"):
                    raise
                raw = _inflated(obj._data)
            streams.append(raw.decode("utf-8", errors="replace"))
            streams.append(raw.decode("utf-16-be", errors="replace") if raw[:2] == b"\xfe\xff" else "")
        if isinstance(obj, DictionaryObject):
            stack.extend(obj.values())
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
        elif isinstance(obj, str):
            strings.append(str(obj))
    yield "the document's strings (metadata, bookmarks, alternative texts)", "\n".join(strings)
    yield "the decompressed streams (content, metadata, embedded files)", "\n".join(streams)


def _inflated(raw: bytes) -> bytes:
    try:
        return zlib.decompress(raw)
    except zlib.error:
        return raw
