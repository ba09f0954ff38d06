"""Signing identities and PAdES signatures of reports, with pyHanko.

A report is signed with one embedded PAdES signature over the whole file: a certification
signature that permits no changes, so that the only later revisions a validator accepts are the
ones PAdES allows for long-term validation (revocation data in the document security store and
document timestamps). B-T adds an RFC 3161 timestamp from a configured authority; B-LT embeds the
certificates and revocation data that can be fetched.

A local identity is an RSA key and a self-signed certificate, stored as PKCS#12 with mode 0600
and protected by a passphrase read from an environment variable or a 0600 file, never from the
command line. An organisation's own PKCS#12 (an e-seal, say) is used the same way.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import secrets
import stat
import tempfile
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

from compliance.core.errors import ComplianceError, InputError, UsageError
from compliance.core.messages import ENGLISH, Translator
from compliance.core.redact import redact, redact_url, url_secrets

PASSPHRASE_ENV = "COMPLIANCE_SIGNING_PASSPHRASE"  # noqa: S105 (the variable's name, not a secret)
PASSPHRASE_FILE_ENV = "COMPLIANCE_SIGNING_PASSPHRASE_FILE"  # noqa: S105
IDENTITY_ENV = "COMPLIANCE_SIGNING_IDENTITY"
TSA_ENV = "COMPLIANCE_TSA_URL"
TRUST_STORE_ENV = "COMPLIANCE_TRUST_STORE"
TRUST_STORE_NAME = "trusted-certificates.pem"
SELF_SIGNED_LABEL = "Self-signed identity, not vouched for by any certification authority"
SIGNATURE_FIELD = "ReportSignature"
# RFC 9336 id-kp-documentSigning: the certificate is meant for signing documents.
DOCUMENT_SIGNING_EKU = "1.3.6.1.5.5.7.3.36"
VISIBLE_BOX = (51, 72, 400, 122)  # points from the lower left of the cover, in its reserved margin
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
)


class SigningError(ComplianceError):
    """A report could not be signed (identity, timestamp authority, revocation data)."""


def config_dir() -> Path:
    """The user's configuration folder of the tool: `$XDG_CONFIG_HOME/compliance-engine`."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "compliance-engine"


def default_identity_path() -> Path:
    """Where `compliance keys init` keeps the local identity unless told otherwise."""
    configured = os.environ.get(IDENTITY_ENV)
    if configured:
        return Path(configured)
    return config_dir() / "identity.p12"


def trust_store_path() -> Path:
    """The file of certificates the user trusts for `verify` (PEM, one after another), unless
    $COMPLIANCE_TRUST_STORE names another."""
    configured = os.environ.get(TRUST_STORE_ENV)
    return Path(configured) if configured else config_dir() / TRUST_STORE_NAME


def passphrase_file_beside(identity: Path) -> Path:
    """The passphrase file `keys init` writes beside an identity when none is configured."""
    return identity.with_suffix(".passphrase")


def certificate_file_beside(identity: Path) -> Path:
    """The certificate (PEM) `keys init` writes beside an identity, to hand to verifiers."""
    return identity.with_suffix(".crt")


