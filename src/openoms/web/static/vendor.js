// The vendor portal. The list takes in new and changed purchase orders from the live stream
// (rows rendered by the same macro); a purchase order's page refuses chosen lines and reloads
// when its order changes elsewhere.
"use strict";

(() => {
  // ---- the list
  const table = document.getElementById("po-table");
  if (table) {
    const tbody = table.tBodies[0];
    const total = document.getElementById("po-total");
    const empty = document.getElementById("po-empty");
    const firstPage = table.dataset.firstPage === "yes";
    // After a reconnection the list is read again as the page would show it now.
    const catchUp = async () => {
      const page = await OMS.fragment(location.pathname + location.search);
      const body = page.querySelector("#po-table tbody");
      if (!body) return;
      tbody.replaceChildren(...Array.from(body.rows));
      const shown = page.querySelector("#po-total");
      if (total && shown) total.textContent = shown.textContent;
      if (empty) empty.hidden = tbody.rows.length > 0;
    };
    OMS.live(async (msg) => {
      if (msg.area !== "retail" || !msg.id) return;
      const query = new URLSearchParams({ order_id: msg.id, vendor_id: table.dataset.vendor,
                                          status: table.dataset.status });
      let fragment;
      try { fragment = await OMS.fragment(`/ui/vendor/rows?${query}`); } catch (err) { return; }
      const body = fragment.querySelector("tbody");
      if (!body) return;
      const n = Number(body.dataset.total);
      if (total && !Number.isNaN(n)) total.textContent = `${n} purchase order${n === 1 ? "" : "s"}`;
      const fresh = Array.from(body.rows);
      const ids = new Set(fresh.map((r) => r.dataset.po));
      tbody.querySelectorAll(`tr[data-order-id="${CSS.escape(msg.id)}"]`).forEach((old) => {
        if (!ids.has(old.dataset.po)) old.remove();  // no longer matches the filter
      });
      for (const row of fresh.reverse()) {
        const old = document.getElementById(row.id);
        if (old) old.replaceWith(row);
        else if (firstPage) tbody.prepend(row);
        else continue;
        row.classList.add("flash");
      }
      if (empty) empty.hidden = tbody.rows.length > 0;
    }, { reopened: () => { catchUp().catch(console.error); } });
  }

  // ---- one purchase order
  const po = document.getElementById("po");
  if (!po) return;
  const refuse = document.getElementById("refuse");
  if (refuse) {
    refuse.addEventListener("submit", async (event) => {
      event.preventDefault();
      OMS.clearErrors(refuse);
      const rejected = [];
      refuse.querySelectorAll("tr[data-line-id]").forEach((row) => {
        const box = row.querySelector('input[name="refuse"]');
        if (!box.checked) return;
        const raw = row.querySelector('input[name="qty"]').value;
        const qty = Number(raw);
        rejected.push({ line_id: row.dataset.lineId, qty: Number.isInteger(qty) ? qty : raw });
      });
      if (!rejected.length) {
        OMS.showProblem(refuse, new OMS.Problem(422, {
          errors: [{ field: "rejected", reason: "Tick the lines you refuse (or accept all lines)." }] }));
        return;
      }
      const buttons = refuse.querySelectorAll("button");
      buttons.forEach((b) => { b.disabled = true; });
      try {
        await OMS.api("POST", refuse.dataset.refuse,
                      { rejected, reason: refuse.elements.reason.value.trim() });
        location.reload();
      } catch (problem) {
        buttons.forEach((b) => { b.disabled = false; });
        OMS.showProblem(refuse, problem);
      }
    });
  }
  // A change made elsewhere reloads the page, unless the vendor is filling in one of its
  // forms (a field changed, focused, or an error shown): then it says so and offers to reload.
  const changed = () => {
    if (Array.from(po.querySelectorAll("form")).some(OMS.busy)) OMS.staleNote(po, () => location.reload());
    else location.reload();
  };
  OMS.live((msg) => {
    if (msg.area === "retail" && msg.id === po.dataset.orderId) changed();
  }, { reopened: changed });
})();
