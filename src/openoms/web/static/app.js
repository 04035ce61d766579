// OpenOMS pages: a small shared library. No build step, no framework.
//
//  OMS.api(method, path, body, headers)  fetch the REST API as the signed-in user (session
//                               cookie + X-CSRF-Token, and any extra headers such as
//                               Idempotency-Key); resolves to the JSON body, rejects with an
//                               OMS.Problem (status, detail, errors[{field, reason}]).
//  <form data-api="POST /api/v1/x/{id}/y" data-then="reload|stay">
//                               sends the form's non-empty fields as JSON ({id} and the like
//                               are filled from fields of that name, which are not sent) and
//                               shows each refused field's reason next to it.
//  OMS.hooks[name] = {body(form), done(data, form)} for forms with data-hook="name".
//  OMS.live(fn, {reopened})     calls fn({area, id, event}) for every change the user may see,
//                               and reopened() after the stream reconnected (changes may have
//                               been missed: re-read what the page shows).
//  OMS.fragment(url)            a page route's HTML; a session that ended stops live updates.
//  OMS.busy(part), OMS.staleNote(part, show)  a part the user is filling in is not replaced by
//                               a live refresh; the note says it changed and offers to show it.
//  <table data-sortable>, <input data-filter="tableId">: client-side sort and filter.
"use strict";

