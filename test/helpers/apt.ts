import { execFileSync } from 'node:child_process';

/**
 * Installs Debian packages with apt-get when a test needs a program the machine lacks (Chromium, PgBouncer):
 * nothing to do by hand on a fresh machine. As root, or through passwordless sudo.
 */
export function aptInstall(packages: string[], why: string): void {
  const asRoot = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
  const apt = (...args: string[]) => {
    const [cmd, ...rest] = [...asRoot, 'apt-get', '-q', '-o', 'DPkg::Lock::Timeout=120', ...args];
    execFileSync(cmd!, rest, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: 600_000 });
  };
  process.stderr.write(`[${why}] installing Debian ${packages.join(', ')} with apt-get\n`);
  apt('update');
  apt('install', '-y', '--no-install-recommends', ...packages);
}
