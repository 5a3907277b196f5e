/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'commonjs', ignoreDynamic: true },
        sourceMaps: 'inline',
      },
    ],
    // ECMAScript-only packages the code require()s (Node loads them as they are; Jest's loader needs CommonJS).
    '/node_modules/(openid-client|oauth4webapi|jose)/.+\\.js$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(openid-client|oauth4webapi|jose)/)'],
  globalSetup: '<rootDir>/test/setup/globalSetup.ts',
  globalTeardown: '<rootDir>/test/setup/globalTeardown.ts',
  setupFiles: ['<rootDir>/test/setup/env.ts'],
  // Every file holds the machine shared; files that measure latency against idle hold it alone.
  setupFilesAfterEnv: ['<rootDir>/test/setup/shared.ts'],
  testTimeout: 60000,
  // Jest's summary, then one plain closing line that CI's log reader counts.
  reporters: ['default', '<rootDir>/test/setup/closingLine.js'],
  // Two cores: one test file per core keeps the Temporal server and Postgres responsive.
  maxWorkers: 2,
};
