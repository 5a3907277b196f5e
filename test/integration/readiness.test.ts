import { createDb } from '../../src/db/knex';
import { readiness } from '../../src/services/health';
import { createTemporal } from '../../src/temporal/client';
import { testConfig } from '../helpers/stack';

const config = testConfig();
const db = createDb(config.DATABASE_URL, 1);
const temporal = createTemporal(config);
afterAll(async () => {
  await db.destroy();
  await temporal.close();
});

it('says ready while every pooled connection is busy: the probe does not queue behind the traffic', async () => {
  let release!: () => void;
  const busy = db.transaction(async (trx) => {
    await trx.raw('SELECT 1');
    await new Promise<void>((r) => (release = r));
  });
  await new Promise((r) => setTimeout(r, 100));
  const r = await readiness({ db, temporal });
  release();
  await busy;
  // Queued behind the held connection, the Postgres check would have given up after its 2 s and said so: an
  // answer of ok is the proof, however slow a busy machine makes opening the probe's own connection.
  expect(r).toEqual({ ready: true, checks: { postgres: 'ok', temporal: 'ok' } });
});

it('says why not when Postgres does not answer', async () => {
  const dead = createDb('postgres://postgres@127.0.0.1:1/none', 1);
  try {
    const r = await readiness({ db: dead, temporal });
    expect(r.ready).toBe(false);
    expect(r.checks.postgres).toMatch(/ECONNREFUSED|connect/);
  } finally {
    await dead.destroy();
  }
});

it('stays ready when Temporal does not answer (every replica shares it), saying so in the checks', async () => {
  const away = createTemporal(testConfig({ TEMPORAL_ADDRESS: '127.0.0.1:1' }));
  try {
    const r = await readiness({ db, temporal: away });
    expect(r.ready).toBe(true);
    expect(r.checks.postgres).toBe('ok');
    expect(r.checks.temporal).toMatch(/TEMPORAL_ADDRESS/);
  } finally {
    await away.close();
  }
});

it('is not ready while the process drains for a stop', async () => {
  const r = await readiness({ db, temporal }, true);
  expect(r).toMatchObject({ ready: false, draining: true });
});
