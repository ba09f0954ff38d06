"""The local test PKI works with the real pyHanko: PAdES B-T and B-LT signatures and revocation.

Every network request goes to the certomancer services on 127.0.0.1 (see tests/pki.py).
"""

from __future__ import annotations

import urllib.request
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from asn1crypto import crl, x509
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import PdfFileWriter
from pyhanko.sign import PdfSignatureMetadata, SimpleSigner, sign_pdf
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.status import PdfSignatureStatus
from pyhanko_certvalidator import ValidationContext

if TYPE_CHECKING:
    from pki import LocalPki

# Provides the session-scoped `local_pki` fixture. Registered as a plugin rather than imported, so
# that pytest can rewrite its asserts and ruff sees no unused import shadowed by test arguments.
pytest_plugins = ["pki"]


def tiny_pdf() -> bytes:
    """A one-page blank A4 PDF written by pyHanko's own writer."""
    writer = PdfFileWriter()
    page = generic.DictionaryObject(
        {
            pdf_name("/Type"): pdf_name("/Page"),
            pdf_name("/MediaBox"): generic.ArrayObject(map(generic.NumberObject, (0, 0, 595, 842))),
            pdf_name("/Resources"): generic.DictionaryObject(),
        }
    )
    writer.insert_page(page)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def load_signer(p12_path: Path, passphrase: bytes) -> SimpleSigner:
    signer = SimpleSigner.load_pkcs12(str(p12_path), passphrase=passphrase)
    assert signer is not None, f"could not load {p12_path}"
    return signer


def sign(
    pki: LocalPki,
    p12_path: Path,
    *,
    embed_validation_info: bool = False,
    validation_context: ValidationContext | None = None,
) -> bytes:
    """Sign `tiny_pdf()` as PAdES with a signature timestamp from the loopback TSA."""
    meta = PdfSignatureMetadata(
        field_name="Signature1",
        subfilter=SigSeedSubFilter.PADES,
        embed_validation_info=embed_validation_info,
        use_pades_lta=False,
        validation_context=validation_context,
    )
    output = sign_pdf(
        IncrementalPdfFileWriter(BytesIO(tiny_pdf())),
        meta,
        signer=load_signer(p12_path, pki.signer_p12_passphrase),
        timestamper=HTTPTimeStamper(pki.tsa_url),
    )
    return output.getvalue()


def validate(signed: bytes, context: ValidationContext) -> PdfSignatureStatus:
    (embedded,) = PdfFileReader(BytesIO(signed)).embedded_signatures
    return validate_pdf_signature(embedded, context)


def root_of(pki: LocalPki) -> x509.Certificate:
    return load_cert_from_pemder(str(pki.root_cert_path))


def fetching_context(pki: LocalPki) -> ValidationContext:
    """Trusts only the test root, fetches OCSP/CRLs from the loopback services, and insists on them."""
    return ValidationContext(trust_roots=[root_of(pki)], allow_fetching=True, revocation_mode="hard-fail")


# ---------------------------------------------------------------------------------------------
# The PKI itself


def test_the_pki_files_hold_the_chain_and_the_signer(local_pki: LocalPki) -> None:
    root = root_of(local_pki)
    intermediate = load_cert_from_pemder(str(local_pki.intermediate_cert_path))
    assert root.self_signed == "maybe"
    assert intermediate.issuer == root.subject

    signer = load_signer(local_pki.signer_p12_path, local_pki.signer_p12_passphrase)
    cert = signer.signing_cert
    assert cert.subject.native == {
        "country_name": "DK",
        "organization_name": "Compliance Engine Test PKI",
        "common_name": "Test Municipality Signer",
    }
    assert cert.issuer == intermediate.subject
    assert cert.key_usage_value.native == {"digital_signature", "non_repudiation"}
    chain = [c.subject for c in signer.cert_registry]
    assert root.subject in chain and intermediate.subject in chain


