"""Signed reports: real pyHanko signatures, checked by poppler's pdfsig and by `compliance verify`,
then tampered with. Timestamps and revocation come from the local test PKI on 127.0.0.1
(tests/pki.py)."""

from __future__ import annotations

import hashlib
import json
import shutil
import stat
import subprocess
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

import pikepdf
import pytest
from asn1crypto import algos, cms
from helpers import cli, own_certificate, pdfsig
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import add_validation_info
from pyhanko_certvalidator import ValidationContext

from compliance.core.models.assessment import Assessment
from compliance.outputs.report import render_html, render_pdf
from compliance.trust import signing
from compliance.trust.verification import Verdict, verify_report

if TYPE_CHECKING:
    from pki import LocalPki

pytest_plugins = ["pki"]
pytestmark = pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler-utils missing")

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "building-energy-dk" / "solution.yaml"
AS_OF = "2026-12-01"


run = cli


def pdfsig_verified(path: Path) -> bool:
    """pdfsig's verdict: the signature is valid and it covers the whole file."""
    text = pdfsig(path)
    return "Signature is Valid." in text and "- Total document signed" in text


def verified(path: Path, *extra: str | Path) -> bool:
    """`verify` trusting the test identity: exit 0."""
    code, _ = run("verify", path, "--trust", own_certificate(), *extra)
    assert code in (0, 1)
    return code == 0


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One signed report of the example, with its assessment saved beside it."""
    folder = tmp_path_factory.mktemp("signed")
    pdf = folder / "report.pdf"
    code, _ = run("assess", EXAMPLE, "--as-of", AS_OF, "-o", pdf, "-o", folder / "assessment.json")
    assert code == 0
    return pdf


def copy(report: Path, tmp_path: Path, data: bytes | None = None) -> Path:
    target = tmp_path / "copy.pdf"
    target.write_bytes(report.read_bytes() if data is None else data)
    return target


# ---------------------------------------------------------------------------------------------
# Identities


def test_keys_init_creates_a_private_identity_a_certificate_and_a_random_passphrase(
    tmp_path, monkeypatch
) -> None:
    monkeypatch.delenv(signing.PASSPHRASE_FILE_ENV)
    identity = tmp_path / "keys" / "identity.p12"
    code, out = run(
        "keys",
        "init",
        "--identity",
        identity,
        "--name",
        "Ida Holm",
        "--organisation",
        "Vejle Kommune",
        "--country",
        "dk",
    )
    assert code == 0, out
    secret = identity.with_suffix(".passphrase")
    for path in (identity, secret):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(secret.read_bytes().strip()) >= 40
    loaded = signing.load_identity(identity, secret.read_bytes().strip())
    assert loaded.self_signed and "Ida Holm" in loaded.subject and "Self-signed" in loaded.subject
    assert "self-signed" in out and str(identity.with_suffix(".crt")) in out


def test_the_certificate_carries_the_key_usages_validators_expect(signing_identity) -> None:
    from cryptography import x509

    cert = x509.load_der_x509_certificate(signing_identity.signer.signing_cert.dump())
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and usage.value.content_commitment
    assert not usage.value.key_cert_sign
    basic = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert basic.critical and basic.value.ca is False
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert x509.ObjectIdentifier(signing.DOCUMENT_SIGNING_EKU) in eku
    assert cert.issuer == cert.subject


def test_an_existing_identity_is_never_overwritten(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(signing.PASSPHRASE_ENV, "from the environment")
    monkeypatch.delenv(signing.PASSPHRASE_FILE_ENV)
    identity = tmp_path / "identity.p12"
    names = ("--name", "Ida Holm", "--organisation", "Vejle Kommune")
    assert run("keys", "init", "--identity", identity, *names)[0] == 0
    assert not identity.with_suffix(".passphrase").exists()  # the environment's passphrase was used
    before = identity.read_bytes()
    assert run("keys", "init", "--identity", identity, *names)[0] == 2
    assert run("keys", "init", "--identity", identity, "--exist-ok")[0] == 0
    assert identity.read_bytes() == before


def test_a_passphrase_file_others_can_read_is_refused(tmp_path, capsys) -> None:
    secret = tmp_path / "pass"
    secret.write_text("pw\n")
    secret.chmod(0o644)
    code, _ = run(
        "keys",
        "init",
        "--identity",
        tmp_path / "id.p12",
        "--passphrase-file",
        secret,
        "--name",
        "Ida Holm",
        "--organisation",
        "Vejle Kommune",
    )
    assert code == 2
    assert "may be read by others (mode 0644)" in capsys.readouterr().err
    assert not (tmp_path / "id.p12").exists()


def test_a_wrong_passphrase_stops_the_run_before_anything_is_written(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv(signing.PASSPHRASE_ENV, "wrong")
    monkeypatch.delenv(signing.PASSPHRASE_FILE_ENV)
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"an earlier report")
    code, _ = run("assess", EXAMPLE, "-o", pdf, "-o", tmp_path / "a.json")
    assert code == 2
    assert "wrong passphrase" in capsys.readouterr().err
    assert pdf.read_bytes() == b"an earlier report" and not (tmp_path / "a.json").exists()


def test_no_identity_is_a_usage_error_that_says_how_to_make_one(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv(signing.IDENTITY_ENV, str(tmp_path / "none.p12"))
    code, _ = run("assess", EXAMPLE, "-o", tmp_path / "r.pdf")
    assert code == 2 and "compliance keys init" in capsys.readouterr().err
    assert not (tmp_path / "r.pdf").exists()


# ---------------------------------------------------------------------------------------------
# A signed report, as poppler and we see it


def test_the_report_is_signed_over_the_whole_file(report) -> None:
    text = pdfsig(report)
    assert "Signature is Valid." in text and "- Total document signed" in text
    assert "Signer Certificate Common Name: Test Assessor" in text
    assert "ETSI.CAdES.detached" in text  # PAdES


def test_verify_reports_integrity_signer_and_the_embedded_data(report, signing_identity) -> None:
    code, out = run("verify", report, "--format", "json", "--trust", own_certificate())
    assert code == 0
    data = json.loads(out)
    assert data["verdict"] == "verified" and data["ok"]
    (sig,) = data["signatures"]
    assert sig["intact"] and sig["valid"] and sig["coverage"] == "entire_file"
    assert sig["modification"] == "none" and sig["certification"] == "no_changes"
    assert sig["signer"]["sha256"] == signing_identity.fingerprint and sig["signer"]["self_signed"]
    assert sig["trusted"] and sig["timestamp"] is None
    saved = (report.parent / "assessment.json").read_bytes()
    assert data["assessment"]["shown_in_report"] and data["assessment"]["inputs"][0]["shown_in_report"]
    assert data["assessment"]["inputs"][0]["sha256"] == hashlib.sha256(EXAMPLE.read_bytes()).hexdigest()
    assert json.loads(saved)["solution"]["id"] == data["assessment"]["solution"]


def test_an_untrusted_signer_is_never_verified_and_a_missing_timestamp_fails_only_when_required(
    report, signing_identity, capsys
) -> None:
    code, out = run("verify", report)
    assert code == 1
    assert out.splitlines()[0].endswith("INTACT, SIGNED BY AN UNTRUSTED CERTIFICATE; not verified")
    assert "self-signed: check its SHA-256 fingerprint " + signing_identity.fingerprint in out
    assert "no timestamp" in out
    code, out = run("verify", report, "--allow-untrusted", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["verdict"] == "untrusted" and data["untrusted"]
    assert run("verify", report, "--trust", own_certificate())[0] == 0
    # --require-trust is the default now: accepted for one release, with a note
    capsys.readouterr()
    assert run("verify", report, "--require-trust")[0] == 1
    assert "--require-trust is the default now" in capsys.readouterr().err
    assert run("verify", report, "--require-trust", "--trust", own_certificate())[0] == 0
    assert run("verify", report, "--trust", own_certificate(), "--require-timestamp")[0] == 1


def test_inputs_are_rehashed_when_asked(report, tmp_path) -> None:
    folder = tmp_path / "inputs"
    target = folder / EXAMPLE.relative_to(REPO)
    target.parent.mkdir(parents=True)
    shutil.copy(EXAMPLE, target)
    assert verified(report, "--inputs", folder)
    target.write_text(target.read_text() + "\n# changed\n")
    code, out = run("verify", report, "--inputs", folder, "--trust", own_certificate())
    assert code == 1 and "differs from the assessed file" in out
    target.unlink()
    code, out = run("verify", report, "--inputs", folder, "--trust", own_certificate())
    assert code == 1 and "not found" in out


def test_a_saved_assessment_renders_to_a_signed_report(report, tmp_path) -> None:
    pdf = tmp_path / "again.pdf"
    code, out = run("report", report.parent / "assessment.json", "-o", pdf, "--lang", "da")
    assert code == 0 and "signed by Test Assessor" in out
    assert pdfsig_verified(pdf) and verified(pdf)


def test_usage_errors_exit_2(tmp_path) -> None:
    assert run("verify", tmp_path / "missing.pdf")[0] == 2
    (tmp_path / "x.pdf").write_text("not a pdf")
    assert run("verify", tmp_path / "x.pdf")[0] == 2
    assert run("verify", tmp_path / "x.pdf", "--trust", tmp_path / "x.pdf")[0] == 2


# ---------------------------------------------------------------------------------------------
# Tampering: each change is caught by pdfsig and by verify


def _flip(data: bytes, position: int) -> bytes:
    return data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1 :]


def _byte_range(data: bytes) -> list[int]:
    sig = PdfFileReader(BytesIO(data)).embedded_signatures[0]
    return [int(x) for x in sig.sig_object["/ByteRange"]]


def _embedded_stream_offset(data: bytes) -> int:
    """Where the embedded assessment's stream data starts in the file."""
    reader = PdfFileReader(BytesIO(data))
    names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
    ref = names[1].get_object()["/EF"].raw_get("/F")
    start = data.index(b"\n%d 0 obj" % ref.idnum) + 1
    return data.index(b"stream", start) + len(b"stream\n") + 20


