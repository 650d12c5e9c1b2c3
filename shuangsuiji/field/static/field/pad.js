// A signature pad on a canvas: a finger, a stylus or a mouse; the PNG as a Blob.
export function createPad(canvas) {
  const ctx = canvas.getContext("2d");
  let drawing = false;
  let empty = true;
  function reset() {
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.lineWidth = 3; ctx.lineCap = "round"; ctx.lineJoin = "round"; ctx.strokeStyle = "#111";
    empty = true;
  }
  function point(e) {
    const r = canvas.getBoundingClientRect();
    return [(e.clientX - r.left) * canvas.width / r.width,
            (e.clientY - r.top) * canvas.height / r.height];
  }
  canvas.addEventListener("pointerdown", (e) => {
    drawing = true; canvas.setPointerCapture(e.pointerId);
    const [x, y] = point(e); ctx.beginPath(); ctx.moveTo(x, y);
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!drawing) return;
    const [x, y] = point(e); ctx.lineTo(x, y); ctx.stroke(); empty = false;
  });
  for (const name of ["pointerup", "pointercancel"]) {
    canvas.addEventListener(name, () => { drawing = false; });
  }
  reset();
  return {
    clear: reset,
    isEmpty: () => empty,
    toBlob: () => new Promise((resolve) => canvas.toBlob(resolve, "image/png")),
  };
}
