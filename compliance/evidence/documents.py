"""The text of a document a supplier hands in (PDF, DOCX, Markdown or plain text), block by block,
each with where it stands: a PDF's page and line, a Word or text document's section and paragraph.

The document comes from the party being assessed, so it is read as hostile: its size is capped
before anything is parsed, a DOCX's zip members are counted and sized before its XML is read (and
the XML is parsed without entities or network), an encrypted or malformed file is refused with a
plain message, and a PDF without a text layer is said to need OCR rather than read as empty.
Nothing in a document is executed or fetched. The command runs `read_as_data` in a child process
with a time and memory limit (compliance.trust.sandbox), so a crafted file cannot hang it.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

from compliance.core.clauses import Block
from compliance.core.errors import InputError, Problem, raised_by
from compliance.core.terminal import quiet_libraries

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_PAGES = 1_000
MAX_MEMBERS = 2_000
MAX_MEMBER_BYTES = 100 * 1024 * 1024
MAX_TOTAL_BYTES = 200 * 1024 * 1024
MAX_RATIO = 200  # unpacked size over packed size, for a member of more than a megabyte
SUFFIXES = (".pdf", ".docx", ".md", ".txt")
# Parts of a Word document that are not text to read, and would run code or fetch content.
_FORBIDDEN = ("word/vbaProject.bin", "word/activeX/", "word/embeddings/")


class DocumentError(InputError):
    """A document that cannot be read: refused with what is wrong."""


def read(path: Path) -> list[Block]:
    """The blocks of a document, by its suffix."""
    name = str(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise DocumentError.single(name, f"not a document this review reads (use {', '.join(SUFFIXES)})")
    from compliance.inputs.files import read_bytes

    data = read_bytes(path, max_bytes=MAX_FILE_BYTES, label=name)
    if suffix == ".pdf":
        return _pdf(data, name)
    if suffix == ".docx":
        return _docx(data, name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DocumentError.single(name, "not UTF-8 text") from None
    return text_blocks(text)


# pypdf and what it reads with: what they raise on a crafted PDF is the file's fault (`raised_by`).
PYPDF = ("pypdf", "zlib", "PIL", "cryptography")


# Every library a document is read with: what one of them raises on a crafted file that no seam
# above names is still the file's fault (`read_as_data`).
DOCUMENT_LIBRARIES = (*PYPDF, "docx", "lxml", "xml", "defusedxml", "zipfile")


def read_as_data(path: str) -> tuple[str, Any]:
    """`read` for a child process (compliance.trust.sandbox): the blocks, or the refusal as data.
    What a reading library raises is a refusal; anything raised in our own code is a bug, which
    the sandbox reports as such (ChildError) and the command ends with an internal error. pypdf's
    warnings about a damaged PDF are not printed: the refusal, or the text read, says enough."""
    quiet_libraries()
    try:
        return "ok", read(Path(path))
    except InputError as exc:
        return "refused", [vars(p) for p in exc.problems]
    except Exception as exc:
        if not raised_by(exc, *DOCUMENT_LIBRARIES):
            raise
        return "refused", [vars(Problem(path, f"a document that cannot be read ({type(exc).__name__})"))]


# ---------------------------------------------------------------------------------------------
# Plain text and Markdown

_HEADING_MD = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_HEADING_NUMBERED = re.compile(
    r"^\s*((?:\d+\.)*\d+\.?|[A-Z]\.|(?:bilag|bilaga|annex|appendix|appendiks|schedule|exhibit|attachment)\s+\w+)\s+(\S.{0,100})$",
    re.I,
)
_ITEM = re.compile(r"^\s*(?:[-*•–]|\(?[a-z]\)|\(?\d{1,2}\)|\d{1,2}\.|\(?[ivx]{1,4}\))\s+(.*)$", re.I)
_CLAUSE_NUMBER = re.compile(r"^((?:\d+\.)+\d+)\.?\s+")
_TABLE_ROW = re.compile(r"^\s*\|(.*)\|\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}")


def text_blocks(text: str) -> list[Block]:
    """Blocks of Markdown or plain text: headings (`#`, or a short numbered line), paragraphs
    (lines up to a blank one), list items and table rows."""
    blocks: list[Block] = []
    section, number = "", 0
    paragraph: list[str] = []

    def flush() -> None:
        nonlocal number
        if paragraph:
            number += 1
            text = " ".join(paragraph)
            own = _CLAUSE_NUMBER.match(text)
            if own is not None:  # "7.2 The processor shall ...": the clause's own number says where
                blocks.append(Block("paragraph", text[own.end() :], f"section {own[1]}", section))
            else:
                blocks.append(Block("paragraph", text, _where(section, number), section))
            paragraph.clear()

    lines = text.splitlines()
    for i, raw in enumerate(lines):
        line = raw.strip()
        heading = _HEADING_MD.match(raw)
        numbered = _HEADING_NUMBERED.match(line) if not heading else None
        if (
            numbered
            and _looks_like_heading(line)
            and _is_list_entry(
                line,
                lines[i - 1].strip() if i else "",
                lines[i + 1].strip() if i + 1 < len(lines) else "",
                " ".join(paragraph) if paragraph else (blocks[-1].text if blocks else ""),
            )
        ):
            numbered = None  # a short entry of a numbered list ("1. Nimbus SARL – hosting")
        if heading or (numbered and _looks_like_heading(line)):
            flush()
            section = _clean(heading[2] if heading else line)
            number = 0
            blocks.append(Block("heading", section, _where(section, 0), section))
        elif not line:
            flush()
        elif _TABLE_RULE.match(line):
            if blocks and blocks[-1].kind == "row":  # the row above a Markdown table's rule is its header
                last = blocks.pop()
                blocks.append(Block("header", last.text, last.where, last.section))
            continue
        elif (row := _TABLE_ROW.match(line)) is not None:
            flush()
            number += 1
            cells = [_clean(c) for c in row[1].split("|")]
            blocks.append(Block("row", " | ".join(cells), _where(section, number), section))
        elif (item := _ITEM.match(line)) is not None:
            flush()
            number += 1
            blocks.append(Block("item", _clean(item[1]), _where(section, number), section))
        else:
            paragraph.append(_clean(line))
    flush()
    return blocks


_LIST_NUMBER = re.compile(r"^(\d{1,2})[.)]\s+\S")
_LIST_NUMBER_TEXT = re.compile(r"^\d{1,2}[.)]\s+")


def _is_list_entry(line: str, before: str, after: str, previous: str) -> bool:
    """A short numbered line that is an entry of a list, not a heading: the numbering runs on from
    the line just before it or into the line just after it (a heading has its text between it and
    the next), or the paragraph before it leads into a list (it ends with a colon)."""
    number = _LIST_NUMBER.match(line)
    if number is None:
        return False
    own = int(number[1])
    for neighbour, step in ((before, -1), (after, 1)):
        other = _LIST_NUMBER.match(neighbour)
        if other is not None and int(other[1]) == own + step:
            return True
    return previous.rstrip().endswith(":")


def _looks_like_heading(line: str) -> bool:
    """A short numbered line without a sentence's end: '7. Sub-processors', '7.1 Notice'."""
    return len(line) <= 90 and not line.rstrip().endswith((".", ";", ":", ",")) and len(line.split()) <= 10


