import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import supertest from 'supertest';
import { startApi, type TestApi } from '../helpers/stack';

const run = promisify(execFile);
const root = path.resolve(__dirname, '..', '..');

async function cli(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: root, env: process.env });
}

let api: TestApi;
beforeAll(() => {
  api = startApi();
});
afterAll(() => api.close());

describe('admin CLI (npm run routeswit -- …)', () => {
  it('creates an organization, a secret key that works, a restricted key with scopes, and revokes keys', async () => {
    const org = JSON.parse((await cli('orgs', 'create', 'CLI', 'Test', 'Org')).stdout);
    expect(org.id).toMatch(/^org_/);
    expect(org.name).toBe('CLI Test Org');

    const created = await cli('keys', 'create', '--org', org.id, '--name', 'ops');
    const secret = JSON.parse(created.stdout);
    expect(secret.secret).toMatch(/^sk_live_/);
    expect(created.stderr).toMatch(/shown only this once/);
    const http = supertest(api.app);
    expect((await http.get('/v1/reps').set('Authorization', `Bearer ${secret.secret}`)).status).toBe(200);

    const restricted = JSON.parse((await cli('keys', 'create', '--org', org.id, '--restricted', '--scopes', 'reps:read,leads:write')).stdout);
    expect(restricted.secret).toMatch(/^rk_live_/);
    expect(restricted.scopes).toEqual(['leads:write', 'reps:read']);
    const rk = `Bearer ${restricted.secret}`;
    expect((await http.get('/v1/reps').set('Authorization', rk)).status).toBe(200);
    expect((await http.post('/v1/reps').set('Authorization', rk).send({ name: 'x', email: 'x@y.io' })).status).toBe(403);

    const revoked = JSON.parse((await cli('keys', 'revoke', secret.id)).stdout);
    expect(revoked.revoked_at).not.toBeNull();
    expect((await http.get('/v1/reps').set('Authorization', `Bearer ${secret.secret}`)).status).toBe(401);
  });

  it('explains bad usage and exits non-zero', async () => {
    await expect(cli('keys', 'create', '--org', 'org_nope')).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/--org/) });
    await expect(cli('keys', 'create', '--org', 'x', '--restricted', '--scopes', 'everything')).rejects.toMatchObject({ code: 2 });
  });
});
