"""Stamp reviewed rule translations with the English they translate.

    python scripts/stamp_translations.py [--check] [RULE_ID ...]

A translation (rules/translations/<lang>/<pack>.yaml, controls.yaml for the catalogue's control
titles, questions.yaml for the question bank, by fact, and dpa.yaml for the requirements of a data-processing agreement) is shown only while its `source` stamp matches the current English text. After a rule's English text changes,
review its translations, then run this script with the rule's ID (or the question's fact; `framework` or `title` for
the packs' framework names and titles) to restamp them; with no IDs it
stamps only entries that have no stamp yet. `--check` lists stale or unstamped entries and exits 1
if there are any (the test suite does the same).
"""

from __future__ import annotations

import argparse
import functools
import re
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from compliance.core.questions import bank, checklists  # noqa: E402
from compliance.core.translations import (  # noqa: E402
    CONTROLS_FILE,
    DPA_FILE,
    QUESTIONS_FILE,
    TENDER_FILE,
    TRANSLATED_VOCABULARIES,
    VOCABULARY_FILE,
    control_stamp,
    framework_stamp,
    question_stamp,
    says_stamp,
    setting_stamp,
    source_stamp,
)


def _load(text: str) -> Any:
    """YAML through libyaml where it is there: the pure-Python reader takes many seconds here."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506  # the safe loader, in C


def english() -> dict[str, tuple[str, str]]:
    """Every shipped rule's English title and remediation."""
    out = {}
    for pack in sorted((ROOT / "rules" / "packs").glob("*.yaml")):
        for rule in _load(pack.read_text(encoding="utf-8"))["rules"]:
            out[rule["id"]] = (rule["title"], rule["remediation"])
    return out


def english_says() -> dict[str, str]:
    """The stamp of every shipped rule's English sentences (`says`), by rule ID."""
    out = {}
    for pack in sorted((ROOT / "rules" / "packs").glob("*.yaml")):
        for rule in _load(pack.read_text(encoding="utf-8"))["rules"]:
            says = rule.get("says")
            if says is not None:
                out[rule["id"]] = says_stamp(says["fail"], says["unknown"], says.get("fail_when") or {})
    return out


def control_titles() -> dict[str, str]:
    """Every catalogue control's English title."""
    out = {}
    for path in sorted((ROOT / "rules" / "controls").glob("*.yaml")):
        data = _load(path.read_text(encoding="utf-8"))
        for control in data.get("controls") or []:
            out[control["id"]] = control["title"]
    return out


