import { describe, expect, it } from 'vitest';
import {
  BULK_UNSUPPORTED_OBJECTS,
  describedExclusionReason,
  exclusionReason,
  QUERY_INCOMPATIBLE_OBJECTS,
  QUERY_RESTRICTED_OBJECTS,
} from '../../src/discovery/exclusions.js';

const obj = (name: string, extra: Record<string, unknown> = {}) => ({ name, queryable: true, ...extra });

describe('exclusionReason', () => {
  it('keeps an ordinary queryable object', () => {
    expect(exclusionReason(obj('Account'), 'REST')).toBeNull();
    expect(exclusionReason(obj('Account'), 'BULK')).toBeNull();
  });

  it.each([
    ['a non-queryable object', obj('AggregateResult', { queryable: false }), /not queryable/],
    ['a deprecated object', obj('Old__c', { deprecatedAndHidden: true }), /deprecated/],
    ['a change event', obj('AccountChangeEvent'), /change events/],
    ['a custom change event', obj('Everything__ChangeEvent'), /change events/],
    ['a query-restricted object', obj('ContentDocumentLink'), /query-restricted/],
    ['a query-incompatible object', obj('OpenActivity'), /query-incompatible/],
  ])('given %s, then it is left out under REST and BULK', (_label, sobject, reason) => {
    expect(exclusionReason(sobject, 'REST')).toMatch(reason);
    expect(exclusionReason(sobject, 'BULK')).toMatch(reason);
  });

  it('given an object the Bulk API refuses, then it is left out under BULK only', () => {
    expect(exclusionReason(obj('RecentlyViewed'), 'REST')).toBeNull();
    expect(exclusionReason(obj('RecentlyViewed'), 'BULK')).toMatch(/Bulk/);
  });

  it('holds the union of the singer-io and MeltanoLabs lists', () => {
    for (const name of ['FlowTestView', 'DatacloudAddress', 'ApexTypeImplementor', 'ContentDocumentLink']) {
      expect(QUERY_RESTRICTED_OBJECTS).toContain(name);
    }
    for (const name of [
      'AssetTokenEvent',
      'TaskWhoRelation',
      'FieldSecurityClassification',
      'WorkStepStatus',
    ]) {
      expect(BULK_UNSUPPORTED_OBJECTS).toContain(name);
    }
    expect(QUERY_INCOMPATIBLE_OBJECTS).toContain('QuoteTemplateRichTextData');
    const sorted = (list: readonly string[]) => [...list].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    expect(QUERY_RESTRICTED_OBJECTS).toEqual(sorted(QUERY_RESTRICTED_OBJECTS));
    expect(QUERY_INCOMPATIBLE_OBJECTS).toEqual(sorted(QUERY_INCOMPATIBLE_OBJECTS));
    expect(BULK_UNSUPPORTED_OBJECTS).toEqual(sorted(BULK_UNSUPPORTED_OBJECTS));
  });
});

describe('describedExclusionReason', () => {
  it('leaves out an object without Id', () => {
    expect(
      describedExclusionReason({ name: 'X', fields: [{ name: 'Name', type: 'string' }] }, new Set()),
    ).toMatch(/no Id/);
  });

  it('leaves out the tags of a custom setting, keeps other tags', () => {
    const tag = (target: string) => ({
      name: 'Setting__Tag',
      fields: [
        { name: 'Id', type: 'id' },
        { name: 'Item', type: 'reference', referenceTo: [target] },
      ],
    });
    expect(describedExclusionReason(tag('Setting__c'), new Set(['Setting__c']))).toMatch(/custom setting/);
    expect(describedExclusionReason(tag('Thing__c'), new Set(['Setting__c']))).toBeNull();
  });
});
