"""The assessment report: HTML from the Jinja2 templates in `reports/`, rendered to PDF by WeasyPrint.

Everything in a report comes from the assessment; user texts (names, descriptions, reasons) are
escaped by Jinja2's autoescaping, and the URL fetcher refuses every fetch, so that an `<img
src="file:///etc/passwd">` in a solution prints as text and nothing outside the report is read.
The same assessment gives the same HTML.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections import Counter, defaultdict
from typing import Any

from jinja2 import Environment, StrictUndefined, select_autoescape

from compliance.core.facts import derive_flow
from compliance.core.models.assessment import Assessment, ControlStatus, Finding
from compliance.core.models.rules import Outcome, Severity
from compliance.core.resources import reports_root
from compliance.core.scoring import NOT_READY_BELOW
from compliance.core.translations import control_title, rule_text
from compliance.outputs.drawing import coverage_chart, flow_diagram, flow_legend, score_chart

LANGUAGES = ("en", "da", "sv")
SHOWN = (Outcome.FAIL, Outcome.UNKNOWN, Outcome.ACCEPTED)

TEXTS: dict[str, dict[str, Any]] = {
    "en": {
        "title": "GDPR and cybersecurity assessment",
        "reasons_text": {
            "critical": "critical {status}: {rule} {title}",
            "below": "overall score {score} is below {threshold}",
            "open": "open items: {parts}; none critical",
            "all_pass": "every applicable rule passes",
            "failed": "failed",
            "unknown": "unknown",
            "accepted": "accepted risk(s)",
        },
        "explanation_words": {},
        "op_words": {},
        "method_scoring": (
            "Each result that counts weighs its rule's weight times the points of its severity ({points}). "
            "A pass earns its full weight; a fail, an unknown and an accepted risk earn nothing; results that "
            "are not applicable or pending (an obligation that applies from a later date) do not count. A "
            "score is 100 × the weight earned / the weight that counts, per data flow, provision, framework "
            "and overall; 100 where nothing counts."
        ),
        "method_verdict": (
            "Verdict: not ready when any critical rule fails or is unknown, or the overall score is below "
            "{threshold}; otherwise ready with conditions when any result fails, is unknown or is an accepted "
            "risk; otherwise ready."
        ),
        "packs_used": "Rule packs used",
        "title_col": "Title",
        "pack": "Pack",
        "version": "Version",
        "rules_count": "Rules",
        "origin": "Origin",
        "limitations": "Limitations",
        "limitation_items": [
            "The assessment rests on the facts stated in the solution file; it does not inspect the systems. "
            "A fact stated wrongly gives a wrong result.",
            "An unknown result is a missing fact, not a shortcoming found; it weighs like a failure until the "
            "fact is stated.",
            "Scanners cover only the evidence declared (requirement files, source folders, SARIF and SBOM "
            "files); a scan that failed or was incomplete leaves its controls unknown.",
            "National rules cover Denmark and Sweden; other Member States' rules are not assessed.",
            "The report supports, and does not replace, the controller's own assessment and legal advice.",
        ],
        "assessor": "Assessor",
        "signed_by": "Signed by",
        "not_given": "not given",
        "facts_to_state": "Facts to state",
        "facts_note": "The missing facts that decide the most unknown results; stating them is the quickest way to a decided assessment.",
        "fact": "Fact",
        "decides": "Unknown results it decides",
        "targets": "Applies to",
        "coverage_chart": "Controls by status, per framework",
        "no": "No.",
        "severities": {"critical": "critical", "high": "high", "medium": "medium", "low": "low"},
        "en_marker": "[EN]",
        "control_statuses": {
            "met": "met",
            "partial": "partial",
            "not_met": "not met",
            "unknown": "unknown",
            "accepted": "accepted",
            "pending": "pending",
            "not_applicable": "not applicable",
        },
        "scan_statuses": {
            "completed": "completed",
            "incomplete": "incomplete",
            "failed": "failed",
            "missing": "scanner missing",
            "timeout": "timed out",
            "not_run": "not run",
        },
        "as_of": "as of",
        "verdict": "Verdict",
        "verdicts": {
            "ready": "ready for a pilot",
            "ready_with_conditions": "ready with conditions",
            "not_ready": "not ready for a pilot",
        },
        "score": "Score",
        "solution": "Solution",
        "controller": "Controller",
        "supplier": "Supplier",
        "jurisdiction": "Jurisdiction",
        "tool": "Tool",
        "packs": "Rule packs",
        "law_as_of": "law as of",
        "scanners": "Scanners",
        "none": "none",
        "inputs": "Inputs and their SHA-256",
        "data": "Assessment data embedded in this PDF (assessment.json), SHA-256",
        "self_signed_note": (
            "Signed with a self-signed certificate: no certification authority vouches for who signed. "
            "Check this certificate fingerprint with the sender before you rely on the report. SHA-256:"
        ),
        "not_recomputed": (
            "These results were not recomputed when this report was made: they are shown as the assessment "
            "file gives them, and the tool has not checked that they follow from the facts."
        ),
        "signed_note": (
            "This report is signed electronically (PAdES). Check the signature, and that the embedded data "
            "and the input hashes are the ones shown here, with `compliance verify` or any PDF signature validator."
        ),
        "file": "File",
        "role": "Role",
        "contents": "Contents",
        "summary": "Summary",
        "dpia": "DPIA screening",
        "dpia_required": "DPIA required",
        "criterion": "Criterion",
        "met": "Met",
        "reasons": "Reasons",
        "coverage": "Control coverage by framework",
        "findings": "Findings to act on, by provision",
        "framework": "Framework",
        "rule": "Rule",
        "status": "Status",
        "target": "Target",
        "explanation": "Explanation",
        "remediation": "Remediation",
        "severity": "Severity",
        "where": "Where",
        "message": "Message",
        "method": "Method",
        "method_text": (
            "Every rule cites the provision it enforces and is evaluated on the facts of the solution; "
            "a missing fact makes the result unknown, which weighs like a failure. Scores follow the "
            "formula below; a critical failure or critical unknown makes the verdict 'not ready'."
        ),
        "diagram": "Data flows",
        "diagram_note": (
            "Boxes are parties (blue) and systems (grey) with their countries; arrows are data flows, green where every rule passes, amber with open items, red below a score of 50, grey where no rule applied."
        ),
        "accepted_risks": "Accepted risks",
        "approved_by": "Approved by",
        "expires": "Expires",
        "controls": "Controls",
        "control": "Control",
        "top_risks": "Top risks",
        "record": "Record of processing (GDPR Art. 30(1))",
        "record_note": "Generated from the solution's data flows that carry personal data; the controller's record must hold them.",
        "flow": "Data flow",
        "purposes": "Purposes",
        "subjects": "Data subjects",
        "categories": "Categories of data",
        "route": "From → to",
        "recipient": "Recipient",
        "retention": "Retention",
        "countries": "Storage and access countries",
        "outcomes": {
            "pass": "pass",
            "fail": "fail",
            "unknown": "unknown",
            "accepted": "accepted",
            "pending": "pending",
        },
        "tri": {True: "yes", False: "no", None: "unknown"},
        "fallback": "",
    },
    # Danish: the terms Datatilsynet uses (konsekvensanalyse, dataansvarlig, databehandler).
    "da": {
        "title": "Vurdering af databeskyttelse og cybersikkerhed",
        "reasons_text": {
            "critical": "kritisk {status}: {rule} {title}",
            "below": "den samlede score {score} er under {threshold}",
            "open": "åbne punkter: {parts}; ingen kritiske",
            "all_pass": "alle relevante regler er opfyldt",
            "failed": "ikke opfyldt",
            "unknown": "ukendt",
            "accepted": "accepteret risiko",
        },
        "explanation_words": {
            "Unknown: facts needed to decide are missing: ": "Ukendt: disse oplysninger mangler for at afgøre det: ",
            " To decide, state: ": " Angiv for at afgøre det: ",
            "Not met: ": "Ikke opfyldt: ",
            " The failure is covered by an accepted risk.": " Manglen er dækket af en accepteret risiko.",
            "unknown (not given)": "ukendt (ikke angivet)",
            " (must not hold)": " (må ikke gælde)",
            "; test: ": "; krav: ",
        },
        "op_words": {
            "is one of": "er en af",
            "is given": "er angivet",
            "contains any of": "indeholder en af",
            "contains all of": "indeholder alle",
            "contains": "indeholder",
            "has an item under": "har et punkt under",
            "has every item under": "har alle punkter under",
            "is empty": "er tom",
            "is at least": "er mindst",
            "is": "er",
        },
        "method_scoring": (
            "Hvert resultat, der tæller, vejer reglens vægt gange point for dens alvor ({points}). Et opfyldt "
            "resultat giver hele sin vægt; ikke opfyldt, ukendt og accepteret risiko giver intet; resultater, "
            "der ikke er relevante eller afventer (en forpligtelse, der gælder fra en senere dato), tæller ikke. "
            "En score er 100 × den opnåede vægt / den vægt, der tæller, pr. datastrøm, bestemmelse, ramme og "
            "samlet; 100, hvor intet tæller."
        ),
        "method_verdict": (
            "Konklusion: ikke klar, når en kritisk regel ikke er opfyldt eller er ukendt, eller den samlede "
            "score er under {threshold}; ellers klar med forbehold, når et resultat ikke er opfyldt, er ukendt "
            "eller er en accepteret risiko; ellers klar."
        ),
        "packs_used": "Anvendte regelpakker",
        "title_col": "Titel",
        "pack": "Pakke",
        "version": "Version",
        "rules_count": "Regler",
        "origin": "Oprindelse",
        "limitations": "Begrænsninger",
        "limitation_items": [
            "Vurderingen bygger på de oplysninger, der er angivet i løsningsfilen; den undersøger ikke "
            "systemerne. En forkert oplysning giver et forkert resultat.",
            "Et ukendt resultat er en manglende oplysning, ikke en konstateret mangel; det vejer som en mangel, "
            "indtil oplysningen er angivet.",
            "Scannerne dækker kun den angivne dokumentation (kravfiler, kildemapper, SARIF- og SBOM-filer); en "
            "scanning, der fejlede eller var ufuldstændig, efterlader sine kontroller ukendte.",
            "De nationale regler dækker Danmark og Sverige; andre medlemsstaters regler vurderes ikke.",
            "Rapporten understøtter, men erstatter ikke, den dataansvarliges egen vurdering og juridisk rådgivning.",
        ],
        "assessor": "Vurderet af",
        "signed_by": "Underskrevet af",
        "not_given": "ikke angivet",
        "facts_to_state": "Oplysninger der mangler",
        "facts_note": "De manglende oplysninger, der afgør flest ukendte resultater; at angive dem er den hurtigste vej til en afklaret vurdering.",
        "fact": "Oplysning",
        "decides": "Ukendte resultater den afgør",
        "targets": "Gælder",
        "coverage_chart": "Kontroller efter status, pr. ramme",
        "no": "Nr.",
        "severities": {"critical": "kritisk", "high": "høj", "medium": "middel", "low": "lav"},
        "en_marker": "[EN]",
        "control_statuses": {
            "met": "opfyldt",
            "partial": "delvist",
            "not_met": "ikke opfyldt",
            "unknown": "ukendt",
            "accepted": "accepteret",
            "pending": "afventer",
            "not_applicable": "ikke relevant",
        },
        "scan_statuses": {
            "completed": "gennemført",
            "incomplete": "ufuldstændig",
            "failed": "fejlet",
            "missing": "scanner mangler",
            "timeout": "tidsgrænse overskredet",
            "not_run": "ikke kørt",
        },
        "as_of": "pr.",
        "verdict": "Konklusion",
        "verdicts": {
            "ready": "klar til pilotprojekt",
            "ready_with_conditions": "klar med forbehold",
            "not_ready": "ikke klar til pilotprojekt",
        },
        "score": "Score",
        "solution": "Løsning",
        "controller": "Dataansvarlig",
        "supplier": "Leverandør",
        "jurisdiction": "Jurisdiktion",
        "tool": "Værktøj",
        "packs": "Regelpakker",
        "law_as_of": "retsstilling pr.",
        "scanners": "Scannere",
        "none": "ingen",
        "inputs": "Inddata og deres SHA-256",
        "data": "Vurderingens data indlejret i denne PDF (assessment.json), SHA-256",
        "self_signed_note": (
            "Underskrevet med et selvsigneret certifikat: ingen certificeringsmyndighed står inde for, hvem "
            "der har underskrevet. Kontrollér certifikatets fingeraftryk med afsenderen, før du forlader dig "
            "på rapporten. SHA-256:"
        ),
        "not_recomputed": (
            "Resultaterne blev ikke genberegnet, da rapporten blev lavet: de vises, som vurderingsfilen angiver "
            "dem, og værktøjet har ikke kontrolleret, at de følger af oplysningerne."
        ),
        "signed_note": (
            "Rapporten er underskrevet elektronisk (PAdES). Kontrollér underskriften, og at de indlejrede data "
            "og inddataenes SHA-256 er dem, der vises her, med `compliance verify` eller et andet værktøj til "
            "validering af PDF-underskrifter."
        ),
        "file": "Fil",
        "role": "Rolle",
        "contents": "Indhold",
        "summary": "Sammenfatning",
        "dpia": "Screening for konsekvensanalyse",
        "dpia_required": "Konsekvensanalyse påkrævet",
        "criterion": "Kriterium",
        "met": "Opfyldt",
        "reasons": "Begrundelse",
        "coverage": "Dækning af kontroller pr. ramme",
        "findings": "Fund der kræver handling, pr. bestemmelse",
        "framework": "Ramme",
        "rule": "Regel",
        "status": "Status",
        "target": "Genstand",
        "explanation": "Forklaring",
        "remediation": "Afhjælpning",
        "severity": "Alvor",
        "where": "Sted",
        "message": "Meddelelse",
        "method": "Metode",
        "method_text": (
            "Hver regel henviser til den bestemmelse, den håndhæver, og vurderes på løsningens "
            "oplysninger; en manglende oplysning gør resultatet ukendt, hvilket vejer som en mangel. "
            "Scoren følger formlen nedenfor; en kritisk mangel eller et kritisk ukendt resultat gør "
            "konklusionen 'ikke klar'."
        ),
        "diagram": "Datastrømme",
        "diagram_note": (
            "Kasser er parter (blå) og systemer (grå) med deres lande; pile er datastrømme, grønne hvor alle regler er opfyldt, gule med åbne punkter, røde under en score på 50, grå hvor ingen regel fandt anvendelse."
        ),
        "accepted_risks": "Accepterede risici",
        "approved_by": "Godkendt af",
        "expires": "Udløber",
        "controls": "Kontroller",
        "control": "Kontrol",
        "top_risks": "Største risici",
        "record": "Fortegnelse over behandlingsaktiviteter (databeskyttelsesforordningens art. 30, stk. 1)",
        "record_note": "Dannet ud fra løsningens datastrømme med personoplysninger; den dataansvarliges fortegnelse skal indeholde dem.",
        "flow": "Datastrøm",
        "purposes": "Formål",
        "subjects": "Registrerede",
        "categories": "Kategorier af oplysninger",
        "route": "Fra → til",
        "recipient": "Modtager",
        "retention": "Opbevaring",
        "countries": "Lande for opbevaring og adgang",
        "outcomes": {
            "pass": "opfyldt",
            "fail": "ikke opfyldt",
            "unknown": "ukendt",
            "accepted": "accepteret",
            "pending": "afventer",
        },
        "tri": {True: "ja", False: "nej", None: "ukendt"},
        "fallback": (
            "Tekster mærket [EN] har endnu ingen gældende dansk oversættelse og vises på engelsk. I "
            "forklaringerne står oplysningernes navne og værdier, som løsningsfilen skriver dem."
        ),
    },
    # Swedish: the terms IMY uses (konsekvensbedömning, personuppgiftsansvarig, personuppgiftsbiträde).
    "sv": {
        "title": "Bedömning av dataskydd och cybersäkerhet",
        "reasons_text": {
            "critical": "kritiskt {status}: {rule} {title}",
            "below": "den totala poängen {score} är under {threshold}",
            "open": "öppna punkter: {parts}; inga kritiska",
            "all_pass": "alla tillämpliga regler är uppfyllda",
            "failed": "ej uppfyllt",
            "unknown": "okänt",
            "accepted": "accepterad risk",
        },
        "explanation_words": {
            "Unknown: facts needed to decide are missing: ": "Okänt: dessa uppgifter saknas för att avgöra det: ",
            " To decide, state: ": " Ange för att avgöra det: ",
            "Not met: ": "Ej uppfyllt: ",
            " The failure is covered by an accepted risk.": " Bristen täcks av en accepterad risk.",
            "unknown (not given)": "okänt (inte angivet)",
            " (must not hold)": " (får inte gälla)",
            "; test: ": "; krav: ",
        },
        "op_words": {
            "is one of": "är en av",
            "is given": "är angivet",
            "contains any of": "innehåller någon av",
            "contains all of": "innehåller alla",
            "contains": "innehåller",
            "has an item under": "har en post under",
            "has every item under": "har alla poster under",
            "is empty": "är tom",
            "is at least": "är minst",
            "is": "är",
        },
        "method_scoring": (
            "Varje resultat som räknas väger regelns vikt gånger poängen för dess allvarlighet ({points}). Ett "
            "uppfyllt resultat ger hela sin vikt; ej uppfyllt, okänt och accepterad risk ger inget; resultat som "
            "inte är tillämpliga eller väntar (en skyldighet som gäller från ett senare datum) räknas inte. En "
            "poäng är 100 × den vikt som uppnåtts / den vikt som räknas, per dataflöde, bestämmelse, ramverk och "
            "totalt; 100 där inget räknas."
        ),
        "method_verdict": (
            "Slutsats: inte redo när en kritisk regel inte är uppfylld eller är okänd, eller när den totala "
            "poängen är under {threshold}; annars redo med villkor när något resultat inte är uppfyllt, är okänt "
            "eller är en accepterad risk; annars redo."
        ),
        "packs_used": "Använda regelpaket",
        "title_col": "Titel",
        "pack": "Paket",
        "version": "Version",
        "rules_count": "Regler",
        "origin": "Ursprung",
        "limitations": "Begränsningar",
        "limitation_items": [
            "Bedömningen bygger på de uppgifter som anges i lösningsfilen; den undersöker inte systemen. En "
            "felaktig uppgift ger ett felaktigt resultat.",
            "Ett okänt resultat är en uppgift som saknas, inte en konstaterad brist; det väger som en brist tills "
            "uppgiften anges.",
            "Skannrarna täcker bara det underlag som angetts (kravfiler, källkodsmappar, SARIF- och SBOM-filer); "
            "en skanning som misslyckades eller var ofullständig lämnar sina kontroller okända.",
            "De nationella reglerna täcker Danmark och Sverige; andra medlemsstaters regler bedöms inte.",
            "Rapporten stöder, men ersätter inte, den personuppgiftsansvariges egen bedömning och juridisk "
            "rådgivning.",
        ],
        "assessor": "Bedömd av",
        "signed_by": "Underskriven av",
        "not_given": "inte angivet",
        "facts_to_state": "Uppgifter som saknas",
        "facts_note": "De saknade uppgifter som avgör flest okända resultat; att ange dem är den snabbaste vägen till en avgjord bedömning.",
        "fact": "Uppgift",
        "decides": "Okända resultat den avgör",
        "targets": "Gäller",
        "coverage_chart": "Kontroller efter status, per ramverk",
        "no": "Nr",
        "severities": {"critical": "kritisk", "high": "hög", "medium": "medel", "low": "låg"},
        "en_marker": "[EN]",
        "control_statuses": {
            "met": "uppfyllt",
            "partial": "delvis",
            "not_met": "ej uppfyllt",
            "unknown": "okänt",
            "accepted": "accepterat",
            "pending": "väntande",
            "not_applicable": "ej tillämpligt",
        },
        "scan_statuses": {
            "completed": "slutförd",
            "incomplete": "ofullständig",
            "failed": "misslyckad",
            "missing": "skanner saknas",
            "timeout": "tidsgräns överskriden",
            "not_run": "inte körd",
        },
        "as_of": "per",
        "verdict": "Slutsats",
        "verdicts": {
            "ready": "redo för pilot",
            "ready_with_conditions": "redo med villkor",
            "not_ready": "inte redo för pilot",
        },
        "score": "Poäng",
        "solution": "Lösning",
        "controller": "Personuppgiftsansvarig",
        "supplier": "Leverantör",
        "jurisdiction": "Jurisdiktion",
        "tool": "Verktyg",
        "packs": "Regelpaket",
        "law_as_of": "rättsläge per",
        "scanners": "Skannrar",
        "none": "inga",
        "inputs": "Indata och deras SHA-256",
        "data": "Bedömningens data inbäddade i denna PDF (assessment.json), SHA-256",
        "self_signed_note": (
            "Underskriven med ett självsignerat certifikat: ingen certifikatutfärdare går i god för vem som "
            "har skrivit under. Kontrollera certifikatets fingeravtryck med avsändaren innan du förlitar dig "
            "på rapporten. SHA-256:"
        ),
        "not_recomputed": (
            "Resultaten räknades inte om när rapporten togs fram: de visas så som bedömningsfilen anger dem, "
            "och verktyget har inte kontrollerat att de följer av uppgifterna."
        ),
        "signed_note": (
            "Rapporten är elektroniskt underskriven (PAdES). Kontrollera underskriften, och att inbäddade data "
            "och indatas SHA-256 är de som visas här, med `compliance verify` eller ett annat verktyg för "
            "validering av PDF-underskrifter."
        ),
        "file": "Fil",
        "role": "Roll",
        "contents": "Innehåll",
        "summary": "Sammanfattning",
        "dpia": "Bedömning av behovet av konsekvensbedömning",
        "dpia_required": "Konsekvensbedömning krävs",
        "criterion": "Kriterium",
        "met": "Uppfyllt",
        "reasons": "Skäl",
        "coverage": "Täckning av kontroller per ramverk",
        "findings": "Brister att åtgärda, per bestämmelse",
        "framework": "Ramverk",
        "rule": "Regel",
        "status": "Status",
        "target": "Objekt",
        "explanation": "Förklaring",
        "remediation": "Åtgärd",
        "severity": "Allvarlighet",
        "where": "Plats",
        "message": "Meddelande",
        "method": "Metod",
        "method_text": (
            "Varje regel hänvisar till den bestämmelse den tillämpar och bedöms utifrån lösningens "
            "uppgifter; en uppgift som saknas gör resultatet okänt, vilket väger som en brist. "
            "Poängen följer formeln nedan; en kritisk brist eller ett kritiskt okänt resultat gör "
            "slutsatsen 'inte redo'."
        ),
        "diagram": "Dataflöden",
        "diagram_note": (
            "Rutor är parter (blå) och system (grå) med sina länder; pilar är dataflöden, gröna där alla regler är uppfyllda, gula med öppna punkter, röda under poängen 50, grå där ingen regel var tillämplig."
        ),
        "accepted_risks": "Accepterade risker",
        "approved_by": "Godkänd av",
        "expires": "Upphör",
        "controls": "Kontroller",
        "control": "Kontroll",
        "top_risks": "Största risker",
        "record": "Registerförteckning (dataskyddsförordningen artikel 30.1)",
        "record_note": "Skapad från lösningens dataflöden med personuppgifter; den personuppgiftsansvariges registerförteckning ska innehålla dem.",
        "flow": "Dataflöde",
        "purposes": "Ändamål",
        "subjects": "Registrerade",
        "categories": "Kategorier av uppgifter",
        "route": "Från → till",
        "recipient": "Mottagare",
        "retention": "Lagringstid",
        "countries": "Länder för lagring och åtkomst",
        "outcomes": {
            "pass": "uppfyllt",
            "fail": "ej uppfyllt",
            "unknown": "okänt",
            "accepted": "accepterat",
            "pending": "väntande",
        },
        "tri": {True: "ja", False: "nej", None: "okänt"},
        "fallback": (
            "Texter märkta [EN] har ännu ingen gällande svensk översättning och visas på engelska. I "
            "förklaringarna står uppgifternas namn och värden som lösningsfilen skriver dem."
        ),
    },
}


# The DPIA screening's titles and reasons in Danish and Swedish. The titles of the WP248 criteria
# follow the Danish and Swedish versions of the guidelines as the authorities publish them; the
# reasons are the screening's own sentences (compliance/core/dpia.py), matched whole.
DPIA_TITLES: dict[str, dict[str, str]] = {
    "da": {
        "C1": "Evaluering eller scoring, herunder profilering",
        "C2": "Automatiske afgørelser med retsvirkning eller tilsvarende betydelig virkning",
        "C3": "Systematisk overvågning, herunder af offentligt tilgængelige områder",
        "C4": "Følsomme oplysninger eller oplysninger af meget personlig karakter (art. 9 og 10, lokalitet, "
        "økonomi, privatliv)",
        "C5": "Oplysninger, der behandles i stort omfang",
        "C6": "Matchning eller sammenkobling af datasæt",
        "C7": "Oplysninger om sårbare registrerede",
        "C8": "Innovativ anvendelse eller nye teknologiske løsninger",
        "C9": "Behandling, der forhindrer de registrerede i at udøve en rettighed eller bruge en tjeneste "
        "eller kontrakt",
        "Art. 35(3)(a)": "Systematisk og omfattende vurdering, herunder profilering, med retsvirkning eller "
        "tilsvarende betydelig virkning",
        "Art. 35(3)(b)": "Behandling i stort omfang af særlige kategorier (art. 9, stk. 1) eller af oplysninger "
        "om straffedomme (art. 10)",
        "Art. 35(3)(c)": "Systematisk overvågning i stort omfang af et offentligt tilgængeligt område",
        "DK-1": "Datatilsynets liste efter art. 35, stk. 4, punkt 1: biometriske data til entydig "
        "identifikation sammen med et andet kriterium",
        "DK-2": "Datatilsynets liste efter art. 35, stk. 4, punkt 2: genetiske data sammen med et andet kriterium",
        "DK-3": "Datatilsynets liste efter art. 35, stk. 4, punkt 3: lokaliseringsdata sammen med et andet "
        "kriterium",
        "DK-4": "Datatilsynets liste efter art. 35, stk. 4, punkt 4: innovativ teknologi sammen med et andet "
        "kriterium",
        "DK-5": "Datatilsynets liste efter art. 35, stk. 4, punkt 5: afgørelse om adgang til et produkt, en "
        "tjeneste eller en ydelse på grundlag af automatiske afgørelser, herunder profilering",
        "SE-1": "IMY's liste efter art. 35, stk. 4 (förteckning enligt artikel 35.4): mindst to af punkterne, "
        "som gentager WP248-kriterierne",
    },
    "sv": {
        "C1": "Utvärdering eller poängsättning, inklusive profilering",
        "C2": "Automatiserat beslutsfattande med rättslig eller motsvarande betydande verkan",
        "C3": "Systematisk övervakning, även av allmänt tillgängliga platser",
        "C4": "Känsliga uppgifter eller uppgifter av mycket personlig karaktär (artiklarna 9 och 10, "
        "platsuppgifter, ekonomi, privatliv)",
        "C5": "Uppgifter som behandlas i stor omfattning",
        "C6": "Matchning eller sammanförande av datamängder",
        "C7": "Uppgifter om sårbara registrerade",
        "C8": "Innovativ användning eller ny teknisk lösning",
        "C9": "Behandling som hindrar de registrerade från att utöva en rättighet eller använda en tjänst "
        "eller ett avtal",
        "Art. 35(3)(a)": "Systematisk och omfattande bedömning, inklusive profilering, med rättslig eller "
        "motsvarande betydande verkan",
        "Art. 35(3)(b)": "Behandling i stor omfattning av särskilda kategorier (artikel 9.1) eller av uppgifter "
        "om lagöverträdelser (artikel 10)",
        "Art. 35(3)(c)": "Systematisk övervakning i stor omfattning av en allmän plats",
        "DK-1": "Datatilsynets förteckning enligt artikel 35.4, punkt 1: biometriska uppgifter för unik "
        "identifiering tillsammans med ett annat kriterium",
        "DK-2": "Datatilsynets förteckning enligt artikel 35.4, punkt 2: genetiska uppgifter tillsammans med ett "
        "annat kriterium",
        "DK-3": "Datatilsynets förteckning enligt artikel 35.4, punkt 3: platsuppgifter tillsammans med ett "
        "annat kriterium",
        "DK-4": "Datatilsynets förteckning enligt artikel 35.4, punkt 4: innovativ teknik tillsammans med ett "
        "annat kriterium",
        "DK-5": "Datatilsynets förteckning enligt artikel 35.4, punkt 5: beslut om tillgång till en produkt, "
        "tjänst eller förmån grundat på automatiserat beslutsfattande, inklusive profilering",
        "SE-1": "IMY:s förteckning enligt artikel 35.4: minst två av dess punkter, som återger "
        "WP248-kriterierna",
    },
}

DPIA_REASONS: list[tuple[str, dict[str, str] | None]] = [
    (
        r"met by flow\(s\): (.*)",
        {"da": r"opfyldt af datastrøm(me): \1", "sv": r"uppfyllt av dataflöde(n): \1"},
    ),
    (
        r"cannot tell: facts missing for flow\(s\): (.*)",
        {
            "da": r"kan ikke afgøres: oplysninger mangler for datastrøm(me): \1",
            "sv": r"kan inte avgöras: uppgifter saknas för dataflöde(n): \1",
        },
    ),
    (
        "not met by any flow that carries personal data",
        {
            "da": "ikke opfyldt af nogen datastrøm med personoplysninger",
            "sv": "inte uppfyllt av något dataflöde med personuppgifter",
        },
    ),
    (
        r"another criterion besides (\S+) is met",
        {"da": r"et andet kriterium end \1 er opfyldt", "sv": r"ett annat kriterium än \1 är uppfyllt"},
    ),
    (
        r"cannot tell whether another criterion besides (\S+) is met",
        {
            "da": r"kan ikke afgøre, om et andet kriterium end \1 er opfyldt",
            "sv": r"kan inte avgöra om ett annat kriterium än \1 är uppfyllt",
        },
    ),
    (
        r"no other criterion besides (\S+) is met",
        {"da": r"intet andet kriterium end \1 er opfyldt", "sv": r"inget annat kriterium än \1 är uppfyllt"},
    ),
    (
        "criteria met: none",
        {"da": "opfyldte kriterier: ingen", "sv": "uppfyllda kriterier: inga"},
    ),
    (
        "criteria met: (.*)",
        {"da": r"opfyldte kriterier: \1", "sv": r"uppfyllda kriterier: \1"},
    ),
    (
        r"(\d+) of 9 WP248 criteria met \((.*?)\)(?:; (\d+) cannot be decided for missing facts \((.*)\))?",
        None,
    ),
    (
        "two or more criteria, with large scale or a third criterion: a DPIA is required",
        {
            "da": "to eller flere kriterier, med stort omfang eller et tredje kriterium: en konsekvensanalyse er påkrævet",
            "sv": "två eller fler kriterier, med stor omfattning eller ett tredje kriterium: en konsekvensbedömning krävs",
        },
    ),
    (
        r"two criteria, but the processing is not large scale and no third criterion is met \(Recital 91\)",
        {
            "da": "to kriterier, men behandlingen er ikke i stort omfang, og intet tredje kriterium er opfyldt (betragtning 91)",
            "sv": "två kriterier, men behandlingen sker inte i stor omfattning och inget tredje kriterium är uppfyllt (skäl 91)",
        },
    ),
    (
        "the answer depends on the missing facts; supply them to settle it",
        {
            "da": "svaret afhænger af de manglende oplysninger; angiv dem for at afgøre det",
            "sv": "svaret beror på de uppgifter som saknas; ange dem för att avgöra det",
        },
    ),
    (
        r"no Art\. 35\(3\) case, national-list item or combination of criteria requires a DPIA",
        {
            "da": "intet tilfælde efter art. 35, stk. 3, intet punkt på den nationale liste og ingen kombination af kriterier kræver en konsekvensanalyse",
            "sv": "inget fall enligt artikel 35.3, ingen punkt i den nationella förteckningen och ingen kombination av kriterier kräver en konsekvensbedömning",
        },
    ),
    (
        r"no flow carries personal data, so Art\. 35 does not apply",
        {
            "da": "ingen datastrøm indeholder personoplysninger, så art. 35 finder ikke anvendelse",
            "sv": "inget dataflöde innehåller personuppgifter, så artikel 35 är inte tillämplig",
        },
    ),
    (
        r"national list (\S+): .*",
        {"da": r"national liste \1: {title}", "sv": r"nationell förteckning \1: {title}"},
    ),
    (
        r"(Art\. 35\(3\)\([abc]\)): .*",
        {"da": r"\1: {title}", "sv": r"\1: {title}"},
    ),
]
COUNT_TEXT = {
    "da": (
        "{n} af 9 WP248-kriterier opfyldt ({met})",
        "; {u} kan ikke afgøres, da oplysninger mangler ({unknown})",
        "ingen",
    ),
    "sv": (
        "{n} av 9 WP248-kriterier uppfyllda ({met})",
        "; {u} kan inte avgöras eftersom uppgifter saknas ({unknown})",
        "inga",
    ),
}


def dpia_title(lang: str, cid: str, title: str) -> tuple[str, bool]:
    """A screening criterion's title in the report's language, and whether it fell back to English."""
    if lang == "en":
        return title, False
    local = DPIA_TITLES[lang].get(cid)
    return (local, False) if local else (title, True)


def dpia_reason(lang: str, reason: str) -> str:
    """A screening reason in the report's language; one the table does not know stays English."""
    if lang == "en":
        return reason
    for pattern, replacements in DPIA_REASONS:
        m = re.fullmatch(pattern, reason)
        if m is None:
            continue
        if replacements is None:  # the criteria count
            n, met, u, unknown = m.groups()
            text, more, none = COUNT_TEXT[lang]
            out = text.format(n=n, met=none if met == "none" else met)
            return out + (more.format(u=u, unknown=unknown) if u else "")
        replacement = replacements[lang]
        cid = m.group(1) if m.groups() else ""
        title = dpia_title(lang, cid, "")[0] if "{title}" in replacement else ""
        return m.expand(replacement).replace("{title}", title)
    return reason


