// Progressive enhancement for upvoting: without this file every vote button
// is a plain form that posts and redirects back. With it, the vote is posted
// with fetch and the pressed state and every figure the vote changed (the
// count, its "= N imported + M from members" line, the framework's votes)
// change in place: the answer carries them as the page prints them.
(function () {
  "use strict";

  // Replaces every figure the page marks with data-figure="<name>" by the
  // text of the answer's {"figures": {name: text}} (follow.js uses it too).
  function showFigures(figures) {
    Object.keys(figures || {}).forEach(function (name) {
      document.querySelectorAll('[data-figure="' + name + '"]').forEach(function (shown) {
        shown.textContent = figures[name];
      });
    });
  }
  window.stackcompare = { showFigures: showFigures };

  function announce(form, text, isError, link) {
    var item = form.closest("li") || form.parentNode;
    var note = item.querySelector(".vote-message");
    if (!note) {
      note = document.createElement("span");
      note.className = "vote-message";
      note.setAttribute("role", "status");
      item.appendChild(note);
    }
    note.textContent = text;
    if (link) {
      var anchor = document.createElement("a");
      anchor.href = link.href;
      anchor.textContent = link.text;
      note.appendChild(document.createTextNode(" "));
      note.appendChild(anchor);
    }
    note.classList.toggle("is-error", Boolean(isError));
  }

  function updateEverywhere(action, votes, voted) {
    // The same item may be shown twice (table and list): keep both in step.
    document.querySelectorAll("form[data-vote]").forEach(function (other) {
      if (other.getAttribute("action") !== action) return;
      var button = other.querySelector("button");
      // The button is named by its content ("679 votes. Upvote: ..."), so
      // its name follows the count it shows (a marked figure).
      var unit = other.querySelector(".vote-unit");
      if (button) button.setAttribute("aria-pressed", voted ? "true" : "false");
      if (unit) unit.textContent = votes === 1 ? "vote" : "votes";
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-vote]")) return;
    event.preventDefault();
    var button = form.querySelector("button");
    if (button.disabled) return; // a click while one is in flight
    button.disabled = true;
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    fetch(form.getAttribute("action"), {
      method: "POST",
      credentials: "same-origin",
      body: new FormData(form), // carries "next", so a login link returns here
      headers: {
        Accept: "application/json",
        "X-CSRFToken": token ? token.value : "",
      },
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
          updateEverywhere(form.getAttribute("action"), result.data.votes, result.data.voted);
          showFigures(result.data.figures);
          announce(form, result.data.voted ? "Vote counted." : "Vote taken back.", false);
        } else if (result.status === 401) {
          var login = result.data.login_url;
          announce(form, "You are logged out.", true, login && { href: login, text: "Log in to vote" });
        } else if (result.status === 403) {
          announce(form, result.data.error || "Your session expired. Reload the page and try again.", true);
        } else if (result.status === 429) {
          announce(form, result.data.error || "Too many votes. Wait a moment.", true);
        } else if (result.status === 404) {
          announce(form, "This item can no longer be voted on.", true);
        } else {
          announce(form, "The vote did not go through. Try again.", true);
        }
      })
      .catch(function () {
        announce(form, "No connection. The vote did not go through.", true);
      })
      .finally(function () {
        button.disabled = false;
      });
  });
})();
