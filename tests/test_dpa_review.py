"""`compliance review dpa`: a supplier's data-processing agreement checked against GDPR Art. 28
clause by clause: the patterns and their test sentences, reading PDF, Word and text with where each
sentence stands, hostile documents refused within limits, the outputs for the lawyer, the review's
results as facts of a solution, and the Data Act's switching terms for a cloud service beside it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from io import BytesIO
from pathlib import Path

import docx
import pikepdf
import pytest
import yaml
from helpers import REPO
from openpyxl import load_workbook

from compliance.core.clauses import (
    FALLS_SHORT,
    LANGUAGES,
    LIMITS_ELSEWHERE,
    PLACED_OUTSIDE,
    PLACED_PARTLY,
    Block,
    ClauseOutcome,
    art28_requirements,
    classify,
    data_act_facts,
    data_act_requirements,
    detect_language,
    failing_tests,
    language,
    requirements,
    review,
    review_data_act,
    sentences,
)
from compliance.evidence.documents import DocumentError, read, text_blocks
from compliance.outputs.dpa_review import requirement_text

SAMPLE = """# Data Processing Addendum

## 1. Definitions

"Sub-processor" means any processor engaged by Vendor. "Personal Data Breach" means a breach of security.

## 2. Instructions

2.1 Vendor will process Customer Personal Data solely in accordance with Customer's documented instructions, including with regard to transfers, unless required to do so by Union or Member State law.

## 3. Confidentiality

Vendor's permanent employees are bound by confidentiality undertakings.

## 5. Sub-processors

Customer grants Vendor a general written authorisation to engage the Sub-processors listed in Annex 3. Vendor may replace Sub-processors without notice to Customer. Vendor is not liable for acts or omissions of its Sub-processors.

## 6. Breaches

Vendor will notify Customer without undue delay following completion of its internal investigation of a breach.

## Annex 3. Sub-processors

