"""`compliance verify`: is a signed report intact, whole, from whom, trusted, timestamped, and do
the data inside it agree with what it shows and, when asked, with the engine?

A report is handed over by the party it assesses, so nothing in it is taken on trust:

- every signature must be intact and cryptographically valid, and its `/Contents` exactly what a
  signer writes (`pdf_revisions.signature_value_problems`);
- every byte after the report's signature must belong to a revision PAdES allows for long-term
  validation, judged by our own rules (`pdf_revisions`) as well as pyHanko's modification
  analysis;
- the signer must chain to a trusted certificate (given with `--trust` or kept in the trust
  store): an intact report from an untrusted signer is "intact, signed by an untrusted
  certificate", not verified;
- the report must show the SHA-256 of the assessment it embeds, and with `recompute` that
  assessment must follow from its own facts (`recompute`).

`check_report` runs all of it in a child process with limits (`sandbox`), so that no file can
hang the verifier or take the machine's memory.
"""

from __future__ import annotations

import hashlib
import json
import re
import stat
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from io import BytesIO
from pathlib import Path
from typing import Any

from compliance.core.errors import InputError, raised_by
from compliance.core.messages import N_
from compliance.core.terminal import quiet_libraries
from compliance.outputs.i18n import translator

ASSESSMENT_NAME = "assessment.json"
# Imported once by the checking server, so that each checking process starts with them loaded.
PRELOAD = [
    "__main__",  # the program itself, once, instead of in every checking process
    __name__,
    "compliance.trust.pdf_revisions",
    "compliance.core.recompute",
    "compliance.inputs.loader",
    "pyhanko.pdf_utils.reader",
    "pyhanko.sign.validation",
    "pyhanko_certvalidator",
    "pypdf",
]
MAX_PAGES_WALKED = 100_000


class Verdict(StrEnum):
    """The answer `verify` gives."""

    VERIFIED = "verified"
    UNTRUSTED = "untrusted"  # intact and whole, but the signer is not trusted
    NOT_VERIFIED = "not_verified"
    NOT_CHECKED = "not_checked"  # the file could not be checked within the limits


# The libraries a signed report is read with: what they raise on a damaged file is the file's
# fault (`raised_by`), anything raised in our own code is a bug.
PDF_LIBRARIES = (
    "pyhanko",
    "pyhanko_certvalidator",
    "asn1crypto",
    "cryptography",
    "oscrypto",
    "uritools",
    "pypdf",  # the text the pages show and the page tree
    "PIL",
    "zlib",
)


@dataclass(frozen=True)
class VerifyOptions:
    """What to check besides integrity; plain data, so that it crosses into the checking process."""

    trust: tuple[bytes, ...] = ()  # DER certificates: trust anchors (roots or the signers' own)
    allow_untrusted: bool = False
    require_timestamp: bool = False
    inputs_dir: Path | None = None
    fetch: bool = False
    recompute: bool = False
    rules: tuple[Path, ...] = ()  # folders of the user packs an assessment may have used


@dataclass
class SignatureCheck:
    """What one embedded signature or document timestamp says."""

    field: str
    kind: str  # "signature" or "document timestamp"
    intact: bool
    valid: bool
    coverage: str
    modification: str
    later_changes_allowed: bool
    signer: dict[str, Any]
    trusted: bool
    trust_problem: str | None
    claimed_time: str | None
    timestamp: dict[str, Any] | None
    certification: str | None
    revoked: str | None = None  # when and why the signer's certificate was revoked


