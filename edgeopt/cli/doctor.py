"""`edgeopt doctor`: versions against the tested stack, each conversion route tried on a tiny model, and every
optional part as ok or missing with the exact fix."""

from __future__ import annotations

import json
import sys

import click


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the checks as JSON.")
def doctor(as_json: bool) -> None:
    """Check this machine. Exit 0: all ok; 1: the core chain works, an optional part is missing or a version is
    untested; 4: the core chain is broken."""
    from edgeopt.doctor.checks import as_json as to_json
    from edgeopt.doctor.checks import exit_code, run_checks

    checks = run_checks()
    if as_json:
        click.echo(json.dumps(to_json(checks), indent=2))
    else:
        _print(checks)
    click.get_current_context().exit(exit_code(checks))


def _print(checks) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from edgeopt.doctor.checks import exit_code

    console = Console(file=sys.stdout, width=max(120, Console().width))
    style = {"ok": "green", "missing": "yellow", "untested": "yellow", "failed": "red"}
    stack = [c for c in checks if c.kind == "stack"]
    pinned = [c for c in stack if c.status == "ok"]
    console.print(
        f"tested stack: {len(pinned)} of {len(stack)} packages at the pinned versions ("
        + ", ".join(f"{c.name} {c.detail}" for c in pinned[:7])
        + ", ...)",
        highlight=False,
    )
    for kind, title in (("core", "core chain"), ("stack", "tested stack"), ("optional", "optional parts")):
        rows = [c for c in checks if c.kind == kind and (kind != "stack" or c.status != "ok")]
        if not rows:
            continue
        table = Table(title=f"edgeopt doctor: {title}", title_justify="left")
        for h in ("part", "status", "detail", "fix"):
            table.add_column(h, overflow="fold")
        for c in rows:
            seconds = f" ({c.seconds:.1f} s)" if c.seconds is not None else ""
            table.add_row(c.name, f"[{style[c.status]}]{c.status}[/]", escape(c.detail) + seconds, escape(c.fix or ""))
        console.print(table)
    code = exit_code(checks)
    verdict = {
        0: "[green]all ok[/]",
        1: "[yellow]core chain ok; optional parts missing or untested[/]",
        4: "[red]core chain broken[/]",
    }[code]
    console.print(f"{verdict} (exit {code})")