@pytest.mark.parametrize("where", ["start", "middle", "embedded assessment", "after the signature", "last"])
def test_flipping_a_byte_in_the_signed_range_is_caught(report, tmp_path, where) -> None:
    data = report.read_bytes()
    a, la, b, lb = _byte_range(data)
    position = {
        "start": 20,
        "middle": la // 2,
        "embedded assessment": _embedded_stream_offset(data),
        "after the signature": b + 10,
        "last": b + lb - 2,
    }[where]
    assert a <= position < a + la or b <= position < b + lb
    tampered = copy(report, tmp_path, _flip(data, position))
    assert not pdfsig_verified(tampered)
    assert not verified(tampered)


def test_data_hidden_in_the_signatures_reserved_space_is_caught(report, tmp_path) -> None:
    """The zero padding after the signature in /Contents is the one region no signature covers;
    pdfsig accepts a change there, verify does not."""
    data = report.read_bytes()
    _a, _la, b, _lb = _byte_range(data)
    position = b - 20  # inside the hex string, in the zeros after the signature's DER
    assert data[position : position + 1] == b"0"
    tampered = copy(report, tmp_path, _flip(data, position))
    code, out = run("verify", tampered, "--trust", own_certificate())
    assert code == 1 and "other than the zero padding follow the signature" in out


