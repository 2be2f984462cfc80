// What every page shares about its signed-in user: API fetches that go to the login
// page once the session has ended, the CSRF token on every change, and the header's
// name, role and sign-out button (#user) and links to the pages the role may use
// (nav.pages). Pages import it; no page copies it.
import { lang } from "/static/language.js";

const TEXT = {
  zh: {
    sign_out: "退出", admin: "管理员", planner: "规划员", operator: "指挥员",
    grid_worker: "网格员", analyst: "分析员", viewer: "访客",
    page_map: "地图", page_command: "指挥中心", page_planner: "网格规划",
  },
  en: {
    sign_out: "Sign out", admin: "administrator", planner: "planner", operator: "operator",
    grid_worker: "grid worker", analyst: "analyst", viewer: "viewer",
    page_map: "Map", page_command: "Command centre", page_planner: "Planner",
  },
};
const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);
let user = null;  // the promise of GET /api/v1/me, fetched once

// To the login page, which leads back here; the session has ended (or never began).
export function toLogin() {
  const here = location.pathname + location.search + location.hash;
  location.assign(`/login?${new URLSearchParams({ next: here, lang })}`);
}

// Fetch an API path as JSON; a change (not GET) carries the session's X-CSRF-Token.
export async function api(path, { method = "GET", body } = {}) {
  const headers = { Accept: "application/json" };
  if (!SAFE.has(method)) {
    const { csrf_token: token } = await me();
    if (token) headers["X-CSRF-Token"] = token;
    if (body !== undefined) headers["Content-Type"] = "application/json";
  }
  const response = await fetch(path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401) {
    toLogin();
    throw new Error("sign-in required");
  }
  const answer = await response.json();
  if (!response.ok) {
    // The problem (RFC 9457) rides along: a 409 names, say, what is allowed instead.
    throw Object.assign(new Error(answer.detail || response.statusText),
      { status: response.status, problem: answer });
  }
  return answer;
}

// The signed-in user: name, role, scope, permissions and the session's CSRF token.
export function me() {
  user ??= api("/api/v1/me");
  return user;
}

// Fill the page's header: who is signed in (#user), the sign-out form's token, and the
// links to the pages (nav.pages a[data-page]), those needing a permission the user lacks
// (data-needs) hidden.
export async function showUser() {
  const signedIn = await me();
  const text = TEXT[lang];
  const box = document.getElementById("user");
  box.querySelector(".name").textContent = signedIn.name;
  box.querySelector(".role").textContent = text[signedIn.role] ?? signedIn.role;
  box.querySelector("button").textContent = text.sign_out;
  box.querySelector("input[name=csrf]").value = signedIn.csrf_token ?? "";
  box.hidden = false;
  document.querySelectorAll("nav.pages a[data-page]").forEach((a) => {
    a.textContent = text[`page_${a.dataset.page}`];
    a.hidden = Boolean(a.dataset.needs) && !signedIn.permissions.includes(a.dataset.needs);
  });
}