def check_private(path: Path, what: str) -> None:
    """Refuse a secret file that others than its owner may read or write."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the {what}: {exc.strerror}") from None
    if not stat.S_ISREG(mode):
        raise UsageError(f"{path}: the {what} is not a regular file")
    if mode & 0o077:
        raise UsageError(
            f"{path}: the {what} may be read by others (mode {stat.S_IMODE(mode):04o}); run: chmod 600 {path}"
        )


def _read_secret(source: Path) -> bytes:
    check_private(source, "passphrase file")
    text = source.read_bytes().rstrip(b"\r\n")
    if not text:
        raise UsageError(f"{source}: the passphrase file is empty")
    return text


def configured_passphrase(passphrase_file: Path | None) -> bytes | None:
    """The passphrase named by the command line or the environment: a 0600 file, the variable, or
    the file the variable names; None when none is named."""
    if passphrase_file is not None:
        return _read_secret(passphrase_file)
    if os.environ.get(PASSPHRASE_ENV):
        return os.environ[PASSPHRASE_ENV].encode("utf-8")
    if os.environ.get(PASSPHRASE_FILE_ENV):
        return _read_secret(Path(os.environ[PASSPHRASE_FILE_ENV]))
    return None


def read_passphrase(identity: Path, passphrase_file: Path | None) -> bytes:
    """The passphrase of an identity: as named (`configured_passphrase`), or the file beside it."""
    named = configured_passphrase(passphrase_file)
    if named is not None:
        return named
    beside = passphrase_file_beside(identity)
    if not beside.exists():
        raise UsageError(
            f"{identity}: no passphrase: set {PASSPHRASE_ENV}, or name a 0600 file with "
            f"--passphrase-file or {PASSPHRASE_FILE_ENV} (looked for {beside})"
        )
    return _read_secret(beside)


@dataclass(frozen=True)
class Identity:
    """A loaded signing identity: pyHanko's signer and what a reader needs to know about it."""

    path: Path
    signer: Any  # pyhanko.sign.signers.SimpleSigner
    subject: str
    common_name: str
    self_signed: bool
    fingerprint: str
    not_before: dt.datetime
    not_after: dt.datetime
    chain: tuple[Any, ...] = field(default=())  # asn1crypto certificates besides the signer's


def load_identity(path: Path, passphrase: bytes, *, now: dt.datetime | None = None) -> Identity:
    """Open a PKCS#12 identity; a wrong passphrase, a foreign file or an expired certificate is
    refused before any work is done."""
    from pyhanko.sign.signers import SimpleSigner

    check_private(path, "signing identity")
    try:
        signer = SimpleSigner.load_pkcs12_data(path.read_bytes(), other_certs=(), passphrase=passphrase)
    except ValueError:
        raise UsageError(
            f"{path}: cannot open the signing identity: wrong passphrase, or not a PKCS#12 file "
            "with a key and a certificate"
        ) from None
    cert = signer.signing_cert
    if cert is None or signer.signing_key is None:
        raise UsageError(f"{path}: the PKCS#12 file holds no key and certificate")
    identity = describe_identity(path, signer)
    moment = now or dt.datetime.now(dt.UTC)
    if not identity.not_before <= moment <= identity.not_after:
        raise UsageError(
            f"{path}: the signing certificate is valid from {identity.not_before:%Y-%m-%d} to "
            f"{identity.not_after:%Y-%m-%d}, not now; create a new identity (compliance keys init)"
        )
    return identity


def open_identity(path: Path, passphrase_file: Path | None) -> Identity:
    """Open the identity at `path` with its passphrase, wherever that is kept."""
    return load_identity(path, read_passphrase(path, passphrase_file))


def describe_identity(path: Path, signer: Any) -> Identity:
    """Subject, fingerprint and validity of a loaded signer."""
    cert = signer.signing_cert
    chain = tuple(c for c in signer.cert_registry if c.sha256 != cert.sha256)
    validity = cert["tbs_certificate"]["validity"]
    return Identity(
        path=path,
        signer=signer,
        subject=cert.subject.human_friendly,
        common_name=str(cert.subject.native.get("common_name") or cert.subject.human_friendly),
        self_signed=cert.self_signed in ("yes", "maybe") and not chain,
        fingerprint=cert.sha256.hex(),
        not_before=validity["not_before"].native,
        not_after=validity["not_after"].native,
        chain=chain,
    )


LOGIN_LIKE = {
    "root",
    "admin",
    "administrator",
    "user",
    "localhost",
    "test",
    "signer",
    "nobody",
    "ubuntu",
    "debian",
}