def _with_cms(data: bytes, change) -> bytes:
    """The report with the CMS structure in its signature's /Contents changed by `change` (which
    takes the parsed ContentInfo and returns new DER bytes), zero-padded into the same space."""
    _a, la, b, _lb = _byte_range(data)
    digits = data[la + 1 : b - 1]
    der = bytes.fromhex(digits.rstrip(b"0").decode() + ("0" if len(digits.rstrip(b"0")) % 2 else ""))
    info = cms.ContentInfo.load(der)
    new = change(info, der).hex().upper().encode()
    assert len(new) <= len(digits)
    return data[: la + 1] + new + b"0" * (len(digits) - len(new)) + data[b - 1 :]


def _version_3(info, der: bytes) -> bytes:
    info["content"]["version"] = "v3"
    return info.dump(force=True)


def _another_digest_listed(info, der: bytes) -> bytes:
    info["content"]["digest_algorithms"] = [
        *info["content"]["digest_algorithms"],
        algos.DigestAlgorithm({"algorithm": "sha512"}),
    ]
    return info.dump(force=True)


def _outer_length_into_the_padding(info, der: bytes) -> bytes:
    assert der[1] == 0x82  # a two-byte length: grow it by 256 zero bytes of the padding
    length = int.from_bytes(der[2:4], "big") + 256
    return der[:2] + length.to_bytes(2, "big") + der[4:] + b"\0" * 256


