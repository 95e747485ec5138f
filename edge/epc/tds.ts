// Placeholder until the Tag Data Standard decoder lands here.
export function epcToUri(_hex: string): string | null { return null; }
