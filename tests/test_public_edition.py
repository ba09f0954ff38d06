"""`--edition public`: the report for publication and access requests, with the fields the
solution file marks confidential removed (not covered) and the grounds on its cover.

The edition is searched here with other tools than the command's own guard (which reads the PDF
with pypdf): pikepdf decompresses every stream and reads the metadata, bookmarks, alternative texts
and the embedded JSON; pdftotext reads the pages as a person's viewer does."""

from __future__ import annotations

import json
import re
import subprocess
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pikepdf
import pytest
import yaml
from helpers import REPO, own_certificate, results

from compliance.core.engine import assess
from compliance.core.models.assessment import Assessment
from compliance.inputs.loader import load_packs, load_solution
from compliance.outputs import public
from compliance.outputs.report import render_html

TRAFFIC = REPO / "examples" / "traffic-counting-us-cloud"

MARKED = [
    {
        "field": "parties[kaveri].name",
        "ground": "se-osl-31-16",
        "reason": "The support subcontractor is part of TrafikSense's offer, kept secret at its request.",
    },
    {
        "field": "parties[kaveri].country",
        "ground": "se-osl-31-16",
        "reason": "Where support is delivered from is part of the same offer.",
    },
    {
        "field": "parties[kaveri].remote_access_from",
        "ground": "se-osl-31-16",
        "reason": "Where support is delivered from is part of the same offer.",
    },
    {
        "field": "systems[anpr-cameras].security",
        "ground": "se-osl-18-8",
        "reason": "Details of the cameras' protection would help an attacker.",
    },
    {
        "field": "systems[anpr-cameras].description",
        "ground": "other",
        "provision": "kamerabevakningslagen (2018:1200), as the municipality reads it",
        "reason": "Names the camera model and how it is managed.",
    },
]
# What must not be found in any public edition: the withheld texts, and the country's name in
# each language the report is written in.
SECRETS = [
    "Kaveri Support Services Pvt. Ltd.",
    "India",
    "Indien",
    "Optiroad VR-4",
    "computes a keyed hash with a key rotated every",
]


def _solution(folder: Path, marked: list[dict[str, Any]] = MARKED) -> Path:
    """The traffic example, with fields marked confidential (its comments do not matter here)."""
    data = yaml.safe_load((TRAFFIC / "solution.yaml").read_text(encoding="utf-8"))
    data["confidential"] = marked
    path = folder / "solution.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _squeezed(text: str) -> str:
    text = re.sub(r"[\u00ad\u200b]", "", text)
    text = re.sub(r"-\s*\n\s*", "", text)
    return " ".join(text.casefold().split())


def _pdf_texts(path: Path) -> dict[str, str]:
    """Every text of a PDF, by where it was found, read with pikepdf and pdftotext."""
    out: dict[str, list[str]] = {"streams": [], "strings": [], "metadata": []}
    with pikepdf.open(path) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream):
                try:
                    data = obj.read_bytes()
                except pikepdf.PdfError:
                    data = obj.read_raw_bytes()
                out["streams"].append(data.decode("utf-8", errors="replace"))
            if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
                for key in obj.keys():  # noqa: SIM118 - pikepdf's Dictionary iterates its keys only so
                    value = obj.get(key)
                    if isinstance(value, pikepdf.String):
                        out["strings"].append(str(value))
        out["metadata"] += [str(v) for v in pdf.docinfo.values()]
        with pdf.open_metadata() as xmp:
            out["metadata"].append(str(xmp))
        with pdf.open_outline() as outline:
            stack = list(outline.root)
            while stack:
                item = stack.pop()
                out["strings"].append(item.title or "")
                stack.extend(item.children)
        for name, spec in pdf.attachments.items():
            out["streams"].append(spec.get_file().read_bytes().decode("utf-8"))
            out["strings"].append(name)
    pages = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    )
    return {**{k: "\n".join(v) for k, v in out.items()}, "pages": pages.stdout}


