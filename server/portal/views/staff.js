// Staff tools: the "view as" picker (X-View-As) and the explain panel (explainAccess,
// explainMembership). Both ask as the staff member itself, never through the preview.

import { graphql } from "../api.js";
import { h, notice, replace, section } from "../dom.js";

const PEOPLE = `
query People {
  partners(first: 100) {
    edges { node { id name tier contacts(first: 10) { edges { node { id name email role } } } } }
  }
  segments { key name subject }
}`;

const EXPLAIN_ACCESS = `
query ExplainAccess($contactId: ID!, $action: Action, $typeName: String, $fieldName: String) {
  explainAccess(contactId: $contactId, action: $action, typeName: $typeName, fieldName: $fieldName) {
    allowed reason viewerSegments { key name }
  }
}`;

const EXPLAIN_MEMBERSHIP = `
query ExplainMembership($segment: String!, $subjectId: ID!) {
  explainMembership(segment: $segment, subjectId: $subjectId) {
    member reason trace { pointer result actual detail }
  }
}`;

const ACTIONS = ["CREATE_QUOTE", "REGISTER_DEAL", "EDIT_PARTNER_PROFILE", "MANAGE_TEAM"];

let people = null;

/** Partners with their first contacts, and the segments; fetched once per page load. */
export async function loadPeople() {
  people ??= await graphql(PEOPLE, {}, { asStaff: true });
  return people;
}

export function forgetPeople() {
  people = null;
}

/** A <select> of contacts grouped by partner; each option knows its partner's id. */
export function contactSelect(id, selected) {
  return h("select", { id, name: "contactId", required: true },
    h("option", { value: "" }, "Choose a contact…"),
    people.partners.edges.map(({ node: partner }) => h("optgroup", { label: `${partner.name} (${partner.tier})` },
      partner.contacts.edges.map(({ node: c }) => h("option", {
        value: c.id, selected: c.id === selected, dataset: { partner: partner.id },
      }, `${c.name} <${c.email}> ${c.role}`)))));
}

export async function renderExplain(main, context) {
  await loadPeople();
  const viewed = context.viewer.kind === "CONTACT" ? context.viewer.id : "";
  replace(main,
    section("explain-access", "Why may a contact do this?", accessForm(viewed)),
    section("explain-membership", "Why is a contact (or its company) in a segment?", membershipForm(viewed)));
}

function accessForm(viewed) {
  const result = h("div", { class: "explain-result", "aria-live": "polite" });
  const contact = contactSelect("access-contact", viewed);
  const question = h("select", { id: "access-question", name: "question" },
    ACTIONS.map((a) => h("option", { value: a }, a)),
    h("option", { value: "FIELD" }, "See a field…"));
  const field = h("input", { id: "access-field", name: "field", placeholder: "Deal.exclusivityUntil", disabled: true });
  question.addEventListener("change", () => { field.disabled = question.value !== "FIELD"; });
  const form = h("form", { class: "stack", novalidate: true, "aria-label": "Explain access" },
    h("div", { class: "field" }, h("label", { for: "access-contact" }, "Contact"), contact),
    h("div", { class: "field" }, h("label", { for: "access-question" }, "Action"), question),
    h("div", { class: "field" }, h("label", { for: "access-field" }, "Field (Type.field)"), field),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Explain")), result);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!contact.value) {
      replace(result, notice("Choose a contact first.", "error"));
      return;
    }
    const variables = { contactId: contact.value };
    if (question.value === "FIELD") {
      const [typeName, fieldName] = field.value.split(".");
      Object.assign(variables, { typeName, fieldName });
    } else {
      variables.action = question.value;
    }
    try {
      const { explainAccess: d } = await graphql(EXPLAIN_ACCESS, variables, { asStaff: true });
      replace(result, h("dl", {},
        h("dt", {}, "Allowed"), h("dd", { class: d.allowed ? "yes" : "no" }, d.allowed ? "Yes" : "No"),
        h("dt", {}, "Reason"), h("dd", {}, d.reason),
        h("dt", {}, "Contact's segments"), h("dd", {}, d.viewerSegments.map((s) => s.key).join(", ") || "none")));
    } catch (error) {
      replace(result, notice(error.message, "error"));
    }
  });
  return form;
}

function membershipForm(viewed) {
  const result = h("div", { class: "explain-result", "aria-live": "polite" });
  const contact = contactSelect("membership-contact", viewed);
  const segment = h("select", { id: "membership-segment", name: "segment" },
    people.segments.map((s) => h("option", { value: s.key, dataset: { subject: s.subject } },
      `${s.name} (${s.key}, ${s.subject.toLowerCase()})`)));
  const form = h("form", { class: "stack", novalidate: true, "aria-label": "Explain membership" },
    h("div", { class: "field" }, h("label", { for: "membership-contact" }, "Contact"), contact),
    h("div", { class: "field" }, h("label", { for: "membership-segment" }, "Segment"), segment),
    h("p", { class: "hint" }, "A partner segment is explained for the contact's company."),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Explain")), result);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const option = contact.selectedOptions[0];
    if (!contact.value) {
      replace(result, notice("Choose a contact first.", "error"));
      return;
    }
    const partnerSegment = segment.selectedOptions[0]?.dataset.subject === "PARTNER";
    const subjectId = partnerSegment ? option.dataset.partner : contact.value;
    try {
      const { explainMembership: m } = await graphql(
        EXPLAIN_MEMBERSHIP, { segment: segment.value, subjectId }, { asStaff: true });
      replace(result,
        h("p", { class: m.member ? "yes" : "no" }, `${m.member ? "Member" : "Not a member"} (${m.reason})`),
        m.trace.length ? h("ol", { class: "trace" }, m.trace.map((t) => h("li", { class: t.result ? "yes" : "no" },
          h("code", {}, t.pointer || "/"), ` ${t.result ? "holds" : "fails"}: ${t.detail}`))) : null);
    } catch (error) {
      replace(result, notice(error.message, "error"));
    }
  });
  return form;
}
