"""The command line: the only place that prints for users and chooses exit codes."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import traceback
from collections.abc import Callable, Sequence
from datetime import date
from enum import IntEnum
from importlib.resources import files
from pathlib import Path
from typing import Any, NoReturn, TextIO

from pydantic import ValidationError

from compliance import __version__
from compliance.core.controls import Catalogue, catalogue
from compliance.core.engine import assess
from compliance.core.errors import ComplianceError, InputError, OutputError, UsageError
from compliance.core.gcpause import gc_paused
from compliance.core.models.assessment import Assessment
from compliance.core.models.solution import Solution
from compliance.core.packs import CompiledRule, LoadedPack
from compliance.core.ruletest import run_all
from compliance.evidence.pip_audit_runner import Service
from compliance.evidence.run import ScanOptions, run_scans
from compliance.inputs.loader import check_accepted_risks, load_packs, load_solution, pack_inputs
from compliance.outputs.i18n import LANGUAGES
from compliance.outputs.report import report_pdf
from compliance.outputs.ruledocs import provision_text, render_markdown
from compliance.outputs.sarif import export_sarif, solution_target_lines
from compliance.outputs.summary import render
from compliance.trust import signing
from compliance.trust.verification import render_text as render_verification


class Exit(IntEnum):
    """Exit codes."""

    OK = 0
    BELOW_THRESHOLD = 1
    BAD_INPUT = 2
    INTERNAL = 3


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so every usage error goes one way."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}\n{self.format_usage().strip()}")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date (YYYY-MM-DD)") from None


def _score(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError("must be between 0 and 100")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError("must be more than 0 and at most 3600 seconds")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every command."""
    parser = _Parser(
        prog="compliance",
        description="Assess data-driven solutions against GDPR and cybersecurity rules.",
    )
    parser.add_argument("--version", action="version", version=f"compliance-engine {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    signing_opt = _Parser(add_help=False)
    g = signing_opt.add_argument_group("signing (every PDF report is signed)")
    g.add_argument(
        "--identity",
        type=Path,
        default=None,
        metavar="FILE.p12",
        help=f"PKCS#12 signing identity (default ${signing.IDENTITY_ENV}, else the one `compliance keys init` made)",
    )
    g.add_argument(
        "--passphrase-file",
        type=Path,
        default=None,
        metavar="FILE",
        help=f"0600 file holding the identity's passphrase (else ${signing.PASSPHRASE_ENV}, "
        f"${signing.PASSPHRASE_FILE_ENV}, or the .passphrase file beside the identity)",
    )
    g.add_argument(
        "--tsa",
        metavar="URL",
        default=None,
        help=f"RFC 3161 timestamp authority for PAdES B-T (default ${signing.TSA_ENV}; none: no timestamp)",
    )
    g.add_argument(
        "--long-term",
        action="store_true",
        help="PAdES B-LT: embed the certificates and revocation data that can be fetched",
    )
    g.add_argument(
        "--trust",
        type=Path,
        action="append",
        default=[],
        metavar="CERT",
        help="a root certificate (PEM or DER) to build the chain from for --long-term; repeatable",
    )
    g.add_argument("--visible-signature", action="store_true", help="draw a signature block on the cover")

    rules_opt = _Parser(add_help=False)
    rules_opt.add_argument(
        "--rules",
        metavar="DIR",
        type=Path,
        action="append",
        default=[],
        help="add the rule packs in DIR",
    )

    p = sub.add_parser("assess", parents=[rules_opt, signing_opt], help="assess a solution file")
    p.add_argument("solution", type=Path, help="solution file (YAML or JSON)")
    p.add_argument(
        "--format",
        choices=["text", "json", "sarif"],
        default="text",
        help="what to print (sarif: SARIF 2.1.0)",
    )
    p.add_argument(
        "--output",
        "-o",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="also write the assessment to FILE (.pdf for the signed report, .json, .sarif, or .txt for "
        "the summary); repeatable",
    )
    p.add_argument(
        "--as-of", type=_date, default=None, metavar="DATE", help="assessment date (default today)"
    )
    p.add_argument(
        "--lang", choices=list(LANGUAGES), default="en", help="language of the summary and the PDF report"
    )
    p.add_argument(
        "--assessor",
        default=None,
        metavar="NAME",
        help="who makes the assessment (recorded, shown on the report)",
    )
    p.add_argument(
        "--no-scan",
        action="store_true",
        help="do not run the scanners for the declared evidence (their controls then show unknown)",
    )
    p.add_argument(
        "--vulnerability-service",
        choices=["default", "osv"],
        default=None,
        help="where pip-audit looks up vulnerabilities: its default service or OSV",
    )
    p.add_argument(
        "--osv-url",
        metavar="URL",
        default=None,
        help="an OSV-compatible query URL (e.g. a mirror on the municipal network), for pip-audit",
    )
    p.add_argument(
        "--fail-under",
        type=_score,
        default=None,
        metavar="N",
        help="exit 1 when the overall score is below N (outputs are still written)",
    )
    p.set_defaults(run=cmd_assess)

    rules = sub.add_parser("rules", help="list, lint and test rule packs")
    rsub = rules.add_subparsers(dest="rules_command", required=True, parser_class=_Parser)
    r = rsub.add_parser("list", parents=[rules_opt], help="list every rule")
    r.add_argument("--format", choices=["text", "json"], default="text")
    r.set_defaults(run=cmd_rules_list)
    r = rsub.add_parser("lint", parents=[rules_opt], help="check packs load and every rule has cases")
    r.set_defaults(run=cmd_rules_lint)
    r = rsub.add_parser("test", parents=[rules_opt], help="run every rule's cases")
    r.add_argument("--verbose", "-v", action="store_true", help="list every case")
    r.set_defaults(run=cmd_rules_test)

    r = rsub.add_parser("docs", parents=[rules_opt], help="write the Markdown rule reference")
    r.add_argument(
        "--output", "-o", type=Path, default=None, metavar="FILE", help="write to FILE (default: print)"
    )
    r.set_defaults(run=cmd_rules_docs)

    p = sub.add_parser(
        "controls",
        parents=[rules_opt],
        help="list the control catalogue and crosswalk, or write a conformance statement",
        description="List the controls of every framework (or one) with their crosswalk mappings "
        "and the rules that assess them; with --statement, assess SOLUTION and write the "
        "per-provision conformance statement of that framework (e.g. etsi-en-303-645).",
    )
    p.add_argument("solution", type=Path, nargs="?", help="solution file, for --statement")
    p.add_argument("--framework", metavar="ID", help="only this framework (id or name)")
    p.add_argument(
        "--statement", metavar="FRAMEWORK", help="write FRAMEWORK's conformance statement for SOLUTION"
    )
    p.add_argument(
        "--format", choices=["text", "json", "csv"], default=None, help="text, json or csv (statements)"
    )
    p.add_argument(
        "--output", "-o", type=Path, default=None, metavar="FILE", help="write to FILE (default: print)"
    )
    p.add_argument(
        "--as-of", type=_date, default=None, metavar="DATE", help="assessment date (default today)"
    )
    p.set_defaults(run=cmd_controls)

    p = sub.add_parser(
        "report",
        parents=[signing_opt, rules_opt],
        help="render a saved assessment (JSON) as a signed PDF report",
    )
    p.add_argument("assessment", type=Path, help="an assessment written by `compliance assess -o FILE.json`")
    p.add_argument("--output", "-o", type=Path, required=True, metavar="FILE.pdf", help="the PDF to write")
    p.add_argument("--lang", choices=list(LANGUAGES), default="en", help="language of the report")
    p.add_argument(
        "--assessor",
        default=None,
        metavar="NAME",
        help="who made the assessment, if the saved one does not say",
    )
    p.add_argument(
        "--as-is",
        action="store_true",
        help="render an assessment whose results do not recompute; the cover then says that its "
        "results were not recomputed",
    )
    p.set_defaults(run=cmd_report)

    p = sub.add_parser(
        "verify",
        parents=[rules_opt],
        help="verify a signed report: integrity, coverage, signer, trust, timestamp, embedded data",
        description="Exit 0 when the report is verified: every signature intact, nothing changed "
        "after signing but revocation data and document timestamps, the embedded data the one the "
        "report shows, and the signer trusted (by --trust or the trust store, see `compliance "
        "trust`). Exit 1 for anything else, including an intact report from an untrusted signer "
        "(unless --allow-untrusted) and a file that cannot be checked within the limits; exit 2 "
        "for usage errors.",
    )
    p.add_argument("report", type=Path, metavar="REPORT.pdf")
    p.add_argument(
        "--trust",
        type=Path,
        action="append",
        default=[],
        metavar="CERT",
        help="trust this certificate (PEM or DER: the signer's own, or a root), besides the trust "
        "store; repeatable",
    )
    p.add_argument(
        "--allow-untrusted",
        action="store_true",
        help="exit 0 for an intact report whose signer is not trusted (it is still reported as untrusted)",
    )
    p.add_argument("--require-trust", action="store_true", help=argparse.SUPPRESS)
    p.add_argument(
        "--require-timestamp",
        action="store_true",
        help="fail unless a valid timestamp from a trusted authority is present",
    )
    p.add_argument(
        "--recompute",
        action="store_true",
        help="run the engine again on the embedded facts with the installed packs; a different "
        "result fails the report",
    )
    p.add_argument(
        "--inputs",
        type=Path,
        default=None,
        metavar="DIR",
        help="re-hash the original input files found in DIR and compare them with the report",
    )
    p.add_argument(
        "--fetch",
        action="store_true",
        help="fetch revocation data (OCSP, CRL) from the network in addition to what the file embeds",
    )
    p.add_argument(
        "--time-limit",
        type=_seconds,
        default=10.0,
        metavar="SECONDS",
        help="give up on a file that takes longer to check (default 10; the memory limit is 1 GiB)",
    )
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(run=cmd_verify)

    trust = sub.add_parser(
        "trust",
        help="the certificates `verify` trusts without --trust",
        description=f"Keep the certificates of the signers (or their roots) you trust in one file, "
        f"{signing.TRUST_STORE_NAME} in your configuration folder (${signing.TRUST_STORE_ENV} names "
        "another), so that `compliance verify` needs no --trust for them.",
    )
    tsub = trust.add_subparsers(dest="trust_command", required=True, parser_class=_Parser)
    t = tsub.add_parser("add", help="trust the certificates in CERT files (PEM or DER)")
    t.add_argument("certificates", type=Path, nargs="+", metavar="CERT")
    t.add_argument("--note", default=None, help="why or from whom (kept beside the certificate)")
    t.set_defaults(run=cmd_trust_add)
    t = tsub.add_parser("list", help="list the trusted certificates")
    t.set_defaults(run=cmd_trust_list)
    t = tsub.add_parser("remove", help="stop trusting a certificate, named by its SHA-256 fingerprint")
    t.add_argument("fingerprint", metavar="SHA256")
    t.set_defaults(run=cmd_trust_remove)

    keys = sub.add_parser("keys", help="create and show signing identities")
    ksub = keys.add_subparsers(dest="keys_command", required=True, parser_class=_Parser)
    k = ksub.add_parser(
        "init",
        help="create a local signing identity (self-signed certificate)",
        description="Creates an RSA key and a self-signed certificate for signing reports, stored "
        "as PKCS#12 (mode 0600) with the certificate beside it (.crt, for readers' --trust). The "
        f"passphrase comes from --passphrase-file, ${signing.PASSPHRASE_ENV} or "
        f"${signing.PASSPHRASE_FILE_ENV}; with none, a random one is written to a 0600 .passphrase "
        "file beside the identity. It is never taken from the command line.",
    )
    k.add_argument("--identity", type=Path, default=None, metavar="FILE.p12", help="where to create it")
    k.add_argument("--passphrase-file", type=Path, default=None, metavar="FILE")
    k.add_argument(
        "--name",
        default=None,
        help="the signer's name, a person or a role (certificate common name); asked for when "
        "not given and a terminal is attached",
    )
    k.add_argument("--organisation", default=None, help="the signer's organisation; asked for likewise")
    k.add_argument("--country", default=None, metavar="CC", help="two-letter country code")
    k.add_argument("--email", default=None)
    k.add_argument("--days", type=int, default=1095, help="validity in days (default 1095)")
    k.add_argument(
        "--exist-ok",
        action="store_true",
        help="if the identity exists and opens, keep it and succeed (it is never overwritten)",
    )
    k.set_defaults(run=cmd_keys_init)
    k = ksub.add_parser("show", help="show a signing identity")
    k.add_argument("--identity", type=Path, default=None, metavar="FILE.p12")
    k.add_argument("--passphrase-file", type=Path, default=None, metavar="FILE")
    k.set_defaults(run=cmd_keys_show)

    p = sub.add_parser("explain", parents=[rules_opt], help="explain one rule")
    p.add_argument("rule_id", metavar="RULE_ID")
    p.set_defaults(run=cmd_explain)

    p = sub.add_parser("schema", help="print the JSON Schema of solution files")
    p.set_defaults(run=cmd_schema)

    p = sub.add_parser("init", help="write a commented starter solution file")
    p.add_argument("path", type=Path, nargs="?", default=Path("solution.yaml"))
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.set_defaults(run=cmd_init)

    p = sub.add_parser(
        "upgrade",
        help="upgrade a solution file to the current version of the format",
        description="Rewrite a solution file (YAML or JSON) for the current version of the solution "
        "format, keeping its comments and layout, and list each change on stderr. A value the new "
        "version cannot say faithfully stays as it is, marked '# compliance upgrade: ...', for a "
        "person to decide. Exit 0 upgraded or already current, 1 upgraded but values wait for a "
        "decision, 2 bad input (nothing written).",
    )
    p.add_argument("file", type=Path, metavar="FILE", help="solution file (YAML or JSON)")
    target = p.add_mutually_exclusive_group()
    target.add_argument(
        "--output", "-o", type=Path, default=None, metavar="OUT", help="write to OUT and leave FILE alone"
    )
    target.add_argument("--diff", action="store_true", help="print a unified diff and write nothing")
    p.set_defaults(run=cmd_upgrade)
    return parser


# ---------------------------------------------------------------------------------------------
# Output


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_all_atomically(outputs: Sequence[tuple[Path, str | bytes]]) -> None:
    """Write several files so that either all are replaced or none is: each goes to a temporary
    file beside its target first, and the targets are replaced only when every write worked."""
    staged: list[tuple[Path, Path]] = []
    try:
        for path, text in outputs:
            folder = path.parent if str(path.parent) else Path()
            try:
                folder.mkdir(parents=True, exist_ok=True)
                fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
                staged.append((Path(tmp_name), path))
                # mkstemp makes the file 0600; give it the mode a plain open() would have.
                os.fchmod(fd, 0o666 & ~_umask())
                if isinstance(text, bytes):
                    with os.fdopen(fd, "wb") as fb:
                        fb.write(text)
                else:
                    with os.fdopen(fd, "w", encoding="utf-8") as fh:
                        fh.write(text)
            except OSError as exc:
                raise OutputError(f"{path}: cannot write: {exc.strerror}") from exc
        for staged_file, path in staged:
            try:
                staged_file.replace(path)
            except OSError as exc:
                raise OutputError(f"{path}: cannot write: {exc.strerror}") from exc
    finally:
        for staged_file, _ in staged:
            staged_file.unlink(missing_ok=True)


def write_atomically(path: Path, text: str | bytes) -> None:
    """Write a file whole or not at all: an earlier file is replaced only on success."""
    write_all_atomically([(path, text)])


def assessment_json(a: Assessment) -> str:
    """The assessment as stable, indented JSON."""
    return a.model_dump_json(indent=2, by_alias=True) + "\n"


# ---------------------------------------------------------------------------------------------
# Commands


def cmd_assess(args: argparse.Namespace, out: TextIO) -> Exit:
    """`compliance assess`."""
    outputs: list[Path] = args.output
    for path in outputs:
        if path.suffix not in (".json", ".txt", ".sarif", ".pdf"):
            raise UsageError(
                f"{path}: unsupported output type '{path.suffix}' (use .json, .sarif, .pdf or .txt)"
            )
    # The identity opens before any work, so that a wrong passphrase costs nothing.
    signer = _signer(args) if any(p.suffix == ".pdf" for p in outputs) else None
    loaded = load_solution(args.solution)
    packs = load_packs(args.rules)
    check_accepted_risks(loaded, packs)
    as_of = args.as_of or date.today()
    scans = run_scans(loaded.solution, loaded.path.parent, _scan_options(args))
    assessment = assess(
        loaded.solution, packs, as_of, inputs=[*loaded.inputs, *pack_inputs(packs)], scans=scans
    )
    if args.assessor:
        assessment = assessment.model_copy(update={"assessor": args.assessor})
    lines = solution_target_lines(loaded)

    def sarif(a: Assessment) -> str:
        return json.dumps(export_sarif(a, a.scanners, base=Path.cwd(), target_lines=lines), indent=2) + "\n"

    renderers: dict[str, Callable[[Assessment], str | bytes]] = {
        ".json": assessment_json,
        ".txt": lambda a: render(a, args.lang),
        ".sarif": sarif,
        ".pdf": lambda a: signed_report(a, args.lang, signer),
    }
    printed = {"json": ".json", "sarif": ".sarif"}.get(args.format, ".txt")
    wanted = {p.suffix for p in outputs} | {printed}
    rendered = {suffix: renderers[suffix](assessment) for suffix in wanted}
    write_all_atomically([(path, rendered[path.suffix]) for path in outputs])
    shown = rendered[printed]
    out.write(shown if isinstance(shown, str) else "")
    if signer is not None:
        for path in outputs:
            if path.suffix == ".pdf":
                identity = signer[0]
                trust = (
                    f" --trust {signing.certificate_file_beside(identity.path)}"
                    if identity.self_signed
                    else ""
                )
                print(
                    f"compliance: wrote {path}, signed by {identity.common_name}; "
                    f"check it with: compliance verify {path}{trust}",
                    file=sys.stderr,
                )
    if args.fail_under is not None and assessment.score < args.fail_under:
        print(
            f"compliance: score {assessment.score:g} is below --fail-under {args.fail_under:g}",
            file=sys.stderr,
        )
        return Exit.BELOW_THRESHOLD
    return Exit.OK


Signer = tuple[signing.Identity, signing.SignOptions]


def _signer(args: argparse.Namespace) -> Signer:
    """The identity and signing options the command line names, opened and checked."""
    path = args.identity or signing.default_identity_path()
    if not path.exists():
        raise UsageError(
            f"{path}: no signing identity; create one with `compliance keys init`, or name a "
            f"PKCS#12 file with --identity or ${signing.IDENTITY_ENV}"
        )
    identity = signing.open_identity(path, args.passphrase_file)
    options = signing.SignOptions(
        tsa_url=args.tsa or os.environ.get(signing.TSA_ENV) or None,
        long_term=args.long_term,
        trust=tuple(signing.load_certificates(args.trust)),  # a bad file fails now, before any work
        visible=args.visible_signature,
        lang=args.lang,
    )
    return identity, options


def signed_report(a: Assessment, lang: str, signer: Signer | None, *, recomputed: bool = True) -> bytes:
    """The PDF report, signed; a self-signed identity's fingerprint is shown on the cover."""
    assert signer is not None
    identity, options = signer
    pdf = report_pdf(
        a,
        lang,
        identity.common_name,
        self_signed=identity.fingerprint if identity.self_signed else None,
        recomputed=recomputed,
    )
    return signing.sign_pdf(pdf, identity, options)


def cmd_report(args: argparse.Namespace, out: TextIO) -> Exit:
    """`compliance report ASSESSMENT.json -o report.pdf`: a saved assessment as a PDF, alone, once
    its results are recomputed from its facts (or `--as-is`, said on the cover)."""
    from compliance.core.recompute import Recomputed, recompute

    if args.output.suffix != ".pdf":
        raise UsageError(f"{args.output}: the report is a PDF; name the output FILE.pdf")
    signer = _signer(args)
    try:
        text = args.assessment.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError.single(str(args.assessment), f"cannot read: {exc}") from None
    try:
        assessment = Assessment.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"]) or "(top level)"
        raise InputError.single(
            str(args.assessment), f"not an assessment of this tool: {where}: {first['msg']}"
        ) from None
    if args.assessor and not assessment.assessor:
        assessment = assessment.model_copy(update={"assessor": args.assessor})
    elif args.assessor and args.assessor != assessment.assessor:
        raise UsageError(
            f"{args.assessment}: the assessment names its assessor ({assessment.assessor}); "
            "a report cannot name another"
        )
    outcome = recompute(text, load_packs(args.rules))
    recomputed = outcome.status is Recomputed.SAME
    if not recomputed and not args.as_is:
        raise InputError.single(
            str(args.assessment),
            f"{outcome.sentence()}. A report shows results the engine gives; render this file anyway "
            "with --as-is, and its cover will say that its results were not recomputed",
        )
    write_atomically(args.output, signed_report(assessment, args.lang, signer, recomputed=recomputed))
    identity, _options = signer
    out.write(f"wrote {args.output}, signed by {identity.common_name}\n")
    if not recomputed:
        print(f"compliance: {outcome.sentence()}; the cover says so (--as-is)", file=sys.stderr)
    return Exit.OK


def cmd_verify(args: argparse.Namespace, out: TextIO) -> Exit:
    """`compliance verify REPORT.pdf`: 0 verified, 1 anything else, 2 usage."""
    from compliance.trust.sandbox import Limits
    from compliance.trust.verification import VerifyOptions, check_report

    if args.inputs is not None and not args.inputs.is_dir():
        raise UsageError(f"{args.inputs}: --inputs must name a directory")
    if args.require_trust:
        print(
            "compliance: --require-trust is the default now and is ignored; it will be removed in the "
            "next release (--allow-untrusted accepts an untrusted signer)",
            file=sys.stderr,
        )
    trusted = [*signing.trusted_certificates(), *signing.load_certificates(tuple(args.trust))]
    options = VerifyOptions(
        trust=tuple(c.dump() for c in trusted),
        allow_untrusted=args.allow_untrusted,
        require_timestamp=args.require_timestamp,
        inputs_dir=args.inputs,
        fetch=args.fetch,
        recompute=args.recompute,
        rules=tuple(args.rules),
    )
    result = check_report(args.report, options, Limits(seconds=args.time_limit))
    if args.format == "json":
        out.write(json.dumps(result.as_json(), indent=2) + "\n")
    else:
        out.write(render_verification(result))
    return Exit.OK if result.ok else Exit.BELOW_THRESHOLD


def cmd_trust_add(args: argparse.Namespace, out: TextIO) -> Exit:
    """`compliance trust add CERT...`."""
    certs = signing.load_certificates(tuple(args.certificates))
    added = {c.sha256 for c in signing.add_trusted(certs, args.note, date.today())}
    for cert in certs:
        state = "added" if cert.sha256 in added else "already trusted"
        out.write(f"{state}: {signing.describe_certificate(cert)}\n")
    out.write(f"trust store: {signing.trust_store_path()}\n")
    return Exit.OK


def cmd_trust_list(args: argparse.Namespace, out: TextIO) -> Exit:
    """`compliance trust list`."""
    certs = signing.trusted_certificates()
    out.write(f"trust store: {signing.trust_store_path()} ({len(certs)} certificate(s))\n")
    for cert in certs:
        out.write(f"  {signing.describe_certificate(cert)}\n")
    return Exit.OK


def cmd_trust_remove(args: argparse.Namespace, out: TextIO) -> Exit:
    """`compliance trust remove SHA256`."""
    removed = signing.remove_trusted(args.fingerprint)
    if not removed:
        raise UsageError(f"no trusted certificate has the fingerprint {args.fingerprint}")
    for cert in removed:
        out.write(f"removed: {signing.describe_certificate(cert)}\n")
    return Exit.OK


def cmd_keys_init(args: argparse.Namespace, out: TextIO) -> Exit:
    """`compliance keys init`: a new local identity, never over an existing one."""
    path: Path = args.identity or signing.default_identity_path()
    if path.exists():
        if not args.exist_ok:
            raise UsageError(f"{path}: a signing identity exists already; it is never overwritten")
        identity = signing.open_identity(path, args.passphrase_file)
        out.write(f"using the existing signing identity {path}: {identity.common_name}\n")
        return Exit.OK
    name = _asked(args.name, "--name", "Signer's name (a person or a role, e.g. 'Ida Holm, DPO'): ")
    organisation = _asked(
        args.organisation, "--organisation", "Signer's organisation (e.g. 'Vejle Kommune'): "
    )
    signing.check_signer_names(name, organisation)
    named = signing.configured_passphrase(args.passphrase_file)
    generated = named is None
    passphrase = signing.new_passphrase() if named is None else named
    data = signing.create_identity(
        passphrase,
        common_name=name,
        organisation=organisation,
        country=args.country,
        email=args.email,
        days=args.days,
    )
    secret = signing.passphrase_file_beside(path)
    if generated and secret.exists():
        raise UsageError(
            f"{secret}: exists already without an identity beside it; remove it or name a passphrase"
        )
    try:
        signing.write_private(path, data)
        if generated:
            signing.write_private(secret, passphrase + b"\n")
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror}") from None
    identity = signing.load_identity(path, passphrase)
    cert = signing.certificate_file_beside(path)
    write_atomically(cert, signing.certificate_pem(identity))
    out.write(f"created signing identity {path} (PKCS#12, mode 0600)\n")
    out.write(f"  signer:      {identity.subject}\n")
    out.write(
        f"  certificate: {cert} (self-signed; give it to readers, who check its fingerprint with you and "
        "trust it with `compliance trust add` or `compliance verify --trust`)\n"
    )
    out.write(f"  SHA-256:     {identity.fingerprint}\n")
    if generated:
        out.write(f"  passphrase:  {secret} (random, mode 0600)\n")
    return Exit.OK


