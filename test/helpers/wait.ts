/**
 * Polls `fn` every 100 ms until it returns something truthy, or fails after `ms`: for what real
 * parts do in their own time. `state` says what was seen instead, so that a failure under CI's load
 * tells what the parts were doing.
 */
export const waitFor = async <T>(fn: () => Promise<T | undefined | null | false>, ms = 15_000, state?: () => Promise<unknown>): Promise<T> => {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting${state ? `; seen instead: ${JSON.stringify(await state().catch((e) => String(e)))}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};
