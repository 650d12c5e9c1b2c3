"""Draw eligibility on a day: in post, and for officers a certificate valid that day."""

from datetime import date

from shuangsuiji.rules.eligibility import CertificatePeriod, StatusPeriod, is_eligible, status_on

HIRED = StatusPeriod("active", date(2015, 1, 1))
CERT = CertificatePeriod(date(2020, 1, 1), date(2025, 12, 31))


def test_an_officer_with_a_valid_certificate_is_eligible():
    assert is_eligible(role="officer", history=[HIRED], certificates=[CERT], day=date(2024, 6, 1))


def test_the_last_day_of_validity_still_counts_and_the_next_does_not():
    assert is_eligible(role="officer", history=[HIRED], certificates=[CERT],
                       day=date(2025, 12, 31))
    assert not is_eligible(role="officer", history=[HIRED], certificates=[CERT],
                           day=date(2026, 1, 1))


def test_a_certificate_not_yet_valid_does_not_count():
    assert not is_eligible(role="officer", history=[HIRED], certificates=[CERT],
                           day=date(2019, 12, 31))


def test_an_officer_without_a_certificate_is_not_eligible():
    assert not is_eligible(role="officer", history=[HIRED], certificates=[], day=date(2024, 1, 1))


def test_a_renewed_certificate_restores_eligibility():
    renewed = CertificatePeriod(date(2026, 1, 1), None)
    assert is_eligible(role="officer", history=[HIRED], certificates=[CERT, renewed],
                       day=date(2027, 3, 1))


def test_experts_need_no_certificate():
    assert is_eligible(role="expert", history=[HIRED], certificates=[], day=date(2024, 1, 1))


def test_transfer_and_retirement_take_effect_on_their_date():
    history = [HIRED, StatusPeriod("transferred", date(2024, 7, 1))]
    assert is_eligible(role="officer", history=history, certificates=[CERT],
                       day=date(2024, 6, 30))
    assert not is_eligible(role="officer", history=history, certificates=[CERT],
                           day=date(2024, 7, 1))
    retired = [HIRED, StatusPeriod("retired", date(2023, 3, 1))]
    assert not is_eligible(role="expert", history=retired, certificates=[], day=date(2023, 3, 1))


def test_a_return_to_post_counts_from_its_date():
    history = [StatusPeriod("active", date(2010, 1, 1)), StatusPeriod("transferred",
               date(2020, 1, 1)), StatusPeriod("active", date(2022, 1, 1))]
    assert status_on(history, date(2021, 6, 1)) == "transferred"
    assert status_on(history, date(2022, 1, 1)) == "active"


def test_before_entering_the_directory_nobody_is_eligible():
    assert status_on([HIRED], date(2014, 12, 31)) is None
    assert not is_eligible(role="expert", history=[HIRED], certificates=[], day=date(2014, 1, 1))
