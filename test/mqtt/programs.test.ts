import { afterEach, describe, expect, it, vi } from 'vitest';
import { findProgram, requireProgram } from '../helpers/programs.ts';

describe('requireProgram', () => {
  const ci = process.env.CI;
  afterEach(() => {
    if (ci === undefined) delete process.env.CI;
    else process.env.CI = ci;
    vi.restoreAllMocks();
  });

  it('finds programs on PATH', () => {
    expect(findProgram('node', process.env.PATH)).toBeTruthy();
    expect(findProgram('surely-not-a-program-xyz')).toBeUndefined();
    expect(requireProgram('node', 'nodejs')).toBe(true);
  });

  it('fails under CI, naming the Debian package', () => {
    process.env.CI = 'true';
    expect(() => requireProgram('surely-not-a-program-xyz', 'xyz-tools')).toThrow(/xyz-tools/);
  });

  it('elsewhere warns once, loudly, and returns false', () => {
    process.env.CI = 'false';
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(requireProgram('another-missing-xyz', 'xyz-clients')).toBe(false);
    expect(requireProgram('another-missing-xyz', 'xyz-clients')).toBe(false);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/apt-get install -y xyz-clients/);
  });
});
