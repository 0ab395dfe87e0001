import { describe, expect, it } from 'vitest';
import { buildSoql, chunkFields, soqlLiteral, soqlString } from '../../src/salesforce/soql.js';

describe('buildSoql', () => {
  it.each([
    [
      'incremental window ordered by key then Id',
      {
        object: 'Account',
        fields: ['Id', 'Name', 'SystemModstamp'],
        replicationKey: 'SystemModstamp',
        start: '2024-01-01T00:00:00.000Z',
        end: '2024-02-01T10:20:30.999Z',
        orderById: true,
      },
      'SELECT Id,Name,SystemModstamp FROM Account WHERE SystemModstamp >= 2024-01-01T00:00:00Z AND SystemModstamp < 2024-02-01T10:20:30Z ORDER BY SystemModstamp ASC, Id ASC',
    ],
    [
      'incremental without Id',
      {
        object: 'X',
        fields: ['CreatedDate'],
        replicationKey: 'CreatedDate',
        start: '2024-01-01T00:00:00Z',
        end: null,
      },
      'SELECT CreatedDate FROM X WHERE CreatedDate >= 2024-01-01T00:00:00Z ORDER BY CreatedDate ASC',
    ],
    [
      'date-typed key',
      {
        object: 'X',
        fields: ['Id', 'Day__c'],
        replicationKey: 'Day__c',
        keyType: 'date' as const,
        start: '2024-01-05T12:00:00Z',
        end: '2024-02-01T00:00:00Z',
      },
      'SELECT Id,Day__c FROM X WHERE Day__c >= 2024-01-05 AND Day__c < 2024-02-01 ORDER BY Day__c ASC',
    ],
    [
      'full table, first page of a resumable run',
      { object: 'NoStamp__c', fields: ['Id', 'Name'], orderById: true },
      'SELECT Id,Name FROM NoStamp__c ORDER BY Id ASC',
    ],
    [
      'full table resumed after an Id',
      { object: 'NoStamp__c', fields: ['Id', 'Name'], orderById: true, afterId: "a04'x" },
      "SELECT Id,Name FROM NoStamp__c WHERE Id > 'a04\\'x' ORDER BY Id ASC",
    ],
    ['full table without Id', { object: 'Y', fields: ['Name'] }, 'SELECT Name FROM Y'],
  ])('%s', (_name, options, soql) => expect(buildSoql(options)).toBe(soql));

  it('floors literals to the second, in UTC, from any offset', () => {
    expect(soqlLiteral('2024-01-31T12:34:56.789+0200'.replace('+0200', '+02:00'))).toBe(
      '2024-01-31T10:34:56Z',
    );
    expect(soqlLiteral('2024-01-31T12:34:56.789Z', 'date')).toBe('2024-01-31');
    expect(() => soqlLiteral('yesterday')).toThrow();
  });

  it('escapes string literals', () => {
    expect(soqlString("O'Brien\\")).toBe("'O\\'Brien\\\\'");
  });
});

describe('chunkFields', () => {
  const fields = ['Id', 'SystemModstamp', ...Array.from({ length: 20 }, (_, i) => `Field_${i}__c`)];
  const fits = (group: string[]) => group.join(',').length <= 80;

  it('keeps one group when everything fits', () => {
    expect(chunkFields(['Id', 'A', 'B'], ['Id'], () => true)).toEqual([['Id', 'A', 'B']]);
  });

  it('splits into groups that fit, each led by the merge keys, every field exactly once', () => {
    const groups = chunkFields(fields, ['Id', 'SystemModstamp'], fits);
    expect(groups.length).toBeGreaterThan(1);
    for (const group of groups) {
      expect(group.slice(0, 2)).toEqual(['Id', 'SystemModstamp']);
      expect(fits(group)).toBe(true);
    }
    const rest = groups.flatMap((g) => g.slice(2));
    expect(rest).toEqual(fields.slice(2));
  });
});
