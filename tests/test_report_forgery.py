"""Forging a signed report: every attack class of the red team's run, in several variants, each
checked with `compliance verify` (which must not say VERIFIED) and, where the two differ, with
poppler's pdfsig beside it (docs/signing.md lists what pdfsig says).

A report is handed over by the party it assesses; these are the ways such a party could try to
change what it says and keep a valid signature."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

import forgery
import pytest
from helpers import cli, own_certificate, pdfsig
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign.validation import add_validation_info
from pyhanko_certvalidator import ValidationContext

from compliance.core.models.assessment import Assessment
from compliance.outputs.report import report_pdf
from compliance.trust import pdf_revisions, signing

if TYPE_CHECKING:
    from pki import LocalPki

pytest_plugins = ["pki"]
pytestmark = pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler-utils missing")

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "traffic-counting-us-cloud" / "solution.yaml"
AS_OF = "2026-12-01"


run = cli


def verify(path: Path, *extra: str | Path) -> tuple[int, str]:
    """`verify` trusting the test identity, as a recipient who checked its fingerprint would."""
    return run("verify", path, "--trust", own_certificate(), *extra)


def write(tmp_path: Path, data: bytes, name: str = "forged.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def assert_forgery_caught(path: Path, *phrases: str) -> str:
    code, out = verify(path)
    assert code == 1, out
    assert out.splitlines()[0].endswith("NOT VERIFIED"), out
    for phrase in phrases:
        assert phrase in out, out
    return out


@pytest.fixture(scope="module")
def genuine(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A signed report of an example that is not ready, and its assessment JSON."""
    folder = tmp_path_factory.mktemp("genuine")
    pdf, saved = folder / "report.pdf", folder / "assessment.json"
    code, _ = run("assess", EXAMPLE, "--as-of", AS_OF, "-o", pdf, "-o", saved)
    assert code == 0
    assert json.loads(saved.read_text())["verdict"] != "ready"
    return pdf, saved


@pytest.fixture(scope="module")
def data(genuine: tuple[Path, Path]) -> bytes:
    return genuine[0].read_bytes()


def test_the_genuine_report_verifies(genuine) -> None:
    code, out = verify(genuine[0])
    assert code == 0 and out.splitlines()[0].endswith("VERIFIED"), out


# ---------------------------------------------------------------------------------------------
# 1. Later revisions may add revocation data and document timestamps, nothing else


@pytest.mark.parametrize(
    ("key", "value", "word"),
    [
        ("/Title", "Verdict: ready for a pilot", "title"),
        ("/Author", "Datatilsynet", "author"),
        ("/Subject", "Approved", "subject"),
        ("/Keywords", "approved, ready", "keywords"),
    ],
)
def test_a_later_revision_that_rewrites_the_document_information_is_caught(
    data, tmp_path, key, value, word
) -> None:
    num, info = forgery.info(data)
    info[pdf_name(key)] = generic.TextStringObject(value)
    forged = write(tmp_path, forgery.append_revision(data, {num: info}))
    assert "Signature is Valid." in pdfsig(forged)  # poppler: valid, "not total document signed"
    assert_forgery_caught(forged, "changed after signing", f"changes the document's {word}")


def test_a_title_shown_by_the_viewer_is_caught(data, tmp_path) -> None:
    """The report asks viewers to show its title instead of the file name (/DisplayDocTitle, as
    PDF/A wants), so a forged title is what a reader sees; hiding the viewer's tool bars is no
    better."""
    root_num, root = forgery.catalog(data)
    assert root["/ViewerPreferences"]["/DisplayDocTitle"]
    root[pdf_name("/ViewerPreferences")] = generic.DictionaryObject(
        {
            pdf_name("/DisplayDocTitle"): generic.BooleanObject(True),
            pdf_name("/HideToolbar"): generic.BooleanObject(True),
        }
    )
    info_num, info = forgery.info(data)
    info[pdf_name("/Title")] = generic.TextStringObject("APPROVED")
    forged = write(tmp_path, forgery.append_revision(data, {root_num: root, info_num: info}))
    assert_forgery_caught(forged, "changes the viewer preferences", "changes the document's title")