def _asked(value: str | None, option: str, prompt: str) -> str:
    """A value from the command line, else from the terminal; a usage error without either."""
    if value is not None:
        return value.strip()
    if not sys.stdin.isatty():
        raise UsageError(
            f"keys init needs {option}: a report names who signed it, and a login name says nothing "
            "to its reader"
        )
    try:
        return input(prompt).strip()
    except EOFError:
        raise UsageError(f"keys init needs {option}") from None


def cmd_keys_show(args: argparse.Namespace, out: TextIO) -> Exit:
    """`compliance keys show`."""
    path: Path = args.identity or signing.default_identity_path()
    if not path.exists():
        raise UsageError(f"{path}: no signing identity; create one with `compliance keys init`")
    identity = signing.open_identity(path, args.passphrase_file)
    out.write(f"{path}\n")
    out.write(f"  signer:      {identity.subject}\n")
    out.write(f"  self-signed: {'yes' if identity.self_signed else 'no'}\n")
    out.write(f"  valid:       {identity.not_before:%Y-%m-%d} to {identity.not_after:%Y-%m-%d}\n")
    out.write(f"  SHA-256:     {identity.fingerprint}\n")
    for c in identity.chain:
        out.write(f"  chain:       {c.subject.human_friendly}\n")
    return Exit.OK


