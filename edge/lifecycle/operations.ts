// The custody operations on one item, by name: what the API routes, and what a two-person
// operation (双人) stores while it waits, so that its confirmation re-runs the very same operation.
import type { z } from 'zod';
import type { CustodyContext } from '../context.ts';
import type { Operation, Principal } from '../auth/principal.ts';
import type { TransitionResult } from './transition.ts';
import { receive, receiveInput } from './receive.ts';
import { reject, rejectInput } from './reject.ts';
import { withdraw, withdrawInput } from './withdraw.ts';
import { putaway, putawayInput } from './putaway.ts';
import { move, moveInput } from './move.ts';
import { retrieve, retrieveInput } from './retrieve.ts';
import { returnItem, returnInput } from './return.ts';
import { circulate, circulateInput } from './circulate.ts';
import { dispose, disposeInput } from './dispose.ts';

export interface ItemOperation {
  input: z.ZodType;
  run: (ctx: CustodyContext, p: Principal, itemId: string, input: never) => TransitionResult;
  /** The role table's group (DOMAIN.md): the same check the operation makes, for the second person too. */
  operation: Extract<Operation, 'handle' | 'dispatch'>;
  description: string;
}

const op = <S extends z.ZodType>(input: S, run: (ctx: CustodyContext, p: Principal, itemId: string, input: z.infer<S>) => TransitionResult,
  operation: ItemOperation['operation'], description: string): ItemOperation => ({ input, run: run as ItemOperation['run'], operation, description });

export const ITEM_OPERATIONS = {
  receive: op(receiveInput, receive, 'handle', '入库 receive an announced item at the intake (transfer_in order)'),
  reject: op(rejectInput, reject, 'handle', '拒收 hand a received item back (transfer_in order)'),
  withdraw: op(withdrawInput, withdraw, 'handle', '撤回 an announced item that will never arrive (transfer_in order)'),
  putaway: op(putawayInput, putaway, 'handle', '上架 store a received item at a location (putaway order)'),
  move: op(moveInput, move, 'handle', '移库 move a stored item to another location (move order)'),
  retrieve: op(retrieveInput, retrieve, 'dispatch', '调用 check a stored item out, with the Art. 11 register (retrieve order)'),
  return: op(returnInput, returnItem, 'dispatch', '归还 check an item back in, comparing its condition (return order or the retrieve order)'),
  circulate: op(circulateInput, circulate, 'handle', '流转 pass legal control to another agency; the item stays (circulate order)'),
  dispose: op(disposeInput, dispose, 'dispatch', '处置 dispose of an item, final (dispose order)'),
} as const satisfies Record<string, ItemOperation>;

export type ItemOperationName = keyof typeof ITEM_OPERATIONS;
export const ITEM_OPERATION_NAMES = Object.keys(ITEM_OPERATIONS) as ItemOperationName[];

/** Runs an operation by name on input parsed by its own schema. */
export function runOperation(ctx: CustodyContext, p: Principal, name: ItemOperationName, itemId: string, input: unknown): TransitionResult {
  const o = ITEM_OPERATIONS[name];
  return o.run(ctx, p, itemId, o.input.parse(input) as never);
}