def test_the_pdf_version_may_not_change(data, tmp_path) -> None:
    num, root = forgery.catalog(data)
    root[pdf_name("/Version")] = pdf_name("/2.0")
    assert_forgery_caught(write(tmp_path, forgery.append_revision(data, {num: root})), "the PDF version")


def test_an_xmp_title_is_caught_even_beside_allowed_revocation_data(data, tmp_path) -> None:
    num, xml = forgery.metadata(data)
    forged_xml = xml.replace(b"GDPR and cybersecurity assessment", b"Approved without conditions", 1)
    assert forged_xml != xml
    objects, _ = forgery.with_dss(data, {num: forgery.xml_stream(forged_xml)}, forgery.size_of(data))
    forged = write(tmp_path, forgery.append_revision(data, objects))
    assert_forgery_caught(forged, "changes the XMP metadata property dc:title")


def test_xmp_content_outside_its_properties_is_caught(data, tmp_path) -> None:
    num, xml = forgery.metadata(data)
    forged_xml = xml.replace(b"</rdf:RDF>", b"</rdf:RDF><note>Approved by the council</note>", 1)
    assert forged_xml != xml
    objects, _ = forgery.with_dss(data, {num: forgery.xml_stream(forged_xml)}, forgery.size_of(data))
    forged = write(tmp_path, forgery.append_revision(data, objects))
    assert_forgery_caught(forged, "changes the XMP metadata's structure or content outside its properties")


def test_a_security_store_sharing_an_array_with_a_page_is_caught(data, tmp_path) -> None:
    """Validation data lists live in the store itself: an indirect list could be shared with a
    page's annotations and be extended later under the store's name."""
    new = forgery.size_of(data)
    objects, _ = forgery.with_dss(data, {}, new)
    objects[new][pdf_name("/Certs")] = generic.IndirectObject(new + 1, 0, None)
    objects[new + 1] = generic.ArrayObject()
    forged = write(tmp_path, forgery.append_revision(data, objects))
    assert_forgery_caught(forged, "writes the document security store's /Certs otherwise than as a list")


def test_allowed_changes_beside_revocation_data_keep_the_report_verified(data, tmp_path) -> None:
    """The dates and producer a writer updates on every incremental save are allowed, in a
    revision that adds revocation data."""
    info_num, info = forgery.info(data)
    info[pdf_name("/ModDate")] = generic.TextStringObject("D:20261202120000Z")
    info[pdf_name("/Producer")] = generic.TextStringObject("WeasyPrint; pyHanko")
    num, xml = forgery.metadata(data)
    newer, changed = re.subn(rb'xmp:ModifyDate="[^"]*"', b'xmp:ModifyDate="2026-12-02T12:00:00Z"', xml)
    newer, producer = re.subn(rb'pdf:Producer="[^"]*"', b'pdf:Producer="another writer"', newer)
    newer = newer.replace(b'rdf:about=""', b'rdf:about="" xmp:MetadataDate="2026-12-02T12:00:00Z"', 1)
    assert changed == producer == 1
    objects, _ = forgery.with_dss(
        data, {info_num: info, num: forgery.xml_stream(newer)}, forgery.size_of(data)
    )
    target = write(tmp_path, forgery.append_revision(data, objects))
    code, out = verify(target)
    assert code == 0, out


def test_the_dates_alone_may_not_change_without_revocation_data(data, tmp_path) -> None:
    num, info = forgery.info(data)
    info[pdf_name("/ModDate")] = generic.TextStringObject("D:20261202120000Z")
    forged = write(tmp_path, forgery.append_revision(data, {num: info}))
    assert_forgery_caught(forged, "without adding revocation data or a document timestamp")


