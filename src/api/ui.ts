import express, { Router, type RequestHandler } from 'express';
import { uiContentSecurityPolicy } from './headers';
import path from 'node:path';

/**
 * The browser pages: the API Playground (/docs), the dashboard (/dashboard) and the console's sign-in (/console). Everything they load comes
 * from this server, from the project's own files and from npm packages, so they work offline and behind a
 * firewall. They hold no secret: the user pastes a key, and every call goes through the public API.
 */
const PAGES = path.join(__dirname, 'ui');
const SWAGGER_UI = path.dirname(require.resolve('swagger-ui-dist/package.json'));
const CHART_JS = path.dirname(require.resolve('chart.js'));

const file = (dir: string, name: string): RequestHandler => (_req, res, next) => {
  res.sendFile(name, { root: dir, maxAge: '1h' }, (err) => err && next(err));
};

export function uiRouter(): Router {
  const router = Router();
  router.use(['/docs', '/dashboard', '/console', '/ui'], uiContentSecurityPolicy);
  router.get(['/console', '/console/', '/console/accept'], file(PAGES, 'console.html'));
  router.get(['/docs', '/docs/'], file(PAGES, 'docs.html'));
  router.get(['/dashboard', '/dashboard/'], file(PAGES, 'dashboard.html'));
  router.get('/ui/vendor/swagger-ui.css', file(SWAGGER_UI, 'swagger-ui.css'));
  router.get('/ui/vendor/swagger-ui-bundle.js', file(SWAGGER_UI, 'swagger-ui-bundle.js'));
  router.get('/ui/vendor/chart.umd.min.js', file(CHART_JS, 'chart.umd.min.js'));
  router.use('/ui', express.static(PAGES, { index: false, maxAge: '1h', extensions: false }));
  return router;
}