def settings() -> dict[tuple[str, str], str]:
    """Every shipped pack setting's stamp, by (pack, setting)."""
    out = {}
    for pack in sorted((ROOT / "rules" / "packs").glob("*.yaml")):
        data = _load(pack.read_text(encoding="utf-8"))
        for name, setting in (data.get("settings") or {}).items():
            out[(data["pack"], name)] = setting_stamp(setting["label"], setting.get("note"))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    parser.add_argument("rules", nargs="*", metavar="RULE_ID")
    args = parser.parse_args()
    texts = english()
    said = english_says()
    titles = control_titles()
    problems = []
    questions = {
        fact: question_stamp(entry.ask, entry.help, entry.why, entry.choices, entry.evidence)
        for fact, entry in bank().items()
    }
    for path in sorted((ROOT / "rules" / "translations").glob("*/*.yaml")):
        data = _load(path.read_text(encoding="utf-8"))
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        changed = False
        if path.name == VOCABULARY_FILE:
            term_titles = vocabulary_titles()
            for name, terms in data["vocabulary"].items():
                for key, entry in terms.items():
                    title = term_titles.get((name, key))
                    where = f"{path.relative_to(ROOT)}: {name}.{key}"
                    if title is None:
                        problems.append(f"{where}: no such term")
                    elif entry.get("source") != control_stamp(title):
                        if args.check or not (
                            key in args.rules or (not args.rules and "source" not in entry)
                        ):
                            problems.append(f"{where}: {'stale' if 'source' in entry else 'unstamped'}")
                            continue
                        lines = _set_term_stamp(lines, name, key, control_stamp(title))
                        changed = True
            if changed:
                path.write_text("".join(lines), encoding="utf-8")
            continue
        keyed = {
            QUESTIONS_FILE: ("questions", questions),
            DPA_FILE: ("requirements", None),
            TENDER_FILE: ("requirements", None),
        }
        if path.name in keyed:
            section, wanted = keyed[path.name]
            if wanted is None:
                wanted = requirement_stamps(path.name)
                for key in wanted.keys() - data[section].keys():
                    problems.append(f"{path.relative_to(ROOT)}: {key}: not translated")
            for key, entry in data[section].items():
                stamp = wanted.get(key)
                if stamp is None:
                    problems.append(
                        f"{path.relative_to(ROOT)}: {key}: no such {'question' if section == 'questions' else 'requirement'}"
                    )
                elif entry.get("source") != stamp:
                    if args.check or not (key in args.rules or (not args.rules and "source" not in entry)):
                        problems.append(
                            f"{path.relative_to(ROOT)}: {key}: {'stale' if 'source' in entry else 'unstamped'}"
                        )
                        continue
                    lines = _set_stamp(lines, key, stamp)
                    changed = True
            if path.name == QUESTIONS_FILE:
                lines, stamped = _checklists(path, data, lines, args, problems)
                changed = changed or stamped
            if changed:
                path.write_text("".join(lines), encoding="utf-8")
            continue
        is_controls = path.name == CONTROLS_FILE
        for rule_id, entry in data["controls" if is_controls else "rules"].items():
            if rule_id not in (titles if is_controls else texts):
                problems.append(
                    f"{path.relative_to(ROOT)}: {rule_id}: no such {'control' if is_controls else 'rule'}"
                )
                continue
            if not is_controls and "says" in entry:
                where = f"{path.relative_to(ROOT)}: {rule_id} (sentences)"
                says = entry["says"]
                if rule_id not in said:
                    problems.append(f"{where}: the rule has no sentences in English")
                elif says.get("source") != said[rule_id]:
                    restamp = rule_id in args.rules or (not args.rules and "source" not in says)
                    if args.check or not restamp:
                        problems.append(f"{where}: {'stale' if 'source' in says else 'unstamped'}")
                    else:
                        lines = _set_says_stamp(lines, rule_id, said[rule_id])
                        changed = True
            stamp = control_stamp(titles[rule_id]) if is_controls else source_stamp(*texts[rule_id])
            if entry.get("source") == stamp:
                continue
            restamp = rule_id in args.rules or (not args.rules and "source" not in entry)
            if args.check or not restamp:
                state = "stale" if "source" in entry else "unstamped"
                problems.append(f"{path.relative_to(ROOT)}: {rule_id}: {state}")
                continue
            lines = _set_stamp(lines, rule_id, stamp)
            changed = True
        for name, entry in (data.get("settings") or {}).items() if not is_controls else ():
            stamp = settings().get((data.get("pack"), name))
            where = f"{path.relative_to(ROOT)}: setting {name}"
            if stamp is None:
                problems.append(f"{where}: no such setting")
            elif _to_stamp(entry, name, stamp, where, args, problems):
                lines = _set_stamp(lines, name, stamp)
                changed = True
        for key in ("framework", "title") if not is_controls else ():
            lines, stamped = _pack_entry(path, data, key, lines, args, problems)
            changed = changed or stamped
        if changed:
            path.write_text("".join(lines), encoding="utf-8")
    for p in problems:
        print(p)
    return 1 if problems else 0


@functools.cache
def pack_texts() -> dict[str, dict[str, str]]:
    """Every shipped pack's English framework name and title, by pack."""
    out = {}
    for pack in sorted((ROOT / "rules" / "packs").glob("*.yaml")):
        data = _load(pack.read_text(encoding="utf-8"))
        out[data["pack"]] = {"framework": data["framework"], "title": data["title"]}
    return out


def _pack_entry(
    path: Path, data: Any, key: str, lines: list[str], args: argparse.Namespace, problems: list[str]
) -> tuple[list[str], bool]:
    """Check, or stamp, the framework name (`framework:`) or the title (`title:`) of a pack's
    translation: every shipped pack's translation gives both in the language."""
    where = f"{path.relative_to(ROOT)}: {key}"
    english = pack_texts().get(data.get("pack"), {}).get(key)
    entry = data.get(key)
    if english is None:
        return lines, False
    if not isinstance(entry, dict):
        problems.append(f"{where}: not translated")
        return lines, False
    stamp = framework_stamp(english)
    if entry.get("source") == stamp:
        return lines, False
    if args.check or not (key in args.rules or (not args.rules and "source" not in entry)):
        problems.append(f"{where}: {'stale' if 'source' in entry else 'unstamped'}")
        return lines, False
    start = next(i for i, line in enumerate(lines) if re.match(rf"^{key}:\s*$", line))
    end = start + 1
    while end < len(lines) and lines[end].startswith("  "):
        end += 1
    body = [line for line in lines[start + 1 : end] if not line.startswith("  source:")]
    return [*lines[: start + 1], f"  source: {_quoted(stamp)}\n", *body, *lines[end:]], True