@dataclass
class Verification:
    """The verdict on one report and everything it rests on."""

    file: str
    signed: bool = False
    revisions: int = 0
    later_revisions: int = 0  # revisions after the one the last signature or timestamp covers
    signatures: list[SignatureCheck] = field(default_factory=list)
    assessment: dict[str, Any] = field(default_factory=dict)
    inputs: list[dict[str, Any]] = field(default_factory=list)
    recomputation: dict[str, Any] | None = None
    problems: list[str] = field(default_factory=list)
    untrusted: list[str] = field(default_factory=list)  # signers no trust anchor vouches for
    notes: list[str] = field(default_factory=list)
    allow_untrusted: bool = False
    limit: str | None = None  # why the file could not be checked within the limits

    @property
    def verdict(self) -> Verdict:
        """Verified only when intact, whole, consistent and from a trusted signer."""
        if self.limit is not None:
            return Verdict.NOT_CHECKED
        if not self.signed or self.problems:
            return Verdict.NOT_VERIFIED
        if self.untrusted:
            return Verdict.UNTRUSTED
        return Verdict.VERIFIED

    @property
    def ok(self) -> bool:
        """Exit 0: verified, or intact from an untrusted signer when that was allowed."""
        verdict = self.verdict
        return verdict is Verdict.VERIFIED or (verdict is Verdict.UNTRUSTED and self.allow_untrusted)

    def as_json(self) -> dict[str, Any]:
        """The verification as plain data."""
        data = asdict(self)
        data["verdict"] = self.verdict.value
        data["ok"] = self.ok
        return data


def check_report(path: Path, options: VerifyOptions, limits: Any = None) -> Verification:
    """`verify_report` in a child process with memory and time limits; a file that exceeds them
    is reported as not checked, never as verified."""
    from compliance.trust.sandbox import ChildError, LimitExceeded, Limits, run_limited

    _check_readable(path)
    try:
        result: Verification = run_limited(
            _verify_quietly, path, options, limits=limits or Limits(), preload=PRELOAD
        )
        return result
    except LimitExceeded as exc:
        limited = Verification(file=str(path), allow_untrusted=options.allow_untrusted)
        limited.limit = f"could not be checked within limits: {exc}"
        return limited
    except ChildError as exc:
        raise RuntimeError(f"the verifier failed: {exc}") from None


def _verify_quietly(path: Path, options: VerifyOptions) -> Verification:
    """`verify_report` without the libraries' logging: pyHanko logs every failed path validation
    with a traceback, pypdf every damaged object of a report it reads the pages of, and the
    verification reports each itself."""
    quiet_libraries()
    return verify_report(path, options)


def verify_report(path: Path, options: VerifyOptions | None = None) -> Verification:
    """Verify a signed report in this process; unreadable or non-PDF input is an input error."""
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader

    options = options or VerifyOptions()
    _check_readable(path)
    data = path.read_bytes()
    result = Verification(file=str(path), allow_untrusted=options.allow_untrusted)
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        signatures = sorted(reader.embedded_signatures, key=lambda s: s.signed_revision)
        result.revisions = reader.xrefs.total_revisions
    # pyHanko checks some of a file's structure with `assert` (a cross-reference stream whose
    # /Type is not /XRef), so a damaged file can raise AssertionError here too.
    except (PdfReadError, ValueError, KeyError, TypeError, IndexError, AttributeError, AssertionError) as exc:
        result.problems.append(f"the PDF cannot be read as a whole: {type(exc).__name__}: {exc}")
        return result
    if not signatures:
        result.problems.append("the report carries no signature: its origin and integrity cannot be checked")
    else:
        result.signed = True
        result.later_revisions = result.revisions - 1 - max(sig.signed_revision for sig in signatures)
        try:
            _check_signatures(data, reader, signatures, options, result)
        except Exception as exc:  # a damaged file breaks pyHanko in many ways; each is a failure
            if not raised_by(exc, *PDF_LIBRARIES):
                raise  # a bug of ours: the internal-error exit, never a verification's finding
            result.problems.append(f"a signature cannot be checked: {type(exc).__name__}: {exc}")
    raw: bytes | None = None
    try:
        raw = _check_embedded(reader, data, result)
    except RecursionError:
        raise
    except Exception as exc:  # same: damaged streams, broken name trees
        if not raised_by(exc, *PDF_LIBRARIES):
            raise
        result.problems.append(f"the embedded assessment cannot be read: {type(exc).__name__}: {exc}")
    if options.recompute and raw is not None:
        _recompute(raw, options, result)
    if options.inputs_dir is not None:
        _check_inputs(options.inputs_dir, result)
    return result


