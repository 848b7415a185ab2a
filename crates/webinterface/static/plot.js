// Stand hub: the result page's plots. A small canvas line plot of our own (no library, no
// CDN): axes with ticks, hover readout, drag across to zoom in, double-click to zoom out.
// The server sends at most ~2,000 points per plot (min/max per bucket, so peaks survive);
// zooming asks the server for the window (samples, or frequencies) at full resolution.
(function () {
  "use strict";

  var page = document.getElementById("result-page");
  if (!page) { return; }
  var id = page.getAttribute("data-result");
  // Every word shown comes from the page, in the reader's language ("{x}" marks a blank).
  function label(name) { return page.getAttribute("data-label-" + name) || ""; }
  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (all, k) { return k in values ? values[k] : all; });
  }
  var PAD = { l: 64, r: 12, t: 24, b: 40 };

  function niceStep(span, n) {
    var raw = span / Math.max(n, 1);
    var mag = Math.pow(10, Math.floor(Math.log10(raw)));
    var f = raw / mag;
    return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
  }

  // A tick summed up from a negative start lands a rounding error away from zero: say 0.
  function snap(t, step) { return Math.abs(t) < step * 1e-6 ? 0 : t; }

  function fmt(v) {
    if (v === 0) { return "0"; }
    var a = Math.abs(v);
    if (a >= 1e5 || a < 1e-3) { return v.toExponential(2); }
    return String(Math.round(v * 1e4) / 1e4);
  }

  function lowerBound(xs, x) {
    var lo = 0, hi = xs.length;
    while (lo < hi) { var m = (lo + hi) >> 1; if (xs[m] < x) { lo = m + 1; } else { hi = m; } }
    return lo;
  }

  // One plot in `box`: `load(x0, x1)` resolves to {x, y} for a window (null = everything).
  function Plot(box, opts) {
    var self = this;
    this.box = box;
    this.opts = opts;
    box.textContent = "";
    this.canvas = document.createElement("canvas");
    this.canvas.className = "plot-canvas";
    this.readout = document.createElement("div");
    this.readout.className = "readout";
    this.readout.textContent = opts.title;
    box.appendChild(this.readout);
    box.appendChild(this.canvas);
    this.full = opts.points;
    this.data = opts.points;
    this.drag = null;
    this.hover = null;
    this.canvas.addEventListener("mousedown", function (e) { self.drag = { a: self.px(e), b: self.px(e) }; });
    this.canvas.addEventListener("mousemove", function (e) {
      var p = self.px(e);
      if (self.drag) { self.drag.b = p; }
      self.hover = p;
      self.draw();
    });
    this.canvas.addEventListener("mouseleave", function () { self.hover = null; self.draw(); });
    window.addEventListener("mouseup", function () {
      if (!self.drag) { return; }
      var d = self.drag;
      self.drag = null;
      if (Math.abs(d.a - d.b) > 4) { self.zoom(self.toX(Math.min(d.a, d.b)), self.toX(Math.max(d.a, d.b))); } else { self.draw(); }
    });
    this.canvas.addEventListener("dblclick", function () { self.data = self.full; self.range = null; self.draw(); });
    window.addEventListener("resize", function () { self.draw(); });
    this.draw();
  }

  Plot.prototype.px = function (e) { var r = this.canvas.getBoundingClientRect(); return e.clientX - r.left; };

  Plot.prototype.toX = function (px) {
    var w = this.w - PAD.l - PAD.r;
    return this.x0 + (px - PAD.l) / w * (this.x1 - this.x0);
  };

  Plot.prototype.zoom = function (a, b) {
    var self = this;
    this.range = [a, b];
    if (this.opts.xy) {
      // x–y pairs are in sample order, not x order: keep those inside the window.
      var f = this.full, xs = [], ys = [];
      for (var k = 0; k < f.x.length; k++) { if (f.x[k] >= a && f.x[k] <= b) { xs.push(f.x[k]); ys.push(f.y[k]); } }
      this.data = { x: xs, y: ys };
      this.draw();
    } else if (this.opts.window) {
      this.opts.window(a, b).then(function (pts) { if (self.range) { self.data = pts; self.draw(); } });
    } else {
      var i = lowerBound(this.full.x, a), j = lowerBound(this.full.x, b);
      this.data = { x: this.full.x.slice(i, j + 1), y: this.full.y.slice(i, j + 1) };
      this.draw();
    }
  };

  Plot.prototype.draw = function () {
    var c = this.canvas, d = this.data, dpr = window.devicePixelRatio || 1;
    var w = this.box.clientWidth || 600, h = 260;
    this.w = w;
    c.width = w * dpr; c.height = h * dpr;
    c.style.width = w + "px"; c.style.height = h + "px";
    var g = c.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    var n = d.x.length;
    var x0 = this.range ? this.range[0] : (n ? d.x[0] : 0);
    var x1 = this.range ? this.range[1] : (n ? d.x[n - 1] : 1);
    if (this.opts.xy && !this.range && n) {
      x0 = Infinity; x1 = -Infinity;
      for (var q = 0; q < n; q++) { if (d.x[q] < x0) { x0 = d.x[q]; } if (d.x[q] > x1) { x1 = d.x[q]; } }
    }
    if (x1 === x0) { x1 = x0 + 1; }
    var y0 = Infinity, y1 = -Infinity, i;
    for (i = 0; i < n; i++) { if (d.y[i] < y0) { y0 = d.y[i]; } if (d.y[i] > y1) { y1 = d.y[i]; } }
    if (!isFinite(y0)) { y0 = 0; y1 = 1; }
    // A spectrum's exact zeros sit at the floor (-300 dB): show a useful range under the peak.
    if (this.opts.range && y1 - y0 > this.opts.range) { y0 = y1 - this.opts.range; }
    if (y1 === y0) { y0 -= 1; y1 += 1; }
    var padY = (y1 - y0) * 0.05; y0 -= padY; y1 += padY;
    this.x0 = x0; this.x1 = x1;
    var pw = w - PAD.l - PAD.r, ph = h - PAD.t - PAD.b;
    var sx = function (x) { return PAD.l + (x - x0) / (x1 - x0) * pw; };
    var sy = function (y) { return PAD.t + (1 - (y - y0) / (y1 - y0)) * ph; };

    // Axes and ticks.
    g.strokeStyle = "#ccc"; g.fillStyle = "#555"; g.font = "11px sans-serif"; g.lineWidth = 1;
    var t, step = niceStep(x1 - x0, Math.max(2, Math.floor(pw / 90)));
    g.textAlign = "center";
    for (t = Math.ceil(x0 / step) * step; t <= x1; t += step) {
      g.beginPath(); g.moveTo(sx(t), PAD.t); g.lineTo(sx(t), PAD.t + ph); g.stroke();
      g.fillText(fmt(snap(t, step) * this.opts.xScale), sx(t), PAD.t + ph + 14);
    }
    step = niceStep(y1 - y0, 5);
    g.textAlign = "right";
    for (t = Math.ceil(y0 / step) * step; t <= y1; t += step) {
      g.beginPath(); g.moveTo(PAD.l, sy(t)); g.lineTo(PAD.l + pw, sy(t)); g.stroke();
      g.fillText(fmt(snap(t, step)), PAD.l - 4, sy(t) + 4);
    }
    g.textAlign = "center";
    g.fillText(this.opts.xLabel, PAD.l + pw / 2, h - 6);
    g.save(); g.translate(12, PAD.t + ph / 2); g.rotate(-Math.PI / 2); g.fillText(this.opts.yLabel, 0, 0); g.restore();
    g.strokeStyle = "#888"; g.strokeRect(PAD.l, PAD.t, pw, ph);

    // The line.
    g.save();
    g.beginPath(); g.rect(PAD.l, PAD.t, pw, ph); g.clip();
    g.strokeStyle = this.opts.color; g.lineWidth = 1.2;
    g.beginPath();
    for (i = 0; i < n; i++) { if (i) { g.lineTo(sx(d.x[i]), sy(d.y[i])); } else { g.moveTo(sx(d.x[i]), sy(d.y[i])); } }
    g.stroke();
    g.restore();

    if (this.drag) {
      g.fillStyle = "rgba(30,100,200,.15)";
      g.fillRect(Math.min(this.drag.a, this.drag.b), PAD.t, Math.abs(this.drag.a - this.drag.b), ph);
    }
    if (this.hover !== null && n && this.hover >= PAD.l && this.hover <= PAD.l + pw) {
      var xv = this.toX(this.hover), k = Math.min(lowerBound(d.x, xv), n - 1);
      if (k > 0 && Math.abs(d.x[k - 1] - xv) < Math.abs(d.x[k] - xv)) { k -= 1; }
      if (this.opts.xy) {
        k = 0;
        for (var m = 1; m < n; m++) { if (Math.abs(d.x[m] - xv) < Math.abs(d.x[k] - xv)) { k = m; } }
      }
      g.strokeStyle = "#d33"; g.beginPath(); g.moveTo(sx(d.x[k]), PAD.t); g.lineTo(sx(d.x[k]), PAD.t + ph); g.stroke();
      g.fillStyle = "#d33"; g.beginPath(); g.arc(sx(d.x[k]), sy(d.y[k]), 3, 0, 7); g.fill();
      this.readout.textContent = this.opts.title + " — " + this.opts.xLabel + ": " + fmt(d.x[k] * this.opts.xScale) +
        ", " + this.opts.yLabel + ": " + fmt(d.y[k]);
    } else {
      this.readout.textContent = this.opts.title + (this.range ? " " + label("zoomed") : "");
    }
    this.box.setAttribute("data-drawn", "true");
    this.box.setAttribute("data-points", String(n));
    this.box.setAttribute("data-x0", String(x0));
    this.box.setAttribute("data-x1", String(x1));
    this.box.setAttribute("data-x-label", this.opts.xLabel);
  };

  function getJson(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) { throw new Error(url + ": HTTP " + r.status); }
      return r.json();
    });
  }

  getJson("/api/results/" + id + "/plot").then(function (p) {
    var rate = p.rate;
    // Each series' plot against the sample index or time, to return to from an x–y plot.
    var byIndex = [];
    p.series.forEach(function (s) {
      var time = page.querySelector('.plot[data-kind="time"][data-position="' + s.position + '"]');
      var spec = page.querySelector('.plot[data-kind="spectrum"][data-position="' + s.position + '"]');
      if (time) {
        var opts = {
          title: time.getAttribute("data-title"), points: s.time, color: "#1f5fbf",
          xScale: rate ? 1 / rate : 1, xLabel: rate ? label("time") : label("sample"), yLabel: label("value"),
          window: function (a, b) {
            return getJson("/api/results/" + id + "/series/" + s.position + "?from=" + Math.floor(a) + "&to=" + Math.ceil(b));
          }
        };
        byIndex.push({ s: s, box: time, opts: opts });
        time.setAttribute("data-x-axis", "index");
        new Plot(time, opts);
      }
      if (spec) {
        new Plot(spec, {
          title: spec.getAttribute("data-title"), points: s.spectrum, color: "#b5521b", xScale: 1, range: 200,
          xLabel: rate ? label("frequency-hz") : label("frequency-cycles"), yLabel: label("power"),
          window: function (a, b) {
            return getJson("/api/results/" + id + "/series/" + s.position + "/spectrum?from=" + a + "&to=" + b);
          }
        });
      }
    });
    // The x axis picker: sample index/time, or any numeric series (an x–y plot of the others).
    var pick = document.getElementById("x-axis");
    if (pick) {
      pick.addEventListener("change", function () {
        var xPos = pick.value;
        var xName = xPos === "" ? "" : pick.options[pick.selectedIndex].text;
        byIndex.forEach(function (t) {
          if (xPos === "" || String(t.s.position) === xPos) {
            t.box.setAttribute("data-x-axis", "index");
            new Plot(t.box, t.opts);
            return;
          }
          getJson("/api/results/" + id + "/xy?x=" + xPos + "&y=" + t.s.position).then(function (pts) {
            if (pick.value !== xPos) { return; }
            t.box.setAttribute("data-x-axis", xPos);
            new Plot(t.box, {
              title: fill(label("against"), { y: t.s.name, x: xName }), points: pts, color: "#1f5fbf", xy: true,
              xScale: 1, xLabel: xName, yLabel: t.s.name
            });
          });
        });
      });
    }
  }).catch(function (e) {
    Array.prototype.forEach.call(page.querySelectorAll(".plot"), function (b) {
      b.textContent = fill(label("failed"), { error: e.message });
    });
  });

  var del = document.getElementById("delete-form");
  if (del) {
    del.addEventListener("submit", function (e) {
      if (!window.confirm(del.getAttribute("data-confirm"))) { e.preventDefault(); }
    });
  }
})();