const OMS = (() => {
  const meta = document.querySelector('meta[name="csrf-token"]');
  const csrf = meta ? meta.content : "";

  class Problem extends Error {
    constructor(status, body) {
      super((body && (body.detail || body.title)) || `HTTP ${status}`);
      this.status = status;
      this.errors = (body && body.errors) || [];
      this.body = body || {};
    }
  }

  async function api(method, path, body, headers) {
    const init = { method, credentials: "same-origin",
                   headers: Object.assign({ Accept: "application/json" }, headers || {}) };
    if (method !== "GET" && method !== "HEAD") init.headers["X-CSRF-Token"] = csrf;
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (err) {
      throw new Problem(0, { detail: "The server cannot be reached. Check the connection and retry." });
    }
    const text = await response.text();
    let data = null;
    if (text) {
      try { data = JSON.parse(text); } catch (err) { data = { detail: text.slice(0, 200) }; }
    }
    if (response.status === 401) {
      window.location.assign("/login?next=" + encodeURIComponent(location.pathname + location.search));
      throw new Problem(401, data);
    }
    if (!response.ok) throw new Problem(response.status, data);
    return data;
  }

  // An HTML fragment of a page route. A session that ended (the route answers with a
  // redirect to the sign-in page, or 401) or access that was withdrawn (403) stops the live
  // updates and says so: the sign-in page is never pasted into the page.
  async function fragment(url) {
    let response;
    try {
      response = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
    } catch (err) {
      throw new Problem(0, { detail: "The server cannot be reached. Check the connection and retry." });
    }
    const toLogin = response.redirected && new URL(response.url).pathname === "/login";
    if (toLogin || response.status === 401) {
      sessionEnded();
      throw new Problem(401, { detail: "the session has ended" });
    }
    if (response.status === 403) {
      stopLive("Live updates stopped: your access to this page has changed. Reload the page.");
      throw new Problem(403, { detail: `not allowed: ${url}` });
    }
    if (!response.ok) throw new Problem(response.status, { detail: `could not load ${url}` });
    const template = document.createElement("template");
    template.innerHTML = await response.text();
    return template.content;
  }

  function notice(text, ok) {
    const box = document.getElementById("notice");
    if (!box) return;
    box.textContent = text;
    box.classList.toggle("ok", !!ok);
    box.hidden = !text;
  }

  function clearErrors(form) {
    form.querySelectorAll("[data-error-for]").forEach((el) => { el.textContent = ""; });
    form.querySelectorAll('[aria-invalid="true"]').forEach((el) => el.removeAttribute("aria-invalid"));
    const general = form.querySelector(".form-error");
    if (general) { general.textContent = ""; general.hidden = true; }
  }

  function fieldError(form, field, reason) {
    // "lines.0.qty" is looked for as such, then as "qty" in the 1st line's row, then as "lines".
    const parts = String(field).split(".");
    const candidates = [field, parts[parts.length - 1], parts[0]];
    for (const name of candidates) {
      const slot = form.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
      if (slot) {
        slot.textContent = slot.textContent ? `${slot.textContent}; ${reason}` : reason;
        const input = form.querySelector(`[name="${CSS.escape(name)}"]`);
        if (input) input.setAttribute("aria-invalid", "true");
        return true;
      }
    }
    return false;
  }

  function showProblem(form, problem) {
    if (form) clearErrors(form);
    let placed = false;
    for (const item of problem.errors || []) {
      if (form && item.field && fieldError(form, item.field, item.reason)) placed = true;
    }
    const general = form && form.querySelector(".form-error");
    const message = problem.message || "The request failed.";
    if (!placed || (problem.errors || []).length === 0) {
      if (general) { general.textContent = message; general.hidden = false; }
      else notice(message);
    }
    const first = form && form.querySelector('[aria-invalid="true"]');
    if (first) first.focus();
  }

  function values(form, skip) {
    const out = {};
    for (const el of form.elements) {
      if (!el.name || el.disabled || (skip && skip.has(el.name))) continue;
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) continue;
      if (el.dataset.send === "no" || el.type === "submit" || el.type === "button") continue;
      const value = el.type === "checkbox" ? (el.value === "on" ? true : el.value) : el.value.trim();
      if (value === "") continue;
      out[el.name] = value;
    }
    return out;
  }

  const hooks = {};

  function bindApiForm(form) {
    const [method, template] = form.dataset.api.split(" ");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const used = new Set();
      const path = template.replace(/\{(\w+)\}/g, (_, key) => {
        used.add(key);
        const el = form.elements[key];
        return encodeURIComponent(el ? el.value : "");
      });
      const hook = hooks[form.dataset.hook] || {};
      const body = hook.body ? hook.body(form) : values(form, used);
      const buttons = form.querySelectorAll("button");
      buttons.forEach((b) => { b.disabled = true; });
      clearErrors(form);
      try {
        const data = await api(method, path, method === "GET" ? undefined : body);
        if (hook.done) { hook.done(data, form); return; }
        const then = form.dataset.then || "reload";
        if (then === "reload") location.reload();
        else {
          notice(form.dataset.ok || "Done.", true);
          form.reset();
        }
      } catch (problem) {
        showProblem(form, problem);
      } finally {
        buttons.forEach((b) => { b.disabled = false; });
      }
    });
  }

  // One event stream per page, shared by every handler on it. After the first "open", each
  // one (a reconnection: changes may have been missed meanwhile) calls the reopened hooks,
  // which re-read what the page shows. The first stream starts with "hello" and the journal
  // position it starts from: past the one the page was rendered at, something committed in
  // between (never told to this page), so the hooks run then too.
  const handlers = [];
  const reopenHooks = [];
  let source = null;
  let over = false;

  function markLive(on, title) {
    const dot = document.getElementById("live");
    if (!dot) return;
    dot.classList.toggle("on", on);
    dot.title = title;
  }

  let greeted = false;  // the first stream's hello was read

  function catchUp() {
    reopenHooks.forEach((hook) => { try { hook(); } catch (err) { console.error(err); } });
  }

  function connect() {
    if (over) return;
    let opened = Boolean(source);
    source = new EventSource("/ui/stream");
    const mine = source;
    mine.addEventListener("open", () => {
      markLive(true, "Live: changes appear as they happen");
      if (opened) catchUp();
      opened = true;
    });
    mine.addEventListener("error", () => {
      markLive(false, "Reconnecting to live updates…");
      // The browser retries by itself unless the answer was not a stream (signed out, or an
      // error page): then ask whether the session stands, and retry or say it ended.
      if (mine.readyState === EventSource.CLOSED && mine === source) setTimeout(probe, 1000);
    });
    mine.addEventListener("change", (event) => {
      const msg = JSON.parse(event.data);
      handlers.forEach((handler) => { try { handler(msg); } catch (err) { console.error(err); } });
    });
    mine.addEventListener("hello", (event) => {
      if (greeted) return;
      greeted = true;
      const meta = document.querySelector('meta[name="oms-position"]');
      const rendered = Number(meta ? meta.content : 0);
      if (JSON.parse(event.data).position > rendered) catchUp();
    });
    mine.addEventListener("resync", () => location.reload());
    mine.addEventListener("ended", sessionEnded);
  }

  async function probe() {
    if (over) return;
    try {
      const response = await fetch("/ui/session", { credentials: "same-origin" });
      if (response.status === 401) { sessionEnded(); return; }
    } catch (err) { /* the server is down: try again */ }
    setTimeout(connect, 2000);
  }

  // Stop listening for good and tell the user why (the notice stays until they act).
  function stopLive(message, link) {
    if (over) return;
    over = true;
    if (source) source.close();
    markLive(false, "Live updates stopped");
    const box = document.getElementById("notice");
    if (!box) return;
    box.textContent = message + " ";
    box.classList.remove("ok");
    if (link) {
      const a = document.createElement("a");
      a.href = link.href;
      a.textContent = link.text;
      box.appendChild(a);
    }
    box.hidden = false;
  }

  function sessionEnded() {
    const here = location.pathname + location.search;
    stopLive("Your session has ended (signed out, expired or disabled): this page no longer updates.",
             { href: "/login?next=" + encodeURIComponent(here), text: "Sign in again" });
  }

  function live(handler, options) {
    if (!window.EventSource) return null;
    const dot = document.getElementById("live");  // shown on the pages that are live
    if (dot) dot.hidden = false;
    handlers.push(handler);
    if (options && options.reopened) reopenHooks.push(options.reopened);
    if (!source) connect();
    return source;
  }

  // Whether the user changed a field from what the page was served with.
  function edited(el) {
    if (el.tagName === "SELECT") {
      const initial = Math.max(Array.from(el.options).findIndex((o) => o.defaultSelected), 0);
      return el.selectedIndex !== initial;
    }
    if (el.type === "checkbox" || el.type === "radio") return el.checked !== el.defaultChecked;
    if (el.type === "hidden" || el.type === "submit" || el.type === "button") return false;
    return el.value !== el.defaultValue;
  }

  // A part of the page is busy while the user types in it, has changed any of its fields or
  // has an error shown in it: a live refresh must not take that away.
  function busy(part) {
    const active = document.activeElement;
    if (active && part.contains(active) && /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName)) return true;
    if (Array.from(part.querySelectorAll("input, select, textarea")).some(edited)) return true;
    return Array.from(part.querySelectorAll("[data-error-for], .form-error"))
      .some((el) => !el.hidden && el.textContent.trim() !== "");
  }

  // Say in a busy part that what it shows changed meanwhile; the button shows the change
  // (dropping what was typed there). Idempotent: one note per part.
  function staleNote(part, show) {
    let note = part.querySelector(":scope > .stale-note");
    if (!note) {
      note = document.createElement("p");
      note.className = "stale-note";
      note.setAttribute("role", "status");
      note.append("This order changed while you were filling this in. ");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "small";
      button.textContent = "Refresh";
      note.appendChild(button);
      part.prepend(note);
    }
    note.querySelector("button").onclick = show;
    return note;
  }

  function sortable(table) {
    table.querySelectorAll("th[data-sort]").forEach((th, _) => {
      th.tabIndex = 0;
      const sort = () => {
        const index = Array.from(th.parentNode.children).indexOf(th);
        const ascending = th.getAttribute("aria-sort") !== "ascending";
        table.querySelectorAll("th[aria-sort]").forEach((h) => h.removeAttribute("aria-sort"));
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        const body = table.tBodies[0];
        const key = (row) => {
          const cell = row.children[index];
          const raw = cell ? (cell.dataset.value ?? cell.textContent.trim()) : "";
          const number = Number(raw.replace(/,/g, ""));
          return raw !== "" && !Number.isNaN(number) ? number : raw.toLowerCase();
        };
        const rows = Array.from(body.rows);
        rows.sort((a, b) => {
          const x = key(a), y = key(b);
          const order = x < y ? -1 : x > y ? 1 : 0;
          return ascending ? order : -order;
        });
        rows.forEach((row) => body.appendChild(row));
      };
      th.addEventListener("click", sort);
      th.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); } });
    });
  }

  function filter(input) {
    const table = document.getElementById(input.dataset.filter);
    if (!table) return;
    input.addEventListener("input", () => {
      const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      for (const row of table.tBodies[0].rows) {
        const text = row.textContent.toLowerCase();
        row.hidden = !words.every((w) => text.includes(w));
      }
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("form[data-api]").forEach(bindApiForm);
    document.querySelectorAll("table[data-sortable]").forEach(sortable);
    document.querySelectorAll("input[data-filter]").forEach(filter);
  });

  return { api, fragment, notice, showProblem, clearErrors, values, hooks, live, sortable, Problem, csrf,
           busy, staleNote };
})();
