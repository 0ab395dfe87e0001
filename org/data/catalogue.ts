// The object catalogue: which sObjects the org has, their fields and describeGlobal flags.

import type { FieldSpec } from './fields.js';
import type { Address } from './pools.js';
import { COMPANY_WORDS, EMAILS, PHONES, STRESS_TEXT, URLS } from './pools.js';

export interface ObjectDef {
  name: string;
  label: string;
  labelPlural: string;
  keyPrefix: string;
  custom: boolean;
  queryable: boolean;
  /** Bulk API job creation answers INVALIDENTITY */
  bulkRefused?: boolean;
  /** objects whose rows are never generated (describe-only) */
  fields: FieldSpec[];
  defaultCount: number;
  /** which timestamp carries row order (SystemModstamp, or CreatedDate for CreatedOnly objects) */
  orderStamp: 'SystemModstamp' | 'CreatedDate' | null;
  hasIsDeleted: boolean;
}

type Stamps = 'full' | 'createdOnly' | 'none';

function system(stamps: Stamps, deletable = true): FieldSpec[] {
  const f: FieldSpec[] = [{ name: 'Id', type: 'id', label: 'Record ID' }];
  if (deletable) f.push({ name: 'IsDeleted', type: 'boolean', label: 'Deleted', gen: { kind: 'deleted' } });
  if (stamps !== 'none') {
    f.push({
      name: 'CreatedDate',
      type: 'datetime',
      nillable: false,
      gen: { kind: 'stamp', which: 'created' },
    });
    f.push(userRef('CreatedById', 'CreatedBy'));
  }
  if (stamps === 'full') {
    f.push({
      name: 'LastModifiedDate',
      type: 'datetime',
      nillable: false,
      gen: { kind: 'stamp', which: 'lastMod' },
    });
    f.push(userRef('LastModifiedById', 'LastModifiedBy'));
    f.push({
      name: 'SystemModstamp',
      type: 'datetime',
      nillable: false,
      gen: { kind: 'stamp', which: 'stamp' },
    });
  }
  return f;
}

function userRef(name: string, rel: string, nillable = false): FieldSpec {
  return { name, type: 'reference', referenceTo: ['User'], relationshipName: rel, nillable };
}

function ref(name: string, to: string, rel: string | null): FieldSpec {
  return { name, type: 'reference', referenceTo: [to], relationshipName: rel };
}

function pick(name: string, values: string[], type: 'picklist' | 'multipicklist' = 'picklist'): FieldSpec {
  return { name, type, picklist: values };
}

function text(name: string, pool: readonly (string | null)[], length = 255): FieldSpec {
  return { name, type: 'string', length, gen: { kind: 'text', pool } };
}

function address(prefix: string): FieldSpec[] {
  const compound = `${prefix}Address`;
  const part = (
    suffix: string,
    p: keyof Address,
    type: FieldSpec['type'],
    extra: Partial<FieldSpec> = {},
  ): FieldSpec => ({
    name: `${prefix}${suffix}`,
    type,
    compoundFieldName: compound,
    gen: { kind: 'address', compound, part: p },
    ...extra,
  });
  return [
    part('Street', 'street', 'textarea', { length: 255 }),
    part('City', 'city', 'string', { length: 40 }),
    part('State', 'state', 'string', { length: 80 }),
    part('PostalCode', 'postalCode', 'string', { length: 20 }),
    part('Country', 'country', 'string', { length: 80 }),
    part('Latitude', 'latitude', 'double', { precision: 18, scale: 15 }),
    part('Longitude', 'longitude', 'double', { precision: 18, scale: 15 }),
    part('GeocodeAccuracy', 'geocodeAccuracy', 'picklist', {
      picklist: ['Address', 'NearAddress', 'Block', 'Street', 'ExtendedZip', 'Zip', 'Neighborhood', 'City'],
    }),
    { name: compound, type: 'address' },
  ];
}

const INDUSTRIES = ['Agriculture', 'Banking', 'Biotechnology', 'Chemicals', 'Communications', 'Technology'];
const STAGES = ['Prospecting', 'Qualification', 'Needs Analysis', 'Closed Won', 'Closed Lost'];