def _check_readable(path: Path) -> None:
    """A regular file that starts like a PDF; anything else (missing, a FIFO or a device, which
    would make a reader wait forever) is an input error, found without reading it."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise InputError.single(str(path), f"cannot read: {exc.strerror}") from None
    if not stat.S_ISREG(mode):
        raise InputError.single(str(path), "not a regular file")
    try:
        with path.open("rb") as fh:
            head = fh.read(5)
    except OSError as exc:
        raise InputError.single(str(path), f"cannot read: {exc.strerror}") from None
    if head != b"%PDF-":
        raise InputError.single(str(path), "not a PDF file")


def _check_signatures(
    data: bytes, reader: Any, signatures: list[Any], options: VerifyOptions, result: Verification
) -> None:
    from asn1crypto import x509

    from compliance.trust import pdf_revisions

    trust = [x509.Certificate.load(der) for der in options.trust]
    context = _context(reader, trust, options.fetch)
    for sig in signatures:
        check = _check_signature(sig, context)
        result.signatures.append(check)
        _judge(check, result, options.require_timestamp)
        result.problems += pdf_revisions.signature_value_problems(data, sig, f"{check.kind} '{check.field}'")
    _judge_document(signatures, result)
    first = signatures[0]
    _a, _la, b, lb = (int(x) for x in first.sig_object["/ByteRange"])
    changes = pdf_revisions.layout_problems(data, reader, first.signed_revision, b + lb)
    changes += pdf_revisions.revision_problems(reader, first.signed_revision)
    result.problems += [f"changed after signing: {c}" for c in changes]


def _context(reader: Any, trust: list[Any], fetch: bool) -> Any:
    """Trust the given roots only; use the revocation data embedded in the file, and fetch more
    only when asked."""
    from pyhanko.sign.validation.dss import DocumentSecurityStore
    from pyhanko_certvalidator import ValidationContext

    kwargs: dict[str, Any] = {"trust_roots": trust, "allow_fetching": fetch, "revocation_mode": "soft-fail"}
    try:
        return DocumentSecurityStore.read_dss(reader).as_validation_context(kwargs)
    except (KeyError, ValueError, TypeError, AttributeError):
        return ValidationContext(**kwargs)  # no document security store


def _signer(cert: Any) -> dict[str, Any]:
    validity = cert["tbs_certificate"]["validity"]
    return {
        "subject": cert.subject.human_friendly,
        "issuer": cert.issuer.human_friendly,
        "serial": format(cert.serial_number, "x"),
        "sha256": cert.sha256.hex(),
        "self_signed": cert.self_signed in ("yes", "maybe"),
        "not_before": validity["not_before"].native.isoformat(),
        "not_after": validity["not_after"].native.isoformat(),
    }


def _timestamp(ts: Any) -> dict[str, Any] | None:
    if ts is None:
        return None
    return {
        "time": ts.timestamp.isoformat(),
        "intact": bool(ts.intact),
        "valid": bool(ts.valid),
        "trusted": bool(ts.trusted),
        "authority": ts.signing_cert.subject.human_friendly,
    }


def _check_signature(sig: Any, context: Any) -> SignatureCheck:
    from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp

    kind = "document timestamp" if sig.sig_object_type == "/DocTimeStamp" else "signature"
    status: Any
    if kind == "signature":
        status = validate_pdf_signature(sig, signer_validation_context=context)
        ts = _timestamp(status.timestamp_validity)
        claimed = status.signer_reported_dt
    else:
        status = validate_pdf_timestamp(sig, validation_context=context)
        ts = _timestamp(status)  # a document timestamp is its own timestamp
        claimed = status.timestamp
    level = status.modification_level
    docmdp = getattr(status, "docmdp_ok", None)
    allowed = level is not None and level.name in ("NONE", "LTA_UPDATES") and docmdp is not False
    perm = getattr(sig, "docmdp_level", None)
    return SignatureCheck(
        field=str(sig.field_name),
        kind=kind,
        intact=bool(status.intact),
        valid=bool(status.valid),
        coverage=status.coverage.name.lower() if status.coverage is not None else "unclear",
        modification=level.name.lower() if level is not None else "unknown",
        later_changes_allowed=allowed,
        signer=_signer(status.signing_cert),
        trusted=bool(status.trusted),
        trust_problem=getattr(status.trust_problem_indic, "name", None),
        claimed_time=claimed.isoformat() if claimed else None,
        timestamp=ts,
        certification=perm.name.lower() if perm is not None else None,
        revoked=_revocation(status),
    )


def _revocation(status: Any) -> str | None:
    details = getattr(status, "revocation_details", None)
    if details is None:
        return None
    reason = getattr(details.revocation_reason, "native", None) or "no reason given"
    return f"{details.revocation_date.isoformat()} ({reason})"


def _judge(check: SignatureCheck, result: Verification, require_timestamp: bool) -> None:
    """Problems make the verdict fail; an untrusted signer makes it "untrusted"; notes are told
    plainly."""
    name = f"{check.kind} '{check.field}'"
    if not check.intact:
        result.problems.append(f"{name}: the signed bytes were changed (digest mismatch)")
    elif not check.valid:
        result.problems.append(f"{name}: the signature value does not verify with the signer's key")
    if check.coverage not in ("entire_file", "entire_revision"):
        result.problems.append(f"{name}: covers only part of the file ({check.coverage})")
    elif check.coverage == "entire_revision" and not check.later_changes_allowed:
        result.problems.append(
            f"{name}: the file was changed after signing ({check.modification}); only revocation "
            "data and document timestamps may be added"
        )
    if check.revoked:
        result.problems.append(f"{name}: the signer's certificate was revoked on {check.revoked}")
    elif not check.trusted and check.kind == "signature":
        fingerprint = check.signer["sha256"]
        if check.signer["self_signed"]:
            why = (
                f"it is self-signed: check its SHA-256 fingerprint {fingerprint} with the sender, then "
                "trust it with --trust CERT or `compliance trust add CERT`"
            )
        else:
            why = (
                "it does not chain to a trusted certificate: trust the signer's or its root's "
                "certificate with --trust CERT or `compliance trust add CERT`"
            )
        result.untrusted.append(
            f"{name}: signed by {check.signer['subject']}, whom no trusted certificate vouches for; {why}"
        )
    elif not check.trusted:
        result.notes.append(f"{name}: the timestamp authority is not trusted")
    ts = check.timestamp
    if check.kind == "signature":
        if ts is None:
            text = f"{name}: no timestamp; the signing time is only the signer's own claim"
            (result.problems if require_timestamp else result.notes).append(text)
        elif not (ts["intact"] and ts["valid"]):
            result.problems.append(f"{name}: the timestamp token does not verify")
        elif not ts["trusted"]:
            text = f"{name}: the timestamp authority '{ts['authority']}' is not trusted"
            (result.problems if require_timestamp else result.notes).append(text)


def _judge_document(signatures: list[Any], result: Verification) -> None:
    """The last signature or timestamp must reach the end of the file, or be followed only by
    changes it allows: otherwise bytes nobody signed were added."""
    last = result.signatures[-1]
    if last.coverage == "entire_revision" and last.later_changes_allowed:
        result.notes.append(
            f"{result.later_revisions} revision(s) after the last signature hold only revocation data or "
            "document timestamps, which PAdES allows"
        )
    if all(sig.sig_object_type == "/DocTimeStamp" for sig in signatures):
        # A timestamp proves when the bytes existed, not who issued them.
        result.problems.append(
            "the report carries only document timestamps, no signature: its issuer is unknown"
        )
    elif signatures[0].sig_object_type == "/DocTimeStamp":
        result.problems.append("the first signature is a document timestamp, not a signature of the report")


def _page_tree_problem(reader: Any) -> str | None:
    """A page tree that loops or shares nodes would send a page reader round forever."""
    from pyhanko.pdf_utils import generic

    seen: set[int] = set()
    stack = [reader.root.raw_get("/Pages")]
    while stack:
        ref = stack.pop()
        if not isinstance(ref, generic.IndirectObject):
            return "a node of the page tree is not an indirect object"
        if ref.idnum in seen:
            return "the page tree has a cycle or a node with two parents"
        seen.add(ref.idnum)
        if len(seen) > MAX_PAGES_WALKED:
            return f"the page tree has more than {MAX_PAGES_WALKED} nodes"
        node = ref.get_object()  # type: ignore[no-untyped-call]
        kids = node.get("/Kids") if isinstance(node, generic.DictionaryObject) else None
        if isinstance(kids, generic.ArrayObject):
            stack.extend(list.__iter__(kids))
    return None


def _embedded_files(reader: Any) -> dict[str, bytes]:
    """Embedded files by name, from the name tree of the current revision."""
    out: dict[str, bytes] = {}
    try:
        tree = reader.root["/Names"]["/EmbeddedFiles"]
    except KeyError:
        return out
    stack = [tree]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen or len(seen) > MAX_PAGES_WALKED:
            continue
        seen.add(id(node))
        names = node.get("/Names")
        if names is not None:
            for i in range(0, len(names) - 1, 2):
                spec = names[i + 1].get_object()
                try:
                    out[str(names[i])] = spec["/EF"]["/F"].get_object().data
                except KeyError:
                    continue
        for kid in node.get("/Kids", []):
            stack.append(kid.get_object())
    return out


def _shown_text(data: bytes, wanted: list[str]) -> set[str]:
    """Which of the wanted hex strings the report's pages show, reading pages until all are found."""
    from pypdf import PdfReader

    found: set[str] = set()
    for page in PdfReader(BytesIO(data)).pages:
        text = re.sub(r"\s+", "", page.extract_text() or "").lower()
        found |= {w for w in wanted if w in text}
        if len(found) == len(wanted):
            break
    return found