@pytest.mark.parametrize("change", [_version_3, _another_digest_listed, _outer_length_into_the_padding])
def test_a_change_in_the_parts_of_the_signature_value_no_signature_covers_is_caught(
    report, tmp_path, change
) -> None:
    """The CMS structure around the signer's signed attributes (its versions, the list of digest
    algorithms, its outer length) is covered by no signature: pyHanko validates the signature
    whatever they say. verify requires them to be what the signer writes."""
    tampered = copy(report, tmp_path, _with_cms(report.read_bytes(), change))
    result = verify_report(tampered)
    assert result.verdict is Verdict.NOT_VERIFIED
    assert any("signature value" in p for p in result.problems), result.problems
    code, out = run("verify", tampered, "--trust", own_certificate())
    assert code == 1 and "signature value" in out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fraction=st.floats(min_value=0, max_value=1, exclude_max=True))
def test_no_single_changed_byte_anywhere_verifies(report, tmp_path, fraction) -> None:
    data = report.read_bytes()
    position = int(fraction * len(data))
    tampered = copy(report, tmp_path, _flip(data, position))
    if position < 5:  # "%PDF-" itself: no longer a PDF, a usage error (exit 2), never verified
        assert run("verify", tampered)[0] == 2
    else:
        assert verify_report(tampered).verdict is Verdict.NOT_VERIFIED


def _append_revision(data: bytes, change) -> bytes:
    writer = IncrementalPdfFileWriter(BytesIO(data), strict=False)
    change(writer)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def test_an_incremental_update_that_changes_content_is_caught(report, tmp_path) -> None:
    def stamp_approved(writer) -> None:
        stream = generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 700 Td (APPROVED) Tj ET")
        writer.add_stream_to_page(0, writer.add_object(stream))

    tampered = copy(report, tmp_path, _append_revision(report.read_bytes(), stamp_approved))
    text = pdfsig(tampered)
    assert "- Total document signed" not in text  # poppler: the signature no longer covers the file
    code, out = run("verify", tampered, "--trust", own_certificate())
    assert code == 1 and "changed after signing" in out
    assert "changes a page's content" in out


def test_replacing_the_embedded_assessment_is_caught(report, tmp_path) -> None:
    def replace_json(writer) -> None:
        forged = json.loads((report.parent / "assessment.json").read_text())
        forged["verdict"], forged["score"] = "ready", 100.0
        stream = generic.StreamObject(
            {pdf_name("/Type"): pdf_name("/EmbeddedFile")}, stream_data=json.dumps(forged).encode()
        )
        spec = writer.root["/Names"]["/EmbeddedFiles"]["/Names"][1].get_object()
        spec["/EF"] = generic.DictionaryObject({pdf_name("/F"): writer.add_object(stream)})
        writer.update_container(spec)

    tampered = copy(report, tmp_path, _append_revision(report.read_bytes(), replace_json))
    assert "- Total document signed" not in pdfsig(tampered)
    code, out = run("verify", tampered, "--trust", own_certificate())
    assert code == 1
    assert "changed after signing" in out and "is not the one the report shows" in out


def test_a_rewritten_file_is_caught(report, tmp_path) -> None:
    """A full rewrite (qpdf through pikepdf) keeps the signature dictionary but not its bytes."""
    target = tmp_path / "rewritten.pdf"
    with pikepdf.open(report) as pdf:
        pdf.docinfo["/Title"] = "Another title"
        pdf.save(target)
    assert not pdfsig_verified(target)
    assert not verified(target)


def test_stripping_the_signature_is_caught(report, tmp_path) -> None:
    target = tmp_path / "stripped.pdf"
    with pikepdf.open(report) as pdf:
        del pdf.Root["/AcroForm"]
        if "/Perms" in pdf.Root:
            del pdf.Root["/Perms"]
        for page in pdf.pages:
            if "/Annots" in page:
                page.Annots = pikepdf.Array([a for a in page.Annots if a.get("/FT") != "/Sig"])
        pdf.save(target)
    assert "does not contain any signatures" in pdfsig(target)
    code, out = run("verify", target, "--trust", own_certificate())
    assert code == 1 and "carries no signature" in out


def test_a_report_showing_other_data_than_it_embeds_is_caught(tmp_path, signing_identity) -> None:
    """Signed, intact, and yet the cover shows another digest than the embedded data has."""
    saved = tmp_path / "a.json"
    assert run("assess", EXAMPLE, "--as-of", AS_OF, "-o", saved)[0] == 0
    a = Assessment.model_validate_json(saved.read_text())
    data = saved.read_text()
    pdf, _ = render_pdf(render_html(a, "en", hashlib.sha256(b"other").hexdigest()), data)
    path = tmp_path / "r.pdf"
    path.write_bytes(signing.sign_pdf(pdf, signing_identity, signing.SignOptions()))
    assert pdfsig_verified(path)  # the signature itself is fine
    code, out = run("verify", path, "--trust", own_certificate())
    assert code == 1 and "is not the one the report shows" in out