function account(): FieldSpec[] {
  return [
    ...system('full').slice(0, 2),
    ref('MasterRecordId', 'Account', 'MasterRecord'),
    { name: 'Name', type: 'string', nameField: true, gen: { kind: 'name', prefix: 'Account' } },
    pick('Type', ['Prospect', 'Customer - Direct', 'Customer - Channel', 'Partner', 'Other']),
    ref('ParentId', 'Account', 'Parent'),
    ...address('Billing'),
    ...address('Shipping'),
    { name: 'Phone', type: 'phone', length: 40 },
    { name: 'Fax', type: 'phone', length: 40 },
    text('AccountNumber', ['CD451796', 'A-0001', null, 'GC-44,01'], 40),
    { name: 'Website', type: 'url' },
    { name: 'PhotoUrl', type: 'url' },
    text('Sic', ['6576', '2682', null], 20),
    pick('Industry', INDUSTRIES),
    { name: 'AnnualRevenue', type: 'currency', precision: 18, scale: 0 },
    { name: 'NumberOfEmployees', type: 'int', digits: 8 },
    pick('Ownership', ['Public', 'Private', 'Subsidiary', 'Other']),
    text('TickerSymbol', ['ACME', 'GLBX', null], 20),
    { name: 'Description', type: 'textarea', length: 32000, gen: { kind: 'stress' } },
    pick('Rating', ['Hot', 'Warm', 'Cold']),
    text('Site', ['HQ', 'Branch "North"', null], 80),
    userRef('OwnerId', 'Owner'),
    ...system('full').slice(2),
    { name: 'LastActivityDate', type: 'date' },
    { name: 'LastViewedDate', type: 'datetime' },
    { name: 'LastReferencedDate', type: 'datetime' },
    { name: 'IsCustomerPortal', type: 'boolean' },
    text('Jigsaw', ['12345', null], 20),
    text('JigsawCompanyId', ['JC-1', null], 20),
    pick('CleanStatus', ['Matched', 'Different', 'Acknowledged', 'NotFound', 'Inactive', 'Pending']),
    pick('AccountSource', ['Web', 'Phone Inquiry', 'Partner Referral', 'Purchased List', 'Other']),
    text('DunsNumber', ['123456789', null], 9),
    text('Tradestyle', COMPANY_WORDS, 255),
    text('NaicsCode', ['541511', null], 8),
    text('NaicsDesc', ['Custom Computer Programming Services', null], 120),
    text('YearStarted', ['1999', '2012', null], 4),
    text('SicDesc', ['Software, "packaged"', null], 80),
    ref('DandbCompanyId', 'DandBCompany', 'DandbCompany'),
    ref('OperatingHoursId', 'OperatingHours', 'OperatingHours'),
    pick('CustomerPriority__c', ['High', 'Low', 'Medium']),
    pick('SLA__c', ['Gold', 'Silver', 'Platinum', 'Bronze']),
    pick('Active__c', ['No', 'Yes']),
    { name: 'NumberofLocations__c', type: 'double', precision: 3, scale: 0 },
    pick('UpsellOpportunity__c', ['Maybe', 'No', 'Yes']),
    text('SLASerialNumber__c', ['SN-001', 'SN,002', null], 10),
    { name: 'SLAExpirationDate__c', type: 'date' },
  ];
}

function contact(): FieldSpec[] {
  return [
    ...system('full').slice(0, 2),
    ref('MasterRecordId', 'Contact', 'MasterRecord'),
    ref('AccountId', 'Account', 'Account'),
    text('LastName', ["O'Brien", 'Smith', 'García', 'Nguyen', 'Müller'], 80),
    text('FirstName', ['Ada', 'Grace', 'Zoë', 'José', null], 40),
    pick('Salutation', ['Mr.', 'Ms.', 'Mrs.', 'Dr.', 'Prof.']),
    { name: 'Name', type: 'string', nameField: true, gen: { kind: 'person' } },
    ...address('Other'),
    ...address('Mailing'),
    { name: 'Phone', type: 'phone', length: 40 },
    { name: 'MobilePhone', type: 'phone', length: 40 },
    { name: 'Email', type: 'email', length: 80 },
    text('Title', ['CEO', 'VP, Sales', 'Engineer "II"', null], 128),
    text('Department', ['Sales', 'R&D', null], 80),
    pick('LeadSource', ['Web', 'Phone Inquiry', 'Partner Referral', 'Other']),
    { name: 'Birthdate', type: 'date' },
    { name: 'Description', type: 'textarea', length: 32000, gen: { kind: 'stress' } },
    userRef('OwnerId', 'Owner'),
    { name: 'HasOptedOutOfEmail', type: 'boolean' },
    { name: 'DoNotCall', type: 'boolean' },
    ...system('full').slice(2),
    { name: 'LastActivityDate', type: 'date' },
    { name: 'EmailBouncedDate', type: 'datetime' },
  ];
}