def _check_embedded(reader: Any, data: bytes, result: Verification) -> bytes | None:
    """Check the embedded assessment against what the pages show; its bytes, for recomputing."""
    files = _embedded_files(reader)
    raw = files.get(ASSESSMENT_NAME)
    if raw is None:
        result.problems.append(f"no embedded {ASSESSMENT_NAME}: the report's data cannot be checked")
        return None
    digest = hashlib.sha256(raw).hexdigest()
    try:
        assessment = json.loads(raw)
        inputs = [i for i in assessment.get("inputs", []) if isinstance(i, dict)]
    except (ValueError, AttributeError):
        result.problems.append(f"the embedded {ASSESSMENT_NAME} is not valid JSON")
        return None
    hashes = [str(i.get("sha256", "")).lower() for i in inputs]
    tree = _page_tree_problem(reader)
    if tree is not None:
        result.problems.append(f"the pages cannot be read: {tree}")
        found: set[str] = set()
    else:
        found = _shown_text(data, [digest, *hashes])
    solution = assessment.get("solution")
    result.assessment = {
        "sha256": digest,
        "shown_in_report": digest in found,
        "solution": solution.get("id") if isinstance(solution, dict) else None,
        "as_of": assessment.get("as_of"),
        "run": _run_of(assessment),
        "edition": _edition_of(assessment),
        "inputs": [
            {"path": i.get("path"), "role": i.get("role"), "sha256": h, "shown_in_report": h in found}
            for i, h in zip(inputs, hashes, strict=True)
        ],
    }
    if digest not in found:
        result.problems.append(
            f"the SHA-256 of the embedded {ASSESSMENT_NAME} ({digest}) is not the one the report shows"
        )
    for entry in result.assessment["inputs"]:
        if not entry["shown_in_report"]:
            result.problems.append(
                f"input {entry['path']}: its SHA-256 in the embedded data is not the one the report shows"
            )
    return raw


