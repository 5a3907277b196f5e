import path from 'node:path';
import { defineConfig } from 'vite';

// The console is served by the API at /console from dist/console; it reaches the API only through the
// generated client in clients/typescript, which the build bundles.
export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  logLevel: 'warn',
  build: {
    outDir: path.join(import.meta.dirname, '..', 'dist', 'console'),
    emptyOutDir: true,
    chunkSizeWarningLimit: 1024,
  },
  oxc: { jsx: { runtime: 'automatic' } },
});
