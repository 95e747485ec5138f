// Reads the site file (JSON or YAML) and reports every problem by path and expectation, never a
// stack trace: the person starting the gateway is a warehouse IT person, not its developer.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { z } from 'zod';
import { referenceProblems, siteSchema, type Site } from '../edge/site/schema.ts';

export class ConfigError extends Error {
  constructor(readonly file: string, readonly problems: string[]) {
    super(`The site file ${file} has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n` +
      problems.map((p) => `  - ${p}`).join('\n'));
  }
}

export function formatPath(p: readonly PropertyKey[]): string {
  return p.reduce<string>((acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : acc ? `${acc}.${String(k)}` : String(k)), '');
}

export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => {
    const where = formatPath(i.path) || '(top level)';
    if (i.code === 'unrecognized_keys') return `${where}: unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `"${k}"`).join(', ')} (check the spelling)`;
    return `${where}: ${i.message}`;
  });
}

export function parseSite(raw: unknown, file = '(site)'): Site {
  const r = siteSchema.safeParse(raw);
  if (r.success) return r.data;
  const problems = describeIssues(r.error);
  // zod checks references only once the shape is valid: add them now, so that one pass shows all.
  for (const p of referenceProblems(raw)) {
    const line = `${formatPath(p.path)}: ${p.message}`;
    if (!problems.includes(line)) problems.push(line);
  }
  throw new ConfigError(file, problems);
}

export function loadSiteFile(file: string): Site {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, [`cannot read the file: ${(e as Error).message}`]);
  }
  let raw: unknown;
  try {
    raw = /\.ya?ml$/i.test(file) ? YAML.parse(text) : JSON.parse(text);
  } catch (e) {
    throw new ConfigError(file, [`not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'}: ${(e as Error).message.split('\n')[0]}`]);
  }
  const site = parseSite(raw, file);
  // A relative data folder is relative to the site file, so that the file and its data travel together.
  if (!path.isAbsolute(site.dataDir)) site.dataDir = path.resolve(path.dirname(file), site.dataDir);
  return site;
}

/** `--config FILE` wins over `GATEWAY_CONFIG`; neither means the demo site. */
export function configFileFrom(argv: string[], env: NodeJS.ProcessEnv): string | null {
  const i = argv.indexOf('--config');
  if (i >= 0) {
    const f = argv[i + 1];
    if (!f || f.startsWith('--')) throw new ConfigError('--config', ['--config needs a file name: npm start -- --config site.yaml']);
    return f;
  }
  const eq = argv.find((a) => a.startsWith('--config='));
  if (eq) return eq.slice('--config='.length);
  return env.GATEWAY_CONFIG || null;
}
