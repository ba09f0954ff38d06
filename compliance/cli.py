"""The command line: the only place that prints for users and chooses exit codes."""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from enum import IntEnum
from importlib.resources import files
from pathlib import Path
from typing import Any, NoReturn, TextIO

from pydantic import ValidationError

from compliance import __version__
from compliance.core.controls import Catalogue, catalogue
from compliance.core.engine import assess
from compliance.core.errors import ComplianceError, InputError, OutputError, Problem, UsageError
from compliance.core.gcpause import gc_paused
from compliance.core.models.assessment import Assessment, DocumentControl, InputFile, RunInfo
from compliance.core.models.common import unsafe_character
from compliance.core.models.solution import Solution
from compliance.core.packs import CompiledRule, LoadedPack
from compliance.core.ruletest import run_all
from compliance.core.terminal import neutralise, quiet_libraries
from compliance.evidence.pip_audit_runner import OSV_URL_ENV, Service
from compliance.evidence.run import ScanOptions, run_scans
from compliance.inputs.decisions import LoadedDecisions, default_path, load_decisions
from compliance.inputs.loader import LoadedSolution, load_packs, load_solution, pack_inputs, sha256_bytes
from compliance.outputs import docx_edition, oscal, public, spreadsheet, writing
from compliance.outputs.changes import Changes
from compliance.outputs.i18n import LANGUAGES, environment_language, number, translator
from compliance.outputs.report import report_pdf
from compliance.outputs.ruledocs import provision_text, render_markdown
from compliance.outputs.sarif import export_sarif, solution_target_lines
from compliance.outputs.summary import render
from compliance.trust import signing
from compliance.trust.verification import render_text as render_verification

# The language of the CLI's own messages: chosen once per run by `main()` from the locale
# environment, as gettext programs do; English (the message IDs themselves) until then. `--lang`
# chooses the language of the summary and the report, not of these messages.
_language = "en"


def _(message: str) -> str:
    """A message of the CLI in its language (gettext's usual name, which extraction finds)."""
    return translator(_language).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """A message with a count in the CLI's language, in the form the language uses for `n`."""
    return translator(_language).ngettext(singular, plural, n)


def _choose_language() -> str:
    """The language of the environment; English when its catalog cannot be read, so that the
    messages about every other failure can still be said."""
    lang = environment_language()
    try:
        translator(lang)
    except OSError:
        return "en"
    return lang


def _note(message: str) -> None:
    """A note or error for the user, on stderr, after the program's name."""
    print(f"compliance: {neutralise(message)}", file=sys.stderr)


def _field(label: str, value: object, *, indent: int = 2, column: int = 15) -> str:
    """One `label: value` line; the values line up however long a language's labels are."""
    return f"{' ' * indent}{label}".ljust(column - 1) + f" {value}\n"


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
        raise argparse.ArgumentTypeError(_("'{text}' is not a date (YYYY-MM-DD)").format(text=text)) from None


def _score(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("'{text}' is not a number").format(text=text)) from None
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(_("must be between 0 and 100"))
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("'{text}' is not a number of seconds").format(text=text)) from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(_("must be more than 0 and at most 3600 seconds"))
    return value


MAX_NAME = 200


