"""Sliders that work everywhere: on the static rendered page, in PDF, in a live kernel.

``figure_sliders`` renders one figure per combination of its controls' values once,
stores them as PNG images in nested ``widgets.Stack``s (one level per control) and links
each slider to its level in JavaScript (``jslink``): on the rendered book the sliders
switch frames with no kernel. In a live kernel (Binder, Colab, local) a Python callback
re-renders the selected frame, so edits to the parameters take effect. With ipywidgets 7
(no ``Stack``, as on Colab) the sliders fall back to re-rendering into an ``Output``.
``figure_slider`` is the one-control case.

The widget is displayed as one output that also carries the default figure as
``image/png``: the book's HTML and JupyterLab render the widget, the PDF and viewers
without widgets (GitHub, nbviewer) show the default figure, and a caption in the cell's
``mystnb.figure`` metadata numbers the one figure on the page.

``fixed_axes`` gives every frame the same axis limits (the union over the frames, panel
by panel), so what changes between frames is the data, not the scale. Each frame's image
carries the class ``lrd-limits-<digest>`` of the limits it was drawn with, and the box
the class ``lrd-fixed-<axes>``: the browser test reads them.
"""

from __future__ import annotations

import base64
import hashlib
import io
import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import ipywidgets as widgets
import matplotlib.pyplot as plt
import PIL.Image
from IPython.display import Image, display

MAX_FRAMES = 256  # a page carries every frame: beyond this, coarsen the grid


@dataclass(frozen=True)
class Control:
    """One slider: the values it takes, its default and its label.

    The default is the first value when ``value`` is ``None``.
    """

    values: Sequence
    value: object = None
    description: str = "value"

    def default(self):
        """The value the slider starts at; ``ValueError`` if it is not among them."""
        values = list(self.values)
        if not values:
            raise ValueError(
                f"The slider {self.description!r} needs at least one value: give it "
                "a non-empty list of values."
            )
        value = values[0] if self.value is None else self.value
        if value not in values:
            raise ValueError(
                f"The default {value!r} is not one of the slider values {values}: "
                "pick one of them, or None for the first."
            )
        return value


def figure_png(fig, dpi: int = 120) -> bytes:
    """PNG bytes of a matplotlib figure (which is then closed), as a palette image.

    The palette has 256 colours: the book's line plots look the same at about a third
    of the bytes, and a page carries every frame of its sliders.
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
    plt.close(fig)
    palette = (
        PIL.Image.open(buf)
        .convert("RGB")
        .quantize(colors=256, method=PIL.Image.Quantize.MEDIANCUT)
    )
    out = io.BytesIO()
    palette.save(out, format="PNG")
    return out.getvalue()


def data_axes(fig) -> list:
    """The figure's panels, without colour bars (their scale is the colour map's)."""
    return [ax for ax in fig.axes if getattr(ax, "_colorbar", None) is None]


def shared_limits(figures: Sequence, axes: str) -> list[dict[str, tuple]]:
    """Per panel, the union of the frames' limits along ``axes`` ("x", "y" or "xy").

    Returns one dict per panel, e.g. ``{"y": (lo, hi)}``; raises if the frames do not
    have the same panels.
    """
    panels = [data_axes(fig) for fig in figures]
    if len({len(p) for p in panels}) != 1:
        raise ValueError(
            "fixed_axes needs the same panels in every frame, but the frames have "
            f"{sorted({len(p) for p in panels})} panels: drop fixed_axes or keep the "
            "layout the same."
        )
    limits = []
    for same_panel in zip(*panels):
        union = {}
        for dim in axes:
            lows, highs = zip(*(getattr(ax, f"get_{dim}lim")() for ax in same_panel))
            union[dim] = (min(lows), max(highs))
        limits.append(union)
    return limits


def apply_limits(fig, limits: list[dict[str, tuple]] | None) -> None:
    """Set each panel's limits to those of ``shared_limits`` (nothing if ``None``)."""
    if limits is None:
        return
    for ax, panel in zip(data_axes(fig), limits):
        for dim, lim in panel.items():
            getattr(ax, f"set_{dim}lim")(lim)


def limits_digest(fig, axes: str) -> str:
    """A short digest of the limits of the figure's panels along ``axes``."""
    drawn = [
        [round(v, 6) for dim in axes for v in getattr(ax, f"get_{dim}lim")()]
        for ax in data_axes(fig)
    ]
    return hashlib.sha1(repr(drawn).encode()).hexdigest()[:10]


