// Progressive enhancement for the account menu, a <details> that opens and
// closes without this file: Escape closes it (focus back on its toggle), and
// so does a click or a tap outside it.
(function () {
  "use strict";

  function openMenus() {
    return document.querySelectorAll("details.account-menu[open]");
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    openMenus().forEach(function (menu) {
      menu.open = false;
      if (menu.contains(document.activeElement)) menu.querySelector("summary").focus();
    });
  });

  document.addEventListener("click", function (event) {
    openMenus().forEach(function (menu) {
      if (!menu.contains(event.target)) menu.open = false;
    });
  });
})();
