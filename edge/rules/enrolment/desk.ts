// What one poll of the intake desk means for the enrolment waiting there: pure facts in (each EPC on
// the desk, classified), a verdict out. Exactly one tag no one has is the item's new tag; two or more
// cannot be told apart; tags that are already someone's (an item's, a retired one, a badge, a
// location's own tag) refuse the enrolment, since the operator put the wrong tag on the desk.

export const REFUSAL_REASONS = ['epc_in_use', 'epc_retired', 'badge', 'location_tag', 'item_not_eligible'] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** One EPC on the desk, as the store knows it. */
export type DeskTag =
  | { epc: string; kind: 'unbound' }
  /** The enrolled item's own present tag (re-tagging: the damaged one beside the new one): neither new nor in the way. */
  | { epc: string; kind: 'own' }
  | { epc: string; kind: 'bound'; reason: Exclude<RefusalReason, 'item_not_eligible'>; itemId: string | null; itemName: string | null };

export type DeskVerdict =
  | { kind: 'wait' }
  | { kind: 'bind'; epc: string }
  | { kind: 'several_tags'; unbound: number }
  | { kind: 'refuse'; reason: RefusalReason; epc: string; itemId: string | null; itemName: string | null };

/** Which refusal to name when several tags are in the way: another item's first, it tells the operator most. */
const PRIORITY: Record<Exclude<RefusalReason, 'item_not_eligible'>, number> = { epc_in_use: 0, epc_retired: 1, badge: 2, location_tag: 3 };

export function deskVerdict(tags: readonly DeskTag[]): DeskVerdict {
  const unbound = tags.filter((t) => t.kind === 'unbound');
  if (unbound.length === 1) return { kind: 'bind', epc: unbound[0]!.epc };
  if (unbound.length > 1) return { kind: 'several_tags', unbound: unbound.length };
  const bound = tags.filter((t): t is Extract<DeskTag, { kind: 'bound' }> => t.kind === 'bound')
    .sort((a, b) => PRIORITY[a.reason] - PRIORITY[b.reason]);
  const first = bound[0];
  if (!first) return { kind: 'wait' };
  return { kind: 'refuse', reason: first.reason, epc: first.epc, itemId: first.itemId, itemName: first.itemName };
}