# The control explanations' sentences (compliance/core/controls.py) in Danish and Swedish. Control IDs
# and titles inside them stay as the catalogue writes them.
CONTROL_SENTENCES: list[tuple[str, dict[str, str]]] = [
    (
        r" Whether it applies is itself unknown, so the crosswalk does not fill it in\.",
        {
            "da": " Om den finder anvendelse, er selv ukendt, så krydsreferencerne udfylder den ikke.",
            "sv": " Om den är tillämplig är i sig okänt, så korsreferenserna fyller inte i den.",
        },
    ),
    (
        r"Not met through the equivalent control (.*?)\.(?= |$)",
        {
            "da": r"Ikke opfyldt via den tilsvarende kontrol \1.",
            "sv": r"Ej uppfylld genom den motsvarande kontrollen \1.",
        },
    ),
    (
        r"Met through the equivalent control (.*?)\.(?= |$)",
        {
            "da": r"Opfyldt via den tilsvarende kontrol \1.",
            "sv": r"Uppfylld genom den motsvarande kontrollen \1.",
        },
    ),
    (
        r"Partly covered: (.*?), which covers part of it, is met; the rest is not shown\.",
        {
            "da": r"Delvist dækket: \1, som dækker en del af den, er opfyldt; resten er ikke påvist.",
            "sv": r"Delvis täckt: \1, som täcker en del av den, är uppfylld; resten är inte visat.",
        },
    ),
    (
        r"No rule assesses it, and its equivalent control (.*?) is not applicable\.",
        {
            "da": r"Ingen regel vurderer den, og den tilsvarende kontrol \1 er ikke relevant.",
            "sv": r"Ingen regel bedömer den, och den motsvarande kontrollen \1 är inte tillämplig.",
        },
    ),
    (
        r"No rule of the loaded packs assesses it and no equivalent control is met or not met: it is not shown to be met\.",
        {
            "da": "Ingen regel i de indlæste pakker vurderer den, og ingen tilsvarende kontrol er opfyldt eller ikke opfyldt: det er ikke påvist, at den er opfyldt.",
            "sv": "Ingen regel i de inlästa paketen bedömer den och ingen motsvarande kontroll är uppfylld eller ej uppfylld: det är inte visat att den är uppfylld.",
        },
    ),
    (
        r"No rule assesses it, and no rule of its framework applies to this solution\.",
        {
            "da": "Ingen regel vurderer den, og ingen regel i dens ramme gælder for denne løsning.",
            "sv": "Ingen regel bedömer den, och ingen regel i dess ramverk gäller för denna lösning.",
        },
    ),
    (
        r"Scanner evidence: a serious finding fails it\.",
        {
            "da": "Scanningsresultater: et alvorligt fund gør den ikke opfyldt.",
            "sv": "Skanningsresultat: ett allvarligt fynd gör den ej uppfylld.",
        },
    ),
    (
        r"Scanner evidence: minor findings make it at most partial\.",
        {
            "da": "Scanningsresultater: mindre fund gør den højst delvist opfyldt.",
            "sv": "Skanningsresultat: mindre fynd gör den högst delvis uppfylld.",
        },
    ),
    (
        r"Scanner evidence: minor findings\.",
        {"da": "Scanningsresultater: mindre fund.", "sv": "Skanningsresultat: mindre fynd."},
    ),
    (
        r"Scanner evidence: a scan could not decide, so it is not shown to be met\.",
        {
            "da": "Scanningsresultater: en scanning kunne ikke afgøre det, så det er ikke påvist, at den er opfyldt.",
            "sv": "Skanningsresultat: en skanning kunde inte avgöra det, så det är inte visat att den är uppfylld.",
        },
    ),
    (
        r"Scanner evidence: a scan could not decide\.",
        {
            "da": "Scanningsresultater: en scanning kunne ikke afgøre det.",
            "sv": "Skanningsresultat: en skanning kunde inte avgöra det.",
        },
    ),
    (
        r"Scanner evidence: findings covered by an accepted risk\.",
        {
            "da": "Scanningsresultater: fund dækket af en accepteret risiko.",
            "sv": "Skanningsresultat: fynd som täcks av en accepterad risk.",
        },
    ),
    (
        r"Scanner evidence: no findings \(which alone never makes it met\)\.",
        {
            "da": "Scanningsresultater: ingen fund (hvilket alene aldrig gør den opfyldt).",
            "sv": "Skanningsresultat: inga fynd (vilket ensamt aldrig gör den uppfylld).",
        },
    ),
]
OWN_RESULTS = {
    "da": "{status} ud fra reglernes resultater ({tally}).",
    "sv": "{status} utifrån reglernas resultat ({tally}).",
}
OWN_PATTERN = re.compile(
    r"(Met|Not met|Partial|Unknown|Pending|Not applicable|Accepted) from its rules' results \((.*?)\)\."
)