def check_signer_names(name: str, organisation: str) -> None:
    """Refuse a signer's name or organisation a reader cannot recognise: empty, a login or host
    name (`root at vm`), or an e-mail address."""
    import getpass
    import re
    import socket

    try:
        login = getpass.getuser().casefold()
    except (KeyError, OSError):
        login = ""
    host = socket.gethostname().casefold()
    for option, value in (("--name", name), ("--organisation", organisation)):
        folded = value.strip().casefold()
        if len(folded) < 2 or not any(c.isalpha() for c in folded):
            raise UsageError(f"{option}: '{value}' does not name a person, role or organisation")
        if any(ord(c) < 32 or ord(c) == 127 for c in value):
            raise UsageError(f"{option}: control characters are not allowed")
        if folded in LOGIN_LIKE or folded in {login, host} or re.fullmatch(r"\S+ (?:at|@) \S+", folded):
            raise UsageError(
                f"{option}: '{value}' looks like a login or host name; a report's reader must recognise "
                "who signed it (for example --name 'Ida Holm, DPO' --organisation 'Vejle Kommune')"
            )
        if "@" in folded:
            raise UsageError(f"{option}: '{value}' is an e-mail address; give it with --email")


def create_identity(
    passphrase: bytes,
    *,
    common_name: str,
    organisation: str | None = None,
    country: str | None = None,
    email: str | None = None,
    days: int = 1095,
    now: dt.datetime | None = None,
) -> bytes:
    """A new RSA-3072 key and self-signed certificate with the usages signature validators expect
    (digitalSignature and nonRepudiation, document signing), as PKCS#12 bytes; the caller writes
    them. The certificate says in its subject that it is self-signed."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

    if country is not None and (len(country) != 2 or not country.isalpha()):
        raise UsageError(f"--country: '{country}' is not a two-letter country code")
    if days < 1:
        raise UsageError(f"--days: {days} must be at least 1")
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    names = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organisation:
        names.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    names.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, SELF_SIGNED_LABEL))
    if country:
        names.append(x509.NameAttribute(NameOID.COUNTRY_NAME, country.upper()))
    if email:
        names.append(x509.NameAttribute(NameOID.EMAIL_ADDRESS, email))
    subject = x509.Name(names)
    start = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(minutes=5)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [ObjectIdentifier(DOCUMENT_SIGNING_EKU), ExtendedKeyUsageOID.EMAIL_PROTECTION]
            ),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if email:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False)
    cert = builder.sign(key, hashes.SHA256())
    return pkcs12.serialize_key_and_certificates(
        name=common_name.encode("utf-8"),
        key=key,
        cert=cert,
        cas=None,
        encryption_algorithm=serialization.BestAvailableEncryption(passphrase),
    )


def certificate_pem(identity: Identity) -> bytes:
    """The signer's certificate as PEM, for `--trust` on the reader's side."""
    from asn1crypto import pem

    return bytes(pem.armor("CERTIFICATE", identity.signer.signing_cert.dump()))


def write_private(path: Path, data: bytes) -> None:
    """Create a file readable by its owner only; an existing file is never replaced."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def new_passphrase() -> bytes:
    """A random passphrase for a new local identity (256 bits)."""
    return secrets.token_urlsafe(32).encode("ascii")


# ---------------------------------------------------------------------------------------------
# Signing


@dataclass(frozen=True)
class SignOptions:
    """How to sign: the timestamp authority (B-T), long-term validation data (B-LT), the roots to
    validate against when collecting it, and whether the cover shows a signature block."""

    tsa_url: str | None = None
    long_term: bool = False
    trust: tuple[Any, ...] = ()  # root certificates (asn1crypto), as `load_certificates` gives them
    visible: bool = False
    reason: str = "Assessment report issued by its assessor"
    location: str | None = None
    lang: str = "en"  # of the visible signature block, as the report's


STAMP_TEXTS = {
    "en": "Digitally signed by %(signer)s\n%(ts)s\nCheck: compliance verify, or pdfsig",
    "da": "Digitalt underskrevet af %(signer)s\n%(ts)s\nKontrollér: compliance verify eller pdfsig",
    "sv": "Digitalt underskriven av %(signer)s\n%(ts)s\nKontrollera: compliance verify eller pdfsig",
}


def load_certificates(paths: tuple[Path, ...] | list[Path]) -> list[Any]:
    """Certificates (PEM or DER) from files; a file that holds none is an input error."""
    certs: list[Any] = []
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError.single(str(path), f"cannot read: {exc.strerror}") from None
        certs.extend(certificates_in(data, str(path)))
    return certs


