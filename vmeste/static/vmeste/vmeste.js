/* Vmeste workplace: keyboard shortcuts and never losing typed text. No dependencies.
   "/" focuses the search, Ctrl+Enter (⌘+Enter) submits the form you are in, Alt+1…4 open the
   sections; forms marked data-keep="KEY" keep their text in sessionStorage until saved. */
(function () {
  "use strict";

  var PREFIX = "vmeste:keep:";

  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  function keptFields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.type !== "hidden" && el.type !== "submit" && el.type !== "button" &&
        el.type !== "password" && el.name !== "csrfmiddlewaretoken";
    });
  }

  function save(form) {
    var data = {};
    keptFields(form).forEach(function (el) {
      if (el.type === "checkbox") data[el.name] = el.checked;
      else if (el.type === "radio") { if (el.checked) data[el.name] = el.value; }
      else data[el.name] = el.value;
    });
    data.__scope = form.dataset.keepScope || "";
    try { sessionStorage.setItem(PREFIX + form.dataset.keep, JSON.stringify(data)); } catch (e) { /* full or disabled */ }
  }

  function restore(form) {
    var raw = null;
    try { raw = sessionStorage.getItem(PREFIX + form.dataset.keep); } catch (e) { return; }
    if (!raw) return;
    var data;
    try { data = JSON.parse(raw); } catch (e) { return; }
    // A draft belongs to its call: the text of another call (one whose save failed, say)
    // would fill the next caller's card and block or spoil its save.
    if ((data.__scope || "") !== (form.dataset.keepScope || "")) { clear(form.dataset.keep); return; }
    var reload = null;
    keptFields(form).forEach(function (el) {
      if (!(el.name in data)) return;
      var value = data[el.name];
      if (el.type === "checkbox") el.checked = !!value;
      else if (el.type === "radio") el.checked = el.value === value;
      else if (el.tagName === "SELECT") {
        // A select that loads a part of the form (the line): reload that part for the
        // restored choice; its own fields are restored once it has settled.
        if (el.value !== value && el.hasAttribute("hx-get")) reload = el;
        el.value = value;
      } else if (!el.value) el.value = value;
    });
    if (reload && window.htmx) window.htmx.trigger(reload, "change");
  }

  function clear(key) {
    try { sessionStorage.removeItem(PREFIX + key); } catch (e) { /* ignore */ }
  }

  function setUpKeeping(root) {
    // A message saying "saved" for a key: that form's draft is done with.
    root.querySelectorAll("[data-clear-keep]").forEach(function (el) { clear(el.dataset.clearKeep); });
    root.querySelectorAll("form[data-keep]").forEach(function (form) {
      if (form.dataset.keepReady) return;
      form.dataset.keepReady = "1";
      // After a refused save the server re-renders what was posted: it wins over the draft.
      if (!form.hasAttribute("data-has-errors")) {
        var number = form.querySelector("#caller_number");
        var given = number ? number.value : "";
        restore(form);
        // A number the draft brought back is looked up; one the page came with already is
        // (its "load" trigger): a second lookup would only abort the first.
        if (number && number.value && number.value !== given && window.htmx) window.htmx.trigger(number, "search");
      }
      form.addEventListener("input", function () { save(form); });
      form.addEventListener("change", function () { save(form); });
    });
  }

  // Tabs of a side column: one pane shown at a time.
  function showTab(tab) {
    var list = tab.closest('[role="tablist"]');
    if (!list) return;
    list.querySelectorAll('[role="tab"]').forEach(function (other) {
      var on = other === tab;
      other.setAttribute("aria-selected", on ? "true" : "false");
      var pane = document.getElementById(other.getAttribute("aria-controls"));
      if (pane) pane.hidden = !on;
    });
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key === "/" && !typing(target) && !event.ctrlKey && !event.metaKey && !event.altKey) {
      var search = document.querySelector("[data-search]") || document.querySelector("#caller_number");
      if (search) { event.preventDefault(); search.focus(); search.select && search.select(); }
      return;
    }
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      var form = target && target.form ? target.form : (target.closest && target.closest("form"));
      if (form) {
        event.preventDefault();
        if (form.requestSubmit) form.requestSubmit(); else form.submit();
      }
      return;
    }
    if (event.altKey && !event.ctrlKey && !event.metaKey && /^[1-9]$/.test(event.key)) {
      var link = document.querySelector('.sections a[data-key="' + event.key + '"]');
      if (link) { event.preventDefault(); link.click(); }
      return;
    }
    if (event.key === "Escape" && typing(target)) target.blur();
  });

  document.addEventListener("click", function (event) {
    // "This is the caller": fill the person fields from the history panel.
    var filler = event.target.closest && event.target.closest("[data-fill]");
    if (filler) {
      var values = JSON.parse(filler.dataset.fill);
      var form = document.querySelector("form.callcard-form");
      if (!form) return;
      Object.keys(values).forEach(function (name) {
        var field = form.elements.namedItem(name);
        if (field) field.value = values[name];
      });
      var toggle = form.querySelector("#with_request");
      save(form);
      var first = form.querySelector('[name="person.last_name"]');
      if (toggle && toggle.checked && first) first.focus();
      filler.textContent = "✓";
      // The card's panels that answer for one person (the navigator of help) fetch theirs.
      document.querySelectorAll("[data-person-url]").forEach(function (slot) {
        if (!values.person_id || !window.htmx) return;
        var url = slot.dataset.personUrl.replace(/0(\/?)$/, values.person_id + "$1");
        window.htmx.ajax("GET", url, { target: slot });
      });
      return;
    }
    // "New call": the card's draft is done with, whatever it held.
    var fresh = event.target.closest && event.target.closest("[data-new-call]");
    if (fresh) { clear(fresh.dataset.newCall); return; }
    var tab = event.target.closest && event.target.closest('[role="tab"][aria-controls]');
    if (tab) { showTab(tab); return; }
    var confirmer = event.target.closest && event.target.closest("[data-confirm]");
    if (confirmer && !window.confirm(confirmer.dataset.confirm)) event.preventDefault();
  });

  // A second click while the first save is on its way is swallowed (the server also refuses
  // a replayed call-card form, this just spares the round trip).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.method.toLowerCase() !== "post") return;
    if (form.dataset.submitting) { event.preventDefault(); return; }
    form.dataset.submitting = "1";
  });
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-submitting]").forEach(function (form) {
      delete form.dataset.submitting;
    });
  });

  // A "tick all" box: <input type="checkbox" data-check-all="NAME"> ticks its form's NAME boxes
  // (no inline handler: the Content-Security-Policy refuses them).
  document.addEventListener("change", function (event) {
    var all = event.target;
    if (!all.dataset || !all.dataset.checkAll || !all.form) return;
    all.form.querySelectorAll('input[type=checkbox][name="' + all.dataset.checkAll + '"]')
      .forEach(function (box) { box.checked = all.checked; });
  });

  // <button data-print> prints the page (the hours certificate).
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) window.print();
  });

  document.addEventListener("DOMContentLoaded", function () { setUpKeeping(document); });
  document.addEventListener("htmx:afterSettle", function (event) {
    setUpKeeping(event.target);
    var form = event.target.closest && event.target.closest("form[data-keep]");
    if (form && form !== event.target && !form.hasAttribute("data-has-errors")) restore(form);
  });
})();