def _scan_options(args: argparse.Namespace) -> ScanOptions:
    if args.osv_url is not None:
        if args.vulnerability_service == "default":
            raise UsageError(
                "--osv-url is an OSV service; it cannot be combined with --vulnerability-service default"
            )
        service = Service("osv-url", args.osv_url)
    else:
        service = Service(args.vulnerability_service or "default")
    return ScanOptions(enabled=not args.no_scan, service=service)


def cmd_rules_list(args: argparse.Namespace, out: TextIO) -> Exit:
    """`compliance rules list`."""
    packs = load_packs(args.rules)
    rows = [
        {
            "id": r.id,
            "title": r.rule.title,
            "framework": r.framework,
            "citation": r.rule.citation,
            "scope": r.rule.scope.value,
            "severity": r.rule.severity.value,
            "pack": p.meta.pack,
            "pack_version": p.meta.version,
        }
        for p in packs
        for r in p.rules
    ]
    if args.format == "json":
        out.write(json.dumps(rows, indent=2) + "\n")
        return Exit.OK
    for row in rows:
        out.write(f"{row['id']:<34} {row['citation']:<34} {row['severity']:<8} {row['title']}\n")
    out.write(f"{len(rows)} rules in {len(packs)} pack(s)\n")
    return Exit.OK


