// Stand hub: live updates for the dashboard, the stand page, the results list and the
// quarantine (server-sent events), and the "add parameter" button. Plain JS, no libraries:
// the lab LAN may be offline.
(function () {
  "use strict";

  // Every part that changes arrives rendered by the server, from the same askama partial the
  // page was drawn with (see the web interface's events.rs): this script formats nothing, it
  // only puts the HTML in place.

  // Replaces the element with this id by html, if the page has it; returns the new element.
  function replace(id, html) {
    var el = document.getElementById(id);
    if (!el || html == null) { return null; }
    el.outerHTML = html;
    return document.getElementById(id);
  }

  function flash(el) {
    if (!el) { return; }
    el.classList.remove("flash");
    void el.offsetWidth;
    el.classList.add("flash");
  }

  function onStand(e) {
    var s = JSON.parse(e.data);
    var rowId = "stand-" + s.id;
    var row = replace(rowId, s.row);
    var rows = document.getElementById("dashboard-rows");
    if (!row && rows) {
      // A stand the dashboard has not listed yet.
      rows.insertAdjacentHTML("beforeend", s.row);
      row = document.getElementById(rowId);
    }
    flash(row);
    var page = document.getElementById("standpage");
    if (page && page.getAttribute("data-stand") === s.id) {
      replace("not-ready", s.start_hint);
      replace("status-history", s.history);
    }
  }

  function onResult(e) {
    var r = JSON.parse(e.data);
    var page = document.getElementById("standpage");
    if (page && page.getAttribute("data-stand") === r.stand) {
      replace("recent-results", r.results);
    }
    notice("result", r.stand);
  }

  // Shows the page's "new … — show them" notice for this kind of event (and stand).
  function notice(kind, stand) {
    var shown = document.querySelectorAll('[data-live-notice="' + kind + '"]');
    Array.prototype.forEach.call(shown, function (el) {
      var only = el.getAttribute("data-stand");
      if (!only || only === stand) { el.hidden = false; }
    });
  }

  // Updates may have been missed: read this page again and swap in its live parts.
  function resync() {
    var page = document.querySelector("[data-live-src]");
    if (!page || !window.DOMParser) { return; }
    fetch(page.getAttribute("data-live-src"), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html");
        Array.prototype.forEach.call(document.querySelectorAll("[data-live-part]"), function (el) {
          var part = el.id && fresh.getElementById(el.id);
          if (part) { el.outerHTML = part.outerHTML; }
        });
      });
  }

  function live() {
    var badge = document.getElementById("live");
    var listens = badge || document.querySelector("[data-live-notice]");
    if (!listens || !window.EventSource) { return; }
    var source = new EventSource("/events");
    var opened = false;
    source.addEventListener("hello", function () {
      // For pages without a badge (and tests): the stream is open.
      document.body.setAttribute("data-live", "on");
      if (badge) {
        badge.setAttribute("data-live", "on");
        badge.textContent = badge.getAttribute("data-on-text");
      }
      // A second hello is a reconnection: what happened meanwhile was missed.
      if (opened) { resync(); }
      opened = true;
    });
    source.addEventListener("stand", onStand);
    source.addEventListener("result", onResult);
    source.addEventListener("quarantine", function () { notice("quarantine", ""); });
    source.addEventListener("resync", resync);
    source.onerror = function () {
      document.body.setAttribute("data-live", "off");
      if (badge) {
        badge.setAttribute("data-live", "off");
        badge.textContent = badge.getAttribute("data-off-text");
      }
    };
  }

  function params() {
    var button = document.getElementById("add-param");
    var table = document.getElementById("params");
    if (!button || !table) { return; }
    button.addEventListener("click", function () {
      var tbody = table.tBodies[0];
      var n = tbody.rows.length + 1;
      var tr = document.createElement("tr");
      ["param_name", "param_value"].forEach(function (name) {
        var td = document.createElement("td");
        var input = document.createElement("input");
        input.name = name;
        // The page gives the label in its language, with "{n}" where the row's number goes.
        var label = table.getAttribute(name === "param_name" ? "data-label-name" : "data-label-value") || "";
        input.setAttribute("aria-label", label.replace("{n}", String(n)));
        td.appendChild(input);
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { live(); params(); });
})();
