/* 看板: draws every <canvas data-chart="ID"> from the JSON in <script id="ID" type="application/json">,
 * with Chart.js from our own static files. Runs on the first load and after each Turbo visit; a canvas
 * already drawn is left alone. The numbers come as JSON strings (Decimals) and are read with Number(). */
(function () {
  "use strict";

  var PALETTE = ["#1e88e5", "#fb8c00", "#8e24aa", "#43a047", "#e53935", "#00897b"];
  var TONES = { positive: "#43a047", negative: "#e53935" };
  var FONT = "system-ui, -apple-system, 'Noto Sans CJK SC', 'PingFang SC', 'Microsoft YaHei', sans-serif";
  var tries = 0;

  function number(value) {
    if (value === null || value === undefined) return null;
    if (Array.isArray(value)) return value.map(number);
    return Number(value);
  }

  function dataset(spec, source, index) {
    var color = PALETTE[index % PALETTE.length];
    var colors = source.colors ? source.colors.map(function (tone) { return TONES[tone] || color; }) : color;
    var result = {
      label: source.label,
      data: number(source.data),
      backgroundColor: colors,
      borderColor: colors,
      borderWidth: 1
    };
    if (source.type) result.type = source.type;
    if (source.floating) {
      result.backgroundColor = "#90caf9";
      result.borderColor = "#1e88e5";
    }
    if ((source.type || spec.type) === "line") {
      result.fill = false;
      result.tension = 0;
      result.spanGaps = false;
      result.pointRadius = 4;
      result.borderWidth = 2;
      if (spec.horizontal) result.indexAxis = "y";
    }
    if (source.points) {
      result.order = -1; // drawn over the bars
      result.showLine = false;
      result.pointRadius = 7;
      result.pointStyle = "rectRot";
      result.backgroundColor = "#212121";
      result.borderColor = "#212121";
    }
    return result;
  }

  // Long item names would push a phone's bars off the canvas: cut them there (the table has them whole).
  function shortLabel(value) {
    var label = String(this.getLabelForValue(value));
    var room = this.chart.width < 560 ? 9 : 24;
    return label.length > room ? label.slice(0, room - 1) + "…" : label;
  }

  function config(spec) {
    var horizontal = Boolean(spec.horizontal);
    var floating = spec.datasets.some(function (source) { return source.floating; });
    var value = {
      beginAtZero: !floating,
      stacked: Boolean(spec.stacked),
      ticks: spec.integer ? { precision: 0 } : {},
      title: spec.yTitle ? { display: true, text: spec.yTitle } : { display: false }
    };
    var category = {
      stacked: Boolean(spec.stacked),
      ticks: { autoSkip: !horizontal },
      title: spec.xTitle ? { display: true, text: spec.xTitle } : { display: false }
    };
    if (horizontal) {
      value.title = { display: false };
      category.ticks.callback = shortLabel; // only here: an undefined callback would print the indexes
    }
    var scales = horizontal ? { x: value, y: category } : { x: category, y: value };
    return {
      type: spec.type,
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (source, index) { return dataset(spec, source, index); })
      },
      options: {
        indexAxis: horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: spec.datasets.length > 1, position: "bottom" } },
        scales: scales
      }
    };
  }

  function draw() {
    var canvases = document.querySelectorAll("canvas[data-chart]");
    if (!canvases.length) return;
    if (!window.Chart) {
      // After a Turbo visit the library may still be loading: wait for it a little.
      if (tries++ < 100) window.setTimeout(draw, 50);
      return;
    }
    window.Chart.defaults.font.family = FONT;
    window.Chart.defaults.font.size = 13;
    canvases.forEach(function (canvas) {
      if (window.Chart.getChart(canvas)) return;
      var source = document.getElementById(canvas.getAttribute("data-chart"));
      if (!source) return;
      new window.Chart(canvas, config(JSON.parse(source.textContent)));
      canvas.setAttribute("data-drawn", "true");
    });
  }

  document.addEventListener("turbo:load", draw);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
