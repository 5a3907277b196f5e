import fs from 'node:fs';
import path from 'node:path';

/**
 * Test files that measure latency against an idle baseline (noisy neighbours, body bombs, hostile patterns)
 * run alone: Jest runs two files at once, and whatever the other file does decides whether a ratio holds. Every
 * file holds the machine shared (test/setup/shared.ts); a latency file holds it exclusively, waiting for the
 * other file to end, while the next one waits for it. Locks are files naming their holder's pid, so a lock a
 * killed run left behind is taken over.
 */
const DIR = path.join(__dirname, '..', '..', '.data', 'test-locks');
const EXCLUSIVE = path.join(DIR, 'exclusive');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The pid a lock file names, or null when the file is gone or its holder is dead (then it is removed). */
function holder(file: string): number | null {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
  if (pid && pid !== process.pid && !alive(pid)) {
    fs.rmSync(file, { force: true });
    return null;
  }
  return pid || null;
}

const othersShared = () =>
  fs
    .readdirSync(DIR)
    .filter((f) => f.startsWith('shared-'))
    .map((f) => holder(path.join(DIR, f)))
    .filter((pid) => pid !== null && pid !== process.pid);

async function waitUntil(what: string, ready: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(100);
  }
}

/** Every test file: held while no latency file runs. */
export async function holdShared(timeoutMs = 15 * 60_000): Promise<() => void> {
  fs.mkdirSync(DIR, { recursive: true });
  const mine = path.join(DIR, `shared-${process.pid}`);
  for (;;) {
    await waitUntil('a latency test to end', () => holder(EXCLUSIVE) === null, timeoutMs);
    fs.writeFileSync(mine, String(process.pid));
    // A latency file may have claimed the machine meanwhile: then it goes first.
    if (holder(EXCLUSIVE) === null) return () => fs.rmSync(mine, { force: true });
    fs.rmSync(mine, { force: true });
  }
}

/** A latency file: the machine to itself once the other running file has ended. */
export async function holdExclusive(timeoutMs = 15 * 60_000): Promise<() => void> {
  fs.mkdirSync(DIR, { recursive: true });
  for (;;) {
    try {
      fs.writeFileSync(EXCLUSIVE, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      await waitUntil('another latency test to end', () => holder(EXCLUSIVE) === null, timeoutMs);
    }
  }
  // This file's own shared hold (the setup file took it) does not count.
  fs.rmSync(path.join(DIR, `shared-${process.pid}`), { force: true });
  await waitUntil('the other test file to end', () => othersShared().length === 0, timeoutMs);
  return () => fs.rmSync(EXCLUSIVE, { force: true });
}

/** Call first, at the top level, in a file that measures latency against idle. */
export function quietFile(): void {
  let release: (() => void) | undefined;
  beforeAll(async () => {
    release = await holdExclusive();
  }, 16 * 60_000);
  afterAll(() => release?.());
}
