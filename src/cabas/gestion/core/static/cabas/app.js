// Cabas back office: small behaviours without inline script (the CSP forbids it).
document.addEventListener("DOMContentLoaded", () => {
  // Buttons that ask for confirmation: <button data-confirm="Sûr ?">.
  document.body.addEventListener("click", (event) => {
    const target = event.target.closest("[data-confirm]");
    if (target && !window.confirm(target.dataset.confirm)) {
      event.preventDefault();
    }
  });
  // A header checkbox that ticks every checkbox of a name: <input data-select-all="anomaly">.
  document.body.addEventListener("change", (event) => {
    const all = event.target.closest("[data-select-all]");
    if (all) {
      const name = all.dataset.selectAll;
      document.querySelectorAll(`input[type=checkbox][name="${name}"]`).forEach((box) => {
        box.checked = all.checked;
      });
    }
  });
  // Print buttons: <button data-print>.
  document.body.addEventListener("click", (event) => {
    if (event.target.closest("[data-print]")) {
      window.print();
    }
  });
});

// The product picker (core/widgets.py ProductPicker): the text field becomes a combobox that
// lists the shop's products as one types (name, brand) and takes a scanned barcode: a scanner
// types the code in a few milliseconds per key then Enter, which chooses the product at once
// instead of sending the form. The chosen id goes into the hidden input named as the field.
(() => {
  const DELAY_MS = 200;
  let counter = 0;

  const enhance = (picker) => {
    if (picker.dataset.pickerReady) return;
    picker.dataset.pickerReady = "1";
    const input = picker.querySelector("[data-picker-input]");
    const value = picker.querySelector("[data-picker-value]");
    const list = picker.querySelector("[data-picker-list]");
    const status = picker.querySelector("[data-picker-status]");
    counter += 1;
    list.id = `${input.id || "picker"}-results-${counter}`;
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", picker.dataset.pickerResults);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);

    let results = [];
    let active = -1;
    let timer = null;
    let asked = 0; // the latest search asked for: older answers are dropped

    const say = (text) => { status.textContent = text; };
    const close = () => {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    };
    const highlight = (index) => {
      const options = list.querySelectorAll("[role=option]");
      options.forEach((option, i) => option.setAttribute("aria-selected", String(i === index)));
      active = index;
      if (index >= 0 && options[index]) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    };
    const show = (answer) => {
      results = answer.results;
      list.replaceChildren(...results.map((result, i) => {
        const option = document.createElement("li");
        option.id = `${list.id}-${i}`;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.dataset.index = String(i);
        option.textContent = result.label;
        if (result.detail) {
          const detail = document.createElement("small");
          detail.textContent = ` — ${result.detail}`;
          option.append(detail);
        }
        return option;
      }));
      if (results.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
        highlight(-1);
        say((answer.more ? picker.dataset.pickerMore : picker.dataset.pickerFound)
          .replace("{n}", String(results.length)));
      } else {
        close();
        say(picker.dataset.pickerNone);
      }
    };
    const search = async () => {
      clearTimeout(timer);
      const query = input.value.trim();
      const mine = ++asked;
      if (!query) { close(); return null; }
      const url = `${picker.dataset.pickerUrl}?q=${encodeURIComponent(query)}`;
      const response = await fetch(url, {
        headers: { Accept: "application/json" }, credentials: "same-origin",
      });
      if (!response.ok || mine !== asked) return null;
      const answer = await response.json();
      if (mine !== asked) return null;
      show(answer);
      return answer;
    };
    const choose = (result, moveOn) => {
      value.value = String(result.id);
      input.value = result.label;
      input.removeAttribute("aria-invalid");
      close();
      say(picker.dataset.pickerChosen.replace("{label}", result.label));
      input.dispatchEvent(new CustomEvent("picker:chosen", { bubbles: true, detail: result }));
      if (moveOn && input.form) {
        // On to the next field of the form (the quantity of a reception row, say).
        const fields = Array.from(input.form.elements).filter((el) =>
          !el.disabled && el.type !== "hidden" && el.offsetParent !== null);
        const next = fields[fields.indexOf(input) + 1];
        if (next) next.focus();
      }
    };

    input.addEventListener("input", () => {
      value.value = ""; // typed again: nothing chosen until a product is picked
      clearTimeout(timer);
      timer = setTimeout(search, DELAY_MS);
    });
    input.addEventListener("keydown", async (event) => {
      const open = !list.hidden && results.length > 0;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (!open) { await search(); if (list.hidden) return; }
        const step = event.key === "ArrowDown" ? 1 : -1;
        const count = results.length;
        highlight(active < 0 && step < 0 ? count - 1 : (active + step + count) % count);
      } else if (event.key === "Enter") {
        event.preventDefault(); // never sends the form from here
        if (open && active >= 0) { choose(results[active], true); return; }
        if (value.value) return; // already chosen (typing again empties it)
        const answer = await search();
        if (!answer) return;
        const exact = answer.results.find((result) => result.id === answer.exact);
        if (exact) choose(exact, true);
        else if (answer.results.length === 1) choose(answer.results[0], true);
      } else if (event.key === "Escape") {
        if (open) { event.preventDefault(); close(); }
      }
    });
    input.addEventListener("blur", () => { clearTimeout(timer); close(); });
    list.addEventListener("mousedown", (event) => event.preventDefault()); // keep the focus
    list.addEventListener("click", (event) => {
      const option = event.target.closest("[role=option]");
      if (option) choose(results[Number(option.dataset.index)], false);
    });
  };

  const enhanceAll = (root) => {
    root.querySelectorAll("[data-picker]").forEach(enhance);
  };
  document.addEventListener("DOMContentLoaded", () => enhanceAll(document));
  document.addEventListener("htmx:load", (event) => enhanceAll(event.detail.elt));
})();

