"""What a load did, for the person who ran it and for the load log."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

EXAMPLES_KEPT = 5


@dataclass
class LoadReport:
    layer_id: str
    source_file: str
    mode: str
    dry_run: bool = False
    read: int = 0
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    repaired: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    data_version: int | None = None
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())

    @property
    def changed(self) -> bool:
        return bool(self.inserted or self.updated or self.deleted)

    def reject(self, reason: str, count: int, examples: list[str]) -> None:
        if count:
            self.rejected[reason] += count
            self.examples.setdefault(reason, []).extend(examples[:EXAMPLES_KEPT])

    def summary(self) -> str:
        """A few lines a person reads after a load.

        >>> r = LoadReport("hydrants", "h.geojson", "replace", read=3, inserted=2)
        >>> r.reject("missing code", 1, ["#3"])
        >>> print(r.summary())
        hydrants from h.geojson (replace)
          read 3, inserted 2, updated 0, deleted 0, unchanged 0, repaired 0, rejected 1
          rejected 1: missing code (e.g. #3)
        """
        mode = f"{self.mode}, dry run: nothing written" if self.dry_run else self.mode
        lines = [f"{self.layer_id} from {self.source_file} ({mode})",
                 f"  read {self.read}, inserted {self.inserted}, updated {self.updated}, "
                 f"deleted {self.deleted}, unchanged {self.unchanged}, "
                 f"repaired {self.repaired}, rejected {self.rejected_total}"]
        for reason, count in self.rejected.most_common():
            examples = ", ".join(self.examples.get(reason, []))
            lines.append(f"  rejected {count}: {reason}"
                         + (f" (e.g. {examples})" if examples else ""))
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["rejected"] = dict(self.rejected)
        data["rejected_total"] = self.rejected_total
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)
