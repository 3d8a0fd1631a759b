"""Sliders that work everywhere: on the static rendered page, in PDF, and in a live
kernel.

``figure_slider`` renders one figure per slider value once, stores them as PNG images in
a ``widgets.Stack`` and links the slider to the stack in JavaScript (``jslink``): on the
rendered book the slider switches frames with no kernel. In a live kernel (Binder,
Colab, local) a Python callback re-renders the selected frame, so edits to the
parameters take effect. With ipywidgets 7 (no ``Stack``, as on Colab) the slider falls
back to re-rendering into an ``Output`` in the live kernel.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

import ipywidgets as widgets
import matplotlib.pyplot as plt
from IPython.display import Image, display


def figure_png(fig, dpi: int = 120) -> bytes:
    """PNG bytes of a matplotlib figure, which is then closed."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def figure_slider(
    render: Callable[[object], plt.Figure],
    values: Sequence,
    value=None,
    description: str = "value",
    dpi: int = 120,
) -> widgets.VBox:
    """Show ``render(value)`` as a normal figure, then display a slider over ``values``
    below it.

    Both are displayed here, so the call can sit anywhere in a cell; the slider widget
    is returned for further use (end the line with ``;`` if it is the cell's last
    expression).

    render : maps one slider value to a new matplotlib Figure.
    values : the precomputed slider positions (numbers or labels).
    value : the default (shown as the static figure); the first value if omitted.
    dpi : frame resolution; 120 renders a column-wide figure at about 1.2 device pixels
        per CSS pixel (``_static/book.css`` scales frames to the column), sharper than
        the screen's 1× without tripling the page's weight.
    """
    values = list(values)
    if not values:
        raise ValueError("figure_slider needs at least one value")
    value = values[0] if value is None else value
    if value not in values:
        raise ValueError(f"default {value!r} is not one of the slider values {values}")
    default_png = figure_png(render(value), dpi)
    # The static figure, as PNG bytes: it survives in HTML and PDF without widgets,
    # whatever the backend (displaying the Figure object itself gave only its text repr
    # under nbclient).
    display(Image(data=default_png, format="png"))
    slider = widgets.SelectionSlider(
        options=[(str(v), v) for v in values],
        value=value,
        description=description,
        continuous_update=True,
        style={"description_width": "initial"},
        layout=widgets.Layout(width="60%"),
    )
    if not hasattr(
        widgets, "Stack"
    ):  # ipywidgets 7 (Colab's default) has no Stack: live re-rendering only
        out = widgets.Output()

        def show(change):
            out.outputs = ()
            out.append_display_data(
                Image(data=figure_png(render(values[change["new"]]), dpi), format="png")
            )

        slider.observe(show, names="index")
        box = widgets.VBox([slider, out])
        display(box)
        return box
    frames = [
        widgets.Image(
            value=default_png if v == value else figure_png(render(v), dpi),
            format="png",
        )
        for v in values
    ]
    stack = widgets.Stack(frames, selected_index=values.index(value))
    widgets.jslink((slider, "index"), (stack, "selected_index"))

    def rerender(change):  # runs only when a kernel is alive
        frames[change["new"]].value = figure_png(render(values[change["new"]]), dpi)

    slider.observe(rerender, names="index")
    box = widgets.VBox([slider, stack])
    display(box)
    return box
