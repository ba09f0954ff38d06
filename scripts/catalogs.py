#!/usr/bin/env python3
"""The gettext catalogs of the tool's own texts (`locale/`): extract, update, compile, check.

    python scripts/catalogs.py update    # extract the message IDs from compliance/ into
                                         # locale/compliance.pot and merge them into da and sv
    python scripts/catalogs.py compile   # locale/<lang>/LC_MESSAGES/compliance.mo from the .po
    python scripts/catalogs.py check     # exit 1 if a message is missing, untranslated, fuzzy,
                                         # obsolete, or its placeholders differ from the English

Message IDs are the English texts, marked in the code with `_`, `N_`, `gettext`, `ngettext`,
`NP_` (a plural pair) and `pgettext`/`C_` (with a context). Only Babel is needed, so the wheel
build (setup.py) and the bootstrap script can run it.
"""

from __future__ import annotations

import re
import sys
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"
DOMAIN = "compliance"
LANGUAGES = ("da", "sv")
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None, "NP_": (1, 2), "C_": ((1, "c"), 2)}
PLACEHOLDER = re.compile(r"\{[a-z_]*(?::[^}]*)?\}")
HEADER = "The tool's own texts (CLI, summary, report, the engine's sentences). Message IDs are English."


def extract() -> Catalog:
    """Every message ID marked in the package's Python code."""
    template = Catalog(project="compliance-engine", domain=DOMAIN, header_comment=f"# {HEADER}")
    found = extract_from_dir(
        str(ROOT / "compliance"),
        method_map=[("**.py", "python")],
        keywords=KEYWORDS,
        comment_tags=("TRANSLATORS:",),
    )
    for filename, lineno, message, comments, context in found:
        template.add(
            message, locations=[(f"compliance/{filename}", lineno)], auto_comments=comments, context=context
        )
    return template


def po_path(lang: str) -> Path:
    """Where a language's catalog lives."""
    return LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read(lang: str) -> Catalog:
    """A language's catalog (an empty one if it does not exist yet)."""
    path = po_path(lang)
    if not path.exists():
        return Catalog(locale=lang, domain=DOMAIN)
    with path.open("rb") as fh:
        return read_po(fh, locale=lang, domain=DOMAIN)


def write(catalog: Catalog, path: Path) -> None:
    """Write a catalog without dates or line numbers that would change on every run."""
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = BytesIO()
    write_po(buffer, catalog, width=100, sort_output=True, omit_header=False, include_lineno=False)
    text = re.sub(rb'"(POT-Creation-Date|PO-Revision-Date): [^"]*\\n"\n', b"", buffer.getvalue())
    path.write_bytes(text)


def update() -> None:
    """Extract the template and merge it into each language: new messages empty, removed ones gone."""
    template = extract()
    write(template, LOCALE / f"{DOMAIN}.pot")
    for lang in LANGUAGES:
        catalog = read(lang)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        write(catalog, po_path(lang))


def compile_all(target: Path = LOCALE) -> list[Path]:
    """Compile each language's .po into a .mo under `target` (locale/ itself by default)."""
    written = []
    for lang in LANGUAGES:
        mo = target / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
        mo.parent.mkdir(parents=True, exist_ok=True)
        with mo.open("wb") as fh:
            write_mo(fh, read(lang))
        written.append(mo)
    return written


def problems() -> list[str]:
    """What is wrong with the catalogs, one line each; empty when every message is translated."""
    template = extract()
    out: list[str] = []
    for lang in LANGUAGES:
        catalog = read(lang)
        where = po_path(lang).relative_to(ROOT)
        for message in template:
            if not message.id:
                continue
            found = catalog.get(message.id, context=message.context)
            label = message.id[0] if isinstance(message.id, tuple) else message.id
            if found is None:
                out.append(f"{where}: missing: {label!r} (run scripts/catalogs.py update)")
                continue
            strings = found.string if isinstance(found.string, tuple) else (found.string,)
            if not all(strings):
                out.append(f"{where}: untranslated: {label!r}")
            elif found.fuzzy:
                out.append(f"{where}: fuzzy (needs review): {label!r}")
            else:
                ids = message.id if isinstance(message.id, tuple) else (message.id,)
                wanted = set(PLACEHOLDER.findall(" ".join(ids)))
                for s in strings:
                    if set(PLACEHOLDER.findall(s)) != wanted:
                        out.append(f"{where}: placeholders differ from the English in {label!r}: {s!r}")
        known = {(m.id if not isinstance(m.id, tuple) else m.id[0], m.context) for m in template if m.id}
        for message in catalog:
            key = (message.id if not isinstance(message.id, tuple) else message.id[0], message.context)
            if message.id and key not in known:
                out.append(f"{where}: obsolete (no longer in the code): {key[0]!r}")
    return out


def main(argv: list[str]) -> int:
    """The command line of this script."""
    command = argv[1] if len(argv) > 1 else "check"
    if command == "update":
        update()
        return 0
    if command == "compile":
        for path in compile_all():
            print(f"compiled {path.relative_to(ROOT)}")
        return 0
    if command == "check":
        found = problems()
        for line in found:
            print(line)
        if found:
            print(f"{len(found)} problem(s) in the catalogs", file=sys.stderr)
            return 1
        print("every message is translated into " + " and ".join(LANGUAGES))
        return 0
    print(f"usage: {argv[0]} update|compile|check", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
