/* Copy buttons of the "What to say" phrases.
 *
 * The clipboard API needs a secure context (https or localhost); intranet
 * sites are often plain http, so fall back to execCommand("copy") on a
 * hidden text area, and if even that fails, select the phrase so the reader
 * can press Ctrl+C. One listener on the document serves every page, also
 * when the theme swaps pages in without reloading.
 */
(function () {
  "use strict";

  var RESET_MS = 2000;

  function announce(message) {
    var status = document.getElementById("tipkb-status");
    if (!status) {
      status = document.createElement("div");
      status.id = "tipkb-status";
      status.className = "tipkb-status";
      status.setAttribute("role", "status");
      status.setAttribute("aria-live", "polite");
      document.body.appendChild(status);
    }
    status.textContent = "";
    window.setTimeout(function () { status.textContent = message; }, 50);
  }

  function copyWithTextArea(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.top = "0";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (error) {
      copied = false;
    }
    document.body.removeChild(area);
    return copied;
  }

  function selectText(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function finish(button, phrase, copied) {
    if (copied) {
      button.textContent = "Copied";
      button.setAttribute("data-state", "done");
      announce("Phrase copied to the clipboard.");
    } else {
      selectText(phrase);
      button.textContent = "Press Ctrl+C";
      announce("Phrase selected: press Ctrl+C to copy it.");
    }
    window.setTimeout(function () {
      button.textContent = "Copy";
      button.removeAttribute("data-state");
    }, RESET_MS);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest(".tipkb-copy") : null;
    if (!button) {
      return;
    }
    var phrase = button.parentElement.querySelector(".tipkb-phrase-text");
    if (!phrase) {
      return;
    }
    var text = phrase.textContent.trim();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(
        function () { finish(button, phrase, true); },
        function () { finish(button, phrase, copyWithTextArea(text)); }
      );
    } else {
      finish(button, phrase, copyWithTextArea(text));
    }
  });
})();
