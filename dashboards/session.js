// Who is signed in. The token lives in sessionStorage only (gone when the browser session ends).
const KEY = 'custody.token';
const ROLE_OPS = {
  // The custody operations (announce … dispose), and confirming a two-person operation (双人).
  handle: ['operator', 'supervisor', 'discipline'],
  dispatch: ['operator', 'supervisor', 'discipline'],
  acknowledge: ['operator', 'supervisor', 'discipline'],
  resolve: ['supervisor', 'discipline'],
  emergency_order: ['supervisor', 'discipline'],
  count: ['supervisor', 'discipline'],
  administer: ['admin'],
};
const ROLES = ['operator', 'supervisor', 'agency', 'discipline', 'auditor', 'admin'];

export const session = {
  token: sessionStorage.getItem(KEY),
  /** { userId?, name?, role, agencyId? } — from GET /api/v1/me, or inferred (see app.js). */
  user: null,
  onExpired: null,
  signIn(token, user) { this.token = token; this.user = user; sessionStorage.setItem(KEY, token); },
  signOut() { this.token = null; this.user = null; sessionStorage.removeItem(KEY); },
  expired(err) { if (this.token && this.onExpired) this.onExpired(err); },
  get role() { return this.user?.role ?? 'unknown'; },
  /**
   * May the role do `op`? `restricted` says whether the thing is in the restricted zone: the
   * discipline role acts there only. An unknown role shows the action and lets the API decide.
   */
  can(op, restricted = false) {
    const role = this.role;
    if (!ROLES.includes(role)) return true;
    if (!ROLE_OPS[op]?.includes(role)) return false;
    if (role === 'discipline' && !restricted) return false;
    return true;
  },
};
