/** Passwords for the CLI: all of standard input (`--password-stdin`), or asked on the terminal without echo. */
import { Errors, MiError } from '../errors.js';

/** All of standard input as text. */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads one line from the terminal without echoing it. */
export function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  return new Promise((resolve, reject) => {
    let value = '';
    const done = (err?: Error): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done();
        if (ch === '\u0003') return done(new MiError(Errors.PASSWORD_INPUT, 'the password prompt was cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    // raw mode before the prompt: whatever is typed once the prompt shows must not be echoed
    stdin.setEncoding('utf8');
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
    process.stderr.write(question);
  });
}

function requireTerminal(instead = 'write it to standard input and pass --password-stdin', what = 'the password'): void {
  if (!process.stdin.isTTY) {
    throw new MiError(Errors.PASSWORD_INPUT, `standard input is not a terminal to ask for ${what} on; ${instead}`);
  }
}

/** An existing password: standard input (one trailing newline dropped) or asked once. */
export async function readPassword(opts: { passwordStdin?: boolean }, question: string): Promise<string> {
  if (opts.passwordStdin) return (await readStdin()).replace(/\r?\n$/, '');
  requireTerminal();
  return promptHidden(question);
}

/** A new password: standard input (one trailing newline dropped) or asked twice, which must agree. */
export async function readNewPassword(opts: { passwordStdin?: boolean }, name: string): Promise<string> {
  if (opts.passwordStdin) return (await readStdin()).replace(/\r?\n$/, '');
  requireTerminal();
  const first = await promptHidden(`Password for ${name}: `);
  const second = await promptHidden('Repeat the password: ');
  if (first !== second) throw new MiError(Errors.PASSWORD_INPUT, 'the two passwords differ; nothing was changed');
  return first;
}

/** One line typed on the terminal, echoed (a user name, a y/N answer); `instead` says how to do without a terminal. */
export async function promptLine(question: string, what: string, instead: string): Promise<string> {
  requireTerminal(instead, what);
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}
