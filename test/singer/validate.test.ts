import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { validateCatalog, validateState } from '../../src/singer/validate.js';
import { planStream } from '../../src/sync/plan.js';
import { selectStream } from '../../src/sync/selection.js';
import { fullTableInProgress, resumeOrder } from '../../src/sync/state.js';

describe('validateState', () => {
  it.each([
    ['no state', undefined, { bookmarks: {}, currently_syncing: null }],
    ['empty object', {}, { bookmarks: {}, currently_syncing: null }],
    [
      'this tap',
      {
        bookmarks: { Account: { SystemModstamp: '2024-01-01T00:00:00.000Z' } },
        currently_syncing: 'Account',
      },
      {
        bookmarks: { Account: { SystemModstamp: '2024-01-01T00:00:00.000Z' } },
        currently_syncing: 'Account',
      },
    ],
    [
      'singer-io tap-salesforce (current_stream, versions, Bulk job keys)',
      {
        current_stream: 'Contact',
        bookmarks: {
          Account: { SystemModstamp: '2022-10-17T15:55:07.000000Z' },
          Contact: { SystemModstamp: '2022-10-17T15:55:07.000000Z', JobID: '750x', BatchIDs: ['751a'] },
        },
        versions: { Lead: 1700000000000 },
      },
      {
        currently_syncing: 'Contact',
        bookmarks: {
          Account: { SystemModstamp: '2022-10-17T15:55:07.000000Z' },
          Contact: { SystemModstamp: '2022-10-17T15:55:07.000000Z', JobID: '750x', BatchIDs: ['751a'] },
          Lead: { version: 1700000000000 },
        },
      },
    ],
    [
      'Meltano/Mage variant (version inside the bookmark)',
      { bookmarks: { Account: { version: 1666126272702, SystemModstamp: '2022-10-17T15:55:07.000000Z' } } },
      {
        bookmarks: { Account: { version: 1666126272702, SystemModstamp: '2022-10-17T15:55:07.000000Z' } },
        currently_syncing: null,
      },
    ],
    [
      'a whole STATE message',
      { type: 'STATE', value: { bookmarks: { A: { last_id: '001', version: 5 } } } },
      { bookmarks: { A: { last_id: '001', version: 5 } }, currently_syncing: null },
    ],
  ])('reads %s', (_name, input, want) => expect(validateState(input, 'state.json')).toEqual(want));

  it.each([
    ['an array', []],
    ['a string', 'x'],
    ['bookmarks as an array', { bookmarks: [] }],
    ['a bookmark that is not an object', { bookmarks: { Account: '2024-01-01' } }],
    ['a string version', { bookmarks: { Account: { version: 'v1' } } }],
    ['currently_syncing as a number', { currently_syncing: 3 }],
  ])('refuses %s with a ConfigError naming the file', (_name, input) => {
    expect(() => validateState(input, 'state.json')).toThrow(ConfigError);
    expect(() => validateState(input, 'state.json')).toThrow(/state\.json/);
  });
});

describe('validateCatalog', () => {
  it('accepts a minimal catalog', () => {
    const catalog = {
      streams: [{ tap_stream_id: 'A', stream: 'A', schema: { type: 'object' }, metadata: [] }],
    };
    expect(validateCatalog(catalog, 'c.json')).toBe(catalog);
  });

  it.each([
    ['no streams', {}],
    ['a stream without schema', { streams: [{ tap_stream_id: 'A' }] }],
    [
      'duplicate streams',
      {
        streams: [
          { tap_stream_id: 'A', stream: 'A', schema: {}, metadata: [] },
          { tap_stream_id: 'A', stream: 'A', schema: {}, metadata: [] },
        ],
      },
    ],
  ])('refuses %s', (_name, input) => expect(() => validateCatalog(input, 'c.json')).toThrow(ConfigError));
});

describe('plans from state', () => {
  const selection = selectStream({
    tap_stream_id: 'Account',
    stream: 'Account',
    schema: {
      type: 'object',
      properties: {
        Id: { type: 'string' },
        SystemModstamp: { type: ['null', 'string'], format: 'date-time' },
      },
    },
    metadata: [
      {
        breadcrumb: [],
        metadata: {
          selected: true,
          'replication-method': 'INCREMENTAL',
          'replication-key': 'SystemModstamp',
        },
      },
    ],
  });
  const config = { startDate: '2020-01-01T00:00:00.000Z', lookbackWindowSeconds: 10 };
  const now = new Date('2024-06-01T12:00:00.750Z');

  it('starts at start_date without a bookmark, and stops at the signpost (the sync start, whole seconds)', () => {
    const plan = planStream(selection, undefined, config, now);
    expect(plan.start).toBe('2020-01-01T00:00:00.000Z');
    expect(plan.signpost).toBe('2024-06-01T12:00:00.000Z');
  });

  it('starts at a Python-tap bookmark minus the lookback window', () => {
    const plan = planStream(selection, { SystemModstamp: '2022-10-17T15:55:07.000000Z' }, config, now);
    expect(plan.start).toBe('2022-10-17T15:54:57.000Z');
  });

  it('refuses a bookmark that is not a date-time', () => {
    expect(() => planStream(selection, { SystemModstamp: 'yesterday' }, config, now)).toThrow(ConfigError);
  });

  it('tells an interrupted full-table run from a finished one', () => {
    expect(fullTableInProgress({ version: 5, last_id: '001' })).toBe(true);
    expect(fullTableInProgress({ version: 5 })).toBe(false);
    expect(fullTableInProgress({ version: 5, SystemModstamp: '2024-01-01T00:00:00Z' })).toBe(false);
    expect(fullTableInProgress(undefined)).toBe(false);
  });

  it('resumes at the stream that was syncing', () => {
    const streams = [{ stream: 'A' }, { stream: 'B' }, { stream: 'C' }];
    expect(resumeOrder(streams, 'B').map((s) => s.stream)).toEqual(['B', 'A', 'C']);
    expect(resumeOrder(streams, 'Z').map((s) => s.stream)).toEqual(['A', 'B', 'C']);
  });
});
