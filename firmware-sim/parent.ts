// Shared by the simulators the gateway starts as child processes (firmware-sim/main.ts, serial/main.ts).

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
