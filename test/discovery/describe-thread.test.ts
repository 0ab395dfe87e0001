/*
 * The describe thread reads a composite answer as the main thread would (`described.ts`): the same entries
 * byte for byte, the same objects left out, error subresults passed through, and a body that is not an answer
 * refused. Once the worker is gone, or busy with as many answers as it may hold, answers are read here.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DescribeThread as Thread } from '../../src/discovery/describe-thread.js';
import type { describedObject as Described, DescribedSetup } from '../../src/discovery/described.js';
import type { SObjectDescribe } from '../../src/salesforce/describe.js';
import { ROOT } from '../helpers/tap.js';

// The worker runs the built file, so the classes come from dist/ too (`npm run build` first, as npm test does).
const { DescribeThread } = (await import(join(ROOT, 'dist/src/discovery/describe-thread.js'))) as {
  DescribeThread: typeof Thread;
};
const { describedObject } = (await import(join(ROOT, 'dist/src/discovery/described.js'))) as {
  describedObject: typeof Described;
};

const SETUP: DescribedSetup = { apiType: 'REST', selectFieldsByDefault: true };
const CUSTOM_SETTINGS = ['Setting__c'];

const account: SObjectDescribe = {
  name: 'Account',
  queryable: true,
  fields: [
    { name: 'Id', type: 'id', nillable: false },
    { name: 'Name', type: 'string', nillable: true, length: 255 },
    { name: 'AnnualRevenue', type: 'currency', nillable: true },
    { name: 'SystemModstamp', type: 'datetime', nillable: false },
    { name: 'Motto__c', type: 'textarea', nillable: true, calculated: true },
    { name: 'Note', type: 'string', nillable: true, compoundFieldName: 'Quote "and" \\ 名前 😀' },
  ],
};
const noId: SObjectDescribe = {
  name: 'NoId__c',
  queryable: true,
  fields: [{ name: 'Name', type: 'string' }],
};
const settingTag: SObjectDescribe = {
  name: 'Setting__Tag',
  queryable: true,
  fields: [
    { name: 'Id', type: 'id' },
    { name: 'Item', type: 'reference', referenceTo: ['Setting__c'] },
  ],
};
const notFound = {
  statusCode: 404,
  result: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }],
};

function answer(results: unknown[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      hasErrors: results.some((r) => (r as { statusCode: number }).statusCode >= 400),
      results,
    }),
  );
}

const described = (d: SObjectDescribe) => describedObject(d, SETUP, new Set(CUSTOM_SETTINGS));

let thread: Thread;
beforeEach(() => {
  thread = new DescribeThread(SETUP);
  thread.configure(CUSTOM_SETTINGS);
});
afterEach(async () => {
  await thread.close();
});

describe('DescribeThread', () => {
  it('reads an answer in the worker as the main thread would, error subresults passed through', async () => {
    const body = answer([
      { statusCode: 200, result: account },
      notFound,
      { statusCode: 200, result: noId },
      { statusCode: 200, result: settingTag },
    ]);
    const { results } = await thread.read(body);
    expect(thread.answersInWorker).toBe(1);
    expect(results).toEqual([
      { converted: described(account) },
      notFound,
      { converted: { kind: 'skipped', object: 'NoId__c', reason: 'it has no Id field' } },
      { converted: described(settingTag) },
    ]);
    expect(described(settingTag).kind).toBe('skipped');
    const entry = results[0] as { converted: { kind: 'entry'; bytes: Uint8Array } };
    expect(Buffer.from(entry.converted.bytes).toString()).toContain('"tap_stream_id": "Account"');
  });

  it('takes the body before read returns: the caller may reuse its memory at once', async () => {
    const body = answer([{ statusCode: 200, result: account }]);
    const pending = thread.read(body);
    body.fill(0x20);
    expect((await pending).results).toEqual([{ converted: described(account) }]);
  });

  it('refuses a body that is not an answer, as a parse would, so that the call is fetched again', async () => {
    await expect(
      thread.read(Buffer.from('{"hasErrors":false,"results":[{"statusCode":200,')),
    ).rejects.toThrow(SyntaxError);
  });

  it('reads an answer here while the worker holds as many as it may', async () => {
    const bodies = [account, noId, settingTag].map((d) => answer([{ statusCode: 200, result: d }]));
    const reads = bodies.map((body) => thread.read(body));
    expect(thread.answersInWorker).toBe(2);
    const results = await Promise.all(reads);
    expect(results.map((r) => r.results)).toEqual([
      [{ converted: described(account) }],
      [{ converted: described(noId) }],
      [{ converted: described(settingTag) }],
    ]);
  });

  it('once the worker is gone, reads answers here, the same way', async () => {
    await thread.close();
    const { results } = await thread.read(answer([{ statusCode: 200, result: account }, notFound]));
    expect(thread.answersInWorker).toBe(0);
    expect(results).toEqual([{ converted: described(account) }, notFound]);
  });
});