def _edition_of(assessment: dict[str, Any]) -> dict[str, Any]:
    """Which edition the report is: the full one, or a public one and how many items it withholds."""
    edition = assessment.get("edition")
    if not isinstance(edition, dict):
        return {"kind": "full", "withheld": 0}
    withheld = edition.get("withheld")
    return {"kind": "public", "withheld": len(withheld) if isinstance(withheld, list) else 0}


def _run_of(assessment: dict[str, Any]) -> dict[str, Any] | None:
    """The run that wrote the report (its ID and the names of what it wrote with it), as far as the
    embedded data states it in the expected shape; None otherwise."""
    run = assessment.get("run")
    if not isinstance(run, dict) or not isinstance(run.get("id"), str):
        return None
    outputs = run.get("outputs")
    names = [n for n in outputs if isinstance(n, str)] if isinstance(outputs, list) else []
    return {"id": run["id"], "outputs": names}


def _recompute(raw: bytes, options: VerifyOptions, result: Verification) -> None:
    """Rerun the engine on the embedded facts with the installed packs."""
    from compliance.core.errors import ComplianceError
    from compliance.core.recompute import Recomputed, recompute
    from compliance.inputs.loader import load_packs

    try:
        packs = load_packs(options.rules)
    except ComplianceError as exc:
        result.problems.append(f"cannot recompute: the rule packs do not load: {exc}")
        return
    outcome = recompute(raw, packs)
    result.recomputation = {
        "status": outcome.status.value,
        "differences": outcome.differences,
        "notes": outcome.notes,
    }
    if outcome.status is not Recomputed.SAME:
        result.problems.append(outcome.sentence())
    result.notes += [f"recomputed: {n}" for n in outcome.notes]