def test_names_bookmarks_and_page_content_may_not_change(data, tmp_path) -> None:
    num, root = forgery.catalog(data)
    names = root["/Names"]
    names[pdf_name("/JavaScript")] = generic.DictionaryObject({pdf_name("/Names"): generic.ArrayObject()})
    root[pdf_name("/Names")] = names
    assert_forgery_caught(write(tmp_path, forgery.append_revision(data, {num: root})), "the named objects")

    reader = forgery.reader_of(data)
    first = reader.root["/Outlines"].raw_get("/First")
    item = forgery.current(data, first)
    item[pdf_name("/Title")] = generic.TextStringObject("Approved")
    outline = write(tmp_path, forgery.append_revision(data, {first.idnum: item}), "outline.pdf")
    assert_forgery_caught(outline, f"(object {first.idnum})")


def test_a_new_annotation_on_a_page_is_caught(data, tmp_path) -> None:
    page_num, page = forgery.first_page(data)
    new = forgery.size_of(data)
    annot = generic.DictionaryObject(
        {
            pdf_name("/Type"): pdf_name("/Annot"),
            pdf_name("/Subtype"): pdf_name("/FreeText"),
            pdf_name("/Rect"): generic.ArrayObject([generic.NumberObject(n) for n in (50, 700, 400, 760)]),
            pdf_name("/Contents"): generic.TextStringObject("APPROVED BY THE DPO"),
        }
    )
    annots = page.raw_get("/Annots") if "/Annots" in page else generic.ArrayObject()
    annots = generic.ArrayObject([*list.__iter__(annots), generic.IndirectObject(new, 0, None)])
    page[pdf_name("/Annots")] = annots
    forged = write(tmp_path, forgery.append_revision(data, {page_num: page, new: annot}))
    assert_forgery_caught(forged, "adds an annotation to a page")


def test_an_object_no_allowed_change_needs_is_caught(data, tmp_path) -> None:
    new = forgery.size_of(data)
    objects, _ = forgery.with_dss(data, {new: b"(APPROVED)"}, new + 1)
    forged = write(tmp_path, forgery.append_revision(data, objects))
    assert_forgery_caught(forged, f"(object {new}) that no allowed change needs")


def test_deleting_an_object_later_is_caught(data, tmp_path) -> None:
    _num, root = forgery.catalog(data)
    victim = root.raw_get("/Outlines").idnum
    forged = write(tmp_path, forgery.append_revision(data, {}, free=(victim,)))
    assert_forgery_caught(forged, f"deletes object {victim}")


def test_a_new_catalog_is_caught(data, tmp_path) -> None:
    _num, root = forgery.catalog(data)
    new = forgery.size_of(data)
    root[pdf_name("/Lang")] = generic.TextStringObject("da")
    forged = write(
        tmp_path,
        forgery.append_revision(data, {new: root}, trailer={"/Root": generic.IndirectObject(new, 0, None)}),
    )
    assert_forgery_caught(forged, "replaces the trailer's /Root")