def test_revocation_data_added_later_is_an_allowed_revision(report, tmp_path, signing_identity) -> None:
    data = report.read_bytes()
    sig = PdfFileReader(BytesIO(data)).embedded_signatures[0]
    context = ValidationContext(trust_roots=[signing_identity.signer.signing_cert])
    later = add_validation_info(sig, context, force_write=True).getvalue()
    target = copy(report, tmp_path, later)
    text = pdfsig(target)
    assert "Signature is Valid." in text and "- Total document signed" not in text
    code, out = run("verify", target, "--trust", own_certificate())
    assert code == 0 and "which PAdES allows" in out


# ---------------------------------------------------------------------------------------------
# Visible signature and PDF/A


def test_a_visible_signature_keeps_the_pdf_a_points(tmp_path) -> None:
    pdf_path = tmp_path / "visible.pdf"
    assert run("assess", EXAMPLE, "--as-of", AS_OF, "-o", pdf_path, "--visible-signature")[0] == 0
    assert pdfsig_verified(pdf_path) and verified(pdf_path)
    text = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", str(pdf_path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Digitally signed by Test Assessor" in text
    swedish = tmp_path / "visible-sv.pdf"
    assert (
        run("assess", EXAMPLE, "--as-of", AS_OF, "-o", swedish, "--visible-signature", "--lang", "sv")[0] == 0
    )
    first = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", str(swedish), "-"], capture_output=True, text=True, check=True
    )
    assert "Digitalt underskriven av Test Assessor" in first.stdout
    with pikepdf.open(pdf_path) as pdf:
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
            assert xmp.get("pdfaid:part") == "3" and xmp.get("pdfaid:conformance") == "B"
        (widget,) = [a for a in pdf.pages[0].Annots if a.get("/FT") == "/Sig"]
        assert int(widget.F) & 4 and not int(widget.F) & 2  # printable, not hidden
        fonts = []

        def collect(resources) -> None:
            for font in resources.get("/Font", {}).values():
                fonts.append(font)
            for xobject in resources.get("/XObject", {}).values():
                if "/Resources" in xobject:
                    collect(xobject.Resources)

        collect(widget.AP.N.Resources)
        assert fonts
        for font in fonts:
            descriptor = (
                font.DescendantFonts[0].FontDescriptor if "/DescendantFonts" in font else font.FontDescriptor
            )
            assert "/FontFile2" in descriptor or "/FontFile3" in descriptor  # embedded


# ---------------------------------------------------------------------------------------------
# Timestamps and revocation against the local test PKI


def test_pades_b_t_with_a_timestamp_authority(tmp_path, local_pki: LocalPki) -> None:
    pdf = tmp_path / "bt.pdf"
    code, _ = run("assess", EXAMPLE, "--as-of", AS_OF, "-o", pdf, "--tsa", local_pki.tsa_url)
    assert code == 0
    assert pdfsig_verified(pdf)
    code, out = run("verify", pdf, "--format", "json", "--trust", own_certificate())
    ts = json.loads(out)["signatures"][0]["timestamp"]
    assert code == 0 and ts["valid"] and ts["intact"] and not ts["trusted"]
    assert "Time Stamping" in ts["authority"] or "TSA" in ts["authority"].upper()
    # A timestamp is required to come from a trusted authority.
    assert run("verify", pdf, "--trust", own_certificate(), "--require-timestamp")[0] == 1
    code, out = run(
        "verify",
        pdf,
        "--trust",
        own_certificate(),
        "--trust",
        local_pki.root_cert_path,
        "--require-timestamp",
        "--format",
        "json",
    )
    assert code == 0 and json.loads(out)["signatures"][0]["timestamp"]["trusted"]


