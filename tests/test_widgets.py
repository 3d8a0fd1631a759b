"""The slider helpers: precomputed frames linked in the browser, several controls on
one figure, fixed axes, and re-rendering in a live kernel."""

import ipywidgets as widgets
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from lrdlib.book import widgets as lw  # noqa: E402


def render(value):
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, value])
    return fig


def leaf_images(widget):
    if isinstance(widget, widgets.Image):
        return [widget]
    return [img for child in widget.children for img in leaf_images(child)]


def limit_classes(box):
    return [
        next(c for c in img._dom_classes if c.startswith("lrd-limits-"))
        for img in leaf_images(box.children[-1])
    ]


def test_figure_slider_precomputes_frames_and_rerenders():
    box = lw.figure_slider(render, [1, 2, 3], value=2, description="v")
    slider, stack = box.children
    assert (
        isinstance(stack, widgets.Stack)
        and len(stack.children) == 3
        and stack.selected_index == 1
    )
    assert all(bytes(img.value).startswith(b"\x89PNG") for img in stack.children)
    old = stack.children[2].value
    stack.children[2].value = b""
    slider.value = 3  # in a kernel the callback re-renders the chosen frame
    assert bytes(stack.children[2].value) == bytes(old)
    with pytest.raises(ValueError, match="not one of the slider values"):
        lw.figure_slider(render, [1, 2], value=5)


def test_figure_sliders_nest_one_stack_level_per_control():
    seen = []

    def render2(a, b):
        seen.append((a, b))
        return render(a * b)

    box = lw.figure_sliders(
        render2,
        {"a": lw.Control([1, 2], 2, "a"), "b": lw.Control([1, 10, 100], 10, "b")},
    )
    slider_a, slider_b, root = box.children
    assert sorted(seen) == [(a, b) for a in (1, 2) for b in (1, 10, 100)]
    assert root.selected_index == 1 and len(root.children) == 2
    assert all(len(s.children) == 3 and s.selected_index == 1 for s in root.children)
    # the frame at (a, b) = (1, 100) is the render of (1, 100), re-rendered on demand
    frame = root.children[0].children[2]
    frame.value = b""
    slider_a.value, slider_b.value = 1, 100
    assert bytes(frame.value).startswith(b"\x89PNG") and seen[-1] == (1, 100)
    with pytest.raises(ValueError, match="fewer values"):
        lw.figure_sliders(
            lambda a, b: render(a),
            {"a": lw.Control(range(20)), "b": lw.Control(range(20))},
        )


def test_fixed_axes_give_every_frame_the_union_of_the_limits():
    free = lw.figure_slider(render, [1, 2, 3])
    fixed = lw.figure_slider(render, [1, 2, 3], fixed_axes="y")
    assert len(set(limit_classes(free))) == 3  # each frame autoscaled its own y range
    assert len(set(limit_classes(fixed))) == 1
    assert "lrd-fixed-y" in fixed._dom_classes and not free._dom_classes
    figs = [render(v) for v in (1, 2, 3)]
    (panel,) = lw.shared_limits(figs, "y")
    assert panel["y"][0] <= 0 and panel["y"][1] >= 3  # every frame's data is inside
    lw.apply_limits(figs[0], [panel])
    assert figs[0].axes[0].get_ylim() == panel["y"]


def test_fixed_axes_refuse_frames_with_different_panels():
    def panels(n):
        fig, axes = plt.subplots(1, n, squeeze=False)
        return fig

    with pytest.raises(ValueError, match="same panels"):
        lw.figure_slider(panels, [1, 2], fixed_axes="y")
    with pytest.raises(ValueError, match="fixed_axes must be"):
        lw.figure_slider(render, [1, 2], fixed_axes="z")


def test_figure_slider_without_stack_rerenders_into_an_output(monkeypatch):
    monkeypatch.delattr(widgets, "Stack")  # ipywidgets 7, as on Colab
    seen = []
    box = lw.figure_slider(lambda v: seen.append(v) or render(v), [1, 2, 3], value=2)
    slider, out = box.children
    assert isinstance(out, widgets.Output) and seen == [2]
    assert len(out.outputs) == 1  # the default figure, before any slider moves
    slider.value = 3
    slider.value = 1
    assert seen == [2, 3, 1] and len(out.outputs) == 1
    assert out.outputs[0]["data"]["image/png"].startswith(
        "iVBORw0KGgo"
    )  # base64 of a PNG header


def test_the_pdf_prints_the_sliders_values_under_the_figure(monkeypatch):
    shown = []
    monkeypatch.setattr(lw, "display", lambda obj, raw=False: shown.append(obj))
    lw.figure_sliders(
        lambda eps, depth: render(eps * depth),
        {
            "eps": lw.Control([0.1, 0.5], 0.5, "init scale ε"),
            "depth": lw.Control([2, 3], 2, "depth L"),
        },
    )
    (bundle,) = shown  # one output: the widget, its default figure and the note
    assert "image/png" in bundle
    assert bundle["text/plain"] == (
        "Printed at init scale ε = 0.5, depth L = 2; "
        "the online book has sliders for it."
    )
