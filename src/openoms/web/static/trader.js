// Trader pages: the blotter, the order ticket, an order's page. Needs app.js (OMS).
//
//  <form data-act="POST /api/v1/trading/orders/{order_id}/accept" data-ok="...">
//      an action through the REST API ({order_id} and the like come from fields of that name);
//      bound by delegation, so forms swapped in live keep working. On success the page's
//      live parts are refreshed in place (never reloaded).
//  .progress[data-filled][data-working]  bars: filled and working percent of the quantity.
//  form[data-prices]   a select[name=ord_type] enables the fields marked data-needs=limit|stop.
"use strict";

(() => {
  // ------------------------------------------------------------ shared

  function bars(root) {
    root.querySelectorAll(".progress[data-filled]").forEach((bar) => {
      const filled = Math.min(Number(bar.dataset.filled) || 0, 100);
      const working = Math.min(Number(bar.dataset.working) || 0, 100 - filled);
      const f = bar.querySelector(".filled");
      const w = bar.querySelector(".working");
      if (f) f.style.width = `${filled}%`;
      if (w) { w.style.left = `${filled}%`; w.style.width = `${working}%`; }
    });
  }

  const html = (url) => OMS.fragment(url);

  function flash(el) {
    el.classList.remove("flash", "flash-box");
    void el.offsetWidth;  // restart the animation
    el.classList.add(el.tagName === "TR" ? "flash" : "flash-box");
  }

  // The ticket a pushed change is about (null for reference data and other areas).
  function orderOf(msg) {
    if (msg.area !== "trading") return null;
    const stream = String(msg.stream || msg.id);
    return stream.startsWith("order:") ? stream.slice(6) : null;
  }

  // Runs jobs one after the other, so an older fetch never lands over a newer one.
  function serial() {
    let chain = Promise.resolve();
    return (job) => { chain = chain.then(job).catch((err) => console.error(err)); return chain; };
  }

  function priceFields(form) {
    const type = form.querySelector('select[name="ord_type"]');
    if (!type) return;
    const apply = () => {
      const t = type.value;
      const needs = { limit: t === "limit" || t === "stop_limit", stop: t === "stop" || t === "stop_limit" };
      form.querySelectorAll("[data-needs]").forEach((input) => {
        const on = needs[input.dataset.needs];
        input.disabled = !on;
        const field = input.closest(".field");
        if (field) field.hidden = !on;
      });
    };
    type.addEventListener("change", apply);
    apply();
  }

  let afterAction = () => {};

  document.addEventListener("submit", async (event) => {
    const form = event.target.closest("form[data-act]");
    if (!form) return;
    event.preventDefault();
    const [method, template] = form.dataset.act.split(" ");
    const used = new Set();
    const path = template.replace(/\{(\w+)\}/g, (_, key) => {
      used.add(key);
      const el = form.elements[key];
      return encodeURIComponent(el ? el.value : "");
    });
    const buttons = form.querySelectorAll("button");
    buttons.forEach((b) => { b.disabled = true; });
    OMS.clearErrors(form);
    try {
      const data = await OMS.api(method, path, OMS.values(form, used));
      OMS.notice(form.dataset.ok || "Done.", true);
      form.reset();  // its input is spent: the part may be refreshed now
      const details = form.closest("details");
      if (details) details.open = false;
      await afterAction(form, data);
    } catch (problem) {
      if (problem instanceof OMS.Problem) OMS.showProblem(form, problem);
      else console.error(problem);
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  });

  // ------------------------------------------------------------ blotter

  function initBlotter(table) {
    const offset = Number(table.dataset.offset || 0);
    const limit = Number(table.dataset.limit || 0);
    const rowsUrl = table.dataset.rowsUrl;
    const children = document.getElementById("children");
    const fills = document.getElementById("fills");
    const quick = document.getElementById("b-quick");
    const queue = new Set();
    const run = serial();
    let timer = null;

    const dropEmpty = (body) => body.querySelectorAll("tr.empty").forEach((row) => row.remove());
    const seq = (row) => Number(row.cells[0] && row.cells[0].dataset.value) || 0;

    function place(row, body, before) {
      const old = document.getElementById(row.id);
      if (old) {
        const changed = old.textContent !== row.textContent;
        old.replaceWith(row);
        if (changed) flash(row);
        return true;
      }
      if (before === undefined) return false;
      dropEmpty(body);
      body.insertBefore(row, before && before.parentNode === body ? before : body.firstChild);
      flash(row);
      return true;
    }

    function applyRows(fragment) {
      const tickets = table.tBodies[0];
      const fresh = [];
      fragment.querySelectorAll('tr[data-kind="ticket"]').forEach((row) => {
        if (document.getElementById(row.id)) place(row, tickets);
        else if (offset === 0 && row.dataset.match === "1") fresh.push(row);
      });
      // New tickets go on top, the newest first.
      fresh.sort((a, b) => seq(a) - seq(b)).forEach((row) => place(row, tickets, tickets.firstChild));
      const kids = children.tBodies[0];
      // The page keeps its size: what new tickets push off the bottom is on the next page.
      while (limit && tickets.rows.length > limit) {
        const last = tickets.rows[tickets.rows.length - 1];
        kids.querySelectorAll(`tr[data-order="${CSS.escape(last.dataset.order || "")}"]`).forEach((row) => row.remove());
        last.remove();
      }
      fragment.querySelectorAll('tr[data-kind="child"]').forEach((row) => {
        if (!document.getElementById(`t-${row.dataset.order}`)) return;
        const sibling = kids.querySelector(`tr[data-order="${CSS.escape(row.dataset.order)}"]`);
        place(row, kids, sibling || kids.firstChild);
      });
      bars(table);
      bars(children);
      if (quick && quick.value) quick.dispatchEvent(new Event("input"));
    }

    async function refreshFills() {
      const fragment = await html(fills.dataset.url);
      const body = fills.tBodies[0];
      const known = new Set(Array.from(body.rows, (row) => row.id));
      const rows = Array.from(fragment.querySelectorAll("tr"));
      if (!rows.length) return;
      body.replaceChildren(...rows);
      rows.forEach((row) => { if (!known.has(row.id)) flash(row); });
    }

    async function flush() {
      timer = null;
      const ids = Array.from(queue).slice(0, 100);
      ids.forEach((id) => queue.delete(id));
      if (queue.size) schedule();
      if (!ids.length) return;
      const url = `${rowsUrl}${rowsUrl.includes("?") ? "&" : "?"}ids=${encodeURIComponent(ids.join(","))}`;
      try {
        applyRows(await html(url));
        await refreshFills();
      } catch (err) {
        // Not shown yet: keep them for the next try (the next change, or a reconnection).
        ids.forEach((id) => queue.add(id));
        throw err;
      }
    }

    // After a reconnection: every ticket on the page, and those the page would show now
    // (tickets that arrived while the stream was down).
    async function catchUp() {
      table.querySelectorAll('tbody tr[data-kind="ticket"]').forEach((row) => queue.add(row.dataset.order));
      if (offset === 0) {
        const page = await html(location.pathname + location.search);
        page.querySelectorAll('#tickets tr[data-kind="ticket"]').forEach((row) => queue.add(row.dataset.order));
      }
      schedule();
    }

    function schedule() {
      if (!timer) timer = setTimeout(() => run(flush), 120);
    }

    function touch(orderId) {
      queue.add(orderId);
      schedule();
    }

    OMS.live((msg) => {
      const id = orderOf(msg);
      if (id) touch(id);
    }, { reopened: () => run(catchUp) });
    afterAction = (form) => {
      const id = form.elements.order_id;
      if (id) touch(id.value);
    };
  }

  // ------------------------------------------------------------ order page

  function initOrder(article) {
    const orderId = article.dataset.orderId;
    const url = article.dataset.partsUrl;
    const run = serial();
    let timer = null;

    // Swap in the fresh parts. A part the user is filling in keeps their input: it says the
    // order changed and offers to show it (force: the region its Refresh button replaces).
    async function refresh(force) {
      timer = null;
      const fragment = await html(url);
      fragment.querySelectorAll("[data-region]").forEach((part) => {
        const region = part.dataset.region;
        const old = article.querySelector(`[data-region="${CSS.escape(region)}"]`);
        if (!old) return;
        if (OMS.busy(old) && force !== region) {
          const note = old.querySelector(":scope > .stale-note");
          const shown = old.textContent.replace(note ? note.textContent : "", "");
          if (shown !== part.textContent) OMS.staleNote(old, () => run(() => refresh(region)));
          return;
        }
        const summary = (d) => (d.querySelector("summary") || d).textContent.trim();
        const open = new Set(Array.from(old.querySelectorAll("details[open]"), summary));
        const changed = old.textContent !== part.textContent;
        old.replaceWith(part);
        part.querySelectorAll("details").forEach((d) => { if (open.has(summary(d))) d.open = true; });
        part.querySelectorAll("form[data-prices]").forEach(priceFields);
        bars(part);
        if (changed) flash(part);
      });
    }

    function schedule() {
      if (!timer) timer = setTimeout(() => run(refresh), 120);
    }

    // Leaving a part the user had not changed lets a held-back change in.
    article.addEventListener("focusout", () => {
      setTimeout(() => { if (article.querySelector(".stale-note")) schedule(); }, 50);
    });
    OMS.live((msg) => {
      if (orderOf(msg) === orderId) schedule();
    }, { reopened: schedule });
    afterAction = () => run(refresh);
  }

  // ------------------------------------------------------------ order ticket

  // Decimals as (BigInt, scale): exact tick and limit checks, no floating point.
  function dec(text) {
    const s = String(text).trim();
    if (!/^\d+(\.\d+)?$/.test(s)) return null;
    const [whole, frac = ""] = s.split(".");
    return { n: BigInt(whole + frac), scale: frac.length };
  }
  function align(a, b) {
    const scale = Math.max(a.scale, b.scale);
    return [a.n * 10n ** BigInt(scale - a.scale), b.n * 10n ** BigInt(scale - b.scale)];
  }
  const cmp = (a, b) => { const [x, y] = align(a, b); return x < y ? -1 : x > y ? 1 : 0; };
  const multiple = (v, step) => { const [x, y] = align(v, step); return y > 0n && x % y === 0n; };
  const mul = (a, b) => ({ n: a.n * b.n, scale: a.scale + b.scale });
  function show(d, places) {
    if (!d) return "";
    const neg = d.n < 0n;
    let digits = (neg ? -d.n : d.n).toString().padStart(d.scale + 1, "0");
    let whole = digits.slice(0, digits.length - d.scale);
    let frac = digits.slice(digits.length - d.scale);
    if (places !== undefined) frac = frac.slice(0, places).padEnd(places, "0");
    whole = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return (neg ? "-" : "") + whole + (frac ? `.${frac}` : "");
  }
  const num = (text) => (text == null ? null : dec(text));

  // The ticket's ClOrdID, made when the form loads: a retry after a lost answer sends the same
  // order again, which the API answers with the first one (200, Idempotent-Replay), not a second.
  function newClOrdId() {
    const bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return "ui-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function initTicket(form) {
    let clOrdId = newClOrdId();
    const ref = JSON.parse(document.getElementById("ticket-reference").textContent);
    const summary = document.getElementById("o-summary");
    const facts = document.getElementById("o-facts");
    const touched = new Set();
    const el = (name) => form.elements[name];
    const value = (name) => { const e = el(name); return e ? String(e.value).trim() : ""; };

    const account = () => ref.accounts[value("account_id")];
    const symbolOf = () => value("symbol").toUpperCase();
    const instrument = () => ref.instruments[symbolOf()];
    const type = () => value("ord_type");
    const needsLimit = () => type() === "limit" || type() === "stop_limit";
    const needsStop = () => type() === "stop" || type() === "stop_limit";

    function priceCheck(name, label, needed) {
      const raw = value(name);
      if (!needed) return "";
      if (!raw) return `A ${label} is required for a ${type().replace("_", " ")} order.`;
      const px = dec(raw);
      if (!px) return `Enter the ${label} as a number, like 190.25.`;
      if (px.n <= 0n) return `The ${label} must be greater than zero.`;
      const inst = instrument();
      if (inst) {
        const tick = dec(inst.tick_size);
        if (!multiple(px, tick)) return `The ${label} must be on the tick size ${inst.tick_size} of ${symbolOf()}.`;
      }
      return "";
    }

    function orderValue() {
      const qty = dec(value("qty"));
      const inst = instrument();
      if (!qty || !inst) return null;
      const px = (needsLimit() && dec(value("limit_px"))) || (needsStop() && dec(value("stop_px")))
        || dec(inst.reference_price);
      return px ? mul(qty, px) : null;
    }

    const checks = {
      account_id() {
        const a = account();
        if (!value("account_id")) return "Choose the client's account.";
        if (!a) return "Unknown account.";
        if (!a.active) return `Account ${value("account_id")} is inactive.`;
        return "";
      },
      symbol() {
        const s = symbolOf();
        if (!s) return "Enter the instrument.";
        const inst = instrument();
        if (!inst) return `Unknown instrument ${s}: pick one from the list.`;
        if (inst.restricted) return `${s} is a restricted instrument.`;
        const a = account();
        if (a && a.restricted_symbols.includes(s)) return `${s} is restricted for account ${value("account_id")}.`;
        return "";
      },
      qty() {
        const raw = value("qty");
        if (!raw) return "Enter the quantity.";
        if (!/^\d+$/.test(raw.replace(/,/g, ""))) return "The quantity must be a whole number of shares.";
        const qty = dec(raw.replace(/,/g, ""));
        if (qty.n <= 0n) return "The quantity must be greater than zero.";
        const inst = instrument();
        if (inst && !multiple(qty, dec(inst.lot_size))) return `The quantity must be a multiple of the lot size ${inst.lot_size}.`;
        const a = account();
        if (a && a.max_order_qty && cmp(qty, dec(a.max_order_qty)) > 0) {
          return `Over the account's limit: ${value("account_id")} may order at most ${show(dec(a.max_order_qty))} at a time.`;
        }
        if (inst && inst.max_order_qty && cmp(qty, dec(inst.max_order_qty)) > 0) {
          return `Over the instrument's limit: at most ${show(dec(inst.max_order_qty))} ${symbolOf()} per order.`;
        }
        const worth = orderValue();
        if (a && a.max_order_notional && worth && cmp(worth, dec(a.max_order_notional)) > 0) {
          return `Order value ${show(worth, 2)} is over ${value("account_id")}'s limit of ${show(dec(a.max_order_notional))} per order.`;
        }
        return "";
      },
      limit_px: () => priceCheck("limit_px", "limit price", needsLimit()),
      stop_px: () => priceCheck("stop_px", "stop price", needsStop()),
      tif() {
        if (type() === "market" && value("tif") === "gtc") return "A market order cannot be good till cancel.";
        return "";
      },
      expire_at() {
        if (value("tif") !== "gtd") return "";
        const raw = value("expire_at");
        if (!raw) return "A GTD order needs the date and time it ends.";
        if (new Date(raw) <= new Date()) return "The end must be in the future.";
        return "";
      },
    };

    function mark(name, reason) {
      const slot = form.querySelector(`[data-error-for="${name}"]`);
      const input = el(name);
      if (slot) slot.textContent = reason;
      if (input && input.setAttribute) {
        if (reason) input.setAttribute("aria-invalid", "true");
        else input.removeAttribute("aria-invalid");
      }
    }

    function validate(all) {
      let first = null;
      for (const [name, check] of Object.entries(checks)) {
        const reason = check();
        if (all || touched.has(name)) mark(name, reason);
        if (reason && !first) first = name;
      }
      return first;
    }

    function visibility() {
      form.querySelectorAll("[data-for-types]").forEach((box) => {
        const on = box.dataset.forTypes.split(" ").includes(type());
        box.hidden = !on;
        box.querySelectorAll("input").forEach((i) => { i.disabled = !on; });
      });
      form.querySelectorAll("[data-for-tif]").forEach((box) => {
        const on = value("tif") === box.dataset.forTif;
        box.hidden = !on;
        box.querySelectorAll("input").forEach((i) => { i.disabled = !on; });
      });
    }

    function describe() {
      const a = account();
      const inst = instrument();
      const info = (key, text) => { const e = form.querySelector(`[data-info="${key}"]`); if (e) e.textContent = text; };
      info("account", a ? [a.name, a.max_order_qty && `max ${show(dec(a.max_order_qty))} shares`,
        a.max_order_notional && `max value ${show(dec(a.max_order_notional))}`].filter(Boolean).join(" · ") : "");
      info("symbol", inst ? `${inst.name} · ref ${inst.reference_price} ${inst.currency}` : "");
      info("qty", inst ? `Lot ${inst.lot_size}` : "");
      let band = "";
      if (inst && inst.price_collar_pct) {
        const refPx = Number(inst.reference_price);
        const pct = Number(inst.price_collar_pct) / 100;
        band = ` · collar ${(refPx * (1 - pct)).toFixed(2)}–${(refPx * (1 + pct)).toFixed(2)}`;
      }
      info("price", inst ? `Tick ${inst.tick_size}${band}` : "");
      const side = form.querySelector('input[name="side"]:checked');
      const worth = orderValue();
      const px = type() === "market" ? "at market" : needsLimit() && value("limit_px") ? `@ ${value("limit_px")}` : "";
      summary.textContent = a && inst
        ? `${side ? side.value.replace("_", " ").toUpperCase() : ""} ${value("qty") || "?"} ${symbolOf()} ${px} ${type().replace("_", " ")} ${value("tif").toUpperCase()} for ${value("account_id")}`
        : "Choose an account and an instrument.";
      facts.replaceChildren();
      const add = (term, text) => {
        const dt = document.createElement("dt"); dt.textContent = term;
        const dd = document.createElement("dd"); dd.textContent = text;
        facts.append(dt, dd);
      };
      if (worth && inst) add("Order value", `${show(worth, 2)} ${inst.currency}`);
      if (inst) add("Reference price", inst.reference_price);
      if (a && a.restricted_symbols.length) add("Restricted for account", a.restricted_symbols.join(", "));
    }

    const dependants = {
      account_id: ["qty", "symbol"], symbol: ["qty", "limit_px", "stop_px"], ord_type: ["limit_px", "stop_px", "qty", "tif"],
      limit_px: ["qty"], stop_px: ["qty"], tif: ["expire_at"],
    };

    function changed(event) {
      const name = event.target.name;
      if (!name) return;
      if (name in checks) touched.add(name);
      visibility();
      validate(false);
      describe();
    }
    form.addEventListener("input", changed);
    form.addEventListener("change", (event) => {
      (dependants[event.target.name] || []).forEach((n) => { if (value(n)) touched.add(n); });
      changed(event);
    });

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      OMS.clearErrors(form);
      const first = validate(true);
      if (first) {
        const input = el(first);
        if (input && input.focus) input.focus();
        return;
      }
      const body = OMS.values(form);
      body.symbol = symbolOf();
      body.qty = body.qty.replace(/,/g, "");
      body.source = "phone";
      body.cl_ord_id = clOrdId;
      if (body.expire_at) body.expire_at = new Date(body.expire_at).toISOString();
      const button = form.querySelector('button[type="submit"]');
      button.disabled = true;
      try {
        const order = await OMS.api("POST", "/api/v1/trading/orders", body);
        clOrdId = newClOrdId();  // the next order on this page (back from the order) is another
        location.assign(`/ui/orders/${encodeURIComponent(order.order_id)}`);
      } catch (problem) {
        OMS.showProblem(form, problem);
        button.disabled = false;
      }
    });

    visibility();
    describe();
  }

  // ------------------------------------------------------------ start

  document.addEventListener("DOMContentLoaded", () => {
    bars(document);
    document.querySelectorAll("form[data-prices]").forEach(priceFields);
    const blotter = document.getElementById("tickets");
    if (blotter && blotter.dataset.rowsUrl) initBlotter(blotter);
    const order = document.getElementById("order");
    if (order && order.dataset.partsUrl) initOrder(order);
    const ticket = document.getElementById("ticket");
    if (ticket) initTicket(ticket);
  });
})();
