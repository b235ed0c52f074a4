// The reference portal: sign in, then show what the API decides for this viewer. Tabs come
// from viewer.navigation; each known tab key has a view, and the resources (products,
// content, announcements, learning, goals) are always there, filled by audiences.

import { ApiError, graphql, session } from "./api.js";
import { h, loading, notice, replace, section } from "./dom.js";
import { renderQuotes, renderPrices } from "./views/commerce.js";
import { render as renderDeals } from "./views/deals.js";
import {
  renderAnnouncements, renderContent, renderGoals, renderHome, renderLearning,
} from "./views/enablement.js";
import { contactSelect, forgetPeople, loadPeople, renderExplain } from "./views/staff.js";
import { renderForms, renderTeam } from "./views/team.js";

const VIEWER = `
query Viewer {
  viewer {
    id kind email name contactRole staffRole
    partner { id name tier type region phase }
    navigation { key label path order }
    previewedBy { id email name role }
  }
}`;

const LOGIN = `
mutation Login($email: String!, $password: String!) {
  login(email: $email, password: $password) { token errors { path code message } }
}`;

/** Views for the tab keys the programme configures; another key gets a placeholder. */
const TAB_VIEWS = {
  home: renderHome,
  "getting-started": renderForms,
  onboarding: renderForms,
  "deal-registration": renderDeals,
  quotes: renderQuotes,
  "price-lists": renderPrices,
  "marketing-kit": renderContent,
  team: renderTeam,
};

const RESOURCES = [
  { key: "products", label: "Products", path: "/products", view: renderQuotes },
  { key: "content", label: "Content", path: "/content", view: renderContent },
  { key: "announcements", label: "Announcements", path: "/announcements", view: renderAnnouncements },
  { key: "learning", label: "Learning", path: "/learning", view: renderLearning },
  { key: "goals", label: "Goals", path: "/goals", view: renderGoals },
];

const STAFF_TOOLS = [{ key: "explain", label: "Explain access", path: "/explain", view: renderExplain }];

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const identity = document.getElementById("identity");
const staffBar = document.getElementById("staff-bar");
const banner = document.getElementById("preview-banner");

let context = null;
let visits = 0;

function currentPath() {
  return location.hash.startsWith("#/") ? location.hash.slice(1) : "/";
}

function signOut(message) {
  visits++; // a view still loading for the old session is never shown
  session.clear();
  forgetPeople();
  context = null;
  showSignIn(message);
}

function showSignIn(message) {
  replace(identity);
  nav.hidden = true;
  staffBar.hidden = true;
  banner.hidden = true;
  document.title = "Sign in · PartnerScope portal";
  const error = h("div", { class: "summary" });
  const button = h("button", { type: "submit" }, "Sign in");
  const form = h("form", { class: "stack sign-in", "aria-labelledby": "sign-in-title" },
    h("h1", { id: "sign-in-title" }, "Sign in to the partner portal"),
    message ? notice(message) : null,
    h("div", { class: "field" }, h("label", { for: "email" }, "Email"),
      h("input", { id: "email", name: "email", type: "email", autocomplete: "username", required: true })),
    h("div", { class: "field" }, h("label", { for: "password" }, "Password"),
      h("input", { id: "password", name: "password", type: "password", autocomplete: "current-password", required: true })),
    error, h("div", { class: "actions" }, button));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    replace(error);
    try {
      const data = await graphql(LOGIN, {
        email: form.elements.namedItem("email").value.trim(),
        password: form.elements.namedItem("password").value,
      });
      const { token, errors } = data.login;
      if (!token) {
        replace(error, notice(errors.map((e) => e.message).join(" ") || "Sign-in failed.", "error"));
        return;
      }
      session.token = token;
      session.viewAs = null;
      history.replaceState(null, "", "#/");
      await start();
    } catch (failure) {
      replace(error, notice(failure.message, "error"));
    } finally {
      button.disabled = false;
    }
  });
  replace(main, form);
  form.elements.namedItem("email").focus();
}

async function start() {
  if (!session.token) {
    showSignIn();
    return;
  }
  visits++;
  replace(main, loading());
  let viewer;
  try {
    viewer = (await graphql(VIEWER)).viewer;
  } catch (error) {
    if (error instanceof ApiError && error.code === "UNAUTHENTICATED") {
      signOut("Your session has ended; sign in again.");
      return;
    }
    if (error instanceof ApiError && error.code === "FORBIDDEN" && session.viewAs) {
      session.viewAs = null; // the preview was refused: back to the staff member's own portal
      await start();
      replace(banner, error.message);
      banner.hidden = false;
      return;
    }
    replace(main, notice(error.message, "error"));
    return;
  }
  const staff = viewer.kind === "STAFF" || viewer.previewedBy !== null;
  context = {
    viewer,
    staff,
    readOnly: viewer.previewedBy !== null,
    reload: () => start(),
    tabs: [
      ...viewer.navigation.map((tab) => ({ ...tab, view: TAB_VIEWS[tab.key] ?? placeholder })),
      ...RESOURCES,
      ...(staff ? STAFF_TOOLS : []),
    ],
  };
  renderIdentity(viewer);
  await renderStaffBar(viewer);
  renderNav(viewer);
  await route();
}