def _named_controls(text: str, a: Assessment, lang: str) -> str:
    """Other controls named in an explanation ("ID (title)"), with their titles translated."""
    if lang == "en" or "(" not in text:
        return text
    for cid, other in a.controls.items():
        named = f"{cid} ({other.title})"
        if named in text:
            text = text.replace(named, f"{cid} ({control_title(lang, cid, other.title)[0]})")
    return text


def translated_control_explanation(text: str, lang: str) -> str:
    """A control's explanation with its sentences in the report's language."""
    if lang == "en":
        return text
    statuses = TEXTS[lang]["control_statuses"]
    outcomes = {**TEXTS[lang]["outcomes"], "not applicable": statuses["not_applicable"]}

    def own(m: re.Match[str]) -> str:
        status = statuses[m.group(1).lower().replace(" ", "_")]
        tally = re.sub(
            r"\b(not applicable|pass|fail|unknown|accepted|pending)\b",
            lambda w: outcomes[w.group(1)],
            m.group(2),
        )
        return OWN_RESULTS[lang].format(status=status[:1].upper() + status[1:], tally=tally)

    text = OWN_PATTERN.sub(own, text)
    for pattern, replacements in CONTROL_SENTENCES:
        text = re.sub(pattern, replacements[lang], text)
    return text


