// The one door to the API: POST /graphql as JSON (the server's CSRF guard lets JSON through),
// the bearer token from sessionStorage, and X-View-As while a staff member previews a contact.

const ENDPOINT = new URL("../graphql", import.meta.url);
const TOKEN_KEY = "partnerscope.token";
const VIEW_AS_KEY = "partnerscope.viewAs";

export class ApiError extends Error {
  constructor(message, code, body) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.body = body;
  }
}

export const session = {
  get token() {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  set token(value) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
  get viewAs() {
    return sessionStorage.getItem(VIEW_AS_KEY);
  },
  set viewAs(contactId) {
    if (contactId) sessionStorage.setItem(VIEW_AS_KEY, contactId);
    else sessionStorage.removeItem(VIEW_AS_KEY);
  },
  clear() {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(VIEW_AS_KEY);
  },
};

/**
 * Run a GraphQL document; resolves to `data`, rejects with ApiError on a top-level error.
 * `asStaff` leaves X-View-As off, for questions the staff member asks as itself (explain).
 */
export async function graphql(query, variables = {}, { asStaff = false } = {}) {
  const headers = { "Content-Type": "application/json", Accept: "application/json" };
  if (session.token) headers.Authorization = `Bearer ${session.token}`;
  if (session.viewAs && !asStaff) headers["X-View-As"] = session.viewAs;
  let response;
  try {
    response = await fetch(ENDPOINT, {
      method: "POST",
      headers,
      body: JSON.stringify({ query, variables }),
      credentials: "omit",
    });
  } catch {
    throw new ApiError("The server cannot be reached. Check your connection and try again.", "NETWORK");
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`The server answered HTTP ${response.status} without a GraphQL body.`, `HTTP_${response.status}`);
  }
  const errors = body.errors ?? [];
  if (errors.length > 0) {
    const first = errors[0];
    const code = first.extensions?.code ?? `HTTP_${response.status}`;
    const requestId = first.extensions?.requestId;
    const message = requestId ? `${first.message} (request ${requestId})` : first.message;
    throw new ApiError(message, code, body);
  }
  return body.data;
}
