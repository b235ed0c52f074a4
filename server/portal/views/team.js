// The programme's forms (agreement, onboarding) and the partner's team.

import { graphql } from "../api.js";
import { h, notice, replace, section } from "../dom.js";
import { collectValues, fieldRow, showErrors } from "../fields.js";

const FORMS = `
query Forms { viewer { forms { key title fields { name label type required } } } }`;

const SUBMIT = `
mutation Submit($key: String!, $values: JSON!) {
  submitForm(key: $key, values: $values) { viewer { id } errors { path code message } }
}`;

const TEAM = `
query Team {
  viewer { capabilities { manageTeam } partner { name contacts(first: 50) {
    totalCount edges { node { id name email role status } } } } }
}`;

export async function renderForms(main, context, tab) {
  const data = await graphql(FORMS);
  const forms = data.viewer.forms;
  replace(main, section("forms", tab.label,
    forms.length === 0 ? notice("Nothing to fill in right now.") : forms.map((f) => programmeForm(f, context))));
}

function programmeForm(spec, context) {
  const summary = h("div", { class: "summary" });
  const submit = h("button", { type: "submit", disabled: context.readOnly }, "Submit");
  const form = h("form", { class: "stack", novalidate: true, "aria-label": spec.title },
    h("h3", {}, spec.title),
    spec.fields.map((field) => fieldRow(`form-${spec.key}`, field)),
    summary, h("div", { class: "actions" }, submit));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    try {
      const data = await graphql(SUBMIT, { key: spec.key, values: collectValues(form, spec.fields) });
      showErrors(form, summary, data.submitForm.errors);
      // Accepted: the portal itself changes (phase, tabs, homepage), so reload it whole.
      if (data.submitForm.errors.length === 0) context.reload();
    } catch (error) {
      replace(summary, notice(error.message, "error"));
    } finally {
      submit.disabled = context.readOnly;
    }
  });
  return form;
}

export async function renderTeam(main) {
  const data = await graphql(TEAM);
  const partner = data.viewer.partner;
  if (!partner) {
    replace(main, section("team", "Team", notice("Staff have no partner team.")));
    return;
  }
  replace(main, section("team", `${partner.name}: team`,
    h("table", {},
      h("thead", {}, h("tr", {}, ["Name", "Email", "Role", "Status"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, partner.contacts.edges.map(({ node }) => h("tr", {},
        h("th", { scope: "row" }, node.name), h("td", {}, node.email),
        h("td", {}, node.role), h("td", {}, node.status)))))));
}