// The compact menu: below 48rem the account and the sections fold behind one «Menu» button
// (without script the button stays hidden and the menu open).
document.addEventListener("DOMContentLoaded", () => {
  const header = document.querySelector("header.app[data-menu]");
  const toggle = header && header.querySelector("[data-menu-toggle]");
  if (!toggle) return;
  header.dataset.menu = "closed";
  toggle.hidden = false;
  toggle.addEventListener("click", () => {
    const open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    header.dataset.menu = open ? "open" : "closed";
  });
});

// Wide tables scroll inside a frame, never the page. A frame that scrolls takes the keyboard
// focus (arrows scroll it) and is named after the table's caption or the heading above it.
(() => {
  const names = new Map();
  const nameOf = (table) => {
    const caption = table.caption && table.caption.textContent.trim();
    if (caption) return caption;
    const heading = document.evaluate(
      "preceding::*[self::h1 or self::h2 or self::h3][1]", table, null,
      XPathResult.FIRST_ORDERED_NODE_TYPE, null,
    ).singleNodeValue;
    const main = document.querySelector("main");
    const word = (main && main.dataset.tableLabel) || "Tableau";
    return heading ? `${word} : ${heading.textContent.trim()}` : word;
  };
  const fit = (frame) => {
    const scrolls = frame.scrollWidth > frame.clientWidth + 1;
    if (scrolls && !frame.hasAttribute("tabindex")) {
      let name = nameOf(frame.querySelector("table"));
      const seen = (names.get(name) || 0) + 1;
      names.set(name, seen);
      if (seen > 1) name = `${name} (${seen})`;
      frame.setAttribute("tabindex", "0");
      frame.setAttribute("role", "region");
      frame.setAttribute("aria-label", name);
    } else if (!scrolls && frame.hasAttribute("tabindex")) {
      frame.removeAttribute("tabindex");
      frame.removeAttribute("role");
      frame.removeAttribute("aria-label");
    }
  };
  const observer = "ResizeObserver" in window
    ? new ResizeObserver((entries) => entries.forEach((entry) => fit(entry.target)))
    : null;
  const wrap = (root) => {
    root.querySelectorAll("main table").forEach((table) => {
      const parent = table.parentElement;
      if (parent.classList.contains("table-scroll")) return;
      const frame = document.createElement("div");
      frame.className = "table-scroll";
      table.before(frame);
      frame.append(table);
      fit(frame);
      if (observer) observer.observe(frame);
    });
  };
  document.addEventListener("DOMContentLoaded", () => wrap(document));
  document.addEventListener("htmx:load", (event) => wrap(event.detail.elt));
})();