def test_a_visible_document_timestamp_field_is_caught(data, tmp_path) -> None:
    """Document timestamps may be added, with invisible widgets only: a visible one could draw
    anything on the page."""
    page_num, page = forgery.first_page(data)
    root_num, root = forgery.catalog(data)
    form_ref = root.raw_get("/AcroForm")
    form = forgery.current(data, form_ref)
    new = forgery.size_of(data)
    sig = generic.DictionaryObject(
        {
            pdf_name("/Type"): pdf_name("/DocTimeStamp"),
            pdf_name("/Filter"): pdf_name("/Adobe.PPKLite"),
            pdf_name("/SubFilter"): pdf_name("/ETSI.RFC3161"),
            pdf_name("/Contents"): generic.ByteStringObject(b"\x30\x00"),
            pdf_name("/ByteRange"): generic.ArrayObject([generic.NumberObject(n) for n in (0, 1, 2, 3)]),
        }
    )
    widget = generic.DictionaryObject(
        {
            pdf_name("/FT"): pdf_name("/Sig"),
            pdf_name("/T"): generic.TextStringObject("Timestamp"),
            pdf_name("/Type"): pdf_name("/Annot"),
            pdf_name("/Subtype"): pdf_name("/Widget"),
            pdf_name("/Rect"): generic.ArrayObject([generic.NumberObject(n) for n in (50, 600, 500, 800)]),
            pdf_name("/V"): generic.IndirectObject(new + 1, 0, None),
        }
    )
    ref = generic.IndirectObject(new, 0, None)
    form[pdf_name("/Fields")] = generic.ArrayObject([*list.__iter__(form.raw_get("/Fields")), ref])
    annots = page.raw_get("/Annots") if "/Annots" in page else generic.ArrayObject()
    page[pdf_name("/Annots")] = generic.ArrayObject([*list.__iter__(annots), ref])
    objects = {form_ref.idnum: form, page_num: page, new: widget, new + 1: sig}
    forged = forgery.append_revision(data, objects)
    assert_forgery_caught(write(tmp_path, forged))
    reader = forgery.reader_of(forged)
    problems = pdf_revisions.revision_problems(reader, reader.xrefs.total_revisions - 2)
    assert problems == [
        f"revision {reader.xrefs.total_revisions}: adds a form field that is not an invisible document "
        "timestamp: its widget is visible"
    ]
    del root_num


# ---------------------------------------------------------------------------------------------
# 2. Bytes outside any revision


@pytest.mark.parametrize(
    "tail",
    [
        b"APPROVED",
        b"% approved by the municipality\n",
        b"\n\n   \n",
        b"99999 0 obj\n(Verdict: ready)\nendobj\n",
    ],
    ids=["text", "comment", "white space", "unreferenced object"],
)
def test_bytes_after_the_last_eof_are_caught(data, tmp_path, tail) -> None:
    forged = write(tmp_path, data + tail)
    assert_forgery_caught(forged, "after the end of the last revision that no revision holds")


def test_a_second_startxref_pointing_back_is_caught(data, tmp_path) -> None:
    back = b"%% approved\nstartxref\n%d\n%%%%EOF\n" % forgery.last_startxref(data)
    assert_forgery_caught(write(tmp_path, data + back), "no revision holds")


def test_a_revision_the_final_startxref_does_not_reach_is_caught(data, tmp_path) -> None:
    num, info = forgery.info(data)
    info[pdf_name("/Title")] = generic.TextStringObject("Approved")
    hidden = forgery.append_revision(data, {num: info})
    forged = hidden + b"startxref\n%d\n%%%%EOF\n" % forgery.last_startxref(data)
    out = assert_forgery_caught(write(tmp_path, forged), "no revision holds")
    assert "VERIFIED" not in out.splitlines()[0].replace("NOT VERIFIED", "")


def test_bytes_slipped_into_an_allowed_revision_are_caught(data, tmp_path, signing_identity) -> None:
    """A revocation-data revision made by pyHanko, then a comment inserted before its first object
    with every offset corrected: only the comment is out of place."""
    sig = forgery.reader_of(data).embedded_signatures[0]
    context = ValidationContext(trust_roots=[signing_identity.signer.signing_cert])
    later = add_validation_info(sig, context, force_write=True).getvalue()
    assert verify(write(tmp_path, later, "allowed.pdf"))[0] == 0
    forged = forgery.shift_last_revision(later, len(data), b"% approved\n")
    assert_forgery_caught(write(tmp_path, forged), "bytes outside any object")


# ---------------------------------------------------------------------------------------------
# 3. The signature value is exactly what the signer wrote


def _rewrite_gap(data: bytes, change) -> bytes:
    start, end = forgery.signature_gap(data)
    gap = data[start:end]
    new = change(gap)
    assert len(new) == len(gap) and new != gap
    return data[:start] + new + data[end:]


