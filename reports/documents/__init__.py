"""The reports on paper: the weekly PDF and its Excel workbook, what they show, how they
are rendered and stored, and the archive where people ask for them and download them.

- content.py: what a report shows (the dashboards' figures for the week's last day, who
  issues it); notes.py: the week's notes (highlights, difficulties, next week).
- pdf.py and excel.py: the two files made from one ReportContent; pdf_fetcher.py: what
  WeasyPrint may load while it lays a PDF out.
- actions.py: every write (ask, render, store, Monday's batch, the sweeper's requeue).
- archive.py, forms.py, views.py: the archive page, asking for a report, its downloads.

The Report model, its kinds and the Week it covers are in reports/models.py; the Celery
jobs in reports/tasks.py call actions.py."""