function opportunity(): FieldSpec[] {
  return [
    ...system('full').slice(0, 2),
    ref('AccountId', 'Account', 'Account'),
    { name: 'IsPrivate', type: 'boolean' },
    {
      name: 'Name',
      type: 'string',
      length: 120,
      nameField: true,
      gen: { kind: 'name', prefix: 'Opportunity' },
    },
    { name: 'Description', type: 'textarea', length: 32000, gen: { kind: 'stress' } },
    pick('StageName', STAGES),
    { name: 'Amount', type: 'currency', precision: 18, scale: 2 },
    { name: 'Probability', type: 'percent', precision: 3, scale: 0 },
    { name: 'ExpectedRevenue', type: 'currency', calculated: true, formula: 'Amount * Probability' },
    { name: 'TotalOpportunityQuantity', type: 'double' },
    { name: 'CloseDate', type: 'date', nillable: false },
    pick('Type', ['Existing Customer - Upgrade', 'New Customer']),
    text('NextStep', ['Call back', 'Send "quote"', null], 255),
    pick('LeadSource', ['Web', 'Phone Inquiry', 'Other']),
    { name: 'IsClosed', type: 'boolean' },
    { name: 'IsWon', type: 'boolean' },
    pick('ForecastCategoryName', ['Omitted', 'Pipeline', 'Best Case', 'Commit', 'Closed']),
    userRef('OwnerId', 'Owner'),
    ...system('full').slice(2),
    { name: 'LastActivityDate', type: 'date' },
    { name: 'FiscalQuarter', type: 'int', digits: 11 },
    { name: 'FiscalYear', type: 'int', digits: 11 },
  ];
}

function lead(): FieldSpec[] {
  return [
    ...system('full').slice(0, 2),
    text('LastName', ['Smith', 'Tanaka', 'Dubois'], 80),
    text('FirstName', ['Mei', 'Olu', null], 40),
    { name: 'Name', type: 'string', nameField: true, gen: { kind: 'person' } },
    text('Company', COMPANY_WORDS, 255),
    ...address(''),
    { name: 'Phone', type: 'phone' },
    { name: 'Email', type: 'email' },
    pick('Status', ['Open - Not Contacted', 'Working - Contacted', 'Closed - Converted']),
    pick('Industry', INDUSTRIES),
    { name: 'AnnualRevenue', type: 'currency' },
    { name: 'NumberOfEmployees', type: 'int' },
    { name: 'IsConverted', type: 'boolean' },
    { name: 'ConvertedDate', type: 'date' },
    ref('ConvertedAccountId', 'Account', 'ConvertedAccount'),
    {
      name: 'OwnerId',
      type: 'reference',
      referenceTo: ['Group', 'User'],
      relationshipName: 'Owner',
      nillable: false,
    },
    ...system('full').slice(2),
  ];
}

function caseFields(): FieldSpec[] {
  return [
    ...system('full').slice(0, 2),
    ref('MasterRecordId', 'Case', 'MasterRecord'),
    text('CaseNumber', ['00001001', '00001002'], 30),
    ref('ContactId', 'Contact', 'Contact'),
    ref('AccountId', 'Account', 'Account'),
    ref('ParentId', 'Case', 'Parent'),
    text('Subject', STRESS_TEXT, 255),
    pick('Status', ['New', 'Working', 'Escalated', 'Closed']),
    pick('Priority', ['High', 'Medium', 'Low']),
    pick('Origin', ['Phone', 'Email', 'Web']),
    { name: 'Description', type: 'textarea', length: 32000, gen: { kind: 'stress' } },
    { name: 'IsClosed', type: 'boolean' },
    { name: 'ClosedDate', type: 'datetime' },
    { name: 'IsEscalated', type: 'boolean' },
    {
      name: 'OwnerId',
      type: 'reference',
      referenceTo: ['Group', 'User'],
      relationshipName: 'Owner',
      nillable: false,
    },
    ...system('full').slice(2),
  ];
}