function renderIdentity(viewer) {
  const who = viewer.kind === "STAFF"
    ? `${viewer.name} · ${viewer.staffRole}`
    : `${viewer.name} · ${viewer.contactRole} · ${viewer.partner?.name} (${viewer.partner?.tier})`;
  replace(identity,
    h("span", { class: "who", id: "who" }, who),
    h("button", { type: "button", class: "link-button", onclick: () => signOut("You have signed out.") }, "Sign out"));
}

async function renderStaffBar(viewer) {
  const preview = viewer.previewedBy;
  const staffRole = preview ? preview.role : viewer.staffRole;
  if (preview) {
    replace(banner,
      h("span", {}, `Viewing the portal of ${viewer.name} (${viewer.partner?.name}) as ${preview.name}: read-only.`),
      h("button", { type: "button", onclick: () => switchViewAs(null) }, "Stop viewing as"));
    banner.hidden = false;
  } else {
    banner.hidden = true;
  }
  if (!staffRole || staffRole === "ANALYST") {
    staffBar.hidden = true;
    return;
  }
  try {
    await loadPeople();
  } catch (error) {
    replace(staffBar, notice(`Contacts could not be listed: ${error.message}`, "error"));
    staffBar.hidden = false;
    return;
  }
  const select = contactSelect("view-as-contact", preview ? viewer.id : "");
  const form = h("form", { class: "inline", "aria-label": "Preview a contact's portal" },
    h("label", { for: "view-as-contact" }, "View as"), select,
    h("button", { type: "submit" }, "View portal"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (select.value) switchViewAs(select.value);
  });
  replace(staffBar, form);
  staffBar.hidden = false;
}

async function switchViewAs(contactId) {
  session.viewAs = contactId;
  history.replaceState(null, "", "#/");
  await start();
}

function renderNav(viewer) {
  const path = currentPath();
  const link = (tab) => h("li", {}, h("a", {
    href: `#${tab.path}`, "aria-current": tab.path === path ? "page" : null, dataset: { tab: tab.key },
  }, tab.label));
  const programme = context.tabs.filter((t) => !RESOURCES.includes(t) && !STAFF_TOOLS.includes(t));
  replace(nav,
    h("h2", { class: "nav-title", id: "nav-programme" }, viewer.kind === "STAFF" ? "Every tab" : "Your programme"),
    h("ul", { "aria-labelledby": "nav-programme", id: "programme-tabs" }, programme.map(link)),
    h("h2", { class: "nav-title", id: "nav-resources" }, "Resources"),
    h("ul", { "aria-labelledby": "nav-resources" }, RESOURCES.map(link)),
    context.staff ? [
      h("h2", { class: "nav-title", id: "nav-staff" }, "Staff"),
      h("ul", { "aria-labelledby": "nav-staff" }, STAFF_TOOLS.map(link)),
    ] : null);
  nav.hidden = false;
}

async function placeholder(target, _context, tab) {
  replace(target, section("tab", tab.label,
    notice(`This tab (${tab.key}, ${tab.path}) is configured for you; the reference portal has no view for it.`)));
}

async function route() {
  if (!context) return;
  const path = currentPath();
  const tab = context.tabs.find((t) => t.path === path) ?? context.tabs.find((t) => t.key === "home") ?? RESOURCES[0];
  for (const a of nav.querySelectorAll("a")) {
    if (a.dataset.tab === tab.key) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  document.title = `${tab.label} · PartnerScope portal`;
  // Each view renders into its own container, shown only if no later navigation began
  // meanwhile: a slow answer for the previous tab never replaces the current one.
  const visit = ++visits;
  const view = h("div", { class: "view" });
  main.dataset.view = tab.key;
  main.setAttribute("aria-busy", "true");
  replace(main, loading());
  try {
    await tab.view(view, context, tab);
  } catch (error) {
    if (error instanceof ApiError && error.code === "UNAUTHENTICATED") {
      signOut("Your session has ended; sign in again.");
      return;
    }
    replace(view, section("failure", tab.label, notice(error.message, "error")));
  }
  if (visit !== visits) return;
  replace(main, view);
  main.setAttribute("aria-busy", "false");
}

window.addEventListener("hashchange", async () => {
  await route();
  main.focus();
});

start();