VALUE_CHANGES = {
    "lower case": (lambda g: g[:1] + g[1:201].lower() + g[201:], "lower-case"),
    "white space in the value": (lambda g: g[:41] + b" \n" + g[41:-3] + g[-1:], "other characters than hex"),
    "white space in the padding": (lambda g: g[:-5] + b"\r\n  " + g[-1:], "other characters than hex"),
    "non-zero padding": (lambda g: g[:-9] + b"DEADBEEF" + g[-1:], "other than the zero padding"),
}


@pytest.mark.parametrize("change", list(VALUE_CHANGES))
def test_a_rewritten_signature_value_is_caught(data, tmp_path, change) -> None:
    rewrite, phrase = VALUE_CHANGES[change]
    forged = write(tmp_path, _rewrite_gap(data, rewrite))
    text = pdfsig(forged)
    out = assert_forgery_caught(forged, phrase)
    # pdfsig reads the value as hex and ignores case and white space: it still says valid.
    if change != "white space in the value":
        assert "Signature is Valid." in text, (text, out)


@pytest.mark.parametrize("change", ["lower case", "non-zero padding"])
def test_an_organisations_signature_value_is_checked_the_same_way(
    tmp_path, local_pki: LocalPki, change
) -> None:
    identity, secret = local_pki.identity_files(tmp_path)
    pdf = tmp_path / "org.pdf"
    code, _ = run(
        "assess", EXAMPLE, "--as-of", AS_OF, "-o", pdf, "--identity", identity, "--passphrase-file", secret
    )
    assert code == 0
    assert run("verify", pdf, "--trust", local_pki.root_cert_path)[0] == 0
    rewrite, phrase = VALUE_CHANGES[change]
    forged = write(tmp_path, _rewrite_gap(pdf.read_bytes(), rewrite))
    code, out = run("verify", forged, "--trust", local_pki.root_cert_path)
    assert code == 1 and phrase in out


# ---------------------------------------------------------------------------------------------
# 4. Trust by default


def _forged_assessment(saved: Path) -> Assessment:
    forged = json.loads(saved.read_text())
    reason = "every applicable rule passes"
    forged["verdict"], forged["score"] = "ready", 100.0
    forged["verdict_reasons"] = [{"text": reason, "id": reason, "args": {}}]
    return Assessment.model_validate(forged)


def test_a_forged_report_resigned_with_a_fresh_key_under_the_same_name_is_not_verified(
    genuine, tmp_path, monkeypatch
) -> None:
    monkeypatch.delenv(signing.PASSPHRASE_FILE_ENV)
    passphrase = b"the forger's passphrase"
    fresh = tmp_path / "fresh.p12"
    signing.write_private(fresh, signing.create_identity(passphrase, common_name="Test Assessor"))
    identity = signing.load_identity(fresh, passphrase)
    forged = _forged_assessment(genuine[1])
    pdf = write(
        tmp_path, signing.sign_pdf(report_pdf(forged, "en", "Test Assessor"), identity, signing.SignOptions())
    )
    assert "Signature is Valid." in pdfsig(pdf) and "Test Assessor" in pdfsig(pdf)
    code, out = verify(pdf)  # trusting the genuine assessor's certificate, not the forger's
    assert code == 1
    assert out.splitlines()[0].endswith("INTACT, SIGNED BY AN UNTRUSTED CERTIFICATE; not verified")
    assert identity.fingerprint in out
    code, out = run("verify", pdf, "--recompute", "--allow-untrusted")
    assert code == 1 and "the results do not follow from the facts" in out