def _check_inputs(directory: Path, result: Verification) -> None:
    """Re-hash the original input files, found under DIR by their recorded path or a tail of it.
    A recorded path never leads out of DIR: no `..`, no link to a place outside it, nothing but
    regular files."""
    from compliance.inputs.loader import sha256_file

    base = directory.resolve()
    for entry in result.assessment.get("inputs", []):
        recorded = Path(str(entry["path"]))
        parts = recorded.parts[1:] if recorded.is_absolute() else recorded.parts
        status, actual, found = "missing", None, None
        if ".." in parts or not parts:
            status = "refused"
            result.problems.append(
                f"input {recorded}: the recorded path leads out of {directory}; not looked up"
            )
        else:
            # The recorded path, then ever shorter tails of it: an absolute path or one relative to
            # another working directory still finds the file where DIR keeps it.
            for i in range(len(parts)):
                candidate = directory.joinpath(*parts[i:])
                try:
                    resolved = candidate.resolve(strict=True)
                except (OSError, RuntimeError):
                    continue
                if not resolved.is_relative_to(base):
                    status = "refused"
                    result.problems.append(
                        f"input {recorded}: {candidate} leads outside {directory}; not read"
                    )
                    break
                if not stat.S_ISREG(resolved.stat().st_mode):
                    status = "refused"
                    result.problems.append(f"input {recorded}: {candidate} is not a regular file; not read")
                    break
                found = resolved
                break
            if found is not None:
                actual = sha256_file(found)
                status = "match" if actual == entry["sha256"] else "changed"
                if status == "changed":
                    result.problems.append(
                        f"input {recorded}: {found} differs from the assessed file (SHA-256 {actual})"
                    )
            elif status == "missing":
                result.problems.append(f"input {recorded}: not found under {directory}")
        result.inputs.append(
            {
                "path": str(recorded),
                "file": str(found) if found else None,
                "expected": entry["sha256"],
                "actual": actual,
                "status": status,
            }
        )


HEADLINES = {
    Verdict.VERIFIED: N_("VERIFIED"),
    Verdict.UNTRUSTED: N_("INTACT, SIGNED BY AN UNTRUSTED CERTIFICATE; not verified"),
    Verdict.NOT_VERIFIED: N_("NOT VERIFIED"),
    Verdict.NOT_CHECKED: N_("NOT VERIFIED: COULD NOT BE CHECKED WITHIN LIMITS"),
}
UNTRUSTED_ACCEPTED = N_("INTACT, SIGNED BY AN UNTRUSTED CERTIFICATE (accepted with --allow-untrusted)")
# The words of pyHanko's coverage and modification levels, of the recomputation and of the input
# checks, as the terminal shows them; a value not listed is shown as it is.
VALUE_WORDS = {
    "signature": N_("signature"),
    "document timestamp": N_("document timestamp"),
    "entire_file": N_("entire file"),
    "entire_revision": N_("entire revision"),
    "contiguous_block_from_start": N_("contiguous block from start"),
    "unclear": N_("unclear"),
    "none": N_("none"),
    "lta_updates": N_("lta updates"),
    "form_filling": N_("form filling"),
    "annotations": N_("annotations"),
    "other": N_("other"),
    "unknown": N_("unknown"),
    "same": N_("same"),
    "different": N_("different"),
    "packs_differ": N_("packs differ"),
    "unreadable": N_("unreadable"),
    "withheld": N_("withheld (a public edition)"),
    "match": N_("match"),
    "changed": N_("changed"),
    "missing": N_("missing"),
    "refused": N_("refused"),
}


