import { invalid } from '../errors';
import { MAX_ATTRIBUTES } from '../schemas/leads';

/**
 * The attribute cap holds for what an object holds, not only for one request: three PATCHes of 100 new
 * attributes each must not leave 300. A merge that would pass it is refused whole, naming the count.
 */
export function checkAttributeCount(count: number, what: 'lead' | 'contact' | 'account'): void {
  if (count <= MAX_ATTRIBUTES) return;
  const message = `a ${what} holds at most ${MAX_ATTRIBUTES} attributes; this change would leave ${count} (set an attribute to null to remove it)`;
  throw invalid(`Invalid request body: attributes ${message}`, [{ path: 'attributes', message }]);
}