def certificates_in(data: bytes, where: str) -> list[Any]:
    """The certificates in PEM or DER bytes, each parsed whole; none, or a damaged one, is an
    input error naming `where`."""
    from asn1crypto import pem, x509

    try:
        if pem.detect(data):
            ders = [der for kind, _, der in pem.unarmor(data, multiple=True) if kind == "CERTIFICATE"]
        else:
            ders = [data]
        certs = [x509.Certificate.load(der) for der in ders]
        for cert in certs:
            cert.native  # noqa: B018 (parse it whole now: asn1crypto parses lazily)
    except (ValueError, TypeError, KeyError) as exc:
        raise InputError.single(where, f"not a certificate file (PEM or DER): {exc}") from None
    if not certs:
        raise InputError.single(where, "holds no certificate")
    return certs


def trusted_certificates() -> list[Any]:
    """The certificates of the user's trust store; none when it does not exist."""
    path = trust_store_path()
    if not path.exists():
        return []
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the trust store: {exc.strerror}") from None
    meaningful = [line for line in data.splitlines() if line.strip() and not line.lstrip().startswith(b"#")]
    if not meaningful:
        return []  # only comments: every certificate was removed
    return certificates_in(data, str(path))


def describe_certificate(cert: Any, tr: Translator = ENGLISH) -> str:
    """Subject, SHA-256 fingerprint and validity of a certificate, on one line (in `tr`'s language)."""
    validity = cert["tbs_certificate"]["validity"]
    return tr.gettext("{subject} (SHA-256 {fingerprint}, valid {start} to {end})").format(
        subject=cert.subject.human_friendly,
        fingerprint=cert.sha256.hex(),
        start=f"{validity['not_before'].native:%Y-%m-%d}",
        end=f"{validity['not_after'].native:%Y-%m-%d}",
    )


def add_trusted(certs: list[Any], note: str | None, today: dt.date) -> list[Any]:
    """Add certificates to the trust store (those not in it yet); returns the ones added."""
    from asn1crypto import pem

    path = trust_store_path()
    present = {c.sha256 for c in trusted_certificates()}
    added = []
    for cert in certs:
        if cert.sha256 not in present:
            present.add(cert.sha256)
            added.append(cert)
    if not added:
        return []
    old = (
        path.read_bytes()
        if path.exists()
        else b"# Certificates trusted by `compliance verify`; one PEM block each.\n"
    )
    blocks = []
    for cert in added:
        header = f"# {cert.subject.human_friendly}\n# added {today.isoformat()}" + (
            f": {note}" if note else ""
        )
        blocks.append(header.encode("utf-8") + b"\n" + bytes(pem.armor("CERTIFICATE", cert.dump())))
    _replace_file(path, old.rstrip(b"\n") + b"\n\n" + b"\n".join(blocks))
    return added


def remove_trusted(fingerprint: str) -> list[Any]:
    """Remove the certificates whose SHA-256 fingerprint starts with `fingerprint` (at least 16
    hex digits); returns the ones removed."""
    from asn1crypto import pem

    wanted = fingerprint.lower().replace(":", "")
    if len(wanted) < 16 or any(c not in "0123456789abcdef" for c in wanted):
        raise UsageError(f"'{fingerprint}' is not the start of a SHA-256 fingerprint (16 hex digits or more)")
    path = trust_store_path()
    kept: list[Any] = []
    removed: list[Any] = []
    for cert in trusted_certificates():
        (removed if cert.sha256.hex().startswith(wanted) else kept).append(cert)
    if removed:
        body = b"# Certificates trusted by `compliance verify`; one PEM block each.\n"
        for cert in kept:
            body += f"\n# {cert.subject.human_friendly}\n".encode() + bytes(
                pem.armor("CERTIFICATE", cert.dump())
            )
        _replace_file(path, body)
    return removed


