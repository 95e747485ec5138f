// Two-person operations (双人) in the dashboards, in headless Chromium against the demo gateway:
// an operator asks to move a stored cash item (the API answers 202); the item page shows it as
// waiting, without a confirm button for the operator; a supervisor confirms it there, and the
// chain of custody names both people. The list page shows what waits, in Chinese and English.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiGet, browserTestsCanRun, openPage, shot, startHarness, type Harness } from './harness.ts';

const ready = browserTestsCanRun();

async function apiPost(h: Harness, token: string, p: string, body: unknown) {
  const res = await fetch(`${h.url}/api/v1${p}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() as any };
}

describe.skipIf(!ready)('two-person operations in the dashboards', () => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness(); }, 120_000);
  afterAll(async () => { await h?.close(); });

  it('pending on the item page and in the list; the requester waits, a supervisor confirms; the timeline names both', async () => {
    const item = (await apiGet(h, 'demo-supervisor', '/items?state=stored&category=cash&zone=valuables&limit=1')).data[0];
    expect(item, 'the demo keeps cash in the valuables vault').toBeTruthy();
    const free = (await apiGet(h, 'demo-supervisor', '/locations?zone=valuables&limit=500')).data.find((l: any) => l.id !== item.locationId);
    const now = Date.now();
    const order = await apiPost(h, 'demo-supervisor', '/orders', {
      kind: 'move', itemIds: [item.id], approvedBy: '中心主任 孙志强', validFrom: new Date(now - 60_000).toISOString(), validUntil: new Date(now + 3_600_000).toISOString(),
    });
    expect(order.status, JSON.stringify(order.body)).toBe(201);
    const asked = await apiPost(h, 'demo-operator', `/items/${item.id}/move`, { orderId: order.body.id, locationId: free.id });
    expect(asked.status, JSON.stringify(asked.body)).toBe(202);
    const pid = asked.body.pending.id;

    // The requester sees it waiting for someone else, and no confirm button.
    const op = await openPage(h, { token: 'demo-operator', path: `/items/${encodeURIComponent(item.id)}` });
    const card = `[data-confirmation-id="${pid}"]`;
    await op.waitForSelector(card);
    expect(await op.getAttribute(card, 'data-state')).toBe('pending');
    expect(await op.locator(`${card} [data-action=confirm]`).count()).toBe(0);
    expect(await op.textContent(card)).toContain('等待另一名工作人员确认');
    await op.context().close();

    // The list of what waits, in English.
    const list = await openPage(h, { token: 'demo-supervisor', lang: 'en', path: '/confirmations' });
    await list.waitForSelector(card);
    expect(await list.textContent(card)).toContain('Waiting for a second person');
    expect(await list.locator(`${card} [data-action=confirm]`).count()).toBe(1);
    await shot(list, '30-confirmations');
    await list.context().close();

    // A supervisor on the floor confirms from a phone: the card and its buttons fit the screen.
    const phone = await openPage(h, { token: 'demo-supervisor', path: '/confirmations', viewport: { width: 390, height: 844 } });
    await phone.waitForSelector(`${card} [data-action=confirm]`);
    expect(await phone.textContent(card)).toContain('确认（第二人）');
    expect(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'no sideways scrolling on a phone').toBe(true);
    await shot(phone, '33-phone-confirmations');
    await phone.context().close();

    // A supervisor confirms it on the item page.
    const sup = await openPage(h, { token: 'demo-supervisor', path: `/items/${encodeURIComponent(item.id)}` });
    await sup.waitForSelector(`${card} [data-action=confirm]`);
    await shot(sup, '31-item-pending');
    await sup.click(`${card} [data-action=confirm]`);
    await sup.waitForSelector(`${card}[data-state=confirmed]`);
    await expect.poll(() => sup.textContent('[data-testid=timeline] .tl-entry.ev-moved')).toContain('第二人');
    const after = await apiGet(h, 'demo-supervisor', `/items/${item.id}`);
    expect(after).toMatchObject({ state: 'stored', locationId: free.id });
    const events = (await apiGet(h, 'demo-auditor', `/items/${item.id}/events?limit=500`)).data;
    expect(events.at(-1)).toMatchObject({ kind: 'moved', actors: { by: 'user-operator', second: { by: 'user-supervisor', via: 'api' } } });
    await shot(sup, '32-item-confirmed');
    await sup.context().close();
  });
});
