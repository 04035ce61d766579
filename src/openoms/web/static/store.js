// The store screen: big-button forms on each card call the fulfilment API; a card whose order
// changed (by this page, another device, or a new assignment heard on the live stream) is
// fetched again as a fragment rendered by the same macro and moved to its lane.
//
//  <form data-store-act="POST /api/..." data-body="fields|short" data-done="Shipped">
//  fields marked data-required="message" are checked before anything is sent.
"use strict";

(() => {
  const root = document.getElementById("store");
  if (!root) return;
  const location_id = root.dataset.location;
  const firstPage = Number(root.dataset.offset || 0) === 0;

  function lane(group) {
    return root.querySelector(`section[data-lane="${CSS.escape(group)}"]`);
  }

  function tidy() {
    root.querySelectorAll("section[data-lane]").forEach((section) => {
      const empty = section.querySelector(".lane-empty");
      const jobs = section.querySelector(".jobs");
      if (empty && jobs) empty.hidden = jobs.children.length > 0;
    });
  }

  function setCounts(counts) {
    for (const [group, n] of Object.entries(counts || {})) {
      root.querySelectorAll(`[data-count-for="${CSS.escape(group)}"]`).forEach((el) => {
        el.textContent = String(n);
      });
    }
  }

  // Swap in the fresh cards of one order; returns the card that moved into view, if any.
  // A card the user is filling in (OMS.busy: a field changed from its default, or focused)
  // keeps their input and says the order changed; an answer older than the card shown (by
  // its order's version) is dropped.
  async function load(orderId, force) {
    let fragment;
    try {
      fragment = await OMS.fragment(
        `/ui/store/${encodeURIComponent(location_id)}/cards?order_id=${encodeURIComponent(orderId)}`);
    } catch (problem) {
      return null;
    }
    const wrapper = fragment.querySelector("[data-counts]");
    if (!wrapper) return null;
    try { setCounts(JSON.parse(wrapper.dataset.counts)); } catch (err) { /* keep the old counts */ }
    const fresh = Array.from(wrapper.querySelectorAll("article.job"));
    const freshIds = new Set(fresh.map((c) => c.dataset.fulfilmentId));
    root.querySelectorAll(`article.job[data-order-id="${CSS.escape(orderId)}"]`).forEach((old) => {
      if (!freshIds.has(old.dataset.fulfilmentId)) old.remove();
    });
    let moved = null;
    for (const card of fresh) {
      const old = document.getElementById(card.id);
      if (old) {
        const shown = Number(old.dataset.version);
        const got = Number(card.dataset.version);
        if (got < shown || (got === shown && !force)) continue;
        if (!force && OMS.busy(old) && old.dataset.group === card.dataset.group) {
          const note = old.querySelector(":scope > .stale-note");
          const text = old.textContent.replace(note ? note.textContent : "", "");
          if (text !== card.textContent) OMS.staleNote(old, () => refresh(orderId, true));
          continue;
        }
      }
      const target = lane(card.dataset.group);
      if (!target) { if (old) old.remove(); continue; }
      const jobs = target.querySelector(".jobs");
      if (old && old.dataset.group === card.dataset.group) {
        old.replaceWith(card);
      } else {
        if (old) old.remove();
        if (!firstPage && !old) continue;  // a later page: new work shows on page 1
        if (target.dataset.newestFirst === "yes") jobs.prepend(card);
        else jobs.append(card);
      }
      card.classList.add("flash");
      moved = card;
    }
    tidy();
    return moved;
  }

  // One refresh at a time per order: requests made while one runs share the next one.
  const queues = new Map();
  function refresh(orderId, force) {
    let q = queues.get(orderId);
    if (!q) { q = { tail: Promise.resolve(), next: null, force: false }; queues.set(orderId, q); }
    q.force = q.force || Boolean(force);
    if (!q.next) {
      const mine = q;
      mine.next = mine.tail.then(() => {
        const forced = mine.force;
        mine.next = null;
        mine.force = false;
        return load(orderId, forced);
      });
      mine.tail = mine.next.catch(() => null);
    }
    return q.next;
  }

  // After a reconnection: the orders on screen, and any the page would show now.
  async function catchUp() {
    const ids = new Set(Array.from(root.querySelectorAll("article.job"), (c) => c.dataset.orderId));
    const page = await OMS.fragment(location.pathname + location.search);
    page.querySelectorAll("article.job").forEach((c) => ids.add(c.dataset.orderId));
    ids.forEach((id) => refresh(id, false));
  }

  function checkRequired(form) {
    const errors = [];
    form.querySelectorAll("[data-required]").forEach((el) => {
      if (!el.value.trim()) errors.push({ field: el.name, reason: el.dataset.required });
    });
    return errors;
  }

  function body(form) {
    const kind = form.dataset.body;
    if (kind === "fields") return OMS.values(form);
    if (kind === "short") {
      const qty = Number(form.elements.qty.value);
      return {
        lines: [{ line_id: form.elements.line_id.value, qty: Number.isInteger(qty) ? qty : form.elements.qty.value }],
        reason: form.elements.reason.value.trim(),  // an emptied reason is refused next to it
      };
    }
    return undefined;
  }

  document.addEventListener("submit", async (event) => {
    const form = event.target.closest("form[data-store-act]");
    if (!form) return;
    event.preventDefault();
    OMS.clearErrors(form);
    const missing = checkRequired(form);
    if (missing.length) {
      OMS.showProblem(form, new OMS.Problem(422, { detail: missing[0].reason, errors: missing }));
      return;
    }
    const [method, path] = form.dataset.storeAct.split(" ");
    const card = form.closest("article.job");
    const buttons = card ? card.querySelectorAll("button") : form.querySelectorAll("button");
    buttons.forEach((b) => { b.disabled = true; });
    try {
      await OMS.api(method, path, body(form));
      OMS.notice(`Order ${card.dataset.orderId}: ${form.dataset.done || "done"}.`, true);
      const moved = await refresh(card.dataset.orderId, true);
      if (moved) moved.focus();
      else if (card.isConnected) buttons.forEach((b) => { b.disabled = false; });
    } catch (problem) {
      buttons.forEach((b) => { b.disabled = false; });
      OMS.showProblem(form, problem);
    }
  });

  OMS.live((msg) => {
    if (msg.area === "retail" && msg.id) refresh(msg.id, false);
  }, { reopened: () => { catchUp().catch(console.error); } });

  // Returns: look the RMA up, then receive its lines at this location.
  const finder = document.getElementById("rma-find");
  const slot = document.getElementById("rma-slot");
  if (finder && slot) {
    finder.addEventListener("submit", async (event) => {
      event.preventDefault();
      OMS.clearErrors(finder);
      const rma = finder.elements.rma_id.value.trim();
      if (!rma) {
        OMS.showProblem(finder, new OMS.Problem(422, { errors: [{ field: "rma_id", reason: "Enter the return number" }] }));
        return;
      }
      try {
        const part = await OMS.fragment(
          `/ui/store/${encodeURIComponent(location_id)}/return?rma_id=${encodeURIComponent(rma)}`);
        slot.replaceChildren(part);
      } catch (problem) {
        OMS.showProblem(finder, problem);
      }
    });
    slot.addEventListener("submit", async (event) => {
      const form = event.target.closest("#rma-receive");
      if (!form) return;
      event.preventDefault();
      OMS.clearErrors(form);
      const lines = [];
      form.querySelectorAll("tr[data-line-id]").forEach((row) => {
        const qty = Number(row.querySelector('[name="qty"]').value);
        if (qty > 0) {
          lines.push({ line_id: row.dataset.lineId, qty,
                       disposition: row.querySelector('[name="disposition"]').value });
        }
      });
      if (!lines.length) {
        OMS.showProblem(form, new OMS.Problem(422, { errors: [{ field: "lines", reason: "Enter the units that arrived" }] }));
        return;
      }
      try {
        await OMS.api("POST", `/api/v1/commerce/returns/${encodeURIComponent(form.dataset.rma)}/receive`,
                      { location_id: form.dataset.location, lines });
        location.reload();
      } catch (problem) {
        OMS.showProblem(form, problem);
      }
    });
  }
})();
