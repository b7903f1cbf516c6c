"""A real second client for the WS-Security tests: Python zeep (Debian's python3-zeep).

Reads one JSON object from argv[1]: {"wsdl", "address", "ca", "binding": "soap11"|"soap12", "cases": [...]}.
Each case: {"user", "password", "digest": bool, "timestamp": "none"|"fresh"|"expired", "nonce": str|None,
"basic": bool (HTTP Basic instead of a wsse header), "anonymous": bool (no credentials at all)}.
Prints one JSON array: per case {"ok": {...response fields}} or {"fault": {"code", "subcodes", "message"}}
or {"http": status}.
"""
import datetime
import json
import sys

import requests
from requests.auth import HTTPBasicAuth
from zeep import Client
from zeep.exceptions import Fault, TransportError
from zeep.transports import Transport
from zeep.wsse.username import UsernameToken
from zeep.wsse.utils import WSU

NS = "urn:test:echo"


def timestamp_token(kind):
    if kind == "none":
        return None
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    if kind == "expired":
        now = now - datetime.timedelta(hours=2)
    return WSU.Timestamp(
        WSU.Created(now.strftime("%Y-%m-%dT%H:%M:%SZ")),
        WSU.Expires((now + datetime.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")),
    )


def main():
    spec = json.loads(sys.argv[1])
    session = requests.Session()
    # REQUESTS_CA_BUNDLE in the environment would override session.verify: trust the test CA only
    session.trust_env = False
    session.verify = spec["ca"]
    transport = Transport(session=session)
    client = Client(spec["wsdl"], transport=transport)
    binding = "{%s}%s" % (NS, "EchoSoap12Binding" if spec.get("binding") == "soap12" else "EchoSoap11Binding")
    out = []
    for case in spec["cases"]:
        session.auth = None
        client.wsse = None
        if case.get("basic"):
            session.auth = HTTPBasicAuth(case["user"], case["password"])
        elif not case.get("anonymous"):
            client.wsse = UsernameToken(
                case["user"],
                case["password"],
                use_digest=case.get("digest", False),
                nonce=case.get("nonce"),
                timestamp_token=timestamp_token(case.get("timestamp", "none")),
            )
        service = client.create_service(binding, spec["address"])
        try:
            r = service.echo(text=case.get("text", "hello"))
            out.append({"ok": {k: r[k] for k in ("user", "roles", "text", "securityHeaders", "axis2User")}})
        except Fault as f:
            out.append({"fault": {"code": str(f.code), "subcodes": [str(s) for s in (f.subcodes or [])], "message": f.message}})
        except TransportError as t:
            out.append({"http": t.status_code})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
