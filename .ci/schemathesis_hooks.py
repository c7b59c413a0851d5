"""schemathesis hooks for .ci/run (SCHEMATHESIS_HOOKS=.ci/schemathesis_hooks.py).

`fields` asks for a sparse representation: each item keeps only the members named, which the
spec's item schemas (the full representation, what a client gets by default) do not describe.
A request whose `fields` is valid (known names, each once) is sent without it, so the response
is checked against the full schema; an invalid one is sent as drawn and must be the documented
400. tests/api/frontends.rs checks sparse responses themselves.
"""

import schemathesis


def _field_names(case):
    for param in case.operation.definition.raw.get("parameters", []):
        if param.get("name") == "fields" and param.get("in") == "query":
            return set(param.get("schema", {}).get("items", {}).get("enum", []))
    return set()


@schemathesis.hook
def before_call(ctx, case, kwargs):
    query = case.query
    if not query or "fields" not in query:
        return
    value = query["fields"]
    names = value if isinstance(value, list) else str(value).split(",")
    allowed = _field_names(case)
    valid = (
        len(names) > 0
        and all(isinstance(n, str) and n in allowed for n in names)
        and len(set(names)) == len(names)
    )
    if valid:
        del query["fields"]
