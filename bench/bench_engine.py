"""Benchmark of loading, assessing and the whole `compliance assess` command, by number of flows.

Generates synthetic but realistic solutions (seeded, so every run measures the same files),
writes them as YAML to a temporary folder, and times for each size the median of several runs of

  (a) load + validate  `compliance.inputs.loader.load_solution`
  (b) engine           `compliance.core.engine.assess` with the packs of `load_packs()`, loaded once
  (c) end to end       `compliance assess FILE --format json`, in-process via `compliance.cli.main`

and the flow-rule evaluations per second (flow-scope rules x flows / engine time).

    python bench/bench_engine.py [--sizes 10,100,1000,10000] [--repeat 5] [--json OUT]
                                 [--rules DIR] [--extra-flow-rules N] [--profile FLOWS]

See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import platform
import pstats
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from compliance import __version__
from compliance.cli import main as cli_main
from compliance.core import vocabulary
from compliance.core.engine import assess
from compliance.core.models.rules import Scope
from compliance.core.models.solution import CURRENT_SCHEMA_VERSION
from compliance.core.packs import LoadedPack
from compliance.inputs.loader import load_packs, load_solution

DEFAULT_SIZES = (10, 100, 1_000, 10_000)
DEFAULT_REPEAT = 5
SEED = 20_261_101
AS_OF = date(2026, 11, 1)
TARGET_FLOWS = 1_000
TARGET_SECONDS = 1.0
# Share of optional facts written: the rest are left out, so that unknowns happen.
FACT_PRESENT = 0.85

Doc = dict[str, Any]


# ---------------------------------------------------------------------------------------------
# Synthetic solutions


@dataclass(frozen=True)
class Scenario:
    """A kind of data flow met in smart-city solutions, with the values that go with it."""

    name: str
    categories: tuple[str, ...]
    subjects: tuple[str, ...]
    purposes: tuple[str, ...]
    technologies: tuple[str, ...]
    source_kind: str
    special: bool = False
    public_area: bool = False
    weight: int = 1


SCENARIOS = (
    Scenario(
        "Household energy readings",
        ("user.consumption.energy", "user.consumption.interval", "user.identifier.meter_id"),
        ("households", "residents"),
        ("energy_monitoring", "energy_billing"),
        ("smart_meter", "cloud_platform"),
        "device",
        weight=4,
    ),
    Scenario(
        "District-heating readings",
        ("user.consumption.heat", "user.identifier.customer_number", "user.contact.address"),
        ("households", "customers"),
        ("energy_billing", "utility_operations"),
        ("smart_meter", "iot_sensor"),
        "device",
        weight=3,
    ),
    Scenario(
        "Traffic camera counts",
        ("user.media.video", "user.identifier.licence_plate", "user.location.precise"),
        ("road_users", "pedestrians", "bystanders"),
        ("traffic_management", "mobility_planning"),
        ("video_analytics", "licence_plate_recognition"),
        "device",
        public_area=True,
        weight=3,
    ),
    Scenario(
        "Wi-Fi footfall counting",
        ("user.identifier.wifi_mac", "user.location.trace"),
        ("visitors", "pedestrians"),
        ("people_counting", "mobility_planning", "profiling"),
        ("wifi_tracking", "iot_sensor"),
        "device",
        public_area=True,
        weight=2,
    ),
    Scenario(
        "Home-care alarms",
        ("user.health.fall_detection", "user.behaviour.presence", "user.name", "user.identifier.cpr"),
        ("care_recipients", "elderly"),
        ("care_delivery",),
        ("iot_sensor", "ai_model"),
        "device",
        special=True,
        weight=2,
    ),
    Scenario(
        "Citizen app bookings",
        ("user.name", "user.contact.email", "user.account.username", "user.case"),
        ("citizens", "app_users"),
        ("case_handling", "communication", "service_delivery"),
        ("mobile_app", "web_portal"),
        "app",
        weight=3,
    ),
    Scenario(
        "School waste-sorting game",
        ("user.account.username", "user.behaviour.app_usage", "user.demographic.age"),
        ("pupils", "children"),
        ("service_delivery", "statistics"),
        ("mobile_app",),
        "app",
        weight=1,
    ),
    Scenario(
        "Indoor climate",
        ("non_personal.environment", "non_personal.building"),
        ("residents",),
        ("energy_monitoring", "maintenance"),
        ("iot_sensor",),
        "device",
        weight=4,
    ),
    Scenario(
        "Device telemetry",
        ("non_personal.telemetry", "user.identifier.ip_address"),
        ("contractors",),
        ("maintenance", "security"),
        ("iot_sensor", "cloud_platform"),
        "gateway",
        weight=3,
    ),
)

PARTIES: tuple[Doc, ...] = (
    {"id": "municipality", "name": "Example Kommune", "roles": ["controller"], "country": "DK"},
    {
        "id": "supplier",
        "name": "Example Smart City A/S",
        "roles": ["processor"],
        "country": "DK",
        "contract": {"in_place": True, "clauses": list("abcdefgh"), "reference": "DPA 2025-14"},
        "subprocessor_authorisation": "general_with_notice",
        "sources": {"*": {"kind": "document", "reference": "DPA 2025-14", "checked_on": "2026-03-02"}},
    },
    {
        "id": "hosting",
        "name": "Nordic Cloud Hosting AB",
        "roles": ["sub_processor"],
        "country": "SE",
        "parent_country": "US",
        "engaged_by": "supplier",
        "contract": {"in_place": True, "clauses": list("abcdefg")},
    },
    {
        "id": "support",
        "name": "Offshore Support Pvt Ltd",
        "roles": ["sub_processor"],
        "country": "IN",
        "engaged_by": "supplier",
        "remote_access_from": ["IN"],
        "transfer": {"mechanism": "scc", "transfer_impact_assessment": False},
    },
    {
        "id": "analytics",
        "name": "Mobility Analytics Inc.",
        "roles": ["processor"],
        "country": "US",
        "transfer": {"mechanism": "dpf"},
    },
    {"id": "university", "name": "Example University", "roles": ["recipient"], "country": "NO"},
)

SYSTEM_KINDS = {
    "device": ("device", "municipality"),
    "gateway": ("gateway", "supplier"),
    "app": ("app", "supplier"),
    "platform": ("cloud_service", "supplier"),
    "database": ("database", "hosting"),
    "dashboard": ("dashboard", "municipality"),
    "ai": ("ai_model", "analytics"),
}


def _maybe(rng: random.Random, doc: Doc, key: str, value: Any, p: float = FACT_PRESENT) -> None:
    if rng.random() < p:
        doc[key] = value


def _some(rng: random.Random, items: Sequence[str], low: int = 1) -> list[str]:
    k = rng.randint(min(low, len(items)), len(items))
    return sorted(rng.sample(list(items), k))


def _check_vocabulary() -> None:
    """Fail loudly, not with a validation error deep in a 6 MB file, if the vocabularies changed."""
    vocabs = {
        "categories": vocabulary.data_categories(),
        "subjects": vocabulary.data_subjects(),
        "purposes": vocabulary.purposes(),
        "technologies": vocabulary.technologies(),
    }
    for s in SCENARIOS:
        for name in vocabs:
            for key in getattr(s, name):
                if key not in vocabs[name]:
                    raise SystemExit(f"bench: scenario '{s.name}': '{key}' is not in the {name} vocabulary")


def _systems(n_flows: int) -> list[Doc]:
    """A few shared systems, plus one device group per 50 flows (large estates have many)."""
    systems: list[Doc] = []
    shared = ("gateway", "app", "platform", "database", "dashboard", "ai")
    for kind in shared:
        system_kind, operator = SYSTEM_KINDS[kind]
        locations = {"database": ["SE"], "ai": ["US"], "platform": ["DK", "DE"]}.get(kind, ["DK"])
        systems.append(
            {
                "id": kind,
                "name": f"Shared {kind}",
                "kind": system_kind,
                "operator": operator,
                "locations": locations,
            }
        )
    for i in range(max(2, n_flows // 50)):
        systems.append(
            {
                "id": f"devices-{i:04d}",
                "name": f"Sensor group {i}",
                "kind": "device",
                "operator": "municipality",
                "locations": ["DK"],
            }
        )
    return systems


def _flow(rng: random.Random, index: int, devices: list[str]) -> Doc:
    scenario = rng.choices(SCENARIOS, weights=[s.weight for s in SCENARIOS])[0]
    source = rng.choice(devices) if scenario.source_kind == "device" else scenario.source_kind
    destination = rng.choices(
        ["platform", "database", "dashboard", "ai", "support", "university"], weights=[8, 3, 3, 1, 1, 1]
    )[0]
    flow: Doc = {
        "id": f"flow-{index:05d}",
        "name": f"{scenario.name} {index} ({source} to {destination})",
        "source": source,
        "destination": destination,
    }
    # Categories are almost always given; when they are not, even `personal_data` is unknown.
    _maybe(rng, flow, "data_categories", _some(rng, scenario.categories), 0.97)
    _maybe(rng, flow, "data_subjects", _some(rng, scenario.subjects))
    _maybe(rng, flow, "purposes", _some(rng, scenario.purposes))
    basis = rng.choices(["e", "c", "a", "b", "f"], weights=[10, 3, 2, 2, 1])[0]
    _maybe(rng, flow, "lawful_basis", basis)
    if basis in ("c", "e"):
        _maybe(
            rng,
            flow,
            "legal_basis_law",
            {
                "act": "Lov om kommunernes styrelse",
                "provision": "§ 2",
                "kind": rng.choice(["general", "specific"]),
            },
            0.7,
        )
    if scenario.special:
        _maybe(rng, flow, "art9_condition", rng.choice(["h", "g", "a"]))
    _maybe(
        rng,
        flow,
        "scale",
        {
            "subjects": rng.choice([40, 400, 4_000, 40_000, 250_000]),
            "population_share": rng.choice([0.001, 0.02, 0.15, 0.4]),
            "extent": rng.choice(["site", "district", "municipal", "regional"]),
            "duration": rng.choice(["temporary", "continuous", "one_off"]),
        },
    )
    retention = rng.choice(["P30D", "P90D", "P13M", "P2Y", "P5Y", "P10Y", "indefinite"])
    _maybe(rng, flow, "retention", retention)
    if retention == "P10Y":
        _maybe(rng, flow, "retention_justification", "Bookkeeping act, five years after the year", 0.5)
    storage = rng.choices([["DK"], ["SE"], ["DK", "DE"], ["IE"], ["US"]], weights=[6, 3, 3, 2, 1])[0]
    _maybe(rng, flow, "storage_countries", storage)
    _maybe(rng, flow, "access_countries", rng.choices([["DK"], ["DK", "SE"], ["DK", "IN"]], [6, 2, 1])[0])
    encryption: Doc = {}
    _maybe(rng, encryption, "in_transit", rng.random() < 0.9)
    _maybe(rng, encryption, "at_rest", rng.random() < 0.7)
    _maybe(rng, flow, "encryption", encryption)
    _maybe(
        rng,
        flow,
        "deidentification",
        {"applied": rng.choice(["none", "pseudonymised", "anonymised"]), "method": "salted hash"},
        0.6,
    )
    _maybe(rng, flow, "profiling", "profiling" in flow.get("purposes", ()))
    _maybe(
        rng,
        flow,
        "automated_decision",
        {"solely_automated": rng.random() < 0.1, "legal_or_similar_effect": rng.random() < 0.05},
        0.5,
    )
    _maybe(rng, flow, "public_area_monitoring", scenario.public_area)
    _maybe(rng, flow, "systematic_monitoring", scenario.public_area or scenario.special, 0.7)
    _maybe(rng, flow, "combines_datasets", rng.random() < 0.2, 0.7)
    _maybe(rng, flow, "prevents_right_or_service", False, 0.6)
    _maybe(rng, flow, "technologies", _some(rng, scenario.technologies), 0.8)
    if rng.random() < 0.3:
        flow["sources"] = {
            "*": {"kind": "supplier_declaration", "reference": "Tender answer 4.2"},
            "retention": {"kind": "auditor_check", "checked_on": "2026-09-15"},
        }
    return flow


def generate(n_flows: int, seed: int = SEED) -> Doc:
    """A deterministic solution document with `n_flows` flows."""
    rng = random.Random(f"{seed}:{n_flows}")
    systems = _systems(n_flows)
    devices = [s["id"] for s in systems if s["id"].startswith("devices-")]
    flows = [_flow(rng, i, devices) for i in range(n_flows)]
    safeguard_keys = vocabulary.safeguards().keys()
    statuses = ["implemented", "implemented", "partial", "planned", "absent"]
    safeguards = [
        {"control": key, "status": rng.choice(statuses)}
        for key in safeguard_keys
        if rng.random() < FACT_PRESENT  # undeclared safeguards are unknown
    ]
    doc: Doc = {
        "schema_version": CURRENT_SCHEMA_VERSION,
        "id": f"bench-{n_flows}",
        "name": f"Synthetic smart-city estate with {n_flows} flows",
        "description": "Generated by bench/bench_engine.py; realistic in shape, not a real solution.",
        "lifecycle_stage": "pilot",
        "jurisdiction": "DK",
        "standards": ["iso27001", "etsi-en-303-645"],
        "controller": {"party": "municipality", "public_authority": True, "dpo_designated": True},
        "supplier": "supplier",
        "dpia": {
            "status": "done",
            "completed_on": "2024-03-01",
            "last_reviewed_on": "2025-09-01",
            "reference": "DPIA 2024-03",
        },
        "record_of_processing": {"entry_exists": True},
        "parties": [dict(p) for p in PARTIES],
        "systems": systems,
        "flows": flows,
        "safeguards": safeguards,
    }
    return doc


def write_synthetic_pack(packs: Sequence[LoadedPack], count: int, folder: Path) -> Path:
    """A pack of `count` flow-scope rules copied (renamed) from the loaded ones; returns its folder.

    The built-in packs are young; copies give the engine a realistic number of rules to chew on.
    """
    sources = [r for p in packs for r in p.rules if r.rule.scope is Scope.FLOW]
    if not sources:
        raise SystemExit("bench: no flow-scope rule to copy for --extra-flow-rules")
    rules = []
    for i in range(count):
        rule = sources[i % len(sources)].rule.model_dump(mode="json", exclude_none=True)
        rule["id"] = f"BENCH-{i:04d}"
        rule["title"] = f"Copy {i} of {rule['title']}"
        rules.append(rule)
    pack = {
        "pack": "bench-synthetic",
        "title": "Synthetic copies of flow-scope rules, for benchmarking",
        "version": "0.0.1",
        "law_as_of": packs[0].meta.law_as_of.isoformat(),
        "framework": "GDPR",
        "rules": rules,
    }
    pack_dir = folder / "synthetic-rules"
    pack_dir.mkdir()
    with (pack_dir / "bench-synthetic.yaml").open("w", encoding="utf-8") as fh:
        yaml.safe_dump(pack, fh, sort_keys=False, allow_unicode=True, width=100)
    return pack_dir


def write_solution(doc: Doc, folder: Path) -> Path:
    """Write a solution document as YAML; returns its path."""
    path = folder / f"solution-{len(doc['flows'])}.yaml"
    with path.open("w", encoding="utf-8") as fh:
        yaml.safe_dump(doc, fh, sort_keys=False, allow_unicode=True, width=100)
    return path


# ---------------------------------------------------------------------------------------------
# Measuring


@dataclass
class Timing:
    """The runs of one measurement: wall-clock and process CPU seconds."""

    runs: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        """The median wall-clock run."""
        return statistics.median(self.runs)

    @property
    def cpu_median(self) -> float:
        """The median CPU time (less disturbed than wall-clock time by other work on the machine)."""
        return statistics.median(self.cpu)


@dataclass
class SizeResult:
    """Every measurement for one solution size."""

    flows: int
    file_bytes: int
    flow_rules: int
    findings: int
    load: Timing
    engine: Timing
    cli: Timing

    @property
    def evaluations_per_second(self) -> float:
        """Flow-rule evaluations per second of engine time."""
        return self.flow_rules * self.flows / self.engine.median if self.engine.median else 0.0


def _time(fn: Callable[[], object], repeat: int) -> Timing:
    timing = Timing()
    for _ in range(repeat):
        gc.collect()
        start, cpu_start = time.perf_counter(), time.process_time()
        fn()
        timing.runs.append(time.perf_counter() - start)
        timing.cpu.append(time.process_time() - cpu_start)
    return timing


def _run_cli(path: Path, extra: Sequence[str]) -> None:
    """`compliance assess FILE --format json > FILE.json`: the JSON printed to a file beside the
    solution, through a text stream with a binary buffer as standard output has one (the command
    writes its bytes to the buffer; an `io.StringIO` would add a decoding the command never does)."""
    argv = ["assess", str(path), "--format", "json", "--as-of", AS_OF.isoformat(), *extra]
    with path.with_suffix(".out.json").open("w", encoding="utf-8") as out:
        code = cli_main(argv, out=out)
    if code != 0:
        raise SystemExit(f"bench: `compliance {' '.join(argv)}` exited with {code}")


def measure(
    path: Path, n_flows: int, packs: Sequence[LoadedPack], repeat: int, rule_dirs: Sequence[Path]
) -> SizeResult:
    """Time loading, the engine and the CLI for one solution file."""
    loaded = load_solution(path)  # also a warm-up; the timed runs follow
    solution = loaded.solution
    assessment = assess(solution, packs, AS_OF)
    extra = [arg for d in rule_dirs for arg in ("--rules", str(d))]
    _run_cli(path, extra)
    flow_rules = sum(1 for p in packs for r in p.rules if r.rule.scope is Scope.FLOW)
    return SizeResult(
        flows=n_flows,
        file_bytes=path.stat().st_size,
        flow_rules=flow_rules,
        # Every result, those of rules that do not apply included (the assessment groups them).
        findings=sum(assessment.counts.model_dump().values()),
        load=_time(lambda: load_solution(path), repeat),
        engine=_time(lambda: assess(solution, packs, AS_OF), repeat),
        cli=_time(lambda: _run_cli(path, extra), repeat),
    )


# ---------------------------------------------------------------------------------------------
# Reporting


def _seconds(value: float) -> str:
    return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"


def markdown(results: Sequence[SizeResult]) -> str:
    """The results as a Markdown table, with the per-flow cost to show how it grows."""
    lines = [
        "| flows | file | results | load + validate | engine | CLI end to end | CLI CPU time "
        "| CLI per flow | flow-rule evals/s |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.flows:,} | {r.file_bytes / 1024:,.0f} KiB | {r.findings:,} | {_seconds(r.load.median)} "
            f"| {_seconds(r.engine.median)} | {_seconds(r.cli.median)} | {_seconds(r.cli.cpu_median)} "
            f"| {r.cli.median / r.flows * 1e6:,.0f} µs | {r.evaluations_per_second:,.0f} |"
        )
    return "\n".join(lines)


def verdict_lines(results: Sequence[SizeResult]) -> list[str]:
    """Whether the target holds: 1,000 flows end to end under 1 s, and linear growth."""
    lines: list[str] = []
    at_target = [r for r in results if r.flows == TARGET_FLOWS]
    if at_target:
        t, cpu = at_target[0].cli.median, at_target[0].cli.cpu_median
        ok = "met" if t < TARGET_SECONDS else "NOT met"
        lines.append(
            f"Target {TARGET_FLOWS:,} flows end to end under {TARGET_SECONDS:g} s: {ok} "
            f"({_seconds(t)} wall clock, {_seconds(cpu)} CPU)."
        )
    if len(results) >= 2:
        # Compare the two largest sizes: at small sizes fixed costs (loading the packs) dominate.
        small, large = sorted(results, key=lambda r: r.flows)[-2:]
        factor = large.flows / small.flows
        stages = (
            ("load", small.load.median, large.load.median),
            ("engine", small.engine.median, large.engine.median),
            ("CLI", small.cli.median, large.cli.median),
            ("CLI CPU", small.cli.cpu_median, large.cli.cpu_median),
        )
        growth = ", ".join(f"{name} x{b / a:.1f}" for name, a, b in stages if a > 0)
        lines.append(
            f"From {small.flows:,} to {large.flows:,} flows (x{factor:g}) the times grew: {growth} "
            f"(x{factor:g} is linear)."
        )
    return lines


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    return {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "compliance_engine": __version__,
        "libyaml": bool(getattr(yaml, "__with_libyaml__", False)),
    }


def to_json(results: Sequence[SizeResult], repeat: int) -> dict[str, Any]:
    """Every run, for comparing machines or commits."""
    return {
        "machine": machine(),
        "as_of": AS_OF.isoformat(),
        "seed": SEED,
        "repeat": repeat,
        "results": [
            {
                **{k: v for k, v in asdict(r).items() if k not in ("load", "engine", "cli")},
                **{
                    f"{name}_s": {
                        "median": t.median,
                        "runs": t.runs,
                        "cpu_median": t.cpu_median,
                        "cpu_runs": t.cpu,
                    }
                    for name, t in (("load", r.load), ("engine", r.engine), ("cli", r.cli))
                },
                "flow_rule_evaluations_per_s": r.evaluations_per_second,
            }
            for r in results
        ],
    }


def profile(path: Path, rule_dirs: Sequence[Path], top: int = 30) -> str:
    """cProfile of one end-to-end CLI run, sorted by own time."""
    extra = [arg for d in rule_dirs for arg in ("--rules", str(d))]
    profiler = cProfile.Profile()
    profiler.enable()
    _run_cli(path, extra)
    profiler.disable()
    buffer = io.StringIO()
    stats = pstats.Stats(profiler, stream=buffer)
    stats.sort_stats(pstats.SortKey.TIME).print_stats(top)
    stats.sort_stats(pstats.SortKey.CUMULATIVE).print_stats(top)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a comma-separated list of numbers") from None
    if not sizes or any(n < 1 for n in sizes):
        raise argparse.ArgumentTypeError("sizes must be positive numbers of flows")
    return sizes


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The benchmark's options."""
    parser = argparse.ArgumentParser(
        prog="bench_engine.py", description="Benchmark loading, the engine and `compliance assess`."
    )
    default = ",".join(str(n) for n in DEFAULT_SIZES)
    parser.add_argument(
        "--sizes", type=_sizes, default=list(DEFAULT_SIZES), help=f"numbers of flows (default {default})"
    )
    parser.add_argument(
        "--repeat",
        type=_positive,
        default=DEFAULT_REPEAT,
        help=f"runs per measurement (default {DEFAULT_REPEAT})",
    )
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write every run as JSON to OUT")
    parser.add_argument(
        "--rules",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="add the rule packs in DIR, as `compliance assess --rules` does",
    )
    parser.add_argument(
        "--extra-flow-rules",
        type=_count,
        default=0,
        metavar="N",
        help="add N flow-scope rules copied from the loaded packs (a fuller pack than today's)",
    )
    parser.add_argument(
        "--profile",
        type=_positive,
        metavar="FLOWS",
        help="instead of timing, print a cProfile of one CLI run at FLOWS flows",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Generate, measure, print."""
    args = build_parser().parse_args(argv)
    _check_vocabulary()
    with tempfile.TemporaryDirectory(prefix="compliance-bench-") as tmp:
        folder = Path(tmp)
        rule_dirs: list[Path] = list(args.rules)
        packs = load_packs(rule_dirs)
        if args.extra_flow_rules > 0:
            rule_dirs.append(write_synthetic_pack(packs, args.extra_flow_rules, folder))
            packs = load_packs(rule_dirs)
        flow_rules = [r for p in packs for r in p.rules if r.rule.scope is Scope.FLOW]
        if args.profile:
            path = write_solution(generate(args.profile), folder)
            print(profile(path, rule_dirs))
            return 0
        results: list[SizeResult] = []
        for n in args.sizes:
            path = write_solution(generate(n), folder)
            print(
                f"measuring {n:,} flows ({path.stat().st_size / 1024:,.0f} KiB) ...",
                file=sys.stderr,
                flush=True,
            )
            results.append(measure(path, n, packs, args.repeat, rule_dirs))
    info = machine()
    rules_total = sum(len(p.rules) for p in packs)
    print(
        f"compliance-engine {info['compliance_engine']}, Python {info['python']}, {info['cpus']} CPUs, "
        f"{rules_total} rules ({len(flow_rules)} flow-scope) in {len(packs)} pack(s), "
        f"median of {args.repeat} runs\n"
    )
    print(markdown(results))
    print()
    for line in verdict_lines(results):
        print(line)
    if args.json:
        args.json.write_text(json.dumps(to_json(results, args.repeat), indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
