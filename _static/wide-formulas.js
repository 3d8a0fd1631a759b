// MathJax cannot break a formula across lines. An inline formula wider than its line
// (a long equation on a phone) gets the class lrd-wide once typeset, and book.css lets
// it scroll inside its own box instead of being cut off or running off the screen.
// Narrow formulas are left as they are: a scroll box around every formula would show
// scrollbars where nothing overflows.
(function () {
  function markWide() {
    document.querySelectorAll("span.math").forEach((math) => {
      const formula = math.querySelector("mjx-container");
      if (!formula) return;
      math.classList.remove("lrd-wide");
      const shown = math.getBoundingClientRect();
      const drawn = formula.getBoundingClientRect();
      const line = math.parentElement.getBoundingClientRect();
      if (drawn.width > shown.width + 1 || drawn.right > line.right + 1) {
        math.classList.add("lrd-wide");
      }
    });
  }
  function whenTypeset() {
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
      MathJax.startup.promise.then(markWide);
    } else {
      setTimeout(whenTypeset, 50);
    }
  }
  function start() {
    if (document.querySelector(".math")) {
      whenTypeset();
      window.addEventListener("resize", markWide);
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
