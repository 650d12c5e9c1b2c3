// The task form's item picker: a filter box over the grouped checkboxes. Without this script
// the groups are plain checkboxes and the box stays hidden.
(function () {
  "use strict";
  function setUp(picker) {
    var box = picker.querySelector("[data-item-filter]");
    var count = picker.querySelector("[data-item-count]");
    var rows = picker.querySelectorAll("[data-item-text]");
    if (!box) { return; }
    box.parentNode.hidden = false;
    box.addEventListener("input", function () {
      var words = box.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      rows.forEach(function (row) {
        var text = row.getAttribute("data-item-text").toLowerCase();
        // A checked item stays in view, so a filter never hides what will be saved.
        var match = row.querySelector("input:checked") !== null ||
          words.every(function (word) { return text.indexOf(word) !== -1; });
        row.hidden = !match;
        if (match) { shown += 1; }
      });
      picker.querySelectorAll("[data-item-group]").forEach(function (group) {
        group.hidden = group.querySelector("[data-item-text]:not([hidden])") === null;
      });
      count.textContent = words.length ? shown + " / " + rows.length : "";
    });
  }
  document.querySelectorAll("[data-item-picker]").forEach(setUp);
}());
