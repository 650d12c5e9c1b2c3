// Long work (imports, the freeze and draw of large pools): poll the job's status, update the
// <progress> bar (left moving when the job gives no percentage), reload the page when done.
// Without JavaScript the page refreshes itself (<meta http-equiv="refresh">).
(function () {
  "use strict";
  var bar = document.querySelector("progress[data-status-url]");
  if (!bar) { return; }
  var text = document.querySelector("[data-progress-text]");
  var url = bar.getAttribute("data-status-url");
  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (job) {
        if (!job.running) { window.location.reload(); return; }
        if (typeof job.progress === "number" && job.status !== "committing") {
          bar.max = 100;
          bar.value = job.progress;
          if (text && text.dataset.template) {
            text.textContent = text.dataset.template.replace("{rows}", job.rows.toLocaleString());
          }
        }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 1000);
}());
