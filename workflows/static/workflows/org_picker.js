// 选择组织: completes the lists' organization filter as one types, from the user's own scope
// (workflows/views/organizations.py: at most 20 organizations, never one outside the scope).
// The box keeps the organization's code; the suggestions show its name and code.
(function () {
  "use strict";
  function attach(host) {
    var input = host.tagName === "INPUT" ? host : host.querySelector("input");
    if (!input || input.dataset.orgPickerReady) { return false; }
    input.dataset.orgPickerReady = "1";
    var list = document.createElement("datalist");
    list.id = "jf-org-picker-" + Math.random().toString(36).slice(2);
    document.body.appendChild(list);
    input.setAttribute("list", list.id);
    var url = host.getAttribute("data-org-picker-url");
    var timer = null;
    var asked = "";
    input.addEventListener("input", function () {
      var text = input.value.trim();
      if (!text || text === asked) { return; }
      clearTimeout(timer);
      timer = setTimeout(function () {
        asked = text;
        fetch(url + "?q=" + encodeURIComponent(text), { credentials: "same-origin" })
          .then(function (response) { return response.ok ? response.json() : { results: [] }; })
          .then(function (body) {
            list.textContent = "";
            body.results.forEach(function (organization) {
              var option = document.createElement("option");
              option.value = organization.code;
              option.label = organization.label;
              option.textContent = organization.label;
              list.appendChild(option);
            });
          });
      }, 200);
    });
    return true;
  }
  function scan(tries) {
    var pending = false;
    document.querySelectorAll("[data-org-picker-url]").forEach(function (host) {
      // viewflow's <vf-field-input> draws its <input> once connected: look again until it is there.
      if (host.tagName !== "INPUT" && !host.querySelector("input")) { pending = true; return; }
      attach(host);
    });
    if (pending && tries < 50) { setTimeout(function () { scan(tries + 1); }, 100); }
  }
  document.addEventListener("turbo:load", function () { scan(0); });
  scan(0);
})();
