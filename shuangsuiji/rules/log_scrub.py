"""Personal data taken out of log lines: a log is read by operators and shipped to other
systems, so phone numbers, identity numbers and e-mail addresses never reach it whole, whatever
a message or an exception happens to hold."""

import re

from .masking import mask_id_number, mask_phone

# 18-character identity numbers (身份证号) and mobile numbers, not inside longer runs of
# digits (a 统一社会信用代码 or an amount is left alone); landlines with their area code.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9A-Za-z])(?:\+?86[- ]?)?1[3-9]\d{9}(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def scrub_personal_data(text: str) -> str:
    """`text` with every identity number, phone number and e-mail address masked."""
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m.group()), text)
    text = _MOBILE.sub(lambda m: mask_phone(m.group()), text)
    text = _LANDLINE.sub(lambda m: mask_phone(m.group()), text)
    return _EMAIL.sub(lambda m: "***@" + m.group().rsplit("@", 1)[1], text)
