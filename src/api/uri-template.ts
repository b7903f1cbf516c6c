// placeholder replaced by the router work
export interface UriMatcher {
  readonly source: string;
  readonly kind: 'uri-template' | 'url-mapping' | 'any';
  match(subPath: string, query: string): Record<string, string> | undefined;
}
