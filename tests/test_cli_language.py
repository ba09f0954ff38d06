"""The CLI's own messages in English, Danish and Swedish: the language comes from the locale
environment as gettext programs read it (LANGUAGE, LC_ALL, LC_MESSAGES, LANG), English by default;
exit codes, `--lang` (the summary and the report) and `verify --format json` do not change with it."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from helpers import MINIMAL_SOLUTION_YAML, own_certificate, run_subprocess

from compliance import cli as cli_module
from compliance.core.errors import InputError, Problem
from compliance.trust.verification import SignatureCheck, Verification, render_text

LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


@pytest.fixture
def locale(monkeypatch: pytest.MonkeyPatch):
    """Set the locale environment to exactly the variables given (the others unset)."""

    def set_locale(**variables: str) -> None:
        for name in LOCALE_VARIABLES:
            monkeypatch.delenv(name, raising=False)
        for name, value in variables.items():
            monkeypatch.setenv(name, value)

    return set_locale


# ---------------------------------------------------------------------------------------------
# Choosing the language


def test_language_da_says_a_usage_error_in_danish_and_still_exits_2(locale, cli, tmp_path) -> None:
    locale(LANGUAGE="da")
    existing = tmp_path / "solution.yaml"
    existing.write_text(MINIMAL_SOLUTION_YAML, encoding="utf-8")

    run = cli("init", existing)

    assert run.code == 2
    assert run.err == f"compliance: {existing}: findes allerede; vælg en anden sti, eller angiv --force\n"


def test_language_da_says_a_success_in_danish_and_exits_0(locale, cli, tmp_path) -> None:
    locale(LANGUAGE="da")
    path = tmp_path / "new.yaml"

    run = cli("init", path)

    assert run.code == 0, run.err
    assert run.out == f"skrev {path}: udfyld den, og kør derefter `compliance assess {path}`\n"


def test_lang_sv_se_says_the_messages_in_swedish(locale, cli, write_solution, tmp_path) -> None:
    locale(LANG="sv_SE.UTF-8")

    refused = cli("assess", write_solution(), "-o", tmp_path / "out.html")
    written = cli("init", tmp_path / "new.yaml")

    assert refused.code == 2
    assert (
        "utdatatypen '.html' stöds inte (använd .json, .sarif, .pdf, .docx, .xlsx, .oscal.json eller .txt)"
        in refused.err
    )
    assert written.code == 0
    assert written.out.startswith(f"skrev {tmp_path / 'new.yaml'}: fyll i den och kör sedan")


@pytest.mark.parametrize(
    "variables",
    [
        {},
        {"LANG": "C"},
        {"LANG": "C.UTF-8"},
        {"LC_ALL": "POSIX"},
        {"LANG": "de_DE.UTF-8"},
        {"LANGUAGE": "en"},
    ],
    ids=["nothing", "C", "C.UTF-8", "POSIX", "a language without texts", "LANGUAGE=en"],
)
def test_english_is_spoken_without_a_danish_or_swedish_locale(locale, cli, tmp_path, variables) -> None:
    locale(**variables)
    existing = tmp_path / "solution.yaml"
    existing.write_text(MINIMAL_SOLUTION_YAML, encoding="utf-8")

    assert cli("init", existing).err == (
        f"compliance: {existing}: already exists; choose another path or pass --force\n"
    )


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"LANGUAGE": "sv:da", "LANG": "da_DK.UTF-8"}, "stöds inte"),  # LANGUAGE first, its first name
        ({"LC_ALL": "da_DK.UTF-8", "LANG": "sv_SE.UTF-8"}, "understøttes ikke"),  # LC_ALL before LANG
        ({"LC_MESSAGES": "sv_SE.UTF-8", "LANG": "da_DK.UTF-8"}, "stöds inte"),
    ],
)
def test_the_locale_variables_count_in_gettexts_order(
    locale, cli, write_solution, tmp_path, variables, expected
) -> None:
    locale(**variables)

    run = cli("assess", write_solution(), "-o", tmp_path / "out.html")

    assert run.code == 2 and expected in run.err


def test_the_summary_keeps_the_language_of_lang_not_of_the_environment(locale, cli, write_solution) -> None:
    locale(LANGUAGE="da")
    path = write_solution()

    english = cli("assess", path, "--as-of", "2026-12-01")
    danish = cli("assess", path, "--as-of", "2026-12-01", "--lang", "da")

    assert english.code == danish.code == 0
    assert english.out.startswith("Assessment of Demo solution (demo), as of 1 December 2026\n")
    assert danish.out.startswith("Vurdering af Demo solution (demo) pr. 1. december 2026\n")


# ---------------------------------------------------------------------------------------------
# Counts, the input problems of other layers, internal errors


@pytest.mark.parametrize(
    ("lang", "count", "heading"),
    [
        ("da", 1, "1 problem i inddata:"),
        ("da", 2, "2 problemer i inddata:"),
        ("sv", 2, "2 problem i indata:"),
        ("en", 2, "2 problem(s) in the input:"),
    ],
)
def test_the_input_problems_are_counted_in_the_languages_singular_or_plural(
    locale, cli, monkeypatch, lang, count, heading
) -> None:
    locale(LANGUAGE=lang)
    problems = [Problem("solution.yaml", f"problem {i}", line=i + 1, column=1) for i in range(count)]

    def refused(args, out):
        raise InputError(problems)

    monkeypatch.setattr(cli_module, "cmd_schema", refused)
    run = cli("schema")

    assert run.code == 2
    # The problems themselves come from the layer that found them and are English for now.
    assert run.err == f"compliance: {heading}\n" + "".join(f"  {p}\n" for p in problems)


def test_the_rule_packs_are_counted_in_danish(locale, cli) -> None:
    locale(LANGUAGE="da")

    run = cli("rules", "lint")

    assert run.code == 0, run.out
    assert run.out.rstrip().endswith("pakker: alle indlæses, hvert udfald har et testtilfælde")


def test_explain_labels_its_fields_in_swedish_and_keeps_the_rule_as_written(locale, cli) -> None:
    locale(LANGUAGE="sv")

    run = cli("explain", "GDPR-32-1A-ENCRYPTION-AT-REST")

    assert run.code == 0, run.err
    assert "\n  Bestämmelse: GDPR Art. 32(1)(a)" in run.out
    # the condition as the rule states it
    assert "\n  Kräver:     (flow.encryption.at_rest is true" in run.out
    assert run.out.endswith("En uppgift som saknas gör resultatet okänt, vilket väger som en brist.\n")


def test_an_internal_error_is_said_in_danish_and_exits_3(locale, cli, monkeypatch) -> None:
    locale(LANGUAGE="da")

    def broken(args, out):
        raise RuntimeError("boom")

    monkeypatch.setattr(cli_module, "cmd_schema", broken)
    run = cli("schema")

    assert run.code == 3
    assert run.err.startswith(
        "compliance: intern fejl: RuntimeError: boom\nDette er en fejl i compliance-engine;"
    )


# ---------------------------------------------------------------------------------------------
# verify


@pytest.fixture(scope="module")
def signed_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A signed report of the minimal solution, by the session's self-signed test identity."""
    folder = tmp_path_factory.mktemp("language")
    solution = folder / "solution.yaml"
    solution.write_text(MINIMAL_SOLUTION_YAML, encoding="utf-8")
    pdf = folder / "report.pdf"
    assert cli_module.main(["assess", str(solution), "-o", str(pdf)], io.StringIO()) == 0
    return pdf


