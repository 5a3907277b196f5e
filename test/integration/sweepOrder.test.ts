import { createDb } from '../../src/db/knex';
import { insertReceivedLead, leadsStuckRouting } from '../../src/db/leads';
import { newOrg, testConfig } from '../helpers/stack';

const db = createDb(testConfig().DATABASE_URL, 2);
afterAll(() => db.destroy());

describe('the sweeper', () => {
  it('finds a lead whose workflow never started even behind a backlog of ROUTING leads whose workflows run', async () => {
    const org = await newOrg(db);
    const backlog: string[] = [];
    for (let i = 0; i < 30; i++) backlog.push((await insertReceivedLead(db, org.orgId, { email: `backlog${i}@sweep.io` }, undefined))!.id);
    const stuck = (await insertReceivedLead(db, org.orgId, { email: 'never-started@sweep.io' }, undefined))!.id;
    // All received a minute ago; the backlog's workflows run (the API started them), the last one's start failed.
    await db('leads').where({ org_id: org.orgId }).update({ received_at: db.raw("now() - interval '1 minute'") });
    await db('leads').whereIn('id', backlog).update({ workflow_started_at: db.fn.now() });

    const swept = (await leadsStuckRouting(db, 10, 600, 10)).map((l) => l.id);
    expect(swept).toContain(stuck);
    expect(swept.filter((id) => backlog.includes(id))).toEqual([]);

    // A workflow seen running long ago that still has not routed its lead is looked at again.
    await db('leads').whereIn('id', backlog.slice(0, 2)).update({ workflow_started_at: db.raw("now() - interval '11 minutes'") });
    const again = (await leadsStuckRouting(db, 10, 600, 200)).map((l) => l.id);
    expect(again).toEqual(expect.arrayContaining([stuck, backlog[0], backlog[1]]));
    expect(again.filter((id) => backlog.slice(2).includes(id))).toEqual([]);
  });
});