def refusing_fetcher(refused: list[str]) -> Any:
    """A WeasyPrint URL fetcher that fetches nothing and records what was asked: the report is
    self-contained, and a URL in user content must never make the renderer read a file or reach a
    network."""
    from weasyprint.urls import URLFetcher

    class RefusingFetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            refused.append(url)
            raise ValueError(f"the report fetches nothing: {url}")

    return RefusingFetcher(allowed_protocols=())


def _environment() -> Environment:
    return Environment(
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_html(
    a: Assessment,
    lang: str = "en",
    data_sha256: str | None = None,
    signer: str | None = None,
    *,
    self_signed: str | None = None,
    recomputed: bool = True,
) -> str:
    """The report as one self-contained HTML document; `data_sha256` is the digest of the
    assessment JSON embedded in the PDF, shown on the cover so that a verifier can match them,
    `signer` the name of who signs it, `self_signed` the SHA-256 fingerprint of a self-signed
    signing certificate (the cover asks the reader to check it), and `recomputed` False when the
    results are shown as a saved assessment gives them, without recomputing them."""
    if lang not in LANGUAGES:
        raise ValueError(f"no report texts for language '{lang}' (available: {', '.join(LANGUAGES)})")
    root = reports_root()
    template = _environment().from_string(root.joinpath("report.html").read_text(encoding="utf-8"))
    parties = {p["id"]: p for p in a.solution.get("parties", [])}
    controller = parties.get(a.solution["controller"]["party"], {}).get(
        "name", a.solution["controller"]["party"]
    )
    supplier_id = a.solution.get("supplier")
    supplier = parties.get(supplier_id, {}).get("name", supplier_id) if supplier_id else None
    rank = {Severity.CRITICAL: 0, Severity.HIGH: 1, Severity.MEDIUM: 2, Severity.LOW: 3}
    failing = [f for f in a.findings if f.status in (Outcome.FAIL, Outcome.UNKNOWN)]
    top_risks = [
        _row([f], lang)
        for f in sorted(failing, key=lambda f: (rank[f.severity], f.status is not Outcome.FAIL, f.rule_id))[
            :10
        ]
    ]
    by_framework: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for cid, c in a.controls.items():
        title, title_en = control_title(lang, cid, c.title)
        by_framework[c.framework].append(
            {
                "citation": c.citation,
                "title": title,
                "title_en": title_en,
                "status": c.status.value,
                "explanation": _named_controls(translated_control_explanation(c.explanation, lang), a, lang),
            }
        )
    return template.render(
        a=a,
        data_sha256=data_sha256,
        signer=signer,
        self_signed=self_signed,
        recomputed=recomputed,
        t=TEXTS[lang],
        lang=lang,
        css=root.joinpath("report.css").read_text(encoding="utf-8"),
        tool=f"{a.tool.name} {a.tool.version}",
        controller=controller,
        supplier=supplier,
        open_findings=_grouped_findings(a, lang),
        verdict_reasons=_verdict_reasons(a, lang),
        dpia_rows=_dpia_rows(a, lang),
        dpia_reasons=[dpia_reason(lang, r) for r in a.dpia.reasons],
        method_scoring=TEXTS[lang]["method_scoring"].format(
            points=", ".join(
                f"{TEXTS[lang]['severities'].get(k, k)} {v}"
                for k, v in a.scoring.get("severity_points", {}).items()
            )
        ),
        method_verdict=TEXTS[lang]["method_verdict"].format(threshold=f"{NOT_READY_BELOW:g}"),
        pack_rules=Counter(r.pack for r in a.rules.values()),
        facts_to_state=_facts_to_state(a),
        statuses=[s.value for s in ControlStatus],
        top_risks=top_risks,
        risks=a.solution.get("accepted_risks", []),
        controls_by_framework=sorted(by_framework.items()),
        record=_record(a),
        score_chart=score_chart(a),
        coverage_chart=coverage_chart(a, TEXTS[lang]["control_statuses"]),
        diagram=flow_diagram(a),
        flow_legend=flow_legend(a),
    )


def _dpia_rows(a: Assessment, lang: str) -> list[dict[str, Any]]:
    """The screening's criteria as the report lists them, in its language."""
    rows = []
    for c in a.dpia.criteria + a.dpia.per_se + a.dpia.national:
        title, in_english = dpia_title(lang, c.id, c.title)
        rows.append(
            {
                "label": f"{c.id} {title}",
                "en": in_english,
                "met": c.met,
                "reasons": "; ".join(dpia_reason(lang, r) for r in c.reasons),
            }
        )
    return rows


def _label(f: Finding) -> str:
    return f"{f.target.kind.value} {f.target.id}" if f.target else ""


def _row(group: list[Finding], lang: str) -> dict[str, Any]:
    """One line of the findings: a rule's result with the same explanation on every target it
    lists, its texts in the report's language."""
    first = group[0]
    text = rule_text(lang, first.rule_id, first.title, first.remediation)
    return {
        "rule_id": first.rule_id,
        "title": text.title,
        "title_en": text.title_in_english,
        "remediation": text.remediation,
        "remediation_en": text.remediation_in_english,
        "status": first.status.value,
        "severity": first.severity.value,
        "targets": [_label(f) for f in group if f.target],
        "explanation": translated_explanation(first.explanation, lang),
        "national": first.national_citation,
    }


def _grouped_findings(a: Assessment, lang: str) -> list[tuple[str, list[dict[str, Any]]]]:
    """Findings to act on by provision; a rule whose result and explanation repeat on many
    targets (the same missing fact on every flow, say) is one line listing the targets."""
    groups: dict[str, dict[tuple[str, str, str], list[Finding]]] = defaultdict(dict)
    for f in a.findings:
        if f.status in SHOWN:
            groups[f.citation].setdefault((f.rule_id, f.status.value, f.explanation), []).append(f)
    return [(c, [_row(g, lang) for g in groups[c].values()]) for c in a.provisions if c in groups]


def _verdict_reasons(a: Assessment, lang: str) -> list[str]:
    """The reasons for the verdict in the report's language, from the same facts the engine
    decided it on: critical failures and unknowns, the score threshold, the open items."""
    t = TEXTS[lang]["reasons_text"]
    outcomes = TEXTS[lang]["outcomes"]
    reasons = []
    for f in a.findings:
        if f.severity is Severity.CRITICAL and f.status in (Outcome.FAIL, Outcome.UNKNOWN):
            row = _row([f], lang)
            target = f" ({row['targets'][0]})" if row["targets"] else ""
            title = f"{t_marker(lang, row['title_en'])}{row['title']}{target}"
            reasons.append(t["critical"].format(status=outcomes[row["status"]], rule=f.rule_id, title=title))
    if a.score < NOT_READY_BELOW:
        reasons.append(t["below"].format(score=f"{a.score:g}", threshold=f"{NOT_READY_BELOW:g}"))
    if reasons:
        return reasons
    c = a.counts
    parts = [
        f"{n} {t[key]}"
        for n, key in ((c.fail, "failed"), (c.unknown, "unknown"), (c.accepted, "accepted"))
        if n
    ]
    return [t["open"].format(parts=", ".join(parts))] if parts else [t["all_pass"]]


def translated_explanation(text: str, lang: str) -> str:
    """An engine explanation with its frame words in the report's language; the fact names and
    values stay as the solution file writes them."""
    words: dict[str, str] = TEXTS[lang]["explanation_words"]
    if not words:
        return text
    ops: dict[str, str] = TEXTS[lang]["op_words"]
    pattern = "|".join(re.escape(w) for w in sorted(ops, key=len, reverse=True))
    for english, local in words.items():
        text = text.replace(english, local)
    marker = re.escape(words["; test: "])
    return re.sub(rf"(?<={marker})({pattern})\b", lambda m: ops[m.group(1)], text)


def t_marker(lang: str, in_english: bool) -> str:
    """The mark before a text that fell back to English in a Danish or Swedish report."""
    return f"{TEXTS[lang]['en_marker']} " if in_english and lang != "en" else ""


def _facts_to_state(a: Assessment, limit: int = 12) -> list[tuple[str, int]]:
    """The missing facts that decide the most unknown results."""
    counts: Counter[str] = Counter()
    for f in a.findings:
        if f.status is Outcome.UNKNOWN:
            counts.update(f.to_state)
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]