def cmd_rules_lint(args: argparse.Namespace, out: TextIO) -> Exit:
    """`compliance rules lint`: packs load (citations, facts, operators checked) and cases cover outcomes."""
    packs = load_packs(args.rules)
    _, gaps = run_all(packs)
    for gap in gaps:
        missing = ", ".join(o.value for o in gap.missing)
        out.write(f"{gap.location}: {gap.rule}: no case for outcome(s): {missing}\n")
    total = sum(len(p.rules) for p in packs)
    if gaps:
        out.write(f"{len(gaps)} of {total} rules lack cases\n")
        return Exit.BAD_INPUT
    out.write(f"{total} rules in {len(packs)} pack(s): all load, every outcome has a case\n")
    return Exit.OK


def cmd_rules_test(args: argparse.Namespace, out: TextIO) -> Exit:
    """`compliance rules test`: run every case; a missing case is a failure too."""
    packs = load_packs(args.rules)
    results, gaps = run_all(packs)
    failed = [r for r in results if not r.ok]
    for r in results:
        if args.verbose or not r.ok:
            mark = "ok  " if r.ok else "FAIL"
            detail = "" if r.ok else f" (expected {r.expected.value}, got {r.actual.value})"
            out.write(f"{mark} {r.location}: {r.rule}: {r.case}{detail}\n")
    for gap in gaps:
        out.write(
            f"FAIL {gap.location}: {gap.rule}: no case for outcome(s): {', '.join(o.value for o in gap.missing)}\n"
        )
    passed = len(results) - len(failed)
    out.write(f"{passed} passed, {len(failed) + len(gaps)} failed\n")
    return Exit.BAD_INPUT if failed or gaps else Exit.OK