def _clean(text: str) -> str:
    text = re.sub(r"[*_`]{1,3}([^*_`]+)[*_`]{1,3}", r"\1", text)  # Markdown emphasis
    return " ".join(text.split())


def _where(section: str, paragraph: int) -> str:
    number = re.match(r"^((?:\d+\.)*\d+)\.?\s", section + " ")
    name = f"section {number[1]}" if number else (f"“{section}”" if section else "the opening")
    return f"{name}, paragraph {paragraph}" if paragraph else name


# ---------------------------------------------------------------------------------------------
# Word


def _docx(data: bytes, name: str) -> list[Block]:
    import io

    _check_zip(data, name)
    try:
        import docx
        from docx.opc.exceptions import PackageNotFoundError
        from docx.table import Table
        from docx.text.paragraph import Paragraph
    except ImportError:  # pragma: no cover - a runtime dependency
        raise DocumentError.single(name, "python-docx is not installed") from None
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise DocumentError.single(name, f"not a Word document that can be read ({exc})") from None
    except Exception as exc:  # lxml's own errors: a malformed part
        if not raised_by(exc, "docx", "lxml", "xml", "zipfile", "zlib"):
            raise
        raise DocumentError.single(name, f"a malformed Word document ({type(exc).__name__})") from None
    blocks: list[Block] = []
    section, number = "", 0
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = Paragraph(child, document)
            text = _clean(paragraph.text)
            if not text:
                continue
            style = (paragraph.style.name if paragraph.style is not None else "") or ""
            if style.lower().startswith(("heading", "title", "overskrift", "rubrik")):
                section, number = text, 0
                blocks.append(Block("heading", text, _where(section, 0), section))
                continue
            number += 1
            kind = "item" if "list" in style.lower() else "paragraph"
            own = _CLAUSE_NUMBER.match(text)
            if own is not None and kind == "paragraph":  # "7.2 The processor shall ...": its own number
                blocks.append(Block(kind, text[own.end() :], f"section {own[1]}", section))
            else:
                blocks.append(Block(kind, text, _where(section, number), section))
        elif tag == "tbl":
            table = Table(child, document)
            for row in table.rows:
                cells: list[str] = []
                for cell in row.cells:
                    value = _clean(cell.text)
                    if not cells or value != cells[-1]:  # a merged cell repeats itself
                        cells.append(value)
                number += 1
                blocks.append(Block("row", " | ".join(cells), _where(section, number), section))
    blocks += _footnotes(data, name)
    return blocks