def test_the_trust_store_is_configured_once(genuine, tmp_path, monkeypatch) -> None:
    store = tmp_path / "trusted.pem"
    monkeypatch.setenv(signing.TRUST_STORE_ENV, str(store))
    assert run("verify", genuine[0])[0] == 1
    code, out = run(
        "trust", "add", own_certificate(), "--note", "the university's assessor, checked by phone"
    )
    assert code == 0 and "added: " in out
    assert run("trust", "add", own_certificate())[1].startswith("already trusted")
    assert "the university's assessor" in store.read_text()
    code, out = run("trust", "list")
    assert "(1 certificate)" in out and "Test Assessor" in out
    code, out = run("verify", genuine[0])
    assert code == 0 and out.splitlines()[0].endswith(": VERIFIED")
    fingerprint = signing.load_certificates([own_certificate()])[0].sha256.hex()
    assert run("trust", "remove", fingerprint[:20])[0] == 0
    assert run("verify", genuine[0])[0] == 1
    assert run("trust", "remove", fingerprint[:20])[0] == 2


def test_a_self_signed_report_says_so_on_its_cover(genuine, signing_identity) -> None:
    cover = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "2", str(genuine[0]), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = "".join(cover.split())
    assert "self-signedcertificate" in flat and signing_identity.fingerprint in flat


@pytest.mark.parametrize(
    ("name", "organisation"),
    [
        ("root at vm", "Vejle Kommune"),
        ("root", "Vejle Kommune"),
        ("Ida Holm", "x"),
        ("ida@vejle.dk", "Vejle"),
    ],
)
def test_keys_init_refuses_a_signer_a_reader_cannot_recognise(tmp_path, capsys, name, organisation) -> None:
    code, _ = run(
        "keys", "init", "--identity", tmp_path / "id.p12", "--name", name, "--organisation", organisation
    )
    assert code == 2
    assert not (tmp_path / "id.p12").exists()
    assert "--name" in capsys.readouterr().err or organisation == "x"


def test_keys_init_without_a_terminal_needs_the_signers_name(tmp_path, capsys) -> None:
    code, _ = run("keys", "init", "--identity", tmp_path / "id.p12")
    assert code == 2 and "keys init needs --name" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------
# 5. Recompute, don't trust


def test_report_refuses_an_assessment_whose_results_do_not_follow_from_its_facts(
    genuine, tmp_path, capsys
) -> None:
    forged = tmp_path / "forged.json"
    forged.write_text(_forged_assessment(genuine[1]).model_dump_json(by_alias=True))
    pdf = tmp_path / "forged.pdf"
    code, _ = run("report", forged, "-o", pdf)
    err = capsys.readouterr().err
    assert code == 2 and not pdf.exists()
    assert "the results do not follow from the facts" in err and "verdict: recorded ready" in err
    assert "--as-is" in err


def test_as_is_renders_it_and_says_so_on_the_cover_and_recompute_rejects_it(genuine, tmp_path) -> None:
    forged = tmp_path / "forged.json"
    forged.write_text(_forged_assessment(genuine[1]).model_dump_json(by_alias=True))
    pdf = tmp_path / "forged.pdf"
    assert run("report", forged, "-o", pdf, "--as-is")[0] == 0
    cover = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "were not recomputed" in " ".join(cover.split())
    assert verify(pdf)[0] == 0  # the signature itself is fine: the signer vouches for it as it is
    code, out = verify(pdf, "--recompute")
    assert code == 1 and out.splitlines()[0].endswith("NOT VERIFIED")
    assert "the results do not follow from the facts: verdict: recorded ready" in out


