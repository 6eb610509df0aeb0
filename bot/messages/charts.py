"""A `Chart` drawn as a PNG with matplotlib, headless: what every channel sends as the image.

matplotlib's object API (`Figure` with the Agg canvas) is used, never pyplot, so drawing
keeps no global state and is safe from the delivery worker's threads. Labels are drawn
literally: math text (`$…$`) is switched off, so a source named "$5 referral" shows as typed.
"""

from __future__ import annotations

import io

from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.messages.reply import Chart, Panel

WIDTH_PX = 1200
HEIGHT_PX = 560
DPI = 100
BAR = "#3b6ea8"
OVER = "#c0504d"
LIMIT = "#444444"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png(chart: Chart) -> bytes:
    """The chart as PNG bytes, WIDTH_PX × HEIGHT_PX, one panel beside the other."""
    with rc_context({"text.parse_math": False, "font.size": 10}):
        figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
        FigureCanvasAgg(figure)
        figure.suptitle(chart.title, fontsize=13, fontweight="bold")
        panels = chart.panels or [Panel(title="nothing to show")]
        for index, panel in enumerate(panels, start=1):
            _draw(figure.add_subplot(1, len(panels), index), panel)
        figure.tight_layout(rect=(0, 0, 1, 0.94))
        out = io.BytesIO()
        figure.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
    return out.getvalue()


def _draw(axes: Axes, panel: Panel) -> None:
    """Horizontal bars, first at the top; a bar past its limit is red and the limit a tick."""
    axes.set_title(panel.title)
    if not panel.bars:
        axes.text(0.5, 0.5, "no data", ha="center", va="center", transform=axes.transAxes)
        axes.set_axis_off()
        return
    labels = [bar.label for bar in panel.bars]
    values = [bar.value for bar in panel.bars]
    rows = list(range(len(panel.bars)))
    colours = [
        OVER if bar.limit is not None and bar.value > bar.limit else BAR for bar in panel.bars
    ]
    axes.barh(rows, values, color=colours)
    axes.set_yticks(rows, labels)
    axes.invert_yaxis()
    top = max([*values, *(b.limit for b in panel.bars if b.limit is not None), 0.0]) or 1.0
    axes.set_xlim(0, top * 1.3)
    for row, bar in enumerate(panel.bars):
        if bar.limit is not None:
            axes.plot([bar.limit, bar.limit], [row - 0.4, row + 0.4], color=LIMIT, linewidth=2)
        if bar.note:
            axes.text(bar.value + top * 0.02, row, bar.note, va="center", fontsize=9)
    if panel.unit:
        axes.set_xlabel(panel.unit)
    axes.spines[["top", "right"]].set_visible(False)
