// 工作概览: draws each chart with ECharts from the data the page carries in
// <script type="application/json" id="dashboard-plots"> ({chart key: [plot, ...]}), into
// every <div class="dash-chart" data-chart="key" data-plot="n">. No inline script, so the
// page works under a strict Content-Security-Policy. A plot is {title, kind (bar, hbar,
// line), categories, series: [{name, data, stack?, polarity?}], percent}.
(function () {
  "use strict";

  // Colour-blind-safe (Okabe–Ito), darkened enough to read on white; 失信 red, 良好 green.
  var PALETTE = ["#0b63a8", "#d47f00", "#00805c", "#c0392b", "#8e4f9e", "#3f8fc5", "#8a6d00", "#5f6b73"];
  var POLARITY = { dishonest: "#c0392b", good: "#2e7d32" };
  var TEXT = "#212529";
  var MUTED = "#5c636a";

  function narrow() { return window.innerWidth < 576; }

  function label(text, room) {
    // Long names (units, behaviours) are cut on the axis; the tooltip shows them whole.
    text = String(text);
    return text.length > room ? text.slice(0, room - 1) + "…" : text;
  }

  function option(plot) {
    var horizontal = plot.kind === "hbar";
    var phone = narrow();
    var room = horizontal ? (phone ? 7 : 14) : (phone ? 7 : 9); // 7: "2026-01" whole
    var categoryAxis = {
      type: "category",
      data: plot.categories,
      axisLabel: {
        color: TEXT,
        fontSize: phone ? 11 : 12,
        interval: horizontal ? 0 : "auto",
        rotate: !horizontal && plot.categories.length > (phone ? 4 : 8) ? 45 : 0,
        formatter: function (value) { return label(value, room); }
      },
      axisTick: { alignWithLabel: true },
      inverse: horizontal // the first category on top, as in the table
    };
    var valueAxis = {
      type: "value",
      minInterval: plot.percent ? 0 : 1,
      max: plot.percent ? 100 : null,
      axisLabel: { color: MUTED, formatter: plot.percent ? "{value}%" : "{value}" },
      splitLine: { lineStyle: { color: "#e3e6e8" } }
    };
    var series = plot.series.map(function (s, i) {
      var colour = POLARITY[s.polarity] || PALETTE[i % PALETTE.length];
      return {
        name: s.name,
        type: plot.kind === "line" ? "line" : "bar",
        stack: s.stack || null,
        data: s.data,
        itemStyle: { color: colour },
        lineStyle: { color: colour },
        barMaxWidth: 28,
        emphasis: { focus: "series" }
      };
    });
    return {
      textStyle: { fontFamily: "system-ui, -apple-system, \"Segoe UI\", \"Noto Sans CJK SC\", \"Microsoft YaHei\", sans-serif" },
      color: PALETTE,
      animation: false,
      legend: { type: "scroll", top: 0, textStyle: { color: TEXT } },
      tooltip: {
        trigger: "axis",
        axisPointer: { type: "shadow" },
        valueFormatter: function (v) {
          return v === null || v === undefined ? "—" : plot.percent ? v + "%" : String(v);
        }
      },
      // Room on the right for the value axis's last label ("100%") under horizontal bars.
      grid: { left: 8, right: horizontal ? 28 : 12, top: 36, bottom: 8, containLabel: true },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? categoryAxis : valueAxis,
      series: series
    };
  }

  function height(plot) {
    if (plot.kind !== "hbar") return narrow() ? 280 : 320;
    var bars = plot.categories.length * Math.max(1, stacks(plot));
    return Math.max(200, Math.min(900, 70 + bars * 24));
  }

  function stacks(plot) {
    var seen = {};
    var count = 0;
    plot.series.forEach(function (s) {
      var key = s.stack || ("#" + s.name);
      if (!seen[key]) { seen[key] = true; count += 1; }
    });
    return count;
  }

  function draw() {
    var source = document.getElementById("dashboard-plots");
    if (!source || !window.echarts) return;
    var plots = JSON.parse(source.textContent);
    var drawn = [];
    document.querySelectorAll(".dash-chart").forEach(function (el) {
      var plot = (plots[el.getAttribute("data-chart")] || [])[Number(el.getAttribute("data-plot"))];
      if (!plot) return;
      el.style.height = height(plot) + "px";
      el.style.width = "100%";
      var chart = window.echarts.init(el, null, { renderer: "canvas", locale: "ZH" });
      chart.setOption(option(plot));
      drawn.push({ chart: chart, plot: plot, phone: narrow() });
    });
    var pending = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(pending);
      pending = window.setTimeout(function () {
        drawn.forEach(function (d) {
          if (d.phone !== narrow()) { // labels and heights follow the width class
            d.phone = narrow();
            d.chart.getDom().style.height = height(d.plot) + "px";
            d.chart.setOption(option(d.plot), true);
          }
          d.chart.resize();
        });
      }, 150);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
