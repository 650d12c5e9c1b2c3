"""`shuangsuiji draw verify RECORD.json`: OK, or the first discrepancy. Exit status 0 or 1.

Needs no database, no Django and no network; messages in Chinese unless --lang en (the catalogue is
read directly with gettext, no Django).
"""

import argparse
import gettext
import sys
from pathlib import Path

from .verify import PublicReport
from .verify_file import check_bytes, check_path

_LOCALE_DIR = Path(__file__).resolve().parents[2] / "locale"


def _translator(lang: str) -> gettext.NullTranslations:
    code = "en" if lang.lower().startswith("en") else "zh_Hans"
    return gettext.translation("django", localedir=_LOCALE_DIR, languages=[code], fallback=True)


def verify_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="shuangsuiji draw verify",
                                     description="Verify a draw record (protocol version 1).")
    parser.add_argument("record", help="the record as JSON; '-' reads standard input")
    parser.add_argument("--lang", default="zh-hans", help="zh-hans (default) or en")
    args = parser.parse_args(argv)
    tr = _translator(args.lang)
    try:
        if args.record == "-":
            stdin = getattr(sys.stdin, "buffer", None)  # absent when stdin is replaced by text
            problem, report = check_bytes(stdin.read() if stdin
                                          else sys.stdin.read().encode("utf-8"))
        else:
            problem, report = check_path(args.record)
    except ValueError as exc:  # not JSON, or not UTF-8
        print(tr.gettext("not a JSON document: {error}").format(error=exc), file=sys.stderr)
        return 2
    if problem is None:
        print("OK")
        if report is not None:
            _print_report(report, tr)
        return 0
    print(tr.gettext(problem.template).format(**problem.params))
    return 1


def _print_report(report: PublicReport, tr: gettext.NullTranslations) -> None:
    """What a public record let the verifier check, and what only an auditor can."""
    mode = (tr.gettext("public verification") if report.verification == "public"
            else tr.gettext("auditor verification"))
    print(tr.gettext("A public record ({mode}). Checked:").format(mode=mode))
    for text in report.checked:
        print("  ✓ " + tr.gettext(text))
    print(tr.gettext("Not checked (an auditor checks them with the full record):"))
    for text in report.not_checked:
        print("  – " + tr.gettext(text))
    print(tr.gettext("Check by hand:"))
    for text in report.by_hand:
        print("  · " + tr.gettext(text))
