// Home, content by folder, announcements, learning with progress, goals: each list is what
// the viewer's audiences admit.

import { graphql } from "../api.js";
import { date, errorSummary, h, money, notice, percent, replace, section } from "../dom.js";

const HOME = `
query Home {
  viewer {
    homepage { title body }
    dealCoach { key stage text }
    goals { value attainment goal { id name metric target periodEnd } }
  }
  announcements(first: 3) { edges { node { id title body publishAt } } }
}`;

const CONTENT = `
query Content {
  assetFolders { id name parent { id name } }
  assets(first: 100) { totalCount edges { node { id title kind url folder { id } } } }
}`;

const ANNOUNCEMENTS = `
query Announcements {
  announcements(first: 20) { totalCount edges { node { id title body publishAt expiresAt } } }
}`;

const LEARNING = `
query Learning {
  viewer {
    enrollments { id status progress completedAt course { key title } }
    certifications { source since certification { key name } }
  }
  courses { key title }
}`;

const GOALS = `
query Goals {
  viewer { goals { value attainment goal { id name metric target periodStart periodEnd } } }
}`;

const PROGRESS = `
mutation Progress($enrollmentId: ID!, $progress: Float!) {
  recordCourseProgress(enrollmentId: $enrollmentId, progress: $progress) {
    id errors { path code message }
  }
}`;

function paragraphs(text) {
  return (text ?? "").split("\n").filter(Boolean).map((line) => h("p", {}, line));
}

export async function renderHome(main) {
  const data = await graphql(HOME);
  const { homepage, dealCoach, goals } = data.viewer;
  replace(main,
    section("homepage", homepage ? homepage.title : "Welcome",
      homepage ? paragraphs(homepage.body) : notice("No homepage is configured for you.")),
    section("latest", "Latest announcements", announcementList(data.announcements)),
    goals.length ? section("home-goals", "Your goals", goalTable(goals)) : null,
    dealCoach.length ? section("coach", "Deal coach",
      h("ul", {}, dealCoach.map((tip) => h("li", {}, tip.stage ? `${tip.stage}: ` : "", tip.text)))) : null);
}

export async function renderContent(main) {
  const data = await graphql(CONTENT);
  const folders = new Map(data.assetFolders.map((f) => [f.id, f]));
  const pathOf = (folder) => {
    const names = [];
    for (let f = folder; f; f = f.parent && folders.get(f.parent.id)) names.unshift(f.name);
    return names.join(" › ");
  };
  const groups = new Map();
  for (const { node } of data.assets.edges) {
    const key = node.folder ? node.folder.id : "";
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(node);
  }
  // Folders by their path; assets in no folder last.
  const ordered = [...groups.keys()].sort((a, b) =>
    (a === "") - (b === "") || (a && b ? pathOf(folders.get(a)).localeCompare(pathOf(folders.get(b))) : 0));
  replace(main, section("content", "Content",
    data.assets.totalCount === 0 ? notice("No content is shared with you yet.") : ordered.map((key) => {
      const title = key && folders.has(key) ? pathOf(folders.get(key)) : "Not in a folder";
      return h("section", { class: "folder", "aria-label": title },
        h("h3", {}, title),
        h("ul", { class: "assets" }, groups.get(key).map((asset) => h("li", {},
          h("a", { href: asset.url, rel: "noopener noreferrer", target: "_blank" }, asset.title),
          h("span", { class: "tag" }, asset.kind)))));
    })));
}

function announcementList(connection) {
  if (connection.edges.length === 0) return notice("No announcements for you right now.");
  return h("ul", { class: "announcements" }, connection.edges.map(({ node }) => h("li", {},
    h("h3", {}, node.title),
    h("p", { class: "meta" }, `Published ${date(node.publishAt)}`),
    paragraphs(node.body))));
}

export async function renderAnnouncements(main) {
  const data = await graphql(ANNOUNCEMENTS);
  replace(main, section("announcements", "Announcements", announcementList(data.announcements)));
}

export async function renderLearning(main, context) {
  const data = await graphql(LEARNING);
  const { enrollments, certifications } = data.viewer;
  const enrolled = new Set(enrollments.map((e) => e.course.key));
  const others = data.courses.filter((c) => !enrolled.has(c.key));
  replace(main,
    section("enrollments", "Your courses",
      enrollments.length === 0 ? notice("You are not enrolled in any course.")
        : h("ul", { class: "courses" }, enrollments.map((e) => enrollmentItem(e, main, context)))),
    section("certifications", "Your certifications",
      certifications.length === 0 ? notice("No certifications yet.")
        : h("ul", {}, certifications.map((c) => h("li", {},
          `${c.certification.name} (since ${date(c.since)}, ${c.source.toLowerCase()})`)))),
    others.length ? section("catalogue", "Other courses open to you",
      h("ul", {}, others.map((c) => h("li", {}, c.title)))) : null);
}

function enrollmentItem(enrollment, main, context) {
  const id = `progress-${enrollment.id}`;
  const summary = h("div", { class: "summary" });
  const input = h("input", {
    id, type: "number", min: "0", max: "100", step: "10", name: "progress",
    value: String(Math.round(enrollment.progress * 100)),
  });
  const done = enrollment.status === "COMPLETED";
  const save = h("button", { type: "submit", disabled: context.readOnly || done }, "Save progress");
  const form = h("form", { class: "inline", novalidate: true },
    h("label", { for: id }, "Progress (%)"), input, save, summary);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    save.disabled = true;
    try {
      const progress = Number(input.value) / 100;
      const data = await graphql(PROGRESS, { enrollmentId: enrollment.id, progress });
      const { errors } = data.recordCourseProgress;
      replace(summary, errorSummary(errors));
      if (errors.length === 0) await renderLearning(main, context);
    } catch (error) {
      replace(summary, notice(error.message, "error"));
    } finally {
      save.disabled = context.readOnly || done;
    }
  });
  return h("li", { dataset: { course: enrollment.course.key } },
    h("h3", {}, enrollment.course.title),
    h("p", { class: "meta" }, `${enrollment.status.replace("_", " ").toLowerCase()}`),
    h("progress", { max: "1", value: String(enrollment.progress), "aria-label": `${enrollment.course.title} progress` },
      percent(enrollment.progress)),
    h("span", { class: "meta" }, ` ${percent(enrollment.progress)}`),
    done ? null : form);
}

function goalTable(goals) {
  return h("table", {},
    h("thead", {}, h("tr", {}, ["Goal", "Progress", "Target", "Attainment", "Ends"].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, goals.map((g) => {
      const isMoney = g.goal.metric === "REVENUE_WON";
      const show = (v) => (isMoney ? money(v) : String(Number(v)));
      return h("tr", {},
        h("th", { scope: "row" }, g.goal.name),
        h("td", { class: "num" }, show(g.value)),
        h("td", { class: "num" }, show(g.goal.target)),
        h("td", {}, h("progress", { max: "1", value: String(Math.min(g.attainment, 1)), "aria-label": `${g.goal.name} attainment` }),
          ` ${percent(g.attainment)}`),
        h("td", {}, date(g.goal.periodEnd)));
    })));
}

export async function renderGoals(main) {
  const data = await graphql(GOALS);
  replace(main, section("goals", "Goals",
    data.viewer.goals.length === 0 ? notice("No goals are set for you.") : goalTable(data.viewer.goals)));
}