def test_a_genuine_report_recomputes(genuine) -> None:
    code, out = verify(genuine[0], "--recompute", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["recomputation"]["status"] == "same"
    assert run("report", genuine[1], "-o", genuine[0].parent / "again.pdf")[0] == 0


def test_changed_packs_cannot_recompute(genuine, tmp_path) -> None:
    saved = json.loads(genuine[1].read_text())
    saved["rule_packs"][0]["sha256"] = "0" * 64
    path = tmp_path / "packs.json"
    path.write_text(json.dumps(saved))
    code, _ = run("report", path, "-o", tmp_path / "r.pdf", "--as-is")
    assert code == 0
    code, out = verify(tmp_path / "r.pdf", "--recompute")
    assert code == 1 and "cannot recompute: packs differ" in out


def test_a_pack_left_out_of_the_record_is_a_difference(genuine, tmp_path) -> None:
    saved = json.loads(genuine[1].read_text())
    dropped = saved["rule_packs"].pop()["id"]
    gone = {rule_id for rule_id, info in saved["rules"].items() if info["pack"] == dropped}
    saved["findings"] = [f for f in saved["findings"] if f["rule_id"] not in gone]
    saved["not_applicable"] = [g for g in saved["not_applicable"] if g["rule_id"] not in gone]
    saved["rules"] = {rule_id: info for rule_id, info in saved["rules"].items() if rule_id not in gone}
    path = tmp_path / "fewer.json"
    path.write_text(json.dumps(saved))
    code, _ = run("report", path, "-o", tmp_path / "r.pdf")
    assert code == 2


# ---------------------------------------------------------------------------------------------
# 6. Malformed files end with a message, within limits


def _malformed(tmp_path: Path, name: str, objects: dict[int, bytes], **kw) -> Path:
    return write(tmp_path, forgery.minimal_pdf(objects, **kw), name)


JSON = b'{"inputs": [], "solution": {"id": "x"}}'
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] >>"


def _expect_message(path: Path, *extra: str | Path) -> str:
    code, out = run("verify", path, *extra)
    assert code in (1, 2), out
    assert "NOT VERIFIED" in out.splitlines()[0] and "problem:" in out, out
    return out


def test_a_page_tree_with_a_cycle_ends_with_a_message(tmp_path) -> None:
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R " + forgery.NAMES + b" >>",
        2: b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 1 >>",
        3: PAGE,
        **forgery.embedded_json_objects(JSON),
    }
    out = _expect_message(_malformed(tmp_path, "cycle.pdf", objects))
    assert "the page tree has a cycle" in out


def test_a_page_tree_that_is_a_dag_ends_with_a_message(tmp_path) -> None:
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R " + forgery.NAMES + b" >>",
        **forgery.embedded_json_objects(JSON),
    }
    objects[2] = b"<< /Type /Pages /Kids [10 0 R 10 0 R] /Count 1048576 >>"
    for level in range(10, 30):
        objects[level] = b"<< /Type /Pages /Kids [%d 0 R %d 0 R] /Count 2 >>" % (level + 1, level + 1)
    objects[30] = PAGE
    out = _expect_message(_malformed(tmp_path, "dag.pdf", objects))
    assert "a node with two parents" in out


def test_a_huge_size_and_a_missing_signature_value_end_with_a_message(tmp_path) -> None:
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [7 0 R] /SigFlags 3 >> >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: PAGE,
        7: b"<< /FT /Sig /T (Signature) /V 99 0 R >>",
    }
    _expect_message(_malformed(tmp_path, "missing-v.pdf", objects))
    data = forgery.minimal_pdf({1: objects[1], 2: objects[2], 3: PAGE, 7: objects[7]})
    huge = data.replace(b"/Size 8", b"/Size 2147483647")
    _expect_message(write(tmp_path, huge, "size.pdf"))


def test_deeply_nested_arrays_end_with_a_message(tmp_path) -> None:
    deep = b"[" * 50_000 + b"]" * 50_000
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields 7 0 R >> >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: PAGE,
        7: deep,
    }
    _expect_message(_malformed(tmp_path, "deep.pdf", objects))


@pytest.mark.timeout(120)
def test_a_decompression_bomb_ends_within_the_memory_limit(tmp_path) -> None:
    bomb = forgery.deflate_zeros(1536 << 20)  # 1.5 GiB of zeros in about 1.5 MB
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R " + forgery.NAMES + b" >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: PAGE,
        **forgery.embedded_json_objects(bomb, compressed=True),
    }
    _expect_message(_malformed(tmp_path, "bomb.pdf", objects))


