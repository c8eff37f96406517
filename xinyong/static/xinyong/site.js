// Phones: label each table cell with its column heading, so that site.css can show rows as
// cards (label: value). Tables without a heading row stay as they are. Runs on load and
// after every HTMX swap (rows added by polling or feedback forms).
(function () {
  function labelTables(root) {
    root.querySelectorAll("table.table").forEach(function (table) {
      var heads = Array.prototype.map.call(
        table.querySelectorAll(":scope > thead > tr:last-child > th"),
        function (th) { return th.textContent.trim(); });
      if (!heads.length) return;
      table.classList.add("table-cards");
      table.querySelectorAll(":scope > tbody > tr").forEach(function (tr) {
        var column = 0;
        Array.prototype.forEach.call(tr.children, function (cell) {
          var span = cell.colSpan || 1;
          if (!cell.hasAttribute("data-label")) {
            cell.setAttribute("data-label", span === 1 ? (heads[column] || "") : "");
          }
          column += span;
        });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { labelTables(document); });
  document.addEventListener("htmx:afterSettle", function () { labelTables(document); });
})();
