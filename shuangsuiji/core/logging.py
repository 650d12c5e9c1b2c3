"""Logging: one JSON object a line when SHUANGSUIJI_LOG_FORMAT=json (for a log collector), and
personal data masked in every line either way (rules/log_scrub.py)."""

import logging

from shuangsuiji.rules.log_scrub import scrub_personal_data


class ScrubPersonalData(logging.Filter):
    """Masks phone numbers, identity numbers and e-mail addresses in the message and the
    exception text, before any handler formats the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = scrub_personal_data(record.getMessage())
        record.args = None
        if record.exc_info:
            record.exc_text = scrub_personal_data(
                logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True
