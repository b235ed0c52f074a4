// Forms built from what the API describes (layout fields, form fields), with each payload
// error shown beside the field its `path` names.

import { errorSummary, h, replace } from "./dom.js";

const DATE_NAME = /(^|[a-z])Date$|^date$/;

/** The input type for a field: from a form field's declared type, else from its name. */
function inputType(field) {
  if (field.type === "BOOLEAN") return "checkbox";
  if (field.type === "DATE" || (!field.type && DATE_NAME.test(field.name))) return "date";
  return "text";
}

function inputMode(field) {
  if (field.type === "NUMBER" || field.name === "amount") return "decimal";
  return null;
}

/** One labelled input with its (hidden until needed) error message. */
export function fieldRow(prefix, field) {
  const id = `${prefix}-${field.name}`;
  const type = inputType(field);
  const input = h("input", {
    id,
    name: field.name,
    type,
    inputmode: inputMode(field),
    readonly: field.readOnly && type !== "checkbox",
    disabled: field.readOnly && type === "checkbox",
    "aria-required": field.required ? "true" : null,
    "aria-describedby": `${id}-error`,
  });
  const label = h("label", { for: id }, field.label,
    field.required ? h("span", { class: "required", "aria-hidden": "true" }, " *") : null,
    field.readOnly ? h("span", { class: "hint" }, " (read-only)") : null);
  const error = h("p", { id: `${id}-error`, class: "field-error", hidden: true });
  const row = h("div", { class: `field field-${type}`, dataset: { field: field.name } });
  return type === "checkbox" ? replace(row, input, label, error) : replace(row, label, input, error);
}

/** The values the user entered: empty text is left out (the server says if it is required). */
export function collectValues(form, fields) {
  const values = {};
  for (const field of fields) {
    if (field.readOnly) continue;
    const input = form.elements.namedItem(field.name);
    if (!input) continue;
    if (input.type === "checkbox") {
      values[field.name] = input.checked;
    } else if (input.value.trim() !== "") {
      values[field.name] = field.type === "NUMBER" ? Number(input.value) : input.value.trim();
    }
  }
  return values;
}

/**
 * Show payload errors: one whose path ends in a field of this form goes beside it (the
 * input marked aria-invalid); the rest go in the summary. The first invalid input gets focus.
 */
export function showErrors(form, summary, errors) {
  for (const row of form.querySelectorAll(".field")) {
    const message = row.querySelector(".field-error");
    message.hidden = true;
    message.textContent = "";
    row.querySelector("input")?.removeAttribute("aria-invalid");
  }
  const unplaced = [];
  let first = null;
  for (const error of errors) {
    const name = error.path[error.path.length - 1];
    const row = error.path.length > 1 ? form.querySelector(`.field[data-field="${CSS.escape(name)}"]`) : null;
    if (!row) {
      unplaced.push(error);
      continue;
    }
    const message = row.querySelector(".field-error");
    message.textContent = message.textContent ? `${message.textContent} ${error.message}` : error.message;
    message.dataset.code = error.code;
    message.hidden = false;
    const input = row.querySelector("input");
    input.setAttribute("aria-invalid", "true");
    first ??= input;
  }
  replace(summary, errorSummary(unplaced));
  first?.focus();
}
