// A file from the API saved by the browser. The token goes in the Authorization header, never in
// a URL (where it would stay in the history and the gateway's logs), so it is fetched and handed
// to the browser as a blob rather than opened as a bare link.
import { ApiError } from './api.js';
import { session } from './session.js';
import { h } from './dom.js';

/** Saves `path` as `filename`; throws an ApiError (status 0: unreachable) when it cannot. */
export async function download(path, filename) {
  let res;
  try {
    res = await fetch(path, { headers: { authorization: `Bearer ${session.token}` } });
  } catch {
    throw new ApiError(0, { code: 'UNREACHABLE', message: 'gateway unreachable' });
  }
  if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => null));
  const url = URL.createObjectURL(await res.blob());
  const a = h('a', { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
