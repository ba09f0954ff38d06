"""`compliance verify`: is a signed report intact, whole, from whom, trusted, timestamped, and do
the data inside it agree with what it shows?

Integrity and coverage decide the verdict: every signature must be intact and cryptographically
valid, and every byte after the signed revision must be a change PAdES allows for long-term
validation (revocation data, document timestamps), as pyHanko's modification analysis judges.
Trust and timestamps are reported plainly and fail the verdict only when required.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

from compliance.errors import InputError

ASSESSMENT_NAME = "assessment.json"


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
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing is broken or changed and every requirement holds."""
        return self.signed and not self.problems

    def as_json(self) -> dict[str, Any]:
        """The verification as plain data."""
        data = asdict(self)
        data["ok"] = self.ok
        return data


def verify_report(
    path: Path,
    *,
    trust: list[Any] | None = None,
    require_trust: bool = False,
    require_timestamp: bool = False,
    inputs_dir: Path | None = None,
    fetch: bool = False,
) -> Verification:
    """Verify a signed report; unreadable or non-PDF input is an input error."""
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError.single(str(path), f"cannot read: {exc.strerror}") from None
    if not data.startswith(b"%PDF-"):
        raise InputError.single(str(path), "not a PDF file")
    result = Verification(file=str(path))
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        signatures = list(reader.embedded_signatures)
        result.revisions = reader.xrefs.total_revisions
    except (PdfReadError, ValueError, KeyError, TypeError, IndexError) as exc:
        result.problems.append(f"the PDF cannot be read as a whole: {type(exc).__name__}: {exc}")
        return result
    if not signatures:
        result.problems.append("the report carries no signature: its origin and integrity cannot be checked")
    else:
        result.signed = True
        result.later_revisions = result.revisions - 1 - max(sig.signed_revision for sig in signatures)
        try:
            context = _context(reader, trust or [], fetch)
            for sig in signatures:
                check = _check_signature(sig, context)
                result.signatures.append(check)
                _judge(check, result, require_trust, require_timestamp)
                hidden = padding_bytes(sig)
                if hidden:
                    result.problems.append(
                        f"{check.kind} '{check.field}': {hidden} non-zero byte(s) after the signature in "
                        "the space reserved for it, which no signature covers"
                    )
            _judge_document(signatures, result)
        except Exception as exc:  # a damaged file breaks pyHanko in many ways; each is a failure
            result.problems.append(f"a signature cannot be checked: {type(exc).__name__}: {exc}")
    try:
        _check_embedded(reader, data, result)
    except Exception as exc:  # same: damaged streams, broken name trees
        result.problems.append(f"the embedded assessment cannot be read: {type(exc).__name__}: {exc}")
    if inputs_dir is not None:
        _check_inputs(inputs_dir, result)
    return result


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


def _der_length(data: bytes) -> int:
    """The length of the DER value at the start of `data`, header included."""
    if len(data) < 2:
        return len(data)
    if data[1] < 0x80:
        return 2 + data[1]
    n = data[1] & 0x7F
    return 2 + n + int.from_bytes(data[2 : 2 + n], "big")


def padding_bytes(sig: Any) -> int:
    """How many bytes after the signature itself, in the space reserved for it in /Contents, are
    not zero. The reserved space is the one part of the file the signature cannot cover: a
    validator that ignores it lets anything be hidden there."""
    contents: bytes = sig.pkcs7_content
    return sum(1 for b in contents[_der_length(contents) :] if b)


def _judge(check: SignatureCheck, result: Verification, require_trust: bool, require_timestamp: bool) -> None:
    """Problems make the verdict fail; notes are told plainly and fail only when required."""
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
    elif not check.trusted:
        why = "self-signed" if check.signer["self_signed"] else "not chained to a trusted root"
        text = f"{name}: the signer is not trusted ({why}; name the signer's or its root's certificate with --trust)"
        (result.problems if require_trust else result.notes).append(text)
    ts = check.timestamp
    if check.kind == "signature":
        if ts is None:
            text = f"{name}: no timestamp; the signing time is only the signer's own claim"
            (result.problems if require_timestamp else result.notes).append(text)
        elif not (ts["intact"] and ts["valid"]):
            result.problems.append(f"{name}: the timestamp token does not verify")
        elif not ts["trusted"]:
            text = f"{name}: the timestamp authority '{ts['authority']}' is not trusted"
            (result.problems if require_trust else result.notes).append(text)


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
        result.notes.append("the first signature is a document timestamp, not a signature of the report")


