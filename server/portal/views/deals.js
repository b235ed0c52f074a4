// Deal registration: the form is the viewer's DEAL layout (record types, required and
// read-only fields); the deal list is what the viewer may see.

import { graphql } from "../api.js";
import { date, h, money, notice, replace, section } from "../dom.js";
import { collectValues, fieldRow, showErrors } from "../fields.js";

const DEALS = `
query Deals {
  viewer {
    capabilities { registerDeal }
    layouts(entity: DEAL) { recordType label fields { name label required readOnly } }
  }
  deals(first: 20) {
    totalCount
    edges { node { id customerName recordType stage amount closeDate } }
  }
}`;

const REGISTER = `
mutation Register($recordType: String!, $values: JSON!) {
  registerDeal(recordType: $recordType, values: $values) {
    deal { id customerName recordType stage }
    errors { path code message }
  }
}`;

export async function render(main, context) {
  const data = await graphql(DEALS);
  const { capabilities, layouts } = data.viewer;
  const list = h("div", { id: "deal-list" });
  renderDeals(list, data.deals);
  replace(main,
    section("register-deal", "Register a deal",
      registration(capabilities, layouts, context, list)),
    section("deals", "Your deals", list));
}

function registration(capabilities, layouts, context, list) {
  if (!capabilities.registerDeal || layouts.length === 0) {
    return notice("Deal registration is not open to you. Your channel manager can tell you why.");
  }
  const holder = h("div", {});
  const choose = h("select", { id: "record-type", name: "recordType" },
    layouts.map((layout) => h("option", { value: layout.recordType }, layout.label)));
  const chooser = layouts.length > 1
    ? h("div", { class: "field" }, h("label", { for: "record-type" }, "Kind of deal"), choose)
    : null;
  const show = () => {
    const layout = layouts.find((l) => l.recordType === choose.value) ?? layouts[0];
    replace(holder, dealForm(layout, context, list));
  };
  choose.addEventListener("change", show);
  show();
  return [chooser, holder];
}

function dealForm(layout, context, list) {
  const summary = h("div", { class: "summary" });
  const outcome = h("div", { class: "outcome", "aria-live": "polite" });
  const submit = h("button", { type: "submit", disabled: context.readOnly }, "Register deal");
  const form = h("form", { class: "stack", novalidate: true, "aria-label": `${layout.label} registration` },
    h("p", { class: "hint" }, "Fields marked * are required."),
    layout.fields.map((field) => fieldRow("deal", field)),
    summary,
    context.readOnly ? notice("Read-only preview: registering is disabled.") : null,
    h("div", { class: "actions" }, submit),
    outcome);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    replace(outcome);
    try {
      const values = collectValues(form, layout.fields);
      const data = await graphql(REGISTER, { recordType: layout.recordType, values });
      const { deal, errors } = data.registerDeal;
      showErrors(form, summary, errors);
      if (deal) {
        form.reset();
        replace(outcome, notice(`Deal for ${deal.customerName} registered (${deal.stage}).`, "success"));
        const refreshed = await graphql(DEALS);
        renderDeals(list, refreshed.deals);
      }
    } catch (error) {
      replace(outcome, notice(error.message, "error"));
    } finally {
      submit.disabled = context.readOnly;
    }
  });
  return form;
}

function renderDeals(list, deals) {
  if (deals.totalCount === 0) {
    replace(list, notice("No deals yet."));
    return;
  }
  replace(list, h("table", {},
    h("caption", {}, `${deals.totalCount} deal${deals.totalCount === 1 ? "" : "s"}`),
    h("thead", {}, h("tr", {},
      ["Customer", "Kind", "Stage", "Amount", "Close date"].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, deals.edges.map(({ node }) => h("tr", {},
      h("th", { scope: "row" }, node.customerName),
      h("td", {}, node.recordType),
      h("td", {}, node.stage),
      h("td", { class: "num" }, money(node.amount)),
      h("td", {}, date(node.closeDate)))))));
}
