/* unboxed report: draws the embedded figures with plotly.js and runs the row picker.
   User text is only ever set with textContent (never innerHTML). */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("unboxed-data").textContent);
  var config = { responsive: true, displaylogo: false,
                 modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d"] };

  function draw(div, fig) {
    return Plotly.newPlot(div, fig.data, fig.layout, config);
  }

  var charts = document.querySelectorAll("[data-figure]");
  for (var i = 0; i < charts.length; i++) {
    var fig = data.figures[charts[i].getAttribute("data-figure")];
    if (fig) { draw(charts[i], fig); }
  }

  function cell(tr, text, cls) {
    var td = document.createElement("td");
    td.textContent = text;
    if (cls) { td.className = cls; }
    tr.appendChild(td);
  }

  function showRow(k) {
    var row = data.rows[k];
    if (!row) { return; }
    document.getElementById("local-headline").textContent = row.headline;
    var ol = document.getElementById("local-reasons");
    while (ol.firstChild) { ol.removeChild(ol.firstChild); }
    row.reasons.forEach(function (s) {
      var li = document.createElement("li");
      li.textContent = s;
      ol.appendChild(li);
    });
    var tbody = document.querySelector("#local-table tbody");
    while (tbody.firstChild) { tbody.removeChild(tbody.firstChild); }
    row.table.forEach(function (t) {
      var tr = document.createElement("tr");
      cell(tr, t[0]); cell(tr, t[1]); cell(tr, t[2], t[3] > 0 ? "pos" : (t[3] < 0 ? "neg" : ""));
      tbody.appendChild(tr);
    });
    var div = document.getElementById("fig-waterfall");
    Plotly.react(div, row.figure.data, row.figure.layout, config);
    div.setAttribute("data-row", String(k));
  }

  var picker = document.getElementById("row-picker");
  if (picker) {
    picker.addEventListener("change", function () { showRow(parseInt(picker.value, 10)); });
  }
  window.unboxedReport = { data: data, showRow: showRow };
})();