| Name | Country | Service |
|---|---|---|
| Nimbus Hosting SARL | Ireland | hosting |
| Helpdesk Partners | | =HYPERLINK("http://x") support |
"""


def _outcomes(blocks: list[Block], lang: str = "en") -> dict[str, ClauseOutcome]:
    return {r.requirement: r.outcome for r in review(blocks, lang)}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_pattern_gives_its_test_sentences_outcome(lang: str) -> None:
    assert failing_tests(lang) == []
    patterns = language(lang).requirements
    for key in requirements():
        if key == "sub-processor-list":
            continue
        tests = patterns[key].tests
        assert tests.get("found"), f"{lang} {key}: no sentence that must be found"
        assert tests.get("none"), f"{lang} {key}: no sentence that must not match"


def test_a_heading_a_definition_or_a_mention_is_never_found() -> None:
    lang = language("en")
    assert classify("7. Sub-processors", "art28-3-d-authorisation", lang, "heading") is None
    assert (
        classify(
            '"Sub-processor" means any processor engaged by the processor.', "art28-3-d-authorisation", lang
        )
        is None
    )
    assert classify("This clause is about audits and inspections.", "art28-3-h", lang) is None


def test_the_sample_reads_as_a_lawyer_would() -> None:
    outcomes = _outcomes(text_blocks(SAMPLE))
    assert outcomes["art28-3-a"] is ClauseOutcome.FOUND  # the exception is one the GDPR makes
    assert outcomes["art28-3-b"] is ClauseOutcome.WEAKENED  # permanent employees only
    assert outcomes["art28-3-d-authorisation"] is ClauseOutcome.FOUND
    assert outcomes["art28-3-d-objection"] is ClauseOutcome.CONTRADICTED  # replaced without notice
    assert outcomes["art28-3-d-liability"] is ClauseOutcome.CONTRADICTED
    assert outcomes["art28-3-f-breach"] is ClauseOutcome.WEAKENED  # runs from the investigation's end
    assert outcomes["art28-3-h"] is ClauseOutcome.NOT_FOUND
    assert outcomes["sub-processor-list"] is ClauseOutcome.WEAKENED  # one entry has no country


def test_list_items_are_read_with_the_sentence_that_introduces_them() -> None:
    blocks = text_blocks(
        "## 4. Duties\n\nThe Processor shall:\n\n- notify the Controller without undue delay after becoming aware of a personal data breach;\n- keep records.\n"
    )
    said = sentences(blocks)
    assert any(s.text.startswith("The Processor shall: notify the Controller") for s in said)
    assert _outcomes(blocks)["art28-3-f-breach"] is ClauseOutcome.FOUND


def test_a_sentence_that_narrows_a_duty_outweighs_a_clean_clause_elsewhere() -> None:
    blocks = text_blocks(
        "## 9. End of the services\n\n9.1 When the contract ends, the Supplier shall, at the Customer's "
        "choice, delete or return all personal data and delete existing copies.\n\n9.2 Return under "
        "clause 9.1 requires that the Customer has ordered the Supplier's paid export service.\n"
    )
    result = {r.requirement: r for r in review(blocks, "en")}["art28-3-g"]
    assert result.outcome is ClauseOutcome.WEAKENED
    assert result.location == "section 9.2" and "paid export service" in result.quote


@pytest.mark.parametrize(
    ("lang", "clean", "elsewhere"),
    [
        (
            "en",
            "8.2 The Supplier shall assist the Customer in ensuring compliance with Articles 32 to 36 of "
            "the GDPR.",
            "Annex D. Assistance under clause 8.2 is charged at the Supplier's hourly rates.",
        ),
        (
            "da",
            "8.2 Leverandøren bistår kunden med at overholde forpligtelserne i artikel 32-36.",
            "Bilag D. Bistand efter punkt 8.2 faktureres efter leverandørens timepriser.",
        ),
        (
            "sv",
            "8.2 Leverantören ska bistå Kunden med att fullgöra skyldigheterna enligt artiklarna 32-36.",
            "Bilaga D. Bistånd enligt punkt 8.2 debiteras enligt Leverantörens timpris.",
        ),
    ],
)
def test_a_limit_worded_or_placed_where_no_pattern_looks_weakens_the_clean_clause(
    lang: str, clean: str, elsewhere: str
) -> None:
    """A duty found is read once more against the whole agreement: a sentence about its subject
    (here through the clause it refers to) with a generic limiting word weakens it, quoted."""
    blocks = text_blocks(f"## 8. Assistance\n\n{clean}\n\n## Annex D\n\n{elsewhere}\n")
    result = {r.requirement: r for r in review(blocks, lang)}["art28-3-f"]
    assert result.outcome is ClauseOutcome.WEAKENED
    assert result.quote in elsewhere and result.reason.startswith(LIMITS_ELSEWHERE)
    alone = {r.requirement: r for r in review(text_blocks(f"## 8. Assistance\n\n{clean}\n"), lang)}
    assert alone["art28-3-f"].outcome is ClauseOutcome.FOUND


def test_terms_that_take_precedence_over_the_agreement_weaken_what_it_imposes() -> None:
    clean = "3.1 The Supplier shall take all measures required pursuant to Article 32 of the GDPR.\n\n"
    over = "12.1 If this addendum and the Supplier's general terms conflict, the general terms prevail.\n"
    under = "12.1 If this addendum and the Service Agreement conflict, this addendum prevails.\n"
    weak = {r.requirement: r for r in review(text_blocks(clean + over), "en")}["art28-3-c"]
    assert weak.outcome is ClauseOutcome.WEAKENED and weak.reason.startswith(LIMITS_ELSEWHERE)
    clean_result = {r.requirement: r for r in review(text_blocks(clean + under), "en")}["art28-3-c"]
    assert clean_result.outcome is ClauseOutcome.FOUND


@pytest.mark.parametrize(
    ("lang", "clean", "taken_back"),
    [
        (
            "en",
            "The Supplier shall assist the Customer by appropriate technical and organisational measures in "
            "answering requests from data subjects to exercise their rights.",
            "Notwithstanding clause 5.1, the Supplier assists with requests from data subjects only against "
            "separate payment.",
        ),
        (
            "da",
            "Leverandøren bistår kunden med passende tekniske og organisatoriske foranstaltninger med at "
            "besvare anmodninger om udøvelse af de registreredes rettigheder.",
            "Uanset punkt 5.1 bistår leverandøren dog kun med de registreredes anmodninger mod særskilt betaling.",
        ),
        (
            "sv",
            "Leverantören ska genom lämpliga tekniska och organisatoriska åtgärder bistå Kunden med att "
            "besvara begäranden om utövande av de registrerades rättigheter.",
            "Oavsett punkt 5.1 bistår Leverantören dock med de registrerades begäranden endast mot särskild "
            "ersättning.",
        ),
    ],
)
def test_a_later_sentence_that_takes_a_duty_back_outweighs_the_clean_clause(
    lang: str, clean: str, taken_back: str
) -> None:
    blocks = text_blocks(f"## 5. Assistance\n\n5.1 {clean}\n\n5.2 {taken_back}\n")
    result = {r.requirement: r for r in review(blocks, lang)}["art28-3-e"]
    assert result.outcome is ClauseOutcome.WEAKENED
    assert result.location == "section 5.2"


@pytest.mark.parametrize(
    ("lang", "clean", "excluded"),
    [
        (
            "en",
            "The Supplier ensures that all persons authorised to process the data have committed "
            "themselves to confidentiality.",
            "The requirement in clause 4.1 does not apply to the Supplier's seasonal helpers.",
        ),
        (
            "da",
            "Leverandøren sikrer, at alle personer, der behandler oplysningerne, har forpligtet sig til "
            "fortrolighed.",
            "Kravet i punkt 4.1 gælder ikke for leverandørens sæsonhjælpere.",
        ),
        (
            "sv",
            "Leverantören säkerställer att alla personer som behandlar uppgifterna har förbundit sig att "
            "iaktta konfidentialitet.",
            "Kravet i punkt 4.1 gäller inte för Leverantörens säsongsanställda.",
        ),
    ],
)
def test_a_sentence_that_excludes_part_of_a_duty_outweighs_the_clean_clause_it_refers_to(
    lang: str, clean: str, excluded: str
) -> None:
    """The exclusion names no duty and uses no signal word: what it takes back is read off the
    clause it refers to ("clause 4.1")."""
    blocks = text_blocks(f"## 4. Staff\n\n4.1 {clean}\n\n4.2 {excluded}\n")
    result = {r.requirement: r for r in review(blocks, lang)}["art28-3-b"]
    assert result.outcome is ClauseOutcome.CONTRADICTED
    assert result.location == "section 4.2"


@pytest.mark.parametrize(
    ("lang", "clean", "excluded"),
    [
        (
            "en",
            "The Supplier shall notify the Customer without undue delay after becoming aware of a "
            "personal data breach.",
            "Incidents that only concern test accounts are not considered personal data breaches.",
        ),
        (
            "da",
            "Leverandøren underretter kunden uden unødig forsinkelse, efter at leverandøren er blevet "
            "opmærksom på et brud på persondatasikkerheden.",
            "Fejl, som alene berører testkonti, betragtes ikke som brud på persondatasikkerheden.",
        ),
        (
            "sv",
            "Leverantören ska underrätta Kunden utan onödigt dröjsmål efter att ha fått vetskap om en "
            "personuppgiftsincident.",
            "Händelser som bara rör testkonton räknas inte som personuppgiftsincidenter.",
        ),
    ],
)
def test_incidents_ruled_out_of_what_counts_as_a_breach_outweigh_the_clean_clause(
    lang: str, clean: str, excluded: str
) -> None:
    blocks = text_blocks(f"## 8. Breaches\n\n8.1 {clean}\n\n8.2 {excluded}\n")
    result = {r.requirement: r for r in review(blocks, lang)}["art28-3-f-breach"]
    assert result.outcome is ClauseOutcome.CONTRADICTED
    assert result.location == "section 8.2"


def test_the_processors_own_use_of_the_data_contradicts_the_instruction_clause_wherever_it_stands() -> None:
    blocks = text_blocks(
        "## 3. Instructions\n\n3.1 The Supplier processes the personal data only on the Customer's "
        "documented instructions.\n\n## 11. Miscellaneous\n\n11.4 The Supplier may also use the "
        "usage data to train and improve the forecasting models it offers to other clients.\n"
    )
    result = {r.requirement: r for r in review(blocks, "en")}["art28-3-a"]
    assert result.outcome is ClauseOutcome.CONTRADICTED
    assert result.location == "section 11.4"


_CLEAN_TRANSFERS = {
    "en": "The Supplier shall not transfer the personal data outside the EU/EEA except on the Customer's "
    "documented instructions and in compliance with Chapter V of the GDPR.",
    "da": "Personoplysningerne behandles og opbevares udelukkende inden for EU/EØS.",
    "sv": "Leverantören överför inte personuppgifter till ett land utanför EU/EES utan Kommunens "
    "dokumenterade instruktion, och varje sådan överföring ska uppfylla kraven i kapitel V.",
}


@pytest.mark.parametrize(
    ("lang", "placed", "outcome"),
    [
        (
            "en",
            "Second-line support is given by the Supplier's engineers in Belgrade, Serbia.",
            "contradicted",
        ),
        ("en", "Device telemetry is sent to the manufacturer's cloud in the United States.", "weakened"),
        (
            "da",
            "Supportteamet i Bangalore, Indien, kan se borgernes samtaler ved fejlretning.",
            "contradicted",
        ),
        ("da", "Afregningen kan tilgås af udviklere i Storbritannien og Ukraine.", "contradicted"),
        (
            "sv",
            "Kundtjänsten bemannas av en partner i Casablanca, Marocko, som arbetar i kundportalen.",
            "contradicted",
        ),
        ("sv", "Bildanalysen utförs i tillverkarens molntjänst i USA.", "weakened"),
    ],
    ids=lambda v: v if len(v) < 14 else v[:14],
)
def test_data_put_in_a_third_country_without_a_ground_outweighs_the_transfer_clause(
    lang: str, placed: str, outcome: str
) -> None:
    """Chapter V is read against where the agreement puts the data: a country without an adequacy
    decision contradicts a clean transfer clause, one whose decision covers only some recipients
    weakens it, the sentence quoted; a ground named for that country covers it."""
    clean = _CLEAN_TRANSFERS[lang]
    blocks = text_blocks(f"## 9. Transfers\n\n9.1 {clean}\n\n## 14. Annex C\n\n14.2 {placed}\n")
    result = {r.requirement: r for r in review(blocks, lang)}["chapter-v"]
    assert result.outcome is ClauseOutcome(outcome)
    assert result.quote == placed and result.location == "section 14.2"
    assert result.reason.startswith(PLACED_OUTSIDE if outcome == "contradicted" else PLACED_PARTLY)
    assert any(other["quote"] == clean for other in result.others)
    alone = {r.requirement: r for r in review(text_blocks(f"## 9. Transfers\n\n9.1 {clean}\n"), lang)}
    assert alone["chapter-v"].outcome is ClauseOutcome.FOUND
    ground = {
        "en": "Transfers to {country} rest on the EU standard contractual clauses.",
        "da": "Overførsler til {country} sker på grundlag af EU-Kommissionens standardkontraktbestemmelser.",
        "sv": "Överföring till {country} sker med stöd av EU-kommissionens standardavtalsklausuler.",
    }[lang]
    placing = language(lang).placing
    assert placing is not None
    country = next(
        m.group("country")
        for m in placing.countries.finditer(placed)
        if m.group("country") not in ("Storbritannien",)
    )
    covered = text_blocks(
        f"## 9. Transfers\n\n9.1 {clean}\n\n9.2 {ground.format(country=country)}\n\n## 14. Annex C\n\n14.2 {placed}\n"
    )
    assert {r.requirement: r for r in review(covered, lang)}["chapter-v"].outcome is ClauseOutcome.FOUND


@pytest.mark.parametrize(
    ("placed", "why"),
    [
        ("The Supplier's support team in Lyon, France, has access to the live system.", "in the EEA"),
        ("Backups are stored in London, United Kingdom.", "an adequacy decision"),
        ("Support staff in India have no access to personal data.", "denied"),
        (
            "This Addendum is made between Vendor Inc., a Delaware corporation, USA, and the Council.",
            "a seat",
        ),
        ("These Clauses follow the standard contractual clauses of Decision (EU) 2021/915.", "no transfer"),
    ],
    ids=lambda v: v if len(v) < 14 else v[:14],
)
def test_a_country_named_is_no_placement_outside_unless_the_data_go_there(placed: str, why: str) -> None:
    blocks = text_blocks(
        f"## 9. Transfers\n\n9.1 {_CLEAN_TRANSFERS['en']}\n\n## 14. Annex C\n\n14.2 {placed}\n"
    )
    assert {r.requirement: r for r in review(blocks, "en")}["chapter-v"].outcome is ClauseOutcome.FOUND, why


def test_a_general_ground_covers_every_placement_but_a_ground_named_as_a_condition_covers_none() -> None:
    placed = "14.2 Second-line support is given by the Supplier's engineers in Belgrade, Serbia.\n"
    general = "9.2 Transfers to third countries take place under the EU standard contractual clauses.\n\n"
    condition = "9.2 No transfer to a third country takes place unless the standard contractual clauses are signed.\n\n"
    clean = f"## 9. Transfers\n\n9.1 {_CLEAN_TRANSFERS['en']}\n\n"
    covered = {
        r.requirement: r for r in review(text_blocks(clean + general + "## 14. Annex C\n\n" + placed), "en")
    }
    assert covered["chapter-v"].outcome is ClauseOutcome.FOUND
    conditional = {
        r.requirement: r for r in review(text_blocks(clean + condition + "## 14. Annex C\n\n" + placed), "en")
    }
    assert conditional["chapter-v"].outcome is ClauseOutcome.CONTRADICTED


@pytest.mark.parametrize(
    ("lang", "key", "clean", "fact"),
    [
        (
            "en",
            "art28-3-c",
            "The Supplier shall take all measures required pursuant to Article 32 of the GDPR.",
            "Dispensers store dose events on the device's memory card without encryption.",
        ),
        (
            "da",
            "art28-3-c",
            "Databehandleren gennemfører alle de foranstaltninger, der kræves efter artikel 32 i databeskyttelsesforordningen.",
            "Sikkerhedsopdateringer af styringsenhedernes software installeres ved det årlige serviceeftersyn.",
        ),
        (
            "sv",
            "art28-3-f-breach",
            "Leverantören ska underrätta Kommunen om personuppgiftsincidenter utan onödigt dröjsmål efter att ha "
            "fått kännedom om dem.",
            "Incidenter som berör färre än 50 elever redovisas i Leverantörens kvartalsvisa driftrapport.",
        ),
    ],
    ids=["en-unencrypted", "da-yearly-updates", "sv-quarterly-report"],
)
def test_a_fact_stated_anywhere_that_falls_short_of_a_duty_weakens_it(
    lang: str, key: str, clean: str, fact: str
) -> None:
    """A fact stated in an annex or a service description, with no word about the duty itself
    ("stored without encryption", "updates at the yearly service", "reported in the quarterly
    report"), weakens the duty found elsewhere, quoted; denied, it weakens nothing."""
    blocks = text_blocks(f"## 4. Duties\n\n4.1 {clean}\n\n## 15. Annex B\n\n15.3 {fact}\n")
    result = {r.requirement: r for r in review(blocks, lang)}[key]
    assert result.outcome is ClauseOutcome.WEAKENED
    assert result.quote == fact and result.reason.startswith(FALLS_SHORT)
    alone = {r.requirement: r for r in review(text_blocks(f"## 4. Duties\n\n4.1 {clean}\n"), lang)}
    assert alone[key].outcome is ClauseOutcome.FOUND


def test_a_fact_that_falls_short_is_read_only_where_it_is_about_the_duty_when_so_marked() -> None:
    """ "The deadline runs from ..." weakens breach notice only in a sentence about breaches: its
    own words, its section's heading or the clause it refers to."""
    clean = "8.1 The Supplier shall notify the Council of a personal data breach without undue delay after becoming aware of it.\n\n"
    about = "8.2 The deadline in clause 8.1 runs from the time the Supplier has established which residents are affected.\n"
    other = "## 12. Objections\n\n12.1 The deadline runs from the day the notice was sent.\n"
    weak = {r.requirement: r for r in review(text_blocks("## 8. Breaches\n\n" + clean + about), "en")}
    assert weak["art28-3-f-breach"].outcome is ClauseOutcome.WEAKENED
    fine = {r.requirement: r for r in review(text_blocks("## 8. Breaches\n\n" + clean + other), "en")}
    assert fine["art28-3-f-breach"].outcome is ClauseOutcome.FOUND


@pytest.mark.parametrize(
    ("lang", "row"),
    [
        (
            "da",
            "| Sprogmodelleverandør (navn oplyses på anmodning) | Tekstgenerering | Frankfurt, Tyskland |",
        ),
        ("sv", "| Tillverkarens molntjänst | Bildanalys | Singapore |"),
        ("en", "| The manufacturer's cloud | Telemetry | Germany |"),
    ],
)
def test_an_entry_that_names_no_sub_processor_weakens_the_list(lang: str, row: str) -> None:
    heading = {"en": "Sub-processors", "da": "Underdatabehandlere", "sv": "Underbiträden"}[lang]
    named = {
        "en": "| Nordic Hosting AB | Hosting | Sweden |",
        "da": "| Nordhost A/S | Drift | Danmark |",
        "sv": "| Molnhallen AB | Drift | Sverige |",
    }[lang]
    blocks = text_blocks(f"## {heading}\n\n{named}\n{row}\n")
    result = {r.requirement: r for r in review(blocks, lang)}["sub-processor-list"]
    assert result.outcome is ClauseOutcome.WEAKENED
    assert re.sub(r"\W", "", result.quote) == re.sub(r"\W", "", row)
    fine = {r.requirement: r for r in review(text_blocks(f"## {heading}\n\n{named}\n"), lang)}
    assert fine["sub-processor-list"].outcome is ClauseOutcome.FOUND


@pytest.mark.parametrize(
    ("lang", "sentence", "key"),
    [
        (
            "da",
            "Leverandøren hæfter fuldt ud over for kommunen for underleverandørernes opfyldelse af deres forpligtelser.",
            "art28-3-d-liability",
        ),
        (
            "sv",
            "Leverantören får anlita underleverantörer endast efter Kommunens skriftliga godkännande.",
            "art28-3-d-authorisation",
        ),
        (
            "en",
            "The Supplier remains fully liable to the Council for the performance of its subcontractors' obligations.",
            "art28-3-d-liability",
        ),
    ],
)
def test_an_agreement_that_calls_its_sub_processors_subcontractors_is_read_alike(
    lang: str, sentence: str, key: str
) -> None:
    """`structure.synonyms`: every pattern reads "underleverandør", "underleverantör" and
    "subcontractor" as it reads the word for a sub-processor; the test sentences are kept as written."""
    found = classify(sentence, key, language(lang))
    assert found is not None and found[0] is ClauseOutcome.FOUND


def test_a_stop_inside_an_abbreviation_ends_no_span_of_a_pattern() -> None:
    lang = language("en")
    found = classify(
        "Transfers to the U.S. rest on the Data Privacy Framework, insofar as the recipient is certified.",
        "chapter-v",
        lang,
    )
    assert found is not None and found[0] is ClauseOutcome.WEAKENED  # the span runs over "U.S."
    assert "\u2024" not in found[1]  # and the reason shows the stops as stops


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_says_in_its_own_words_what_leads_into_a_list(lang: str) -> None:
    """The words that lead into a list and that make it a list of kinds are data, per language."""
    words = language(lang)
    assert words.list_lead_in and words.category_words and words.subprocessor_words


def test_a_list_that_a_sentence_leads_into_is_the_list_of_sub_processors_whatever_its_heading() -> None:
    blocks = text_blocks(
        "## 7. Other processors\n\nThe Supplier uses the following sub-processors:\n\n"
        "- Nimbus Hosting SARL, Ireland: hosting\n- Helpdesk AB, Sweden: support\n"
    )
    result = {r.requirement: r for r in review(blocks, "en")}["sub-processor-list"]
    assert result.outcome is ClauseOutcome.FOUND
    assert "Nimbus Hosting SARL" in result.quote


def test_a_list_of_kinds_of_sub_processor_names_none_of_them() -> None:
    blocks = text_blocks(
        "## Bilag B – Kategorier af underdatabehandlere\n\n- Hostingleverandør, EU: drift\n"
        "- Supportleverandør, Danmark: support\n"
    )
    result = {r.requirement: r for r in review(blocks, "da")}["sub-processor-list"]
    assert result.outcome is ClauseOutcome.WEAKENED and "kinds of sub-processor" in result.reason


def test_the_language_is_recognised() -> None:
    assert detect_language(text_blocks(SAMPLE)) == "en"
    da = "Databehandleren må kun behandle personoplysninger efter dokumenteret instruks fra den dataansvarlige, og at det skal ske med omhu."
    sv = "Personuppgiftsbiträdet får endast behandla personuppgifter enligt den personuppgiftsansvariges instruktioner och som avtalat."
    assert detect_language(text_blocks(da)) == "da"
    assert detect_language(text_blocks(sv)) == "sv"


@pytest.mark.parametrize("lang", ["da", "sv"])
def test_every_requirement_reads_in_danish_and_swedish(lang: str) -> None:
    for req in requirements().values():
        title, question, in_english = requirement_text(req, lang)
        assert not in_english, f"{req.id} has no current {lang} translation"
        assert title != req.title and question != req.question


# ---------------------------------------------------------------------------------------------
# Reading documents, and where each sentence stands


def test_markdown_locations_are_sections_and_paragraphs(tmp_path) -> None:
    path = tmp_path / "dpa.md"
    path.write_text(SAMPLE, encoding="utf-8")
    results = {r.requirement: r for r in review(read(path), "en")}
    assert results["art28-3-a"].location == "section 2.1"
    assert results["art28-3-b"].location == "section 3, paragraph 1"
    assert results["art28-3-a"].quote.startswith("Vendor will process")


def test_word_documents_are_read_with_headings_tables_and_positions(tmp_path) -> None:
    document = docx.Document()
    document.add_heading("9. Audits", level=1)
    document.add_paragraph("Some words first.")
    document.add_paragraph(
        "The Processor shall make available to the Controller all information necessary to demonstrate "
        "compliance and allow for and contribute to audits, including inspections, conducted by the "
        "Controller or an auditor it mandates."
    )
    document.add_heading("Annex B. Sub-processors", level=1)
    table = document.add_table(rows=3, cols=2)
    for row, (name, country) in zip(
        table.rows, [("Name", "Country"), ("Nimbus SARL", "Ireland"), ("Helpdesk AB", "Sweden")], strict=True
    ):
        row.cells[0].text, row.cells[1].text = name, country
    path = tmp_path / "DPA.docx"
    document.save(str(path))
    results = {r.requirement: r for r in review(read(path), "en")}
    assert results["art28-3-h"].outcome is ClauseOutcome.FOUND
    assert results["art28-3-h"].location == "section 9, paragraph 2"
    assert results["sub-processor-list"].outcome is ClauseOutcome.FOUND


def _with_part(source_path: Path, path: Path, name: str, xml: str) -> Path:
    """A copy of a Word document with one more part (python-docx writes no footnotes)."""
    with zipfile.ZipFile(source_path) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        target.writestr(name, xml)
    return path


def test_footnotes_of_a_word_document_are_read(tmp_path) -> None:
    document = docx.Document()
    document.add_heading("11. Breaches", level=1)
    document.add_paragraph("Breaches are handled as described in the footnote.")
    plain = tmp_path / "plain.docx"
    document.save(str(plain))
    notes = (
        '<?xml version="1.0" encoding="UTF-8"?><w:footnotes xmlns:w="http://schemas.openxmlformats.org/'
        'wordprocessingml/2006/main"><w:footnote w:id="0"><w:p><w:r><w:t>-</w:t></w:r></w:p></w:footnote>'
        '<w:footnote w:id="1"><w:p><w:r><w:t>The Processor shall notify the Controller without undue delay '
        "after becoming aware of a personal data breach.</w:t></w:r></w:p></w:footnote></w:footnotes>"
    )
    path = _with_part(plain, tmp_path / "DPA.docx", "word/footnotes.xml", notes)
    results = {r.requirement: r for r in review(read(path), "en")}
    assert results["art28-3-f-breach"].outcome is ClauseOutcome.FOUND
    assert results["art28-3-f-breach"].location == "footnote 1"


def test_a_footnote_part_with_an_entity_is_refused(tmp_path) -> None:
    document = docx.Document()
    document.add_paragraph("Text.")
    plain = tmp_path / "plain.docx"
    document.save(str(plain))
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
        '<w:footnotes xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">&b;</w:footnotes>'
    )
    path = _with_part(plain, tmp_path / "DPA.docx", "word/footnotes.xml", bomb)
    with pytest.raises(DocumentError, match="malformed or refused XML"):
        read(path)