def cmd_rules_docs(args: argparse.Namespace, out: TextIO) -> Exit:
    """`compliance rules docs`: the rule reference in Markdown, generated from the packs."""
    text = render_markdown(load_packs(args.rules))
    if args.output is None:
        out.write(text)
    else:
        write_atomically(args.output, text)
        out.write(f"wrote {args.output}\n")
    return Exit.OK


def cmd_controls(args: argparse.Namespace, out: TextIO) -> Exit:
    """`compliance controls`: the catalogue, or a conformance statement with --statement."""
    from compliance.outputs.statement import statement, statement_csv

    cat = catalogue()
    packs = load_packs(args.rules)
    if args.statement is None:
        if args.solution is not None:
            raise UsageError("a solution file is only read with --statement FRAMEWORK")
        if args.format == "csv":
            raise UsageError("--format csv is for statements; the catalogue prints as text or json")
        text = _catalogue_text(cat, packs, args.framework, args.format or "text")
    else:
        if cat.framework(args.statement) is None:
            raise UsageError(_unknown_framework(cat, args.statement))
        if args.solution is None:
            raise UsageError("--statement needs a SOLUTION file")
        loaded = load_solution(args.solution)
        check_accepted_risks(loaded, packs)
        a = assess(
            loaded.solution, packs, args.as_of or date.today(), inputs=[*loaded.inputs, *pack_inputs(packs)]
        )
        st = statement(a, args.statement, cat)
        if (args.format or "json") == "csv":
            text = statement_csv(st)
        elif args.format == "text":
            raise UsageError("a statement is written as json or csv")
        else:
            text = json.dumps(st, indent=2, ensure_ascii=False) + "\n"
    if args.output is None:
        out.write(text)
    else:
        write_atomically(args.output, text)
        out.write(f"wrote {args.output}\n")
    return Exit.OK


