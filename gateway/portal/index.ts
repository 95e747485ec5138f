// The portal: per-gate smoothing of tag reads into crossings with a direction.
export { Portal, type DecidedCrossing, type OpenTrack, type PortalStats, type Resident } from './portal.ts';
export { Portals, type PortalsStats } from './portals.ts';
export { PORTAL_DEFAULTS, portalOptions, type PortalOptions } from './options.ts';
export { decide, eyeOrder, type Decision, type EvidenceName, type Reason } from './direction.ts';
export { GateLayout, type Side } from './layout.ts';
