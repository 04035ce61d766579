// Retail pages: the order list (live rows), one order (actions, live refresh) and the
// customer-service order entry (idempotent POST with an Idempotency-Key header).
"use strict";

(() => {
  // ------------------------------------------------------------ shared

  // A key that stays the same for every retry of this one order entry.
  function newKey() {
    if (window.crypto && crypto.randomUUID) return "ui-" + crypto.randomUUID();
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return "ui-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // The domain names list items "lines[0].qty", request validation "lines.0.qty": one form.
  function normalise(problem, rename) {
    const errors = (problem.errors || []).map((e) => {
      let field = String(e.field || "").replace(/\[(\d+)\]/g, ".$1");
      if (rename) field = rename(field);
      return { field, reason: e.reason };
    });
    return { errors, message: problem.message, status: problem.status };
  }

  function flash(row) {
    row.classList.remove("flash");
    void row.offsetWidth;
    row.classList.add("flash");
  }

  // ------------------------------------------------------------ the order list

  function orderList(table) {
    const offset = Number(table.dataset.offset || 0);
    const limit = Number(table.dataset.limit || 50);
    const filters = table.dataset.filters || "";
    const inFlight = new Set();
    const dirty = new Set();  // changed again while its row was being fetched

    async function fetchRow(orderId) {
      const existing = document.getElementById("order-" + orderId);
      if (!existing && offset !== 0) return; // new orders show on the first page only
      const url = `/ui/retail/orders/${encodeURIComponent(orderId)}/row` + (existing ? "" : filters ? "?" + filters : "");
      const fragment = await OMS.fragment(url);
      const row = fragment.querySelector("tr");
      if (!row) return;
      const current = document.getElementById("order-" + orderId);
      const body = table.tBodies[0];
      if (current) current.replaceWith(row);
      else {
        body.insertBefore(row, body.firstChild);
        while (body.rows.length > limit) body.deleteRow(body.rows.length - 1);
        const empty = document.getElementById("orders-empty");
        if (empty) empty.hidden = true;
      }
      flash(row);
    }

    // One fetch per order at a time; a change heard meanwhile fetches it once more after.
    async function refreshRow(orderId) {
      if (inFlight.has(orderId)) { dirty.add(orderId); return; }
      inFlight.add(orderId);
      try {
        do {
          dirty.delete(orderId);
          try { await fetchRow(orderId); } catch (err) { console.error(err); }
        } while (dirty.has(orderId));
      } finally {
        inFlight.delete(orderId);
      }
    }

    // After a reconnection: the rows on screen, and on the first page the orders that came in
    // while the stream was down (the page's own rows, read again).
    async function catchUp() {
      const ids = new Set(Array.from(table.tBodies[0].rows, (row) => row.dataset.orderId));
      if (offset === 0) {
        const page = await OMS.fragment(location.pathname + location.search);
        Array.from(page.querySelectorAll("#orders tbody tr")).reverse()
          .forEach((row) => ids.add(row.dataset.orderId));
      }
      for (const orderId of ids) if (orderId) await refreshRow(orderId);
    }

    OMS.live((msg) => {
      if (msg.area === "retail") refreshRow(msg.id);
    }, { reopened: () => { catchUp().catch(console.error); } });
  }

  // ------------------------------------------------------------ order entry

  function renumber(tbody) {
    Array.from(tbody.rows).forEach((row, n) => {
      row.querySelector(".line-no").textContent = String(n + 1);
      row.querySelectorAll("[data-part]").forEach((el) => {
        const part = el.dataset.part;
        el.name = `lines.${n}.${part}`;
        el.id = `l-${n}-${part}`;
        el.setAttribute("aria-describedby", `l-${n}-${part}-error`);
      });
      row.querySelectorAll("[data-part-label]").forEach((label) => {
        const part = label.dataset.partLabel;
        label.htmlFor = `l-${n}-${part}`;
        label.textContent = label.textContent.replace(/line \S*$/, `line ${n + 1}`);
      });
      row.querySelectorAll("[data-error-part]").forEach((slot) => {
        slot.id = `l-${n}-${slot.dataset.errorPart}-error`;
        slot.dataset.errorFor = `lines.${n}.${slot.dataset.errorPart}`;
      });
      const remove = row.querySelector("[data-remove-line]");
      remove.disabled = tbody.rows.length === 1;
      remove.setAttribute("aria-label", `Remove line ${n + 1}`);
    });
  }

  function integer(text) {
    return /^-?\d+$/.test(text) ? Number(text) : text;
  }

  function orderBody(form) {
    const get = (name) => {
      const el = form.elements[name];
      return el ? el.value.trim() : "";
    };
    const customer = { name: get("customer.name") };
    if (get("customer.email")) customer.email = get("customer.email");
    if (get("customer.phone")) customer.phone = get("customer.phone");
    const method = get("shipping_method");
    const body = { channel: get("channel"), customer, shipping_method: method,
      payment_status: get("payment_status"), lines: [] };
    if (get("currency")) body.currency = get("currency");
    if (get("notes")) body.notes = get("notes");
    if (method === "pickup") body.pickup_location_id = get("pickup_location_id");
    const address = {};
    for (const part of ["name", "line1", "line2", "city", "region", "postal_code", "country", "phone"]) {
      const value = get("ship_to." + part);
      if (value) address[part] = value;
    }
    const typed = Object.keys(address).some((k) => k !== "country");
    if (method === "ship" || typed) body.ship_to = address;
    const rows = form.querySelectorAll("#entry-lines tr");
    rows.forEach((row, n) => {
      const line = {};
      const sku = get(`lines.${n}.sku`);
      if (sku) line.sku = sku;
      const qty = get(`lines.${n}.qty`);
      if (qty !== "") line.qty = integer(qty);
      const price = get(`lines.${n}.unit_price`);
      if (price !== "") line.unit_price = price;
      body.lines.push(line);
    });
    return body;
  }

  function orderEntry(form) {
    const tbody = document.getElementById("entry-lines");
    const template = document.getElementById("line-template");
    const idempotencyKey = newKey();
    const methodSelect = form.elements.shipping_method;
    const store = document.getElementById("pickup-store");
    const syncMethod = () => { store.hidden = methodSelect.value !== "pickup"; };
    methodSelect.addEventListener("change", syncMethod);
    syncMethod();
    renumber(tbody);
    document.getElementById("add-line").addEventListener("click", () => {
      tbody.appendChild(template.content.cloneNode(true));
      renumber(tbody);
      tbody.rows[tbody.rows.length - 1].querySelector("select").focus();
    });
    tbody.addEventListener("click", (event) => {
      const button = event.target.closest("[data-remove-line]");
      if (!button || tbody.rows.length === 1) return;
      button.closest("tr").remove();
      renumber(tbody);
      tbody.rows[0].querySelector("select").focus();
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const submit = form.querySelector('button[type="submit"]');
      submit.disabled = true;
      OMS.clearErrors(form);
      try {
        const [method, path] = form.dataset.idempotent.split(" ");
        const order = await OMS.api(method, path, orderBody(form), { "Idempotency-Key": idempotencyKey });
        location.assign("/ui/retail/orders/" + encodeURIComponent(order.order_id));
      } catch (problem) {
        OMS.showProblem(form, normalise(problem));
        submit.disabled = false;
      }
    });
  }

  // ------------------------------------------------------------ one order

  function actionBody(form) {
    const kind = form.dataset.kind;
    if (kind === "empty") return { body: undefined };
    const body = OMS.values(form);
    if (kind !== "lines") return { body };
    const lines = [];
    const ids = [];
    form.querySelectorAll("input[data-line-id]").forEach((input) => {
      const value = input.value.trim();
      if (value === "") return;
      lines.push({ line_id: input.dataset.lineId, qty: integer(value) });
      ids.push(input.dataset.lineId);
    });
    return { body: Object.assign(body, { lines }), ids };
  }

  function orderPage(root) {
    const orderId = root.dataset.orderId;
    const url = `/ui/retail/orders/${encodeURIComponent(orderId)}/live`;
    let latest = 0;  // the newest refresh asked for; an older answer is dropped
    const take = new Set();  // parts to replace even if busy, until a refresh has replaced them
    let running = null;
    let again = false;

    const partOf = (el) => el.closest("[data-part]");
    const textOf = (part) => {
      const note = part.querySelector(":scope > .stale-note");
      return part.textContent.replace(note ? note.textContent : "", "");
    };

    // Swap in the fresh order, except the parts the user is filling in: those keep what they
    // typed (moved into the fresh page, focus and caret kept) and say when the order changed
    // under them. take: parts replaced even so (after the user's own action, or "Refresh"),
    // kept until an answer lands, so a newer live refresh does not lose them.
    // Whether a part is busy is checked when the answer arrives, not when it was asked for.
    function apply(fragment) {
      const lost = [];
      for (const old of root.querySelectorAll("[data-part]")) {
        if (take.has(old.dataset.part) || !OMS.busy(old)) continue;
        const fresh = fragment.querySelector(`[data-part="${CSS.escape(old.dataset.part)}"]`);
        if (!fresh) { lost.push(old.dataset.title || old.dataset.part); continue; }
        const changed = textOf(old) !== fresh.textContent;
        fresh.replaceWith(old);
        if (changed) OMS.staleNote(old, () => refresh(old.dataset.part));
      }
      const active = document.activeElement;
      let caret = null;
      try { caret = [active.selectionStart, active.selectionEnd]; } catch (err) { /* no caret */ }
      root.replaceChildren(fragment);
      take.clear();
      if (active && root.contains(active) && document.activeElement !== active) {
        active.focus({ preventScroll: true });
        try { if (caret && caret[0] !== null) active.setSelectionRange(caret[0], caret[1]); } catch (err) { /* number inputs */ }
      }
      if (lost.length) OMS.notice(`This order changed: ${lost.join(", ")} is no longer possible.`);
    }

    async function refresh(part) {
      const mine = ++latest;
      if (part) take.add(part);
      const fragment = await OMS.fragment(url);
      if (mine !== latest) return;
      apply(fragment);
    }

    // One refresh at a time; changes heard meanwhile make one more afterwards.
    function schedule() {
      if (running) { again = true; return; }
      running = refresh().catch(console.error).finally(() => {
        running = null;
        if (again) { again = false; schedule(); }
      });
    }

    root.addEventListener("submit", async (event) => {
      const form = event.target.closest("form[data-act]");
      if (!form) return;
      event.preventDefault();
      if (form.dataset.confirm && form.dataset.armed !== "yes") {
        // A second press confirms what cannot be undone.
        form.dataset.armed = "yes";
        const button = form.querySelector('button[type="submit"]');
        button.textContent = form.dataset.confirm;
        button.focus();
        return;
      }
      const [method, path] = form.dataset.act.split(" ");
      const { body, ids } = actionBody(form);
      OMS.clearErrors(form);
      if (ids && ids.length === 0) {
        OMS.showProblem(form, { errors: [{ field: "lines", reason: "Enter a number of units for at least one line." }] });
        return;
      }
      const buttons = form.querySelectorAll("button");
      buttons.forEach((b) => { b.disabled = true; });
      try {
        await OMS.api(method, path, body);
        const part = partOf(form);
        await refresh(part ? part.dataset.part : undefined);
        OMS.notice("Done: the order is updated.", true);
      } catch (problem) {
        const rename = ids ? (field) => field.replace(/^lines\.(\d+)\.(qty|line_id)$/, (_, n) => `line:${ids[Number(n)]}`) : null;
        OMS.showProblem(form, normalise(problem, rename));
        buttons.forEach((b) => { b.disabled = false; });
      }
    });

    // A part left as it was served lets a held-back change in.
    root.addEventListener("focusout", () => {
      setTimeout(() => {
        const held = Array.from(root.querySelectorAll(".stale-note"), partOf);
        if (held.some((part) => part && !OMS.busy(part))) schedule();
      }, 0);
    });

    OMS.live((msg) => {
      if (msg.area === "retail" && msg.id === orderId) schedule();
    }, { reopened: schedule });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const table = document.getElementById("orders");
    if (table) orderList(table);
    const entry = document.getElementById("order-entry");
    if (entry) orderEntry(entry);
    const order = document.getElementById("order-live");
    if (order) orderPage(order);
  });
})();