def _name(text: str) -> str:
    """A person's or organisation's name on the command line: one line of plain text."""
    problem = unsafe_character(text, multi_line=False)
    if problem is not None:
        raise argparse.ArgumentTypeError(problem)
    if not text.strip() or len(text) > MAX_NAME:
        raise argparse.ArgumentTypeError(_("a name of 1 to {n} characters").format(n=MAX_NAME))
    return text


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every command, its help in the CLI's language."""
    parser = _Parser(
        prog="compliance",
        description=_("Assess data-driven solutions against GDPR and cybersecurity rules."),
    )
    parser.add_argument("--version", action="version", version=f"compliance-engine {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    signing_opt = _Parser(add_help=False)
    g = signing_opt.add_argument_group(_("signing (every PDF report is signed)"))
    g.add_argument(
        "--identity",
        type=Path,
        default=None,
        metavar="FILE.p12",
        help=_(
            "PKCS#12 signing identity (default ${identity}, else the one `compliance keys init` made)"
        ).format(identity=signing.IDENTITY_ENV),
    )
    g.add_argument(
        "--passphrase-file",
        type=Path,
        default=None,
        metavar="FILE",
        help=_(
            "0600 file holding the identity's passphrase (else ${passphrase}, ${passphrase_file}, or "
            "the .passphrase file beside the identity)"
        ).format(passphrase=signing.PASSPHRASE_ENV, passphrase_file=signing.PASSPHRASE_FILE_ENV),
    )
    g.add_argument(
        "--tsa",
        metavar="URL",
        default=None,
        help=_("RFC 3161 timestamp authority for PAdES B-T (default ${tsa}; none: no timestamp)").format(
            tsa=signing.TSA_ENV
        ),
    )
    g.add_argument(
        "--long-term",
        action="store_true",
        help=_("PAdES B-LT: embed the certificates and revocation data that can be fetched"),
    )
    g.add_argument(
        "--trust",
        type=Path,
        action="append",
        default=[],
        metavar="CERT",
        help=_("a root certificate (PEM or DER) to build the chain from for --long-term; repeatable"),
    )
    g.add_argument("--visible-signature", action="store_true", help=_("draw a signature block on the cover"))

    rules_opt = _Parser(add_help=False)
    rules_opt.add_argument(
        "--rules",
        metavar="DIR",
        type=Path,
        action="append",
        default=[],
        help=_("add the rule packs in DIR"),
    )
    output_opt = _("write to FILE (default: print)")
    as_of_opt = _("assessment date (default today)")

    document_opt = _Parser(add_help=False)
    dg = document_opt.add_argument_group(_("the report's document control (on its cover) and comparison"))
    dg.add_argument("--final", action="store_true", help=_("mark the report final (else it is a draft)"))
    dg.add_argument(
        "--report-version",
        type=_name,
        default=None,
        metavar="TEXT",
        help=_("the report's version (default 1)"),
    )
    dg.add_argument(
        "--classification",
        type=_name,
        default=None,
        metavar="TEXT",
        help=_("its classification, e.g. Internal"),
    )
    dg.add_argument(
        "--prepared-for", type=_name, default=None, metavar="NAME", help=_("who it is prepared for")
    )
    dg.add_argument("--approver", type=_name, default=None, metavar="NAME", help=_("who approved it"))
    dg.add_argument(
        "--edition",
        choices=["full", "public"],
        default="full",
        help=_(
            "public: withhold every field the solution file marks confidential, on the legal grounds "
            "it names (for publication and access requests); the PDF, Word, JSON and summary outputs"
        ),
    )
    dg.add_argument(
        "--previous",
        type=Path,
        default=None,
        metavar="OLD.json",
        help=_("an earlier assessment of the solution: the report shows what changed since, and why"),
    )
    p = sub.add_parser(
        "assess", parents=[rules_opt, signing_opt, document_opt], help=_("assess a solution file")
    )
    p.add_argument("solution", type=Path, help=_("solution file (YAML or JSON)"))
    p.add_argument(
        "--format",
        choices=["text", "json", "sarif", "oscal"],
        default="text",
        help=_("what to print (sarif: SARIF 2.1.0; oscal: OSCAL assessment results)"),
    )
    p.add_argument(
        "--output",
        "-o",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help=_(
            "also write the assessment to FILE (.pdf for the signed report, .xlsx for the action plan "
            "and findings, .json, .sarif, or .txt for the summary); repeatable"
        ),
    )
    p.add_argument("--as-of", type=_date, default=None, metavar="DATE", help=as_of_opt)
    p.add_argument(
        "--lang",
        choices=list(LANGUAGES),
        default="en",
        help=_("language of the summary and the PDF report"),
    )
    p.add_argument(
        "--assessor",
        default=None,
        type=_name,
        metavar="NAME",
        help=_("who makes the assessment (recorded, shown on the report)"),
    )
    p.add_argument(
        "--decisions",
        type=Path,
        default=None,
        metavar="FILE",
        help=_(
            "the assessor's decisions file (reviews, accepted risks, action plan, checked facts); "
            "read only when named, never found by itself"
        ),
    )
    p.add_argument(
        "--no-scan",
        action="store_true",
        help=_("do not run the scanners for the declared evidence (their controls then show unknown)"),
    )
    p.add_argument(
        "--vulnerability-service",
        choices=["default", "osv"],
        default=None,
        help=_("where pip-audit looks up vulnerabilities: its default service or OSV"),
    )
    p.add_argument(
        "--osv-url",
        metavar="URL",
        default=os.environ.get(OSV_URL_ENV) or None,
        help=_(
            "an OSV-compatible query URL (e.g. a mirror on the municipal network), for pip-audit "
            "(default $COMPLIANCE_OSV_URL: a URL with credentials belongs there, out of the process list)"
        ),
    )
    p.add_argument(
        "--fail-under",
        type=_score,
        default=None,
        metavar="N",
        help=_("exit 1 when the overall score is below N (outputs are still written)"),
    )
    p.add_argument(
        "--fail-if-blocked",
        action="store_true",
        help=_(
            "exit 1 when the verdict stops a pilot or a purchase: incomplete or not ready alike "
            "(outputs are still written)"
        ),
    )
    p.set_defaults(run=cmd_assess)

    rules = sub.add_parser("rules", help=_("list, lint and test rule packs"))
    rsub = rules.add_subparsers(dest="rules_command", required=True, parser_class=_Parser)
    r = rsub.add_parser("list", parents=[rules_opt], help=_("list every rule"))
    r.add_argument("--format", choices=["text", "json"], default="text")
    r.set_defaults(run=cmd_rules_list)
    r = rsub.add_parser("lint", parents=[rules_opt], help=_("check packs load and every rule has cases"))
    r.set_defaults(run=cmd_rules_lint)
    r = rsub.add_parser("test", parents=[rules_opt], help=_("run every rule's cases"))
    r.add_argument("--verbose", "-v", action="store_true", help=_("list every case"))
    r.set_defaults(run=cmd_rules_test)

    r = rsub.add_parser("docs", parents=[rules_opt], help=_("write the Markdown rule reference"))
    r.add_argument("--output", "-o", type=Path, default=None, metavar="FILE", help=output_opt)
    r.set_defaults(run=cmd_rules_docs)

    p = sub.add_parser(
        "controls",
        parents=[rules_opt],
        help=_("list the control catalogue and crosswalk, or write a conformance statement"),
        description=_(
            "List the controls of every framework (or one) with their crosswalk mappings and the "
            "rules that assess them; with --statement, assess SOLUTION and write the per-provision "
            "conformance statement of that framework (e.g. etsi-en-303-645)."
        ),
    )
    p.add_argument("solution", type=Path, nargs="?", help=_("solution file, for --statement"))
    p.add_argument("--framework", metavar="ID", help=_("only this framework (id or name)"))
    p.add_argument(
        "--statement",
        metavar="FRAMEWORK",
        help=_("write FRAMEWORK's conformance statement for SOLUTION"),
    )
    p.add_argument(
        "--format", choices=["text", "json", "csv"], default=None, help=_("text, json or csv (statements)")
    )
    p.add_argument("--output", "-o", type=Path, default=None, metavar="FILE", help=output_opt)
    p.add_argument("--as-of", type=_date, default=None, metavar="DATE", help=as_of_opt)
    p.set_defaults(run=cmd_controls)

    p = sub.add_parser(
        "diff",
        help=_("what changed between two saved assessments of a solution, result by result, and why"),
    )
    p.add_argument("old", type=Path, metavar="OLD.json", help=_("the earlier assessment"))
    p.add_argument("new", type=Path, metavar="NEW.json", help=_("the later assessment"))
    p.add_argument("--format", choices=["text", "json"], default="text", help=_("text (default) or json"))
    p.add_argument("--lang", choices=list(LANGUAGES), default="en", help=_("language of the text"))
    p.add_argument("--output", "-o", type=Path, default=None, metavar="FILE", help=output_opt)
    p.set_defaults(run=cmd_diff)

    p = sub.add_parser(
        "report",
        parents=[signing_opt, rules_opt, document_opt],
        help=_("render a saved assessment (JSON) as a signed PDF report"),
    )
    p.add_argument(
        "assessment", type=Path, help=_("an assessment written by `compliance assess -o FILE.json`")
    )
    p.add_argument("--output", "-o", type=Path, required=True, metavar="FILE.pdf", help=_("the PDF to write"))
    p.add_argument("--lang", choices=list(LANGUAGES), default="en", help=_("language of the report"))
    p.add_argument(
        "--assessor",
        default=None,
        type=_name,
        metavar="NAME",
        help=_("who made the assessment, if the saved one does not say"),
    )
    p.add_argument(
        "--as-is",
        action="store_true",
        help=_(
            "render an assessment whose results do not recompute; the cover then says that its "
            "results were not recomputed"
        ),
    )
    p.set_defaults(run=cmd_report)

    p = sub.add_parser(
        "verify",
        parents=[rules_opt],
        help=_("verify a signed report: integrity, coverage, signer, trust, timestamp, embedded data"),
        description=_(
            "Exit 0 when the report is verified: every signature intact, nothing changed after "
            "signing but revocation data and document timestamps, the embedded data the one the "
            "report shows, and the signer trusted (by --trust or the trust store, see `compliance "
            "trust`). Exit 1 for anything else, including an intact report from an untrusted signer "
            "(unless --allow-untrusted) and a file that cannot be checked within the limits; exit 2 "
            "for usage errors."
        ),
    )
    p.add_argument("report", type=Path, metavar="REPORT.pdf")
    p.add_argument(
        "--trust",
        type=Path,
        action="append",
        default=[],
        metavar="CERT",
        help=_(
            "trust this certificate (PEM or DER: the signer's own, or a root), besides the trust "
            "store; repeatable"
        ),
    )
    p.add_argument(
        "--allow-untrusted",
        action="store_true",
        help=_("exit 0 for an intact report whose signer is not trusted (it is still reported as untrusted)"),
    )
    p.add_argument("--require-trust", action="store_true", help=argparse.SUPPRESS)
    p.add_argument(
        "--require-timestamp",
        action="store_true",
        help=_("fail unless a valid timestamp from a trusted authority is present"),
    )
    p.add_argument(
        "--recompute",
        action="store_true",
        help=_(
            "run the engine again on the embedded facts with the installed packs; a different "
            "result fails the report"
        ),
    )
    p.add_argument(
        "--inputs",
        type=Path,
        default=None,
        metavar="DIR",
        help=_("re-hash the original input files found in DIR and compare them with the report"),
    )
    p.add_argument(
        "--fetch",
        action="store_true",
        help=_("fetch revocation data (OCSP, CRL) from the network in addition to what the file embeds"),
    )
    p.add_argument(
        "--time-limit",
        type=_seconds,
        default=10.0,
        metavar="SECONDS",
        help=_("give up on a file that takes longer to check (default 10; the memory limit is 1 GiB)"),
    )
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(run=cmd_verify)

    trust = sub.add_parser(
        "trust",
        help=_("the certificates `verify` trusts without --trust"),
        description=_(
            "Keep the certificates of the signers (or their roots) you trust in one file, {file} in "
            "your configuration folder (${variable} names another), so that `compliance verify` "
            "needs no --trust for them."
        ).format(file=signing.TRUST_STORE_NAME, variable=signing.TRUST_STORE_ENV),
    )
    tsub = trust.add_subparsers(dest="trust_command", required=True, parser_class=_Parser)
    t = tsub.add_parser("add", help=_("trust the certificates in CERT files (PEM or DER)"))
    t.add_argument("certificates", type=Path, nargs="+", metavar="CERT")
    t.add_argument("--note", default=None, help=_("why or from whom (kept beside the certificate)"))
    t.set_defaults(run=cmd_trust_add)
    t = tsub.add_parser("list", help=_("list the trusted certificates"))
    t.set_defaults(run=cmd_trust_list)
    t = tsub.add_parser("remove", help=_("stop trusting a certificate, named by its SHA-256 fingerprint"))
    t.add_argument("fingerprint", metavar="SHA256")
    t.set_defaults(run=cmd_trust_remove)

    keys = sub.add_parser("keys", help=_("create and show signing identities"))
    ksub = keys.add_subparsers(dest="keys_command", required=True, parser_class=_Parser)
    k = ksub.add_parser(
        "init",
        help=_("create a local signing identity (self-signed certificate)"),
        description=_(
            "Creates an RSA key and a self-signed certificate for signing reports, stored as PKCS#12 "
            "(mode 0600) with the certificate beside it (.crt, for readers' --trust). The passphrase "
            "comes from --passphrase-file, ${passphrase} or ${passphrase_file}; with none, a random "
            "one is written to a 0600 .passphrase file beside the identity. It is never taken from "
            "the command line."
        ).format(passphrase=signing.PASSPHRASE_ENV, passphrase_file=signing.PASSPHRASE_FILE_ENV),
    )
    k.add_argument("--identity", type=Path, default=None, metavar="FILE.p12", help=_("where to create it"))
    k.add_argument("--passphrase-file", type=Path, default=None, metavar="FILE")
    k.add_argument(
        "--name",
        default=None,
        help=_(
            "the signer's name, a person or a role (certificate common name); asked for when not "
            "given and a terminal is attached"
        ),
    )
    k.add_argument("--organisation", default=None, help=_("the signer's organisation; asked for likewise"))
    k.add_argument("--country", default=None, metavar="CC", help=_("two-letter country code"))
    k.add_argument("--email", default=None)
    k.add_argument("--days", type=int, default=1095, help=_("validity in days (default 1095)"))
    k.add_argument(
        "--exist-ok",
        action="store_true",
        help=_("if the identity exists and opens, keep it and succeed (it is never overwritten)"),
    )
    k.set_defaults(run=cmd_keys_init)
    k = ksub.add_parser("show", help=_("show a signing identity"))
    k.add_argument("--identity", type=Path, default=None, metavar="FILE.p12")
    k.add_argument("--passphrase-file", type=Path, default=None, metavar="FILE")
    k.set_defaults(run=cmd_keys_show)

    dpia = sub.add_parser("dpia", help=_("the data protection impact assessment: a draft to complete"))
    dpsub = dpia.add_subparsers(dest="what", required=True, metavar="WHAT", parser_class=_Parser)
    dd = dpsub.add_parser(
        "draft",
        parents=[rules_opt],
        help=_("write a DPIA draft (DOCX) prefilled from the solution, with blanks for the controller"),
    )
    dd.add_argument("solution", type=Path, metavar="SOLUTION")
    dd.add_argument(
        "--output", "-o", type=Path, required=True, metavar="FILE.docx", help=_("the draft to write")
    )
    dd.add_argument("--lang", choices=list(LANGUAGES), default="en", help=_("language of the draft"))
    dd.add_argument(
        "--decisions", type=Path, default=None, metavar="FILE", help=_("the assessor's decisions file")
    )
    dd.add_argument("--as-of", type=_date, default=None, metavar="DATE", help=as_of_opt)
    dd.add_argument(
        "--no-scan", action="store_true", help=_("do not run the scanners for the declared evidence")
    )
    dd.set_defaults(run=cmd_dpia_draft, assessor=None)

    annex = sub.add_parser(
        "annex",
        help=_("write a processor agreement's annex prefilled from the solution (Word)"),
        description=_(
            "dk-scc: appendices A to C of the Danish standard contractual clauses for processors (the "
            "processing, the sub-processors with their countries, the instructions and security "
            "measures); se-pub: the instruction annex of the Swedish municipal processor agreement. "
            "What the solution does not state is a marked blank."
        ),
    )
    annex.add_argument("kind", choices=["dk-scc", "se-pub"], help=_("which annex"))
    annex.add_argument("solution", type=Path, metavar="SOLUTION")
    annex.add_argument(
        "--party", default=None, metavar="ID", help=_("the processor (default: the solution's supplier)")
    )
    annex.add_argument(
        "--lang", choices=list(LANGUAGES), default=None, help=_("default: da for dk-scc, sv for se-pub")
    )
    annex.add_argument(
        "--output", "-o", type=Path, required=True, metavar="FILE.docx", help=_("the annex to write")
    )
    annex.set_defaults(run=cmd_annex)

    tender = sub.add_parser(
        "requirements",
        parents=[signing_opt, rules_opt],
        help=_("the security and data-protection requirements for a tender, by classification and kind"),
    )
    tender.add_argument(
        "--classification",
        required=True,
        metavar="C2,I2,A1",
        help=_("confidentiality, integrity and availability levels, 1 (low) to 4 (very high)"),
    )
    tender.add_argument(
        "--type",
        dest="kind",
        required=True,
        choices=["sensor-network", "camera", "cloud-platform", "citizen-app"],
        help=_("the kind of solution bought"),
    )
    tender.add_argument("--lang", choices=list(LANGUAGES), default="en", help=_("the buyer's language"))
    tender.add_argument(
        "--format", choices=["text", "docx", "xlsx", "pdf"], default=None, help=_("what to write")
    )
    tender.add_argument(
        "--output", "-o", type=Path, default=None, metavar="FILE", help=_("write to FILE (default: print)")
    )
    tender.set_defaults(run=cmd_requirements)

    review = sub.add_parser("review", help=_("review a document a supplier hands in, clause by clause"))
    rvsub = review.add_subparsers(dest="what", required=True, metavar="WHAT", parser_class=_Parser)
    rv = rvsub.add_parser(
        "dpa",
        parents=[signing_opt],
        help=_(
            "check a data-processing agreement against GDPR Art. 28, clause by clause, and its "
            "cloud-switching terms against the Data Act"
        ),
        description=_(
            "Find, for each requirement of GDPR Art. 28 (and Chapter V), the sentence of the agreement "
            "that imposes it: found, weakened, contradicted or not found (unknown, never met), with "
            "the quote, where it stands, why, and the question to send back to the supplier."
        ),
    )
    rv.add_argument("document", type=Path, metavar="FILE", help=_("the agreement: .pdf, .docx, .md or .txt"))
    rv.add_argument(
        "--lang",
        choices=list(LANGUAGES),
        default=None,
        help=_("the language of the review (default: the agreement's)"),
    )
    rv.add_argument(
        "--document-lang",
        choices=list(LANGUAGES),
        default=None,
        help=_("the agreement's language (default: recognised from the text)"),
    )
    rv.add_argument(
        "--format", choices=["text", "json", "xlsx", "pdf"], default=None, help=_("what to write")
    )
    rv.add_argument(
        "--output", "-o", type=Path, default=None, metavar="FILE", help=_("write to FILE (default: print)")
    )
    rv.add_argument(
        "--solution",
        type=Path,
        default=None,
        metavar="SOLUTION",
        help=_("a solution file: the review's results become facts of its processor's contract"),
    )
    rv.add_argument(
        "--party", default=None, metavar="ID", help=_("the processor whose agreement it is (with --solution)")
    )
    rv.add_argument("--as-of", type=_date, default=None, metavar="DATE", help=as_of_opt)
    rv.set_defaults(run=cmd_review_dpa)

    decide = sub.add_parser(
        "decide",
        help=_("record a review decision or a checked fact in the decisions file"),
        description=_(
            "Record what the assessor decided in the decisions file beside the solution "
            "(SOLUTION.decisions.yaml unless --decisions names another). A review decision is bound to "
            "the facts the result rests on now: when they change, the result needs review again."
        ),
    )
    dsub = decide.add_subparsers(dest="what", required=True, metavar="WHAT", parser_class=_Parser)
    person = _Parser(add_help=False)
    person.add_argument("--by", required=True, metavar="NAME", help=_("who decides or checked"))
    person.add_argument(
        "--organisation", required=True, metavar="ORG", help=_("the organisation that person acts for")
    )
    person.add_argument(
        "--on", type=_date, default=None, metavar="YYYY-MM-DD", help=_("when (today by default)")
    )
    person.add_argument("--decisions", type=Path, default=None, metavar="FILE", help=_("the decisions file"))
    d = dsub.add_parser(
        "review", parents=[rules_opt, person], help=_("decide a result that needs review: met or not met")
    )
    d.add_argument("solution", type=Path, metavar="SOLUTION")
    d.add_argument("rule", metavar="RULE_ID")
    d.add_argument("--target", default=None, metavar="ID", help=_("the flow, party or system"))
    d.add_argument(
        "--outcome", required=True, choices=["pass", "fail"], help=_("met (pass) or not met (fail)")
    )
    d.add_argument("--reason", required=True, metavar="TEXT", help=_("why, in plain words"))
    d.add_argument("--as-of", type=_date, default=None, metavar="YYYY-MM-DD", help=_("assessment date"))
    d.set_defaults(run=cmd_decide_review)
    d = dsub.add_parser("check", parents=[person], help=_("record that you checked a fact against evidence"))
    d.add_argument("solution", type=Path, metavar="SOLUTION")
    d.add_argument("fact", metavar="PATH", help=_("the fact, e.g. flows[readings].encryption.at_rest"))
    d.add_argument("--evidence", required=True, metavar="TEXT", help=_("what you saw: a document, a test"))
    d.set_defaults(run=cmd_decide_check)

    p = sub.add_parser("explain", parents=[rules_opt], help=_("explain one rule"))
    p.add_argument("rule_id", metavar="RULE_ID")
    p.set_defaults(run=cmd_explain)

    p = sub.add_parser("schema", help=_("print the JSON Schema of solution files"))
    p.set_defaults(run=cmd_schema)

    p = sub.add_parser(
        "interview",
        parents=[rules_opt],
        help=_("answer, in a terminal, the questions that decide the verdict; answers go into the file"),
    )
    p.add_argument("solution", type=Path, help=_("solution file (YAML or JSON)"))
    p.add_argument(
        "--lang",
        choices=list(LANGUAGES),
        default=None,
        help=_("language of the questions (default: the terminal's)"),
    )
    p.add_argument(
        "--by", default=None, type=_name, metavar="NAME", help=_("who answers: name and organisation")
    )
    p.add_argument(
        "--evidence",
        default=None,
        type=_name,
        metavar="REF",
        help=_("the document the answers rest on, recorded with each"),
    )
    p.add_argument("--as-of", type=_date, default=None, metavar="DATE", help=as_of_opt)
    p.add_argument(
        "--all", action="store_true", help=_("go on after the verdict is decided, until no question is left")
    )
    p.set_defaults(run=cmd_interview)

    p = sub.add_parser(
        "questions",
        parents=[rules_opt],
        help=_("list the open questions of a solution, or write them as a questionnaire for a supplier"),
    )
    p.add_argument("solution", type=Path, help=_("solution file (YAML or JSON)"))
    p.add_argument(
        "--format", choices=["text", "json", "xlsx"], default="text", help=_("text, JSON or a spreadsheet")
    )
    p.add_argument(
        "--lang",
        choices=list(LANGUAGES),
        default=None,
        help=_("the recipient's language (default: the terminal's)"),
    )
    p.add_argument("--party", default=None, metavar="ID", help=_("only the questions for this party"))
    p.add_argument("--as-of", type=_date, default=None, metavar="DATE", help=as_of_opt)
    p.add_argument("--output", "-o", type=Path, default=None, metavar="FILE", help=output_opt)
    p.set_defaults(run=cmd_questions)

    answers = sub.add_parser("answers", help=_("read answers back into a solution file"))
    asub = answers.add_subparsers(
        dest="answers_command", required=True, metavar="COMMAND", parser_class=_Parser
    )
    a_imp = asub.add_parser(
        "import",
        parents=[rules_opt],
        help=_("merge a supplier's filled-in questionnaire (XLSX) into the solution file"),
    )
    a_imp.add_argument("solution", type=Path, help=_("solution file (YAML or JSON)"))
    a_imp.add_argument("workbook", type=Path, help=_("the questionnaire, filled in (.xlsx)"))
    a_imp.add_argument(
        "--force", action="store_true", help=_("read a questionnaire made for other facts of the solution")
    )
    a_imp.set_defaults(run=cmd_answers_import)

    p = sub.add_parser("init", help=_("write a commented starter solution file"))
    p.add_argument("path", type=Path, nargs="?", default=Path("solution.yaml"))
    p.add_argument("--force", action="store_true", help=_("overwrite an existing file"))
    p.set_defaults(run=cmd_init)

    p = sub.add_parser(
        "upgrade",
        help=_("upgrade a solution file to the current version of the format"),
        description=_(
            "Rewrite a solution file (YAML or JSON) for the current version of the solution format, "
            "keeping its comments and layout, and list each change on stderr. A value the new "
            "version cannot say faithfully stays as it is, marked '# compliance upgrade: ...', for a "
            "person to decide. Exit 0 upgraded or already current, 1 upgraded but values wait for a "
            "decision, 2 bad input (nothing written)."
        ),
    )
    p.add_argument("file", type=Path, metavar="FILE", help=_("solution file (YAML or JSON)"))
    target = p.add_mutually_exclusive_group()
    target.add_argument(
        "--output", "-o", type=Path, default=None, metavar="OUT", help=_("write to OUT and leave FILE alone")
    )
    target.add_argument("--diff", action="store_true", help=_("print a unified diff and write nothing"))
    p.set_defaults(run=cmd_upgrade)
    return parser


# ---------------------------------------------------------------------------------------------
# Output


def write_all_atomically(outputs: Sequence[tuple[Path, str | bytes]]) -> None:
    """Write several files, all or none (`compliance.outputs.writing`), in the CLI's language."""
    writing.write_all_atomically(outputs, lang=_language)


def write_atomically(path: Path, text: str | bytes) -> None:
    """Write a file whole or not at all: an earlier file is replaced only on success."""
    writing.write_all_atomically([(path, text)], lang=_language)


def assessment_json(a: Assessment) -> bytes:
    """The assessment as stable, indented JSON, in UTF-8. Kept as bytes: a 1,000-flow assessment
    is 30 MB, and decoding it to text and encoding it again to write it would cost for nothing.
    The results of a rule that are alike but for their target are written once
    (`Assessment.json_bytes`)."""
    return a.json_bytes(end=b"\n")


# ---------------------------------------------------------------------------------------------
# Commands


# An output named FILE.oscal.json holds the OSCAL assessment results.
OSCAL_SUFFIX = ".oscal.json"


def _kind(path: Path) -> str:
    """What an output holds, by its name: its suffix, or `.oscal.json`."""
    return OSCAL_SUFFIX if path.name.endswith(OSCAL_SUFFIX) else path.suffix


def cmd_assess(args: argparse.Namespace, out: TextIO) -> Exit:
    """`compliance assess`."""
    outputs: list[Path] = args.output
    for path in outputs:
        if _kind(path) not in (".json", ".txt", ".sarif", ".pdf", ".xlsx", ".docx", OSCAL_SUFFIX):
            raise UsageError(
                _(
                    "{path}: unsupported output type '{suffix}' (use .json, .sarif, .pdf, .docx, .xlsx, .oscal.json or .txt)"
                ).format(path=path, suffix=path.suffix)
            )
    _check_edition_outputs(
        args, [_kind(p) for p in outputs] + [{"json": ".json", "text": ".txt"}.get(args.format, args.format)]
    )
    # The identity opens before any work, so that a wrong passphrase costs nothing.
    signer = _signer(args) if any(p.suffix == ".pdf" for p in outputs) else None
    loaded = load_solution(args.solution)
    packs = load_packs(args.rules)
    decided = load_decisions(args.decisions, loaded, packs) if args.decisions is not None else None
    _check_assess_outputs(args, loaded)
    beside = default_path(loaded.path)
    if decided is None and beside.exists():
        _note(
            _(
                "{path} was not read: decisions count only when the assessor names them with --decisions"
            ).format(path=beside)
        )
    as_of = args.as_of or date.today()
    assessment = _assess_with_evidence(loaded, packs, decided, as_of, _scan_options(args))
    if args.assessor:
        assessment = assessment.model_copy(update={"assessor": args.assessor})
    assessment = _with_document_control(assessment, args)
    assessment, plan = _public_edition(assessment, args)
    assessment, changes = _with_previous(assessment, args, plan)
    if signer is not None and not assessment.assessor:
        _warn_no_assessor()
    run_info = RunInfo(id=str(uuid.uuid4()), outputs=[p.name for p in outputs])
    assessment = assessment.model_copy(update={"run": run_info})
    lines = solution_target_lines(loaded)

    def sarif(a: Assessment) -> str:
        return json.dumps(export_sarif(a, a.scanners, base=Path.cwd(), target_lines=lines), indent=2) + "\n"

    renderers: dict[str, Callable[[Assessment], str | bytes]] = {
        ".json": assessment_json,
        ".txt": lambda a: render(a, args.lang),
        ".sarif": sarif,
        ".pdf": lambda a: signed_report(a, args.lang, signer, changes=changes),
        ".xlsx": lambda a: spreadsheet.as_xlsx(a, args.lang),
        ".docx": lambda a: docx_edition.build(a, args.lang, changes=changes),
        OSCAL_SUFFIX: oscal.as_json,
    }
    printed = {"json": ".json", "sarif": ".sarif", "oscal": OSCAL_SUFFIX}.get(args.format, ".txt")
    wanted = {_kind(p) for p in outputs} | {printed}
    rendered = {suffix: renderers[suffix](assessment) for suffix in wanted}
    if plan is not None:
        _check_no_leaks(plan, rendered)
    write_all_atomically([(path, rendered[_kind(path)]) for path in outputs])
    shown = rendered[printed]
    if isinstance(shown, str):
        out.write(shown)
    elif printed == ".json":
        _write_bytes(out, shown)
    if signer is not None:
        for path in outputs:
            if path.suffix == ".pdf":
                identity = signer[0]
                command = f"compliance verify {path}"
                if identity.self_signed:
                    command += f" --trust {signing.certificate_file_beside(identity.path)}"
                _note(
                    _("wrote {path}, signed by {signer}; check it with: {command}").format(
                        path=path, signer=identity.common_name, command=command
                    )
                )
    if args.fail_under is not None and assessment.score < args.fail_under:
        _note(
            _("score {score} is below --fail-under {threshold}").format(
                score=number(assessment.score, _language), threshold=f"{args.fail_under:g}"
            )
        )
        return Exit.BELOW_THRESHOLD
    if args.fail_if_blocked and assessment.verdict.blocks:
        _note(
            _("the verdict is {verdict}: not ready to proceed (--fail-if-blocked)").format(
                verdict=assessment.verdict.value
            )
        )
        return Exit.BELOW_THRESHOLD
    return Exit.OK


def _with_previous(
    assessment: Assessment, args: argparse.Namespace, plan: public.Plan | None = None
) -> tuple[Assessment, Changes | None]:
    """With `--previous`: what changed since that assessment, and the assessment recording it as
    an input (its SHA-256 on the report, where a verifier matches it). In a public edition the
    previous assessment is compared once the same fields are withheld from it."""
    if args.previous is None:
        return assessment, None
    from compliance.outputs.changes import compare

    previous, text = _read_assessment(args.previous)
    if plan is not None:
        previous = public.redact(previous, plan)
    entry = InputFile(path=args.previous.name, sha256=sha256_bytes(text.encode("utf-8")), role="previous")
    inputs = [i for i in assessment.inputs if i.role != "previous"] + [entry]
    assessment = assessment.model_copy(update={"inputs": inputs})
    if previous.solution.get("id") != assessment.solution.get("id"):
        _note(
            _("the two assessments are of different solutions: {old} and {new}").format(
                old=previous.solution.get("id"), new=assessment.solution.get("id")
            )
        )
    return assessment, compare(previous, assessment)


# The outputs a public edition is made as: the documents people read and the JSON they rest on.
PUBLIC_OUTPUTS = (".pdf", ".docx", ".xlsx", ".json", ".txt")


def _check_edition_outputs(args: argparse.Namespace, kinds: Sequence[str]) -> None:
    """A public edition is written only as a PDF, a Word document, JSON or the summary."""
    if args.edition != "public":
        return
    for kind in kinds:
        if kind not in PUBLIC_OUTPUTS:
            raise UsageError(
                _(
                    "--edition public writes a PDF, a Word document, a workbook, the JSON or the summary, not {kind}"
                ).format(kind=kind.lstrip("."))
            )


def _public_edition(
    assessment: Assessment, args: argparse.Namespace
) -> tuple[Assessment, public.Plan | None]:
    """With `--edition public`: the assessment with every field marked confidential withheld."""
    if args.edition != "public":
        return assessment, None
    if assessment.edition is not None:
        raise UsageError(_("this assessment is already a public edition; make one from the full edition"))
    plan = public.plan_for(assessment)
    if not plan.items:
        _note(_("the solution file marks nothing confidential: the public edition withholds nothing"))
    redacted = public.redact(assessment, plan)
    for word, item in public.partial_mentions(redacted, plan):
        _note(
            _(
                "'{word}' begins what {item} withholds and still stands in the public edition: if it "
                "names the same, mark that field confidential too"
            ).format(word=word, item=public.localise(public.placeholder(item), _language))
        )
    return redacted, plan


def _check_no_leaks(plan: public.Plan, rendered: Mapping[str, str | bytes]) -> None:
    """The last guard of a public edition: no output still holds a withheld text."""
    found = []
    for kind, data in rendered.items():
        raw = data.encode("utf-8") if isinstance(data, str) else data
        found += public.leaks(raw, kind, plan)
    if found:
        raise InputError.single(
            _("public edition"),
            _(
                "it would still show text that is withheld ({where}): the same text stands in a field "
                "that is not marked confidential, or in the rule texts; mark that field too, or withhold "
                "less. Nothing was written."
            ).format(where="; ".join(localise_items(found))),
        )


def localise_items(found: Sequence[str]) -> list[str]:
    """The leak report's places, in the CLI's language."""
    return [public.localise(item, _language) for item in found]


def _with_document_control(assessment: Assessment, args: argparse.Namespace) -> Assessment:
    """The assessment with the report's document control: what it records, with the options
    given taking the place of what they name (a report of a saved assessment is a new document:
    a later version, final instead of draft)."""
    given = {
        "status": "final" if args.final else None,
        "version": args.report_version,
        "classification": args.classification,
        "prepared_for": args.prepared_for,
        "approver": args.approver,
    }
    given = {k: v for k, v in given.items() if v is not None}
    if not given and assessment.document is None:
        return assessment
    document = (assessment.document or DocumentControl()).model_copy(update=given)
    if document.status == "final" and not document.approver:
        _note(_("the report is marked final but names no approver; name who approved it with --approver"))
    return assessment.model_copy(update={"document": document})


def _warn_no_assessor() -> None:
    _note(
        _(
            "the signed report names no assessor: its signature says who signed it, not who made the "
            "assessment; name the assessor with --assessor"
        )
    )


def _check_assess_outputs(args: argparse.Namespace, loaded: LoadedSolution) -> None:
    """Refuse, before any scan or write, outputs that would overwrite what this run reads."""
    evidence = loaded.solution.evidence
    base = loaded.path.parent
    declared = [
        base / p
        for kind in (evidence.code, evidence.dependencies, evidence.sboms, evidence.sarif)
        for p in kind
    ]
    inputs = [args.solution, *(p for p in (args.decisions, args.previous) if p is not None), *declared]
    folders = [*args.rules, *(p for p in declared if p.is_dir())]
    writing.check_outputs(args.output, inputs, folders, lang=_language)


def _write_bytes(out: TextIO, data: bytes) -> None:
    """UTF-8 bytes to a text stream: to its binary buffer when it has one (the terminal, a pipe)."""
    buffer = getattr(out, "buffer", None)
    if buffer is not None:
        out.flush()
        buffer.write(data)
        buffer.flush()
    else:
        out.write(data.decode("utf-8"))


Signer = tuple[signing.Identity, signing.SignOptions]


def _signer(args: argparse.Namespace) -> Signer:
    """The identity and signing options the command line names, opened and checked."""
    path = args.identity or signing.default_identity_path()
    if not path.exists():
        raise UsageError(
            _(
                "{path}: no signing identity; create one with `compliance keys init`, or name a "
                "PKCS#12 file with --identity or ${variable}"
            ).format(path=path, variable=signing.IDENTITY_ENV)
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


def signed_report(
    a: Assessment,
    lang: str,
    signer: Signer | None,
    *,
    recomputed: bool = True,
    changes: Changes | None = None,
) -> bytes:
    """The PDF report, signed; a self-signed identity's fingerprint is shown on the cover."""
    assert signer is not None
    identity, options = signer
    pdf = report_pdf(
        a,
        lang,
        identity.common_name,
        self_signed=identity.fingerprint if identity.self_signed else None,
        recomputed=recomputed,
        changes=changes,
    )
    return signing.sign_pdf(pdf, identity, options)


def _read_assessment(path: Path) -> tuple[Assessment, str]:
    """A saved assessment and its text, read as every supplier file is (a FIFO or a device is
    refused without waiting on it); one that is not an assessment of this tool is bad input."""
    from compliance.inputs.files import read_text

    # An assessment of thousands of flows runs to hundreds of megabytes, hence the generous limit.
    text = read_text(path, max_bytes=1 << 30)
    try:
        return Assessment.model_validate_json(text), text
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"]) or _("(top level)")
        raise InputError.single(
            str(path),
            _("not an assessment of this tool: {where}: {reason}").format(where=where, reason=first["msg"]),
        ) from None


def cmd_diff(args: argparse.Namespace, out: TextIO) -> Exit:
    """`compliance diff OLD.json NEW.json`: the results that moved between two assessments."""
    from compliance.outputs.changes import as_json, as_text, compare

    if args.output is not None:
        writing.check_outputs([args.output], [args.old, args.new], [], lang=_language)
    old = _read_assessment(args.old)[0]
    new = _read_assessment(args.new)[0]
    changes = compare(old, new)
    text = as_json(changes) if args.format == "json" else as_text(changes, args.lang)
    if not changes.same_solution:
        _note(
            _("the two assessments are of different solutions: {old} and {new}").format(
                old=old.solution.get("id"), new=new.solution.get("id")
            )
        )
    if args.output is None:
        out.write(text)
    else:
        write_atomically(args.output, text)
        out.write(_("wrote {path}").format(path=args.output) + "\n")
    return Exit.OK


def _assess_with_evidence(
    loaded: LoadedSolution,
    packs: list[LoadedPack],
    decided: LoadedDecisions | None,
    as_of: date,
    options: ScanOptions,
) -> Assessment:
    """A solution assessed as `assess` does: its declared evidence scanned, the assessor's
    decisions applied, and every file read recorded with its SHA-256."""
    scans = run_scans(loaded.solution, loaded.path.parent, options)
    return assess(
        loaded.solution,
        packs,
        as_of,
        inputs=[*loaded.inputs, *([decided.input] if decided else []), *pack_inputs(packs)],
        scans=scans,
        decisions=decided.decisions if decided else None,
        decisions_file=decided.input if decided else None,
    )


def cmd_dpia_draft(args: argparse.Namespace, out: TextIO) -> Exit:
    """`compliance dpia draft SOLUTION -o dpia.docx`: the DPIA draft of a solution's assessment."""
    from compliance.outputs import dpia_draft

    if args.output.suffix != ".docx":
        raise UsageError(
            _("{path}: the draft is a Word document; name the output FILE.docx").format(path=args.output)
        )
    loaded = load_solution(args.solution)
    packs = load_packs(args.rules)
    decided = load_decisions(args.decisions, loaded, packs) if args.decisions is not None else None
    writing.check_outputs(
        [args.output],
        [args.solution, *([args.decisions] if args.decisions else [])],
        args.rules,
        lang=_language,
    )
    options = ScanOptions(enabled=not args.no_scan)
    assessment = _assess_with_evidence(loaded, packs, decided, args.as_of or date.today(), options)
    write_atomically(args.output, dpia_draft.build(assessment, args.lang))
    out.write(_("wrote {path}").format(path=args.output) + "\n")
    return Exit.OK


def cmd_requirements(args: argparse.Namespace, out: TextIO) -> Exit:
    """`compliance requirements --classification C2,I2,A1 --type camera`: the tender's requirements."""
    from compliance.outputs import tender

    try:
        levels = tender.parse_classification(args.classification)
    except ValueError:
        raise UsageError(
            _("--classification {value}: give C, I and A a level 1 to 4 each, e.g. C2,I2,A1").format(
                value=args.classification
            )
        ) from None
    fmt = args.format or {".docx": "docx", ".xlsx": "xlsx", ".pdf": "pdf"}.get(
        args.output.suffix.lower() if args.output else "", "text"
    )
    if fmt != "text" and args.output is None:
        raise UsageError(_("a {format} list is a file: name it with -o").format(format=fmt))
    if args.output is not None:
        writing.check_outputs([args.output], [], args.rules, lang=_language)
    signer = _signer(args) if fmt == "pdf" else None
    built = tender.build(
        levels, args.kind, args.lang, tender.rule_citations(load_packs(args.rules), args.lang)
    )
    if fmt == "text" and args.output is None:
        out.write(tender.as_text(built))
        return Exit.OK
    rendered: str | bytes
    if fmt == "pdf":
        from compliance.outputs.report import render_pdf

        assert signer is not None
        rendered = signing.sign_pdf(render_pdf(tender.as_html(built))[0], *signer)
    elif fmt == "docx":
        rendered = tender.as_docx(built)
    elif fmt == "xlsx":
        rendered = tender.as_xlsx(built)
    else:
        rendered = tender.as_text(built)
    write_atomically(args.output, rendered)
    out.write(_("wrote {path}").format(path=args.output) + "\n")
    return Exit.OK


def cmd_annex(args: argparse.Namespace, out: TextIO) -> Exit:
    """`compliance annex dk-scc|se-pub SOLUTION -o FILE.docx`: a processor agreement's annex."""
    from compliance.outputs import annexes

    if args.output.suffix.lower() != ".docx":
        raise UsageError(
            _("{path}: the annex is a Word document; name it FILE.docx").format(path=args.output)
        )
    writing.check_outputs([args.output], [args.solution], [], lang=_language)
    loaded = load_solution(args.solution)
    document = loaded.solution.model_dump(mode="json")
    processors = annexes.processors(document)
    party = args.party or document.get("supplier")
    if party not in processors:
        raise UsageError(
            _("{path}: name the processor with --party ({choices})").format(
                path=args.solution, choices=", ".join(processors) or _("the solution names no processor")
            )
        )
    lang = args.lang or ("da" if args.kind == "dk-scc" else "sv")
    write_atomically(args.output, annexes.as_docx(annexes.build(document, party, args.kind, lang), lang))
    out.write(_("wrote {path}").format(path=args.output) + "\n")
    return Exit.OK


def cmd_review_dpa(args: argparse.Namespace, out: TextIO) -> Exit:
    """`compliance review dpa FILE`: the clause table of a data-processing agreement."""
    from compliance.core.clauses import detect_language, review_data_act
    from compliance.core.clauses import review as review_clauses
    from compliance.outputs import dpa_review

    fmt = args.format or {".json": "json", ".xlsx": "xlsx", ".pdf": "pdf"}.get(
        args.output.suffix.lower() if args.output else "", "text"
    )
    if fmt in ("xlsx", "pdf") and args.output is None:
        raise UsageError(_("a {format} review is a file: name it with -o").format(format=fmt))
    if (args.solution is None) != (args.party is None):
        raise UsageError(_("--solution and --party go together: the solution, and the processor in it"))
    if args.output is not None:
        writing.check_outputs(
            [args.output], [args.document, *([args.solution] if args.solution else [])], [], lang=_language
        )
    # Every PDF this tool writes is signed; the identity opens before any work.
    signer = (
        _signer(argparse.Namespace(**{**vars(args), "lang": args.lang or "en"})) if fmt == "pdf" else None
    )
    scope = _data_act_scope(args) if args.solution is not None else "conditional"
    blocks = _read_document(args.document)
    document_lang = args.document_lang or detect_language(blocks)
    lang = args.lang or document_lang
    results = review_clauses(blocks, document_lang)
    review = dpa_review.Review(
        str(args.document),
        dpa_review.sha256_of(args.document),
        document_lang,
        results,
        review_data_act(blocks, document_lang),
        scope,
    )
    renderers: dict[str, Callable[[], str | bytes]] = {
        "text": lambda: dpa_review.as_text(review, lang),
        "json": lambda: dpa_review.as_json(review),
        "xlsx": lambda: dpa_review.as_xlsx(review, lang),
        "pdf": lambda: signing.sign_pdf(dpa_review.as_pdf(review, lang), *signer) if signer else b"",
    }
    rendered = renderers[fmt]()
    written: list[tuple[Path, str | bytes]] = []
    noted = ""
    if args.solution is not None:
        path, candidate, text = _review_into_solution(args, review)
        written.append((path, candidate))
        if args.output is None and fmt == "text":
            rendered = str(rendered) + "\n" + text
        else:
            noted = text.rstrip()
    if args.output is not None:
        written.append((args.output, rendered))
    if written:
        # The solution and the review are written together or not at all; the file keeps its mode.
        modes = {p: p.stat().st_mode & 0o7777 for p, _data in written if p.exists()}
        write_all_atomically(written)
        for p, mode in modes.items():
            p.chmod(mode)
    if noted:
        _note(noted)
    if args.output is None:
        if isinstance(rendered, bytes):  # pragma: no cover - refused above
            raise UsageError(_("name the output file with -o"))
        out.write(rendered)
    else:
        out.write(_("wrote {path}").format(path=args.output) + "\n")
    return Exit.OK


def _read_document(path: Path, seconds: float = 60.0) -> list[Any]:
    """A supplier's document read in a child process with a time and memory limit: a crafted file
    is refused, not waited for."""
    from compliance.core.clauses import Block
    from compliance.evidence.documents import DocumentError, read_as_data
    from compliance.trust.sandbox import ChildError, LimitExceeded, Limits, run_limited

    name = str(path)
    try:
        kind, payload = run_limited(read_as_data, name, limits=Limits(seconds=seconds))
    except LimitExceeded as exc:
        refused = {
            "time": _("not read within {seconds} s").format(seconds=f"{seconds:g}"),
            "memory": _("it needs more memory than allowed"),
        }
        raise DocumentError.single(
            name, _("refused: {why}").format(why=refused.get(exc.what, str(exc)))
        ) from None
    except ChildError as exc:  # a bug of ours: what the reading libraries raise comes back refused
        raise RuntimeError(f"the document reader failed: {exc}") from None
    if kind == "refused":
        raise DocumentError([Problem(**p) for p in payload])
    blocks: list[Block] = payload
    return blocks


def _data_act_scope(args: argparse.Namespace) -> str:
    """Whether the Data Act's switching terms apply to the processor named with --party: `applies`
    where the solution says it provides a data processing (cloud) service, `not_applicable` where it
    says it does not, `conditional` where it says nothing."""
    loaded = load_solution(args.solution)
    party = next((p for p in loaded.solution.parties if p.id == args.party), None)
    cloud = party.data_act.data_processing_service if party is not None and party.data_act else None
    if cloud is None:
        return "conditional"
    return "applies" if cloud else "not_applicable"


def _review_into_solution(args: argparse.Namespace, review: Any) -> tuple[Path, str, str]:
    """The solution file with the review's facts in the processor's contract (source: the document
    and where in it), as the text to write, and what the Art. 28 rules then say for that processor.
    Nothing is written here: the command writes it with its other output, all or nothing."""
    from compliance.core.clauses import data_act_facts
    from compliance.core.models.assessment import Target
    from compliance.core.models.rules import Scope
    from compliance.inputs.answers import remove_answer, set_answer, set_source
    from compliance.inputs.dpa_facts import contract_facts
    from compliance.inputs.files import read_text
    from compliance.inputs.loader import validate_text
    from compliance.inputs.upgrade import load_editable

    loaded = load_solution(args.solution)
    party = next((p for p in loaded.solution.parties if p.id == args.party), None)
    if party is None:
        raise UsageError(
            _("{path}: no party '{party}'; name the processor whose agreement it is").format(
                path=args.solution, party=args.party
            )
        )
    target = Target(Scope.PARTY, party.id, party.name)
    path = args.solution.resolve()
    doc, dump = load_editable(read_text(path), str(args.solution))
    for fact in contract_facts(review.results, review.document):
        name = f"party.contract.{fact.field}"
        if fact.value is None:
            remove_answer(doc, name, target)
        else:
            set_answer(doc, name, target, fact.value)
            set_source(doc, name, target, {"kind": "document", "reference": fact.reference[:200]})
    # The Data Act's switching terms become facts of the provider only where the solution says it
    # provides a data processing (cloud) service; not found leaves a fact unstated (unknown).
    data_act = review.data_act_scope == "applies"
    if data_act:
        document = Path(review.document).name
        for da_fact in data_act_facts(review.data_act):
            name = f"party.data_act.{da_fact.field}"
            if da_fact.value is None:
                remove_answer(doc, name, target)
            else:
                set_answer(doc, name, target, da_fact.value)
                where = f"{document}, {da_fact.location}" if da_fact.location else document
                set_source(doc, name, target, {"kind": "document", "reference": where[:200]})
    candidate = dump(doc)
    solution = validate_text(candidate, str(args.solution))
    assessment = assess(solution, load_packs([]), args.as_of or date.today())
    lines = [
        _(
            "The agreement's clauses are now facts of {party}'s contract in {path} (source: the document)."
        ).format(party=party.name, path=args.solution),
        _("GDPR Art. 28 with these facts:"),
    ]
    for f in assessment.findings:
        if f.target is not None and f.target.id == party.id and f.rule_id.startswith("GDPR-28"):
            lines.append(f"  {f.status.value:<14} {f.citation}: {f.title}")
    if data_act:
        lines.append(_("The Data Act (cloud switching) with these facts:"))
        for f in assessment.findings:
            if f.target is not None and f.target.id == party.id and f.rule_id.startswith("DATAACT-"):
                lines.append(f"  {f.status.value:<14} {f.citation}: {f.title}")
    return path, candidate, "\n".join(lines) + "\n"


def cmd_report(args: argparse.Namespace, out: TextIO) -> Exit:
    """`compliance report ASSESSMENT.json -o report.pdf`: a saved assessment as a PDF, alone, once
    its results are recomputed from its facts (or `--as-is`, said on the cover)."""
    from compliance.core.recompute import Recomputed, recompute

    if args.output.suffix not in (".pdf", ".docx", ".xlsx"):
        raise UsageError(
            _(
                "{path}: the report is a PDF, a Word document or a workbook; name the output FILE.pdf, FILE.docx or FILE.xlsx"
            ).format(path=args.output)
        )
    read = [args.assessment, *([args.previous] if args.previous is not None else [])]
    writing.check_outputs([args.output], read, args.rules, lang=_language)
    _check_edition_outputs(args, [args.output.suffix])
    pdf = args.output.suffix == ".pdf"
    signer = _signer(args) if pdf else None
    assessment, text = _read_assessment(args.assessment)
    if args.assessor and not assessment.assessor:
        assessment = assessment.model_copy(update={"assessor": args.assessor})
    elif args.assessor and args.assessor != assessment.assessor:
        raise UsageError(
            _("{path}: the assessment names its assessor ({assessor}); a report cannot name another").format(
                path=args.assessment, assessor=assessment.assessor
            )
        )
    if not assessment.assessor:
        _warn_no_assessor()
    outcome = recompute(text, load_packs(args.rules))
    assessment = _with_document_control(assessment, args)
    assessment, plan = _public_edition(assessment, args)
    assessment, changes = _with_previous(assessment, args, plan)
    recomputed = outcome.status is Recomputed.SAME
    if outcome.status is Recomputed.UNREADABLE:
        # Not even --as-is renders it: the report is laid out from a valid solution (and valid
        # decisions), and a crafted one would break the layout or smuggle text past validation.
        raise InputError.single(
            str(args.assessment),
            _("{reason}; a report cannot be made of it, not even with --as-is").format(
                reason=outcome.sentence()
            ),
        )
    if not recomputed and not args.as_is:
        raise InputError.single(
            str(args.assessment),
            _(
                "{reason}. A report shows results the engine gives; render this file anyway with "
                "--as-is, and its cover will say that its results were not recomputed"
            ).format(reason=outcome.sentence()),
        )
    if not recomputed and not pdf:
        raise UsageError(
            _("{path}: results that were not recomputed go only into a PDF, whose cover says so").format(
                path=args.output
            )
        )
    if signer is None:
        # A workbook or a document to work in: unsigned, made only of results the engine gives again.
        editable = (
            docx_edition.build(assessment, args.lang, changes=changes)
            if args.output.suffix == ".docx"
            else spreadsheet.as_xlsx(assessment, args.lang)
        )
        if plan is not None:
            _check_no_leaks(plan, {args.output.suffix: editable})
        write_atomically(args.output, editable)
        out.write(_("wrote {path}").format(path=args.output) + "\n")
    else:
        signed = signed_report(assessment, args.lang, signer, recomputed=recomputed, changes=changes)
        if plan is not None:
            _check_no_leaks(plan, {".pdf": signed})
        write_atomically(args.output, signed)
        identity, _options = signer
        out.write(
            _("wrote {path}, signed by {signer}").format(path=args.output, signer=identity.common_name) + "\n"
        )
    if not recomputed:
        _note(_("{reason}; the cover says so (--as-is)").format(reason=outcome.sentence()))
    run = assessment.run
    _warn_other_runs(
        args.output, run.id if run else None, run.outputs if run else [], exclude=[args.assessment]
    )
    return Exit.OK


def cmd_verify(args: argparse.Namespace, out: TextIO) -> Exit:
    """`compliance verify REPORT.pdf`: 0 verified, 1 anything else, 2 usage."""
    from compliance.trust.sandbox import Limits
    from compliance.trust.verification import VerifyOptions, check_report

    if args.inputs is not None and not args.inputs.is_dir():
        raise UsageError(_("{path}: --inputs must name a directory").format(path=args.inputs))
    if args.require_trust:
        _note(
            _(
                "--require-trust is the default now and is ignored; it will be removed in the next "
                "release (--allow-untrusted accepts an untrusted signer)"
            )
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
        out.write(neutralise(render_verification(result, _language)))
    run = result.assessment.get("run") if result.assessment else None
    _warn_other_runs(
        args.report,
        run["id"] if isinstance(run, dict) else None,
        run["outputs"] if isinstance(run, dict) else [],
    )
    return Exit.OK if result.ok else Exit.BELOW_THRESHOLD


def _warn_other_runs(
    pdf: Path, run_id: str | None, outputs: Sequence[str], exclude: Sequence[Path] = ()
) -> None:
    """Warn about an assessment JSON beside a report that another run wrote."""
    for path, other in writing.other_runs_beside(pdf, run_id, outputs, exclude=exclude):
        _note(
            _(
                "warning: {json} beside {pdf} was written by another run ({other}; the report's is "
                "{run}): the two do not describe the same assessment"
            ).format(json=path, pdf=pdf, other=other or _("none recorded"), run=run_id or _("none recorded"))
        )


def cmd_trust_add(args: argparse.Namespace, out: TextIO) -> Exit:
    """`compliance trust add CERT...`."""
    certs = signing.load_certificates(tuple(args.certificates))
    added = {c.sha256 for c in signing.add_trusted(certs, args.note, date.today())}
    for cert in certs:
        state = _("added: {certificate}") if cert.sha256 in added else _("already trusted: {certificate}")
        out.write(state.format(certificate=_certificate(cert)) + "\n")
    out.write(_("trust store: {path}").format(path=signing.trust_store_path()) + "\n")
    return Exit.OK


def cmd_trust_list(args: argparse.Namespace, out: TextIO) -> Exit:
    """`compliance trust list`."""
    certs = signing.trusted_certificates()
    heading = ngettext(
        "trust store: {path} ({n} certificate)", "trust store: {path} ({n} certificates)", len(certs)
    )
    out.write(heading.format(path=signing.trust_store_path(), n=len(certs)) + "\n")
    for cert in certs:
        out.write(f"  {_certificate(cert)}\n")
    return Exit.OK


def cmd_trust_remove(args: argparse.Namespace, out: TextIO) -> Exit:
    """`compliance trust remove SHA256`."""
    removed = signing.remove_trusted(args.fingerprint)
    if not removed:
        raise UsageError(
            _("no trusted certificate has the fingerprint {fingerprint}").format(fingerprint=args.fingerprint)
        )
    for cert in removed:
        out.write(_("removed: {certificate}").format(certificate=_certificate(cert)) + "\n")
    return Exit.OK


def _certificate(cert: Any) -> str:
    """A certificate on one line, in the CLI's language."""
    return signing.describe_certificate(cert, translator(_language))


def cmd_keys_init(args: argparse.Namespace, out: TextIO) -> Exit:
    """`compliance keys init`: a new local identity, never over an existing one."""
    path: Path = args.identity or signing.default_identity_path()
    if path.exists():
        if not args.exist_ok:
            raise UsageError(
                _("{path}: a signing identity exists already; it is never overwritten").format(path=path)
            )
        identity = signing.open_identity(path, args.passphrase_file)
        out.write(
            _("using the existing signing identity {path}: {signer}").format(
                path=path, signer=identity.common_name
            )
            + "\n"
        )
        return Exit.OK
    name = _asked(args.name, "--name", _("Signer's name (a person or a role, e.g. 'Ida Holm, DPO'): "))
    organisation = _asked(
        args.organisation, "--organisation", _("Signer's organisation (e.g. 'Vejle Kommune'): ")
    )
    signing.check_signer_names(name, organisation)
    # The certificate's fields have limits of their own (a common name of at most 64 characters,
    # ASCII country codes and e-mail addresses, a validity that ends before the year 10000); each
    # is refused here, naming its option, rather than deep in the certificate library.
    from compliance.core.models.common import unsafe_character

    for option, value in (("--name", name), ("--organisation", organisation), ("--email", args.email)):
        problem = None if value is None else unsafe_character(value, multi_line=False)
        if problem is not None:
            raise UsageError(_("{option}: {problem}").format(option=option, problem=problem))
    if len(name) > 64:
        raise UsageError(_("--name: {n} characters; a certificate holds at most 64").format(n=len(name)))
    if len(organisation) > 64:
        raise UsageError(
            _("--organisation: {n} characters; a certificate holds at most 64").format(n=len(organisation))
        )
    if not 1 <= args.days <= 36_525:
        raise UsageError(_("--days: {days} is not from 1 to 36525 (100 years)").format(days=args.days))
    if args.country is not None and not (
        len(args.country) == 2 and args.country.isascii() and args.country.isalpha()
    ):
        raise UsageError(
            _("--country: '{country}' is not a two-letter country code").format(country=args.country)
        )
    if args.email is not None and not (
        args.email.isascii()
        and 3 <= len(args.email) <= 254
        and args.email.count("@") == 1
        and " " not in args.email
    ):
        raise UsageError(
            _("--email: '{email}' is not an e-mail address in ASCII (at most 254 characters)").format(
                email=args.email[:80]
            )
        )
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
            _("{path}: exists already without an identity beside it; remove it or name a passphrase").format(
                path=secret
            )
        )
    try:
        signing.write_private(path, data)
        if generated:
            signing.write_private(secret, passphrase + b"\n")
    except OSError as exc:
        raise OutputError(writing.cannot_write(path, exc, _language)) from None
    identity = signing.load_identity(path, passphrase)
    cert = signing.certificate_file_beside(path)
    write_atomically(cert, signing.certificate_pem(identity))
    out.write(_("created signing identity {path} (PKCS#12, mode 0600)").format(path=path) + "\n")
    out.write(_field(_("signer:"), identity.subject))
    out.write(
        _field(
            _("certificate:"),
            _(
                "{path} (self-signed; give it to readers, who check its fingerprint with you and trust "
                "it with `compliance trust add` or `compliance verify --trust`)"
            ).format(path=cert),
        )
    )
    out.write(_field("SHA-256:", identity.fingerprint))
    if generated:
        out.write(_field(_("passphrase:"), _("{path} (random, mode 0600)").format(path=secret)))
    return Exit.OK


def _asked(value: str | None, option: str, prompt: str) -> str:
    """A value from the command line, else from the terminal; a usage error without either."""
    if value is not None:
        return value.strip()
    if not sys.stdin.isatty():
        raise UsageError(
            _(
                "keys init needs {option}: a report names who signed it, and a login name says nothing "
                "to its reader"
            ).format(option=option)
        )
    try:
        return input(prompt).strip()
    except EOFError:
        raise UsageError(_("keys init needs {option}").format(option=option)) from None


def cmd_keys_show(args: argparse.Namespace, out: TextIO) -> Exit:
    """`compliance keys show`."""
    path: Path = args.identity or signing.default_identity_path()
    if not path.exists():
        raise UsageError(
            _("{path}: no signing identity; create one with `compliance keys init`").format(path=path)
        )
    identity = signing.open_identity(path, args.passphrase_file)
    out.write(f"{path}\n")
    out.write(_field(_("signer:"), identity.subject))
    out.write(_field(_("self-signed:"), _("yes") if identity.self_signed else _("no")))
    valid = _("{start} to {end}").format(
        start=f"{identity.not_before:%Y-%m-%d}", end=f"{identity.not_after:%Y-%m-%d}"
    )
    out.write(_field(_("valid:"), valid))
    out.write(_field("SHA-256:", identity.fingerprint))
    for c in identity.chain:
        out.write(_field(_("chain:"), c.subject.human_friendly))
    return Exit.OK


def _scan_options(args: argparse.Namespace) -> ScanOptions:
    if args.osv_url is not None:
        if args.vulnerability_service == "default":
            raise UsageError(
                _(
                    "--osv-url (or $COMPLIANCE_OSV_URL) is an OSV service; it cannot be combined with "
                    "--vulnerability-service default"
                )
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
    out.write(_rules_in_packs(len(rows), len(packs)) + "\n")
    return Exit.OK


def _rules_in_packs(rules: int, packs: int) -> str:
    """`247 rules in 11 packs`, in the CLI's language."""
    return _("{rules} in {packs}").format(
        rules=ngettext("{n} rule", "{n} rules", rules).format(n=rules),
        packs=ngettext("{n} pack", "{n} packs", packs).format(n=packs),
    )


def _no_case_for(location: str, rule: str, missing: Sequence[Any]) -> str:
    """A rule's outcomes that no case shows (outcome names as the rule files write them)."""
    return _("{location}: {rule}: no case for outcome(s): {outcomes}").format(
        location=location, rule=rule, outcomes=", ".join(o.value for o in missing)
    )


def cmd_rules_lint(args: argparse.Namespace, out: TextIO) -> Exit:
    """`compliance rules lint`: packs load (citations, facts, operators checked) and cases cover outcomes."""
    packs = load_packs(args.rules)
    _results, gaps = run_all(packs)
    for gap in gaps:
        out.write(_no_case_for(str(gap.location), gap.rule, gap.missing) + "\n")
    total = sum(len(p.rules) for p in packs)
    if gaps:
        lacking = ngettext("{n} of {total} rule lacks cases", "{n} of {total} rules lack cases", total)
        out.write(lacking.format(n=len(gaps), total=total) + "\n")
        return Exit.BAD_INPUT
    out.write(
        _("{rules_in_packs}: all load, every outcome has a case").format(
            rules_in_packs=_rules_in_packs(total, len(packs))
        )
        + "\n"
    )
    return Exit.OK


def cmd_rules_test(args: argparse.Namespace, out: TextIO) -> Exit:
    """`compliance rules test`: run every case; a missing case is a failure too."""
    packs = load_packs(args.rules)
    results, gaps = run_all(packs)
    failed = [r for r in results if not r.ok]
    ok, fail = _("ok"), _("FAIL")
    for r in results:
        if args.verbose or not r.ok:
            line = f"{r.location}: {r.rule}: {r.case}"
            if not r.ok:
                line += " " + _("(expected {expected}, got {actual})").format(
                    expected=r.expected.value, actual=r.actual.value
                )
            out.write(f"{ok if r.ok else fail:<4} {line}\n")
    for gap in gaps:
        out.write(f"{fail:<4} {_no_case_for(str(gap.location), gap.rule, gap.missing)}\n")
    passed = len(results) - len(failed)
    out.write(
        _("{passed} passed, {failed} failed").format(passed=passed, failed=len(failed) + len(gaps)) + "\n"
    )
    return Exit.BAD_INPUT if failed or gaps else Exit.OK


def cmd_rules_docs(args: argparse.Namespace, out: TextIO) -> Exit:
    """`compliance rules docs`: the rule reference in Markdown, generated from the packs."""
    if args.output is not None:
        writing.check_outputs([args.output], folders=args.rules, lang=_language)
    text = render_markdown(load_packs(args.rules))
    if args.output is None:
        out.write(text)
    else:
        write_atomically(args.output, text)
        out.write(_("wrote {path}").format(path=args.output) + "\n")
    return Exit.OK


def cmd_controls(args: argparse.Namespace, out: TextIO) -> Exit:
    """`compliance controls`: the catalogue, or a conformance statement with --statement."""
    from compliance.outputs.statement import statement, statement_csv

    if args.output is not None:
        inputs = [args.solution] if args.solution is not None else []
        writing.check_outputs([args.output], inputs, args.rules, lang=_language)
    cat = catalogue()
    packs = load_packs(args.rules)
    if args.statement is None:
        if args.solution is not None:
            raise UsageError(_("a solution file is only read with --statement FRAMEWORK"))
        if args.format == "csv":
            raise UsageError(_("--format csv is for statements; the catalogue prints as text or json"))
        text = _catalogue_text(cat, packs, args.framework, args.format or "text")
    else:
        if cat.framework(args.statement) is None:
            raise UsageError(_unknown_framework(cat, args.statement))
        if args.solution is None:
            raise UsageError(_("--statement needs a SOLUTION file"))
        loaded = load_solution(args.solution)
        a = assess(
            loaded.solution, packs, args.as_of or date.today(), inputs=[*loaded.inputs, *pack_inputs(packs)]
        )
        st = statement(a, args.statement, cat)
        if (args.format or "json") == "csv":
            text = statement_csv(st)
        elif args.format == "text":
            raise UsageError(_("a statement is written as json or csv"))
        else:
            text = json.dumps(st, indent=2, ensure_ascii=False) + "\n"
    if args.output is None:
        out.write(text)
    else:
        write_atomically(args.output, text)
        out.write(_("wrote {path}").format(path=args.output) + "\n")
    return Exit.OK


def _unknown_framework(cat: Catalogue, key: str) -> str:
    from compliance.core.vocabulary import suggest

    ids = [fw.id for fw in cat.frameworks]
    hint = suggest(key, ids)
    if hint:
        return _("no framework '{key}' (choose from {ids}) (did you mean '{hint}'?)").format(
            key=key, ids=", ".join(ids), hint=hint
        )
    return _("no framework '{key}' (choose from {ids})").format(key=key, ids=", ".join(ids))


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
        lines += [f"{fw.name}: {fw.title}", "  " + _("source: {source}").format(source=fw.source)]
        for row in (r for r in rows if r["framework_id"] == fw.id):
            n_rules = len(row["rules"])
            rules = (
                ngettext("[{n} rule]", "[{n} rules]", n_rules).format(n=n_rules)
                if n_rules
                else _("[no rule]")
            )
            lines.append(f"  {row['id']:<18} {row['citation']:<34} {row['title']}  {rules}")
            for m in row["mappings"]:
                lines.append(f"      {arrows[m['direction']]} {m['relation']:<10} {m['control']}")
        lines.append("")
    n, n_frameworks, n_mappings = len(rows), len(frameworks), len(cat.mappings)
    lines.append(
        _("{controls} in {frameworks}, {mappings} in all").format(
            controls=ngettext("{n} control", "{n} controls", n).format(n=n),
            frameworks=ngettext("{n} framework", "{n} frameworks", n_frameworks).format(n=n_frameworks),
            mappings=ngettext("{n} crosswalk mapping", "{n} crosswalk mappings", n_mappings).format(
                n=n_mappings
            ),
        )
    )
    return "\n".join(lines) + "\n"


def _find_rule(packs: Sequence[LoadedPack], rule_id: str) -> tuple[LoadedPack, CompiledRule]:
    from compliance.core.vocabulary import suggest

    for pack in packs:
        for rule in pack.rules:
            if rule.id == rule_id:
                return pack, rule
    hint = suggest(rule_id, [r.id for p in packs for r in p.rules])
    if hint:
        raise UsageError(_("no rule '{rule}' (did you mean '{hint}'?)").format(rule=rule_id, hint=hint))
    raise UsageError(_("no rule '{rule}'").format(rule=rule_id))


def cmd_explain(args: argparse.Namespace, out: TextIO) -> Exit:
    """`compliance explain RULE_ID`."""
    pack, rule = _find_rule(load_packs(args.rules), args.rule_id)
    r = rule.rule

    def field(label: str, value: object) -> str:
        return _field(label, value, column=14)

    out.write(f"{r.id}: {r.title}\n")
    out.write(field(_("Provision:"), f"{provision_text(r.citation)} ({rule.framework})"))
    for jurisdiction, citation in sorted(r.transposition.items()):
        out.write(field(_("National ({jurisdiction}):").format(jurisdiction=jurisdiction), citation))
    if r.controls:
        out.write(field(_("Controls:"), ", ".join(r.controls)))
    pack_text = _("{pack} {version}, law as of {date}").format(
        pack=pack.meta.pack, version=pack.meta.version, date=pack.meta.law_as_of
    )
    out.write(field(_("Pack:"), pack_text))
    out.write(field(_("Scope:"), _("evaluated once per {scope}").format(scope=r.scope.value)))
    severity = _("{severity} (weight {weight})").format(severity=r.severity.value, weight=f"{r.weight:g}")
    out.write(field(_("Severity:"), severity))
    out.write(field(_("Applies when:"), rule.applies.text if rule.applies else _("always")))
    out.write(field(_("Requires:"), rule.require.text))
    if r.effective_from:
        pending = _("{date} (pending before)").format(date=r.effective_from)
        out.write(field(_("Applies from:"), pending))
    if r.effective_until:
        out.write(field(_("Applies until:"), r.effective_until))
    lines = ["", _("Why:"), *_indent(r.rationale), "", _("Remediation:"), *_indent(r.remediation)]
    if r.references:
        lines += ["", _("References:"), *(f"  - {ref}" for ref in r.references)]
    lines += ["", _("Cases:"), *(f"  {c.expect.value:<15} {c.name}" for c in r.cases)]
    lines += ["", _("A missing fact makes the result unknown, which weighs like a failure.")]
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
        raise UsageError(_("{path}: already exists; choose another path or pass --force").format(path=path))
    text = files("compliance").joinpath("starter_solution.yaml").read_text(encoding="utf-8")
    write_atomically(path, text)
    out.write(_("wrote {path}: fill it in, then run `compliance assess {path}`").format(path=path) + "\n")
    return Exit.OK


def cmd_answers_import(args: argparse.Namespace, out: TextIO) -> Exit:
    """`compliance answers import SOLUTION FILE.xlsx`: a supplier's answers, as declarations."""
    from compliance.core.questions import solution_facts_sha256
    from compliance.inputs.answers import set_answer, set_source
    from compliance.inputs.files import read_text
    from compliance.inputs.loader import validate_text
    from compliance.inputs.upgrade import load_editable
    from compliance.inputs.workbook import INSTRUCTION_ROWS, read_sheet
    from compliance.outputs.interview import remember_dont_know

    loaded = load_solution(args.solution)
    document = loaded.solution.model_dump(mode="json")
    sheet = read_sheet(args.workbook, document)
    current = solution_facts_sha256(document)
    if sheet.facts_sha256 != current and not args.force:
        raise InputError(
            [
                Problem(
                    str(args.workbook),
                    _(
                        "made for other facts of the solution (SHA-256 {made}, now {now}); "
                        "--force reads it anyway"
                    ).format(made=sheet.facts_sha256[:12] or "-", now=current[:12]),
                    path=f"{sheet.intro}!B{INSTRUCTION_ROWS['facts_sha256']}",
                )
            ]
        )
    path = args.solution.resolve()
    text = read_text(path)
    doc, dump = load_editable(text, str(args.solution))
    source = {"kind": "supplier_declaration", "asserted_by": sheet.answered_by}
    if sheet.answered_on is not None:
        source["checked_on"] = sheet.answered_on.isoformat()
    problems: list[Problem] = []
    for answer in sheet.answers:
        value = answer.value
        if answer.record_fields is not None:  # a list of records: each gives the fields of its row
            value = [
                {**item, "sources": {**(item.get("sources") or {}), **{name: dict(source) for name in given}}}
                if given
                else item
                for item, given in zip(answer.value, answer.record_fields, strict=True)
            ]
        set_answer(doc, answer.fact, answer.target, value)
        set_source(
            doc,
            answer.fact,
            answer.target,
            {**source, **({"reference": answer.evidence} if answer.evidence else {})},
        )
    candidate = dump(doc)
    try:
        validate_text(candidate, str(args.solution))
    except InputError as exc:
        for problem in exc.problems:
            problems.append(
                Problem(
                    str(args.workbook),
                    _("the solution does not take these answers: {problem}").format(problem=problem.message),
                    path=problem.path,
                )
            )
        raise InputError(problems) from None
    mode = path.stat().st_mode & 0o7777
    write_atomically(path, candidate)
    path.chmod(mode)
    remember_dont_know(
        path, [(a.fact, a.target) for a in sheet.dont_know], sheet.answered_by or "", _language
    )
    _note(
        ngettext(
            "{n} answer read from {workbook} into {path}, as declared by {who}",
            "{n} answers read from {workbook} into {path}, as declared by {who}",
            len(sheet.answers),
        ).format(n=len(sheet.answers), workbook=args.workbook, path=args.solution, who=sheet.answered_by)
    )
    if sheet.dont_know:
        _note(
            ngettext(
                '{n} question answered "don\'t know": it stays unknown',
                '{n} questions answered "don\'t know": they stay unknown',
                len(sheet.dont_know),
            ).format(n=len(sheet.dont_know))
        )
    return Exit.OK


def cmd_questions(args: argparse.Namespace, out: TextIO) -> Exit:
    """`compliance questions SOLUTION`: the open questions, as text, JSON or a questionnaire."""
    from compliance.core.questions import next_questions
    from compliance.outputs import questionnaire

    lang = args.lang or _language
    if args.format == "xlsx" and args.output is None:
        raise UsageError(_("a spreadsheet is written to a file: give -o FILE.xlsx"))
    if args.output is not None:
        writing.check_outputs([args.output], [args.solution], args.rules, lang=_language)
    loaded = load_solution(args.solution)
    packs = load_packs(args.rules)
    assessment = assess(loaded.solution, packs, args.as_of or date.today())
    questions = next_questions(assessment)
    if args.party is not None:
        parties = [p.id for p in loaded.solution.parties]
        if args.party not in parties:
            raise UsageError(
                _("{path}: no party '{party}' (its parties: {parties})").format(
                    path=args.solution, party=args.party, parties=", ".join(parties)
                )
            )
        questions = questionnaire.for_party(assessment, questions, args.party)
    rendered: str | bytes
    if args.format == "xlsx":
        rendered = questionnaire.as_xlsx(assessment, questions, lang)
    elif args.format == "json":
        rendered = (
            json.dumps(questionnaire.as_json(assessment, questions, lang), indent=2, ensure_ascii=False)
            + "\n"
        )
    else:
        rendered = questionnaire.as_text(assessment, questions, lang)
    if args.output is not None:
        write_all_atomically([(args.output, rendered)])
        _note(_("wrote {path} ({n} questions)").format(path=args.output, n=len(questions)))
    else:
        assert isinstance(rendered, str)
        out.write(rendered)
    return Exit.OK


def cmd_interview(args: argparse.Namespace, out: TextIO) -> Exit:
    """`compliance interview SOLUTION`: ask, in a terminal, the questions that decide."""
    from compliance.outputs.interview import Person, Session

    lang = args.lang or _language
    path = args.solution.resolve()  # a symbolic link stays one: its target gets the answers
    load_solution(path)  # the file must be valid before anything is asked
    packs = load_packs(args.rules)
    name = args.by
    if name is None:
        out.write(_("Who is answering (name and organisation)? "))
        out.flush()
        try:
            name = _name(sys.stdin.readline().strip())
        except argparse.ArgumentTypeError as exc:
            raise UsageError(_("who answers: {problem}").format(problem=exc)) from None
    session = Session(
        path=path,
        packs=packs,
        as_of=args.as_of or date.today(),
        lang=lang,
        person=Person(name=name.strip(), evidence=args.evidence),
        inp=sys.stdin,
        out=out,
        everything=args.all,
    )
    try:
        session.run()
    except KeyboardInterrupt:
        out.write("\n")
        _note(
            ngettext(
                "stopped; {n} answer was written to {path}, and the next run goes on from there",
                "stopped; {n} answers were written to {path}, and the next run goes on from there",
                session.answered,
            ).format(n=session.answered, path=args.solution)
        )
        return Exit.OK
    return Exit.OK


def cmd_upgrade(args: argparse.Namespace, out: TextIO) -> Exit:
    """`compliance upgrade FILE`: 0 upgraded or current, 1 values wait for a decision, 2 bad input."""
    from compliance.inputs.upgrade import Format, upgrade_file

    result = upgrade_file(args.file)
    for step in result.steps:
        _note(_("{path}: version {step}").format(path=args.file, step=step))
    for change in result.changes:
        print(change, file=sys.stderr)
    if not result.needed:
        _note(_("{path}: already at version {version}").format(path=args.file, version=result.to_version))
    if args.diff:
        out.write(result.diff())
    elif args.output is not None:
        write_atomically(args.output, result.text)
        _note(_("wrote {path} (version {version})").format(path=args.output, version=result.to_version))
    elif result.needed:
        path = args.file.resolve()  # a symbolic link stays one: its target is upgraded
        mode = path.stat().st_mode & 0o7777
        write_atomically(path, result.text)
        path.chmod(mode)
        _note(_("upgraded {path} to version {version}").format(path=args.file, version=result.to_version))
    if result.relaid_lines:
        relaid = ngettext(
            "{n} other line is laid out anew by the YAML writer (see --diff)",
            "{n} other lines are laid out anew by the YAML writer (see --diff)",
            result.relaid_lines,
        )
        _note(relaid.format(n=result.relaid_lines))
    if result.undecided:
        n = len(result.undecided)
        if result.format is Format.JSON:
            waiting = ngettext(
                "{n} value waits for a person's decision (listed above); decide it, then delete its mark",
                "{n} values wait for a person's decision (listed above); decide each, then delete its mark",
                n,
            )
        else:
            waiting = ngettext(
                "{n} value waits for a person's decision (listed above; in the file, marked "
                "'# compliance upgrade:'); decide it, then delete its mark",
                "{n} values wait for a person's decision (listed above; those in the file, marked "
                "'# compliance upgrade:'); decide each, then delete its mark",
                n,
            )
        _note(waiting.format(n=n))
        return Exit.BELOW_THRESHOLD  # 1: upgraded, but not every value could be carried over
    return Exit.OK


# ---------------------------------------------------------------------------------------------


def cmd_decide_review(args: argparse.Namespace, out: TextIO) -> Exit:
    """`compliance decide review SOLUTION RULE`: record a person's decision on a needs-review result,
    bound to the facts it rests on now."""
    from compliance.core.models.rules import Outcome
    from compliance.inputs.decisions import record

    loaded = load_solution(args.solution)
    packs = load_packs(args.rules)
    path = args.decisions or default_path(loaded.path)
    existing = load_decisions(path, loaded, packs) if path.exists() else None
    as_of = args.as_of or date.today()
    a = assess(loaded.solution, packs, as_of, decisions=existing.decisions if existing else None)
    found = [
        f
        for f in a.results()
        if f.rule_id == args.rule and (f.target.id if f.target else None) == args.target
    ]
    if not found:
        targets = sorted({f.target.id for f in a.results() if f.rule_id == args.rule and f.target})
        hint = _(" (its targets: {targets})").format(targets=", ".join(targets)) if targets else ""
        raise UsageError(
            _("{rule}: no such result for {target}{hint}").format(
                rule=args.rule, target=args.target or _("the solution"), hint=hint
            )
        )
    finding = found[0]
    if finding.status is not Outcome.NEEDS_REVIEW and finding.review is None:
        raise UsageError(
            _("{rule}: the result is {outcome}, not one that needs review; a review cannot change it").format(
                rule=args.rule, outcome=finding.status.value
            )
        )
    person = {"name": args.by, "organisation": args.organisation}
    entry: dict[str, Any] = {"rule": args.rule}
    if args.target is not None:
        entry["target"] = args.target
    entry |= {
        "outcome": args.outcome,
        "reason": args.reason,
        "decided_by": dict(person),
        "decided_on": (args.on or date.today()).isoformat(),
        "facts_sha256": finding.facts_sha256,
    }
    replaced = record(path, loaded.solution.id, person, "reviews", entry, (args.rule, args.target))
    message = (
        _("replaced the review of {rule} in {path}")
        if replaced
        else _("recorded the review of {rule} in {path}")
    )
    _note(message.format(rule=args.rule, path=path))
    return Exit.OK


def cmd_decide_check(args: argparse.Namespace, out: TextIO) -> Exit:
    """`compliance decide check SOLUTION PATH`: record that the assessor checked a fact's value."""
    from compliance.core.models.common import value_at
    from compliance.inputs.decisions import record

    loaded = load_solution(args.solution)
    path = args.decisions or default_path(loaded.path)
    if path.exists():
        load_decisions(path, loaded, load_packs())  # the file must be this solution's, and valid
    try:
        value = value_at(loaded.solution.model_dump(mode="json"), args.fact)
    except ValueError as exc:
        raise UsageError(f"{args.fact}: {exc}") from None
    person = {"name": args.by, "organisation": args.organisation}
    entry = {
        "fact": args.fact,
        "value": value,
        "checked_by": dict(person),
        "checked_on": (args.on or date.today()).isoformat(),
        "evidence": args.evidence,
    }
    replaced = record(path, loaded.solution.id, person, "checks", entry, (args.fact,))
    message = (
        _("replaced the check of {fact} in {path}")
        if replaced
        else _("recorded the check of {fact} in {path}")
    )
    _note(message.format(fact=args.fact, path=path))
    return Exit.OK


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Entry point of the `compliance` command."""
    global _language
    _language = _choose_language()
    out = out or sys.stdout
    quiet_libraries()
    try:
        args = build_parser().parse_args(argv)
        run: Callable[[argparse.Namespace, TextIO], Exit] = args.run
        with gc_paused():
            return int(run(args, out))
    except InputError as exc:
        n = len(exc.problems)
        # TRANSLATORS: the English says "problem(s)" in both forms for now (the tests of the
        # solution format read it); give the language's own singular and plural.
        _note(ngettext("{n} problem(s) in the input:", "{n} problem(s) in the input:", n).format(n=n))
        for problem in exc.problems:
            print(f"  {neutralise(str(problem))}", file=sys.stderr)
        return Exit.BAD_INPUT
    except (UsageError, OutputError) as exc:
        _note(str(exc))
        return Exit.BAD_INPUT
    except ComplianceError as exc:
        _note(str(exc))
        return Exit.BAD_INPUT
    except KeyboardInterrupt:
        _note(_("interrupted"))
        return 130
    except BrokenPipeError:
        return Exit.OK
    except Exception as exc:
        _note(_("internal error: {kind}: {error}").format(kind=type(exc).__name__, error=exc))
        print(
            _("This is a bug in compliance-engine; please report it with the command you ran."),
            file=sys.stderr,
        )
        if os.environ.get("COMPLIANCE_DEBUG"):
            traceback.print_exc()
        return Exit.INTERNAL


if __name__ == "__main__":
    sys.exit(main())
