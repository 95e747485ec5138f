// Suites that drive real programs (mosquitto, socat, chromium…) call requireProgram() at the top
// of the file: on a developer machine a missing program skips the suite with one loud line; on
// CI (`CI=true`) it fails the suite, naming the Debian package to install, because a suite that
// silently skips on CI proves nothing.
import { findProgram } from '../../gateway/programs.ts';

export { findProgram };

const warned = new Set<string>();


/**
 * True when `binary` is on PATH. Otherwise throws under CI (process.env.CI === 'true'), and
 * elsewhere prints one warning per program and returns false so that the caller can skip.
 */
export function requireProgram(binary: string, debianPackage: string): boolean {
  if (findProgram(binary)) return true;
  const fix = `apt-get install -y ${debianPackage}`;
  if (process.env.CI === 'true') {
    throw new Error(`"${binary}" is not on PATH; CI must install the Debian package "${debianPackage}" (${fix})`);
  }
  if (!warned.has(binary)) {
    warned.add(binary);
    console.warn(`\n⚠️  SKIPPING tests that need "${binary}": not on PATH. Install it with: ${fix}\n`);
  }
  return false;
}
