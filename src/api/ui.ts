import express, { Router, type RequestHandler } from 'express';
import fs from 'node:fs';
import { uiContentSecurityPolicy } from './headers';
import path from 'node:path';

/**
 * The browser pages: the API Playground (/docs), the dashboard (/dashboard) and the console (/console, the
 * React app in console/, built by Vite into dist/console). Everything they load comes from this server, so
 * they work offline and behind a firewall. They hold no secret: every call goes through the public API, with
 * a pasted key or the console's session cookie.
 */
const PAGES = path.join(__dirname, 'ui');
/**
 * The built console: <root>/dist/console when running from src, dist/console beside dist/src when running the
 * build. A build has an assets folder, which tells it from the sources in <root>/console.
 */
const CONSOLE_DIRS = [path.join(__dirname, '..', '..', 'dist', 'console'), path.join(__dirname, '..', '..', 'console')];
const consoleDir = (): string | undefined => CONSOLE_DIRS.find((d) => fs.existsSync(path.join(d, 'index.html')) && fs.existsSync(path.join(d, 'assets')));
const SWAGGER_UI = path.dirname(require.resolve('swagger-ui-dist/package.json'));
const CHART_JS = path.dirname(require.resolve('chart.js'));

const file = (dir: string, name: string): RequestHandler => (_req, res, next) => {
  res.sendFile(name, { root: dir, maxAge: '1h' }, (err) => err && next(err));
};

export function uiRouter(): Router {
  const router = Router();
  router.use(['/docs', '/dashboard', '/console', '/ui'], uiContentSecurityPolicy);
  // Asset names carry their content's hash, so they may be cached for good; the page itself never is.
  router.use('/console/assets', (req, res, next) => {
    const dir = consoleDir();
    if (!dir) return next();
    return express.static(path.join(dir, 'assets'), { index: false, immutable: true, maxAge: '365d', fallthrough: false })(req, res, next);
  });
  router.get(/^\/console(\/.*)?$/, (_req, res, next) => {
    const dir = consoleDir();
    if (!dir) {
      res.status(503).type('text/plain').send('The console is not built: run `npm run build` (or `npm run dev`, which builds it).\n');
      return;
    }
    res.sendFile('index.html', { root: dir, headers: { 'Cache-Control': 'no-cache' } }, (err) => err && next(err));
  });
  router.get(['/docs', '/docs/'], file(PAGES, 'docs.html'));
  router.get(['/dashboard', '/dashboard/'], file(PAGES, 'dashboard.html'));
  router.get('/ui/vendor/swagger-ui.css', file(SWAGGER_UI, 'swagger-ui.css'));
  router.get('/ui/vendor/swagger-ui-bundle.js', file(SWAGGER_UI, 'swagger-ui-bundle.js'));
  router.get('/ui/vendor/chart.umd.min.js', file(CHART_JS, 'chart.umd.min.js'));
  router.use('/ui', express.static(PAGES, { index: false, maxAge: '1h', extensions: false }));
  return router;
}
