// Progressive enhancement for the framework boxes (the compare picker and
// the decision form): without this file they are plain text boxes and the
// server resolves the names typed. With it, the page's shared <datalist>
// (#framework-names) is filled with up to ten matches for what is being
// typed, from /frameworks/names.json, so the browser offers them below the
// box. The request carries no cookies: the answer is the same for everyone
// and comes from the shared page cache.
(function () {
  "use strict";

  var list = document.getElementById("framework-names");
  if (!list || !window.fetch) return;
  var source = list.getAttribute("data-source");
  var answers = {}; // typed text -> [{name, slug}]
  var timer = null;
  var latest = "";

  function show(matches) {
    var options = document.createDocumentFragment();
    matches.forEach(function (framework) {
      var option = document.createElement("option");
      option.value = framework.name;
      options.appendChild(option);
    });
    list.replaceChildren(options);
  }

  function lookUp(text) {
    latest = text;
    if (answers[text]) {
      show(answers[text]);
      return;
    }
    fetch(source + "?q=" + encodeURIComponent(text), {
      credentials: "omit",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.ok ? response.json() : { frameworks: [] };
      })
      .then(function (data) {
        answers[text] = data.frameworks || [];
        if (text === latest) show(answers[text]);
      })
      .catch(function () {
        /* The box still works as plain text. */
      });
  }

  document.addEventListener("input", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("input[data-framework-name]")) return;
    var text = box.value.trim();
    clearTimeout(timer);
    if (!text) {
      show([]);
      return;
    }
    timer = setTimeout(function () {
      lookUp(text);
    }, 120);
  });
})();