def figure_sliders(
    render: Callable[..., plt.Figure],
    controls: Mapping[str, Control],
    fixed_axes: str | None = None,
    dpi: int = 120,
) -> widgets.VBox:
    """Display one slider per control above one figure, ``render(**values)``.

    The figure is drawn at the sliders' values (see the module docstring for where the
    default figure shows).

    The widget is displayed here, so the call can sit anywhere in a cell; the box is
    returned for further use (end the line with ``;`` if it is the cell's last
    expression).

    Parameters
    ----------
    render
        Maps keyword values (one per control name) to a new matplotlib Figure.
    controls
        Name → ``Control``; every combination of values is precomputed.
    fixed_axes
        ``"x"``, ``"y"`` or ``"xy"``: the same limits in every frame along these axes,
        panel by panel (the union over all frames); ``None`` lets each frame autoscale.
    dpi
        Frame resolution; 120 renders a column-wide figure at about 1.2 device pixels
        per CSS pixel (``_static/book.css`` scales frames to the column), sharper than
        the screen's 1× without tripling the page's weight.
    """
    if not controls:
        raise ValueError(
            "figure_sliders needs at least one control: pass {name: Control(...)}."
        )
    if fixed_axes not in (None, "x", "y", "xy"):
        raise ValueError(
            f"fixed_axes must be 'x', 'y', 'xy' or None, not {fixed_axes!r}: name the "
            "axes whose limits stay fixed."
        )
    names = list(controls)
    grids = [list(c.values) for c in controls.values()]
    defaults = tuple(c.default() for c in controls.values())
    combos = list(itertools.product(*grids))
    if len(combos) > MAX_FRAMES:
        raise ValueError(
            f"{len(combos)} frames (the product of the sliders' lengths) is more than "
            f"{MAX_FRAMES}: use fewer values per slider."
        )

    def draw(combo):
        return render(**dict(zip(names, combo)))

    # Without Stack only the default is shown until a slider moves, and only a union of
    # limits needs every frame.
    live_only = not hasattr(widgets, "Stack")  # ipywidgets 7, as on Colab
    drawn = [defaults] if live_only and not fixed_axes else combos
    limits = None
    with plt.rc_context({"figure.max_open_warning": 0}):
        figures = {combo: draw(combo) for combo in drawn}
        if fixed_axes:
            limits = shared_limits(list(figures.values()), fixed_axes)
    pngs, digests = {}, {}
    for combo, fig in figures.items():
        apply_limits(fig, limits)
        digests[combo] = limits_digest(fig, fixed_axes or "xy")
        pngs[combo] = figure_png(fig, dpi)

    def rerender(combo) -> bytes:  # a live kernel: parameters may have been edited
        fig = draw(combo)
        apply_limits(fig, limits)
        return figure_png(fig, dpi)

    sliders = [
        widgets.SelectionSlider(
            options=[(str(v), v) for v in grid],
            value=default,
            description=control.description,
            continuous_update=True,
            style={"description_width": "initial"},
            layout=widgets.Layout(width="60%"),
        )
        for grid, default, control in zip(grids, defaults, controls.values())
    ]

    def selected():
        return tuple(s.value for s in sliders)

    printed = {c.description: str(d) for c, d in zip(controls.values(), defaults)}

    if live_only:
        out = widgets.Output()

        def show(change):
            out.outputs = ()
            out.append_display_data(Image(data=rerender(selected()), format="png"))

        for s in sliders:
            s.observe(show, names="index")
        out.append_display_data(Image(data=pngs[defaults], format="png"))
        return display_with_default(
            widgets.VBox([*sliders, out]), pngs[defaults], print_note(printed)
        )

    frames = {}
    for combo in combos:
        frames[combo] = widgets.Image(value=pngs[combo], format="png")
        frames[combo].add_class(f"lrd-limits-{digests[combo]}")
    levels = [[] for _ in names]  # the stacks of each level, linked to its slider

    def nest(prefix: tuple):
        level = len(prefix)
        if level == len(names):
            return frames[prefix]
        stack = widgets.Stack(
            [nest(prefix + (v,)) for v in grids[level]],
            selected_index=grids[level].index(defaults[level]),
        )
        levels[level].append(stack)
        return stack

    root = nest(())
    for slider, stacks in zip(sliders, levels):
        for stack in stacks:
            widgets.jslink((slider, "index"), (stack, "selected_index"))

    def update(change):  # runs only when a kernel is alive
        frames[selected()].value = rerender(selected())

    for s in sliders:
        s.observe(update, names="index")
    box = widgets.VBox([*sliders, root])
    if fixed_axes:
        box.add_class(f"lrd-fixed-{fixed_axes}")
    return display_with_default(box, pngs[defaults], print_note(printed))


def print_note(settings: Mapping[str, object]) -> str:
    """The sentence the PDF prints under a slider's figure: the values it shows.

    settings : slider description → the value the printed figure is drawn at.
    """
    shown = ", ".join(f"{name} = {value}" for name, value in settings.items())
    sliders = "a slider" if len(settings) == 1 else "sliders"
    return f"Printed at {shown}; the online book has {sliders} for it."


def display_with_default(
    box: widgets.VBox, default_png: bytes, note: str = ""
) -> widgets.VBox:
    """Display the widget and, in the same output, its default figure as PNG.

    The PNG is the fallback of every renderer without widgets; ``note`` (see
    ``print_note``) rides along as the bundle's ``text/plain``, which the book's PDF
    adds to the figure's caption (``_ext/print_edition.py``).
    """
    bundle = box._repr_mimebundle_()
    bundle["image/png"] = base64.b64encode(default_png).decode("ascii")
    if note:
        bundle["text/plain"] = note
    display(bundle, raw=True)
    return box


def figure_slider(
    render: Callable[[object], plt.Figure],
    values: Sequence,
    value=None,
    description: str = "value",
    fixed_axes: str | None = None,
    dpi: int = 120,
) -> widgets.VBox:
    """``figure_sliders`` with one control: ``render(value)`` over ``values``.

    Parameters
    ----------
    value
        The default (shown as the static figure); the first value if omitted.
    """
    return figure_sliders(
        lambda value: render(value),
        {"value": Control(values, value, description)},
        fixed_axes=fixed_axes,
        dpi=dpi,
    )
