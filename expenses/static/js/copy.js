// A "Copy" button beside each full SHA-256: shown only where the script runs (the hash itself is
// selected whole with one click without it), and it says in a live region that the text was copied.
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("button[data-copy]"), function (button) {
    var status = document.getElementById(button.getAttribute("aria-controls"));
    button.hidden = false;
    button.addEventListener("click", function () {
      if (!navigator.clipboard) { return; }
      navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
        if (status) { status.textContent = button.getAttribute("data-copied"); }
      });
    });
  });
})();