function user(): FieldSpec[] {
  return [
    { name: 'Id', type: 'id' },
    text('Username', ['user@example.com'], 80),
    text('LastName', ['Smith', 'Tanaka'], 80),
    text('FirstName', ['Ada', 'Grace', null], 40),
    { name: 'Name', type: 'string', nameField: true, gen: { kind: 'person' } },
    text('CompanyName', COMPANY_WORDS, 80),
    text('Division', ['EMEA', 'AMER', null], 80),
    ...address(''),
    { name: 'Email', type: 'email', nillable: false },
    { name: 'Phone', type: 'phone' },
    text('Alias', ['ada', 'grace'], 8),
    { name: 'IsActive', type: 'boolean' },
    pick('TimeZoneSidKey', ['America/Los_Angeles', 'Europe/London', 'Asia/Tokyo']),
    pick('UserType', ['Standard', 'PowerPartner', 'CsnOnly']),
    ref('ManagerId', 'User', 'Manager'),
    { name: 'LastLoginDate', type: 'datetime' },
    ...system('full').slice(1),
  ];
}

function task(): FieldSpec[] {
  return [
    ...system('full').slice(0, 2),
    { name: 'WhoId', type: 'reference', referenceTo: ['Contact', 'Lead'], relationshipName: 'Who' },
    { name: 'WhatId', type: 'reference', referenceTo: ['Account', 'Opportunity'], relationshipName: 'What' },
    text('Subject', ['Call', 'Email "follow-up"', 'Send Letter, Quote'], 255),
    { name: 'ActivityDate', type: 'date' },
    pick('Status', ['Not Started', 'In Progress', 'Completed']),
    pick('Priority', ['High', 'Normal', 'Low']),
    { name: 'IsHighPriority', type: 'boolean' },
    {
      name: 'OwnerId',
      type: 'reference',
      referenceTo: ['Group', 'User'],
      relationshipName: 'Owner',
      nillable: false,
    },
    { name: 'Description', type: 'textarea', length: 32000, gen: { kind: 'stress' } },
    { name: 'IsClosed', type: 'boolean' },
    ref('AccountId', 'Account', 'Account'),
    ...system('full').slice(2),
    { name: 'IsArchived', type: 'boolean' },
    { name: 'CallDurationInSeconds', type: 'int' },
    pick('TaskSubtype', ['Task', 'Email', 'Call']),
  ];
}

function everything(): FieldSpec[] {
  return [
    ...system('full').slice(0, 2),
    {
      name: 'Name',
      type: 'string',
      length: 80,
      nameField: true,
      gen: { kind: 'name', prefix: 'Everything' },
    },
    userRef('OwnerId', 'Owner'),
    ...system('full').slice(2),
    { name: 'Text__c', type: 'string', length: 255, gen: { kind: 'stress' } },
    { name: 'TextArea__c', type: 'textarea', length: 131072, gen: { kind: 'stress', long: true } },
    pick('Picklist__c', ['Alpha', 'Beta', 'Gamma, with comma', 'Δelta']),
    pick('Multi__c', ['Red', 'Green', 'Blue'], 'multipicklist'),
    { name: 'Combo__c', type: 'combobox', picklist: ['One', 'Two'] },
    { name: 'Checkbox__c', type: 'boolean' },
    { name: 'Int__c', type: 'int', digits: 9 },
    { name: 'Long__c', type: 'long' },
    { name: 'Double__c', type: 'double', precision: 18, scale: 6 },
    { name: 'Currency__c', type: 'currency', precision: 16, scale: 2 },
    { name: 'Percent__c', type: 'percent', precision: 5, scale: 2 },
    { name: 'Date__c', type: 'date' },
    { name: 'DateTime__c', type: 'datetime' },
    { name: 'Time__c', type: 'time' },
    { name: 'Url__c', type: 'url' },
    { name: 'Email__c', type: 'email' },
    { name: 'Phone__c', type: 'phone' },
    ref('Account__c', 'Account', 'Account__r'),
    { name: 'Secret__c', type: 'encryptedstring', length: 175 },
    { name: 'Blob__c', type: 'base64', length: 32000 },
    {
      name: 'Location__Latitude__s',
      type: 'double',
      precision: 9,
      scale: 6,
      compoundFieldName: 'Location__c',
      gen: { kind: 'location', compound: 'Location__c', part: 'latitude' },
    },
    {
      name: 'Location__Longitude__s',
      type: 'double',
      precision: 9,
      scale: 6,
      compoundFieldName: 'Location__c',
      gen: { kind: 'location', compound: 'Location__c', part: 'longitude' },
    },
    { name: 'Location__c', type: 'location' },
    {
      name: 'Formula__c',
      type: 'string',
      length: 1300,
      calculated: true,
      formula: "Name & ' / ' & TEXT(Picklist__c)",
    },
    { name: 'Any__c', type: 'anyType' },
    { name: 'Payload__c', type: 'json' },
    { name: 'Null__c', type: 'string', nullPct: 100 },
  ];
}