def _footnotes(data: bytes, name: str) -> list[Block]:
    """Footnotes and endnotes, which python-docx does not read, parsed without entities."""
    import io

    from defusedxml import ElementTree

    out: list[Block] = []
    namespace = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for part, label in (("word/footnotes.xml", "footnote"), ("word/endnotes.xml", "endnote")):
            if part not in archive.namelist():
                continue
            try:
                root = ElementTree.fromstring(archive.read(part))
            except Exception as exc:
                if not raised_by(exc, "defusedxml", "xml", "zipfile", "zlib"):
                    raise
                raise DocumentError.single(name, f"{part}: malformed or refused XML") from None
            for note in root:
                note_id = note.get(f"{namespace}id", "")
                if note_id in ("-1", "0"):  # the separators Word writes
                    continue
                text = _clean("".join(t.text or "" for t in note.iter(f"{namespace}t")))
                if text:
                    out.append(Block("paragraph", text, f"{label} {note_id}", ""))
    return out


def _check_zip(data: bytes, name: str) -> None:
    """Refuse, before any XML is read, an archive that is no plain Word document of a sane size."""
    import io

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise DocumentError.single(name, "not a Word document (not a zip archive)") from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise DocumentError.single(name, f"{len(members)} parts: refused")
        total = 0
        for member in members:
            if member.flag_bits & 0x1:
                raise DocumentError.single(name, "an encrypted Word document: save it without a password")
            if member.file_size > MAX_MEMBER_BYTES or (
                member.file_size > 1 << 20 and member.file_size > MAX_RATIO * max(member.compress_size, 1)
            ):
                raise DocumentError.single(
                    name, f"{member.filename}: {member.file_size} bytes unpacked: refused"
                )
            if member.filename.startswith(_FORBIDDEN):
                raise DocumentError.single(
                    name, f"{member.filename}: macros and embedded objects are refused"
                )
            total += member.file_size
        if total > MAX_TOTAL_BYTES:
            raise DocumentError.single(name, f"{total} bytes unpacked: refused")
        if "word/document.xml" not in archive.namelist():
            raise DocumentError.single(name, "not a Word document (no word/document.xml)")


# ---------------------------------------------------------------------------------------------
# PDF


def _pdf(data: bytes, name: str) -> list[Block]:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError.single(name, "an encrypted PDF: remove the password and hand it in again")
        pages = list(reader.pages)
    except DocumentError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, RecursionError, OSError) as exc:
        raise DocumentError.single(name, f"a malformed PDF ({type(exc).__name__})") from None
    except Exception as exc:  # pypdf raises others on crafted files (NotImplementedError for encryption)
        if not raised_by(exc, *PYPDF):
            raise
        raise DocumentError.single(name, f"a PDF that cannot be read ({type(exc).__name__})") from None
    if len(pages) > MAX_PAGES:
        raise DocumentError.single(name, f"{len(pages)} pages: refused")
    blocks: list[Block] = []
    section = ""
    any_text = False
    # A paragraph runs on over a page break; it stands where it starts.
    paragraph: list[str] = []
    where = ""
    for page_number, page in enumerate(pages, start=1):
        try:
            text = page.extract_text() or ""
        except Exception as exc:  # a crafted page
            if not raised_by(exc, *PYPDF):
                raise
            raise DocumentError.single(
                name, f"page {page_number} cannot be read ({type(exc).__name__})"
            ) from None
        lines = [(i, " ".join(line.split())) for i, line in enumerate(text.splitlines(), start=1)]
        lines = [(i, line) for i, line in lines if line]
        any_text = any_text or bool(lines)
        width = max((len(line) for _, line in lines), default=0)
        columns = 0  # the cells of the table being read, after its header row
        n = 0
        while n < len(lines):
            i, line = lines[n]
            here = f"page {page_number}, line {i}"
            numbered = (
                _HEADING_NUMBERED.match(line) is not None
                and _looks_like_heading(line)
                # a number that a wrapped sentence carries onto the next line ("... senast" / "72
                # timmar efter ...") starts no heading
                and not (paragraph and len(paragraph[-1]) >= 0.75 * width)
            )
            if numbered and _is_list_entry(
                line,
                lines[n - 1][1] if n else "",
                lines[n + 1][1] if n + 1 < len(lines) else "",
                " ".join(paragraph) if paragraph else (blocks[-1].text if blocks else ""),
            ):
                # a short entry of a numbered list ("1. Nimbus SARL – hosting"): an item
                _flush(blocks, paragraph, where, section)
                blocks.append(Block("item", _LIST_NUMBER_TEXT.sub("", line), here, section))
                n += 1
                continue
            if numbered:
                _flush(blocks, paragraph, where, section)
                section = line
                blocks.append(Block("heading", line, here, section))
                n += 1
                continue
            following = lines[n + 1][1] if n + 1 < len(lines) else ""
            if not paragraph and not columns and _is_table_header(line, following):
                # the header row of a table laid out as lines ("Name – Service – Country"): the
                # lines after it with as many cells are its rows
                _flush(blocks, paragraph, where, section)
                blocks.append(Block("header", line, here, section))
                columns = len(_cells(line))
                n += 1
                continue
            if columns and len(_cells(line)) != columns and not _ENTRY.search(line):
                columns = 0
            bullet = _BULLET.match(line)
            if (
                bullet is not None
                or (columns and not paragraph)
                or (_ENTRY.search(line) and not line.endswith((".", ":", ";")) and len(line) <= 160)
            ):
                # a bulleted line, or a line of a table or list that names a company: an entry of
                # its own, with the lines it wraps onto (a line as wide as the page's widest, or
                # one that ends in a dash or comma, runs on, unless the next starts an entry)
                _flush(blocks, paragraph, where, section)
                entry = line[bullet.end() :] if bullet is not None else line
                last = line
                while (
                    n + 1 < len(lines)
                    and not last.endswith((".", ";"))
                    and (len(last) >= 0.75 * width or last.endswith(("–", "-", ",", ":")))
                    and not _starts_entry(lines[n + 1][1])
                    and not (columns and len(_cells(lines[n + 1][1])) == columns)
                ):
                    n += 1
                    last = lines[n][1]
                    entry += " " + last
                blocks.append(Block("item" if bullet is not None else "row", _dehyphen(entry), here, section))
                n += 1
                continue
            if not paragraph:
                where = here
            paragraph.append(line)
            if line.endswith((".", ":", ";")) and not re.search(
                r"\b(?:art|nr|no|stk|kap|pkt|jf|fx|t\.ex|e\.g|i\.e)\.$", line, re.I
            ):
                _flush(blocks, paragraph, where, section)
            n += 1
    _flush(blocks, paragraph, where, section)
    if not any_text:
        raise DocumentError.single(
            name, "no text: the PDF has no text layer (a scan); OCR is needed before it can be reviewed"
        )
    return blocks