def _pdf_of(tmp_path: Path, html: str) -> Path:
    from weasyprint import HTML

    path = tmp_path / "dpa.pdf"
    HTML(string=html).write_pdf(str(path))
    return path


def test_pdfs_are_read_with_page_and_line(tmp_path) -> None:
    filler = "".join(f"<p>Paragraph {i} of general terms that say nothing of data.</p>" for i in range(60))
    path = _pdf_of(
        tmp_path,
        f"<h2>1. Terms</h2>{filler}<h2>12. Breaches</h2><p>The Processor shall notify the Controller "
        "without undue delay after becoming aware of a personal data breach.</p>",
    )
    results = {r.requirement: r for r in review(read(path), "en")}
    breach = results["art28-3-f-breach"]
    assert breach.outcome is ClauseOutcome.FOUND
    # the page a viewer shows it on, read with another tool
    pages = int(pikepdf.open(path).pages.__len__())
    shown_on = [
        page
        for page in range(1, pages + 1)
        if "without undue delay"
        in subprocess.run(
            ["pdftotext", "-f", str(page), "-l", str(page), str(path), "-"], capture_output=True, text=True
        ).stdout
    ]
    assert pages > 1 and shown_on and breach.location.startswith(f"page {shown_on[0]}, line ")


def test_a_short_numbered_list_is_read_as_items_not_as_headings(tmp_path) -> None:
    """'1. Nimbus SARL – hosting' under a lead-in, or numbered on into '2. ...', is an entry of a
    list; '7. Sub-processors' with text under it is a heading. The reader decides, in every format."""
    text = (
        "## Annex 3 – Sub-processors\n\nThe Supplier's sub-processors are listed below.\n\n"
        "1. Nimbus Hosting SARL – hosting\n2. Helpdesk Partners – support\n\n"
        "7. Liability\n\nThe Supplier is liable under the Main Agreement.\n"
    )
    blocks = text_blocks(text)
    kinds = {b.text: (b.kind, b.section) for b in blocks}
    assert kinds["Nimbus Hosting SARL – hosting"] == ("item", "Annex 3 – Sub-processors")
    assert kinds["Helpdesk Partners – support"][0] == "item"
    assert kinds["7. Liability"][0] == "heading"
    result = {r.requirement: r for r in review(blocks, "en")}["sub-processor-list"]
    assert result.outcome is ClauseOutcome.WEAKENED  # the entries name no country
    path = _pdf_of(
        tmp_path,
        "<h2>Annex 3 – Sub-processors</h2><p>Our sub-processors:</p><p>1. Nimbus Hosting SARL – hosting</p>"
        "<p>2. Helpdesk Partners – support</p><h2>7. Liability</h2><p>Text.</p>",
    )
    read_back = {b.text: b.kind for b in read(path)}
    assert read_back.get("Nimbus Hosting SARL – hosting") == "item"
    assert read_back.get("7. Liability") == "heading"


