"""Text from the party being assessed, made safe to print and to lay out.

File names in a supplier's code folder, scanner messages in its SARIF log and names in its SBOM
reach the summary, the terminal and the report. A terminal escape sequence in them could rewrite
what the reader sees (move the cursor, change the window title, hide a line), a bidirectional
override could show text in another order than it is stored, and a C0 control character is not
allowed in the XML of a PDF's metadata. Such characters are shown as visible escapes (`\\x1b`,
`\\u202e`) instead: nothing is lost, and nothing acts.
"""

from __future__ import annotations

import re

# C0 controls but tab and newline, DEL and the C1 controls; the bidirectional embeddings,
# overrides and isolates (U+202A-U+202E, U+2066-U+2069); line and paragraph separators. The
# solution model refuses the same characters in a person's text (`compliance.core.models.common`).
CONTROL = "\x00-\x08\x0b-\x1f\x7f-\x9f"
BIDI = "\u202a-\u202e\u2066-\u2069"
SEPARATORS = "\u2028\u2029"
_UNSAFE = re.compile(f"[{CONTROL}{BIDI}{SEPARATORS}]")
# The same class as JSON Schema writes it (ECMA-262 escapes), for the schema of text fields.
SCHEMA_PATTERN = r"^[^\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029]*$"


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def neutralise(text: str) -> str:
    """`text` with every control, bidirectional override and separator shown as an escape."""
    return _UNSAFE.sub(_escape, text)


def has_unsafe(text: str) -> int | None:
    """The position of the first character `neutralise` would escape, or None."""
    found = _UNSAFE.search(text)
    return None if found is None else found.start()


# The libraries that log about every damaged object of a file they read (pyHanko every failed path
# validation, with a traceback; pypdf every broken object): the command says what matters itself.
NOISY_LIBRARIES = ("pyhanko", "pyhanko_certvalidator", "pypdf")


def quiet_libraries() -> None:
    """Silence the libraries' own logging (`NOISY_LIBRARIES`), unless COMPLIANCE_DEBUG is set; in
    the command and in each child process that reads a supplier's file."""
    import logging
    import os

    if not os.environ.get("COMPLIANCE_DEBUG"):
        for name in NOISY_LIBRARIES:
            logging.getLogger(name).setLevel(logging.CRITICAL)