def _joined(item: dict[str, Any], key: str) -> str:
    return ", ".join(item.get(key) or []) or "-"


def _record(a: Assessment) -> list[dict[str, str]]:
    """The Art. 30(1) entries the personal-data flows describe."""
    nodes = {p["id"]: p.get("name", p["id"]) for p in a.solution.get("parties", [])}
    nodes.update({s["id"]: s.get("name", s["id"]) for s in a.solution.get("systems", [])})
    out = []
    for flow in a.solution.get("flows", []):
        if derive_flow(dict(flow)).get("personal_data") is False:
            continue  # listed when it carries personal data, or might

        countries = sorted({*(flow.get("storage_countries") or []), *(flow.get("access_countries") or [])})
        out.append(
            {
                "name": flow["name"],
                "purposes": _joined(flow, "purposes"),
                "subjects": _joined(flow, "data_subjects"),
                "categories": _joined(flow, "data_categories"),
                "recipient": nodes.get(flow["destination"], flow["destination"]),
                "retention": flow.get("retention") or "-",
                "countries": ", ".join(countries) or "-",
            }
        )
    return out


def render_pdf(
    html: str, assessment_json: str | None = None, created: datetime.datetime | None = None
) -> tuple[bytes, list[str]]:
    """The PDF (PDF/A-3b, tagged) of a report's HTML, with the assessment JSON embedded as its
    associated data file when given, and the URLs the renderer asked for and was refused."""
    from weasyprint import HTML, Attachment

    refused: list[str] = []
    fetcher = refusing_fetcher(refused)
    attachments = []
    if assessment_json is not None:
        attachments.append(
            Attachment(
                string=assessment_json,
                name="assessment.json",
                description="The assessment this report shows, as JSON",
                relationship="Data",
                url_fetcher=fetcher,
                created=created,
                modified=created,
            )
        )
    pdf = HTML(string=html, url_fetcher=fetcher, base_url="about:blank").write_pdf(
        pdf_variant="pdf/a-3b", pdf_tags=True, attachments=attachments, finisher=without_object_streams
    )
    assert pdf is not None
    return bytes(pdf), refused


