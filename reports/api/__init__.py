"""The read side's REST API (/api/v1/, issue 18): a unit's greening figures, their history,
why a unit is its colour and the ranking of its children; the weekly reports (ask, follow,
download); and the daily feed of every unit's figures for the data-sharing platforms.

Figures, reasons and reports come from the same selectors and actions as the boards and the
archive (reports/boards/selectors, reports/documents): the API only shapes them as JSON.
Access is tasks_app/access.py's: a unit or report the user may not see answers 404.

- greening.py: /units/{id}/greening/ (figures, history/, why/, ranking/)
- reports.py: /reports/ (list, ask), /reports/{id}/ (status), pdf/ and xlsx/ downloads
- feed.py: /feed/daily/ (JSON pages or one CSV file), open to "feed" tokens
"""
