// The stock page: rows refresh live on "stock" changes; the change dialog sends receipts,
// adjustments, counts and safety stock through the inventory API (forms bound by app.js).
"use strict";

(() => {
  const table = document.getElementById("stock");
  const dialog = document.getElementById("stock-dialog");

  function rowOf(sku, location) {
    return document.getElementById(`stock-${sku}@${location}`);
  }

  function flash(row) {
    row.classList.remove("flash");
    void row.offsetWidth;
    row.classList.add("flash");
  }

  async function refreshRow(sku, location, insert) {
    const existing = rowOf(sku, location);
    if (!existing && !insert) return;
    const fragment = await OMS.fragment(`/ui/inventory/rows/${encodeURIComponent(sku)}/${encodeURIComponent(location)}`);
    const row = fragment.querySelector("tr");
    if (!row) return;
    const current = rowOf(sku, location);
    if (current) current.replaceWith(row);
    else table.tBodies[0].insertBefore(row, table.tBodies[0].firstChild);
    flash(row);
  }

  function wanted(sku, location) {
    return table.dataset.firstPage === "yes"
      && (!table.dataset.sku || table.dataset.sku === sku)
      && (!table.dataset.location || table.dataset.location === location);
  }

  // After a reconnection the rows are read again as the page would show them now.
  async function catchUp() {
    const page = await OMS.fragment(location.pathname + location.search);
    const body = page.querySelector("#stock tbody");
    if (body) table.tBodies[0].replaceChildren(...Array.from(body.rows));
  }

  if (table) {
    OMS.live((msg) => {
      if (msg.area !== "stock") return;
      const [sku, location] = msg.id.split("@");  // "SKU@LOCATION"
      refreshRow(sku, location, wanted(sku, location)).catch(console.error);
    }, { reopened: () => { catchUp().catch(console.error); } });
  }

  if (!dialog) return;
  const skuSelect = document.getElementById("d-sku");
  const locationSelect = document.getElementById("d-location");
  const now = document.getElementById("d-now");

  function sync() {
    dialog.querySelectorAll('[data-sync="sku"]').forEach((el) => { el.value = skuSelect.value; });
    dialog.querySelectorAll('[data-sync="location"]').forEach((el) => { el.value = locationSelect.value; });
    const row = rowOf(skuSelect.value, locationSelect.value);
    const cell = (col) => row.querySelector(`[data-col="${col}"]`).textContent.trim();
    now.textContent = row
      ? `Now: ${cell("on_hand")} on hand, ${cell("reserved")} reserved, ${cell("safety_stock")} safety stock, ${cell("available")} available.`
      : "";
    document.getElementById("stock-dialog-title").textContent = `Change stock of ${skuSelect.value} at ${locationSelect.value}`;
  }
  skuSelect.addEventListener("change", sync);
  skuSelect.addEventListener("input", sync);
  locationSelect.addEventListener("change", sync);

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-change]");
    if (button) {
      const row = button.closest("tr");
      if (row) {
        skuSelect.value = row.dataset.sku;
        locationSelect.value = row.dataset.location;
      }
      dialog.querySelectorAll("form").forEach((form) => OMS.clearErrors(form));
      sync();
      dialog.showModal();
      return;
    }
    if (event.target.closest("[data-close]")) dialog.close();
  });

  function integer(text) {
    const value = String(text || "").trim();
    return /^-?\d+$/.test(value) ? Number(value) : (value === "" ? undefined : value);
  }

  function target() {
    return { sku: skuSelect.value, location_id: locationSelect.value };
  }

  function done(data, form) {
    dialog.close();
    form.reset();
    OMS.notice(`${data.sku} at ${data.location_id}: ${data.on_hand} on hand, ${data.available} available.`, true);
    refreshRow(data.sku, data.location_id, wanted(data.sku, data.location_id)).catch(console.error);
  }

  const text = (form, name) => form.elements[name].value.trim() || undefined;
  OMS.hooks.stockReceive = {
    body: (form) => Object.assign(target(), { qty: integer(form.elements.qty.value), reason: text(form, "reason") }),
    done,
  };
  OMS.hooks.stockAdjust = {
    body: (form) => Object.assign(target(), { delta: integer(form.elements.delta.value), reason: text(form, "reason") }),
    done,
  };
  OMS.hooks.stockCount = {
    body: (form) => Object.assign(target(), { counted: integer(form.elements.counted.value), reason: text(form, "reason") }),
    done,
  };
  OMS.hooks.stockSafety = {
    body: (form) => ({ safety_stock: integer(form.elements.safety_stock.value) }),
    done,
  };
})();
