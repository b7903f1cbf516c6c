/** API Microgateway's Coffeebar as an OpenAPI 3.0 definition: scopes per operation, one operation on Basic auth, one open. */
export const COFFEEBAR_DEFINITION = `openapi: 3.0.3
info:
  title: Coffeebar
  version: 1.0.0
security:
  - coffee_auth: []
paths:
  /menu:
    get:
      security:
        - coffee_auth: [read:menu]
      responses:
        '200': { description: the menu }
  /order:
    post:
      security:
        - coffee_auth: [write:order]
      responses:
        '201': { description: ordered }
  /order/{orderId}:
    get:
      parameters:
        - { name: orderId, in: path, required: true, schema: { type: string } }
      security:
        - coffee_auth: [read:order]
      responses:
        '200': { description: an order }
  /menu/{item}:
    delete:
      parameters:
        - { name: item, in: path, required: true, schema: { type: string } }
      security:
        - coffee_auth: [admin]
      responses:
        '204': { description: removed }
  /stats:
    get:
      security:
        - basicAuth: [admin]
      responses:
        '200': { description: statistics }
  /health:
    get:
      security: []
      responses:
        '200': { description: alive }
  /specials:
    get:
      security: []
      responses:
        '200': { description: today's specials }
    put:
      security:
        - coffee_auth: [admin]
      responses:
        '200': { description: changed }
  /staff:
    get:
      security:
        - coffee_auth: [admin]
      responses:
        '200': { description: who works today }
components:
  securitySchemes:
    coffee_auth:
      type: oauth2
      flows:
        clientCredentials:
          tokenUrl: https://coffee.idp/token
          scopes:
            read:menu: see the menu
            write:order: order
            read:order: see an order
            admin: run the bar
    basicAuth:
      type: http
      scheme: basic
`;
