/** Singer catalog shapes (wire names stay snake_case here). */

export interface JsonSchema {
  type?: string | string[];
  format?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  additionalProperties?: boolean | JsonSchema;
  anyOf?: JsonSchema[];
  [keyword: string]: unknown;
}

export type Breadcrumb = [] | ['properties', string];

export interface MetadataEntry {
  breadcrumb: Breadcrumb;
  metadata: Record<string, unknown>;
}

export interface CatalogStream {
  tap_stream_id: string;
  stream: string;
  table_name?: string;
  schema: JsonSchema;
  metadata: MetadataEntry[];
  key_properties?: string[];
  replication_key?: string;
  replication_method?: string;
}

export interface Catalog {
  streams: CatalogStream[];
}

export type ReplicationMethod = 'INCREMENTAL' | 'FULL_TABLE';
