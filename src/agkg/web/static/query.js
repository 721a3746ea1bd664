// Query page helpers (bundled, no network besides this server): Ctrl/Cmd+Enter submits the
// form, and choosing an example fills the editor. The page works without this script.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("query-form");
  var editor = document.getElementById("query");
  if (!form || !editor) { return; }
  editor.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.submit();
    }
  });
  var links = document.querySelectorAll("a[data-example]");
  Array.prototype.forEach.call(links, function (link) {
    link.addEventListener("click", function (event) {
      var source = document.getElementById(link.getAttribute("data-example"));
      if (!source) { return; }
      event.preventDefault();
      editor.value = source.textContent;
      editor.focus();
    });
  });
});
