// stampclock web page: optional live updates. Every page works without it.
"use strict";
(function () {
  // The status refreshes itself from a server-rendered fragment.
  var status = document.getElementById("status");
  if (status && status.dataset.live) {
    var refresh = function () {
      if (document.hidden) { setTimeout(refresh, 2000); return; } // spare the terminal
      fetch(status.dataset.live, { credentials: "same-origin", redirect: "error" })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); })
        .then(function (html) { status.innerHTML = html; setTimeout(refresh, 2000); })
        .catch(function () { setTimeout(refresh, 10000); });
    };
    setTimeout(refresh, 2000);
  }
  // New taps arrive as server-sent events carrying a rendered table row.
  var taps = document.getElementById("taps");
  if (taps && taps.dataset.events && window.EventSource) {
    var body = taps.tBodies[0];
    var es = new EventSource(taps.dataset.events);
    es.addEventListener("tap", function (ev) {
      var none = body.querySelector("tr.none");
      if (none) none.remove();
      var t = document.createElement("tbody");
      t.innerHTML = ev.data;
      var row = t.firstElementChild;
      if (!row) return;
      row.classList.add("fresh");
      body.insertBefore(row, body.firstChild);
      while (body.rows.length > 50) body.deleteRow(body.rows.length - 1);
    });
  }
  // Enrolment waits for the tap: say so while the request runs.
  var enroll = document.getElementById("enroll");
  if (enroll) {
    enroll.addEventListener("submit", function () {
      enroll.querySelector(".wait").hidden = false;
    });
  }
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (ev) {
      if (!window.confirm(f.dataset.confirm)) ev.preventDefault();
    });
  });
})();
