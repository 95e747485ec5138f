// Shared by the simulators the gateway starts as child processes (firmware-sim/main.ts, serial/main.ts, opcua/main.ts).

/**
 * Started by a gateway: go when it goes, however it went. Its ends of our stdin pipe and of the IPC
 * channel close when it dies (the kernel closes them, SIGKILL included); a poll of the parent pid
 * catches whatever those miss (a parent that handed its pipes on, a reparenting to init).
 */
export function exitWithParent(stop: (why: string) => Promise<void>) {
  const parent = process.ppid;
  process.stdin.on('end', () => void stop('the gateway closed our stdin'));
  process.stdin.on('error', () => void stop('our stdin failed'));
  process.stdin.resume();
  process.on('disconnect', () => void stop('the gateway closed the IPC channel'));
  // Writing to a pipe whose reader has died fails with EPIPE: that too means the gateway is gone.
  process.stdout.on('error', () => void stop('our stdout is closed'));
  const alive = () => {
    if (process.ppid !== parent) return false;
    try {
      process.kill(parent, 0);
      return true;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'EPERM';
    }
  };
  setInterval(() => { if (!alive()) void stop(`the gateway (pid ${parent}) is gone`); }, 1_000).unref();
}

/**
 * A simulator's one way out: on SIGTERM, SIGINT and (with --exit-with-parent, watched from the first
 * moment) its gateway gone, `halt` once, then exit; a halt that hangs (a broker or a socat child that
 * does not answer) must not keep the process, so it exits after `graceMs` all the same.
 */
export function stopOnce(log: (msg: string) => void, halt: () => Promise<unknown>, graceMs: number): (why: string) => Promise<void> {
  let stopped = false;
  const stop = async (why: string) => {
    if (stopped) return;
    stopped = true;
    log(`stopping: ${why}`);
    setTimeout(() => process.exit(0), graceMs).unref();
    await halt().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  if (process.argv.includes('--exit-with-parent')) exitWithParent(stop);
  return stop;
}
