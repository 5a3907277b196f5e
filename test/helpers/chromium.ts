import { existsSync } from 'node:fs';
import { aptInstall } from './apt';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/**
 * Debian's Chromium, installed with apt-get when it is missing, so the browser tests need nothing done by
 * hand. CHROMIUM_PATH points at another build.
 */
export function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  const found = CANDIDATES.find((p) => existsSync(p));
  if (found) return found;
  aptInstall(['chromium', 'fonts-liberation'], 'browser tests');
  const installed = CANDIDATES.find((p) => existsSync(p));
  if (!installed) throw new Error('apt-get installed chromium, yet no /usr/bin/chromium: set CHROMIUM_PATH');
  return installed;
}

/** Headless flags for a container: no sandbox (root), no GPU, no background traffic to Google. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--no-first-run'];
