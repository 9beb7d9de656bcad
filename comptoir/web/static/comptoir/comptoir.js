/* Comptoir: the little behaviour the pages need (confirmations, tree drawer, uploads with progress). */
(function () {
  "use strict";

  function csrfToken() {
    var headers = document.body.getAttribute("hx-headers");
    try { return JSON.parse(headers)["X-CSRFToken"]; } catch (e) { return ""; }
  }

  // Forms that destroy something ask first.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-drawer]");
    if (toggle) {
      var drawer = document.getElementById(toggle.getAttribute("data-drawer"));
      var open = drawer.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    }
    // The GED tree: a folder's toggle shows or hides its subfolders (the link beside it opens the folder).
    var branch = event.target.closest("[data-tree-toggle]");
    if (branch) {
      var item = branch.closest("li"), group = item && item.querySelector(":scope > ul[role=group]");
      if (group) {
        var expanded = group.hidden;
        group.hidden = !expanded;
        branch.setAttribute("aria-expanded", expanded ? "true" : "false");
        item.setAttribute("aria-expanded", expanded ? "true" : "false");
      }
    }
    if (event.target.closest("[data-close-preview]")) {
      var preview = document.getElementById("preview");
      if (preview) { preview.innerHTML = ""; }
    }
  });

  function uploadOne(zone, file, list, done) {
    var item = document.createElement("li");
    var name = document.createElement("span");
    name.className = "upload-name";
    name.textContent = file.name;
    var bar = document.createElement("progress");
    bar.max = 100; bar.value = 0;
    var status = document.createElement("span");
    status.className = "upload-status";
    item.append(name, bar, status);
    list.appendChild(item);

    var data = new FormData();
    data.append("file", file, file.name);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", zone.getAttribute("data-upload-url"));
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) { bar.value = Math.round(100 * event.loaded / event.total); }
    });
    xhr.addEventListener("load", function () {
      var answer = {};
      try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = {}; }
      if (xhr.status >= 200 && xhr.status < 300 && answer.ok) {
        bar.value = 100;
        item.classList.add("ok");
        status.textContent = zone.getAttribute("data-ok-text") || "✓";
      } else {
        item.classList.add("refused");
        status.textContent = answer.error || zone.getAttribute("data-error-text") || ("HTTP " + xhr.status);
      }
      done();
    });
    xhr.addEventListener("error", function () {
      item.classList.add("refused");
      status.textContent = zone.getAttribute("data-network-text") || "Erreur réseau";
      done();
    });
    xhr.send(data);
  }

  function uploadAll(zone, files) {
    var list = zone.querySelector(".uploads");
    var pending = files.length;
    // Several at once, but not all: a few parallel requests keep every bar moving.
    var queue = Array.prototype.slice.call(files);
    var running = 0;
    function next() {
      while (running < 3 && queue.length) {
        running += 1;
        uploadOne(zone, queue.shift(), list, function () {
          running -= 1; pending -= 1;
          if (pending === 0 && window.htmx) {
            htmx.ajax("GET", zone.getAttribute("data-refresh-url"), { target: "#documents", swap: "outerHTML" });
          }
          next();
        });
      }
    }
    next();
  }

  function setUpDropzone(zone) {
    var input = zone.querySelector("input[type=file]");
    input.addEventListener("change", function () {
      if (input.files.length) { uploadAll(zone, input.files); input.value = ""; }
    });
    ["dragenter", "dragover"].forEach(function (type) {
      zone.addEventListener(type, function (event) { event.preventDefault(); zone.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (type) {
      zone.addEventListener(type, function () { zone.classList.remove("over"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length) { uploadAll(zone, event.dataTransfer.files); }
    });
  }

  // Behaviour of the partials htmx swaps in, delegated from the document: the pages run under a
  // Content-Security-Policy without inline scripts or handlers.
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("[data-autosubmit]") && target.form) { target.form.submit(); }
    if (target.matches && target.matches("input[role=switch]")) {
      target.setAttribute("aria-checked", target.checked ? "true" : "false");
    }
    if (target.matches && target.matches("input[data-count-label]")) {
      var count = target.form && target.form.querySelector("[data-count]");
      if (count) {
        count.textContent = target.files.length ? target.files.length + " " + target.getAttribute("data-count-label") : "";
      }
    }
  });

  document.addEventListener("click", function (event) {
    var copy = event.target.closest && event.target.closest("button[data-copy]");
    if (copy && navigator.clipboard) {
      navigator.clipboard.writeText(copy.getAttribute("data-copy")).then(function () {
        copy.textContent = copy.getAttribute("data-copied") || copy.textContent;
      });
    }
  });

  // The zip import: XHR rather than htmx, because the progress bar needs the upload's progress events.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-zip-form]")) { return; }
    event.preventDefault();
    var bar = form.querySelector("progress"), panel = form.closest(".zip-import");
    var xhr = new XMLHttpRequest();
    bar.hidden = false;
    xhr.upload.addEventListener("progress", function (e) { if (e.lengthComputable) { bar.value = 100 * e.loaded / e.total; } });
    xhr.addEventListener("load", function () {
      panel.outerHTML = xhr.responseText;
      var fresh = document.getElementById(panel.id) || document.querySelector(".zip-progress");
      if (window.htmx && fresh) { window.htmx.process(fresh); }
    });
    xhr.open("POST", form.action);
    xhr.setRequestHeader("HX-Request", "true");
    xhr.send(new FormData(form));
  });

  // On a phone the capture panel is the main way in: open from the start; on a desktop it stays folded.
  function openPhoneCapture(root) {
    if (!window.matchMedia("(max-width: 700px)").matches) { return; }
    (root.querySelectorAll ? root : document).querySelectorAll("details[data-phone-capture]").forEach(function (details) {
      details.open = true;
    });
  }

  document.addEventListener("htmx:load", function (event) { openPhoneCapture(event.target); });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".dropzone[data-upload-url]").forEach(setUpDropzone);
    openPhoneCapture(document);
  });
})();
