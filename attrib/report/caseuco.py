"""The result as CASE/UCO JSON-LD (CASE 1.5.0, UCO 1.5.0), for forensic tool exchange.

The graph holds: the case as an investigation; the attribution as an investigative
action (also typed as a UCO analysis) performed by the examiner with attrib as a
configured tool carrying every parameter and dependency version; every input file
(the leak, each source's file and sketch) as an observable File with its SHA-256 and
size; the result document as the action's output; and an analytic result stating the
findings, with each candidate's posterior probability as a classification.

Node identifiers are UUIDv5 derived from the case and the result's SHA-256, so the
same result always gives the same graph bytes.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from attrib.report import text
from attrib.report.context import flatten

CASE_VERSION = "case-1.5.0"
CONTEXT = {
    "case-investigation": "https://ontology.caseontology.org/case/investigation/",
    "uco-action": "https://ontology.unifiedcyberontology.org/uco/action/",
    "uco-analysis": "https://ontology.unifiedcyberontology.org/uco/analysis/",
    "uco-configuration": "https://ontology.unifiedcyberontology.org/uco/configuration/",
    "uco-core": "https://ontology.unifiedcyberontology.org/uco/core/",
    "uco-identity": "https://ontology.unifiedcyberontology.org/uco/identity/",
    "uco-observable": "https://ontology.unifiedcyberontology.org/uco/observable/",
    "uco-tool": "https://ontology.unifiedcyberontology.org/uco/tool/",
    "uco-types": "https://ontology.unifiedcyberontology.org/uco/types/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
#: Namespace of attrib's UUIDv5 node identifiers (fixed: changing it changes every graph).
_NS = uuid.UUID("6f1d3c8e-2b7a-5e40-9a51-7c0d4e8b2f13")


class _Ids:
    """Deterministic node identifiers, ``kb:<kind>-<uuid5>``."""

    def __init__(self, seed: str) -> None:
        self.seed = seed

    def __call__(self, kind: str, name: str = "") -> str:
        return f"kb:{kind}-{uuid.uuid5(_NS, f'{self.seed}/{kind}/{name}')}"


def _ref(node_id: str) -> dict[str, str]:
    return {"@id": node_id}


def _typed(value: Any, datatype: str) -> dict[str, str]:
    return {"@type": datatype, "@value": str(value)}


def file_node(ids: _Ids, key: str, *, name: str, sha256: str | None, size: int | None,
              description: str) -> dict[str, Any]:
    """An observable File with a FileFacet (name, size) and a SHA-256 content hash."""
    file_facet: dict[str, Any] = {"@id": ids("file-facet", key),
                                  "@type": "uco-observable:FileFacet",
                                  "uco-observable:fileName": name}
    facets = [file_facet]
    if size is not None and size != "":
        file_facet["uco-observable:sizeInBytes"] = _typed(int(size), "xsd:integer")
    if sha256:
        facets.append({
            "@id": ids("content-facet", key),
            "@type": "uco-observable:ContentDataFacet",
            "uco-observable:hash": [{
                "@id": ids("hash", key),
                "@type": "uco-types:Hash",
                "uco-types:hashMethod": "SHA256",
                "uco-types:hashValue": _typed(sha256.upper(), "xsd:hexBinary"),
            }],
        })
    return {"@id": ids("file", key), "@type": "uco-observable:File",
            "uco-core:name": name, "uco-core:description": description,
            "uco-core:hasFacet": facets}


def input_files(ids: _Ids, doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The leak, then each source's input file (when its hash is known) and sketch."""
    leak = doc["leak"]
    nodes = [file_node(ids, "leak", name=leak["file"], sha256=leak["sha256"],
                       size=leak["size_bytes"],
                       description=f"leaked list, {leak['records']} records "
                                   f"({leak.get('format')}, {leak.get('encoding')})")]
    for s in doc["sources"]:
        inp = s.get("input") or {}
        if inp.get("sha256"):
            nodes.append(file_node(
                ids, f"input/{s['id']}", name=inp.get("file", s["id"]), sha256=inp["sha256"],
                size=inp.get("size_bytes"),
                description=f"customer snapshot of {s['org']} held on {s['snapshot']}, "
                            f"{s.get('rows')} records; {text.provenance(s)}"))
        nodes.append(file_node(
            ids, f"sketch/{s['id']}", name=f"sources/{s['id']}.sketch",
            sha256=s.get("sketch_sha256"), size=None,
            description=f"attrib sketch (keyed tokens) of {s['org']} snapshot {s['snapshot']}"))
    return nodes


