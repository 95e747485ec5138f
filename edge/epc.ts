// Display form of an EPC. The raw hex stays the key everywhere; the pure-identity URI is only
// shown beside it when the header is a GS1 scheme.
import { decodeEpc } from './epc/tds.ts';

export function epcUri(epcHex: string): string | null {
  return decodeEpc(epcHex)?.uri ?? null;
}
