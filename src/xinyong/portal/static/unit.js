/* /unit: the batch page follows its import (progressive enhancement: without this script the page
   refreshes itself while the batch runs). Polls /unit/batches/{id}/progress and reloads when it is done. */
(function () {
  "use strict";
  var box = document.getElementById("batch");
  if (!box || box.getAttribute("data-running") !== "true") { return; }
  var url = box.getAttribute("data-progress-url");
  var bar = document.getElementById("batch-progress");
  var text = document.getElementById("progress-text");
  var zh = (document.documentElement.lang || "").indexOf("zh") === 0;
  var fmt = function (n) { return Number(n || 0).toLocaleString(zh ? "zh-CN" : "en-GB"); };
  var set = function (id, value) { var el = document.getElementById(id); if (el) { el.textContent = fmt(value); } };
  function tick() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(function (p) {
        if (p.total) { bar.max = p.total; bar.value = p.rows; }
        if (text) {
          text.textContent = p.total
            ? (zh ? "已读取并存储 " + fmt(p.rows) + " / " + fmt(p.total) + " 行" : fmt(p.rows) + " of " + fmt(p.total) + " rows read and stored")
            : (zh ? "已读取并存储 " + fmt(p.rows) + " 行" : fmt(p.rows) + " rows read and stored");
        }
        set("count-rows", p.rows); set("count-accepted", p.accepted);
        set("count-already", p.already_present); set("count-rejected", p.rejected);
        if (p.running) { window.setTimeout(tick, 1000); } else { window.location.reload(); }
      })
      .catch(function () { window.setTimeout(tick, 3000); });
  }
  window.setTimeout(tick, 500);
}());