def test_a_pdf_entry_that_wraps_and_a_sentence_over_a_page_break_are_read_whole(tmp_path) -> None:
    from pypdf import PdfReader

    filler = "".join(
        f"<p>Paragraph {i} of general terms that say nothing of data at all.</p>" for i in range(22)
    )
    path = _pdf_of(
        tmp_path,
        "<style>p { orphans: 1; widows: 1 }</style>"
        "<h2>Annex 3 – Sub-processors</h2><p>• Northbeam Analytics Inc, Columbus, Ohio, third-line "
        "support with remote access to the platform, United States</p>"
        f"<h2>8. Breaches</h2>{filler}<p>The Supplier shall notify the Customer of any personal data breach "
        "that affects the Customer's data, whatever its cause and in whatever system it occurred, and it "
        "shall do so without undue delay after becoming aware of it.</p>",
    )
    pages = [page.extract_text() for page in PdfReader(str(path)).pages]
    assert "notify the Customer" in pages[0] and "without undue delay" in pages[1]  # the break
    blocks = read(path)
    entry = next(b for b in blocks if b.text.startswith("Northbeam"))
    assert entry.kind == "item" and entry.text.endswith("United States")
    results = {r.requirement: r for r in review(blocks, "en")}
    assert results["sub-processor-list"].outcome is ClauseOutcome.FOUND
    assert results["art28-3-f-breach"].outcome is ClauseOutcome.FOUND
    assert results["art28-3-f-breach"].location.startswith("page 1, line ")