def test_verify_says_its_headline_and_labels_in_danish(locale, cli, signed_report) -> None:
    locale(LANGUAGE="da")

    untrusted = cli("verify", signed_report)
    verified = cli("verify", signed_report, "--trust", own_certificate())

    assert untrusted.code == 1
    assert untrusted.out.splitlines()[0] == (
        f"{signed_report}: INTAKT, UNDERSKREVET MED ET CERTIFIKAT, DER IKKE ER BETROET; ikke verificeret"
    )
    assert "\n    betroet:       NEJ\n" in untrusted.out
    assert "\n  bemærkning: " in untrusted.out  # the sentence after it is English for now
    assert verified.code == 0
    assert verified.out.splitlines()[0] == f"{signed_report}: VERIFICERET"
    assert "\n    dækning:       hele filen; senere ændringer: ingen\n" in verified.out


def test_verify_json_is_the_same_in_every_language(locale, cli, signed_report) -> None:
    locale(LANGUAGE="da")
    danish = cli("verify", signed_report, "--format", "json")
    locale()
    english = cli("verify", signed_report, "--format", "json")

    assert danish.code == english.code == 1
    assert danish.out == english.out
    assert json.loads(danish.out)["verdict"] == "untrusted"


def _verification() -> Verification:
    signature = SignatureCheck(
        field="ReportSignature",
        kind="signature",
        intact=True,
        valid=True,
        coverage="entire_revision",
        modification="lta_updates",
        later_changes_allowed=True,
        signer={"subject": "Common Name: Ida Holm", "sha256": "ab" * 32, "self_signed": True},
        trusted=True,
        trust_problem=None,
        claimed_time=None,
        timestamp={
            "time": "2026-12-01T10:00:00+00:00",
            "authority": "Common Name: TSA",
            "valid": True,
            "intact": True,
            "trusted": False,
        },
        certification=None,
    )
    return Verification(
        file="report.pdf",
        signed=True,
        revisions=3,
        later_revisions=1,
        signatures=[signature],
        assessment={"sha256": "cd" * 32, "shown_in_report": True, "inputs": [{"shown_in_report": True}]},
        recomputation={"status": "packs_differ"},
        inputs=[{"path": "solution.yaml", "status": "match"}],
        notes=["a note"],
    )


