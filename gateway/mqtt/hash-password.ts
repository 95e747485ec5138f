// `npm run hash-password [-- --iterations N] [password]`: prints Mosquitto's `$7$` hash of a
// device password, for the site file's `devices[].passwordHash`. The password comes from the
// argument or, better (it stays out of the shell history and `ps`), from stdin.
import { stdin, stdout, stderr, argv, exit } from 'node:process';
import { hashPassword, DEFAULT_ITERATIONS } from './password.ts';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(chunk as Buffer);
  // One trailing newline is the terminal's or echo's, not the password's.
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function main(args: string[]): Promise<number> {
  let iterations = DEFAULT_ITERATIONS;
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--help' || a === '-h') {
      stdout.write('usage: hash-password [--iterations N] [password]   (reads the password from stdin when omitted)\n');
      return 0;
    }
    if (a === '--iterations' || a === '-I') {
      iterations = Number(args[++i]);
      continue;
    }
    rest.push(a);
  }
  if (rest.length > 1) {
    stderr.write('hash-password: give one password (quote it), or none to read it from stdin\n');
    return 2;
  }
  if (rest.length === 0 && stdin.isTTY) stderr.write('password (then Enter and Ctrl-D): ');
  const password = rest[0] ?? (await readStdin());
  if (!password) {
    stderr.write('hash-password: the password is empty\n');
    return 2;
  }
  try {
    stdout.write(`${await hashPassword(password, iterations)}\n`);
    return 0;
  } catch (e) {
    stderr.write(`hash-password: ${(e as Error).message}\n`);
    return 2;
  }
}

exit(await main(argv.slice(2)));