def test_a_table_laid_out_as_lines_of_a_pdf_is_read_by_its_header(tmp_path) -> None:
    """'Name – Service – Country' over lines of as many cells: a header and its rows, whether or not
    the names carry a company's legal form."""
    path = _pdf_of(
        tmp_path,
        "<h2>Annex 3 – Sub-processors</h2><p>The sub-processors below are approved.</p>"
        "<p>Name – Service – Country</p><p>Nimbus Hosting – hosting – Ireland</p>"
        "<p>Helpdesk Partners – support – Sweden</p><h2>4. Other terms</h2><p>Nothing more.</p>",
    )
    kinds = {b.text: b.kind for b in read(path)}
    assert kinds["Name – Service – Country"] == "header"
    assert kinds["Nimbus Hosting – hosting – Ireland"] == "row"
    result = {r.requirement: r for r in review(read(path), "en")}["sub-processor-list"]
    assert result.outcome is ClauseOutcome.FOUND and result.quote == "The sub-processors below are approved."


def test_a_pdf_without_a_text_layer_needs_ocr(tmp_path) -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    path = tmp_path / "scan.pdf"
    pdf.save(path)
    with pytest.raises(DocumentError, match="no text: the PDF has no text layer"):
        read(path)


def test_hostile_documents_are_refused_with_a_reason(tmp_path, cli) -> None:
    cases: dict[str, tuple[bytes, str]] = {}
    # an encrypted PDF
    pdf = pikepdf.new()
    pdf.add_blank_page()
    buffer = BytesIO()
    pdf.save(buffer, encryption=pikepdf.Encryption(owner="o", user="secret"))
    cases["locked.pdf"] = (buffer.getvalue(), "an encrypted PDF")
    cases["broken.pdf"] = (b"%PDF-1.7\n1 0 obj <<>> trailer <<>> %%EOF garbage", "PDF")
    # a zip bomb: one member that unpacks to far more than allowed
    bomb = BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\0" * (120 * 1024 * 1024))
    cases["bomb.docx"] = (bomb.getvalue(), "bytes unpacked: refused")
    macro = BytesIO()
    with zipfile.ZipFile(macro, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("word/vbaProject.bin", b"\0")
    cases["macro.docx"] = (macro.getvalue(), "macros and embedded objects are refused")
    cases["plain.docx"] = (b"not a zip", "not a Word document")
    cases["latin1.txt"] = ("Databehandleren må".encode("latin-1"), "not UTF-8 text")
    for name, (data, message) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        run = cli("review", "dpa", path, "--document-lang", "en")
        assert run.code == 2, (name, run.err)
        assert message in run.err and "Traceback" not in run.err, (name, run.err)
    huge = tmp_path / "huge.md"
    with huge.open("wb") as f:
        f.truncate(60 * 1024 * 1024)
    run = cli("review", "dpa", huge)
    assert run.code == 2 and "Traceback" not in run.err


# ---------------------------------------------------------------------------------------------
# The outputs for the lawyer


def test_the_clause_table_as_text_json_workbook_and_signed_pdf(tmp_path, cli) -> None:
    path = tmp_path / "dpa.md"
    path.write_text(SAMPLE, encoding="utf-8")
    text = cli("review", "dpa", path)
    assert text.code == 0
    assert (
        "[weakened] GDPR Art. 28(3)(b)" in text.out
        and "Question for the supplier: Please confirm" in text.out
    )
    # Every reading says it is a machine's, with how often a "found" was wrong on unseen agreements.
    assert "A machine reading for a lawyer to confirm" in text.out and "one in five" in text.out
    danish = cli("review", "dpa", path, "--lang", "da")
    assert "(dpa.md, punkt 2.1)" in danish.out and "(dpa.md, punkt 3, afsnit 1)" in danish.out
    assert "En maskinel læsning, som en jurist skal bekræfte" in danish.out
    data = json.loads(cli("review", "dpa", path, "--format", "json").out)
    assert data["language"] == "en"
    assert data["results"][0]["location"] == "section 2.1"  # the JSON keeps the English words
    first = data["results"][0]
    assert set(first) >= {"requirement", "citation", "outcome", "quote", "location", "reason"}
    assert [r["requirement"] for r in data["results"]] == list(art28_requirements())
    assert all("question" in r for r in data["results"] if r["outcome"] != "found")
    book = tmp_path / "review.xlsx"
    assert cli("review", "dpa", path, "--lang", "da", "-o", book).code == 0
    sheet = load_workbook(book).active
    values = [c.value for row in sheet.iter_rows() for c in row if c.value]
    assert "Svækket" in str(values) or "svækket" in str(values)
    assert not any(str(v).startswith("=") for v in values)  # a supplier's text is never a formula
    pdf = tmp_path / "review.pdf"
    run = cli("review", "dpa", path, "--lang", "sv", "-o", pdf)
    assert run.code == 0, run.err
    sig = subprocess.run(["pdfsig", str(pdf)], capture_output=True, text=True).stdout
    assert "Signature is Valid." in sig
    shown = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "Granskning av ett personuppgiftsbiträdesavtal" in shown and "försvagat" in shown
    assert "En maskinell läsning som en jurist ska bekräfta" in " ".join(shown.split())
    # the Data Act's switching terms in a section of their own, marked as applying only to a cloud service
    assert "Dataförordningen (byte av molntjänst)" in shown
    assert "Gäller bara om leverantören tillhandahåller en databehandlingstjänst" in " ".join(shown.split())


def test_the_review_becomes_facts_of_the_solution(tmp_path, cli) -> None:
    example = REPO / "examples" / "traffic-counting-us-cloud"
    solution = tmp_path / "solution.yaml"
    shutil.copy(example / "solution.yaml", solution)
    path = tmp_path / "kaveri-dpa.md"
    path.write_text(SAMPLE, encoding="utf-8")
    run = cli("review", "dpa", path, "--solution", solution, "--party", "kaveri", "--as-of", "2026-12-01")
    assert run.code == 0, run.err
    data = yaml.safe_load(solution.read_text(encoding="utf-8"))
    kaveri = next(p for p in data["parties"] if p["id"] == "kaveri")
    contract = kaveri["contract"]
    # (b) is weakened and (d) contradicted: the letters listed are the found ones only, and fail
    assert "b" not in contract["clauses"] and "d" not in contract["clauses"]
    assert contract["breach_notice_without_undue_delay"] is False
    assert contract["sources"]["breach_notice_without_undue_delay"]["kind"] == "document"
    assert (
        contract["sources"]["breach_notice_without_undue_delay"]["reference"]
        == "kaveri-dpa.md, section 6, paragraph 1"
    )
    assert "same_obligations" not in contract  # not found: left unstated, unknown
    assert "GDPR Art. 28 with these facts:" in run.out
    assert "fail" in run.out
    # the comments of the file are kept
    assert solution.read_text(encoding="utf-8").startswith("# Example: licence-plate traffic counting")
    wrong = cli("review", "dpa", path, "--solution", solution, "--party", "nobody")
    assert wrong.code == 2 and "no party 'nobody'" in wrong.err
    # an output that cannot be written is refused before the solution is touched (and the two are
    # written together by writing.write_all_atomically, all or nothing)
    before = solution.read_bytes()
    other = tmp_path / "other-dpa.md"
    other.write_text(SAMPLE.replace("permanent employees", "staff"), encoding="utf-8")
    failed = cli("review", "dpa", other, "--solution", solution, "--party", "kaveri", "-o", tmp_path)
    assert failed.code == 2, failed.err
    assert solution.read_bytes() == before


# ---------------------------------------------------------------------------------------------
# The corpus: a lawyer's clause table for 84 agreements (bench/bench_dpa.py, bench/README.md), in
# halves of six per language. Each held-out half was written by someone who never saw the patterns,
# measured once, blind, after the tuning on the halves before it, and then read and tuned on; from
# then on it is tuning material like tune/, and its pin holds its tuned figures, not a measurement
# of how the patterns generalise. The blind measurements (right of 252, false found of the clauses
# called found, weaknesses missed):
#   heldout/   198, 17              heldout2/  202, 17, 40         heldout3/  168, 23 of 110, 55
#   heldout4/  175, 20 of 123, 53   heldout5/  195, 30 of 145, 46  heldout6/  157, 29 of 122, 55
#   heldout7/  171, 42 of 165, 61, with 7 clean clauses called weakened (7 December 2026, after
#              the tuning on heldout6/), then tuned on
#   heldout8/  189, 39 of 195, 44, with 12 clean clauses called weakened (after the tuning on
#              heldout7/): blind, never tuned on; its pin holds that measurement
# A pin is a floor on right and a ceiling on false found and weaknesses missed, per language:
# figures may improve, never get worse. The one false found left on heldout3/ (sv/d24) is help
# with impact assessments and prior consultation only, which the key weakens for leaving out Arts.
# 32-34 and the pattern tests read as met.
PINS: dict[str, dict[str, tuple[int, int, int]]] = {
    "tune": {"da": (84, 0, 0), "sv": (84, 0, 0), "en": (84, 0, 0)},
    "heldout": {"da": (84, 0, 0), "sv": (84, 0, 0), "en": (84, 0, 0)},
    "heldout2": {"da": (84, 0, 0), "sv": (83, 0, 0), "en": (84, 0, 0)},
    "heldout3": {"da": (83, 0, 0), "sv": (80, 1, 1), "en": (78, 0, 0)},
    "heldout4": {"da": (71, 0, 8), "sv": (74, 0, 8), "en": (63, 0, 9)},
    "heldout5": {"da": (75, 1, 6), "sv": (77, 0, 5), "en": (73, 3, 9)},
    "heldout6": {"da": (68, 0, 9), "sv": (72, 0, 7), "en": (69, 0, 9)},
    "heldout7": {"da": (70, 2, 9), "sv": (70, 5, 7), "en": (70, 3, 7)},
    # measured blind once (189 right, 39 false found), again after readings made without reading it
    "heldout8": {"da": (69, 9, 12), "sv": (58, 11, 12), "en": (67, 14, 15)},
    # its writers' reports described what they planted before the readings were made: tuned on since
    "heldout9": {"da": (74, 2, 4), "sv": (72, 1, 2), "en": (75, 0, 5)},
    # measured blind once (184 right, 21 false found), then tuned on
    "heldout10": {"da": (71, 3, 6), "sv": (69, 6, 9), "en": (76, 3, 6)},
    # measured blind once (166 right, 11 false found), then tuned on
    "heldout11": {"da": (69, 2, 8), "sv": (71, 1, 7), "en": (73, 1, 7)},
    # blind: measured once, never tuned on
    "heldout12": {"da": (65, 1, 8), "sv": (53, 7, 11), "en": (54, 1, 8)},
}


def _measure(half: str, lang: str) -> dict[str, int]:
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_dpa", REPO / "bench" / "bench_dpa.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    table, _errors = bench.evaluate(half, lang)
    return {
        c: sum(row[c] for row in table.values())
        for c in ("documents", "right", "false_found", "weakness_missed")
    }


@pytest.mark.parametrize(
    ("half", "lang"), [(half, lang) for half, pins in PINS.items() for lang in pins], ids="-".join
)
def test_each_half_of_the_corpus_reads_no_worse_than_its_pin(half: str, lang: str) -> None:
    right, false_found, missed = PINS[half][lang]
    measured = _measure(half, lang)
    assert measured["documents"] == 84
    assert measured["false_found"] <= false_found
    assert measured["weakness_missed"] <= missed
    assert measured["right"] >= right


def test_every_half_of_the_corpus_has_a_pin() -> None:
    halves = {
        p.name
        for p in (REPO / "tests" / "fixtures" / "dpa").iterdir()
        if p.name.startswith(("tune", "heldout"))
    }
    assert halves == set(PINS)


# ---------------------------------------------------------------------------------------------
# The Data Act's switching terms (Regulation (EU) 2023/2854, Arts. 25, 28 and 29), apart from Art. 28

DATA_ACT = REPO / "tests" / "fixtures" / "dpa" / "data-act"


def _data_act_key() -> dict[str, dict[str, dict[str, object]]]:
    key: dict[str, dict[str, dict[str, object]]] = yaml.safe_load(
        (DATA_ACT / "key.yaml").read_text(encoding="utf-8")
    )
    return key


@pytest.mark.parametrize("document", sorted(_data_act_key()))
def test_the_data_act_switching_terms_are_read_with_their_periods(document: str) -> None:
    blocks = read(DATA_ACT / f"{document}.md")
    results = {r.requirement: r for r in review_data_act(blocks, detect_language(blocks))}
    assert list(results) == list(data_act_requirements())
    for requirement, expected in _data_act_key()[document].items():
        got = results[requirement]
        assert got.outcome.value == expected["outcome"], (requirement, got.reason)
        assert got.measured == expected.get("days", {}), requirement


def test_the_data_act_terms_change_nothing_in_the_art28_review() -> None:
    """The Art. 28 review reads its 14 requirements only, whatever the Data Act part finds."""
    blocks = read(DATA_ACT / "en-cloud-complete.md")
    assert [r.requirement for r in review(blocks, "en")] == list(art28_requirements())
    assert len(art28_requirements()) == 14
    assert not set(art28_requirements()) & set(data_act_requirements())


def test_a_period_beyond_the_limit_contradicts_and_one_left_out_weakens() -> None:
    blocks = text_blocks(
        "## 5. Exit\n\nThe Council may switch to another provider on six months' notice.\n\n"
        "The switch is completed within a transitional period of ninety (90) days.\n"
    )
    results = {r.requirement: r for r in review_data_act(blocks, "en")}
    assert results["data-act-switching"].outcome is ClauseOutcome.CONTRADICTED
    assert results["data-act-switching"].measured == {"notice_period_days": 180}
    assert results["data-act-periods"].outcome is ClauseOutcome.CONTRADICTED  # 90 > 30 days
    blocks = text_blocks("The Council may switch to another provider of data processing services.")
    switching = review_data_act(blocks, "en")[0]
    assert switching.outcome is ClauseOutcome.WEAKENED and "notice_period_days" in switching.reason


def test_the_data_act_results_become_facts_never_turning_a_doubt_into_a_pass() -> None:
    blocks = read(DATA_ACT / "da-cloud-weakened.md")
    facts = {f.field: f for f in data_act_facts(review_data_act(blocks, "da"))}
    assert facts["switching_terms_in_contract"].value is True  # the right is there; its notice fails
    assert facts["notice_period_days"].value == 90
    assert facts["retrieval_period_days"].value is None  # not stated: unknown, never met
    assert facts["exportable_data_specified"].value is False
    assert facts["switching_charges"].value == "above_cost"
    assert facts["international_access_information"].value is None
    assert facts["switching_charges"].location == "section 2.4"


def test_the_data_act_section_in_text_json_and_workbook(tmp_path, cli) -> None:
    path = DATA_ACT / "en-cloud-complete.md"
    text = cli("review", "dpa", path)
    assert text.code == 0, text.err
    assert "== Data Act (cloud switching) ==" in text.out
    assert "Applies only if the supplier provides a data processing (cloud) service." in text.out
    assert "[found] Data Act Art. 29(1) to (3)" in text.out
    danish = cli("review", "dpa", path, "--lang", "da")
    assert "Dataforordningen (skift af cloudtjeneste)" in danish.out
    assert "Gælder kun, hvis leverandøren leverer en databehandlingstjeneste" in danish.out
    data = json.loads(cli("review", "dpa", path, "--format", "json").out)
    assert data["data_act"]["applies"] == "conditional"
    assert [r["requirement"] for r in data["data_act"]["results"]] == list(data_act_requirements())
    periods = next(r for r in data["data_act"]["results"] if r["requirement"] == "data-act-periods")
    assert periods["measured_days"] == {"transitional_period_days": 30, "retrieval_period_days": 60}
    book = tmp_path / "review.xlsx"
    assert cli("review", "dpa", path, "--lang", "sv", "-o", book).code == 0
    sheets = load_workbook(book).sheetnames
    assert len(sheets) == 2 and sheets[1].startswith("Dataförordningen")


def test_the_data_act_terms_become_facts_only_of_a_cloud_provider(tmp_path, cli) -> None:
    example = REPO / "examples" / "building-energy-dk"
    solution = tmp_path / "solution.yaml"
    shutil.copy(example / "solution.yaml", solution)
    path = DATA_ACT / "da-cloud-weakened.md"
    run = cli(
        "review",
        "dpa",
        path,
        "--lang",
        "en",
        "--solution",
        solution,
        "--party",
        "energidata",
        "--as-of",
        "2026-12-01",
    )
    assert run.code == 0, run.err
    assert "Applies: the solution says the supplier provides a data processing (cloud) service." in run.out
    assert "The Data Act (cloud switching) with these facts:" in run.out
    party = next(
        p for p in yaml.safe_load(solution.read_text(encoding="utf-8"))["parties"] if p["id"] == "energidata"
    )
    data_act = party["data_act"]
    assert data_act["notice_period_days"] == 90 and data_act["switching_charges"] == "above_cost"
    assert "retrieval_period_days" not in data_act  # not found: left unstated, unknown
    assert data_act["sources"]["notice_period_days"] == {
        "kind": "document",
        "reference": "da-cloud-weakened.md, section 2.1",
    }
    assert re.search(r"fail\s+Data Act Art\. 25\(2\):", run.out)
    # a party that provides no data processing service: the section says so, no fact is written
    before = solution.read_text(encoding="utf-8")
    other = cli("review", "dpa", path, "--lang", "en", "--solution", solution, "--party", "nordmaaler")
    assert other.code == 0, other.err
    assert (
        "Does not apply: the solution says the supplier provides no data processing (cloud) service."
        in other.out
    )
    assert "[contradicted] Data Act" not in other.out
    maker = next(
        p for p in yaml.safe_load(solution.read_text(encoding="utf-8"))["parties"] if p["id"] == "nordmaaler"
    )
    assert maker["data_act"] == {"data_processing_service": False}
    assert before != solution.read_text(encoding="utf-8")  # its Art. 28 facts are written all the same


def test_every_reason_the_corpus_gives_is_said_in_the_readers_language() -> None:
    """Each reason a review records (in English, the document's words after it) reaches a Danish
    and a Swedish reader in their language: read over every agreement of the corpus (once, for
    both readers), so that a new kind of reason without a translation fails here."""
    from compliance.outputs.dpa_review import reason_text

    reasons = set()
    for folder in sorted((REPO / "tests" / "fixtures" / "dpa").glob("*/*")):
        for document in sorted(folder.glob("*.md")):
            blocks = read(document)
            code = detect_language(blocks)
            reasons |= {r.reason for r in review(blocks, code) + review_data_act(blocks, code)}
    assert len(reasons) > 100
    for reader in ("da", "sv"):
        english = {reason for reason in reasons if reason_text(reason, reader) == reason}
        assert not english, (reader, sorted(english)[:5])
