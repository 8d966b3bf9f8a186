"""Read the forms and links of a page as a browser without JavaScript would, and build
what it would send. Shared by the tests of plain-HTML forms and of landing pages."""

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Field:
    tag: str  # input, select, textarea, button
    name: str
    type: str = ""
    value: str = ""
    checked: bool = False
    options: list[tuple[str, bool]] = field(default_factory=list)  # selects: (value, selected)


@dataclass
class Form:
    method: str
    action: str | None
    enctype: str
    attrs: dict[str, str]
    fields: list[Field] = field(default_factory=list)

    def named(self, name: str) -> list[Field]:
        return [f for f in self.fields if f.name == name]

    def has_file_input(self) -> bool:
        return any(f.tag == "input" and f.type == "file" for f in self.fields)

    def submission(self, **overrides) -> dict[str, str | list[str]]:
        """The successful controls as a browser sends them with the first submit button,
        with `overrides` typed in by the user."""
        data: dict[str, list[str]] = {}
        pressed = False
        for f in self.fields:
            if not f.name:
                continue
            if f.tag == "button" or (f.tag == "input" and f.type == "submit"):
                if not pressed:
                    data.setdefault(f.name, []).append(f.value)
                    pressed = True
                continue
            if f.tag == "input" and f.type in ("checkbox", "radio") and not f.checked:
                continue
            if f.tag == "input" and f.type == "file":
                continue
            if f.tag == "select":
                chosen = [value for value, selected in f.options if selected]
                if not chosen and f.options and f.type != "multiple":
                    chosen = [f.options[0][0]]
                for value in chosen:
                    data.setdefault(f.name, []).append(value)
                continue
            data.setdefault(f.name, []).append(f.value)
        data.update(
            {name: value if isinstance(value, list) else [value] for name, value in overrides.items()}
        )
        return {name: values[0] if len(values) == 1 else values for name, values in data.items()}


class _PageParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.links: list[str] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._option: tuple[str | None, bool] | None = None
        self._option_text = ""
        self._textarea: Field | None = None

    def handle_starttag(self, tag, attrs):
        a = {name: (value if value is not None else "") for name, value in attrs}
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        elif tag == "form":
            self._form = Form(
                method=a.get("method", "get").lower(),
                action=a.get("action"),
                enctype=a.get("enctype", "application/x-www-form-urlencoded").lower(),
                attrs=a,
            )
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input":
            self._form.fields.append(
                Field(
                    "input",
                    a.get("name", ""),
                    a.get("type", "text").lower(),
                    a.get("value", "on" if a.get("type") in ("checkbox", "radio") else ""),
                    "checked" in a,
                )
            )
        elif tag == "button":
            if a.get("type", "submit").lower() == "submit":
                self._form.fields.append(Field("button", a.get("name", ""), "submit", a.get("value", "")))
        elif tag == "select":
            self._select = Field("select", a.get("name", ""), "multiple" if "multiple" in a else "")
            self._form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._option = (a.get("value"), "selected" in a)
            self._option_text = ""
        elif tag == "textarea":
            self._textarea = Field("textarea", a.get("name", ""))
            self._form.fields.append(self._textarea)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data
        if self._option is not None:
            self._option_text += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._close_option()
            self._select = None
        elif tag == "option":
            self._close_option()
        elif tag == "textarea" and self._textarea is not None:
            self._textarea.value = self._textarea.value.removeprefix("\n")
            self._textarea = None

    def _close_option(self):
        if self._option is not None and self._select is not None:
            value, selected = self._option
            self._select.options.append((value if value is not None else self._option_text.strip(), selected))
        self._option = None


def parse_page(html: str) -> tuple[list[Form], list[str]]:
    parser = _PageParser()
    parser.feed(html)
    parser.close()
    return parser.forms, parser.links
