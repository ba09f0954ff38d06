"""What a signed report may hold besides the bytes its signature covers.

A signature covers its own revision. PAdES lets a file grow after that only to keep the signature
verifiable for longer: revocation data in a document security store (`/DSS`) and document
timestamps. This module decides, by its own rules and independently of pyHanko's difference
analysis, whether every byte and every object after the report's signature is such a change:

- **layout**: every byte after the signed range belongs to a revision that the final `startxref`
  reaches, made of exactly the objects its cross-reference section lists, ending in `%%EOF` with
  at most one end-of-line after the last one;
- **objects**: a later revision may add or extend `/DSS` (with the catalog's `/Extensions` entry
  for it) and add document-timestamp fields with invisible widgets; in such a revision it may also
  update `/ModDate` and `/Producer` in the document information and `xmp:ModifyDate`,
  `xmp:MetadataDate` and `pdf:Producer` in the XMP metadata. Nothing else may change;
- **signature values**: `/Contents` holds exactly what our signer writes, the DER-encoded CMS in
  upper-case hex followed only by `0` padding, and the parts of the CMS no signature covers (its
  length, versions, digest algorithm list, content type) are what a signer writes.

Each function returns the problems it found as plain sentences; an empty list means none.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any
from xml.etree import ElementTree

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.xref import XRefSectionType, read_object_header

WHITESPACE = b" \t\r\n\f\x00"
EOL = re.compile(rb"\r\n|\r|\n")
HEX_DIGITS = re.compile(rb"[0-9A-Fa-f]*")
MAX_GAP = 2  # bytes of white space a writer puts between two objects (an end-of-line)

XMP_NS = "http://ns.adobe.com/xap/1.0/"
PDF_NS = "http://ns.adobe.com/pdf/1.3/"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XMP_MAY_CHANGE = {f"{{{XMP_NS}}}ModifyDate", f"{{{XMP_NS}}}MetadataDate", f"{{{PDF_NS}}}Producer"}
INFO_MAY_CHANGE = {"/ModDate", "/Producer"}
DSS_KEYS = {"/Type", "/Certs", "/OCSPs", "/CRLs", "/VRI"}
VRI_KEYS = {"/Type", "/Cert", "/OCSP", "/CRL", "/TU", "/TS"}
EXTENSIONS_FOR_DSS = {"/ESIC"}  # the developer extension PAdES names for the DSS
STREAM_KEYS_MAY_CHANGE = {"/Length", "/Filter", "/DecodeParms"}
MAX_XMP_BYTES = 1 << 20

# What a reader would call the catalog entries a later revision must not touch.
CATALOG_WORDS = {
    "/Version": "the PDF version",
    "/ViewerPreferences": "the viewer preferences (such as the title shown in the window)",
    "/Names": "the named objects (embedded files, destinations, scripts)",
    "/Outlines": "the bookmarks",
    "/Pages": "the pages",
    "/OpenAction": "what a viewer does when it opens the file",
    "/AA": "actions run on document events",
    "/Metadata": "the XMP metadata",
    "/Perms": "the certification (permissions)",
    "/AcroForm": "the form fields",
    "/Lang": "the document language",
    "/PageLabels": "the page labels",
    "/PageMode": "how the viewer opens",
    "/PageLayout": "the page layout",
    "/StructTreeRoot": "the document structure (tags)",
    "/MarkInfo": "the tagging information",
    "/OutputIntents": "the output intents (colour profile)",
    "/AF": "the associated files",
    "/URI": "the base address of links",
    "/OCProperties": "the optional content (layers)",
}


@dataclass
class _Revision:
    """One later revision: what it overwrote, what it added, and what that was allowed to do."""

    number: int
    changed: dict[tuple[int, int], tuple[Any, Any]] = field(default_factory=dict)
    added: dict[tuple[int, int], Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    new_fields: list[tuple[int, int]] = field(default_factory=list)
    new_annotations: list[tuple[int, int]] = field(default_factory=list)
    roots: list[Any] = field(default_factory=list)  # values (or object keys) that may reach new objects
    dss: list[Any] = field(default_factory=list)  # a new /DSS value of the catalog, to judge
    purpose: bool = False  # it adds or extends /DSS or adds a document timestamp
    metadata_changed: bool = False  # it changed /Info or the XMP (allowed only with a purpose)

    def problem(self, text: str) -> None:
        self.problems.append(f"revision {self.number + 1}: {text}")


def _key(ref: Any) -> tuple[int, int]:
    return (int(ref.idnum), int(ref.generation))


def _raw_items(d: Any) -> Iterator[tuple[str, Any]]:
    return iter(dict.items(d))


def _raw_list(a: Any) -> list[Any]:
    return list(list.__iter__(a))


def same(a: Any, b: Any) -> bool:
    """Structural equality of two PDF values, references compared as references."""
    if isinstance(a, generic.IndirectObject) or isinstance(b, generic.IndirectObject):
        return (
            isinstance(a, generic.IndirectObject)
            and isinstance(b, generic.IndirectObject)
            and _key(a) == _key(b)
        )
    if isinstance(a, generic.StreamObject) or isinstance(b, generic.StreamObject):
        return (
            isinstance(a, generic.StreamObject)
            and isinstance(b, generic.StreamObject)
            and _same_dict(a, b)
            and a.encoded_data == b.encoded_data
        )
    if isinstance(a, generic.DictionaryObject) or isinstance(b, generic.DictionaryObject):
        return (
            isinstance(a, generic.DictionaryObject)
            and isinstance(b, generic.DictionaryObject)
            and _same_dict(a, b)
        )
    if isinstance(a, generic.ArrayObject) or isinstance(b, generic.ArrayObject):
        if not (isinstance(a, generic.ArrayObject) and isinstance(b, generic.ArrayObject)):
            return False
        xs, ys = _raw_list(a), _raw_list(b)
        return len(xs) == len(ys) and all(same(x, y) for x, y in zip(xs, ys, strict=True))
    return type(a) is type(b) and bool(a == b)


def _same_dict(a: Any, b: Any, ignore: Iterable[str] = ()) -> bool:
    skip = set(ignore)
    ka = {k for k in dict.keys(a) if k not in skip}
    kb = {k for k in dict.keys(b) if k not in skip}
    return ka == kb and all(same(dict.__getitem__(a, k), dict.__getitem__(b, k)) for k in ka)


def _differing_keys(a: Any, b: Any) -> list[str]:
    keys = set(dict.keys(a)) | set(dict.keys(b))
    return sorted(
        k
        for k in keys
        if k not in dict.keys(a)
        or k not in dict.keys(b)
        or not same(dict.__getitem__(a, k), dict.__getitem__(b, k))
    )


# ---------------------------------------------------------------------------------------------
# Signature values


def _der_length(data: bytes) -> int | None:
    """The length of the DER value at the start of `data`, header included; None if malformed."""
    if len(data) < 2:
        return None
    if data[1] < 0x80:
        return 2 + data[1]
    n = data[1] & 0x7F
    if n == 0 or n > 4 or len(data) < 2 + n:
        return None
    return 2 + n + int.from_bytes(data[2 : 2 + n], "big")


def signature_value_problems(data: bytes, sig: Any, name: str) -> list[str]:
    """The bytes between the two signed ranges must be `<`, the CMS value in upper-case hex, `0`
    padding and `>`: the reserved space is the one region no signature covers, so any other byte
    there (a case change, white space, hidden data) is a change nobody signed."""
    try:
        a, la, b, _lb = (int(x) for x in sig.sig_object["/ByteRange"])
    except (KeyError, TypeError, ValueError):
        return [f"{name}: its byte range cannot be read"]
    gap = data[a + la : b]
    if len(gap) < 2 or gap[:1] != b"<" or gap[-1:] != b">":
        return [f"{name}: the space between the signed ranges is not one hex string"]
    digits = gap[1:-1]
    contents: bytes = sig.pkcs7_content
    length = _der_length(contents)
    if length is None or length > len(contents):
        return [f"{name}: the signature value is not a DER-encoded CMS structure"]
    if not HEX_DIGITS.fullmatch(digits):
        return [f"{name}: the signature value holds other characters than hex digits (such as white space)"]
    expected = contents[:length].hex().upper().encode("ascii")
    if not digits.startswith(expected):
        if digits[: len(expected)].upper() == expected:
            return [f"{name}: the signature value is written in lower-case, which the signer never writes"]
        return [f"{name}: the signature value in the file is not the one that was verified"]
    shape = _cms_shape_problem(contents[:length], timestamp=sig.sig_object_type == "/DocTimeStamp")
    if shape is not None:
        return [f"{name}: {shape}"]
    padding = digits[len(expected) :]
    if padding.strip(b"0"):
        odd = len(padding) - padding.count(b"0")
        return [
            f"{name}: {odd} byte(s) other than the zero padding follow the signature in the space "
            "reserved for it, which no signature covers"
        ]
    return []


def _cms_shape_problem(der: bytes, *, timestamp: bool = False) -> str | None:
    """The parts of the CMS structure that its signature does not cover must be what a signer
    writes, or a change there goes unseen: the outer length (which could swallow the padding), the
    versions, the digest algorithms listed outside the signer's information and the kind of
    content signed (detached PDF data for our signature; the time-stamp information for a document
    timestamp, RFC 3161). A structure that does not read back to the same bytes (DER) was changed."""
    from asn1crypto import cms

    try:
        info = cms.ContentInfo.load(der, strict=True)
        if info["content_type"].native != "signed_data":
            return "the signature value is not a CMS signed-data structure"
        signed = info["content"]
        signers = list(signed["signer_infos"])
        if len(signers) != 1:
            return f"the signature value holds {len(signers)} signers, where the signer writes one"
        signer = signers[0]
        digest = signer["digest_algorithm"]
        if info.copy().dump(force=True) != der:
            return "the signature value is not encoded as the signer encodes it (DER)"
        content = signed["encap_content_info"]
        listed = [a.dump() for a in signed["digest_algorithms"]]
        if timestamp:
            # RFC 3161 and RFC 5652 5.1: a time-stamp token's content is its TSTInfo, so v3
            if signed["version"].native != "v3" or signer["version"].native not in ("v1", "v3"):
                return "the timestamp names a CMS version a time-stamp token never has"
            if digest.dump() not in listed:
                return "the digest algorithms listed in the timestamp do not include the one it was made with"
            if content["content_type"].native != "tst_info" or content["content"].native is None:
                return "the timestamp does not hold time-stamp information"
            return None
        if signed["version"].native != "v1" or signer["version"].native != "v1":
            return "the signature value names a CMS version the signer never writes"
        if listed != [digest.dump()] or digest["parameters"].native is not None:
            return "the digest algorithms listed in the signature value are not the one it was made with"
        if content["content_type"].native != "data" or content["content"].native is not None:
            return "the signature value does not sign detached PDF data, as the signer's signatures do"
    except (ValueError, TypeError, KeyError, AttributeError):
        return "the signature value is not a well-formed CMS structure"
    return None


# ---------------------------------------------------------------------------------------------
# Layout: every byte after the signed range belongs to a reachable revision


def _skip_whitespace(data: bytes, pos: int) -> int:
    while pos < len(data) and data[pos] in WHITESPACE:
        pos += 1
    return pos


def _revision_end(data: bytes, reader: Any, revision: int) -> int:
    """Where a revision ends: after its `%%EOF` and at most one end-of-line. Raises ValueError
    when its tail is not `startxref`, the offset and `%%EOF`."""
    meta = reader.xrefs.get_xref_container_info(revision)
    pos = meta.end_location
    if meta.xref_section_type is XRefSectionType.STANDARD:
        pos = _skip_whitespace(data, pos)
        if data.startswith(b"trailer", pos):
            pos = _skip_whitespace(data, pos + len(b"trailer"))
        stream = BytesIO(data)
        stream.seek(pos)
        generic.DictionaryObject.read_from_stream(stream, generic.TrailerReference(reader))  # type: ignore[no-untyped-call]
        pos = stream.tell()
    else:
        pos = _skip_whitespace(data, pos)
        if not data.startswith(b"endobj", pos):
            raise ValueError("its cross-reference stream does not end with endobj")
        pos += len(b"endobj")
    tail = re.compile(rb"[ \t\r\n\f\x00]{0,4}startxref(?:\r\n|\r|\n)(\d+)(?:\r\n|\r|\n)%%EOF(\r\n|\r|\n)?")
    m = tail.match(data, pos)
    if m is None:
        raise ValueError("it does not end with startxref, its offset and %%EOF")
    if int(m[1]) != meta.declared_startxref:
        raise ValueError("its startxref points elsewhere than its cross-reference section")
    return m.end()


def _object_end(data: bytes, reader: Any, offset: int, ref: tuple[int, int]) -> int:
    """Where the indirect object written at `offset` ends (after `endobj`)."""
    stream = BytesIO(data)
    stream.seek(offset)
    idnum, generation = read_object_header(stream, strict=True)  # type: ignore[no-untyped-call]
    if (idnum, generation) != ref:
        raise ValueError(f"object {ref[0]} is not where its cross-reference entry says")
    generic.read_object(stream, generic.Reference(idnum, generation, reader))
    pos = _skip_whitespace(data, stream.tell())
    if not data.startswith(b"endobj", pos):
        raise ValueError(f"object {ref[0]} does not end with endobj")
    return pos + len(b"endobj")


def layout_problems(data: bytes, reader: Any, signed_revision: int, signed_end: int) -> list[str]:
    """Every byte after the signed range must belong to a later revision that the final
    `startxref` reaches; nothing may follow the last `%%EOF` but one end-of-line."""
    xrefs = reader.xrefs
    last = xrefs.total_revisions - 1
    try:
        end = _revision_end(data, reader, signed_revision)
    except (ValueError, PdfError) as exc:
        return [f"the signed revision's end cannot be found: {exc}"]
    if end != signed_end and not (end > signed_end and EOL.fullmatch(data[signed_end:end])):
        return ["the signature does not end where its revision ends"]
    position = end
    problems: list[str] = []
    for revision in range(signed_revision + 1, last + 1):
        meta = xrefs.get_xref_container_info(revision)
        if meta.xref_section_type not in (XRefSectionType.STANDARD, XRefSectionType.STREAM):
            problems.append(
                f"revision {revision + 1}: a hybrid cross-reference section, which no signer writes"
            )
            return problems
        entries = xrefs.get_xref_data(revision)
        offsets: list[tuple[int, tuple[int, int]]] = []
        for ref in xrefs.explicit_refs_in_revision(revision):
            marker = entries.try_resolve(ref)
            if isinstance(marker, int) and ref != meta.stream_ref:
                offsets.append((marker, _key(ref)))
        offsets.sort()
        try:
            for offset, ref in offsets:
                gap = data[position:offset]
                if offset < position or len(gap) > MAX_GAP or gap.strip(WHITESPACE):
                    raise ValueError(f"bytes outside any object before object {ref[0]} (at byte {position})")
                position = _object_end(data, reader, offset, ref)
            gap = data[position : meta.declared_startxref]
            if meta.declared_startxref < position or len(gap) > MAX_GAP or gap.strip(WHITESPACE):
                raise ValueError(
                    f"bytes outside any object before its cross-reference section (at byte {position})"
                )
            position = _revision_end(data, reader, revision)
        except (ValueError, PdfError) as exc:
            problems.append(f"revision {revision + 1}: {exc}")
            return problems
    if position != len(data):
        extra = len(data) - position
        problems.append(
            f"{extra} byte(s) after the end of the last revision that no revision holds (appended "
            "after %%EOF, or a revision the final startxref does not reach)"
        )
    return problems


# ---------------------------------------------------------------------------------------------
# Objects: what each later revision changed


def revision_problems(reader: Any, signed_revision: int) -> list[str]:
    """Judge every revision after the signed one object by object."""
    problems: list[str] = []
    for number in range(signed_revision + 1, reader.xrefs.total_revisions):
        try:
            problems += _judge_revision(reader, number)
        except (PdfError, KeyError, ValueError, TypeError, AttributeError, IndexError) as exc:
            problems.append(f"revision {number + 1}: cannot be read: {type(exc).__name__}: {exc}")
    return problems


def _get(reader: Any, ref: Any, revision: int) -> Any:
    return reader.get_object(generic.Reference(ref[0], ref[1], reader), revision=revision)


def _judge_revision(reader: Any, number: int) -> list[str]:
    xrefs = reader.xrefs
    rev = _Revision(number)
    prev = number - 1
    meta = xrefs.get_xref_container_info(number)
    for ref in xrefs.refs_freed_in_revision(number):
        rev.problem(f"deletes object {ref.idnum}")
    containers = {_key(r) for r in xrefs.object_streams_used_in(number)}
    if meta.stream_ref is not None:
        containers.add(_key(meta.stream_ref))
    prev_size = xrefs.get_xref_container_info(prev).size
    for ref in xrefs.explicit_refs_in_revision(number):
        key = _key(ref)
        if key in containers:
            continue
        new = _get(reader, key, number)
        existed = ref.idnum < prev_size and xrefs.get_historical_ref(ref, prev) is not None
        if existed:
            rev.changed[key] = (_get(reader, key, prev), new)
        else:
            rev.added[key] = new

    old_trailer = reader.trailer.flatten(prev)
    new_trailer = reader.trailer.flatten(number)
    for name in ("/Root", "/Info", "/Encrypt"):
        o, n = dict.get(old_trailer, name), dict.get(new_trailer, name)
        if (o is None) != (n is None) or (o is not None and not same(o, n)):
            rev.problem(f"replaces the trailer's {name}")
    root_key = _key(old_trailer.raw_get("/Root"))
    info = dict.get(old_trailer, "/Info")
    info_key = _key(info) if isinstance(info, generic.IndirectObject) else None
    old_root = _get(reader, root_key, prev)

    def indirect(d: Any, name: str) -> tuple[int, int] | None:
        value = dict.get(d, name)
        return _key(value) if isinstance(value, generic.IndirectObject) else None

    metadata_key = indirect(old_root, "/Metadata")
    acroform_key = indirect(old_root, "/AcroForm")
    dss_key = indirect(old_root, "/DSS")

    for key, (old, new) in sorted(rev.changed.items()):
        if same(old, new):
            continue  # written again unchanged
        if key == root_key:
            _judge_catalog(rev, old, new)
        elif key == info_key:
            _judge_info(rev, old, new)
        elif key == metadata_key:
            _judge_xmp(rev, old, new)
        elif key == acroform_key:
            _judge_acroform(rev, old, new)
        elif key == dss_key:
            _judge_dss(rev, new)
        elif isinstance(old, generic.DictionaryObject) and dict.get(old, "/Type") == "/Page":
            _judge_page(rev, key, old, new)
        elif _is_annots_array_of_a_page(reader, key, prev):
            _judge_appended(rev, old, new, rev.new_annotations, "the annotations of a page")
        else:
            rev.problem(f"changes {_describe(old)} (object {key[0]})")
    for value in rev.dss:
        if isinstance(value, generic.IndirectObject):
            rev.roots.append(value)
            value = _get(reader, _key(value), number)
        _judge_dss(rev, value)
    _judge_new_fields(reader, rev)
    _judge_new_objects(rev)
    if rev.metadata_changed and not rev.purpose:
        rev.problem(
            "changes the document information or metadata without adding revocation data or a "
            "document timestamp"
        )
    return rev.problems


def _describe(obj: Any) -> str:
    if isinstance(obj, generic.StreamObject):
        kind = dict.get(obj, "/Type") or dict.get(obj, "/Subtype")
        return f"a stream ({kind})" if kind else "a stream (such as page content)"
    if isinstance(obj, generic.DictionaryObject):
        kind = dict.get(obj, "/Type") or dict.get(obj, "/Subtype") or dict.get(obj, "/FT")
        words = {
            "/Page": "a page",
            "/Pages": "the page tree",
            "/Annot": "an annotation",
            "/Outlines": "the bookmarks",
            "/Filespec": "an embedded file's description",
            "/EmbeddedFile": "an embedded file",
            "/Sig": "a signature",
            "/DocTimeStamp": "a document timestamp",
            "/Font": "a font",
            "/StructElem": "the document structure",
            "/Action": "an action",
        }
        return words.get(str(kind), f"a dictionary ({kind})" if kind else "a dictionary")
    if isinstance(obj, generic.ArrayObject):
        return "an array"
    return "an object"


def _judge_catalog(rev: _Revision, old: Any, new: Any) -> None:
    for key in _differing_keys(old, new):
        o, n = dict.get(old, key), dict.get(new, key)
        if key == "/DSS" and n is not None:
            rev.purpose = True
            rev.dss.append(n)
        elif key == "/Extensions" and n is not None:
            _judge_extensions(rev, o, n)
        elif (
            key == "/AcroForm"
            and isinstance(o, generic.DictionaryObject)
            and isinstance(n, generic.DictionaryObject)
        ):
            _judge_acroform(rev, o, n)
        else:
            what = CATALOG_WORDS.get(key, f"the catalog entry {key}")
            rev.problem(f"changes {what}")


def _judge_extensions(rev: _Revision, old: Any, new: Any) -> None:
    if isinstance(new, generic.IndirectObject):
        rev.problem("replaces the catalog's developer extensions")
        return
    old = old if isinstance(old, generic.DictionaryObject) else generic.DictionaryObject()  # type: ignore[no-untyped-call]
    for key in _differing_keys(old, new):
        if key not in EXTENSIONS_FOR_DSS or key in dict.keys(old):
            rev.problem(f"changes the developer extension {key}")


def _judge_info(rev: _Revision, old: Any, new: Any) -> None:
    rev.metadata_changed = True
    for key in _differing_keys(old, new):
        if key in INFO_MAY_CHANGE:
            value = dict.get(new, key)
            if value is not None and not isinstance(
                value, generic.TextStringObject | generic.ByteStringObject
            ):
                rev.problem(f"sets the document information's {key} to something other than text")
        else:
            words = {"/Title": "title", "/Author": "author", "/Subject": "subject", "/Keywords": "keywords"}
            rev.problem(f"changes the document's {words.get(key, key)} in its document information")


def _xmp_properties(stream: Any) -> dict[str, list[str]]:
    """XMP properties by expanded name, each value serialised canonically; raises ValueError."""
    raw = stream.data
    if len(raw) > MAX_XMP_BYTES:
        raise ValueError("the XMP metadata is larger than any report writes")
    if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
        raise ValueError("the XMP metadata declares a document type or entities")
    try:
        root = ElementTree.fromstring(raw)  # noqa: S314 (no DTD or entities, checked above)
    except ElementTree.ParseError as exc:
        raise ValueError(f"the XMP metadata is not well-formed XML: {exc}") from None
    props: dict[str, list[str]] = {}
    for desc in root.iter(f"{{{RDF_NS}}}Description"):
        for name, value in desc.attrib.items():
            if name != f"{{{RDF_NS}}}about":
                props.setdefault(name, []).append(value)
        for child in desc:
            props.setdefault(child.tag, []).append(_canonical(child))
    return props


def _canonical(element: ElementTree.Element, skip: frozenset[str] = frozenset()) -> str:
    """The element as text, attributes sorted, white space around texts ignored, and any
    attribute or child named in `skip` left out."""
    attrs = ",".join(f"{k}={v}" for k, v in sorted(element.attrib.items()) if k not in skip)
    inner = "".join(_canonical(c, skip) for c in element if c.tag not in skip)
    return f"<{element.tag} {attrs}>{(element.text or '').strip()}{inner}</>{(element.tail or '').strip()}"


XMP_TOOLKIT = "{adobe:ns:meta/}xmptk"  # the writer's name on the packet, rewritten by each writer


def _xmp_rest(stream: Any) -> str:
    """The whole XMP packet but the properties a writer may update."""
    root = ElementTree.fromstring(stream.data)  # noqa: S314 (checked by _xmp_properties first)
    return _canonical(root, frozenset(XMP_MAY_CHANGE | {XMP_TOOLKIT}))


def _judge_xmp(rev: _Revision, old: Any, new: Any) -> None:
    rev.metadata_changed = True
    if not isinstance(new, generic.StreamObject) or not _same_dict(old, new, STREAM_KEYS_MAY_CHANGE):
        rev.problem("replaces the XMP metadata stream")
        return
    try:
        before, after = _xmp_properties(old), _xmp_properties(new)
    except (ValueError, PdfError) as exc:
        rev.problem(f"changes the XMP metadata: {exc}")
        return
    changed = [
        name
        for name in sorted(set(before) | set(after))
        if name not in XMP_MAY_CHANGE and sorted(before.get(name, [])) != sorted(after.get(name, []))
    ]
    for name in changed:
        rev.problem(f"changes the XMP metadata property {_xmp_name(name)}")
    if not changed and _xmp_rest(old) != _xmp_rest(new):
        rev.problem("changes the XMP metadata's structure or content outside its properties")


def _xmp_name(name: str) -> str:
    prefixes = {
        "http://purl.org/dc/elements/1.1/": "dc:",
        XMP_NS: "xmp:",
        PDF_NS: "pdf:",
        "http://www.aiim.org/pdfa/ns/id/": "pdfaid:",
    }
    for ns, prefix in prefixes.items():
        if name.startswith(f"{{{ns}}}"):
            return prefix + name[len(ns) + 2 :]
    return name


def _judge_acroform(rev: _Revision, old: Any, new: Any) -> None:
    for key in _differing_keys(old, new):
        if key == "/Fields":
            _judge_appended(rev, dict.get(old, key), dict.get(new, key), rev.new_fields, "the form fields")
        elif key == "/SigFlags" and dict.get(new, key) in (1, 3):
            continue
        else:
            rev.problem(f"changes the form's {key}")


def _judge_appended(rev: _Revision, old: Any, new: Any, into: list[tuple[int, int]], what: str) -> None:
    """An array may only gain new references at its end."""
    if isinstance(old, generic.IndirectObject) or isinstance(new, generic.IndirectObject):
        if not (old is not None and new is not None and same(old, new)):
            rev.problem(f"replaces {what}")
        return
    before = _raw_list(old) if isinstance(old, generic.ArrayObject) else []
    after = _raw_list(new) if isinstance(new, generic.ArrayObject) else None
    if (
        after is None
        or len(after) < len(before)
        or not all(same(x, y) for x, y in zip(before, after[: len(before)], strict=True))
    ):
        rev.problem(f"removes or reorders {what}")
        return
    for item in after[len(before) :]:
        if isinstance(item, generic.IndirectObject):
            into.append(_key(item))
        else:
            rev.problem(f"adds something other than a reference to {what}")


def _judge_page(rev: _Revision, key: tuple[int, int], old: Any, new: Any) -> None:
    for name in _differing_keys(old, new):
        if name == "/Annots":
            _judge_appended(
                rev, dict.get(old, name), dict.get(new, name), rev.new_annotations, "a page's annotations"
            )
            value = dict.get(new, name)
            if isinstance(value, generic.IndirectObject):
                rev.roots.append(value)
        else:
            words = {"/Contents": "content", "/Resources": "resources", "/MediaBox": "size"}
            rev.problem(f"changes a page's {words.get(name, name)} (object {key[0]})")


def _is_annots_array_of_a_page(reader: Any, key: tuple[int, int], revision: int) -> bool:
    """Whether `key` is an array some page of `revision` names as its /Annots."""
    try:
        root = _get(reader, _key(reader.trailer.flatten(revision).raw_get("/Root")), revision)
        pages = [dict.get(root, "/Pages")]
        seen: set[tuple[int, int]] = set()
        while pages:
            node_ref = pages.pop()
            if not isinstance(node_ref, generic.IndirectObject) or _key(node_ref) in seen:
                continue
            seen.add(_key(node_ref))
            node = _get(reader, _key(node_ref), revision)
            annots = dict.get(node, "/Annots")
            if isinstance(annots, generic.IndirectObject) and _key(annots) == key:
                return True
            kids = dict.get(node, "/Kids")
            if isinstance(kids, generic.ArrayObject):
                pages.extend(_raw_list(kids))
    except (PdfError, KeyError, TypeError):
        return False
    return False


def _judge_dss(rev: _Revision, new: Any) -> None:
    rev.purpose = True
    if not isinstance(new, generic.DictionaryObject):
        rev.problem("replaces the document security store with something else")
        return
    odd = sorted(k for k in dict.keys(new) if k not in DSS_KEYS)
    if odd:
        rev.problem(
            f"puts other entries than validation data into the document security store: {', '.join(odd)}"
        )
    for name in ("/Certs", "/OCSPs", "/CRLs"):
        value = dict.get(new, name)
        if value is not None and not (
            isinstance(value, generic.ArrayObject)
            and all(isinstance(v, generic.IndirectObject) for v in _raw_list(value))
        ):
            # Writers put these arrays in the store itself; an array elsewhere could be shared
            # with a page and rewritten later under the store's name.
            rev.problem(f"writes the document security store's {name} otherwise than as a list of references")
    vri = dict.get(new, "/VRI")
    if vri is not None and not isinstance(vri, generic.DictionaryObject):
        rev.problem("writes the document security store's /VRI otherwise than in the store itself")
    if isinstance(vri, generic.DictionaryObject):
        for _, entry in _raw_items(vri):
            if isinstance(entry, generic.DictionaryObject):
                extra = sorted(k for k in dict.keys(entry) if k not in VRI_KEYS)
                if extra:
                    rev.problem(f"puts other entries than validation data into the VRI: {', '.join(extra)}")
    rev.roots.append(new)


def _judge_new_fields(reader: Any, rev: _Revision) -> None:
    """Fields and annotations added must be document timestamps with invisible widgets."""
    for key in rev.new_fields:
        field_obj = rev.added.get(key)
        if field_obj is None:
            rev.problem(f"adds an existing object (object {key[0]}) as a form field")
            continue
        problem = _doc_timestamp_problem(reader, field_obj, rev.number)
        if problem:
            rev.problem(f"adds a form field that is not an invisible document timestamp: {problem}")
        else:
            rev.purpose = True
        rev.roots.append(key)  # its parts are judged with it, not reported again
    for key in rev.new_annotations:
        if key not in rev.new_fields:
            annot = rev.added.get(key)
            rev.problem(
                f"adds {_describe(annot) if annot is not None else 'an annotation'} to a page (object {key[0]})"
            )
            rev.roots.append(key)


def _doc_timestamp_problem(reader: Any, field_obj: Any, revision: int) -> str | None:
    if not isinstance(field_obj, generic.DictionaryObject) or dict.get(field_obj, "/FT") != "/Sig":
        return "not a signature field"
    if "/Kids" in field_obj:
        return "it has child widgets"
    value = dict.get(field_obj, "/V")
    if not isinstance(value, generic.IndirectObject):
        return "it holds no signature"
    sig = _get(reader, _key(value), revision)
    if not isinstance(sig, generic.DictionaryObject) or dict.get(sig, "/Type") != "/DocTimeStamp":
        return "it holds a signature, not a document timestamp"
    rect = dict.get(field_obj, "/Rect")
    if rect is not None:
        try:
            x1, y1, x2, y2 = (float(v) for v in _raw_list(rect))
        except (TypeError, ValueError):
            return "its widget's rectangle cannot be read"
        if abs(x2 - x1) > 0 and abs(y2 - y1) > 0:
            return "its widget is visible"
    return None


def _judge_new_objects(rev: _Revision) -> None:
    """Every object a revision adds must be reachable, through added objects only, from what the
    revision was allowed to add: validation data or a document timestamp."""
    explained: set[tuple[int, int]] = set()
    stack = list(rev.roots)
    while stack:
        value = stack.pop()
        if isinstance(value, tuple | generic.IndirectObject):
            key = value if isinstance(value, tuple) else _key(value)
            if key in rev.added and key not in explained:
                explained.add(key)
                stack.append(rev.added[key])
        elif isinstance(value, generic.DictionaryObject):
            stack.extend(v for _, v in _raw_items(value))
        elif isinstance(value, generic.ArrayObject):
            stack.extend(_raw_list(value))
    for key in sorted(set(rev.added) - explained):
        rev.problem(f"adds {_describe(rev.added[key])} (object {key[0]}) that no allowed change needs")
