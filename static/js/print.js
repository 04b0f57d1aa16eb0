// The print view's button: open the browser's print dialogue.
(function () {
  "use strict";
  var button = document.getElementById("print-now");
  if (button) {
    button.addEventListener("click", function () { window.print(); });
  }
}());
