"""`compliance dpia draft`: a DPIA draft the controller completes, under the headings of GDPR
Art. 35(7)(a)-(d), prefilled from the assessment (the flows, the screening's reasons, the principle
results, the open findings as risks, the safeguards and remediations as measures), with marked
blanks for what only the controller can write (the DPO's advice, Art. 35(2); the views of the
people concerned, Art. 35(9); prior consultation, Art. 36(1); sign-off), in three languages."""

from __future__ import annotations

from datetime import date

import docx
import pytest
from helpers import REPO

from compliance.core.engine import assess
from compliance.core.models.rules import Outcome
from compliance.inputs.loader import load_packs, load_solution
from compliance.outputs import dpia_draft

TRAFFIC = REPO / "examples" / "traffic-counting-us-cloud" / "solution.yaml"


def _text(data: bytes, tmp_path) -> tuple[list[tuple[str, str]], str]:  # type: ignore[no-untyped-def]
    path = tmp_path / "d.docx"
    path.write_bytes(data)
    d = docx.Document(str(path))
    paragraphs = [(p.style.name, p.text) for p in d.paragraphs]
    cells = " ".join(c.text for t in d.tables for row in t.rows for c in row.cells)
    return paragraphs, " ".join(t for _, t in paragraphs) + " " + cells


HEADINGS = {
    "en": [
        "(Art. 35(7)(a))",
        "(Art. 35(7)(b))",
        "(Art. 35(7)(c))",
        "(Art. 35(7)(d))",
        "(Art. 35(2))",
        "(Art. 35(9))",
    ],
    "da": [
        "(art. 35, stk. 7, litra a)",
        "(art. 35, stk. 7, litra d)",
        "(art. 35, stk. 2)",
        "(art. 35, stk. 9)",
    ],
    "sv": ["(artikel 35.7 a)", "(artikel 35.7 d)", "(artikel 35.2)", "(artikel 35.9)"],
}


@pytest.mark.parametrize("lang", ["en", "da", "sv"])
def test_the_draft_has_the_art_35_7_headings_prefilled_and_the_blanks_marked(lang: str, tmp_path) -> None:
    a = assess(load_solution(TRAFFIC).solution, load_packs(), date(2026, 12, 1))
    paragraphs, text = _text(dpia_draft.build(a, lang), tmp_path)
    headings = [t for style, t in paragraphs if style.startswith("Heading")]
    for part in HEADINGS[lang]:
        assert any(h.endswith(part) for h in headings), (part, headings)
    # prefilled: every flow by name, the screening's reasons, an open finding as a risk
    for flow in a.solution["flows"]:
        assert flow["name"] in text
    assert "Art. 35(3)(c)" in text
    open_titles = [f for f in a.findings if f.status is Outcome.FAIL]
    assert open_titles
    # the blanks only the controller fills in
    todo = {"en": "[To be completed by the controller]", "da": "[Udfyldes af den dataansvarlige]",
            "sv": "[Fylls i av den personuppgiftsansvarige]"}[lang]  # fmt: skip
    assert text.count(todo) >= 6


def test_the_transfer_failure_is_a_risk_with_its_sentence_and_its_remediation_a_measure(tmp_path) -> None:
    a = assess(load_solution(TRAFFIC).solution, load_packs(), date(2026, 12, 1))
    _, text = _text(dpia_draft.build(a, "en"), tmp_path)
    assert "no transfer impact assessment is documented for it" in text
    assert (
        "Transfers under SCCs or BCRs are backed by a transfer impact assessment: Document a transfer" in text
    )
    assert "Stratus Cloud Inc.; EU-U.S. Data Privacy Framework (Art. 45)" in text


def test_the_command_writes_the_draft_and_refuses_other_outputs(tmp_path, cli) -> None:
    out = tmp_path / "dpia.docx"
    run = cli("dpia", "draft", TRAFFIC, "--as-of", "2026-12-01", "--no-scan", "--lang", "sv", "-o", str(out))
    assert run.code == 0, run.err
    assert docx.Document(str(out)).core_properties.language == "sv"
    run = cli("dpia", "draft", TRAFFIC, "-o", str(tmp_path / "dpia.pdf"))
    assert run.code == 2 and "Word document" in run.err and not (tmp_path / "dpia.pdf").exists()