def test_an_organisation_certificate_with_pades_b_lt(tmp_path, local_pki: LocalPki) -> None:
    identity, secret = local_pki.identity_files(tmp_path)
    pdf = tmp_path / "blt.pdf"
    code, _ = run(
        "assess",
        EXAMPLE,
        "--as-of",
        AS_OF,
        "-o",
        pdf,
        "--identity",
        identity,
        "--passphrase-file",
        secret,
        "--tsa",
        local_pki.tsa_url,
        "--long-term",
        "--trust",
        local_pki.root_cert_path,
    )
    assert code == 0
    with pikepdf.open(pdf) as doc:
        dss = doc.Root.DSS
        assert len(dss.get("/OCSPs", [])) + len(dss.get("/CRLs", [])) > 0 and len(dss.Certs) >= 2
    text = pdfsig(pdf)
    assert "Signature is Valid." in text and "Test Municipality Signer" in text
    # Offline: the revocation data embedded in the file is enough for a trusted, timestamped verdict.
    code, out = run(
        "verify",
        pdf,
        "--trust",
        local_pki.root_cert_path,
        "--require-timestamp",
        "--format",
        "json",
    )
    data = json.loads(out)
    assert code == 0, data["problems"]
    assert data["signatures"][0]["trusted"] and not data["signatures"][0]["signer"]["self_signed"]
    assert data["revisions"] >= 2


def test_a_revoked_signer_is_a_failure_even_without_require_trust(tmp_path, local_pki: LocalPki) -> None:
    identity, secret = local_pki.identity_files(tmp_path, revoked=True)
    pdf = tmp_path / "revoked.pdf"
    code, _ = run(
        "assess", EXAMPLE, "--as-of", AS_OF, "-o", pdf, "--identity", identity, "--passphrase-file", secret
    )
    assert code == 0
    code, out = run("verify", pdf, "--trust", local_pki.root_cert_path, "--fetch")
    assert code == 1 and "was revoked on 2021-01-01" in out


def test_a_document_timestamp_added_later_is_an_allowed_revision(
    report, tmp_path, local_pki: LocalPki
) -> None:
    from pyhanko.sign.signers.pdf_signer import PdfTimeStamper
    from pyhanko.sign.timestamps import HTTPTimeStamper

    writer = IncrementalPdfFileWriter(BytesIO(report.read_bytes()), strict=False)
    context = ValidationContext(trust_roots=[local_pki.root_cert], allow_fetching=True)
    out = PdfTimeStamper(HTTPTimeStamper(local_pki.tsa_url)).timestamp_pdf(
        writer, "sha256", validation_context=context, output=BytesIO()
    )
    target = copy(report, tmp_path, out.getvalue())
    text = pdfsig(target)
    # poppler validates the report's signature and lists the timestamp, which it cannot check.
    assert "Signature #2" in text and text.count("Signature is Valid.") == 1
    code, out_text = run(
        "verify",
        target,
        "--trust",
        local_pki.root_cert_path,
        "--trust",
        own_certificate(),
        "--format",
        "json",
    )
    data = json.loads(out_text)
    assert code == 0, data["problems"]
    kinds = [s["kind"] for s in data["signatures"]]
    assert kinds == ["signature", "document timestamp"]
    assert data["signatures"][0]["later_changes_allowed"] and data["signatures"][1]["timestamp"]["trusted"]


def test_a_report_with_only_a_document_timestamp_is_not_verified(tmp_path, local_pki: LocalPki) -> None:
    """A timestamp says when the bytes existed, not who issued them: no signature, no verdict."""
    from pyhanko.sign.signers.pdf_signer import PdfTimeStamper
    from pyhanko.sign.timestamps import HTTPTimeStamper

    saved = tmp_path / "a.json"
    assert run("assess", EXAMPLE, "--as-of", AS_OF, "-o", saved)[0] == 0
    a = Assessment.model_validate_json(saved.read_text())
    unsigned, _ = render_pdf(
        render_html(a, "en", hashlib.sha256(saved.read_bytes()).hexdigest()), saved.read_text()
    )
    writer = IncrementalPdfFileWriter(BytesIO(unsigned), strict=False)
    out = PdfTimeStamper(HTTPTimeStamper(local_pki.tsa_url)).timestamp_pdf(writer, "sha256", output=BytesIO())
    target = tmp_path / "timestamped.pdf"
    target.write_bytes(out.getvalue())
    code, text = run("verify", target, "--trust", local_pki.root_cert_path)
    assert code == 1 and "only document timestamps, no signature" in text


def test_an_unreachable_timestamp_authority_writes_nothing(tmp_path, capsys) -> None:
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(b"earlier")
    code, _ = run("assess", EXAMPLE, "-o", pdf, "--tsa", "http://127.0.0.1:9/tsa")
    assert code == 2 and "timestamp authority" in capsys.readouterr().err
    assert pdf.read_bytes() == b"earlier"
