// Sizes of the benchmarks. Full sizes by default; BENCH_QUICK=1 picks small ones (a smoke test
// that finishes in well under two minutes); any single size can be overridden by its variable.
export const QUICK = /^(1|true|yes)$/i.test(process.env.BENCH_QUICK ?? '');

function size(name: string, full: number, quick: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return QUICK ? quick : full;
  const n = Number(raw.replace(/_/g, ''));
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}=${raw} is not a positive number`);
  return Math.floor(n);
}

export const sizes = {
  /** Ledger appends: events per measurement at batch size 1 (one commit, one fsync each). */
  appendBatch1: size('BENCH_APPEND_N1', 6_000, 600),
  /** Ledger appends: events per measurement at batch size 100. */
  appendBatch100: size('BENCH_APPEND_N100', 100_000, 20_000),
  /** Raw, ledger and ledger-without-head-file take turns over this many slices of the events. */
  appendSlices: size('BENCH_APPEND_SLICES', 12, 4),
  /** The generated store behind the API and verify benchmarks. */
  items: size('BENCH_ITEMS', 1_000_000, 20_000),
  events: size('BENCH_EVENTS', 5_000_000, 100_000),
  /** HTTP load: requests in flight at once, and how long each measured run lasts. */
  concurrency: size('BENCH_CONCURRENCY', 16, 16),
  loadMs: size('BENCH_LOAD_MS', 10_000, 2_000),
  warmupMs: size('BENCH_WARMUP_MS', 2_000, 500),
  /** Sequential requests for the zone summary. */
  zoneRequests: size('BENCH_ZONE_REQUESTS', 100, 20),
  /** Sequential (concurrency 1) lookups: the service time without queueing. */
  seqRequests: size('BENCH_SEQ_REQUESTS', 3_000, 500),
  /** Portal over MQTT: measured publishing time per configuration (split in slices of 3 s), and the
   *  warm-up before each slice's measurement. */
  portalLoadMs: size('BENCH_PORTAL_LOAD_MS', 12_000, 3_000),
  portalWarmupMs: size('BENCH_PORTAL_WARMUP_MS', 1_000, 300),
  /** Distinct EPCs cycling through the gate in the throughput run. */
  portalTags: size('BENCH_PORTAL_TAGS', 1_000, 1_000),
  /** Crossings (walks) per close-to-alarm latency run, and the background load of the second run. */
  portalCrossings: size('BENCH_PORTAL_CROSSINGS', 200, 30),
  portalBackgroundRate: size('BENCH_PORTAL_BG_RATE', 10_000, 10_000),
  /** Frames in each codec's pre-built stream (R2000, UHFReader18, Modbus RTU). */
  codecFrames: size('BENCH_CODEC_FRAMES', 1_000_000, 100_000),
  /** The chunk size the codecs are fed in, as a serial port's reads come. */
  codecChunk: size('BENCH_CODEC_CHUNK', 64, 64),
  /** Platform sync: the backlog drained with the rate bound lifted (appended before the sync starts).
   *  600,000 rather than 1,000,000: with a million, generating, draining, checking and the raw ingest
   *  made the benchmark last 380 s on two busy cores (5 minutes is the budget). */
  syncEvents: size('BENCH_SYNC_EVENTS', 600_000, 50_000),
  /** Platform sync: the backlog draining at the shipped bound while the close→alarm latency is measured, and the crossings of each run. */
  syncBacklog: size('BENCH_SYNC_BACKLOG', 200_000, 30_000),
  syncCrossings: size('BENCH_SYNC_CROSSINGS', 300, 50),
};