function wide(): FieldSpec[] {
  const f: FieldSpec[] = [
    ...system('full').slice(0, 2),
    { name: 'Name', type: 'string', length: 80, nameField: true, gen: { kind: 'name', prefix: 'Wide' } },
    ...system('full').slice(2),
  ];
  const types: FieldSpec['type'][] = ['string', 'double', 'boolean', 'date', 'datetime', 'int', 'picklist'];
  for (let i = 1; i <= 800; i++) {
    const t = types[i % types.length] ?? 'string';
    const name = `Quarterly_Regional_Performance_Metric_${String(i).padStart(4, '0')}__c`;
    f.push(t === 'picklist' ? pick(name, ['A', 'B', 'C']) : { name, type: t });
  }
  return f;
}

function history(parent: string, parentField: string): FieldSpec[] {
  return [
    { name: 'Id', type: 'id' },
    { name: 'IsDeleted', type: 'boolean', gen: { kind: 'deleted' } },
    { ...ref(parentField, parent, parent), nillable: false },
    userRef('CreatedById', 'CreatedBy'),
    { name: 'CreatedDate', type: 'datetime', nillable: false, gen: { kind: 'stamp', which: 'created' } },
    pick('Field', ['Name', 'Owner', 'created', 'Industry']),
    pick('DataType', ['Text', 'EntityId', 'Picklist']),
    { name: 'OldValue', type: 'anyType' },
    { name: 'NewValue', type: 'anyType' },
  ];
}

function share(field: string, parent: string): FieldSpec[] {
  return [
    { name: 'Id', type: 'id' },
    { ...ref(`${field}Id`, parent, field), nillable: false },
    {
      name: 'UserOrGroupId',
      type: 'reference',
      referenceTo: ['Group', 'User'],
      relationshipName: 'UserOrGroup',
    },
    pick(`${field}AccessLevel`, ['Read', 'Edit', 'All']),
    pick('RowCause', ['Owner', 'Manual', 'Rule']),
    { name: 'LastModifiedDate', type: 'datetime', gen: { kind: 'stamp', which: 'lastMod' } },
    userRef('LastModifiedById', 'LastModifiedBy'),
    { name: 'IsDeleted', type: 'boolean', gen: { kind: 'deleted' } },
  ];
}

function feed(parent: string): FieldSpec[] {
  return [
    ...system('full').slice(0, 2),
    { ...ref('ParentId', parent, 'Parent'), nillable: false },
    pick('Type', ['TextPost', 'LinkPost', 'TrackedChange']),
    ...system('full').slice(2),
    { name: 'CommentCount', type: 'int' },
    { name: 'LikeCount', type: 'int' },
    text('Title', ['Hello', null], 255),
    { name: 'Body', type: 'textarea', gen: { kind: 'stress' } },
    { name: 'LinkUrl', type: 'url' },
  ];
}

function changeEvent(): FieldSpec[] {
  return [
    { name: 'Id', type: 'id' },
    text('ReplayId', ['1'], 255),
    { name: 'ChangeEventHeader', type: 'anyType' },
  ];
}

function filler(n: number): FieldSpec[] {
  return [
    ...system('full').slice(0, 2),
    { name: 'Name', type: 'string', length: 80, nameField: true, gen: { kind: 'name', prefix: `Item${n}` } },
    userRef('OwnerId', 'Owner'),
    ...system('full').slice(2),
    { name: 'Amount__c', type: 'currency' },
    { name: 'Status__c', type: 'picklist', picklist: ['Open', 'Closed'] },
    { name: 'Notes__c', type: 'textarea', length: 1000, gen: { kind: 'stress' } },
    { name: 'Due__c', type: 'date' },
  ];
}

