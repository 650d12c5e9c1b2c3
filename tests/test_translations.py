"""The Chinese catalogue is complete and compiled: every msgid translated, nothing fuzzy."""

from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parents[1] / "shuangsuiji" / "locale" / "zh_Hans" / "LC_MESSAGES"


def test_every_message_has_a_chinese_translation():
    catalogue = polib.pofile(str(LOCALE / "django.po"))
    missing = [e.msgid for e in catalogue.untranslated_entries()]
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries()]
    assert not missing, f"untranslated: {missing[:10]}"
    assert not fuzzy, f"fuzzy: {fuzzy[:10]}"


def test_the_compiled_catalogue_matches_the_source():
    catalogue = polib.pofile(str(LOCALE / "django.po"))
    compiled = polib.mofile(str(LOCALE / "django.mo"))
    expected = {(e.msgctxt, e.msgid): (e.msgstr or e.msgstr_plural.get(0))
                for e in catalogue.translated_entries()}
    actual = {(e.msgctxt, e.msgid): (e.msgstr or e.msgstr_plural.get(0)) for e in compiled}
    assert expected == {k: v for k, v in actual.items() if k[1]}


def test_placeholders_survive_translation():
    import re

    catalogue = polib.pofile(str(LOCALE / "django.po"))
    pattern = re.compile(r"\{[a-z_]+\}|%\([a-z_]+\)s")
    for entry in catalogue.translated_entries():
        if entry.msgid_plural:
            continue
        assert sorted(pattern.findall(entry.msgid)) == sorted(pattern.findall(entry.msgstr)), \
            entry.msgid
