// Field specifications and the describe payload Salesforce builds from them.

export type FieldType =
  | 'id'
  | 'boolean'
  | 'string'
  | 'textarea'
  | 'picklist'
  | 'multipicklist'
  | 'combobox'
  | 'int'
  | 'long'
  | 'double'
  | 'currency'
  | 'percent'
  | 'date'
  | 'datetime'
  | 'time'
  | 'url'
  | 'email'
  | 'phone'
  | 'reference'
  | 'encryptedstring'
  | 'base64'
  | 'address'
  | 'location'
  | 'anyType'
  | 'json';

/** How a column's values are produced (see data/columns.ts). */
export type Gen =
  | { kind: 'default' }
  | { kind: 'name'; prefix: string }
  | { kind: 'person' }
  | { kind: 'text'; pool: readonly (string | null)[] }
  | { kind: 'stress'; long?: boolean }
  | { kind: 'address'; compound: string; part: keyof import('./pools.js').Address }
  | { kind: 'location'; compound: string; part: 'latitude' | 'longitude' }
  | { kind: 'stamp'; which: 'created' | 'lastMod' | 'stamp' }
  | { kind: 'deleted' };

export interface FieldSpec {
  name: string;
  type: FieldType;
  label?: string;
  length?: number;
  precision?: number;
  scale?: number;
  digits?: number;
  referenceTo?: string[];
  relationshipName?: string | null;
  nillable?: boolean;
  calculated?: boolean;
  formula?: string;
  compoundFieldName?: string;
  picklist?: string[];
  nameField?: boolean;
  externalId?: boolean;
  unique?: boolean;
  /** percentage of rows with null (default 10 for nillable fields) */
  nullPct?: number;
  gen?: Gen;
}

const SOAP: Record<FieldType, string> = {
  id: 'tns:ID',
  reference: 'tns:ID',
  boolean: 'xsd:boolean',
  string: 'xsd:string',
  textarea: 'xsd:string',
  picklist: 'xsd:string',
  multipicklist: 'xsd:string',
  combobox: 'xsd:string',
  url: 'xsd:string',
  email: 'xsd:string',
  phone: 'xsd:string',
  encryptedstring: 'xsd:string',
  json: 'xsd:string',
  int: 'xsd:int',
  long: 'xsd:long',
  double: 'xsd:double',
  currency: 'xsd:double',
  percent: 'xsd:double',
  date: 'xsd:date',
  datetime: 'xsd:dateTime',
  time: 'xsd:time',
  base64: 'xsd:base64Binary',
  address: 'urn:address',
  location: 'urn:location',
  anyType: 'xsd:anyType',
};

const TEXT_TYPES = new Set<FieldType>([
  'string',
  'textarea',
  'picklist',
  'multipicklist',
  'combobox',
  'url',
  'email',
  'phone',
  'encryptedstring',
  'json',
]);

function labelOf(name: string): string {
  return name
    .replace(/__c$|__s$/, '')
    .replace(/_/g, ' ')
    .replace(/([a-z])([A-Z])/g, '$1 $2');
}

export function isNillable(f: FieldSpec): boolean {
  if (f.nillable !== undefined) return f.nillable;
  return !['id', 'boolean'].includes(f.type) && !f.nameField;
}

/** One entry of `fields[]` in a describe result, with every key Salesforce sends. */
export function describeField(f: FieldSpec): Record<string, unknown> {
  const text = TEXT_TYPES.has(f.type);
  const length = text ? (f.length ?? (f.type === 'textarea' ? 32768 : 255)) : f.type === 'id' ? 18 : 0;
  const numeric = f.type === 'double' || f.type === 'currency' || f.type === 'percent';
  const system = [
    'Id',
    'IsDeleted',
    'CreatedDate',
    'CreatedById',
    'LastModifiedDate',
    'LastModifiedById',
    'SystemModstamp',
  ];
  const custom = f.name.endsWith('__c') || f.name.endsWith('__s');
  const updateable =
    !f.calculated && !system.includes(f.name) && f.type !== 'address' && f.type !== 'location';
  const filterable = !['textarea', 'base64', 'address', 'location', 'anyType', 'json'].includes(f.type);
  return {
    aggregatable: filterable && f.type !== 'multipicklist',
    aiPredictionField: false,
    autoNumber: false,
    byteLength: text ? length * 3 : f.type === 'id' || f.type === 'reference' ? 18 : 0,
    calculated: f.calculated ?? false,
    calculatedFormula: f.formula ?? null,
    cascadeDelete: false,
    caseSensitive: false,
    compoundFieldName: f.compoundFieldName ?? null,
    controllerName: null,
    createable: updateable,
    custom,
    defaultValue: f.type === 'boolean' && f.name !== 'IsDeleted' ? false : null,
    defaultValueFormula: null,
    defaultedOnCreate: f.type === 'boolean' || system.includes(f.name) || f.name === 'OwnerId',
    dependentPicklist: false,
    deprecatedAndHidden: false,
    digits: f.type === 'int' ? (f.digits ?? 9) : f.type === 'long' ? 18 : 0,
    displayLocationInDecimal: f.type === 'location',
    encrypted: f.type === 'encryptedstring',
    externalId: f.externalId ?? false,
    extraTypeInfo: f.type === 'textarea' ? (length > 255 ? 'plaintextarea' : null) : null,
    filterable,
    filteredLookupInfo: null,
    formulaTreatNullNumberAsZero: false,
    groupable: filterable && !numeric && f.type !== 'datetime',
    highScaleNumber: false,
    htmlFormatted: false,
    idLookup: f.type === 'id' || f.externalId === true,
    inlineHelpText: null,
    label: f.label ?? labelOf(f.name),
    length,
    mask: null,
    maskType: f.type === 'encryptedstring' ? 'all' : null,
    name: f.name,
    nameField: f.nameField ?? false,
    namePointing: (f.referenceTo?.length ?? 0) > 1,
    nillable: isNillable(f),
    permissionable: custom || (updateable && isNillable(f)),
    picklistValues: (f.picklist ?? []).map((v, i) => ({
      active: true,
      defaultValue: i === 0 && false,
      label: v,
      validFor: null,
      value: v,
    })),
    polymorphicForeignKey: (f.referenceTo?.length ?? 0) > 1,
    precision: numeric ? (f.precision ?? 18) : 0,
    queryByDistance: false,
    referenceTargetField: null,
    referenceTo: f.referenceTo ?? [],
    relationshipName: f.relationshipName ?? null,
    relationshipOrder: null,
    restrictedDelete: false,
    restrictedPicklist: f.type === 'picklist',
    scale: numeric ? (f.scale ?? 2) : 0,
    searchPrefilterable: f.type === 'reference',
    soapType: SOAP[f.type],
    sortable: filterable && f.type !== 'multipicklist',
    type: f.type,
    unique: f.unique ?? false,
    updateable,
    writeRequiresMasterRead: false,
  };
}