def test_the_english_verification_text_keeps_its_layout() -> None:
    assert render_text(_verification()) == (
        "report.pdf: VERIFIED\n"
        "  revisions:       3, of which 1 added after the last signature\n"
        "  signature 'ReportSignature'\n"
        "    signer:        Common Name: Ida Holm\n"
        f"    certificate:   SHA-256 {'ab' * 32} (self-signed)\n"
        "    integrity:     intact\n"
        "    coverage:      entire revision; later changes: lta updates\n"
        "    trusted:       yes\n"
        "    timestamp:     2026-12-01T10:00:00+00:00 by Common Name: TSA (valid, not trusted)\n"
        f"  embedded assessment: SHA-256 {'cd' * 32} (shown in the report)\n"
        "  input hashes shown in the report: 1 of 1\n"
        "  recomputed:      packs differ\n"
        "  input solution.yaml: match\n"
        "  note: a note\n"
    )


def test_the_swedish_verification_text_translates_labels_and_values_but_not_data() -> None:
    text = render_text(_verification(), "sv")

    assert text.startswith(
        "report.pdf: VERIFIERAD\n  revisioner:      3, varav 1 tillagda efter den sista underskriften\n"
    )
    assert "\n    täckning:      hela revisionen; senare ändringar: LTA-uppdateringar\n" in text
    assert (
        "\n    tidsstämpel:   2026-12-01T10:00:00+00:00 av Common Name: TSA (giltig, inte betrodd)\n" in text
    )
    assert "\n  omräknad:        paketen avviker\n" in text
    assert "\n  indata solution.yaml: stämmer\n" in text


def test_a_file_not_checked_within_the_limits_is_said_in_danish() -> None:
    text = render_text(Verification(file="big.pdf", limit="took longer than 10 s"), "da")

    assert text == (
        "big.pdf: IKKE VERIFICERET: KUNNE IKKE KONTROLLERES INDEN FOR GRÆNSERNE\n"
        "  problem: took longer than 10 s\n"
    )


# ---------------------------------------------------------------------------------------------
# A real process


def test_a_real_process_in_a_danish_locale_speaks_danish(tmp_path) -> None:
    danish = {"LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": "da_DK.UTF-8"}

    help_run = run_subprocess(["keys", "init", "--help"], cwd=tmp_path, env=danish)
    usage = run_subprocess(["verify", "report.pdf", "--time-limit", "0"], cwd=tmp_path, env=danish)

    assert help_run.code == 0, help_run.err
    assert help_run.out.startswith("usage: compliance keys init")  # argparse's own words stay
    assert "Opretter en RSA-nøgle og et selvsigneret certifikat" in help_run.out
    assert "landekode med to bogstaver" in help_run.out
    assert usage.code == 2
    assert "skal være mere end 0 og højst 3600 sekunder" in usage.err
