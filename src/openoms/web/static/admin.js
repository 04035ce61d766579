// Admin pages: request bodies for the define forms, "Edit" buttons that fill a form from a
// table row, confirmations, the sourcing rule stack, and the FIX sessions refresh.
//
//  data-hook="define"   every named field is sent: checkboxes as true/false, "a.b" names as
//                       nested objects, data-kind="int" as numbers, data-kind="list" split on
//                       commas and spaces; empty fields are left out (the API's default).
//  data-hook="rules"    the checked rules in their on-screen order and each channel's policy.
//  data-edit="formId" data-entity='{json}'  fills that form with the entity and focuses it.
//  form[data-confirm]   asks before sending.
"use strict";

(() => {
  function setPath(out, path, value) {
    let node = out;
    path.slice(0, -1).forEach((key) => { node = node[key] = node[key] || {}; });
    node[path[path.length - 1]] = value;
  }

  function getPath(entity, path) {
    return path.reduce((node, key) => (node == null ? undefined : node[key]), entity);
  }

  function defineBody(form) {
    const out = {};
    for (const el of form.elements) {
      if (!el.name || el.disabled || el.dataset.send === "no") continue;
      if (el.type === "submit" || el.type === "button") continue;
      let value;
      if (el.type === "checkbox") {
        value = el.checked;
      } else {
        value = el.value.trim();
        if (value === "") continue;
        if (el.dataset.kind === "int" && /^-?\d+$/.test(value)) value = Number(value);
        else if (el.dataset.kind === "list") value = value.split(/[\s,]+/).filter(Boolean);
      }
      setPath(out, el.name.split("."), value);
    }
    return out;
  }

  OMS.hooks.define = { body: defineBody };

  OMS.hooks.rules = {
    body(form) {
      const rules = Array.from(form.querySelectorAll('#rule-stack input[name="rule"]'))
        .filter((box) => box.checked).map((box) => box.value);
      const shortage = {};
      form.querySelectorAll("select[data-channel]").forEach((select) => {
        if (select.value) shortage[select.dataset.channel] = select.value;
      });
      return { rules, shortage, default_shortage: form.elements.default_shortage.value };
    },
  };

  function fill(form, entity) {
    OMS.clearErrors(form);
    for (const el of form.elements) {
      if (!el.name || el.type === "hidden" || el.type === "submit" || el.type === "button") continue;
      const value = getPath(entity, el.name.split("."));
      if (el.type === "checkbox") el.checked = !!value;
      else if (Array.isArray(value)) el.value = value.join(", ");
      else el.value = value == null ? "" : String(value);
    }
    form.scrollIntoView({ block: "nearest" });
    const first = form.querySelector("input:not([type=hidden]), select");
    if (first) first.focus();
  }

  function bindEdit(button) {
    button.addEventListener("click", () => {
      const form = document.getElementById(button.dataset.edit);
      if (form) fill(form, JSON.parse(button.dataset.entity));
    });
  }

  // Runs before the form's own submit handler (capture phase on the document).
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  function bindStack(list) {
    list.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-move]");
      if (!button) return;
      const item = button.closest("li");
      if (button.dataset.move === "-1" && item.previousElementSibling) {
        list.insertBefore(item, item.previousElementSibling);
      } else if (button.dataset.move === "1" && item.nextElementSibling) {
        list.insertBefore(item.nextElementSibling, item);
      }
      button.focus();
    });
  }

  function bindScope(form) {
    const scoped = new Set(form.dataset.scoped.split(" "));
    const role = form.elements.role;
    const scope = form.elements.scope;
    const sync = () => {
      scope.disabled = !scoped.has(role.value);
      if (scope.disabled) scope.value = "";
    };
    role.addEventListener("change", sync);
    sync();
  }

  function refreshFix(table) {
    const show = (row, session) => {
      row.querySelectorAll("[data-key]").forEach((cell) => {
        const key = cell.dataset.key;
        let value = session[key];
        if (key === "logged_on") value = value ? "yes" : "no";
        else if (key === "connected_since") value = value ? value.slice(0, 19).replace("T", " ") : "—";
        else if (key === "state") {
          cell.className = `badge s-${value}`;
          value = String(value).replace(/_/g, " ");
        } else if (value == null) value = "—";
        cell.textContent = value;
      });
      row.querySelectorAll("form[data-when]").forEach((form) => {
        form.hidden = (form.dataset.when === "on") !== !!session.logged_on;
      });
    };
    const tick = async () => {
      if (document.hidden) return;
      try {
        const sessions = await OMS.api("GET", "/api/v1/fix/sessions");
        for (const row of table.tBodies[0].rows) {
          const session = sessions.find((s) => s.session_id === row.dataset.session);
          if (session) show(row, session);
        }
      } catch (problem) {
        // A failed refresh leaves the last state on screen; the next one may succeed.
      }
    };
    window.setInterval(tick, 3000);
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("button[data-edit]").forEach(bindEdit);
    document.querySelectorAll("#rule-stack").forEach(bindStack);
    document.querySelectorAll("form[data-scoped]").forEach(bindScope);
    document.querySelectorAll("#fix-sessions").forEach(refreshFix);
  });
})();
