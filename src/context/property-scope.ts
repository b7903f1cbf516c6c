/** Where a property lives: `transport` is the HTTP headers, `axis2` holds HTTP_SC, messageType, ... */
export type PropertyScope =
  | 'default'
  | 'transport'
  | 'axis2'
  | 'axis2-client'
  | 'operation'
  | 'registry'
  | 'system'
  | 'trace'
  | 'analytics';

export const WRITE_SCOPES: readonly PropertyScope[] = [
  'default',
  'transport',
  'axis2',
  'axis2-client',
  'operation',
  'registry',
  'system',
  'trace',
  'analytics',
];