@pytest.mark.timeout(120)
def test_three_hundred_thousand_objects_end_within_the_time_limit(tmp_path) -> None:
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: PAGE,
    }
    objects.update(dict.fromkeys(range(4, 300_004), b"(x)"))
    path = _malformed(tmp_path, "many.pdf", objects)
    code, out = run("verify", path, "--time-limit", "0.2")
    assert code == 1 and "could not be checked within limits: not finished within 0.2 s" in out
    assert out.splitlines()[0].endswith("COULD NOT BE CHECKED WITHIN LIMITS")
    code, out = run("verify", path, "--format", "json")
    assert code == 1 and json.loads(out)["verdict"] in ("not_verified", "not_checked")


def test_a_fifo_is_refused_not_waited_for(tmp_path) -> None:
    fifo = tmp_path / "report.pdf"
    os.mkfifo(fifo)
    code, _ = run("verify", fifo)
    assert code == 2


# ---------------------------------------------------------------------------------------------
# 7. verify --inputs never leaves DIR


def _report_with_inputs(tmp_path: Path, saved: Path, paths: list[str], identity) -> Path:
    assessment = json.loads(saved.read_text())
    real = assessment["inputs"][0]["sha256"]
    assessment["inputs"] = [{"path": p, "sha256": real, "role": "solution"} for p in paths]
    a = Assessment.model_validate(assessment)
    pdf = signing.sign_pdf(report_pdf(a, "en", identity.common_name), identity, signing.SignOptions())
    return write(tmp_path, pdf, "inputs.pdf")


def test_recorded_paths_never_lead_out_of_the_inputs_folder(genuine, tmp_path, signing_identity) -> None:
    outside = tmp_path / "secret.yaml"
    shutil.copy(EXAMPLE, outside)
    folder = tmp_path / "inputs"
    folder.mkdir()
    (folder / "link.yaml").symlink_to(outside)
    os.mkfifo(folder / "pipe.yaml")
    pdf = _report_with_inputs(
        tmp_path, genuine[1], ["../secret.yaml", "link.yaml", "pipe.yaml"], signing_identity
    )
    code, out = verify(pdf, "--inputs", folder, "--format", "json")
    data = json.loads(out)
    assert code == 1
    assert [i["status"] for i in data["inputs"]] == ["refused", "refused", "refused"]
    assert all(i["actual"] is None for i in data["inputs"])
    assert any("leads out of" in p for p in data["problems"])
    assert any("leads outside" in p for p in data["problems"])
    assert any("not a regular file" in p for p in data["problems"])


# ---------------------------------------------------------------------------------------------
# The project's own long-term output keeps verifying


def test_the_projects_own_long_term_output_and_a_later_timestamp_verify(
    tmp_path, local_pki: LocalPki
) -> None:
    from pyhanko.sign.signers.pdf_signer import PdfTimeStamper
    from pyhanko.sign.timestamps import HTTPTimeStamper

    identity, secret = local_pki.identity_files(tmp_path)
    pdf = tmp_path / "blt.pdf"
    args = ["--identity", identity, "--passphrase-file", secret, "--tsa", local_pki.tsa_url]
    code, _ = run(
        "assess",
        EXAMPLE,
        "--as-of",
        AS_OF,
        "-o",
        pdf,
        *args,
        "--long-term",
        "--trust",
        local_pki.root_cert_path,
    )
    assert code == 0
    assert run("verify", pdf, "--trust", local_pki.root_cert_path, "--recompute")[0] == 0
    writer = IncrementalPdfFileWriter(BytesIO(pdf.read_bytes()), strict=False)
    context = ValidationContext(trust_roots=[local_pki.root_cert], allow_fetching=True)
    stamped = PdfTimeStamper(HTTPTimeStamper(local_pki.tsa_url)).timestamp_pdf(
        writer, "sha256", validation_context=context, output=BytesIO()
    )
    later = write(tmp_path, stamped.getvalue(), "later.pdf")
    code, out = run("verify", later, "--trust", local_pki.root_cert_path, "--require-timestamp")
    assert code == 0, out