def _unknown_framework(cat: Catalogue, key: str) -> str:
    from compliance.core.vocabulary import suggest

    ids = [fw.id for fw in cat.frameworks]
    hint = suggest(key, ids)
    return f"no framework '{key}' (choose from {', '.join(ids)})" + (
        f" (did you mean '{hint}'?)" if hint else ""
    )


def _catalogue_text(cat: Catalogue, packs: Sequence[LoadedPack], key: str | None, fmt: str) -> str:
    frameworks = list(cat.frameworks)
    if key is not None:
        fw = cat.framework(key)
        if fw is None:
            raise UsageError(_unknown_framework(cat, key))
        frameworks = [fw]
    assessed_by: dict[str, list[str]] = {}
    for pack in packs:
        for rule in pack.rules:
            for cid in rule.rule.controls:
                assessed_by.setdefault(cid, []).append(rule.id)
    rows: list[dict[str, Any]] = [
        {
            "framework": fw.name,
            "framework_id": fw.id,
            "id": c.id,
            "citation": c.citation,
            "title": c.title,
            "group": c.group,
            "rules": assessed_by.get(c.id, []),
            "mappings": [
                {"control": other, "relation": rel.value, "direction": direction}
                for other, rel, direction in cat.mappings_of(c.id)
            ],
        }
        for fw in frameworks
        for c in cat.controls_of(fw)
    ]
    if fmt == "json":
        return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
    arrows = {"to": "->", "from": "<-"}
    lines: list[str] = []
    for fw in frameworks:
        lines += [f"{fw.name}: {fw.title}", f"  source: {fw.source}"]
        for row in (r for r in rows if r["framework_id"] == fw.id):
            rules = f"  [{len(row['rules'])} rule(s)]" if row["rules"] else "  [no rule]"
            lines.append(f"  {row['id']:<18} {row['citation']:<34} {row['title']}{rules}")
            for m in row["mappings"]:
                lines.append(f"      {arrows[m['direction']]} {m['relation']:<10} {m['control']}")
        lines.append("")
    n = len(rows)
    lines.append(
        f"{n} controls in {len(frameworks)} framework(s), {len(cat.mappings)} crosswalk mappings in all"
    )
    return "\n".join(lines) + "\n"