def render_text(v: Verification, lang: str = "en") -> str:
    """The verification for a terminal, its headline and labels in `lang` (the problems it found
    are English sentences for now; `--format json` stays English)."""
    tr = translator(lang)
    _ = tr.gettext

    def word(value: str) -> str:
        known = VALUE_WORDS.get(value)
        return _(known) if known else value.replace("_", " ")

    def field(label: str, value: object, indent: int) -> str:
        return f"{' ' * indent}{label}".ljust(18) + f" {value}"

    if v.verdict is Verdict.UNTRUSTED and v.allow_untrusted:
        headline = _(UNTRUSTED_ACCEPTED)
    else:
        headline = _(HEADLINES[v.verdict])
    lines = [f"{v.file}: {headline}"]
    problem = _("problem:")
    if v.limit:
        lines.append(f"  {problem} {v.limit}")
        return "\n".join(lines) + "\n"
    if v.revisions:
        revisions = _("{revisions}, of which {later} added after the last signature").format(
            revisions=v.revisions, later=v.later_revisions
        )
        lines.append(field(_("revisions:"), revisions, 2))
    for s in v.signatures:
        lines.append(f"  {word(s.kind)} '{s.field}'")
        lines.append(field(_("signer:"), s.signer["subject"], 4))
        certificate = f"SHA-256 {s.signer['sha256']}" + (
            " " + _("(self-signed)") if s.signer["self_signed"] else ""
        )
        lines.append(field(_("certificate:"), certificate, 4))
        lines.append(field(_("integrity:"), _("intact") if s.intact and s.valid else _("BROKEN"), 4))
        coverage = _("{coverage}; later changes: {changes}").format(
            coverage=word(s.coverage), changes=word(s.modification)
        )
        if not s.later_changes_allowed:
            coverage += " " + _("(NOT ALLOWED)")
        lines.append(field(_("coverage:"), coverage, 4))
        lines.append(field(_("trusted:"), _("yes") if s.trusted else _("NO"), 4))
        if s.revoked:
            lines.append(field(_("REVOKED:"), s.revoked, 4))
        if s.timestamp:
            timestamp = _("{time} by {authority} ({validity}, {trust})").format(
                time=s.timestamp["time"],
                authority=s.timestamp["authority"],
                validity=_("valid") if s.timestamp["valid"] and s.timestamp["intact"] else _("INVALID"),
                trust=_("trusted") if s.timestamp["trusted"] else _("not trusted"),
            )
        else:
            timestamp = _("none (claimed signing time {time})").format(time=s.claimed_time or _("none"))
        lines.append(field(_("timestamp:"), timestamp, 4))
    if v.assessment:
        shown_as = _("shown in the report") if v.assessment["shown_in_report"] else _("NOT the one shown")
        lines.append(
            "  "
            + _("embedded assessment: SHA-256 {sha256} ({shown})").format(
                sha256=v.assessment["sha256"], shown=shown_as
            )
        )
        edition = v.assessment.get("edition") or {}
        if edition.get("kind") == "public":
            lines.append(
                field(
                    _("edition:"),
                    _("public: {n} items withheld; the full edition holds them").format(
                        n=edition["withheld"]
                    ),
                    2,
                )
            )
        shown = sum(1 for i in v.assessment["inputs"] if i["shown_in_report"])
        lines.append(
            "  "
            + _("input hashes shown in the report: {shown} of {total}").format(
                shown=shown, total=len(v.assessment["inputs"])
            )
        )
    if v.recomputation is not None:
        lines.append(field(_("recomputed:"), word(v.recomputation["status"]), 2))
    for i in v.inputs:
        lines.append("  " + _("input {path}: {status}").format(path=i["path"], status=word(i["status"])))
    untrusted, note = _("untrusted:"), _("note:")
    lines += [f"  {problem} {p}" for p in v.problems]
    lines += [f"  {untrusted} {u}" for u in v.untrusted]
    lines += [f"  {note} {n}" for n in v.notes]
    return "\n".join(lines) + "\n"
