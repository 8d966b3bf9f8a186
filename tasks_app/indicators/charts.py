"""The small trend line beside each indicator on a unit's list: progress over the last
periods, one icon per period in its colour and shape. Drawn on the server with the boards'
SVG helpers (reports/boards/charts.py), so it needs no JavaScript and reads in the PDF too."""

from collections.abc import Sequence
from decimal import Decimal

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from reports.boards.charts import OUTLINE, _n, _svg, icon
from tasks_app.selectors.indicators import FigureView

WIDTH, HEIGHT, PAD, ICON = 132, 36, 7, 10
# Progress may pass 100 % ("ahead of the line"); the line is drawn up to this much.
TOP = Decimal(120)


def sparkline(points: Sequence[FigureView], *, chart_id: str) -> SafeString:
    """Progress per period, oldest first; a period without progress leaves a gap. The title
    and description say in words what the picture shows."""
    n = len(points)
    spacing = (WIDTH - 2 * PAD) / (n - 1) if n > 1 else 0.0

    def x_at(i: int) -> float:
        return WIDTH / 2 if n == 1 else PAD + i * spacing

    def y_at(progress: Decimal) -> float:
        clamped = min(TOP, max(Decimal(0), progress))
        return HEIGHT - PAD - float(clamped / TOP) * (HEIGHT - 2 * PAD)

    body: list[str] = []
    y100 = y_at(Decimal(100))
    body.append(
        f'<line x1="0" y1="{_n(y100)}" x2="{WIDTH}" y2="{_n(y100)}" stroke="#CCCCCC" stroke-dasharray="3 2"/>'
    )
    runs: list[list[str]] = [[]]
    for i, point in enumerate(points):
        progress = point.figure.progress
        if progress is None:
            runs.append([])
        else:
            runs[-1].append(f"{_n(x_at(i))},{_n(y_at(progress))}")
    for run in runs:
        if len(run) > 1:
            body.append(
                f'<polyline points="{" ".join(run)}" fill="none" stroke="{OUTLINE}" stroke-width="1.5"/>'
            )
    for i, point in enumerate(points):
        progress = point.figure.progress
        y = y_at(progress) if progress is not None else HEIGHT - PAD
        body.append(icon(point.colour, x_at(i) - ICON / 2, y - ICON / 2, ICON))
    words = "; ".join(f"{p.period.label}: {p.progress} ({p.colour_words})" for p in points)
    return _svg(
        chart_id, WIDTH, HEIGHT, _("Progress over the last periods"), body, desc=words or _("No data yet")
    )
