"""Django's own messages that our pages show (password validators, the auth forms, the
admin) come in Vietnamese. Django 5.2 changed some of their source strings (the "too short"
validator now formats with %d) while its Vietnamese catalogue still has the old ones, so
an English sentence showed on the password page; our catalogue fills what Django's lacks."""

import ast
import importlib
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db


def change_password(client, user, old, new):
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {"old_password": old, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 200
    return [re.sub(r"\s+", " ", m) for m in re.findall(r'class="error">(.*?)</', response.content.decode())]


@pytest.mark.parametrize(
    ("new_password", "vietnamese"),
    [
        ("Qz7!", "Mật khẩu quá ngắn: phải có ít nhất 10 ký tự."),
        ("password123", "Mật khẩu này quá phổ biến."),
        ("80314927561", "Mật khẩu này hoàn toàn là số."),
        ("xa_officer-2026", "Mật khẩu quá giống với"),
    ],
)
def test_each_password_rule_answers_in_vietnamese(client, xa_officer, new_password, vietnamese):
    errors = change_password(client, xa_officer, "pw-xa_officer", new_password)
    assert any(vietnamese in error for error in errors), errors
    assert not any(re.search(r"\b(This|The) password\b", error) for error in errors), errors


def _django_messages(module: str) -> list[tuple[str, str]]:
    """Every literal (n)gettext message in a Django module: (function, msgid)."""
    source = Path(importlib.import_module(module).__file__).read_text(encoding="utf-8")
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        first = node.args[0]
        is_message = name in ("_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy")
        if is_message and isinstance(first, ast.Constant) and isinstance(first.value, str):
            plural = node.args[1].value if name.startswith("ngettext") else None
            found.append((first.value, plural))
    return found


# Written the same way in Vietnamese.
SAME_IN_VIETNAMESE = {"Email"}
SHOWN_MODULES = [
    "django.contrib.auth.password_validation",
    "django.contrib.auth.forms",
    "django.contrib.auth.admin",
    "django.contrib.auth.validators",
]


@pytest.mark.parametrize("module", SHOWN_MODULES)
def test_every_django_auth_message_we_show_has_a_vietnamese_translation(module):
    untranslated = []
    with translation.override("vi"):
        for singular, plural in _django_messages(module):
            if plural:
                translated = translation.ngettext(singular, plural, 2)
            else:
                translated = translation.gettext(singular)
            if translated in (singular, plural) and singular not in SAME_IN_VIETNAMESE:
                untranslated.append(singular)
    assert not untranslated


def test_a_null_character_in_a_search_box_is_refused_in_vietnamese(client, xa_officer):
    """Django's own "Null characters are not allowed." has no Vietnamese in its catalogue."""
    client.force_login(xa_officer)
    html = client.get(reverse("my_tasks"), {"q": "\x00x"}).content.decode()
    assert "ký tự rỗng" in html
    assert "Null characters" not in html
