"""Mapping files in YAML (loaders/mapping.py reads the same keys in TOML), read as a mapping
file means them: keys are text (a column named 2019 or NO, which YAML 1.1 reads as a number
and a boolean), only true and false are booleans (YAML 1.2), and a key written twice is an
error, as in TOML, rather than the last one winning.
"""

from __future__ import annotations

import re
from typing import Any

import yaml


def parsed(text: str) -> Any:
    """The document in `text`; an empty one is an empty table. Invalid YAML: ValueError."""
    try:
        return yaml.load(text, Loader=_Loader) or {}
    except yaml.YAMLError as exc:
        raise ValueError(str(exc)) from None


class _Loader(yaml.SafeLoader):
    """SafeLoader, with keys as written and a key written twice refused."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        mapping: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else \
                str(self.construct_object(key_node, deep=deep))
            if key in mapping:
                raise yaml.constructor.ConstructorError(
                    None, None, f"{key!r} is written twice", key_node.start_mark)
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping


# Only true and false are booleans, as in YAML 1.2: "yes", "no", "on", "off" stay text.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool",
                              re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
