import { holdShared } from '../helpers/quiet';

// Every test file holds the machine shared, so a file measuring latency can have it alone (helpers/quiet.ts).
let release: (() => void) | undefined;
beforeAll(async () => {
  release = await holdShared();
}, 16 * 60_000);
afterAll(() => release?.());
