import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * What a routed lead costs, read from outside the processes: CPU time from /proc (user + system, the process
 * and its reaped children), Postgres statements from the counters our processes write (QUERY_COUNT_FILE), and
 * Postgres transactions from pg_stat_database.
 */
const TICK_MS = 1000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim() || 100);

function cpuMs(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): utime is the 12th, stime the 13th, cutime and cstime follow.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * TICK_MS;
  } catch {
    return 0;
  }
}

/** Every process whose command name is `name` (all of Postgres's backends, say). */
function pidsNamed(name: string): number[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return fs.readFileSync(`/proc/${d}/comm`, 'utf8').trim() === name;
      } catch {
        return false;
      }
    })
    .map(Number);
}

export type ProcessSet = Record<string, () => number[]>;

/** Per process kind, the sum over its replicas (every API process, every worker). */
export function processes(pids: { api: Array<number | undefined>; worker: Array<number | undefined>; temporal?: number }): Record<'api' | 'worker' | 'temporal' | 'postgres', () => number[]> {
  const known = (list: Array<number | undefined>) => () => list.filter((pid): pid is number => pid !== undefined);
  return { api: known(pids.api), worker: known(pids.worker), temporal: known([pids.temporal]), postgres: () => pidsNamed('postgres') };
}

/** CPU milliseconds each process set spends between start() and the function start() returns. */
export function cpuMeter(set: ProcessSet): () => Record<string, number> {
  const before = new Map<number, number>();
  for (const list of Object.values(set)) for (const pid of list()) before.set(pid, cpuMs(pid));
  return () => {
    const out: Record<string, number> = {};
    for (const [name, list] of Object.entries(set)) out[name] = list().reduce((sum, pid) => sum + cpuMs(pid) - (before.get(pid) ?? 0), 0);
    return out;
  };
}

/** Statements our processes have sent so far (the sum of their QUERY_COUNT_FILE counters). */
export function queriesSoFar(file: string): number {
  const dir = path.dirname(file);
  const prefix = `${path.basename(file)}.`;
  if (!fs.existsSync(dir)) return 0;
  return fs
    .readdirSync(dir)
    .filter((f) => f.startsWith(prefix))
    .reduce((sum, f) => sum + (Number(fs.readFileSync(path.join(dir, f), 'utf8')) || 0), 0);
}