const FILLER_STEMS = [
  'Invoice',
  'Shipment',
  'Project',
  'Asset_Tag',
  'Survey_Response',
  'Warranty',
  'Territory_Plan',
  'Vendor',
  'Course',
  'Booking',
  'Sensor_Reading',
  'Claim',
];

function prefixFor(n: number): string {
  const chars = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  return `a${chars[Math.floor(n / 62) % 62]}${chars[n % 62]}`;
}

function def(
  name: string,
  keyPrefix: string,
  fields: FieldSpec[],
  defaultCount: number,
  extra: Partial<ObjectDef> = {},
): ObjectDef {
  const has = (n: string) => fields.some((f) => f.name === n);
  const label = name.replace(/__c$/, '').replace(/_/g, ' ');
  return {
    name,
    label,
    labelPlural: `${label}s`,
    keyPrefix,
    custom: name.endsWith('__c'),
    queryable: true,
    fields,
    defaultCount,
    orderStamp: has('SystemModstamp') ? 'SystemModstamp' : has('CreatedDate') ? 'CreatedDate' : null,
    hasIsDeleted: has('IsDeleted'),
    ...extra,
  };
}

/** Every object in the org, in describeGlobal order (alphabetical, as Salesforce lists them). */
export function buildCatalogue(extraObjects: number): ObjectDef[] {
  const list: ObjectDef[] = [
    def('Account', '001', account(), 200),
    def('Contact', '003', contact(), 200),
    def('Opportunity', '006', opportunity(), 200),
    def('Lead', '00Q', lead(), 200),
    def('Case', '500', caseFields(), 200),
    def('User', '005', user(), 200, { hasIsDeleted: false }),
    def('Task', '00T', task(), 200),
    def('Everything__c', 'a01', everything(), 50),
    def('Wide__c', 'a02', wide(), 50),
    def(
      'CreatedOnly__c',
      'a03',
      [
        { name: 'Id', type: 'id' },
        { name: 'Name', type: 'string', nameField: true, gen: { kind: 'name', prefix: 'Created' } },
        ...system('createdOnly', false).slice(1),
        { name: 'Value__c', type: 'double' },
      ],
      50,
    ),
    def(
      'NoStamp__c',
      'a04',
      [
        { name: 'Id', type: 'id' },
        { name: 'Name', type: 'string', nameField: true, gen: { kind: 'name', prefix: 'NoStamp' } },
        { name: 'Code__c', type: 'string', gen: { kind: 'text', pool: ['X1', 'Y2', 'Z3'] } },
      ],
      50,
    ),
    def('AggregateResult', '', [{ name: 'Id', type: 'id' }], 0, { queryable: false }),
    def(
      'RecentlyViewed',
      '',
      [
        { name: 'Id', type: 'id' },
        { name: 'Name', type: 'string', nameField: true, gen: { kind: 'name', prefix: 'Viewed' } },
        { name: 'LastViewedDate', type: 'datetime' },
        pick('Type', ['Account', 'Contact']),
      ],
      20,
      { bulkRefused: true },
    ),
    def('AccountHistory', '017', history('Account', 'AccountId'), 200),
    def('OpportunityFieldHistory', '019', history('Opportunity', 'OpportunityId'), 100),
    def('AccountShare', '00r', share('Account', 'Account'), 100),
    def('AccountFeed', '0D5', feed('Account'), 100),
    def('AccountChangeEvent', '', changeEvent(), 0, { queryable: false }),
    def('ContactChangeEvent', '', changeEvent(), 0, { queryable: false }),
    def('Everything__ChangeEvent', '', changeEvent(), 0, { queryable: false }),
    def('Everything__History', 'a05', history('Everything__c', 'ParentId'), 20),
    def('Everything__Share', 'a06', share('Parent', 'Everything__c'), 20),
    def('Group', '00G', [...system('full', false), { name: 'Name', type: 'string', nameField: true }], 10),
  ];
  // RecentlyViewed and a few describe-only objects have no key prefix in real orgs; give row ids one anyway.
  for (const o of list) if (o.keyPrefix === '' && o.queryable) o.keyPrefix = '0XX';
  for (let n = 0; n < extraObjects; n++) {
    const stem = FILLER_STEMS[n % FILLER_STEMS.length];
    const name = `${stem}_${String(Math.floor(n / FILLER_STEMS.length) + 1).padStart(3, '0')}__c`;
    list.push(def(name, prefixFor(n + 200), filler(n), 20));
  }
  return list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export { EMAILS, PHONES, URLS };