def _replace_file(path: Path, data: bytes) -> None:
    """Write a file whole or not at all (a temporary beside it, then a rename)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        tmp.chmod(0o644)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def _validation_context(identity: Identity, roots: tuple[Any, ...]) -> Any:
    """The context B-LT collects its data in: the given roots, or the identity's own root (a
    self-signed certificate is its own root), fetching revocation data where it is published."""
    from pyhanko_certvalidator import ValidationContext

    own = [c for c in (identity.signer.signing_cert, *identity.chain) if c.self_signed in ("yes", "maybe")]
    return ValidationContext(
        trust_roots=[*roots, *own],
        other_certs=list(identity.chain),
        allow_fetching=True,
        revocation_mode="soft-fail",
    )


@functools.cache
def _font_path() -> str:
    """DejaVu Sans rescaled to 1,000 units per em: pyHanko writes glyph widths in font units, and
    PDF reads them in thousandths of an em, so a 2,048-unit font would print spaced out."""
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.scaleUpem import scale_upem

    source = next((c for c in FONT_CANDIDATES if Path(c).is_file()), None)
    if source is None:
        raise SigningError(
            "a visible signature needs the DejaVu Sans font to embed (PDF/A); install fonts-dejavu-core"
        )
    font = TTFont(source)
    if font["head"].unitsPerEm != 1000:
        scale_upem(font, 1000)
    target = Path(_FONT_DIR.name) / "signature-font.ttf"
    font.save(str(target))
    return str(target)


_FONT_DIR = tempfile.TemporaryDirectory(prefix="compliance-font-")


def sign_pdf(pdf: bytes, identity: Identity, options: SignOptions) -> bytes:
    """The PDF with a PAdES signature over the whole file (certification, no changes permitted),
    timestamped and with validation data as the options say."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers, timestamps
    from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter

    timestamper = timestamps.HTTPTimeStamper(options.tsa_url, timeout=30) if options.tsa_url else None
    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        md_algorithm="sha256",
        subfilter=SigSeedSubFilter.PADES,
        certify=True,
        docmdp_permissions=MDPPerm.NO_CHANGES,
        reason=options.reason,
        location=options.location,
        name=identity.common_name,
        embed_validation_info=options.long_term,
        validation_context=_validation_context(identity, options.trust) if options.long_term else None,
        use_pades_lta=False,
    )
    stamp_style = None
    if options.visible:
        from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
        from pyhanko.pdf_utils.text import TextBoxStyle
        from pyhanko.stamp import TextStampStyle

        logging.getLogger("fontTools.subset").setLevel(logging.ERROR)  # chatter about dropped tables

        stamp_style = TextStampStyle(
            stamp_text=STAMP_TEXTS.get(options.lang, STAMP_TEXTS["en"]),
            text_box_style=TextBoxStyle(font=GlyphAccumulatorFactory(_font_path()), font_size=8),
            border_width=1,
        )
        spec = fields.SigFieldSpec(SIGNATURE_FIELD, on_page=0, box=VISIBLE_BOX)
    else:
        spec = fields.SigFieldSpec(SIGNATURE_FIELD, on_page=0)
    pdf_signer = signers.PdfSigner(
        meta, identity.signer, timestamper=timestamper, stamp_style=stamp_style, new_field_spec=spec
    )
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    try:
        out = pdf_signer.sign_pdf(writer, output=BytesIO())
    except _signing_failures() as exc:
        # The TSA's URL may carry a credential: it is named, and echoed by pyHanko, only masked.
        hidden = url_secrets(options.tsa_url) if options.tsa_url else []
        what = "timestamp authority " + redact_url(options.tsa_url) if options.tsa_url else "signer"
        raise SigningError(redact(f"signing failed ({what}): {type(exc).__name__}: {exc}", hidden)) from exc
    return bytes(out.getvalue())


def _signing_failures() -> tuple[type[BaseException], ...]:
    """What pyHanko raises when signing cannot be done (a TSA that cannot be reached or answers
    wrongly, a certificate path that cannot be built, a PDF it cannot extend); anything else is a
    bug and reaches the command line's handler as one."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.sign.general import SigningError as PyHankoSigningError
    from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError

    # TimestampRequestError, and the network errors of the HTTP client, are OSErrors.
    return (PyHankoSigningError, PdfError, PathBuildingError, PathValidationError, OSError)
