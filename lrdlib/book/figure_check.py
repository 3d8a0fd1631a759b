"""Checks that a figure can be read: no overlapping or tiny text, no legend on the data.

``layout_problems(fig)`` lists what is wrong with a drawn figure. With the environment
variable ``LRDLIB_FIGURE_CHECK=1`` (set by the book's build and tests) every figure made
by ``plots.subplots`` (slider frames included) is checked when it is drawn, and a
problem raises ``FigureLayoutError`` naming the figure and what to fix;
``LRDLIB_FIGURE_CHECK=report:PATH`` appends the problems to the file PATH instead, one
line per figure, to see them all in one run.
"""

from __future__ import annotations

import itertools
import os

import numpy as np
from matplotlib.container import BarContainer
from matplotlib.legend import Legend
from matplotlib.text import Text
from matplotlib.transforms import Bbox

ENVIRONMENT_VARIABLE = "LRDLIB_FIGURE_CHECK"
COLUMN_WIDTH = 7.0  # inches: wider figures are shown scaled down to the text column
SMALLEST_POINTS = 8.0  # the smallest text size, in points as displayed
OVERLAP_PIXELS = 1.0  # text boxes may touch, not overlap by more than this
SEGMENT_SAMPLES = 20  # points tested on each segment of a line


class FigureLayoutError(ValueError):
    """A figure has overlapping or tiny text, or a legend that covers its data."""


def _label(fig) -> str:
    """A name for the figure in messages: its suptitle or its first axes' title."""
    if fig._suptitle is not None and fig._suptitle.get_text():
        return repr(fig._suptitle.get_text())
    for ax in fig.axes:
        for title in (ax.get_title(loc) for loc in ("center", "left", "right")):
            if title:
                return repr(title)
        if ax.get_ylabel():
            return f"with y-label {ax.get_ylabel()!r}"
    return "without a title"


def _in_view(ax, axis: str, position: float) -> bool:
    low, high = sorted(ax.get_xlim() if axis == "x" else ax.get_ylim())
    span = high - low
    return low - 1e-9 * span <= position <= high + 1e-9 * span


def visible_texts(fig) -> list[Text]:
    """Every text the figure draws: titles, labels, tick labels in view, legends,
    annotations."""
    texts = [t for t in fig.texts]
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        texts += [ax.title, ax._left_title, ax._right_title]
        texts += [ax.xaxis.label, ax.yaxis.label, ax.xaxis.offsetText]
        texts += [ax.yaxis.offsetText, *ax.texts]
        for axis, name in ((ax.xaxis, "x"), (ax.yaxis, "y")):
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if _in_view(ax, name, tick.get_loc()):
                    texts += [tick.label1, tick.label2]
        legend = ax.get_legend()
        if legend is not None:
            texts += [*legend.get_texts(), legend.get_title()]
    for legend in fig.legends:
        texts += [*legend.get_texts(), legend.get_title()]
    return [t for t in texts if t.get_visible() and t.get_text().strip()]


def _overlap(a, b) -> bool:
    width = min(a.x1, b.x1) - max(a.x0, b.x0)
    height = min(a.y1, b.y1) - max(a.y0, b.y0)
    return width > OVERLAP_PIXELS and height > OVERLAP_PIXELS


def _line_points(line) -> np.ndarray:
    """``(n, 2)`` display coordinates along a line, ``SEGMENT_SAMPLES`` per segment."""
    xy = np.asarray(line.get_xydata(), dtype=float)
    xy = xy[np.isfinite(xy).all(axis=1)]
    if len(xy) == 0:
        return np.empty((0, 2))
    shown = line.get_transform().transform(xy)
    if len(shown) == 1 or line.get_linestyle() in ("None", " ", ""):
        return shown
    t = np.linspace(0, 1, SEGMENT_SAMPLES, endpoint=False)[None, :, None]
    along = shown[:-1, None, :] + t * (shown[1:, None, :] - shown[:-1, None, :])
    return np.concatenate([along.reshape(-1, 2), shown[-1:]])


def _inside(box, points: np.ndarray) -> np.ndarray:
    """``(n,)`` whether each display point lies inside the box."""
    x, y = points[:, 0], points[:, 1]
    return (box.x0 < x) & (x < box.x1) & (box.y0 < y) & (y < box.y1)


def _legend_covers(legend: Legend, ax, renderer) -> list[str]:
    box = legend.get_window_extent(renderer).padded(-2)
    clip = ax.get_window_extent(renderer)
    covered = []
    for line in ax.lines:
        if not line.get_visible():
            continue
        points = _line_points(line)
        points = points[_inside(clip, points)]  # what the axes clip is not drawn
        if _inside(box, points).any():
            covered.append(line.get_label())
    bars = [
        patch
        for container in ax.containers
        if isinstance(container, BarContainer)  # bar charts and histograms
        for patch in container.patches
    ]
    for patch in bars:
        extent = Bbox.intersection(patch.get_window_extent(renderer), clip)
        if patch.get_visible() and extent is not None and _overlap(box, extent):
            covered.append("a bar")
            break
    for collection in ax.collections:
        offsets = collection.get_offsets()
        if collection.get_visible() and len(offsets):
            points = collection.get_offset_transform().transform(offsets)
            if _inside(box, points).any():
                covered.append(collection.get_label())
    return covered


def layout_problems(fig, renderer=None) -> list[str]:
    """What makes a drawn figure hard to read, as sentences (empty if nothing).

    Checks that no two texts overlap, that no text is smaller than 8 pt as displayed
    (a figure wider than the text column is shown scaled down), and that no legend
    covers a plotted line, marker or bar.
    """
    if renderer is None:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
    problems = []
    scale = min(1.0, COLUMN_WIDTH / fig.get_figwidth())
    texts = visible_texts(fig)
    for text in texts:
        shown = text.get_fontsize() * scale
        if shown < SMALLEST_POINTS - 1e-6:
            problems.append(
                f"the text {text.get_text()!r} is {shown:.1f} pt as displayed; make it "
                f"at least {SMALLEST_POINTS:.0f} pt (or the figure narrower)"
            )
    boxes = [(t, t.get_window_extent(renderer)) for t in texts]
    for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
        if _overlap(box_a, box_b):
            problems.append(
                f"the texts {a.get_text()!r} and {b.get_text()!r} overlap; move one, "
                "use fewer ticks or shorten a title"
            )
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is not None and legend.get_visible():
            covered = _legend_covers(legend, ax, renderer)
            if covered:
                problems.append(
                    f"the legend covers {', '.join(map(repr, covered[:3]))}; place it "
                    "outside the axes or where there is no data"
                )
    return problems


def check_on_draw(event) -> None:
    """A ``draw_event`` callback: raise ``FigureLayoutError`` if the figure has a
    layout problem."""
    fig = event.canvas.figure
    problems = layout_problems(fig, event.renderer)
    if not problems:
        return
    message = f"The figure {_label(fig)} is hard to read: " + "; ".join(problems) + "."
    mode = os.environ.get(ENVIRONMENT_VARIABLE, "")
    if mode.startswith("report:"):
        with open(mode.removeprefix("report:"), "a", encoding="utf-8") as report:
            report.write(f"{os.getcwd()}\t{message}\n")
        return
    raise FigureLayoutError(message)


def watch(fig) -> None:
    """Check ``fig`` each time it is drawn, when ``LRDLIB_FIGURE_CHECK`` is set."""
    if os.environ.get(ENVIRONMENT_VARIABLE, "") not in ("", "0"):
        fig.canvas.mpl_connect("draw_event", check_on_draw)