def _find_rule(packs: Sequence[LoadedPack], rule_id: str) -> tuple[LoadedPack, CompiledRule]:
    from compliance.core.vocabulary import suggest

    for pack in packs:
        for rule in pack.rules:
            if rule.id == rule_id:
                return pack, rule
    hint = suggest(rule_id, [r.id for p in packs for r in p.rules])
    raise UsageError(f"no rule '{rule_id}'" + (f" (did you mean '{hint}'?)" if hint else ""))


def cmd_explain(args: argparse.Namespace, out: TextIO) -> Exit:
    """`compliance explain RULE_ID`."""
    pack, rule = _find_rule(load_packs(args.rules), args.rule_id)
    r = rule.rule
    lines = [
        f"{r.id}: {r.title}",
        f"  Provision:  {provision_text(r.citation)} ({rule.framework})",
        *(f"  National ({j}): {c}" for j, c in sorted(r.transposition.items())),
        *([f"  Controls:   {', '.join(r.controls)}"] if r.controls else []),
        f"  Pack:       {pack.meta.pack} {pack.meta.version}, law as of {pack.meta.law_as_of}",
        f"  Scope:      evaluated once per {r.scope.value}",
        f"  Severity:   {r.severity.value} (weight {r.weight:g})",
        f"  Applies when: {rule.applies.text if rule.applies else 'always'}",
        f"  Requires:   {rule.require.text}",
    ]
    if r.effective_from:
        lines.append(f"  Applies from: {r.effective_from} (pending before)")
    if r.effective_until:
        lines.append(f"  Applies until: {r.effective_until}")
    lines += ["", "Why:", *_indent(r.rationale), "", "Remediation:", *_indent(r.remediation)]
    if r.references:
        lines += ["", "References:", *(f"  - {ref}" for ref in r.references)]
    lines += ["", "Cases:", *(f"  {c.expect.value:<15} {c.name}" for c in r.cases)]
    lines += ["", "A missing fact makes the result unknown, which weighs like a failure."]
    out.write("\n".join(lines) + "\n")
    return Exit.OK


