// Our custody event kinds in GS1's Core Business Vocabulary (CBV 2.0): the business step, the
// disposition after it, and the EPCIS action. README.md ("EPCIS 2.0 export") shows this table;
// change both together.
//
// The action follows EPCIS's meaning of it for an ObjectEvent: ADD where an EPC enters the
// center's records (announced with its tag, a tag bound or replaced at the intake desk), DELETE only
// where the object ends (destroyed), OBSERVE for everything else: an item handed back, disposed of
// to its owner or to a court, or checked out keeps its identity outside the center.
// Where the CBV has no step for what happened (an announcement of a transfer, the ledger's own
// bookkeeping), the step is a URI of our namespace, as EPCIS allows for any bizStep.

export type EpcisAction = 'ADD' | 'OBSERVE' | 'DELETE';

/** The namespace of our own EPCIS terms: the extension fields (`cpsc:…`) and our business steps. */
export const CPSC_NS = 'urn:custody:epcis:';
export const ownBizStep = (kind: string) => `${CPSC_NS}bizstep:${kind}`;

export interface KindMapping {
  action: EpcisAction;
  /** A CBV 2.0 bare word (`receiving`), or a URI of ours where the CBV has none. */
  bizStep: string;
  /** A CBV 2.0 disposition, or none where the event does not change the object's condition. */
  disposition?: string;
}

export const KIND_MAPPINGS: Readonly<Record<string, KindMapping>> = {
  // 移交: the handling unit announces the item; it is on its way, not yet here.
  announced: { action: 'ADD', bizStep: ownBizStep('announced'), disposition: 'in_transit' },
  // 接收: taken over at the intake zone, before it is stored.
  received: { action: 'OBSERVE', bizStep: 'receiving', disposition: 'in_progress' },
  // Refused at intake and handed back to the handling unit.
  rejected: { action: 'OBSERVE', bizStep: 'departing', disposition: 'returned' },
  // The announced transfer did not happen: CBV's declaration that announced objects were not shipped.
  withdrawn: { action: 'OBSERVE', bizStep: 'void_shipping', disposition: 'unavailable' },
  // 入库 and moves between locations: CBV's step for moving into and within storage.
  putaway: { action: 'OBSERVE', bizStep: 'storing', disposition: 'in_progress' },
  moved: { action: 'OBSERVE', bizStep: 'storing', disposition: 'in_progress' },
  // 调用: checked out for examination, court or display; back in by `returned`.
  retrieved: { action: 'OBSERVE', bizStep: 'departing', disposition: 'in_transit' },
  returned: { action: 'OBSERVE', bizStep: 'arriving', disposition: 'in_progress' },
  // 流转: the controlling agency changes (ownership in CBV's words), the item stays where it is.
  circulated: { action: 'OBSERVE', bizStep: 'accepting', disposition: 'in_progress' },
  // 处置 other than destruction (returned to owner, auctioned, confiscated, kept by the court).
  disposed: { action: 'OBSERVE', bizStep: 'departing', disposition: 'disposed' },
  // An authorised crossing of a gate, for a move or putaway before the shelf is scanned.
  crossed: { action: 'OBSERVE', bizStep: 'entering_exiting' },
  // 一物一码 at the intake desk: an EPC associated with the item (re-tagging retires the old EPC, named in cpsc:details).
  tag_bound: { action: 'ADD', bizStep: 'commissioning' },
  tag_replaced: { action: 'ADD', bizStep: 'commissioning' },
  photo_added: { action: 'OBSERVE', bizStep: 'inspecting' },
  // 盘点: the count's lines are in its report, whose SHA-256 the event carries.
  count_closed: { action: 'OBSERVE', bizStep: 'cycle_counting' },
  // The ledger's own record of the restricted zone's chain splitting off: no object, kept so the chain reads whole.
  chain_split: { action: 'OBSERVE', bizStep: ownBizStep('chain_split') },
};

/** Disposal by destruction ends the object: CBV's destroying step, and the EPC is no longer in play. */
export const DESTROYED: KindMapping = { action: 'DELETE', bizStep: 'destroying', disposition: 'destroyed' };

/** The mapping of one event: its kind's, destruction for a disposal by that method, and our own step for a kind added later. */
export function mappingOf(kind: string, details: Record<string, unknown>): KindMapping {
  if (kind === 'disposed' && details.method === 'destroyed') return DESTROYED;
  return Object.hasOwn(KIND_MAPPINGS, kind) ? KIND_MAPPINGS[kind]! : { action: 'OBSERVE', bizStep: ownBizStep(kind) };
}
