/**
 * The `main` and `fault` sequences every deployment has unless the user supplies their own, written in
 * Synapse XML so they go through the same parser. `main` answers unmatched requests with an empty 404 as
 * Micro Integrator does; `fault` logs the error and leaves the reply to the engine (a SOAP fault or JSON
 * error), where Micro Integrator's default drops the message and leaves the client waiting.
 */
export const BUILTIN_SEQUENCES: Record<string, string> = {
  main: `<sequence xmlns="http://ws.apache.org/ns/synapse" name="main">
  <log level="custom"><property name="message" value="main sequence executed for call to non-existent"/><property name="To" expression="get-property('To')"/></log>
  <property name="NO_ENTITY_BODY" value="true" type="BOOLEAN" scope="axis2"/>
  <property name="HTTP_SC" value="404" scope="axis2"/>
  <respond/>
</sequence>`,
  fault: `<sequence xmlns="http://ws.apache.org/ns/synapse" name="fault">
  <log level="custom" category="ERROR">
    <property name="MESSAGE" value="Executing default 'fault' sequence"/>
    <property name="ERROR_CODE" expression="get-property('ERROR_CODE')"/>
    <property name="ERROR_MESSAGE" expression="get-property('ERROR_MESSAGE')"/>
  </log>
</sequence>`,
};
