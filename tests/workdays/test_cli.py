"""`shuangsuiji calendar`: the answer alone on standard output, a warning when provisional."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from shuangsuiji.workdays.services import calendar_day_set, calendar_year_set

from .conftest import FUTURE

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    with translation.override("en"):
        call_command("calendar", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_add_workdays_prints_the_date():
    # National Day 2026: October 1–7 off, Saturday October 10 worked.
    assert run("add-workdays", "2026-09-30", "5") == ("2026-10-13\n", "")
    assert run("add-workdays", "2026-09-30", "0") == ("2026-09-30\n", "")
    assert run("add-workdays", "2026年9月30日", "3")[0] == "2026-10-10\n"


def test_is_workday_prints_yes_or_no():
    assert run("is-workday", "2026-10-01") == ("no\n", "")
    assert run("is-workday", "2026-10-10") == ("yes\n", "")


def test_between_prints_a_signed_count():
    assert run("between", "2026-09-30", "2026-10-20") == ("10\n", "")
    assert run("between", "2026-10-20", "2026-09-30") == ("-10\n", "")


def test_a_provisional_answer_warns_on_stderr_only(world):
    new_year = date(FUTURE, 1, 1)
    out, err = run("is-workday", new_year.isoformat())
    assert out == ("yes\n" if new_year.weekday() < 5 else "no\n")
    assert "provisional" in err and str(FUTURE) in err

    out, err = run("add-workdays", f"{FUTURE - 1}-12-20", "20")
    assert out.strip().startswith(str(FUTURE)) and "provisional" in err


def test_it_reads_the_table_and_the_declaration(world):
    office, new_year = world.users["office"], date(FUTURE, 1, 1)
    calendar_day_set(actor=office, day=new_year, is_workday=False, note="元旦")
    out, err = run("is-workday", new_year.isoformat())
    assert out == "no\n" and "provisional" in err
    calendar_year_set(actor=office, year=FUTURE, complete=True, source="国务院办公厅通知")
    assert run("is-workday", new_year.isoformat()) == ("no\n", "")
    # A table entry overrides the package in a year it covers.
    calendar_day_set(actor=office, day=date(2026, 10, 1), is_workday=True, note="值班")
    assert run("is-workday", "2026-10-01") == ("yes\n", "")


@pytest.mark.parametrize("args", [("is-workday", "2026-02-30"), ("is-workday", "tomorrow"),
                                  ("add-workdays", "2026-13-01", "5"),
                                  ("add-workdays", "2026-09-30", "-1"),
                                  ("between", "2026-09-30", "soon")])
def test_bad_input_is_an_error(args):
    with pytest.raises(CommandError):
        run(*args)
