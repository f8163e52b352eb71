"""`edgeopt check RUN_DIR --baseline baseline.yaml`: the CI accuracy-regression gate."""

from __future__ import annotations

from pathlib import Path

import click

from edgeopt.errors import EXIT_GATE_FAILED


@click.command()
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--baseline", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Baseline YAML.")
@click.option("--update-baseline", is_flag=True, help="Write or refresh this run's entries instead of checking.")
@click.option("--tolerance", type=click.FloatRange(0, 1), default=0.005, show_default=True, help="top-1, absolute.")
@click.option("--size-tolerance", type=click.FloatRange(0), default=0.01, show_default=True, help="Relative.")
@click.option(
    "--latency-tolerance",
    type=click.FloatRange(0),
    default=0.25,
    show_default=True,
    help="Relative change of p50 / float32 p50 (same run, same format).",
)
@click.option("--allow-improvement", is_flag=True, help="Only regressions fail (default: any change beyond tolerance).")
@click.option("--junit", type=click.Path(dir_okay=False, path_type=Path), help="Write JUnit XML here.")
@click.option("--md", type=click.Path(dir_okay=False, path_type=Path), help="Write a markdown summary here.")
def check(
    run_dir, baseline, update_baseline, tolerance, size_tolerance, latency_tolerance, allow_improvement, junit, md
) -> None:
    """Compare RUN_DIR's report.json with BASELINE. Exit 0 if every check holds, 1 on a regression or a missing
    entry (with the hint to --update-baseline)."""
    from edgeopt.atomic import write_text
    from edgeopt.gate.baseline import Tolerances, compare, load_baseline, save_baseline, update
    from edgeopt.gate.junit import junit_xml, markdown
    from edgeopt.pipeline.run_dir import RunDir

    report = RunDir(run_dir).read_report()
    existing = load_baseline(baseline)
    if update_baseline:
        entries = update(existing, report)
        save_baseline(baseline, entries)
        click.echo(f"{baseline}: {len(report['artifacts'])} entries from {run_dir} recorded ({len(entries)} in all)")
        return
    outcomes = compare(existing, report, Tolerances(tolerance, size_tolerance, latency_tolerance, allow_improvement))
    if junit:
        write_text(junit, junit_xml(outcomes, f"edgeopt.{report['recipe']}"))
    if md:
        write_text(md, markdown(outcomes, str(baseline)))
    failed = [c for o in outcomes for c in o.failed]
    for o in outcomes:
        for c in o.checks:
            click.echo(f"{c.status:>11}  {o.key['artifact']:<15} {c.metric:<14} {c.message}")
    if failed:
        click.echo(f"{len(failed)} check(s) failed", err=True)
        click.get_current_context().exit(EXIT_GATE_FAILED)
