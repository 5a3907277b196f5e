import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { routeswitDataConverter } from '../../src/temporal/codec';
import { tracedBundlePath } from '../../src/worker/worker';
import { quietTemporalRuntime, testConfig } from '../helpers/stack';

/**
 * Every recorded history replays against today's workflow code, built exactly as production builds it. A
 * change that would break a running workflow (a nondeterminism error) fails here, before it can land; guard
 * such a change with patched() (see the README's versioning policy). Record with `npm run replay:record`.
 */
const DIR = path.join(__dirname, 'histories');
const index = JSON.parse(fs.readFileSync(path.join(DIR, 'index.json'), 'utf8')) as { histories: Array<{ file: string; workflowId: string; shows: string }> };

describe('the recorded histories', () => {
  it('cover at least the lead scenarios the corpus promises', () => {
    expect(index.histories.length).toBeGreaterThanOrEqual(6);
    for (const h of index.histories) expect(fs.existsSync(path.join(DIR, h.file))).toBe(true);
  });

  // The traced bundle (the tracing interceptors added) must replay the same histories: tracing can be turned
  // on or off under running workflows.
  const bundles = { plain: process.env.TEST_WORKFLOW_BUNDLE!, traced: tracedBundlePath(process.env.TEST_WORKFLOW_BUNDLE!) };
  const cases = index.histories.flatMap((h) => (['plain', 'traced'] as const).map((b) => [h.file, b, h.shows, h.workflowId] as const));
  it.each(cases)('%s (%s bundle; %s) replays without nondeterminism', async (file, bundle, _shows, workflowId) => {
    quietTemporalRuntime();
    const history = historyFromJSON(JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')));
    await Worker.runReplayHistory(
      {
        workflowBundle: { codePath: bundles[bundle] },
        dataConverter: routeswitDataConverter(testConfig().ENCRYPTION_KEYS),
        replayName: file,
        // The traced bundle's workflows hand their spans to this sink; in a replay nothing is exported.
        ...(bundle === 'traced' ? { sinks: { exporter: { export: { fn: () => undefined } } } } : {}),
      },
      history,
      workflowId,
    );
  });
});
