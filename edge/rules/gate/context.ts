// What every gate rule looks at: the crossing, its gate, and how to word the place in an alarm.
import type { CustodyContext } from '../../context.ts';
import type { CrossingObservation } from '../../observations.ts';
import type { Gate } from '../../site/schema.ts';

export interface GateFacts {
  ctx: CustodyContext;
  crossing: CrossingObservation;
  gate: Gate;
  /** The gate opens onto the restricted zone. */
  gateRestricted: boolean;
  /** The gate and direction as people say it, e.g. `主出入口 (出)`. */
  where: string;
}

export function gateFacts(ctx: CustodyContext, crossing: CrossingObservation, gate: Gate): GateFacts {
  const dir = crossing.direction === 'in' ? '进' : crossing.direction === 'out' ? '出' : '方向不明';
  return {
    ctx, crossing, gate,
    gateRestricted: ctx.isRestrictedZone(gate.innerZone) || ctx.isRestrictedZone(gate.outerZone),
    where: `${gate.name} (${dir})`,
  };
}

/** Does this staff member hold a clearance for a restricted zone? */
export function clearedForRestricted(ctx: CustodyContext, clearancesJson: string): boolean {
  return (JSON.parse(clearancesJson) as string[]).some((z) => ctx.isRestrictedZone(z));
}
