// otkaz: small enhancements over server-rendered pages. Every page works without them.
"use strict";

(function () {
  // Filters apply as soon as a select changes.
  document.querySelectorAll("select.autosubmit").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  function typing(event) {
    var t = event.target;
    return t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName);
  }

  function onKeys(handlers) {
    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey || typing(event)) return;
      var handler = handlers[event.key];
      if (handler) {
        event.preventDefault();
        handler(event);
      }
    });
  }

  function submit(form) {
    if (form) form.requestSubmit ? form.requestSubmit() : form.submit();
  }

  // --- review queue: j/k move, c confirm, r reject, o/Enter open, e correct
  var queue = document.getElementById("queue");
  if (queue) {
    var rows = Array.prototype.slice.call(queue.querySelectorAll("tbody tr"));
    var current = 0;
    var wanted = queue.dataset.focus;
    rows.forEach(function (row, n) { if (row.dataset.id === wanted) current = n; });
    var select = function (n) {
      if (!rows.length) return;
      current = Math.max(0, Math.min(rows.length - 1, n));
      rows.forEach(function (row, i) {
        row.classList.toggle("selected", i === current);
        row.setAttribute("aria-selected", i === current ? "true" : "false");
      });
      rows[current].focus({ preventScroll: true });
      rows[current].scrollIntoView({ block: "nearest" });
    };
    var action = function (name) {
      var button = rows[current] && rows[current].querySelector('[data-action="' + name + '"]');
      if (button) submit(button.form);
    };
    var open = function (suffix) {
      var link = rows[current] && rows[current].querySelector("a.open-link");
      if (link) window.location.href = link.getAttribute("href") + (suffix || "");
    };
    rows.forEach(function (row, n) { row.addEventListener("click", function () { select(n); }); });
    select(current);
    onKeys({
      j: function () { select(current + 1); },
      ArrowDown: function () { select(current + 1); },
      k: function () { select(current - 1); },
      ArrowUp: function () { select(current - 1); },
      c: function () { action("confirm"); },
      r: function () { action("reject"); },
      o: function () { open(); },
      Enter: function () { open(); },
      e: function () { open("?edit=1#correct"); },
    });
  }

  // --- incident page: c confirm, r reject, e correct, n next, q queue
  var confirmForm = document.getElementById("confirm-form");
  if (confirmForm) {
    var correct = document.getElementById("correct");
    var next = document.querySelector('[data-key="n"]');
    onKeys({
      c: function () { submit(confirmForm); },
      r: function () { submit(document.getElementById("reject-form")); },
      e: function () {
        correct.open = true;
        var first = correct.querySelector("select, input");
        if (first) first.focus();
      },
      n: function () { if (next) window.location.href = next.getAttribute("href"); },
      q: function () { window.location.href = "/review"; },
    });
  }

  // --- correction form: look a place up in the gazetteer
  document.querySelectorAll("fieldset.place").forEach(function (fieldset) {
    var which = fieldset.dataset.place;
    var button = fieldset.querySelector(".find-place");
    var status = fieldset.querySelector(".place-status");
    var field = function (suffix) { return fieldset.querySelector('[name="' + which + suffix + '"]'); };
    button.addEventListener("click", function () {
      var name = field("").value.trim();
      if (!name) return;
      status.textContent = "Looking up…";
      fetch("/api/places?q=" + encodeURIComponent(name), { headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.json().then(function (body) { return { ok: response.ok, body: body }; });
        })
        .then(function (result) {
          if (!result.ok) { status.textContent = result.body.detail || "Not found."; return; }
          var place = result.body.place;
          field("").value = place.name;
          field("_admin1").value = place.admin1 || "";
          field("_country").value = place.country || "";
          field("_lat").value = place.lat === null ? "" : place.lat;
          field("_lon").value = place.lon === null ? "" : place.lon;
          field("_precision").value = place.precision;
          field("_key").value = place.key || "";
          status.textContent = "Found: " + [place.name, place.admin1, place.country].filter(Boolean).join(", ");
        })
        .catch(function () { status.textContent = "The lookup failed."; });
    });
  });

  // --- ingest job: follow its progress, reload once it has finished
  var job = document.getElementById("job");
  if (job && job.dataset.finished === "false") {
    var poll = function () {
      fetch(job.dataset.jobUrl, { headers: { Accept: "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (state) {
          if (state.state === "done" || state.state === "failed") { window.location.reload(); return; }
          document.getElementById("job-state").textContent = state.state;
          if (state.stage) {
            document.getElementById("job-stage").textContent = state.stage + ": " + state.done + " of " + state.total;
            var bar = document.getElementById("job-progress");
            bar.max = state.total || 1;
            bar.value = state.done;
          }
          window.setTimeout(poll, 1000);
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    };
    window.setTimeout(poll, 500);
  }
})();
