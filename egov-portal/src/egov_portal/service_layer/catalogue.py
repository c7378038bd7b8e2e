"""The catalogue of public services, read from the regulations (``services/*.yaml``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from egov_kit.regulations import Regulation, load_all, load_regulation

# Services whose portal channel this portal carries out end to end.
IMPLEMENTED = frozenset({"H1", "H2", "H3"})


@dataclass(frozen=True)
class Entry:
    service_id: str
    name_ru: str
    name_kk: str
    result_ru: str
    result_kk: str
    norm_ru: str
    norm_kk: str
    channels: tuple[str, ...]
    available: bool
    required_documents: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    refusal_grounds: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.service_id,
            "name_ru": self.name_ru,
            "name_kk": self.name_kk,
            "result_ru": self.result_ru,
            "result_kk": self.result_kk,
            "norm_ru": self.norm_ru,
            "norm_kk": self.norm_kk,
            "channels": list(self.channels),
            "available": self.available,
            "required_documents": list(self.required_documents),
            "refusal_grounds": list(self.refusal_grounds),
        }


def _entry(regulation: Regulation) -> Entry:
    documents = tuple(
        {"code": doc.code, "ru": doc.ru, "kk": doc.kk, "required": doc.required}
        for doc in regulation.required_documents
        if not doc.channels or "portal" in doc.channels
    )
    grounds = tuple({"code": g.code, "ru": g.ru, "kk": g.kk} for g in regulation.refusal_grounds)
    return Entry(
        service_id=regulation.id,
        name_ru=regulation.names.ru,
        name_kk=regulation.names.kk,
        result_ru=regulation.result.ru,
        result_kk=regulation.result.kk,
        norm_ru=regulation.norm.text("ru"),
        norm_kk=regulation.norm.text("kk"),
        channels=tuple(regulation.channels),
        available=regulation.id in IMPLEMENTED and "portal" in regulation.channels,
        required_documents=documents,
        refusal_grounds=grounds,
    )


class Catalogue:
    def entries(self) -> list[Entry]:
        """Every service of the regulations; those with a portal channel first, then by id."""
        entries = [_entry(regulation) for regulation in load_all().values()]
        return sorted(
            entries, key=lambda e: (not e.available, "portal" not in e.channels, _order(e.service_id))
        )

    def entry(self, service_id: str) -> Entry | None:
        for entry in self.entries():
            if entry.service_id == service_id:
                return entry
        return None

    @staticmethod
    def regulation(service_id: str) -> Regulation | None:
        try:
            return load_regulation(service_id)
        except LookupError:
            return None


def _order(service_id: str) -> tuple[str, int]:
    digits = "".join(ch for ch in service_id if ch.isdigit())
    return service_id.rstrip("0123456789"), int(digits or 0)