def _embedded_files(reader: Any) -> dict[str, bytes]:
    """Embedded files by name, from the name tree of the current revision."""
    out: dict[str, bytes] = {}
    try:
        tree = reader.root["/Names"]["/EmbeddedFiles"]
    except KeyError:
        return out
    stack = [tree]
    while stack:
        node = stack.pop()
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


def _check_embedded(reader: Any, data: bytes, result: Verification) -> None:
    files = _embedded_files(reader)
    raw = files.get(ASSESSMENT_NAME)
    if raw is None:
        result.problems.append(f"no embedded {ASSESSMENT_NAME}: the report's data cannot be checked")
        return
    digest = hashlib.sha256(raw).hexdigest()
    try:
        assessment = json.loads(raw)
        inputs = [i for i in assessment.get("inputs", []) if isinstance(i, dict)]
    except (ValueError, AttributeError):
        result.problems.append(f"the embedded {ASSESSMENT_NAME} is not valid JSON")
        return
    hashes = [str(i.get("sha256", "")).lower() for i in inputs]
    found = _shown_text(data, [digest, *hashes])
    result.assessment = {
        "sha256": digest,
        "shown_in_report": digest in found,
        "solution": (assessment.get("solution") or {}).get("id"),
        "as_of": assessment.get("as_of"),
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


def _check_inputs(directory: Path, result: Verification) -> None:
    """Re-hash the original input files, found under DIR by their recorded path or their name."""
    for entry in result.assessment.get("inputs", []):
        recorded = Path(str(entry["path"]))
        parts = recorded.parts[1:] if recorded.is_absolute() else recorded.parts
        # The recorded path, then ever shorter tails of it: an absolute path or one relative to
        # another working directory still finds the file where DIR keeps it.
        candidates = [directory.joinpath(*parts[i:]) for i in range(len(parts))]
        found = next((c for c in candidates if c.is_file()), None)
        if found is None:
            status, actual = "missing", None
            result.problems.append(f"input {recorded}: not found under {directory}")
        else:
            actual = hashlib.sha256(found.read_bytes()).hexdigest()
            status = "match" if actual == entry["sha256"] else "changed"
            if status == "changed":
                result.problems.append(
                    f"input {recorded}: {found} differs from the assessed file (SHA-256 {actual})"
                )
        result.inputs.append(
            {
                "path": str(recorded),
                "file": str(found) if found else None,
                "expected": entry["sha256"],
                "actual": actual,
                "status": status,
            }
        )


def render_text(v: Verification) -> str:
    """The verification for a terminal."""
    lines = [f"{v.file}: {'VERIFIED' if v.ok else 'NOT VERIFIED'}"]
    if v.revisions:
        lines.append(
            f"  revisions:       {v.revisions}, of which {v.later_revisions} added after the last signature"
        )
    for s in v.signatures:
        lines.append(f"  {s.kind} '{s.field}'")
        lines.append(f"    signer:        {s.signer['subject']}")
        lines.append(
            f"    certificate:   SHA-256 {s.signer['sha256']}"
            + (" (self-signed)" if s.signer["self_signed"] else "")
        )
        lines.append(f"    integrity:     {'intact' if s.intact and s.valid else 'BROKEN'}")
        lines.append(
            f"    coverage:      {s.coverage.replace('_', ' ')}; later changes: {s.modification.replace('_', ' ')}"
            + ("" if s.later_changes_allowed else " (NOT ALLOWED)")
        )
        lines.append(f"    trusted:       {'yes' if s.trusted else 'no'}")
        if s.revoked:
            lines.append(f"    REVOKED:       {s.revoked}")
        if s.timestamp:
            lines.append(
                f"    timestamp:     {s.timestamp['time']} by {s.timestamp['authority']}"
                f" ({'valid' if s.timestamp['valid'] and s.timestamp['intact'] else 'INVALID'},"
                f" {'trusted' if s.timestamp['trusted'] else 'not trusted'})"
            )
        else:
            lines.append(f"    timestamp:     none (claimed signing time {s.claimed_time or 'none'})")
    if v.assessment:
        lines.append(
            f"  embedded assessment: SHA-256 {v.assessment['sha256']}"
            f" ({'shown in the report' if v.assessment['shown_in_report'] else 'NOT the one shown'})"
        )
        shown = sum(1 for i in v.assessment["inputs"] if i["shown_in_report"])
        lines.append(f"  input hashes shown in the report: {shown} of {len(v.assessment['inputs'])}")
    for i in v.inputs:
        lines.append(f"  input {i['path']}: {i['status']}")
    lines += [f"  problem: {p}" for p in v.problems]
    lines += [f"  note: {n}" for n in v.notes]
    return "\n".join(lines) + "\n"
