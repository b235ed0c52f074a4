// Products at the viewer's prices, and quotes: created here when CREATE_QUOTE allows it,
// otherwise the reason (explainAccess, for staff previewing a contact).

import { graphql } from "../api.js";
import { date, errorSummary, h, money, notice, replace, section } from "../dom.js";

const CATALOGUE = `
query Catalogue {
  viewer { capabilities { createQuote } }
  products { sku name listPrice price }
}`;

const QUOTES = `
query Quotes {
  quotes(first: 10) {
    totalCount
    edges { node { id status total createdAt lines { sku quantity unitPrice total } } }
  }
}`;

const CREATE_QUOTE = `
mutation CreateQuote($input: QuoteInput!) {
  createQuote(input: $input) {
    quote { id status total lines { sku quantity unitPrice total } }
    errors { path code message }
  }
}`;

const WHY_NOT = `
query WhyNot($contactId: ID!) {
  explainAccess(contactId: $contactId, action: CREATE_QUOTE) { allowed reason }
}`;

/** The "Price lists" tab: what the viewer may buy, at its prices. */
export async function renderPrices(main) {
  const data = await graphql(CATALOGUE);
  replace(main, section("price-list", "Your price list", productTable(data.products, null)));
}

/** The "Quotes" tab: products with quantities, the quote form, the viewer's quotes. */
export async function renderQuotes(main, context) {
  const [catalogue, quotes] = await Promise.all([graphql(CATALOGUE), graphql(QUOTES).catch(() => null)]);
  const list = h("div", { id: "quote-list" });
  if (quotes) renderQuoteList(list, quotes.quotes);
  const allowed = catalogue.viewer.capabilities.createQuote;
  replace(main,
    section("products", "Products and your prices",
      allowed ? quoteForm(catalogue.products, context, list) : [
        productTable(catalogue.products, null),
        await whyNoQuotes(context),
      ]),
    quotes ? section("quotes", "Your quotes", list) : null);
}

async function whyNoQuotes(context) {
  const box = h("div", { id: "quote-refusal", class: "notice notice-warning" },
    h("p", {}, "You may not create quotes."));
  if (context.staff && context.viewer.kind === "CONTACT") {
    try {
      const data = await graphql(WHY_NOT, { contactId: context.viewer.id }, { asStaff: true });
      box.append(h("p", {}, h("strong", {}, "Why (explainAccess): "), data.explainAccess.reason));
    } catch (error) {
      box.append(h("p", {}, `The reason could not be fetched: ${error.message}`));
    }
  } else {
    box.append(h("p", {}, "Quoting depends on your company's programme; your channel manager can tell you what it takes."));
  }
  return box;
}

function productTable(products, quantities) {
  if (products.length === 0) return notice("No products are offered to you.");
  const headings = ["SKU", "Product", "List price", "Your price"];
  if (quantities) headings.push("Quantity");
  return h("table", { class: "products" },
    h("caption", {}, `${products.length} product${products.length === 1 ? "" : "s"}`),
    h("thead", {}, h("tr", {}, headings.map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, products.map((p) => h("tr", { dataset: { sku: p.sku } },
      h("td", {}, p.sku),
      h("th", { scope: "row" }, p.name),
      h("td", { class: "num" }, money(p.listPrice)),
      h("td", { class: "num price" }, money(p.price)),
      quantities ? h("td", {}, quantities(p)) : null))));
}

function quoteForm(products, context, list) {
  const summary = h("div", { class: "summary" });
  const outcome = h("div", { class: "outcome", "aria-live": "polite" });
  const submit = h("button", { type: "submit", disabled: context.readOnly }, "Create quote");
  const quantity = (p) => h("input", {
    type: "number", min: "0", step: "1", name: p.sku, id: `qty-${p.sku}`, class: "qty",
    "aria-label": `Quantity of ${p.name}`,
  });
  const form = h("form", { class: "stack wide", novalidate: true, "aria-label": "New quote" },
    productTable(products, quantity), summary,
    context.readOnly ? notice("Read-only preview: quoting is disabled.") : null,
    h("div", { class: "actions" }, submit), outcome);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const lines = products
      .map((p) => ({ sku: p.sku, quantity: Number(form.elements.namedItem(p.sku).value || 0) }))
      .filter((line) => line.quantity > 0);
    submit.disabled = true;
    replace(outcome);
    try {
      const data = await graphql(CREATE_QUOTE, { input: { lines } });
      const { quote, errors } = data.createQuote;
      replace(summary, errorSummary(errors));
      if (quote) {
        form.reset();
        replace(outcome, notice(`Quote created (${quote.status}), total ${money(quote.total)}.`, "success"));
        renderQuoteList(list, (await graphql(QUOTES)).quotes);
      }
    } catch (error) {
      replace(outcome, notice(error.message, "error"));
    } finally {
      submit.disabled = context.readOnly;
    }
  });
  return form;
}

function renderQuoteList(list, quotes) {
  if (quotes.totalCount === 0) {
    replace(list, notice("No quotes yet."));
    return;
  }
  replace(list, h("table", {},
    h("caption", {}, `${quotes.totalCount} quote${quotes.totalCount === 1 ? "" : "s"}`),
    h("thead", {}, h("tr", {}, ["Created", "Status", "Lines", "Total"].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, quotes.edges.map(({ node }) => h("tr", {},
      h("td", {}, date(node.createdAt)),
      h("td", {}, node.status),
      h("td", {}, node.lines.map((l) => `${l.quantity} × ${l.sku}`).join(", ")),
      h("td", { class: "num" }, money(node.total)))))));
}
