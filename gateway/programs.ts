// Finding an outside program on PATH: the demo uses socat's pseudo-terminals when it is installed
// (and TCP when not); the test suites use it to skip or fail loudly (test/helpers/programs.ts).
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The absolute path of `binary` on PATH, or undefined. */
export function findProgram(binary: string, path = process.env.PATH ?? ''): string | undefined {
  if (binary.includes('/')) return isExecutable(binary) ? binary : undefined;
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, binary);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