def _indent(text: str) -> list[str]:
    import textwrap

    return textwrap.wrap(text, 96, initial_indent="  ", subsequent_indent="  ")


def cmd_schema(args: argparse.Namespace, out: TextIO) -> Exit:
    """`compliance schema`."""
    schema = Solution.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Solution description for compliance-engine"
    out.write(json.dumps(schema, indent=2) + "\n")
    return Exit.OK


def cmd_init(args: argparse.Namespace, out: TextIO) -> Exit:
    """`compliance init`."""
    path: Path = args.path
    if path.exists() and not args.force:
        raise UsageError(f"{path}: already exists; choose another path or pass --force")
    text = files("compliance").joinpath("starter_solution.yaml").read_text(encoding="utf-8")
    write_atomically(path, text)
    out.write(f"wrote {path}: fill it in, then run `compliance assess {path}`\n")
    return Exit.OK


def cmd_upgrade(args: argparse.Namespace, out: TextIO) -> Exit:
    """`compliance upgrade FILE`: 0 upgraded or current, 1 values wait for a decision, 2 bad input."""
    from compliance.inputs.upgrade import Format, upgrade_file

    result = upgrade_file(args.file)
    for step in result.steps:
        print(f"compliance: {args.file}: version {step}", file=sys.stderr)
    for change in result.changes:
        print(change, file=sys.stderr)
    if not result.needed:
        print(f"compliance: {args.file}: already at version {result.to_version}", file=sys.stderr)
    if args.diff:
        out.write(result.diff())
    elif args.output is not None:
        write_atomically(args.output, result.text)
        print(f"compliance: wrote {args.output} (version {result.to_version})", file=sys.stderr)
    elif result.needed:
        path = args.file.resolve()  # a symbolic link stays one: its target is upgraded
        mode = path.stat().st_mode & 0o7777
        write_atomically(path, result.text)
        path.chmod(mode)
        print(f"compliance: upgraded {args.file} to version {result.to_version}", file=sys.stderr)
    if result.relaid_lines:
        print(
            f"compliance: {result.relaid_lines} other line(s) are laid out anew by the YAML writer "
            "(see --diff)",
            file=sys.stderr,
        )
    if result.undecided:
        where = "listed above" if result.format is Format.JSON else "marked '# compliance upgrade:'"
        print(
            f"compliance: {len(result.undecided)} value(s) wait for a person's decision ({where}); "
            "decide each, then delete its mark",
            file=sys.stderr,
        )
        return Exit.BELOW_THRESHOLD  # 1: upgraded, but not every value could be carried over
    return Exit.OK


# ---------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Entry point of the `compliance` command."""
    out = out or sys.stdout
    if not os.environ.get("COMPLIANCE_DEBUG"):
        # pyHanko logs every failed path validation with a traceback; verify reports them itself.
        logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
        logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)
    try:
        args = build_parser().parse_args(argv)
        run: Callable[[argparse.Namespace, TextIO], Exit] = args.run
        with gc_paused():
            return int(run(args, out))
    except InputError as exc:
        print(f"compliance: {len(exc.problems)} problem(s) in the input:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return Exit.BAD_INPUT
    except (UsageError, OutputError) as exc:
        print(f"compliance: {exc}", file=sys.stderr)
        return Exit.BAD_INPUT
    except ComplianceError as exc:
        print(f"compliance: {exc}", file=sys.stderr)
        return Exit.BAD_INPUT
    except KeyboardInterrupt:
        print("compliance: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return Exit.OK
    except Exception as exc:
        print(f"compliance: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        print(
            "This is a bug in compliance-engine; please report it with the command you ran.",
            file=sys.stderr,
        )
        if os.environ.get("COMPLIANCE_DEBUG"):
            traceback.print_exc()
        return Exit.INTERNAL


if __name__ == "__main__":
    sys.exit(main())
