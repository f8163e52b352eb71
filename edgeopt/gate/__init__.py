"""CI accuracy-regression gate: compare a run directory's report.json with a committed baseline."""
