// Checks the chosen evidence files against the upload limits as soon as they are chosen,
// so a phone on a weak connection does not send for minutes only to be refused, and what
// the official typed stays on the page. The server enforces the same limits whatever this
// does (tasks_app/upload_limits.py); this only spares the wait.
//
// A file input with data-max-bytes, data-max-total-bytes and data-max-files carries the
// limits and the messages. An over-limit choice marks the input invalid, which stops both
// a plain submit and htmx's (htmx checks validity before it sends).
(function () {
  "use strict";

  function problem(input) {
    var data = input.dataset;
    var files = Array.prototype.slice.call(input.files || []);
    if (files.length > Number(data.maxFiles)) {
      return data.tooManyMessage;
    }
    var total = 0;
    for (var i = 0; i < files.length; i++) {
      if (files[i].size > Number(data.maxBytes)) {
        return data.tooLargeMessage.replace("%(name)s", files[i].name);
      }
      total += files[i].size;
    }
    return total > Number(data.maxTotalBytes) ? data.totalMessage : "";
  }

  function check(input) {
    var message = problem(input);
    input.setCustomValidity(message);
    var note = document.getElementById(input.id + "-limits");
    if (!note) {
      note = document.createElement("p");
      note.id = input.id + "-limits";
      note.className = "error";
      note.setAttribute("role", "alert");
      input.insertAdjacentElement("afterend", note);
    }
    note.textContent = message;
    note.hidden = !message;
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.matches && input.matches("input[type=file][data-max-bytes]")) {
      check(input);
    }
  });
})();
