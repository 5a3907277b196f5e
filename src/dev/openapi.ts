import fs from 'node:fs';
import { allRoutes } from '../api/app';
import { buildOpenApi } from '../api/openapi';

/** The OpenAPI document the API serves, without starting it: `npm run openapi -- <file>` (stdout without one). */
export function openApiDocument(): ReturnType<typeof buildOpenApi> {
  return buildOpenApi(allRoutes());
}

if (require.main === module) {
  const text = `${JSON.stringify(openApiDocument(), null, 2)}\n`;
  const file = process.argv[2];
  if (file) fs.writeFileSync(file, text);
  else process.stdout.write(text);
}
