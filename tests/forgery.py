"""Ways to forge a signed report, for the tests: revisions written byte by byte (so that no
library adds its own changes), bytes appended or inserted, signature values rewritten, and small
hand-made PDFs that are malformed on purpose."""

from __future__ import annotations

import re
import zlib
from io import BytesIO
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.reader import PdfFileReader


def reader_of(data: bytes) -> PdfFileReader:
    return PdfFileReader(BytesIO(data), strict=False)


def serialise(obj: Any) -> bytes:
    """A PDF object as the bytes that go between `N 0 obj` and `endobj`."""
    if isinstance(obj, bytes):
        return obj
    out = BytesIO()
    obj.write_to_stream(out, None)
    return out.getvalue()


def last_startxref(data: bytes) -> int:
    return int(re.findall(rb"startxref\s+(\d+)\s+%%EOF", data)[-1])


def append_revision(
    data: bytes,
    objects: dict[int, Any],
    *,
    free: tuple[int, ...] = (),
    trailer: dict[str, Any] | None = None,
) -> bytes:
    """`data` with one more revision holding exactly `objects` (by object number), written as a
    classic cross-reference table; `free` marks objects as deleted."""
    reader = reader_of(data)
    old = reader.trailer_view
    out = bytearray(data)
    offsets: dict[int, int] = {}
    for num, obj in sorted(objects.items()):
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num + serialise(obj) + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n"
    for num in sorted(offsets):
        out += b"%d 1\n%010d 00000 n \n" % (num, offsets[num])
    for num in free:
        out += b"%d 1\n%010d 00001 f \n" % (num, 0)
    size = max([int(old["/Size"]), *(n + 1 for n in objects)])
    entries = generic.DictionaryObject(
        {
            pdf_name("/Size"): generic.NumberObject(size),
            pdf_name("/Root"): old.raw_get("/Root"),
            pdf_name("/Prev"): generic.NumberObject(last_startxref(data)),
        }
    )
    for key in ("/Info", "/ID"):
        if key in old:
            entries[pdf_name(key)] = old.raw_get(key)
    for key, value in (trailer or {}).items():
        entries[pdf_name(key)] = value
    out += b"trailer\n" + serialise(entries) + b"\nstartxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)


def current(data: bytes, ref: Any) -> Any:
    """A copy of the current value of an object, to change and write again."""
    reader = reader_of(data)
    return reader.get_object(generic.Reference(ref.idnum, ref.generation, reader))


def catalog(data: bytes) -> tuple[int, Any]:
    root = reader_of(data).trailer_view.raw_get("/Root")
    return root.idnum, current(data, root)


def info(data: bytes) -> tuple[int, Any]:
    ref = reader_of(data).trailer_view.raw_get("/Info")
    return ref.idnum, current(data, ref)


def metadata(data: bytes) -> tuple[int, bytes]:
    _num, root = catalog(data)
    ref = root.raw_get("/Metadata")
    reader = reader_of(data)
    stream = reader.get_object(generic.Reference(ref.idnum, ref.generation, reader))
    return ref.idnum, stream.data


def xml_stream(xml: bytes) -> generic.StreamObject:
    return generic.StreamObject(
        {pdf_name("/Type"): pdf_name("/Metadata"), pdf_name("/Subtype"): pdf_name("/XML")},
        stream_data=xml,
    )


def first_page(data: bytes) -> tuple[int, Any]:
    reader = reader_of(data)
    ref = reader.root["/Pages"]["/Kids"].raw_get(0)
    return ref.idnum, current(data, ref)


def with_dss(data: bytes, objects: dict[int, Any], next_number: int) -> tuple[dict[int, Any], int]:
    """Objects that add an (empty) document security store to the catalog, merged into `objects`."""
    num, root = catalog(data)
    root = objects.get(num, root)
    dss = generic.DictionaryObject({pdf_name("/Certs"): generic.ArrayObject()})
    objects = {**objects, next_number: dss}
    root[pdf_name("/DSS")] = generic.IndirectObject(next_number, 0, None)
    objects[num] = root
    return objects, next_number + 1


def size_of(data: bytes) -> int:
    return int(reader_of(data).trailer_view["/Size"])


def shift_last_revision(data: bytes, at: int, blob: bytes) -> bytes:
    """Insert `blob` at byte `at` (inside the last revision, before its cross-reference table)
    and correct that table's offsets and the final startxref, so that only the inserted bytes
    are out of place."""
    xref_at = last_startxref(data)
    assert at <= xref_at
    head, tail = data[:at], data[at:]
    moved = head + blob + tail
    n = len(blob)
    start = xref_at + n
    end = moved.index(b"trailer", start)

    def shift(m: re.Match[bytes]) -> bytes:
        offset = int(m[1])
        return b"%010d %s n" % (offset + n if offset >= at else offset, m[2])

    table = re.sub(rb"(\d{10}) (\d{5}) n", shift, moved[start:end])
    moved = moved[:start] + table + moved[end:]
    tail_at = moved.rindex(b"startxref")
    return moved[:tail_at] + b"startxref\n%d\n%%%%EOF\n" % (xref_at + n)


def signature_gap(data: bytes, field_index: int = 0) -> tuple[int, int]:
    """Where the hex string of a signature's /Contents lies (from `<` to `>` inclusive)."""
    sig = reader_of(data).embedded_signatures[field_index]
    a, la, b, _lb = (int(x) for x in sig.sig_object["/ByteRange"])
    return a + la, b


def minimal_pdf(objects: dict[int, bytes], root: int = 1, trailer_extra: bytes = b"") -> bytes:
    """A hand-made PDF of the given object bodies, with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for num in sorted(objects):
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num + objects[num] + b"\nendobj\n"
    xref_at = len(out)
    size = max(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for num in range(1, size):
        if num in offsets:
            out += b"%010d 00000 n \n" % offsets[num]
        else:
            out += b"0000000000 00000 f \n"
    out += b"trailer\n<< /Size %d /Root %d 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (
        size,
        root,
        trailer_extra,
        xref_at,
    )
    return bytes(out)


def embedded_json_objects(payload: bytes, *, compressed: bool = False) -> dict[int, bytes]:
    """Objects 5 and 6: an embedded assessment.json file holding `payload` (already deflated when
    `compressed`)."""
    filt = b" /Filter /FlateDecode" if compressed else b""
    return {
        5: b"<< /Type /Filespec /F (assessment.json) /EF << /F 6 0 R >> >>",
        6: b"<< /Type /EmbeddedFile /Length %d%s >>\nstream\n" % (len(payload), filt)
        + payload
        + b"\nendstream",
    }


NAMES = b"/Names << /EmbeddedFiles << /Names [(assessment.json) 5 0 R] >> >>"


def deflate_zeros(total: int, chunk: int = 1 << 20) -> bytes:
    """`total` zero bytes, deflated: a few kilobytes that inflate to `total`."""
    z = zlib.compressobj(9)
    block = bytes(chunk)
    parts = [z.compress(block) for _ in range(total // chunk)]
    parts.append(z.flush())
    return b"".join(parts)