@pytest.fixture(scope="module")
def editions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One run per language writing every output of a public edition, and the full assessment."""
    from compliance.cli import main

    folder = tmp_path_factory.mktemp("public")
    solution = _solution(folder)
    runs = {}
    for lang in ("sv", "da"):
        outputs = [folder / f"public.{lang}.{kind}" for kind in ("pdf", "json", "txt", "docx")]
        argv = [str(solution), "--as-of", "2026-12-01", "--no-scan", "--edition", "public", "--lang", lang]
        argv += [x for path in outputs for x in ("-o", str(path))]
        with (folder / f"stdout.{lang}").open("w") as printed:
            assert main(["assess", *argv], printed) == 0
        runs[lang] = {path.suffix: path for path in outputs}
    full = assess(load_solution(solution).solution, load_packs(), date(2026, 12, 1))
    return {"folder": folder, "solution": solution, "runs": runs, "full": full}


def test_no_withheld_value_is_left_anywhere_in_the_pdf(editions) -> None:
    for lang, outputs in editions["runs"].items():
        texts = _pdf_texts(outputs[".pdf"])
        assert "Stratus Cloud Inc." in texts["pages"]  # what is not withheld is there
        for where, text in texts.items():
            squeezed = _squeezed(text)
            for secret in SECRETS:
                assert _squeezed(secret) not in squeezed, f"{secret!r} in the {where} of the {lang} edition"


def test_no_withheld_value_is_left_in_the_json_summary_or_word_document(editions) -> None:
    for outputs in editions["runs"].values():
        docx_text = ""
        with zipfile.ZipFile(outputs[".docx"]) as archive:
            docx_text = "\n".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
        for text in (outputs[".json"].read_text(), outputs[".txt"].read_text(), docx_text):
            for secret in SECRETS:
                assert _squeezed(secret) not in _squeezed(text)
            # the party's id spells its name: the edition calls it by its number
            assert not re.search(r"(?<![\w-])kaveri(?![\w-])", text)


def test_values_that_are_not_text_are_withheld_where_they_stand(editions) -> None:
    data = json.loads(editions["runs"]["sv"][".json"].read_text())
    cameras = next(s for s in data["solution"]["systems"] if s["id"] == "anpr-cameras")
    assert cameras["security"]["mfa"] == "[withheld 4]"
    assert cameras["security"]["update"]["automatic"] == "[withheld 4]"
    party = next(p for p in data["solution"]["parties"] if p["id"] == "withheld-1")
    assert party["country"] == "[withheld 2]" and party["remote_access_from"] == "[withheld 3]"
    assert party["contract"]["in_place"] is True  # a field not marked stays
    read = [
        (f["rule_id"], t["value"])
        for f in results(data)
        if f["target"] and f["target"]["id"] == "anpr-cameras"
        for t in f["facts"]
        if t["fact"].startswith("system.security.")
    ]
    assert read and all(value in (None, "[withheld 4]") for _rule, value in read)


def test_results_are_those_of_the_full_edition(editions) -> None:
    full: Assessment = editions["full"]
    redacted = Assessment.model_validate_json(editions["runs"]["sv"][".json"].read_text())
    assert (redacted.verdict, redacted.score) == (full.verdict, full.score)
    assert [(f.rule_id, f.status) for f in redacted.findings] == [
        (f.rule_id, f.status) for f in full.findings
    ]
    withheld = [f for f in redacted.findings if f.withheld]
    assert withheld and all(
        f.explanation.startswith("This result rests on information withheld") for f in withheld
    )
    assert {n for f in withheld for n in f.withheld} <= {1, 2, 3, 4, 5}


def test_the_cover_says_it_is_redacted_and_on_what_grounds(editions) -> None:
    for lang, banner, word in (
        ("sv", "Offentlig version", "[maskerat 1]"),
        ("da", "Offentlig udgave", "[undtaget 1]"),
    ):
        # the list of what is withheld follows the results to act on, on the first pages
        pages = subprocess.run(
            ["pdftotext", "-l", "4", str(editions["runs"][lang][".pdf"]), "-"],
            capture_output=True,
            check=True,
            text=True,
        ).stdout
        squeezed = " ".join(pages.split())
        assert banner in squeezed
        assert "offentlighets- och sekretesslagen (2009:400) 31 kap. 16 §" in squeezed
        assert "18 kap. 8 §" in squeezed and "kamerabevakningslagen (2018:1200)" in squeezed
        assert "kept secret at its request" in squeezed
        assert word in squeezed
    summary = editions["runs"]["da"][".txt"].read_text()
    assert "Offentlig udgave: 5 oplysninger er udeladt" in summary


def test_it_is_signed_on_its_own_and_verifies_but_cannot_be_recomputed(editions, cli) -> None:
    pdf = editions["runs"]["sv"][".pdf"]
    sig = subprocess.run(["pdfsig", str(pdf)], capture_output=True, text=True).stdout
    assert "Signature is Valid." in sig
    run = cli("verify", pdf, "--trust", own_certificate())
    assert run.code == 0, run.out
    assert "edition:         public: 5 items withheld" in run.out
    again = cli("verify", pdf, "--recompute", "--trust", own_certificate())
    assert again.code == 1
    assert "this is a public edition" in again.out and "recompute the full edition" in again.out


def test_the_full_edition_says_it_is_not_for_publication(editions) -> None:
    html = render_html(editions["full"], "en")
    assert (
        "Not for publication as it is: this edition holds 5 items that its public edition withholds" in html
    )
    assert "offentlighets- och sekretesslagen (2009:400) 18 kap. 8 §" in html
    assert "Kaveri Support Services Pvt. Ltd." in html


def test_an_edition_that_would_still_show_a_withheld_text_is_refused_and_nothing_written(
    tmp_path, cli
) -> None:
    # the country is withheld, but the same country stands, not withheld, in remote_access_from
    solution = _solution(tmp_path, [MARKED[1]])
    earlier = tmp_path / "public.pdf"
    earlier.write_bytes(b"an earlier edition")
    run = cli(
        "assess",
        solution,
        "--as-of",
        "2026-12-01",
        "--no-scan",
        "--edition",
        "public",
        "-o",
        earlier,
        "-o",
        tmp_path / "p.json",
    )
    assert run.code == 2, run.err
    assert "would still show text that is withheld ([withheld 1] in the page text)" in run.err
    assert "Nothing was written" in run.err and "Traceback" not in run.err
    assert earlier.read_bytes() == b"an earlier edition" and not (tmp_path / "p.json").exists()


def test_partial_mentions_are_named(tmp_path, cli) -> None:
    solution = _solution(tmp_path)
    run = cli(
        "assess", solution, "--as-of", "2026-12-01", "--no-scan", "--edition", "public", "--format", "json"
    )
    assert run.code == 0, run.err
    assert "'Kaveri' begins what [withheld 1] withholds and still stands in the public edition" in run.err
    assert "Kaveri Support Services Pvt. Ltd." not in run.out


def test_report_makes_the_public_edition_of_a_saved_assessment(editions, tmp_path, cli) -> None:
    full = tmp_path / "full.json"
    run = cli("assess", editions["solution"], "--as-of", "2026-12-01", "--no-scan", "-o", full)
    assert run.code == 0, run.err
    out = tmp_path / "public.docx"
    run = cli("report", full, "--edition", "public", "-o", out, "--lang", "da")
    assert run.code == 0, run.err
    with zipfile.ZipFile(out) as archive:
        text = "\n".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    assert "[undtaget 1]" in text and "Offentlig udgave" in text
    for secret in SECRETS:
        assert _squeezed(secret) not in _squeezed(text)
    # a public edition is not made again from a public edition, nor reported as recomputed
    public_json = editions["runs"]["sv"][".json"]
    again = cli("report", public_json, "--edition", "public", "-o", tmp_path / "again.docx")
    assert again.code == 2 and "already a public edition" in again.err
    refused = cli("report", public_json, "-o", tmp_path / "p.docx")
    assert refused.code == 2 and "this is a public edition" in refused.err


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {"field": "parties[kaveri].name", "ground": "osl-31-16", "reason": "x"},
            "unknown confidentiality ground 'osl-31-16' (did you mean 'se-osl-31-16'?)",
        ),
        (
            {"field": "parties[kaveri].name", "ground": "other", "reason": "x"},
            "'other' needs the provision named in `provision`",
        ),
        (
            {"field": "parties[nobody].name", "ground": "dk-offl-30-2", "reason": "x"},
            "no item 'nobody' in parties",
        ),
        ({"field": "parties[kaveri].id", "ground": "dk-offl-30-2", "reason": "x"}, "cannot be withheld"),
        (
            {"field": "dpia.nothing_here", "ground": "dk-offl-30-2", "reason": "x"},
            "the solution file states nothing there",
        ),
    ],
)
def test_a_bad_mark_is_a_clear_error(tmp_path, cli, entry, message) -> None:
    solution = _solution(tmp_path, [entry])
    run = cli("assess", solution, "--as-of", "2026-12-01", "--no-scan")
    assert run.code == 2
    assert message in run.err and "Traceback" not in run.err
    assert "confidential" in run.err


def test_tool_outputs_are_not_made_as_a_public_edition(tmp_path, cli) -> None:
    solution = _solution(tmp_path)
    for output in ("r.sarif", "r.oscal.json"):
        run = cli("assess", solution, "--no-scan", "--edition", "public", "-o", tmp_path / output)
        assert run.code == 2 and "--edition public writes a PDF, a Word document" in run.err
    run = cli("assess", solution, "--no-scan", "--edition", "public", "--format", "sarif")
    assert run.code == 2


def test_the_workbook_is_made_as_a_public_edition_too(tmp_path, cli) -> None:
    from openpyxl import load_workbook

    solution = _solution(tmp_path)
    book = tmp_path / "plan.xlsx"
    run = cli(
        "assess",
        solution,
        "--as-of",
        "2026-12-01",
        "--no-scan",
        "--edition",
        "public",
        "--lang",
        "da",
        "-o",
        book,
    )
    assert run.code == 0, run.err
    cells = [
        str(c.value)
        for sheet in load_workbook(book).worksheets
        for row in sheet.iter_rows()
        for c in row
        if c.value
    ]
    text = "\n".join(cells)
    assert "[undtaget 1]" in text and "[withheld" not in text
    assert "Udeladt af denne udgave" in text and "31 kap. 16 §" in text
    for secret in SECRETS:
        assert _squeezed(secret) not in _squeezed(text)


def test_nothing_marked_withholds_nothing_and_says_so(tmp_path, cli) -> None:
    solution = _solution(tmp_path, [])
    run = cli(
        "assess", solution, "--as-of", "2026-12-01", "--no-scan", "--edition", "public", "--format", "json"
    )
    assert run.code == 0
    assert "marks nothing confidential" in run.err
    assert json.loads(run.out)["edition"] == {"kind": "public", "withheld": []}


def test_the_guard_finds_a_withheld_text_in_a_pdf_it_did_not_make() -> None:
    """`leaks` reads what it is given: a PDF whose only trace of the value is in its metadata."""
    a = assess(load_solution(TRAFFIC / "solution.yaml").solution, load_packs(), date(2026, 12, 1))
    solution = dict(a.solution)
    solution["confidential"] = MARKED[:1]
    plan = public.plan_for(a.model_copy(update={"solution": solution}))
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.docinfo["/Title"] = "Support by KAVERI SUPPORT SERVICES PVT. LTD."
    from io import BytesIO

    buffer = BytesIO()
    pdf.save(buffer, compress_streams=True)
    assert public.leaks(buffer.getvalue(), ".pdf", plan) == [
        "[withheld 1] in the document's strings (metadata, bookmarks, alternative texts)"
    ]
