"""Reads Prometheus text format on stdin with the Prometheus project's own Python parser
(prometheus_client.parser, Debian's python3-prometheus-client) and prints its families as JSON:
[{"name", "type", "documentation", "samples": [{"name", "labels", "value"}]}]. A line the parser refuses
exits non-zero with its message, so malformed output fails the test."""
import json
import math
import sys

from prometheus_client.parser import text_string_to_metric_families


def number(v):
    return str(v) if math.isinf(v) or math.isnan(v) else v


families = []
for f in text_string_to_metric_families(sys.stdin.read()):
    families.append({
        "name": f.name,
        "type": f.type,
        "documentation": f.documentation,
        "samples": [{"name": s.name, "labels": s.labels, "value": number(s.value)} for s in f.samples],
    })
json.dump(families, sys.stdout)
