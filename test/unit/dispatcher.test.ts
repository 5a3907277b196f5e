import { createLogger } from '../../src/logger';
import { dispatchRound, type DispatcherDeps } from '../../src/worker/dispatcher';

/**
 * The dispatcher's round runs each step on its own: a delivery that cannot be started must not keep waiting
 * leads from being woken (in CI a lead waiting for a rep's capacity sat unrouted past its 30 s wait).
 */
describe('a dispatcher round', () => {
  const o = { logger: createLogger('silent', 'test') } as unknown as DispatcherDeps;

  it('still wakes waiting leads and re-drives when handing on deliveries fails, and reports the failure', async () => {
    const ran: string[] = [];
    const poison = new Error('cannot start webhook-dlv_1');
    const failed = await dispatchRound(o, [
      async () => {
        ran.push('dispatch');
        throw poison;
      },
      async () => void ran.push('wake'),
      async () => void ran.push('redrive'),
    ]);
    expect(ran).toEqual(['dispatch', 'wake', 'redrive']);
    expect(failed).toEqual([poison]);
  });

  it('reports nothing when every step succeeds', async () => {
    expect(await dispatchRound(o, [async () => 1, async () => 2])).toEqual([]);
  });
});
