/**
 * The WS-Addressing fields a message carries besides To, Action and MessageID (which MessageContext holds as
 * plain fields); read and written by context/addressing.ts.
 */
export class Addressing {
  From: string | undefined;
  ReplyTo: string | undefined;
  FaultTo: string | undefined;
  RelatesTo: string | undefined;
  /** Namespace of the wsa headers the request carried (Axis2's WS_ADDRESSING_VERSION), once read. */
  version: string | undefined;
  /** Fields a mediator set before the body was read: in Synapse that mediator built the message first. */
  readonly pinned = new Set<string>();

  copy(): Addressing {
    const a = new Addressing();
    a.From = this.From;
    a.ReplyTo = this.ReplyTo;
    a.FaultTo = this.FaultTo;
    a.RelatesTo = this.RelatesTo;
    a.version = this.version;
    return a;
  }
}
