/* The signing page: sign the application XML with NCALayer and post it back (ncalayer.js). */
(function () {
  "use strict";
  var form = document.getElementById("sign-form");
  var button = document.getElementById("sign-button");
  if (!form || !button) return;
  if (!window.NCALayer) {
    var box = form.querySelector("[data-ncalayer-error]");
    if (box) box.textContent = "ncalayer.js не загружен / ncalayer.js жүктелмеді";
    return;
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    button.disabled = true;
    var url = form.getAttribute("data-signer-url");
    var ready = url ? window.NCALayer.connect(url) : Promise.resolve();
    ready.then(function () {
      return window.NCALayer.signForm(form, "xml", "signed_xml");
    }).catch(function () {
      button.disabled = false; // the message is already shown in [data-ncalayer-error]
    });
  });
})();
