from pathlib import Path

from django.utils import translation
from django.utils.translation import gettext

import nq57

PO_FILE = Path(nq57.__file__).parent / "locale" / "vi" / "LC_MESSAGES" / "django.po"


def test_every_message_has_a_vietnamese_translation():
    text = PO_FILE.read_text(encoding="utf-8")
    entries = text.split("\n\n")[1:]
    untranslated = [e for e in entries if e.rstrip().endswith('msgstr ""') and "msgid_plural" not in e]
    fuzzy = [e for e in entries if "#, fuzzy" in e]
    assert not untranslated and not fuzzy


def test_the_compiled_catalogue_is_in_use():
    with translation.override("vi"):
        assert gettext("Overdue (open, deadline passed)") == "Quá hạn (chưa hoàn thành, đã qua thời hạn)"
    with translation.override("en"):
        assert gettext("Overdue (open, deadline passed)") == "Overdue (open, deadline passed)"