def requirement_stamps(file: str) -> dict[str, str]:
    """The stamps of the requirements kept as data: a DPA's (title and question) or a tender's (text)."""
    if file == DPA_FILE:
        from compliance.core.clauses import requirements

        return {key: source_stamp(r.title, r.question) for key, r in requirements().items()}
    from compliance.outputs import tender

    return {key: control_stamp(r.text) for key, r in tender.requirements().items()}


def vocabulary_titles() -> dict[tuple[str, str], str]:
    """Every vocabulary term's English title, by (vocabulary, key)."""
    from compliance.core import vocabulary

    return {
        (name, key): term.title
        for name in TRANSLATED_VOCABULARIES
        for key, term in getattr(vocabulary, name)().terms.items()
    }


def _quoted(stamp: str) -> str:
    """A stamp as YAML reads it back as text: one of digits only would read as a number."""
    return f"'{stamp}'" if stamp.isdigit() else stamp


def _set_term_stamp(lines: list[str], name: str, key: str, stamp: str) -> list[str]:
    """Put `source: STAMP` first in a vocabulary term's entry (`  name:` / `    key:`)."""
    section = next(i for i, line in enumerate(lines) if re.match(rf"^  {re.escape(name)}:\s*$", line))
    start = next(
        i for i in range(section + 1, len(lines)) if re.match(rf"^    {re.escape(key)}:\s*$", lines[i])
    )
    end = start + 1
    while end < len(lines) and lines[end].startswith("      "):
        end += 1
    body = [line for line in lines[start + 1 : end] if not line.startswith("      source:")]
    return [*lines[: start + 1], f"      source: {_quoted(stamp)}\n", *body, *lines[end:]]


def _set_stamp(lines: list[str], rule_id: str, stamp: str, section: str | None = None) -> list[str]:
    """Put `source: STAMP` as the first field of the rule's entry (in `section`, where given),
    replacing an old one."""
    first = next(i for i, line in enumerate(lines) if line.rstrip() == f"{section}:") if section else 0
    start = next(
        i for i, line in enumerate(lines) if i > first and re.match(rf"^  {re.escape(rule_id)}:\s*$", line)
    )
    end = start + 1
    while end < len(lines) and (lines[end].startswith("    ") or not lines[end].strip()):
        end += 1
    body = [line for line in lines[start + 1 : end] if not line.startswith("    source:")]
    return [*lines[: start + 1], f"    source: {_quoted(stamp)}\n", *body, *lines[end:]]


def _checklists(
    path: Path, data: Any, lines: list[str], args: argparse.Namespace, problems: list[str]
) -> tuple[list[str], bool]:
    """Check (or stamp) the translated headings of the question bank's checklists; the lines,
    and whether any stamp was set."""
    wanted = {under: control_stamp(c.title) for under, c in checklists().items()}
    given = data.get("checklists") or {}
    changed = False
    for under in sorted(wanted.keys() - given.keys()):
        problems.append(f"{path.relative_to(ROOT)}: checklist {under}: not translated")
    for under, entry in given.items():
        stamp = wanted.get(under)
        where = f"{path.relative_to(ROOT)}: checklist {under}"
        if stamp is None:
            problems.append(f"{where}: no such checklist")
        elif _to_stamp(entry, under, stamp, where, args, problems):
            lines = _set_stamp(lines, under, stamp, "checklists")
            changed = True
    return lines, changed


def _to_stamp(
    entry: dict[str, Any], key: str, stamp: str, where: str, args: argparse.Namespace, problems: list[str]
) -> bool:
    """Whether this run stamps `entry` with `stamp`: an entry already stamped so is left alone; a
    stale or unstamped one that the run does not restamp (with `--check`, or not named) is a
    problem."""
    if entry.get("source") == stamp:
        return False
    if args.check or not (key in args.rules or (not args.rules and "source" not in entry)):
        problems.append(f"{where}: {'stale' if 'source' in entry else 'unstamped'}")
        return False
    return True


def _set_says_stamp(lines: list[str], rule_id: str, stamp: str) -> list[str]:
    """Put `source: STAMP` first in the `says:` of the rule's entry, replacing an old one."""
    start = next(i for i, line in enumerate(lines) if re.match(rf"^  {re.escape(rule_id)}:\s*$", line))
    says = next(i for i in range(start + 1, len(lines)) if re.match(r"^    says:\s*$", lines[i]))
    end = says + 1
    while end < len(lines) and (lines[end].startswith("      ") or not lines[end].strip()):
        end += 1
    body = [line for line in lines[says + 1 : end] if not line.startswith("      source:")]
    return [*lines[: says + 1], f"      source: {_quoted(stamp)}\n", *body, *lines[end:]]


if __name__ == "__main__":
    sys.exit(main())
