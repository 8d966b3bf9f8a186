"""Widgets the forms share."""

import datetime

from django import forms


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class DateInput(forms.DateInput):
    input_type = "date"

    def format_value(self, value):
        # The browser's date picker wants ISO; it shows the date in the user's locale. A
        # date typed or linked as dd/mm/yyyy comes back as ISO too, or the picker shows empty.
        if isinstance(value, str):
            try:
                value = datetime.datetime.strptime(value.strip(), "%d/%m/%Y").date()
            except ValueError:
                return value
        if isinstance(value, datetime.date):
            return value.isoformat()
        return value
