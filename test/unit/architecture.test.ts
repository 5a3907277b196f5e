import fs from 'node:fs';
import path from 'node:path';

/**
 * The layers of docs/architecture.md, checked on every import in src/: a module may import (at run time)
 * only from its own folder or a lower layer. `import type` may also reach the workflow and activity folders,
 * whose types the Temporal client and the workflows' activity proxies need. And only src/db speaks SQL.
 */
const LAYER: Record<string, number> = {
  ids: 0,
  logger: 0.5,
  telemetry: 0,
  concurrency: 0,
  crypto: 0,
  net: 0,
  routing: 1,
  lead: 2,
  notify: 2.5,
  schemas: 3,
  errors: 4,
  config: 4,
  crm: 4.5,
  db: 5,
  temporal: 6,
  metrics: 6.5,
  activities: 7,
  workflows: 7,
  services: 8,
  api: 9,
  worker: 9,
  cli: 10,
  dev: 10,
};
const TYPE_ONLY_TARGETS = new Set(['workflows', 'activities']);
/** Workflow code is deterministic and bundled: at run time it may use only these (and itself). */
const WORKFLOW_RUNTIME = new Set(['lead', 'workflows']);

const SRC = path.resolve(__dirname, '../../src');

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

const folderOf = (file: string) => path.relative(SRC, file).split(path.sep)[0]!.replace(/\.ts$/, '');

interface Import {
  from: string;
  to: string;
  typeOnly: boolean;
  line: string;
}

function importsOf(file: string): Import[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: Import[] = [];
  for (const m of text.matchAll(/^(?:import|export)(\s+type)?\s[^;]*?from\s+'(\.[^']+)'/gms)) {
    const target = path.resolve(path.dirname(file), m[2]!);
    if (!target.startsWith(SRC)) continue;
    out.push({ from: folderOf(file), to: folderOf(`${target}.ts`), typeOnly: Boolean(m[1]), line: `${path.relative(SRC, file)}: ${m[0].split('\n')[0]}` });
  }
  return out;
}

const all = files(SRC).flatMap(importsOf);

describe('layers', () => {
  it('every src folder has a layer', () => {
    const folders = new Set(files(SRC).map(folderOf));
    expect([...folders].filter((f) => LAYER[f] === undefined)).toEqual([]);
  });

  it('imports point down the layers', () => {
    const upward = all.filter((i) => i.from !== i.to && !(i.typeOnly && TYPE_ONLY_TARGETS.has(i.to)) && LAYER[i.to]! >= LAYER[i.from]!);
    expect(upward.map((i) => i.line)).toEqual([]);
  });

  it('workflow code imports at run time only the lead process and itself', () => {
    const outside = all.filter((i) => i.from === 'workflows' && !i.typeOnly && !WORKFLOW_RUNTIME.has(i.to));
    expect(outside.map((i) => i.line)).toEqual([]);
  });
});

describe('SQL', () => {
  // Query building: a table called on a connection or transaction (db('leads'), trx<Row>('reps')), raw SQL,
  // or SQL functions from knex. db.transaction(fn) is a unit of work, not SQL, and may be opened elsewhere.
  const SQL = /\b(?:db|trx|knex|o\.db)(?:<[^>()]*>)?\(\s*['"`]|\.raw\(|\.fn\.now\(/;
  it('is spoken only in src/db', () => {
    const offenders = files(SRC)
      .filter((f) => folderOf(f) !== 'db')
      .flatMap((f) => fs.readFileSync(f, 'utf8').split('\n').map((line, i) => [f, i + 1, line] as const))
      .filter(([, , line]) => SQL.test(line))
      .map(([f, n, line]) => `${path.relative(SRC, f)}:${n}: ${line.trim()}`);
    expect(offenders).toEqual([]);
  });
});
