/* The GED's folder page: multi-select (shift-click ranges), bulk bar, folder picker filter, drag and
   drop of documents onto folders, previous/next in the preview pane. The list itself is redrawn by
   htmx polling; the selection survives the redraw. */
(function () {
  "use strict";
  var lastChecked = null;
  var kept = [];

  function checks() { return Array.prototype.slice.call(document.querySelectorAll("#documents .doc-check")); }
  function selectedIds() { return checks().filter(function (c) { return c.checked; }).map(function (c) { return c.value; }); }

  function refreshBar() {
    var bar = document.getElementById("bulk-form");
    if (!bar) { return; }
    var all = bar.querySelector("[data-bulk-all]");
    var count = all && all.checked ? parseInt(all.getAttribute("data-total") || "0", 10) || "∞" : selectedIds().length;
    var counter = bar.querySelector("[data-bulk-count]");
    if (counter) { counter.textContent = String(all && all.checked ? all.closest("label").textContent.trim() : count); }
    bar.classList.toggle("has-selection", (all && all.checked) || selectedIds().length > 0);
    bar.querySelectorAll("[data-needs-selection]").forEach(function (button) {
      button.disabled = !((all && all.checked) || selectedIds().length > 0);
    });
  }

  function normalise(text) {
    return (text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  document.addEventListener("click", function (event) {
    var box = event.target.closest(".doc-check");
    if (box) {
      if (event.shiftKey && lastChecked && lastChecked !== box) {
        var all = checks();
        var from = all.indexOf(lastChecked), to = all.indexOf(box);
        all.slice(Math.min(from, to), Math.max(from, to) + 1).forEach(function (c) { c.checked = box.checked; });
      }
      lastChecked = box;
      refreshBar();
    }
    var page = event.target.closest("[data-select-page]");
    if (page) { checks().forEach(function (c) { c.checked = page.checked; }); refreshBar(); }
    if (event.target.closest("[data-bulk-all]")) { refreshBar(); }
    var pageStep = event.target.closest("[data-page-step]");
    if (pageStep) {
      var figure = pageStep.closest(".pdf-pages");
      var wanted = parseInt(figure.getAttribute("data-page"), 10) + parseInt(pageStep.getAttribute("data-page-step"), 10);
      if (wanted >= 1 && wanted <= parseInt(figure.getAttribute("data-pages"), 10)) {
        figure.setAttribute("data-page", String(wanted));
        figure.querySelector("img").src = figure.getAttribute("data-page-url") + "?page=" + wanted;
        figure.querySelector("[data-page-label]").textContent = String(wanted);
      }
    }
    var step = event.target.closest("[data-preview-step]");
    if (step) {
      var links = Array.prototype.slice.call(document.querySelectorAll("#documents .doc-name"));
      var current = document.querySelector("#preview [data-preview-document]");
      var id = current && current.getAttribute("data-preview-document");
      var index = links.findIndex(function (a) { return a.closest("tr").getAttribute("data-document-id") === id; });
      var next = links[index + parseInt(step.getAttribute("data-preview-step"), 10)];
      if (next) { next.click(); }
    }
  });

  document.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    var question = submitter && submitter.getAttribute("data-confirm-bulk");
    if (question) {
      var n = selectedIds().length;
      if (!window.confirm(question + " (" + n + ")")) { event.preventDefault(); }
    }
  });

  document.addEventListener("input", function (event) {
    var filter = event.target.closest("[data-filter-select]");
    if (!filter) { return; }
    var select = document.getElementById(filter.getAttribute("data-filter-select"));
    var wanted = normalise(filter.value).split(/\s+/).filter(Boolean);
    var first = null;
    Array.prototype.forEach.call(select.options, function (option) {
      var text = normalise(option.textContent);
      var shown = wanted.every(function (word) { return text.indexOf(word) !== -1; });
      option.hidden = !shown;
      if (shown && !first && option.value) { first = option; }
    });
    if (first && select.selectedOptions[0] && select.selectedOptions[0].hidden) { first.selected = true; }
  });

  // Drag documents (the selection, or the dragged row) onto a folder of the tree or of the list.
  document.addEventListener("dragstart", function (event) {
    var row = event.target.closest && event.target.closest(".doc-row");
    if (!row) { return; }
    var ids = selectedIds();
    if (ids.indexOf(row.getAttribute("data-document-id")) === -1) { ids = [row.getAttribute("data-document-id")]; }
    event.dataTransfer.setData("application/x-comptoir-documents", ids.join(","));
    event.dataTransfer.effectAllowed = "move";
  });
  document.addEventListener("dragover", function (event) {
    var target = event.target.closest && event.target.closest("[data-drop-folder]");
    if (target && Array.prototype.indexOf.call(event.dataTransfer.types, "application/x-comptoir-documents") !== -1) {
      event.preventDefault();
      target.classList.add("drop-over");
    }
  });
  document.addEventListener("dragleave", function (event) {
    var target = event.target.closest && event.target.closest("[data-drop-folder]");
    if (target) { target.classList.remove("drop-over"); }
  });
  document.addEventListener("drop", function (event) {
    var target = event.target.closest && event.target.closest("[data-drop-folder]");
    var ids = event.dataTransfer && event.dataTransfer.getData("application/x-comptoir-documents");
    var bar = document.getElementById("bulk-form");
    if (!target || !ids || !bar) { return; }
    event.preventDefault();
    // A real form post (not fetch): the browser follows the redirect and shows its messages.
    var form = document.createElement("form");
    form.method = "post";
    // getAttribute: the bulk form has buttons named "action", which shadow its .action property.
    form.setAttribute("action", bar.getAttribute("action"));
    var fields = [["csrfmiddlewaretoken", bar.querySelector("[name=csrfmiddlewaretoken]").value], ["action", "move"],
                  ["folder", target.getAttribute("data-drop-folder")], ["filters", bar.querySelector("[name=filters]").value]];
    ids.split(",").forEach(function (id) { fields.push(["document", id]); });
    fields.forEach(function (field) {
      var input = document.createElement("input");
      input.type = "hidden"; input.name = field[0]; input.value = field[1];
      form.appendChild(input);
    });
    document.body.appendChild(form);
    form.submit();
  });

  // The list's poll waits while a row menu is open or a field has focus (done here, not with an
  // hx-trigger filter: those are evaluated code, which the portal's CSP does not run).
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.target && event.target.id === "documents"
        && document.querySelector("#documents details[open], #documents input:focus, #documents select:focus")) {
      event.preventDefault();
    }
  });

  // The list's poll says what it shows (the list's stamp, each row's stamp): the server answers 204 when
  // nothing changed, only the changed rows (swapped out of band, in place) when the same rows are shown,
  // the whole list otherwise. One request per poll whatever the number of rows.
  document.addEventListener("htmx:configRequest", function (event) {
    var list = event.detail.elt;
    if (!list || list.id !== "documents" || event.detail.verb !== "get") { return; }
    event.detail.parameters.stamp = list.getAttribute("data-stamp") || "";
    event.detail.parameters.rows = Array.prototype.map.call(list.querySelectorAll("tr.doc-row"), function (row) {
      return row.getAttribute("data-document-id") + ":" + row.getAttribute("data-row-stamp");
    }).join(",");
    kept = selectedIds();
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var list = event.detail.elt;
    var stamp = event.detail.xhr && event.detail.xhr.getResponseHeader("X-List-Stamp");
    if (list && list.id === "documents" && stamp) {
      list.setAttribute("data-stamp", stamp);
      if (kept.length) {
        checks().forEach(function (c) { if (kept.indexOf(c.value) !== -1) { c.checked = true; } });
        kept = [];
      }
      refreshBar();
    }
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "documents") { kept = selectedIds(); }
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (kept.length) {
      checks().forEach(function (c) { if (kept.indexOf(c.value) !== -1) { c.checked = true; } });
      kept = [];
    }
    refreshBar();
  });
  document.addEventListener("DOMContentLoaded", refreshBar);
})();