def test_the_certificates_point_at_the_loopback_services(local_pki: LocalPki) -> None:
    for label, ocsp_url, crl_url in [
        ("signer", local_pki.ocsp_urls["interm"], local_pki.crl_urls["interm"]),
        ("interm", local_pki.ocsp_urls["root"], local_pki.crl_urls["root"]),
    ]:
        cert = local_pki.cert(label)
        assert cert.ocsp_urls == [ocsp_url], label
        assert cert.crl_distribution_points[0].url == crl_url, label
        assert ocsp_url.startswith(local_pki.url + "/") and local_pki.url.startswith("http://127.0.0.1:")

    tsa = local_pki.cert("tsa")
    eku = next(e for e in tsa["tbs_certificate"]["extensions"] if e["extn_id"].native == "extended_key_usage")
    assert eku["critical"].native is True
    assert tsa.extended_key_usage_value.native == ["time_stamping"]
    assert local_pki.cert("interm-ocsp").extended_key_usage_value.native == ["ocsp_signing"]


# ---------------------------------------------------------------------------------------------
# Signing and validating with pyHanko


def test_a_b_t_signature_is_intact_valid_trusted_and_timestamped(local_pki: LocalPki) -> None:
    before = len(local_pki.requests)
    signed = sign(local_pki, local_pki.signer_p12_path)

    status = validate(signed, ValidationContext(trust_roots=[root_of(local_pki)]))

    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert status.signing_cert.subject.native["common_name"] == "Test Municipality Signer"
    ts = status.timestamp_validity
    assert ts is not None, "no signature timestamp token"
    assert ts.intact and ts.valid and ts.trusted, ts
    assert ts.signing_cert.subject.native["common_name"] == "Test Time Stamping Authority"
    assert status.bottom_line
    assert ("POST", "/compliance-test/tsa/tsa") in local_pki.requests[before:]


def test_a_signature_is_not_trusted_without_the_test_root(local_pki: LocalPki) -> None:
    signed = sign(local_pki, local_pki.signer_p12_path)

    status = validate(signed, ValidationContext(trust_roots=[local_pki.cert("tsa")]))

    assert status.intact and status.valid and not status.trusted and not status.bottom_line


def test_a_b_lt_signature_embeds_revocation_info_fetched_from_loopback(local_pki: LocalPki) -> None:
    before = len(local_pki.requests)
    signed = sign(
        local_pki,
        local_pki.signer_p12_path,
        embed_validation_info=True,
        validation_context=fetching_context(local_pki),
    )

    fetched = {path for _, path in local_pki.requests[before:]}
    assert any("/ocsp/" in path or "/crls/" in path for path in fetched), fetched
    reader = PdfFileReader(BytesIO(signed))
    dss = reader.root["/DSS"]
    assert len(dss.get("/OCSPs", [])) + len(dss.get("/CRLs", [])) > 0, dss

    # The embedded revocation information alone suffices: validate offline, revocation required.
    offline = DocumentSecurityStore.read_dss(reader).as_validation_context(
        {"trust_roots": [root_of(local_pki)], "allow_fetching": False, "revocation_mode": "hard-fail"}
    )
    status = validate(signed, offline)
    assert status.bottom_line, status.pretty_print_details()


def test_a_signature_by_a_revoked_certificate_is_reported_revoked(local_pki: LocalPki) -> None:
    signed = sign(local_pki, local_pki.revoked_signer_p12_path)

    status = validate(signed, fetching_context(local_pki))

    assert status.intact and status.valid  # the cryptography is fine ...
    assert status.revoked and not status.trusted and not status.bottom_line  # ... the certificate is not
    assert status.revocation_details is not None
    assert status.revocation_details.revocation_date.year == 2021
    assert status.revocation_details.revocation_reason.native == "key_compromise"


def test_the_good_signer_passes_the_same_online_revocation_check(local_pki: LocalPki) -> None:
    signed = sign(local_pki, local_pki.signer_p12_path)

    status = validate(signed, fetching_context(local_pki))

    assert not status.revoked and status.bottom_line, status.pretty_print_details()


@pytest.mark.parametrize("label", ["root", "interm"])
def test_each_crl_is_issued_by_its_ca_and_lists_only_the_revoked_signer(
    local_pki: LocalPki, label: str
) -> None:
    with urllib.request.urlopen(local_pki.crl_urls[label], timeout=5) as response:
        body = response.read()
    issued = crl.CertificateList.load(body)
    assert issued.issuer == local_pki.cert(label).subject
    revoked = {entry["user_certificate"].native for entry in issued["tbs_cert_list"]["revoked_certificates"]}
    assert revoked == ({local_pki.cert("revoked-signer").serial_number} if label == "interm" else set())
