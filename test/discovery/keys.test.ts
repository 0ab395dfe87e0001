import { describe, expect, it } from 'vitest';
import { chooseReplicationKey, keyPropertyFor } from '../../src/discovery/keys.js';
import type { FieldDescribe } from '../../src/salesforce/describe.js';

const dt = (...names: string[]): FieldDescribe[] => names.map((name) => ({ name, type: 'datetime' }));

describe('chooseReplicationKey', () => {
  it.each([
    ['all three stamps', dt('CreatedDate', 'LastModifiedDate', 'SystemModstamp'), 'SystemModstamp'],
    ['LastModifiedDate and CreatedDate', dt('CreatedDate', 'LastModifiedDate'), 'LastModifiedDate'],
    ['CreatedDate only', dt('CreatedDate'), 'CreatedDate'],
    ['no stamp', dt('LastViewedDate'), null],
    ['SystemModstamp that is not a datetime', [{ name: 'SystemModstamp', type: 'string' }], null],
  ])('given %s, then the key is %s', (_label, fields, key) => {
    const choice = chooseReplicationKey('Thing__c', fields);
    expect(choice.replicationKey).toBe(key);
    expect(choice.fullTableReason === null).toBe(key !== null);
  });

  it('given LoginHistory, then LoginTime is a candidate', () => {
    expect(chooseReplicationKey('LoginHistory', dt('LoginTime')).replicationKey).toBe('LoginTime');
    expect(chooseReplicationKey('Other', dt('LoginTime')).replicationKey).toBeNull();
  });

  it('given an object known to misbehave incrementally, then it is forced to FULL_TABLE', () => {
    const choice = chooseReplicationKey('LoginEvent', dt('CreatedDate', 'SystemModstamp'));
    expect(choice.replicationKey).toBeNull();
    expect(choice.fullTableReason).toMatch(/incremental/);
  });
});

describe('keyPropertyFor', () => {
  it('is Id except for the overrides', () => {
    expect(keyPropertyFor('Account')).toBe('Id');
    expect(keyPropertyFor('LightningUriEvent')).toBe('EventIdentifier');
  });
});