def without_object_streams(document: Any, pdf: Any) -> None:
    """Write every object on its own (streams stay compressed), not packed into one object stream:
    pyHanko re-reads an object stream's whole index for each object it takes from it, so checking
    the later revisions of a tagged report of thousands of objects took seconds per object stream
    access (13 s for a 17-page report) and grows with the square of its size."""
    write = pdf.write

    def write_plain(
        output: Any, version: bytes = b"1.7", identifier: Any = False, compress: bool = False
    ) -> Any:
        return write(output, version, identifier, False)

    pdf.write = write_plain


def report_pdf(
    a: Assessment,
    lang: str = "en",
    signer: str | None = None,
    *,
    self_signed: str | None = None,
    recomputed: bool = True,
) -> bytes:
    """The PDF report of an assessment (unsigned), the assessment embedded and its digest shown;
    `self_signed` and `recomputed` as for `render_html`."""
    data = a.model_dump_json(indent=2, by_alias=True) + "\n"
    digest = hashlib.sha256(data.encode("utf-8")).hexdigest()
    # The attachment is dated by the assessment, not the clock: the same assessment gives the
    # same PDF bytes (the signature then adds its own time).
    as_of = datetime.datetime.combine(a.as_of, datetime.time(0), tzinfo=datetime.UTC)
    html = render_html(a, lang, digest, signer, self_signed=self_signed, recomputed=recomputed)
    pdf, _refused = render_pdf(html, data, as_of)
    return pdf
