// Behaviour the pages once wrote inline (onclick=…), which the Content-Security-Policy forbids:
// a button with data-confirm asks before its form is sent; one with data-print prints the page.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    var confirmButton = target && target.closest("[data-confirm]");
    if (confirmButton && !window.confirm(confirmButton.getAttribute("data-confirm"))) {
      event.preventDefault();
      return;
    }
    var printButton = target && target.closest("[data-print]");
    if (printButton) {
      event.preventDefault();
      window.print();
    }
  });
}());
