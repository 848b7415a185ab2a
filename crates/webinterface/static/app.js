// Stand hub: live updates for the dashboard and the stand page (server-sent events), and the
// "add parameter" button. Plain JS, no libraries: the lab LAN may be offline.
(function () {
  "use strict";

  function text(el, value) { if (el && el.textContent !== value) { el.textContent = value; } }

  function fmtTime(iso) {
    if (!iso) { return "never"; }
    var d = new Date(iso);
    if (isNaN(d.getTime())) { return iso; }
    return d.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC").replace(/Z$/, " UTC");
  }

  function status(s) {
    return s.status_code != null ? s.status_code + " " + (s.status_meaning || "") : "—";
  }

  function power(s) {
    if (s.power_code === 610) { return "610 off"; }
    if (s.power_code === 600) { return "600 on"; }
    return s.power_code != null ? String(s.power_code) : "—";
  }

  // Updates the elements carrying data-field inside root from a stand's JSON.
  function apply(root, s) {
    var state = root.querySelector('[data-field="state"]');
    if (state) {
      text(state, s.state);
      state.className = "state state-" + s.state;
    }
    text(root.querySelector('[data-field="status"]'), status(s));
    text(root.querySelector('[data-field="power"]'), power(s));
    text(root.querySelector('[data-field="last_seen"]'), fmtTime(s.last_seen));
    text(root.querySelector('[data-field="run"]'), s.run != null ? "#" + s.run : "—");
  }

  function addRow(tbody, s) {
    var tr = document.createElement("tr");
    tr.id = "stand-" + s.id;
    tr.setAttribute("data-stand", s.id);
    var cells = [["Stand", null], ["State", "state"], ["Last status", "status"], ["Power", "power"],
      ["Last seen", "last_seen"], ["Run", "run"]];
    cells.forEach(function (c) {
      var td = document.createElement("td");
      td.setAttribute("data-label", c[0]);
      if (c[1] === "state") {
        var span = document.createElement("span");
        span.setAttribute("data-field", "state");
        td.appendChild(span);
      } else if (c[1]) {
        td.setAttribute("data-field", c[1]);
      } else {
        var a = document.createElement("a");
        a.href = "/stands/" + encodeURIComponent(s.id);
        a.textContent = s.name;
        td.appendChild(a);
      }
      tr.appendChild(td);
    });
    tbody.appendChild(tr);
    return tr;
  }

  function onStand(s) {
    var dash = document.getElementById("stands");
    if (dash) {
      var row = document.getElementById("stand-" + s.id);
      if (!row) { row = addRow(dash.tBodies[0], s); }
      apply(row, s);
      row.classList.remove("flash");
      void row.offsetWidth;
      row.classList.add("flash");
    }
    var page = document.getElementById("stand-page");
    if (page && page.getAttribute("data-stand") === s.id) {
      apply(page, s);
      var hint = document.getElementById("not-ready");
      if (hint) {
        hint.textContent = s.state === "ready" ? "" :
          "The stand is " + s.state + ": a test can only start when it is ready.";
      }
      refreshHistory(s.id);
    }
  }

  function refreshHistory(id) {
    var table = document.getElementById("history");
    if (!table) { return; }
    fetch("/api/stands/" + encodeURIComponent(id) + "/status?limit=20", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (rows) {
        if (!rows) { return; }
        var tbody = table.tBodies[0];
        while (tbody.firstChild) { tbody.removeChild(tbody.firstChild); }
        rows.forEach(function (h) {
          var tr = document.createElement("tr");
          [["Code", String(h.code)], ["Meaning", h.meaning], ["Received", fmtTime(h.received_at)]].forEach(function (c) {
            var td = document.createElement("td");
            td.setAttribute("data-label", c[0]);
            td.textContent = c[1];
            tr.appendChild(td);
          });
          tbody.appendChild(tr);
        });
      });
  }

  function resync() {
    fetch("/api/stands", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (all) { all.forEach(onStand); });
  }

  function live() {
    var badge = document.getElementById("live");
    if (!badge || !window.EventSource) { return; }
    var source = new EventSource("/events");
    source.addEventListener("hello", function () {
      badge.setAttribute("data-live", "on");
      badge.textContent = "live";
    });
    source.addEventListener("stand", function (e) { onStand(JSON.parse(e.data)); });
    source.addEventListener("resync", resync);
    source.onerror = function () {
      badge.setAttribute("data-live", "off");
      badge.textContent = "reconnecting…";
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
        input.setAttribute("aria-label", (name === "param_name" ? "Parameter name " : "Parameter value ") + n);
        td.appendChild(input);
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { live(); params(); });
})();
