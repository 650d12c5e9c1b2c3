"""The `shuangsuiji` command: Django's management commands under the platform's own names.

    shuangsuiji import targets|inspectors|items FILE [--department CODE] [--all-or-nothing]
                       [--dry-run] [--json] [--map 'header=field'] [--ignore-column NAME]
    shuangsuiji export items FILE.xlsx [--department CODE]
    shuangsuiji imports expire [--minutes N]
    shuangsuiji audit verify [--anchor SEQ:HASH]... [--anchors FILE|URL]...
    shuangsuiji audit head [--json] | anchor
    shuangsuiji keys rotate [--batch N] | status | generate | public
    shuangsuiji keys verify FILE SIGNATURE [--public-key PEM]
    shuangsuiji draw verify RECORD.json   (no database needed)
    shuangsuiji draw export TASK_CODE [--public]
    shuangsuiji calendar add-workdays DATE N | is-workday DATE | between DATE DATE
    shuangsuiji notices deliver [--limit N] | remind
    shuangsuiji demo
    shuangsuiji backup [FILE] | restore FILE
    shuangsuiji migrate | runserver | ...   (any Django management command)
"""

import os
import sys

# Command names that are Python keywords or clash with Django's own are renamed here.
ALIASES = {"import": "import_data", "export": "export_data"}


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "manage":
        args = args[1:]
    if args[:2] == ["draw", "verify"]:
        # Verifying needs nothing but the record: no settings, no database, no network.
        from shuangsuiji.rules.draw.cli import verify_main

        return verify_main(args[2:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuangsuiji.config.settings")
    if args:
        args[0] = ALIASES.get(args[0], args[0])
    # After DJANGO_SETTINGS_MODULE is set, and never for `draw verify`.
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["shuangsuiji", *args])
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
