// Staff upload page: send the package to POST /api/courses with a progress bar, then show the
// error or the warnings the server returned. Without JavaScript the form still posts to the API.
(function () {
  "use strict";
  const form = document.getElementById("upload-form");
  if (!form) return;
  const button = form.querySelector("button[type=submit]");
  const bar = document.getElementById("upload-bar");
  const pct = document.getElementById("upload-pct");
  const box = document.getElementById("upload-progress");
  const result = document.getElementById("upload-result");

  // Reuses the look of Django's messages (base.html): one line per message.
  function show(kind, title, lines) {
    const list = document.createElement("ul");
    list.className = "messages";
    for (const [cls, text] of [[kind, title], ...lines.map((l) => ["warning", l])]) {
      const li = document.createElement("li");
      li.className = cls;
      li.textContent = text;
      list.append(li);
    }
    result.setAttribute("role", kind === "error" ? "alert" : "status");
    result.replaceChildren(list);
  }

  function failure(xhr) {
    const body = xhr.response;
    if (body && body.message) return body.message;
    if (xhr.status === 403) return "The server refused the upload (are you still logged in as staff? Reload the page).";
    if (xhr.status === 413) return "The file is larger than the server accepts.";
    return "The server answered HTTP " + xhr.status + ".";
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("X-CSRFToken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    xhr.responseType = "json";
    result.replaceChildren();
    box.hidden = false;
    bar.value = 0;
    pct.textContent = "0 %";
    button.disabled = true;
    xhr.upload.onprogress = function (e) {
      if (!e.lengthComputable) return;
      const p = Math.round((e.loaded / e.total) * 100);
      bar.value = p;
      pct.textContent = p + " %" + (p === 100 ? " — checking the package…" : "");
    };
    xhr.onloadend = function () {
      button.disabled = false;
    };
    xhr.onload = function () {
      const body = xhr.response || {};
      if (xhr.status === 200 || xhr.status === 201) {
        const verb = body.created ? "Imported" : "Updated to version " + body.version + ":";
        const warnings = body.warnings || [];
        show("success", verb + " " + body.title + " (" + body.courseId + ")", warnings.map((w) => "Warning: " + w));
        // Show the new row; leave time to read the warnings first.
        setTimeout(function () { window.location.reload(); }, warnings.length ? 5000 : 1500);
      } else {
        box.hidden = true;
        show("error", "Import failed: " + failure(xhr), []);
      }
    };
    xhr.onerror = function () {
      box.hidden = true;
      show("error", "Upload failed: the connection to the server was lost.", []);
    };
    xhr.send(new FormData(form));
  });
})();
