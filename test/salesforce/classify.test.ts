import { describe, expect, it } from 'vitest';
import { backoffDelay, classifyResponse, classifyThrown } from '../../src/salesforce/classify.js';

describe('classifyResponse', () => {
  it.each([
    [200, undefined, 'fail'],
    [400, 'MALFORMED_QUERY', 'fail'],
    [400, 'INVALID_FIELD', 'fail'],
    [401, 'INVALID_SESSION_ID', 'refresh'],
    [401, undefined, 'refresh'],
    [403, 'REQUEST_LIMIT_EXCEEDED', 'fail'],
    [403, 'INSUFFICIENT_ACCESS', 'fail'],
    [404, 'NOT_FOUND', 'fail'],
    [408, undefined, 'retry'],
    [420, undefined, 'retry'],
    [429, undefined, 'retry'],
    [500, undefined, 'retry'],
    [503, 'SERVER_UNAVAILABLE', 'retry'],
    [400, 'UNABLE_TO_LOCK_ROW', 'retry'],
  ] as const)('status %i with %s → %s', (status, code, verdict) => {
    expect(classifyResponse(status, code)).toBe(verdict);
  });
});

describe('classifyThrown', () => {
  const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
  it.each([
    ['reset', new TypeError('fetch failed', { cause: withCode('read ECONNRESET', 'ECONNRESET') }), 'retry'],
    ['refused', new TypeError('fetch failed', { cause: withCode('connect', 'ECONNREFUSED') }), 'retry'],
    [
      'body cut short',
      new TypeError('terminated', { cause: withCode('other side closed', 'UND_ERR_SOCKET') }),
      'retry',
    ],
    ['our timeout', Object.assign(new Error('no response'), { name: 'TimeoutError' }), 'retry'],
    ['caller abort', Object.assign(new Error('aborted'), { name: 'AbortError' }), 'fail'],
    ['a bug', new RangeError('bad index'), 'fail'],
  ])('%s → %s', (_name, error, verdict) => {
    expect(classifyThrown(error)).toBe(verdict);
  });
});

describe('backoffDelay', () => {
  it('grows exponentially up to the cap, with full jitter', () => {
    expect(backoffDelay(1, 100, 10_000, () => 0.999)).toBe(199);
    expect(backoffDelay(3, 100, 10_000, () => 0.999)).toBe(799);
    expect(backoffDelay(20, 100, 10_000, () => 0.999)).toBe(9990);
    expect(backoffDelay(5, 100, 10_000, () => 0)).toBe(0);
  });
});
