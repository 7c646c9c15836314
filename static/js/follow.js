// Progressive enhancement for following a framework: without this file the
// follow button is a plain form that posts and redirects back. With it, the
// toggle is posted with fetch and the label, pressed state and every place
// the page shows the framework's followers change in place (the server
// answers {followers, following, figures}; vote.js's showFigures shows them).
(function () {
  "use strict";

  function announce(form, text, isError) {
    var note = form.querySelector(".follow-message");
    if (!note) {
      note = document.createElement("span");
      note.className = "follow-message";
      note.setAttribute("role", "status");
      form.appendChild(note);
    }
    note.textContent = text;
    note.classList.toggle("is-error", Boolean(isError));
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-follow]")) return;
    event.preventDefault();
    var button = form.querySelector("button");
    if (button.disabled) return;
    button.disabled = true;
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    fetch(form.getAttribute("action"), {
      method: "POST",
      credentials: "same-origin",
      body: new FormData(form),
      headers: { Accept: "application/json", "X-CSRFToken": token ? token.value : "" },
    })
      .then(function (response) {
        return response
          .json()
          .catch(function () {
            return {};
          })
          .then(function (data) {
            return { status: response.status, data: data };
          });
      })
      .then(function (result) {
        if (result.status === 200) {
          var following = result.data.following;
          button.setAttribute("aria-pressed", following ? "true" : "false");
          button.querySelector(".follow-label").textContent = following ? "Following" : "Follow";
          // This button's count and the framework's followers elsewhere on
          // the page (statistics, cards, the table), as the server prints them.
          window.stackcompare.showFigures(result.data.figures);
          announce(form, following ? "Followed." : "Unfollowed.", false);
        } else if (result.status === 429) {
          announce(form, result.data.error || "Too fast. Wait a moment.", true);
        } else if (result.status === 401 && result.data.login_url) {
          window.location.href = result.data.login_url;
        } else {
          form.submit(); // let the server's page explain
        }
      })
      .catch(function () {
        announce(form, "The network failed. Try again.", true);
      })
      .finally(function () {
        button.disabled = false;
      });
  });
})();
