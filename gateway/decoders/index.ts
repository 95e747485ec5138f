// The gateway picks a reader's decoders by the format in its site configuration: one pair per
// format, the same contract for both (test/decoders/contract.test.ts runs one suite on each).
import type { READER_FORMATS } from '../../edge/site/schema.ts';
import { decodeImpinj, decodeImpinjManagement } from './impinj.ts';
import type { DecodeContext, DecodeResult, Payload } from './result.ts';
import { decodeZebraManagement, decodeZebraTags } from './zebra.ts';

export type ReaderFormat = (typeof READER_FORMATS)[number];

export interface ReaderDecoder {
  /** The tag-data topic. */
  tags(payload: Payload, ctx: DecodeContext): DecodeResult;
  /** The management topics: GPI, heartbeats, command responses. */
  management(payload: Payload, ctx: DecodeContext): DecodeResult;
}

const DECODERS: Record<ReaderFormat, ReaderDecoder> = {
  zebra: { tags: decodeZebraTags, management: decodeZebraManagement },
  impinj: { tags: decodeImpinj, management: decodeImpinjManagement },
};

export function decoderFor(format: ReaderFormat): ReaderDecoder {
  return DECODERS[format];
}

export type { DecodeContext, DecodeResult, Payload, RejectReason, Rejection, SkipReason } from './result.ts';
export { REJECT_REASONS, SKIP_REASONS } from './result.ts';
export { DEFAULT_MAX_BYTES } from './payload.ts';
export { decodeImpinj, decodeImpinjManagement } from './impinj.ts';
export { decodeZebraManagement, decodeZebraTags } from './zebra.ts';
export { decodeEpc } from '../../edge/epc/tds.ts';
export type { EpcIdentity } from '../../edge/epc/tds.ts';
