"""`edgeopt check-device BUNDLE --target ...`: run a bundle's golden vectors on a device and compare."""

from __future__ import annotations

import json
from pathlib import Path

import click

from edgeopt.cli.target_options import parse, target_options
from edgeopt.errors import EXIT_GATE_FAILED


@click.command("check-device")
@click.argument("bundle", type=click.Path(exists=True, file_okay=False, path_type=Path))
@target_options
@click.option("--max-abs-diff", type=click.FloatRange(0), help="Largest output difference allowed [golden.json's].")
@click.option("--min-agreement", type=click.FloatRange(0, 1), help="Share of inputs keeping top-1 [golden.json's].")
@click.option("--timeout", type=click.FloatRange(1), default=3600, show_default=True, help="Seconds per file.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def check_device(bundle, device, max_abs_diff, min_agreement, timeout, as_json):
    """Run BUNDLE's golden inputs (golden/) through each of its files on the target and compare with the outputs
    recorded when the bundle was made. Exit 0: every file agrees; 1: a file differs beyond the tolerance or is
    not the bundled one; 2: the target runs none of the files; 3: the golden vectors are missing or corrupt;
    4: the target could not run them."""
    from edgeopt.bundle.golden import check

    result = check(bundle, parse(device, timeout=timeout), max_abs_diff, min_agreement)
    if as_json:
        click.echo(json.dumps(result, indent=2))
    else:
        m = result["machine"] or {}
        where = f"{m.get('cpu')}, {m.get('arch')}"
        if m.get("emulated") and "emulated" not in result["target"]:  # an SSH board that is the emulated Python
            where += f", emulated {m['emulated_cpu']}"
        click.echo(f"golden vectors of {bundle} on {result['target']} ({where}), {result['samples']} inputs:")
        for row in result["models"]:
            if "skipped" in row:
                click.echo(f"  {row['file']}: skipped ({row['skipped']})")
                continue
            state = "ok" if row["passed"] else "MISMATCH: " + "; ".join(row["problems"])
            figures = (
                f"agreement {row['agreement']:.4f}, max |diff| {row['max_abs_diff']:.3g}" if "agreement" in row else ""
            )
            click.echo(f"  {row['file']}: {figures} {state}")
    if not result["passed"]:
        click.get_current_context().exit(EXIT_GATE_FAILED)
