/* The claim form, enhanced: expense rows added and removed in place, receipts uploaded when chosen,
   fields shown by expense type, dates taken from the trip, and the decision panel recomputed while typing.
   Everything here also works without the script: the buttons post the form and the server re-renders. */
(function () {
  "use strict";

  var form = document.getElementById("claim-form");
  var panel = document.getElementById("decision");
  if (!form || !panel || !window.fetch || !window.FormData) {
    return;
  }
  var rows = document.getElementById("expense-rows");
  var template = document.getElementById("expense-template");
  var rowsStatus = document.getElementById("rows-status");
  var addButton = document.getElementById("add-expense");
  var typeFields = JSON.parse(form.getAttribute("data-type-fields") || "{}");
  var ALWAYS = ["type", "date"];
  var FIELDS = ["amount", "km", "passengers", "nights", "description", "reason", "sleeping_berth", "receipt"];
  // Shown only for the types that list them (the return-ticket copy, the note that meals are in the per diem).
  var LISTED_ONLY = ["copy", "meal-note"];
  var departure = form.querySelector("input[name=departure]");

  Array.prototype.forEach.call(document.querySelectorAll(".js-only"), function (el) {
    el.hidden = false;
  });

  function csrfToken() {
    var input = form.querySelector("input[name=csrf_token]");
    return input ? input.value : "";
  }

  // --- live computation ---------------------------------------------------------------------------
  var timer = null;
  var sequence = 0;

  function formData() {
    var data = new FormData(form);
    // Files go up once, when chosen (see below); the preview never stores anything.
    Array.prototype.forEach.call(form.querySelectorAll("input[type=file]"), function (input) {
      data.delete(input.name);
    });
    return data;
  }

  function recompute() {
    var mine = ++sequence;
    panel.setAttribute("aria-busy", "true");
    fetch(panel.getAttribute("data-preview-url"), {
      method: "POST",
      body: formData(),
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    })
      .then(function (response) {
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        // A slower answer to an older request must not overwrite a newer one.
        if (mine === sequence && html !== null) {
          panel.innerHTML = html;
          showTotal();
        }
      })
      .catch(function () { /* the Compute button still works */ })
      .then(function () {
        if (mine === sequence) {
          panel.removeAttribute("aria-busy");
        }
      });
  }

  // The panel's total, repeated in the bar that stays at the bottom of the screen.
  var liveTotal = form.querySelector(".live-total");
  function showTotal() {
    var total = panel.querySelector("table.decision tfoot td.num");
    if (liveTotal) {
      liveTotal.querySelector(".live-total-amount").textContent = total ? total.textContent.trim() : "";
      liveTotal.hidden = !total;
    }
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(recompute, 300);
  }

  form.addEventListener("input", function (event) {
    var target = event.target;
    if (target === departure) {
      fillDates();
    } else if (target.closest(".f-date")) {
      target.removeAttribute("data-auto");  // a date of the mentor's own: no longer follows the trip
    }
    if (target.type !== "file") {
      schedule();
    }
  });

  // --- dates from the trip: an expense is dated on the departure day until the mentor types a date --
  function fillDates() {
    var day = departure && departure.value ? departure.value.slice(0, 10) : "";
    Array.prototype.forEach.call(form.querySelectorAll(".expense-row .f-date input"), function (input) {
      if (day && (!input.value || input.hasAttribute("data-auto"))) {
        input.value = day;
        input.setAttribute("data-auto", "");
      }
    });
  }
  form.addEventListener("change", function (event) {
    if (event.target.type === "file") {
      upload(event.target);
    } else {
      if (event.target.name && /-type$/.test(event.target.name)) {
        showFieldsFor(event.target.closest(".expense-row"));
      }
      schedule();
    }
  });

  // --- fields by expense type -----------------------------------------------------------------------
  function showFieldsFor(row) {
    if (!row) {
      return;
    }
    var select = row.querySelector("select[name$='-type']");
    var wanted = select && typeFields[select.value];
    FIELDS.forEach(function (name) {
      var box = row.querySelector(".f-" + name);
      if (box) {
        // With no type chosen yet every field stays visible.
        box.hidden = Boolean(wanted) && ALWAYS.indexOf(name) < 0 && wanted.indexOf(name) < 0;
      }
    });
    LISTED_ONLY.forEach(function (name) {
      var box = row.querySelector(".f-" + name);
      if (box) {
        box.hidden = !wanted || wanted.indexOf(name) < 0;
      }
    });
  }

  // --- rows -------------------------------------------------------------------------------------------
  function allRows() {
    return rows.querySelectorAll(".expense-row");
  }

  function renumber() {
    Array.prototype.forEach.call(allRows(), function (row, i) {
      Array.prototype.forEach.call(row.querySelectorAll(".row-number"), function (span) {
        span.textContent = String(i + 1);
      });
    });
  }

  function nextIndex() {
    var max = -1;
    Array.prototype.forEach.call(allRows(), function (row) {
      var n = parseInt(row.getAttribute("data-row"), 10);
      if (!isNaN(n) && n > max) {
        max = n;
      }
    });
    return max + 1;
  }

  function announce(text) {
    rowsStatus.textContent = "";
    window.setTimeout(function () { rowsStatus.textContent = text; }, 50);
  }

  if (addButton && template && rows) {
    addButton.addEventListener("click", function (event) {
      event.preventDefault();
      var index = String(nextIndex());
      var html = template.innerHTML.split("__INDEX__").join(index)
        .split("__NUMBER__").join(String(allRows().length + 1));
      var holder = document.createElement("div");
      holder.innerHTML = html;
      var row = holder.querySelector(".expense-row");
      rows.appendChild(row);
      renumber();
      fillDates();
      var select = row.querySelector("select");
      if (select) {
        select.focus();
      }
      announce(row.querySelector("legend").textContent.trim());
    });
  }

  rows.addEventListener("click", function (event) {
    var button = event.target.closest(".remove-expense");
    if (!button) {
      return;
    }
    event.preventDefault();
    var row = button.closest(".expense-row");
    var label = row.querySelector("legend").textContent.trim();
    var next = row.nextElementSibling || row.previousElementSibling;
    row.parentNode.removeChild(row);
    renumber();
    // Keep the keyboard where the row was: the next row, or the Add button.
    var target = next ? next.querySelector("select") : addButton;
    if (target) {
      target.focus();
    }
    announce(label + " – " + (button.getAttribute("data-removed") || "removed"));
    schedule();
  });

  // --- receipts: uploaded as soon as chosen, so they are kept even if the form is never saved ---------
  function upload(input) {
    if (!input.files || !input.files.length) {
      return;
    }
    var row = input.closest(".expense-row");
    var status = row.querySelector(".upload-status");
    var url = form.getAttribute("data-upload-url");
    if (!url) {
      return;
    }
    var data = new FormData();
    data.append("csrf_token", csrfToken());
    data.append("file", input.files[0]);
    status.textContent = status.getAttribute("data-uploading") || "…";
    fetch(url, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) {
        return response.json().catch(function () { return { error: null }; }).then(function (body) {
          return { ok: response.ok, body: body };
        });
      })
      .then(function (result) {
        if (!result.ok || !result.body.id) {
          // The file stays chosen, so saving the form still sends it.
          status.textContent = result.body.error || status.getAttribute("data-failed") || "";
          return;
        }
        row.querySelector("input.receipt-id").value = result.body.id;
        var attached = row.querySelector(".attached");
        attached.querySelector(".attached-name").textContent = result.body.name;
        attached.querySelector(".attached-size").textContent = result.body.size;
        attached.querySelector(".attached-view").setAttribute("href", result.body.url);
        attached.hidden = false;
        // Attached: the chooser folds away behind "Replace" instead of offering a second empty one.
        var chooser = row.querySelector(".receipt-chooser");
        var replace = chooser.querySelector("summary");
        var focused = document.activeElement === input;
        replace.hidden = false;
        chooser.open = false;
        if (focused) {
          replace.focus();  // the chosen input folds away: keep the keyboard beside it
        }
        input.value = "";
        status.textContent = status.getAttribute("data-done") || "";
        schedule();
      })
      .catch(function () {
        status.textContent = status.getAttribute("data-failed") || "";
      });
  }

  Array.prototype.forEach.call(allRows(), showFieldsFor);
  showTotal();
})();
