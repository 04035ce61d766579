"""Generate OpenOMS's FIX tag tables from the QuickFIX data dictionaries.

Reads shared/fix/spec/FIX42.xml and FIX44.xml (QuickFIX's dictionaries; this product includes
software developed by quickfixengine.org, http://www.quickfixengine.org/) and writes compact
JSON tables under src/openoms/adapters/fix/spec/: fields (name, type, enum values), header,
trailer and messages with components expanded, in wire order, with what is required and the
repeating groups.

Usage: python scripts/gen_fix_dictionary.py [path/to/shared/fix/spec]
"""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parents[1] / "src" / "openoms" / "adapters" / "fix" / "spec"


def _section(node: ET.Element, names: dict[str, int], components: dict[str, ET.Element],
             required: bool = True) -> dict[str, Any]:
    """Flatten fields, components and groups under node, in order."""
    fields: list[list[Any]] = []
    groups: dict[str, Any] = {}
    for child in node:
        is_required = required and child.get("required") == "Y"
        if child.tag == "field":
            fields.append([names[child.attrib["name"]], is_required])
        elif child.tag == "component":
            inner = _section(components[child.attrib["name"]], names, components, is_required)
            fields.extend(inner["fields"])
            groups.update(inner["groups"])
        elif child.tag == "group":
            count = names[child.attrib["name"]]
            fields.append([count, is_required])
            groups[str(count)] = _section(child, names, components, True)
    return {"fields": fields, "groups": groups}


def generate(xml_path: Path) -> dict[str, Any]:
    root = ET.parse(xml_path).getroot()
    version = f"{root.get('type')}.{root.get('major')}.{root.get('minor')}"
    names: dict[str, int] = {}
    fields: dict[str, Any] = {}
    for field in root.find("fields") or []:
        tag = int(field.attrib["number"])
        names[field.attrib["name"]] = tag
        enums = [value.attrib["enum"] for value in field.findall("value")]
        fields[str(tag)] = [field.attrib["name"], field.attrib["type"], enums or None]
    components = {c.attrib["name"]: c for c in (root.find("components") or [])}
    messages = {}
    for message in root.find("messages") or []:
        section = _section(message, names, components)
        messages[message.attrib["msgtype"]] = {"name": message.attrib["name"],
                                               "category": message.attrib["msgcat"], **section}
    return {"begin_string": version, "fields": fields,
            "header": _section(root.find("header"), names, components),  # type: ignore[arg-type]
            "trailer": _section(root.find("trailer"), names, components),  # type: ignore[arg-type]
            "messages": messages}


def main() -> None:
    spec = Path(sys.argv[1]) if len(sys.argv) > 1 else \
        Path(__file__).resolve().parents[2] / "shared" / "fix" / "spec"
    OUT.mkdir(parents=True, exist_ok=True)
    for version in ("42", "44"):
        table = generate(spec / f"FIX{version}.xml")
        path = OUT / f"fix{version}.json"
        path.write_text(json.dumps(table, separators=(",", ":"), sort_keys=True) + "\n")
        print(f"{path}: {len(table['fields'])} fields, {len(table['messages'])} messages")


if __name__ == "__main__":
    main()
