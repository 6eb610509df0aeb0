"""`make bench`: every benchmark, each against its baseline, printed as one table.

    python -m bench [--quick | --full] [--databases sqlite,postgres] [--hirebot auto|one|split]
                    [--only scale,slack,telegram,memory,answers,sustained,burst,startup,import,
                           pacing]

The default run builds 100,000 applicants and 1,000,000 audit rows on each database and
keeps to about ten minutes on two cores; --full repeats more and imports 100,000 CSV rows;
--quick is a smoke run on small data. Results also go to var/bench/results-<mode>.json.
`--only throughput` is slack,telegram,memory; `--hirebot` starts hirebot as one process
(`hirebot serve`) or as two (`hirebot serve --web` and `hirebot worker`); `auto`, the
default, is one process, the default deployment (bench/launch.py says why).
PostgreSQL comes from HIREBOT_BENCH_POSTGRES_URL (default: postgres on 127.0.0.1:5432);
throwaway databases are created and dropped.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench import answers, bursts, importing, launch, pacing, scale, startup, throughput
from bench.common import (
    DEFAULT,
    FULL,
    QUICK,
    WORK,
    Collected,
    Mode,
    Result,
    database,
    load_average,
    machine,
)
from bench.seed import SeedSpec, bench_config, seed, write_config
from bot.config import HirebotConfig

SECTIONS = (
    "scale",
    "slack",
    "telegram",
    "memory",
    "answers",
    "sustained",
    "burst",
    "startup",
    "import",
    "pacing",
)
ALIASES = {"throughput": ("slack", "telegram", "memory")}
# Rows the summary keeps for sections that are measured elsewhere or not yet: shown as "not
# run" until a section with that number reports (a module adds its name to SECTIONS and its
# call below when it lands).
SLOTS = {"10 pacing": "outbound pacing against a limit-enforcing fake: send rate, 429s"}
INTERVIEWERS = 500


def table(results: list[Result], mode: Mode) -> Table:
    reported = " ".join(r.section for r in results)
    results = results + [
        Result(slot, what, "not run", note="no section reports it in this run")
        for slot, what in SLOTS.items()
        if slot.split()[-1] not in reported  # "10 pacing" is filled by any "… pacing" section
    ]
    out = Table(title=f"hirebot benchmarks ({mode.name} mode)", show_lines=False)
    for column in ("", "measure", "result", "target", "", "baseline / note"):
        out.add_column(column, overflow="fold")
    for r in results:
        verdict = {"pass": "[green]pass[/green]", "MISS": "[bold red]MISS[/bold red]"}.get(
            r.verdict, ""
        )
        out.add_row(
            r.section,
            r.name,
            r.figure,
            r.target,
            verdict,
            " · ".join(x for x in (r.baseline, r.note) if x),
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="small data, one repetition")
    size.add_argument("--full", action="store_true", help="more repetitions, 100,000-row import")
    parser.add_argument("--only", default=",".join(SECTIONS), help="sections to run")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument(
        "--hirebot", choices=launch.LAYOUTS, default="auto", help="one process or web + worker"
    )
    args = parser.parse_args(argv)
    mode = QUICK if args.quick else FULL if args.full else DEFAULT
    asked = {s.strip() for s in args.only.split(",") if s.strip()}
    only = set().union(*(ALIASES.get(s, (s,)) for s in asked))
    kinds = [k.strip() for k in args.databases.split(",") if k.strip()]
    unknown = only - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    WORK.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    info = machine()
    layout = launch.resolve_layout(args.hirebot)
    info["hirebot"] = layout
    print(f"machine: {json.dumps(info)}; load average {load_average()}", flush=True)
    raw = bench_config(interviewers=INTERVIEWERS)
    config_path = write_config(WORK / "config.yaml", raw)
    config = HirebotConfig.model_validate(raw)
    interviewers = [f"iv{n:04d}" for n in range(INTERVIEWERS)]
    c = Collected()
    with contextlib.ExitStack() as stack:
        big: dict[str, str] = {}
        small: dict[str, str] = {}
        open_ids: dict[str, list[int]] = {}
        seeded = {
            "scale",
            "slack",
            "telegram",
            "memory",
            "answers",
            "sustained",
            "burst",
            "startup",
        }
        if only & seeded:
            for kind in kinds:
                big[kind] = stack.enter_context(database(kind, "big"))
                report = seed(big[kind], config, SeedSpec(mode.applicants, mode.audit))
                open_ids[kind] = report.open_ids
                c.add(
                    Result(
                        "0 seed",
                        f"{mode.applicants:,} applicants, {mode.audit:,} audit rows, {kind}",
                        f"{report.seconds:.0f} s",
                        note=", ".join(f"{t} {n:,}" for t, n in report.counts.items()),
                    )
                )
                if "scale" in only:
                    small[kind] = stack.enter_context(database(kind, "small"))
                    seed(small[kind], config, SeedSpec(mode.small_applicants, mode.small_audit))
        if "scale" in only:
            for kind in kinds:
                print(f"scale ({kind}): load average {load_average()}", flush=True)
                big_bot = scale.open_hirebot(big[kind], config)
                small_bot = scale.open_hirebot(small[kind], config)
                try:
                    scale.queries(
                        c, mode, kind, big_bot, small_bot, (mode.small_applicants, mode.applicants)
                    )
                finally:
                    small_bot.close()
                    big_bot.close()
        memory: dict[str, dict[str, float]] = {}
        if only & {"slack", "memory"}:
            throughput.slack(c, mode, big, config_path, open_ids[kinds[0]], memory, layout)
            for kind, rss in memory.items():
                for when in ("idle", "after"):
                    label = (
                        "idle, after start" if when == "idle" else "after the Slack load on 100k"
                    )
                    c.add(
                        Result(
                            "4 memory",
                            f"hirebot ({layout}) RSS {label}, {kind}",
                            f"{rss[when]:.0f} MB",
                            target=f"< {throughput.RSS_TARGET_MB:.0f} MB",
                            ok=rss[when] < throughput.RSS_TARGET_MB,
                            note="both processes added up" if layout == "split" else "",
                        )
                    )
        if "telegram" in only:
            throughput.telegram(c, mode, big, config_path, open_ids[kinds[0]], layout)
        if "answers" in only:
            answers.run(c, mode, big, config_path, layout)
        if only & {"sustained", "burst"}:
            bursts.run(c, mode, big, config_path, open_ids[kinds[0]], layout, only)
        if "startup" in only:
            startup.run(c, mode, big, config_path, layout)
        if "scale" in only:
            for kind in kinds:
                print(f"run-due ({kind}): load average {load_average()}", flush=True)
                bot = scale.open_hirebot(big[kind], config)
                try:
                    scale.run_due(
                        c, mode, kind, big[kind], bot, config_path, interviewers, open_ids[kind]
                    )
                finally:
                    bot.close()
    if "import" in only:
        print(f"import: load average {load_average()}", flush=True)
        importing.importing(c, mode.import_rows, kinds, config_path, mode.import_reps)
    if "pacing" in only:
        pacing.measure(c, mode, kinds)
    elapsed = time.perf_counter() - started
    Console(width=200).print(table(c.results, mode))
    missed = [r for r in c.results if r.ok is False]
    print(
        f"{len(c.results)} figures, {sum(r.ok is True for r in c.results)} targets met, "
        f"{len(missed)} missed; {elapsed / 60:.1f} min; load average {load_average()}"
    )
    out = WORK / f"results-{mode.name}.json"
    out.write_text(
        json.dumps(
            {
                "mode": mode.name,
                "machine": info,
                "minutes": round(elapsed / 60, 1),
                "results": [r.__dict__ for r in c.results],
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    print(f"results written to {Path(out).relative_to(WORK.parent.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
