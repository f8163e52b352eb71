"""JUnit XML (one test case per artifact and metric) and a markdown summary for a pull request."""

from __future__ import annotations

import xml.etree.ElementTree as ET


def junit_xml(outcomes, suite: str) -> str:
    checks = [c for o in outcomes for c in o.checks]
    failures = sum(c.status != "pass" for c in checks)
    root = ET.Element("testsuites", tests=str(len(checks)), failures=str(failures))
    ts = ET.SubElement(root, "testsuite", name=suite, tests=str(len(checks)), failures=str(failures))
    for o in outcomes:
        for c in o.checks:
            case = ET.SubElement(ts, "testcase", classname=f"{o.key['recipe']}.{o.key['artifact']}", name=c.metric)
            if c.status != "pass":
                ET.SubElement(case, "failure", type=c.status, message=c.message).text = c.message
            else:
                ET.SubElement(case, "system-out").text = c.message
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def markdown(outcomes, baseline: str) -> str:
    checks = [(o, c) for o in outcomes for c in o.checks]
    bad = [(o, c) for o, c in checks if c.status != "pass"]
    head = "✅ all checks pass" if not bad else f"❌ {len(bad)} of {len(checks)} checks failed"
    lines = [
        f"### edgeopt check against `{baseline}`: {head}",
        "",
        "| artifact | metric | status | detail |",
        "|---|---|---|---|",
    ]
    for o, c in checks:
        lines.append(f"| {o.key['artifact']} | {c.metric} | {c.status} | {c.message} |")
    return "\n".join(lines) + "\n"