def tool_node(ids: _Ids, doc: dict[str, Any]) -> dict[str, Any]:
    """attrib as a configured tool: every parameter and dependency version."""
    entries = [{"@id": ids("config-entry", name), "@type": "uco-configuration:ConfigurationEntry",
                "uco-configuration:itemName": name, "uco-configuration:itemValue": value}
               for name, value in flatten(doc.get("parameters") or {})]
    deps = [{"@id": ids("dependency", name), "@type": "uco-configuration:Dependency",
             "uco-configuration:dependencyType": name,
             "uco-configuration:dependencyDescription": f"{name} {version}"}
            for name, version in (doc["tool"].get("dependencies") or {}).items()]
    return {
        "@id": ids("tool"),
        "@type": "uco-tool:ConfiguredTool",
        "uco-core:name": doc["tool"].get("name", "attrib"),
        "uco-tool:version": doc["tool"]["version"],
        "uco-tool:toolType": "leak-list attribution",
        "uco-configuration:usesConfiguration": {
            "@id": ids("configuration"),
            "@type": "uco-configuration:Configuration",
            "uco-configuration:configurationEntry": entries,
            "uco-configuration:dependencies": deps,
        },
    }


def analytic_result(ids: _Ids, doc: dict[str, Any], result_file: str) -> dict[str, Any]:
    """The findings as an assertion, each candidate's probability as a classification."""
    classes = [(f"{c['org']}@{c['snapshot']}", c["probability"]) for c in doc["candidates"]]
    classes.append(("outside the case", doc["outside_probability"]))
    return {
        "@id": ids("analytic-result"),
        "@type": "uco-analysis:AnalyticResult",
        "uco-core:name": f"attribution verdict: {doc['verdict']['status']}",
        "uco-core:statement": " ".join(text.findings(doc)),
        "uco-analysis:originatingAnalysis": _ref(ids("action")),
        "uco-analysis:resultContent": [_ref(result_file)],
        "uco-core:hasFacet": [{
            "@id": ids("classification-facet"),
            "@type": "uco-analysis:ArtifactClassificationResultFacet",
            "uco-analysis:classification": [{
                "@id": ids("classification", name),
                "@type": "uco-analysis:ArtifactClassification",
                "uco-analysis:class": name,
                "uco-analysis:classificationConfidence": _typed(f"{float(p):.6f}",
                                                                "xsd:decimal"),
            } for name, p in classes],
        }],
    }


def action_node(ids: _Ids, doc: dict[str, Any], inputs: list[str], outputs: list[str],
                performer: str | None) -> dict[str, Any]:
    node: dict[str, Any] = {
        "@id": ids("action"),
        "@type": ["case-investigation:InvestigativeAction", "uco-analysis:Analysis"],
        "uco-core:name": "attribution",
        "uco-core:description": "attribution of a leaked list of personal records to the "
                                "organisation and period it came from (attrib attribute)",
        "uco-action:startTime": _typed(doc["started"], "xsd:dateTime"),
        "uco-action:endTime": _typed(doc["finished"], "xsd:dateTime"),
        "uco-action:instrument": _ref(ids("tool")),
        "uco-action:object": [_ref(i) for i in inputs],
        "uco-action:result": [_ref(o) for o in outputs],
    }
    if performer:
        node["uco-action:performer"] = _ref(performer)
    return node


def case_document(doc: dict[str, Any], meta: dict[str, Any]) -> dict[str, Any]:
    """The CASE/UCO JSON-LD graph of a result and its report metadata."""
    result_file = meta.get("result_file") or {}
    digest = result_file.get("sha256") or hashlib.sha256(
        json.dumps(doc, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    ids = _Ids(f"{meta['case_id']}/{digest}")
    files = input_files(ids, doc)
    result_node = file_node(ids, "result", name=result_file.get("file", "result.json"),
                            sha256=digest, size=result_file.get("size_bytes"),
                            description="attrib result document (attrib.attribution/1)")
    verdict = analytic_result(ids, doc, result_node["@id"])
    graph: list[dict[str, Any]] = []
    performer = None
    if meta.get("examiner") and meta["examiner"] != "(not named)":
        performer = ids("examiner", meta["examiner"])
        graph.append({"@id": performer, "@type": "uco-identity:Identity",
                      "uco-core:name": meta["examiner"]})
    action = action_node(ids, doc, [f["@id"] for f in files],
                         [result_node["@id"], verdict["@id"]], performer)
    graph.append({
        "@id": ids("investigation"),
        "@type": "case-investigation:Investigation",
        "uco-core:name": f"attrib case {meta['case_id']}",
        "uco-core:object": [_ref(action["@id"]), _ref(verdict["@id"])],
    })
    graph += [tool_node(ids, doc), action, *files, result_node, verdict]
    context = {**CONTEXT, "kb": f"urn:attrib:case:{meta['case_id']}:"}
    return {"@context": context, "@graph": graph}
