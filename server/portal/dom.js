// Small DOM helpers: elements are built with textContent only (no innerHTML), so text from
// the API can never become markup.

export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") element.className = value;
    else if (key === "dataset") Object.assign(element.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") {
      element.addEventListener(key.slice(2), value);
    } else if (value === true) element.setAttribute(key, "");
    else element.setAttribute(key, String(value));
  }
  append(element, children);
  return element;
}

export function append(element, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export function replace(element, ...children) {
  element.replaceChildren();
  return append(element, children);
}

const MONEY = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** A Decimal string ("18750.00") as "18,750.00"; null as an em dash. */
export function money(decimal) {
  return decimal === null || decimal === undefined ? "—" : MONEY.format(Number(decimal));
}

export function percent(fraction) {
  return `${Math.round(fraction * 100)} %`;
}

export function date(iso) {
  return iso ? iso.slice(0, 10) : "—";
}

/** A section with a heading; the heading labels the section for assistive technology. */
export function section(id, title, ...children) {
  const headingId = `${id}-title`;
  return h("section", { class: "card", id, "aria-labelledby": headingId },
    h("h2", { id: headingId }, title), ...children);
}

export function notice(text, kind = "info") {
  return h("p", { class: `notice notice-${kind}`, role: kind === "error" ? "alert" : null }, text);
}

export function loading(text = "Loading…") {
  return h("p", { class: "loading", role: "status" }, text);
}

/** Payload errors not tied to a field, as a list the screen reader announces. */
export function errorSummary(errors) {
  if (errors.length === 0) return null;
  return h("div", { class: "error-summary", role: "alert" },
    h("p", {}, "The server did not accept this:"),
    h("ul", {}, errors.map((e) => h("li", {}, `${e.message} (${e.code})`))));
}
