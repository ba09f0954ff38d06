"""DPIA screening: WP248 criteria, Art. 35(3) per-se cases, Danish and Swedish Art. 35(4) lists.

Pure functions of the solution's facts and the assessment date. Every answer is three-valued:
a criterion whose facts are missing is *unknown*, and "DPIA required?" is unknown when the
known facts cannot settle it. "Required" and "missing" are separate questions.

Decision (documented in docs/dpia.md):
  required = any Art. 35(3) case
          or any national-list item for the solution's jurisdiction
          or (at least two WP248 criteria and not the Recital 91 exception)
WP248 rev.01 (section III.B.a) says processing that meets two criteria requires a DPIA "in most
cases"; its own example of a required DPIA, an employer systematically monitoring its employees
(C3 and C7), needs no large scale. The one exception it names comes from GDPR Recital 91: the
processing of patients' or clients' data by an individual physician, other health-care
professional or lawyer is not large scale, so the two criteria it meets (C4 and C7) alone do not
require a DPIA. The exception holds only for such a controller
(`controller.individual_professional`, never a public authority) and only while no criterion
besides C4 and C7 is met; it is never generalised to other pairs of criteria.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from compliance.core.facts import Facts, SolutionFacts, Truth, all_true, any_true, lookup, not_
from compliance.core.messages import N_, NP_, Format, Message, say, say_n
from compliance.core.models.assessment import Criterion, DpiaScreening, DpiaStatusInfo

DPIA_REVIEW_PERIOD = timedelta(days=3 * 365)  # our policy for "regularly re-assessed" (docs/dpia.md)


@dataclass(frozen=True)
class CriterionDef:
    """A screening criterion: id, title, its test on one flow's facts, and the stated facts of a
    flow the test rests on (asked for when they are missing)."""

    id: str
    title: str
    test: Callable[[Facts], Truth]
    facts: tuple[str, ...] = ()


def _automated(flow: Facts) -> Facts:
    return flow.get("automated_decision") or {}


# The stated facts that decide large scale (compliance/core/facts.py, `large_scale`): the number of
# people, or their share of the relevant population. Extent and duration never decide alone.
SCALE_FACTS = ("scale.subjects", "scale.population_share")

# The criteria Recital 91's individual professional meets: sensitive data (C4) of patients or
# clients (C7). The exception never covers any other criterion.
RECITAL_91_CRITERIA = frozenset({"C4", "C7"})


WP248 = [
    CriterionDef(
        "C1",
        N_("Evaluation or scoring, including profiling"),
        lambda f: any_true([f.get("profiling"), _contains(f.get("purposes"), "profiling")]),
        facts=("profiling", "purposes"),
    ),
    CriterionDef(
        "C2",
        N_("Automated decision with legal or similar significant effect"),
        lambda f: all_true(
            [_automated(f).get("solely_automated"), _automated(f).get("legal_or_similar_effect")]
        ),
        facts=("automated_decision.solely_automated", "automated_decision.legal_or_similar_effect"),
    ),
    CriterionDef(
        "C3",
        N_("Systematic monitoring, including of publicly accessible areas"),
        lambda f: any_true([f.get("public_area_monitoring"), f.get("systematic_monitoring")]),
        facts=("public_area_monitoring", "systematic_monitoring"),
    ),
    CriterionDef(
        "C4",
        N_("Sensitive or highly personal data (Art. 9 and 10, location, financial, private life)"),
        lambda f: any_true(
            [f["special_categories"], f["criminal_data"], f["location_data"], f["highly_personal"]]
        ),
        facts=("data_categories",),
    ),
    CriterionDef(
        "C5",
        N_("Data processed on a large scale"),
        lambda f: f["large_scale"],
        facts=SCALE_FACTS,
    ),
    CriterionDef(
        "C6",
        N_("Matching or combining data sets"),
        lambda f: f.get("combines_datasets"),
        facts=("combines_datasets",),
    ),
    CriterionDef(
        "C7",
        N_("Data concerning vulnerable data subjects"),
        lambda f: f["vulnerable_subjects"],
        facts=("data_subjects",),
    ),
    CriterionDef(
        "C8",
        N_("Innovative use or new technological solutions"),
        lambda f: f["innovative_technology"],
        facts=("technologies",),
    ),
    CriterionDef(
        "C9",
        N_("Processing that prevents exercising a right or using a service or contract"),
        lambda f: f.get("prevents_right_or_service"),
        facts=("prevents_right_or_service",),
    ),
]

PER_SE = [
    CriterionDef(
        "Art. 35(3)(a)",
        N_("Systematic and extensive evaluation, including profiling, with legal or similar effects"),
        lambda f: all_true(
            [
                any_true([f.get("profiling"), _automated(f).get("solely_automated")]),
                _automated(f).get("legal_or_similar_effect"),
            ]
        ),
        facts=(
            "profiling",
            "automated_decision.solely_automated",
            "automated_decision.legal_or_similar_effect",
        ),
    ),
    CriterionDef(
        "Art. 35(3)(b)",
        N_("Large-scale processing of special categories (Art. 9(1)) or criminal data (Art. 10)"),
        lambda f: all_true([any_true([f["special_categories"], f["criminal_data"]]), f["large_scale"]]),
        facts=("data_categories", *SCALE_FACTS),
    ),
    CriterionDef(
        "Art. 35(3)(c)",
        N_("Systematic monitoring of a publicly accessible area on a large scale"),
        lambda f: all_true([f.get("public_area_monitoring"), f["large_scale"]]),
        facts=("public_area_monitoring", *SCALE_FACTS),
    ),
]


def _contains(items: list[str] | None, key: str) -> Truth:
    return None if items is None else key in items


def _genetic(f: Facts) -> Truth:
    cats = f.get("data_categories")
    return None if cats is None else any(c == "user.genetic" or c.startswith("user.genetic.") for c in cats)


# Danish list: Datatilsynet, "Liste over behandlingsaktiviteter, der altid er underlagt kravet om
# en konsekvensanalyse" (28 January 2019, GDPR Art. 35(4)). Items 1-4 are a feature together with
# at least one other WP248 criterion; item 5 is a decision on access to a product, service,
# opportunity or benefit based on some form of automated decision-making, profiling included.
# The list's further items are not encoded (docs/dpia.md). Each entry: id, title (with the item
# number, so the screening's reasons cite it), the flow test, and the criterion the feature
# itself counts as (excluded when looking for "another").
DK_ITEMS: list[tuple[CriterionDef, str | None]] = [
    (
        CriterionDef(
            "DK-1",
            N_(
                "Datatilsynet's Art. 35(4) list, item 1: biometric data for unique identification"
                " together with another criterion"
            ),
            lambda f: f["biometric_identification"],
            facts=("data_categories",),
        ),
        "C4",
    ),
    (
        CriterionDef(
            "DK-2",
            N_("Datatilsynet's Art. 35(4) list, item 2: genetic data together with another criterion"),
            _genetic,
            facts=("data_categories",),
        ),
        "C4",
    ),
    (
        CriterionDef(
            "DK-3",
            N_("Datatilsynet's Art. 35(4) list, item 3: location data together with another criterion"),
            lambda f: f["location_data"],
            facts=("data_categories",),
        ),
        "C4",
    ),
    (
        CriterionDef(
            "DK-4",
            N_(
                "Datatilsynet's Art. 35(4) list, item 4: innovative technology together with another criterion"
            ),
            lambda f: f["innovative_technology"],
            facts=("technologies",),
        ),
        "C8",
    ),
    (
        CriterionDef(
            "DK-5",
            N_(
                "Datatilsynet's Art. 35(4) list, item 5: a decision on access to a product, service or"
                " benefit based on automated decision-making, profiling included"
            ),
            lambda f: all_true(
                [
                    any_true([_automated(f).get("solely_automated"), f.get("profiling")]),
                    f.get("prevents_right_or_service"),
                ]
            ),
            facts=("automated_decision.solely_automated", "profiling", "prevents_right_or_service"),
        ),
        None,
    ),
]

SE_LIST_TITLE = N_(
    "IMY's Art. 35(4) list (förteckning enligt artikel 35.4): at least two of its points,"
    " which restate the WP248 criteria"
)


def _at_least(values: list[Truth], k: int) -> Truth:
    true = sum(v is True for v in values)
    unknown = sum(v is None for v in values)
    if true >= k:
        return True
    if true + unknown < k:
        return False
    return None


def _over_flows(defn: CriterionDef, flows: list[Facts]) -> tuple[Truth, list[str], list[str], list[str]]:
    """A criterion for the solution: met if met by any flow that carries personal data; with the
    flows that meet it, those it cannot be decided for, and the stated facts missing there."""
    values: list[Truth] = []
    met_flows: list[str] = []
    unknown_flows: list[str] = []
    missing: set[str] = set()
    for flow in flows:
        v = all_true([flow["personal_data"], defn.test(flow)])
        values.append(v)
        if v is True:
            met_flows.append(flow["id"])
        elif v is None:
            unknown_flows.append(flow["id"])
            for path in ("data_categories", *defn.facts):
                if lookup(flow, tuple(path.split("."))) is None:
                    missing.add(f"flow.{path}")
    return any_true(values) if values else False, met_flows, unknown_flows, sorted(missing)


def _criterion(defn: CriterionDef, flows: list[Facts]) -> Criterion:
    met, met_flows, unknown_flows, missing = _over_flows(defn, flows)
    if met is True:
        reasons = [
            say_n(*NP_("met by flow: {flows}", "met by flows: {flows}"), len(met_flows), flows=met_flows)
        ]
    elif met is None:
        n = len(unknown_flows)
        reasons = [
            say_n(
                *NP_(
                    "cannot tell: facts missing for flow: {flows}",
                    "cannot tell: facts missing for flows: {flows}",
                ),
                n,
                flows=unknown_flows,
            )
        ]
    else:
        reasons = [say(N_("not met by any flow that carries personal data"))]
    return Criterion(
        id=defn.id,
        title=defn.title,
        met=met,
        reasons=reasons,
        flows=met_flows,
        unknown_flows=unknown_flows,
        to_state=missing,
    )


def screen(facts: SolutionFacts, jurisdiction: str, as_of: date) -> DpiaScreening:
    """Answer "is a DPIA required?" and "does a current one exist?"."""
    flows = facts.flows
    criteria = [
        _with_scale(_criterion(c, flows), flows) if c.id == "C5" else _criterion(c, flows) for c in WP248
    ]
    per_se = [_criterion(c, flows) for c in PER_SE]
    by_id = {c.id: c.met for c in criteria}
    national: list[Criterion] = []
    if jurisdiction == "DK":
        for defn, own in DK_ITEMS:
            feature = _criterion(defn, flows)
            if own is None:
                national.append(feature)
                continue
            others = _at_least([v for k, v in by_id.items() if k != own], 1)
            met = all_true([feature.met, others])
            reasons = [*feature.reasons, _other_reason(others, own)]
            open_others = [c for c in criteria if c.id != own and c.met is None] if others is None else []
            national.append(
                Criterion(
                    id=defn.id,
                    title=defn.title,
                    met=met,
                    reasons=reasons,
                    flows=feature.flows,
                    unknown_flows=sorted(
                        {*feature.unknown_flows, *(f for c in open_others for f in c.unknown_flows)}
                    ),
                    to_state=sorted({*feature.to_state, *(f for c in open_others for f in c.to_state)}),
                )
            )
    elif jurisdiction == "SE":
        two = _at_least(list(by_id.values()), 2)
        met_ids = [k for k, v in by_id.items() if v is True]
        national.append(
            Criterion(
                id="SE-1",
                title=SE_LIST_TITLE,
                met=two,
                reasons=[
                    say(N_("criteria met: {criteria}"), criteria=met_ids)
                    if met_ids
                    else say(N_("criteria met: none"))
                ],
                flows=[],
                unknown_flows=sorted({f for c in criteria if c.met is None for f in c.unknown_flows})
                if two is None
                else [],
                to_state=sorted({f for c in criteria if c.met is None for f in c.to_state})
                if two is None
                else [],
            )
        )
    two = _at_least(list(by_id.values()), 2)
    professional = recital_91_professional(facts.solution.get("controller"))
    exception = all_true(
        [professional, *(not_(met) for key, met in by_id.items() if key not in RECITAL_91_CRITERIA)]
    )
    wp248 = all_true([two, not_(exception)])
    required = any_true([*(c.met for c in per_se), *(c.met for c in national), wp248])
    reasons = _reasons(criteria, per_se, national, two, exception, professional, required)
    if facts.solution.get("personal_data") is False:
        required, reasons = False, [say(N_("no flow carries personal data, so Art. 35 does not apply"))]
    return DpiaScreening(
        required=required,
        reasons=reasons,
        criteria=criteria,
        per_se=per_se,
        national=national,
        status=dpia_status(facts.solution.get("dpia"), as_of),
    )


def recital_91_professional(controller: Facts | None) -> Truth:
    """Whether the controller is the individual physician, other health-care professional or lawyer
    of GDPR Recital 91: as stated, and never a public authority."""
    controller = controller or {}
    return all_true([controller.get("individual_professional"), not_(controller.get("public_authority"))])


def _with_scale(criterion: Criterion, flows: list[Facts]) -> Criterion:
    """C5 with the scale of each flow that carries personal data said in its reasons: the number of
    people and their share decide; extent and duration are shown, never decide alone."""
    described = [_scale_reason(f) for f in flows if f["personal_data"] is not False and f.get("scale")]
    extra = list(described)
    if criterion.met is None:
        extra.append(
            say(
                N_(
                    "large scale is decided by the number of people: at least 5,000 is large, fewer than "
                    "1,000 is not, and in between it is large where they are at least 10 % of the "
                    "relevant population; the area and the duration alone never decide it"
                )
            )
        )
    return criterion.model_copy(update={"reasons": [*criterion.reasons, *extra]})


EXTENT_WORDS = {
    "site": N_("a single site"),
    "district": N_("a district"),
    "municipal": N_("the municipality"),
    "regional": N_("a region"),
    "national": N_("the whole country"),
    "cross_border": N_("more than one country"),
}
DURATION_WORDS = {
    "one_off": N_("once"),
    "temporary": N_("for a limited time"),
    "continuous": N_("continuously"),
}


@functools.cache
def _phrase(template: str) -> Message:
    """A message without arguments, said in the reasons of many flows: one (immutable) instance
    shared by all of them, made once."""
    return say(template)


def _scale_reason(flow: Facts) -> Message:
    scale = flow["scale"]
    subjects, share = scale.get("subjects"), scale.get("population_share")
    not_given = _phrase(N_("not given"))
    return say(
        N_(
            "flow {flow}: people: {subjects}; share of the relevant population: {share}; area: {extent}; "
            "duration: {duration}"
        ),
        flow=flow["id"],
        subjects=not_given if subjects is None else subjects,
        share=not_given if share is None else say(N_("{percent} %"), percent=round(share * 100, 2)),
        extent=_phrase(EXTENT_WORDS[scale["extent"]]) if scale.get("extent") in EXTENT_WORDS else not_given,
        duration=_phrase(DURATION_WORDS[scale["duration"]])
        if scale.get("duration") in DURATION_WORDS
        else not_given,
    )


def _other_reason(others: Truth, own: str) -> Message:
    if others is True:
        return say(N_("another criterion besides {criterion} is met"), criterion=own)
    if others is None:
        return say(N_("cannot tell whether another criterion besides {criterion} is met"), criterion=own)
    return say(N_("no other criterion besides {criterion} is met"), criterion=own)


def _reasons(
    criteria: list[Criterion],
    per_se: list[Criterion],
    national: list[Criterion],
    two: Truth,
    exception: Truth,
    professional: Truth,
    required: Truth,
) -> list[Message]:
    met = [c.id for c in criteria if c.met is True]
    unknown = [c.id for c in criteria if c.met is None]
    reasons: list[Message] = []
    reasons += [say(N_("{id}: {title}"), id=c.id, title=say(c.title)) for c in per_se if c.met is True]
    reasons += [
        say(N_("national list {id}: {title}"), id=c.id, title=say(c.title)) for c in national if c.met is True
    ]
    if unknown:
        reasons.append(
            say(
                N_(
                    "{n} of 9 WP248 criteria met ({met}); {u} cannot be decided for missing facts ({unknown})"
                ),
                n=len(met),
                met=met or say(N_("none")),
                u=len(unknown),
                unknown=unknown,
            )
        )
    elif met:
        reasons.append(say(N_("{n} of 9 WP248 criteria met ({met})"), n=len(met), met=met))
    else:
        reasons.append(say(N_("none of the 9 WP248 criteria met")))
    if two is True and exception is True:
        reasons.append(
            say(
                N_(
                    "only C4 and C7 are met, by an individual physician, other health professional or "
                    "lawyer processing patients' or clients' data: Recital 91 says such processing is not "
                    "large scale, so these two criteria alone do not require a DPIA"
                )
            )
        )
    elif two is True and exception is None and professional is None and not set(met) - RECITAL_91_CRITERIA:
        reasons.append(
            say(
                N_(
                    "two criteria are met: a DPIA is required unless the controller is an individual "
                    "physician, other health professional or lawyer processing patients' or clients' data "
                    "(Recital 91) and no other criterion is met; say whether the controller is one"
                )
            )
        )
    elif two is True and exception is False:
        reasons.append(
            say(N_("two or more WP248 criteria are met: WP248 says a DPIA is then required in most cases"))
        )
    if required is None:
        reasons.append(say(N_("the answer depends on the missing facts; supply them to settle it")))
    elif required is False:
        reasons.append(
            say(N_("no Art. 35(3) case, national-list item or combination of criteria requires a DPIA"))
        )
    return reasons


def _completion(stated: str | None) -> tuple[date, date] | None:
    """The days a stated completion allows: one day, the days of a year, or None (`unknown`)."""
    if stated is None or stated == "unknown":
        return None
    if len(stated) == 4:
        year = int(stated)
        return date(year, 1, 1), date(year, 12, 31)
    day = date.fromisoformat(stated)
    return day, day


def _stated_reason(stated: str | None) -> list[Message]:
    """What the file says of the completion when it is not one day."""
    if stated == "unknown":
        return [say(N_("the DPIA's completion date is given as unknown"))]
    if stated is not None and len(stated) == 4:
        return [say(N_("the DPIA was completed in {year}; the day is not given"), year=stated)]
    return []


def dpia_status(dpia: Facts | None, as_of: date) -> DpiaStatusInfo:
    """Whether a DPIA exists and is current on `as_of`.

    `completed_on` is a day, a year or `unknown`. A year is the interval of its days: the DPIA is
    current only if even the year's first day is within the review period, not current if even its
    last day is outside it, and otherwise unknown. `unknown` leaves currency unknown unless a review
    date or `covers_current_processing: false` decides it.
    """
    dpia = dpia or {}
    status = dpia.get("status")
    stated = dpia.get("completed_on")
    span = _completion(stated)
    completed = span[0] if span is not None and span[0] == span[1] else None
    reviewed = date.fromisoformat(dpia["last_reviewed_on"]) if dpia.get("last_reviewed_on") else None
    covers = dpia.get("covers_current_processing")
    reasons: list[Message] = []
    exists: Truth
    current: Truth
    day: dict[str, Format] = {"date": "date"}
    if status is None:
        exists = current = None
        reasons.append(say(N_("the DPIA status is not given")))
    elif status != "done":
        exists = current = False
        reasons.append(
            say(N_("no DPIA has been carried out"))
            if status == "none"
            else say(N_("the DPIA is in progress, not completed"))
        )
    else:
        reasons += _stated_reason(stated)
        exists = _exists(span, reviewed, as_of)
        # The days the later of completion and review may fall on (None: not known at all).
        if span is None:
            latest = None if reviewed is None else (reviewed, reviewed)
        else:
            latest = (max(span[0], reviewed or span[0]), max(span[1], reviewed or span[1]))
        if exists is False:
            current = False
            reasons.append(
                say(
                    N_("the DPIA's completion date {date} is after the assessment date"),
                    day,
                    date=str(completed),
                )
                if completed is not None
                else say(N_("the year of completion is after the assessment date"))
            )
        elif covers is False:
            current = False
            reasons.append(
                say(
                    N_("completed on {date}; does not cover the current processing"), day, date=str(completed)
                )
                if completed is not None
                else say(N_("the DPIA does not cover the current processing"))
            )
        elif latest is None:
            current = None
            reasons.append(
                say(
                    N_(
                        "no review date is given either, so it cannot be told whether the DPIA was "
                        "completed or reviewed within three years (Art. 35(11))"
                    )
                )
            )
        elif as_of - latest[1] > DPIA_REVIEW_PERIOD:
            # Without a review date we cannot tell whether a later review happened.
            current = False if reviewed is not None else None
            if latest[0] == latest[1]:
                template = (
                    N_("last completed or reviewed on {date}, more than three years ago (Art. 35(11))")
                    if reviewed is not None
                    else N_(
                        "last completed or reviewed on {date}, more than three years ago (Art. 35(11)); "
                        "no review date is given"
                    )
                )
                reasons.append(say(template, day, date=str(latest[0])))
            else:
                reasons.append(
                    say(N_("even the last day of that year is more than three years ago (Art. 35(11))"))
                    if reviewed is not None
                    else say(
                        N_(
                            "even the last day of that year is more than three years ago (Art. 35(11)); "
                            "no review date is given"
                        )
                    )
                )
        elif as_of - latest[0] > DPIA_REVIEW_PERIOD:
            current = None
            reasons.append(
                say(
                    N_(
                        "whether it is within three years (Art. 35(11)) depends on the day of that year; "
                        "give the date or a review date"
                    )
                )
            )
        elif exists is None:
            current = None
            reasons.append(say(N_("it cannot be told whether the DPIA was completed by the assessment date")))
        elif covers is None:
            current = None
            reasons.append(say(N_("not stated whether the DPIA covers the processing as it is now")))
        else:
            current = bool(covers)
            if completed is not None:
                reasons.append(
                    say(N_("completed on {date}; covers the current processing"), day, date=str(completed))
                )
            else:
                reasons.append(
                    say(N_("completed or reviewed within three years; covers the current processing"))
                )
    return DpiaStatusInfo(
        status=status, completed_on=completed, exists=exists, current=current, reasons=reasons
    )


def _exists(span: tuple[date, date] | None, reviewed: date | None, as_of: date) -> Truth:
    """Whether the DPIA was completed by `as_of`: from the days its completion allows, or, where they
    do not tell, from a review on or before `as_of` (a DPIA reviewed then existed)."""
    if span is not None and span[0] > as_of:
        return False
    if span is not None and span[1] <= as_of:
        return True
    return True if reviewed is not None and reviewed <= as_of else None
