import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Org, startOrg } from '../../org/index.js';
import {
  applyMageChoices,
  isMageInvocation,
  MageOutput,
  mageLogStream,
  mageMode,
  parseMageArgs,
  toMageEntry,
} from '../../src/mage.js';
import type { CatalogStream } from '../../src/singer/catalog.js';
import { BIN, NODE, ROOT } from '../helpers/tap.js';

const entry: CatalogStream = {
  tap_stream_id: 'Account',
  stream: 'Account',
  key_properties: ['Id'],
  replication_method: 'INCREMENTAL',
  replication_key: 'SystemModstamp',
  schema: { type: 'object', properties: { Id: { type: 'string' }, SystemModstamp: { type: 'string' } } },
  metadata: [
    {
      breadcrumb: [],
      metadata: { 'replication-method': 'INCREMENTAL', 'replication-key': 'SystemModstamp' },
    },
  ],
};

describe('Mage flags', () => {
  it('parses separate and = forms, keeps unknown flags aside, and picks the mode in Mage order', () => {
    const args = parseMageArgs([
      'mage',
      '--config_json={"a":1}',
      '--log_to_stdout',
      '1',
      '--selected_streams',
      '["Account"]',
      '--new_flag',
      'value',
      '--discover',
      '--discover_streams',
    ]);
    expect(args.values).toMatchObject({
      config_json: '{"a":1}',
      log_to_stdout: '1',
      selected_streams_json: '["Account"]',
    });
    expect(args.unknown).toEqual(['--new_flag']);
    expect(mageMode(args)).toBe('discover_streams');
    expect(mageMode(parseMageArgs(['--discover', '--test_connection']))).toBe('test_connection');
    expect(mageMode(parseMageArgs(['--config_json', '{}']))).toBe('sync');
    expect(isMageInvocation(['--config', 'c.json', '--discover'])).toBe(false);
    expect(isMageInvocation(['--config_json', '{}'])).toBe(true);
  });

  it('adds the catalog keys Mage reads, and applies what its UI edits', () => {
    const mage = toMageEntry(entry);
    expect(mage).toMatchObject({
      replication_method: 'INCREMENTAL',
      key_properties: ['Id'],
      replication_key: 'SystemModstamp',
      bookmark_properties: ['SystemModstamp'],
      unique_constraints: ['Id'],
      unique_conflict_method: 'UPDATE',
    });
    expect(mage.metadata[0]?.metadata.selected).toBe(false);
    const edited = applyMageChoices({ ...mage, replication_method: 'FULL_TABLE' });
    expect(edited.metadata[0]?.metadata['replication-method']).toBe('FULL_TABLE');
  });

  it('limits STATE to the run streams and adds Mage keys to SCHEMA', () => {
    const output = new MageOutput({ streams: [entry] }, new PassThrough());
    const state = JSON.parse(
      output.rewrite(
        JSON.stringify({
          type: 'STATE',
          value: { bookmarks: { Account: { SystemModstamp: 'x' }, Lead: {} } },
        }),
      ),
    );
    expect(state.value).toEqual({
      bookmarks: { Account: { SystemModstamp: 'x' } },
      currently_syncing: null,
      current_stream: 'Account',
    });
    const schema = JSON.parse(
      output.rewrite(
        JSON.stringify({ type: 'SCHEMA', stream: 'Account', schema: {}, key_properties: ['Id'] }),
      ),
    );
    expect(schema).toMatchObject({ replication_method: 'INCREMENTAL', unique_constraints: ['Id'] });
  });

  it('turns pino lines into Mage LOG lines in seconds, and keeps ERROR for fatal errors only', () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => {
      text += c.toString();
    });
    const stream = mageLogStream({ toStdout: true, out });
    stream.write(`${JSON.stringify({ level: 50, time: Date.now(), msg: 'retrying', stream: 'Account' })}\n`);
    const line = JSON.parse(text);
    expect(line).toMatchObject({
      type: 'LOG',
      level: 'WARNING',
      message: 'retrying',
      tags: { stream: 'Account' },
    });
    expect(line.timestamp).toBeLessThan(1e11);
  });
});

describe('Mage driver (a standard-library Python script that runs the shim as Mage does)', () => {
  let org: Org;
  beforeAll(async () => {
    org = await startOrg({ records: { Account: 250, Contact: 120 } });
  });
  afterAll(() => org?.close());

  it('passes discover, discover_streams, count, test connection, sample data and sync with Mage line rules', async () => {
    const config = JSON.stringify({
      domain: org.url,
      client_id: 'mage-client',
      client_secret: 'mage-secret',
      refresh_token: 'mage-refresh',
      start_date: '2020-01-01T00:00:00Z',
    });
    const result = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(
        'python3',
        [
          join(ROOT, 'test', 'ecosystem', 'mage_driver.py'),
          '--config-json',
          config,
          '--stream',
          'Account',
          '--other-stream',
          'Contact',
        ],
        {
          // Mage allows 10 s for a test connection; starting Node alone can take several seconds on a test
          // machine busy with other test files, so the driver gets more here.
          env: {
            ...process.env,
            SALESFORCE_TS_ENTRY: BIN,
            SALESFORCE_TS_NODE: NODE,
            MAGE_DRIVER_TIMEOUT: '30',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
      });
      child.stderr.on('data', (c: Buffer) => {
        out += c.toString();
      });
      child.on('close', (code) => resolve({ code, out }));
    });
    expect(result.out).toMatch(/\d+ passed, 0 failed/);
    expect(result.code, result.out).toBe(0);
  }, 180_000);
});
