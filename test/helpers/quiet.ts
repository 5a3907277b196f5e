import fs from 'node:fs';
import path from 'node:path';

/**
 * A lock between test files that must not overlap: the ones that measure latency against an idle baseline
 * (noisy neighbours) and the ones that load the machine for a long time (a 300-contact burst). Jest runs two
 * files at once; without it, which of them meet decides whether a ratio holds. A directory made atomically,
 * holding the holder's pid, so a lock left by a killed run is taken over.
 */
const LOCK = path.join(__dirname, '..', '..', '.data', 'quiet-test.lock');

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export async function holdQuiet(timeoutMs = 10 * 60_000): Promise<() => void> {
  fs.mkdirSync(path.dirname(LOCK), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.mkdirSync(LOCK);
      fs.writeFileSync(path.join(LOCK, 'pid'), String(process.pid));
      return () => fs.rmSync(LOCK, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(fs.readFileSync(path.join(LOCK, 'pid'), { encoding: 'utf8', flag: 'a+' }) || 0);
      if (holder && !alive(holder)) fs.rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`the quiet-test lock is still held by pid ${holder}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/**
 * Holds the lock for the whole test file: call it first, at the top level, in a file that measures latency
 * against idle or one that keeps both cores busy (password hashing, a browser, hundreds of leads).
 */
export function quietFile(): void {
  let release: (() => void) | undefined;
  beforeAll(async () => {
    release = await holdQuiet();
  }, 11 * 60_000);
  afterAll(() => release?.());
}
