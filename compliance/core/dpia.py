"""DPIA screening: WP248 criteria, Art. 35(3) per-se cases, Danish and Swedish Art. 35(4) lists.

Pure functions of the solution's facts and the assessment date. Every answer is three-valued:
a criterion whose facts are missing is *unknown*, and "DPIA required?" is unknown when the
known facts cannot settle it. "Required" and "missing" are separate questions.

Decision (documented in docs/dpia.md):
  required = any Art. 35(3) case
          or any national-list item for the solution's jurisdiction
          or (at least two WP248 criteria and (large scale or at least three criteria))
The last line encodes WP248's "two or more criteria usually" with Recital 91's caution: two
criteria in demonstrably small-scale processing (an individual doctor's patients) do not by
themselves require a DPIA, while a third criterion does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from compliance.core.facts import Facts, SolutionFacts, Truth, all_true, any_true
from compliance.core.messages import N_, NP_, Format, Message, say, say_n
from compliance.core.models.assessment import Criterion, DpiaScreening, DpiaStatusInfo

DPIA_REVIEW_PERIOD = timedelta(days=3 * 365)  # our policy for "regularly re-assessed" (docs/dpia.md)


@dataclass(frozen=True)
class CriterionDef:
    """A screening criterion: id, title, and its test on one flow's facts."""

    id: str
    title: str
    test: Callable[[Facts], Truth]


def _automated(flow: Facts) -> Facts:
    return flow.get("automated_decision") or {}


WP248 = [
    CriterionDef(
        "C1",
        N_("Evaluation or scoring, including profiling"),
        lambda f: any_true([f.get("profiling"), _contains(f.get("purposes"), "profiling")]),
    ),
    CriterionDef(
        "C2",
        N_("Automated decision with legal or similar significant effect"),
        lambda f: all_true(
            [_automated(f).get("solely_automated"), _automated(f).get("legal_or_similar_effect")]
        ),
    ),
    CriterionDef(
        "C3",
        N_("Systematic monitoring, including of publicly accessible areas"),
        lambda f: any_true([f.get("public_area_monitoring"), f.get("systematic_monitoring")]),
    ),
    CriterionDef(
        "C4",
        N_("Sensitive or highly personal data (Art. 9 and 10, location, financial, private life)"),
        lambda f: any_true(
            [f["special_categories"], f["criminal_data"], f["location_data"], f["highly_personal"]]
        ),
    ),
    CriterionDef("C5", N_("Data processed on a large scale"), lambda f: f["large_scale"]),
    CriterionDef("C6", N_("Matching or combining data sets"), lambda f: f.get("combines_datasets")),
    CriterionDef("C7", N_("Data concerning vulnerable data subjects"), lambda f: f["vulnerable_subjects"]),
    CriterionDef(
        "C8", N_("Innovative use or new technological solutions"), lambda f: f["innovative_technology"]
    ),
    CriterionDef(
        "C9",
        N_("Processing that prevents exercising a right or using a service or contract"),
        lambda f: f.get("prevents_right_or_service"),
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
    ),
    CriterionDef(
        "Art. 35(3)(b)",
        N_("Large-scale processing of special categories (Art. 9(1)) or criminal data (Art. 10)"),
        lambda f: all_true([any_true([f["special_categories"], f["criminal_data"]]), f["large_scale"]]),
    ),
    CriterionDef(
        "Art. 35(3)(c)",
        N_("Systematic monitoring of a publicly accessible area on a large scale"),
        lambda f: all_true([f.get("public_area_monitoring"), f["large_scale"]]),
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
        ),
        "C4",
    ),
    (
        CriterionDef(
            "DK-2",
            N_("Datatilsynet's Art. 35(4) list, item 2: genetic data together with another criterion"),
            _genetic,
        ),
        "C4",
    ),
    (
        CriterionDef(
            "DK-3",
            N_("Datatilsynet's Art. 35(4) list, item 3: location data together with another criterion"),
            lambda f: f["location_data"],
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


def _over_flows(defn: CriterionDef, flows: list[Facts]) -> tuple[Truth, list[str], list[str]]:
    """A criterion for the solution: met if met by any flow that carries personal data."""
    values: list[Truth] = []
    met_flows: list[str] = []
    unknown_flows: list[str] = []
    for flow in flows:
        v = all_true([flow["personal_data"], defn.test(flow)])
        values.append(v)
        if v is True:
            met_flows.append(flow["id"])
        elif v is None:
            unknown_flows.append(flow["id"])
    return any_true(values) if values else False, met_flows, unknown_flows


def _criterion(defn: CriterionDef, flows: list[Facts]) -> Criterion:
    met, met_flows, unknown_flows = _over_flows(defn, flows)
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
    return Criterion(id=defn.id, title=defn.title, met=met, reasons=reasons, flows=met_flows)


def screen(facts: SolutionFacts, jurisdiction: str, as_of: date) -> DpiaScreening:
    """Answer "is a DPIA required?" and "does a current one exist?"."""
    flows = facts.flows
    criteria = [_criterion(c, flows) for c in WP248]
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
            national.append(
                Criterion(id=defn.id, title=defn.title, met=met, reasons=reasons, flows=feature.flows)
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
            )
        )
    values = list(by_id.values())
    wp248 = all_true([_at_least(values, 2), any_true([by_id["C5"], _at_least(values, 3)])])
    required = any_true([*(c.met for c in per_se), *(c.met for c in national), wp248])
    reasons = _reasons(criteria, per_se, national, wp248, required)
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
    wp248: Truth,
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
    if wp248 is True:
        reasons.append(
            say(N_("two or more criteria, with large scale or a third criterion: a DPIA is required"))
        )
    elif wp248 is False and len(met) == 2:
        reasons.append(
            say(
                N_(
                    "two criteria, but the processing is not large scale and no third criterion is met "
                    "(Recital 91)"
                )
            )
        )
    if required is None:
        reasons.append(say(N_("the answer depends on the missing facts; supply them to settle it")))
    elif required is False:
        reasons.append(
            say(N_("no Art. 35(3) case, national-list item or combination of criteria requires a DPIA"))
        )
    return reasons


def dpia_status(dpia: Facts | None, as_of: date) -> DpiaStatusInfo:
    """Whether a DPIA exists and is current on `as_of`."""
    dpia = dpia or {}
    status = dpia.get("status")
    completed = date.fromisoformat(dpia["completed_on"]) if dpia.get("completed_on") else None
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
        latest = max(d for d in (completed, reviewed) if d is not None)
        exists = completed is not None and completed <= as_of
        if not exists:
            current = False
            reasons.append(
                say(
                    N_("the DPIA's completion date {date} is after the assessment date"),
                    day,
                    date=str(completed),
                )
            )
        elif as_of - latest > DPIA_REVIEW_PERIOD:
            # Without a review date we cannot tell whether a later review happened.
            current = False if reviewed is not None else None
            template = (
                N_("last completed or reviewed on {date}, more than three years ago (Art. 35(11))")
                if reviewed is not None
                else N_(
                    "last completed or reviewed on {date}, more than three years ago (Art. 35(11)); "
                    "no review date is given"
                )
            )
            reasons.append(say(template, day, date=str(latest)))
        elif covers is None:
            current = None
            reasons.append(say(N_("not stated whether the DPIA covers the processing as it is now")))
        else:
            current = bool(covers)
            template = (
                N_("completed on {date}; covers the current processing")
                if covers
                else N_("completed on {date}; does not cover the current processing")
            )
            reasons.append(say(template, day, date=str(completed)))
    return DpiaStatusInfo(
        status=status, completed_on=completed, exists=exists, current=current, reasons=reasons
    )
