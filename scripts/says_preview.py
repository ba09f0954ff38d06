"""Show what a pack's rules say for each of their failing and unknown cases, in each language.

    python scripts/says_preview.py PACK [PACK ...] [RULE_ID ...] [--lang en,da,sv]

For writing and reviewing the `says:` sentences of rules/packs/PACK.yaml and their translations;
`pytest tests/test_sentences.py -k PACK` checks them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from compliance.core.models.rules import Outcome
from compliance.core.ruletest import case_finding
from compliance.inputs.loader import load_packs
from compliance.outputs.sentences import say_with


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="+", metavar="PACK_OR_RULE")
    parser.add_argument("--lang", default="en,da,sv")
    args = parser.parse_args()
    packs = {p.meta.pack: p for p in load_packs()}
    chosen = [packs[n] for n in args.names if n in packs]
    rules = [n for n in args.names if n not in packs]
    for loaded, rule in [(p, r) for p in (chosen or packs.values()) for r in p.rules]:
        if rules and rule.id not in rules:
            continue
        print(f"== {rule.id} ({rule.rule.scope.value})")
        for case in rule.rule.cases:
            if case.expect not in (Outcome.FAIL, Outcome.UNKNOWN, Outcome.ACCEPTED):
                continue
            f = case_finding(rule, case, loaded.meta.law_as_of)
            print(f"  [{case.name}] {f.status.value}; deciding: {', '.join(f.deciding)}")
            for lang in args.lang.split(","):
                said = say_with(f, rule.rule.says, lang)
                if said is not None:
                    print(f"    {lang}{' (EN!)' if said[1] else ''}: {said[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