# A company's legal form: a line that names one and is no sentence is an entry of a list or table.
_ENTRY = re.compile(
    r"(?<![\w/])(?:AB|A/S|ApS|ASA|Oyj?|GmbH|AG|Ltd|Limited|Inc|LLC|SARL|S\.A\.|B\.V\.|BV|N\.V\.|Corp|plc|KB|HB|I/S|P/S|S\.r\.l\.|SAS)(?![\w/])"
)


_BULLET = re.compile(r"^[•▪◦●‣∙·*-]\s+")
_CELL_SEPARATOR = re.compile(r"\s[–|]\s")


def _cells(line: str) -> list[str]:
    """A line's cells, where a table laid out as text separates them with dashes or bars."""
    return [c.strip() for c in _CELL_SEPARATOR.split(line)]


def _is_table_header(line: str, following: str) -> bool:
    """A table's header row laid out as a line: two or more short labels ("Sub-processor – Service
    – Country"), none ending a sentence, with a row of as many cells, or a company's, after it."""
    cells = _cells(line)
    return (
        len(cells) >= 2
        and all(c and len(c.split()) <= 5 and not c.endswith((".", ",", ";", ":")) for c in cells)
        and not _HEADING_NUMBERED.match(line)
        and not _BULLET.match(line)
        and (len(_cells(following)) == len(cells) or _ENTRY.search(following) is not None)
        and not _ENTRY.search(line)
    )


def _starts_entry(line: str) -> bool:
    """A PDF line that opens a block of its own: a bullet, a numbered heading, a company's name."""
    return (
        _BULLET.match(line) is not None
        or (_HEADING_NUMBERED.match(line) is not None and _looks_like_heading(line))
        or _ENTRY.search(line) is not None
    )


def _flush(blocks: list[Block], paragraph: list[str], where: str, section: str) -> None:
    """The lines gathered so far as one paragraph, if any; the gathering starts anew."""
    if paragraph:
        text = _dehyphen(" ".join(paragraph))
        own = _CLAUSE_NUMBER.match(text)  # "7.2 The processor shall ...": the number is no part of it
        blocks.append(Block("paragraph", text[own.end() :] if own is not None else text, where, section))
        paragraph.clear()


def _dehyphen(text: str) -> str:
    return re.sub(r"(\w)- (\w)", r"\1\2", text)


def as_data(blocks: list[Block]) -> list[dict[str, Any]]:
    """Blocks as plain data (for the JSON of a review)."""
    return [{"kind": b.kind, "text": b.text, "where": b.where, "section": b.section} for b in blocks]
