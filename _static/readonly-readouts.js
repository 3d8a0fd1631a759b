// The slider readouts of the rendered book are labels, not inputs. ipywidgets makes a
// slider's readout editable; on a page without a kernel a typed value would change the
// number shown but not the figure. Each readout is made read-only (and kept so when the
// widget redraws it); the slider itself, by mouse or keyboard, still selects frames.
(function () {
  function lock(root) {
    root.querySelectorAll('.widget-readout[contenteditable="true"]').forEach((el) => {
      el.setAttribute("contenteditable", "false");
      el.setAttribute("tabindex", "-1");
      el.setAttribute("aria-readonly", "true");
    });
  }
  function watch() {
    lock(document);
    new MutationObserver(() => lock(document)).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ["contenteditable"],
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", watch);
  } else {
    watch();
  }
})();
