/**
 * The pure tests alone (lead state machine, routing core, units): no database, no Temporal server, seconds.
 * `npm run test:unit`; `npm test` runs them too, with everything else.
 */
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ['<rootDir>/test/lead', '<rootDir>/test/routing', '<rootDir>/test/unit'],
  globalSetup: undefined,
  globalTeardown: undefined,
};
