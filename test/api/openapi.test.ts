import { allRoutes } from '../../src/api/app';
import { openApiPath } from '../../src/api/route';
import { startApi, type TestApi } from '../helpers/stack';

let api: TestApi;
beforeAll(() => {
  api = startApi();
});
afterAll(() => api.close());

describe('GET /v1/openapi.json', () => {
  it('is public and an OpenAPI 3.1 document', async () => {
    const res = await api.http.get('/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(res.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('documents every route the server mounts, with its request schema and errors', async () => {
    const doc = (await api.http.get('/v1/openapi.json')).body;
    for (const r of allRoutes()) {
      const op = doc.paths[openApiPath(r.path)]?.[r.method];
      expect(op).toBeDefined();
      expect(op.responses['200']).toBeDefined();
      expect(op.responses['401'].$ref).toBe('#/components/responses/Unauthorized');
      expect(doc.components.responses.Unauthorized.content['application/json'].schema.$ref).toBe('#/components/schemas/Error');
      if (r.body) expect(op.requestBody.content['application/json'].schema).toBeDefined();
    }
  });

  it('derives request shapes from the validating zod schemas', async () => {
    const doc = (await api.http.get('/v1/openapi.json')).body;
    const repCreate = doc.components.schemas.RepCreate;
    expect(repCreate.required).toEqual(expect.arrayContaining(['name', 'email']));
    expect(repCreate.additionalProperties).toBe(false);
    expect(doc.components.schemas.RepStatus.enum).toEqual(['AVAILABLE', 'AWAY', 'OFFLINE']);
    const listParams = doc.paths['/v1/reps'].get.parameters.map((p: { name: string }) => p.name);
    expect(listParams).toEqual(expect.arrayContaining(['limit', 'cursor', 'status', 'team']));
  });
});
