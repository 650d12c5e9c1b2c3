// Signature pad: draw with a finger or a mouse; the PNG goes into the form's hidden field.
// Without JavaScript the pad stays hidden and an image upload is the way to sign.
(function () {
  "use strict";
  var form = document.querySelector(".signature-form");
  if (!form) return;
  var pad = form.querySelector(".signature-pad");
  var canvas = pad.querySelector("canvas");
  var field = form.querySelector("input[name=drawing]");
  var role = form.querySelector("select[name=role]");
  var inspector = form.querySelector("select[name=inspector]");
  var name = form.querySelector("input[name=name]");
  var ctx = canvas.getContext("2d");
  var drawing = false, dirty = false;
  pad.hidden = false;
  ctx.lineWidth = 3; ctx.lineCap = "round"; ctx.strokeStyle = "#111";

  // An inspector is chosen from the group; anyone else (representative, seal) is named.
  function fitRole() {
    var isInspector = role.value === "inspector";
    inspector.closest(".field").hidden = !isInspector;
    name.closest(".field").hidden = isInspector;
  }
  if (role && inspector && name) { role.addEventListener("change", fitRole); fitRole(); }

  function point(e) {
    var r = canvas.getBoundingClientRect();
    return [(e.clientX - r.left) * canvas.width / r.width,
            (e.clientY - r.top) * canvas.height / r.height];
  }
  canvas.addEventListener("pointerdown", function (e) {
    drawing = true; canvas.setPointerCapture(e.pointerId);
    var p = point(e); ctx.beginPath(); ctx.moveTo(p[0], p[1]);
  });
  canvas.addEventListener("pointermove", function (e) {
    if (!drawing) return;
    var p = point(e); ctx.lineTo(p[0], p[1]); ctx.stroke(); dirty = true;
  });
  ["pointerup", "pointercancel"].forEach(function (name) {
    canvas.addEventListener(name, function () { drawing = false; });
  });
  pad.querySelector("[data-clear]").addEventListener("click", function () {
    ctx.clearRect(0, 0, canvas.width, canvas.height); dirty = false; field.value = "";
  });
  form.addEventListener("submit", function () {
    if (dirty) field.value = canvas.toDataURL("image/png");
  });
})();
