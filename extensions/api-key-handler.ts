/**
 * A first handler: lets a request through only with the right X-API-Key header, and stamps every
 * response with the name of the API that served it. Used by synapse-configs/default/api/KeyedHelloAPI.xml.
 *
 *   curl -i http://localhost:8290/keyed-hello/World                        -> 401
 *   curl -i -H 'X-API-Key: let-me-in' http://localhost:8290/keyed-hello/World  -> 200, X-Served-By: KeyedHelloAPI
 */
import type { Handler, HandlerProperties, MessageContext } from 'mediation-runtime';

export class ApiKeyHandler implements Handler {
  /** Set from <property name="apiKey" value="..."/>. */
  apiKey = '';
  /** Optional <property name="header" value="..."/>: where the key is looked for. */
  header = 'X-API-Key';

  constructor(properties: HandlerProperties) {
    // properties arrive here as a record, and are then also set as the fields above
    if (!properties['apiKey']) throw new Error('ApiKeyHandler needs <property name="apiKey" value="..."/>');
  }

  handleRequest(mc: MessageContext): boolean {
    if (mc.getProperty(this.header, 'transport') === this.apiKey) return true;
    return mc.respond(401, { error: `missing or wrong ${this.header}` });
  }

  handleResponse(mc: MessageContext): boolean {
    mc.setProperty('X-Served-By', mc.api?.name ?? 'unknown', 'transport');
    return true;
  }
}
