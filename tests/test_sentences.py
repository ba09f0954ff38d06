"""Every rule says its failures and unknown results in words, in English, Danish and Swedish.

For each shipped rule, every case of its own that fails or stays unknown is evaluated and said in
the three languages; a sentence fails the test when it keeps a placeholder, names a field or a
value code, fills in a fact that has no value, or lacks the value (in words) of a fact that decided the
failure (a yes/no fact is said by the sentence itself); and no two rules may share a sentence.
"""

from __future__ import annotations

import re
from collections import defaultdict

import pytest

from compliance.core.facts import registry
from compliance.core.models.rules import PLACEHOLDER, Outcome
from compliance.core.ruletest import case_finding
from compliance.inputs.loader import load_packs
from compliance.outputs.sentences import say_with, templates, value_text

LANGS = ("en", "da", "sv")
PACKS = {p.meta.pack: p for p in load_packs()}
# A field path or a code in a sentence: `flow.retention`, `transfer_impact_assessment`.
CODE = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b|\b[a-z]+\.[a-z_]+\.[a-z_.]+\b")


def _said_facts(fact: str) -> bool:
    """Whether a deciding fact's value must be in the sentence: all but yes/no facts."""
    spec = registry().get(fact)
    if fact.startswith("safeguards."):
        return True
    return spec is not None and spec.kind != "bool"


@pytest.mark.parametrize("pack", sorted(PACKS))
def test_every_rule_has_its_sentences(pack: str) -> None:
    missing = [r.id for r in PACKS[pack].rules if r.rule.says is None]
    assert not missing, f"rules without `says`: {missing}"


@pytest.mark.parametrize("pack", sorted(PACKS))
def test_every_failure_and_unknown_case_is_said_with_its_values_in_every_language(pack: str) -> None:
    loaded = PACKS[pack]
    problems: list[str] = []
    for rule in loaded.rules:
        if rule.rule.says is None:
            continue
        for case in rule.rule.cases:
            if case.expect not in (Outcome.FAIL, Outcome.UNKNOWN, Outcome.ACCEPTED):
                continue
            f = case_finding(rule, case, loaded.meta.law_as_of)
            values = {t.fact: t.value for t in reversed(f.facts)}
            for lang in LANGS:
                said = say_with(f, rule.rule.says, lang)
                where = f"{rule.id} [{case.name}] {lang}"
                assert said is not None
                text, in_english = said
                if in_english:
                    problems.append(f"{where}: no current translation")
                    continue
                if "{" in text or "}" in text:
                    problems.append(f"{where}: a placeholder is left: {text}")
                codes = [c for c in CODE.findall(text) if not c.startswith("http")]
                if codes:
                    problems.append(f"{where}: names a field or code {codes}: {text}")
                chosen, _ = templates(f, rule.rule.says, lang)
                empty = [
                    n
                    for t in chosen
                    for n in re.findall(PLACEHOLDER, t)
                    if n != "target" and values.get(n) is None
                ]
                if empty:
                    problems.append(f"{where}: fills in facts that have no value {empty}: {text}")
                if f.status is Outcome.UNKNOWN:
                    continue
                for fact in f.deciding:
                    if _said_facts(fact) and value_text(fact, values.get(fact), lang) not in text:
                        problems.append(
                            f"{where}: lacks the value of {fact} "
                            f"({value_text(fact, values.get(fact), lang)!r}): {text}"
                        )
    assert not problems, "\n".join(problems)


def test_no_two_rules_share_a_sentence() -> None:
    from compliance.core.translations import says_text

    seen: dict[tuple[str, str], list[str]] = defaultdict(list)
    for loaded in PACKS.values():
        for rule in loaded.rules:
            says = rule.rule.says
            if says is None:
                continue
            for lang in LANGS:
                text = says_text(lang, rule.id, says.fail, says.unknown, says.fail_when)
                for sentence in {text.fail, text.unknown, *text.fail_when.values()}:
                    seen[(lang, " ".join(sentence.split()))].append(rule.id)
    shared = {k: v for k, v in seen.items() if len(set(v)) > 1}
    assert not shared, "\n".join(f"{lang}: {ids}: {text}" for (lang, text), ids in shared.items())
