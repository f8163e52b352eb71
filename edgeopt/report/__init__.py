"""report.json (machine-readable, versioned) and report.md (for people), from the stages' committed results."""

REPORT_SCHEMA_VERSION = 1
