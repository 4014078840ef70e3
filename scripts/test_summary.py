#!/usr/bin/env python3
"""The last lines of `make test`: which tests failed and why, then the totals.

CI shows only the tail of a run, so everything needed to act on a failure is repeated
here, after the fuzz slice: each failed test's name, its assertion messages, and for a
crash the crash line and the crashed thread's first frames (from `swift test`'s output,
which `make test` keeps in a log). The very last line is "Tests: N passed, N failed".

usage: test_summary.py XUNIT_XML SWIFT_TEST_LOG SWIFT_TEST_RC FUZZ_FAILED
"""
import re
import sys
import xml.etree.ElementTree as ET

FRAMES_SHOWN = 12
MESSAGES_SHOWN = 5


def crash_excerpts(log_lines):
    """The crash banners and the crashed thread's first frames, in order."""
    out, i = [], 0
    while i < len(log_lines):
        line = log_lines[i]
        if "*** Program crashed" in line or line.startswith("Fatal error") or ": Fatal error:" in line:
            out.append(line)
        m = re.match(r"^Thread \d+( \"[^\"]*\")? crashed:", line)
        if m:
            out.append(line)
            shown, j = 0, i + 1
            while j < len(log_lines) and shown < FRAMES_SHOWN:
                frame = log_lines[j]
                if re.match(r"^\s*\d+\s", frame):
                    out.append(frame[:220])
                    shown += 1
                elif frame.strip() == "" and shown > 0:
                    break
                j += 1
            i = j
            continue
        i += 1
    return out


def main():
    xml_path, log_path, rc, fuzz_failed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    try:
        cases = list(ET.parse(xml_path).getroot().iter("testcase"))
    except (OSError, ET.ParseError) as e:
        print(f"make test: no test results were written ({e})", file=sys.stderr)
        print("Tests: 0 passed, 1 failed")
        return 1
    try:
        with open(log_path, errors="replace") as f:
            log_lines = f.read().splitlines()
    except OSError:
        log_lines = []

    failed = [c for c in cases if c.find("failure") is not None or c.find("error") is not None]
    for case in failed:
        name = f"{case.get('classname')}/{case.get('name')}"
        print(f"FAILED: {name}")
        method = case.get("name")
        messages = [l for l in log_lines if "error:" in l and (f" {method}]" in l or f".{method}" in l)]
        for line in dict.fromkeys(messages[:MESSAGES_SHOWN]):
            print(f"  {line.strip()[:300]}")
    crashes = crash_excerpts(log_lines)
    if crashes:
        print("crash (from swift test's output):")
        for line in crashes:
            print(f"  {line}")

    total = len(cases) + 1  # the fuzz slice counts as one test
    n_failed = len(failed) + fuzz_failed
    if rc != 0 and n_failed == 0:
        print(f"make test: swift test failed (exit {rc}) without a failed test case; see its output above")
        n_failed = 1
    if not cases and rc == 0:
        print("make test: no test ran", file=sys.stderr)
        rc = 1
    print(f"Tests: {max(total - n_failed, 0)} passed, {n_failed} failed")
    return 0 if rc == 0 and n_failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
