"""Fail fast when lxml and xmlsec are linked against different libxml2 builds.

xmlsec operates on lxml's trees through libxml2's C structures; two different libxml2 versions in
one process corrupt memory or fail with obscure errors. Both packages are installed as wheels at
pinned versions that bundle the same libxml2; this check turns any drift into a clear message.
"""

from __future__ import annotations

from lxml import etree


class Libxml2Mismatch(ImportError):
    """lxml and xmlsec were built against different libxml2 versions."""


def ensure_same_libxml2() -> None:
    import xmlsec

    lxml_version = tuple(etree.LIBXML_VERSION)
    xmlsec_version = tuple(xmlsec.get_libxml_version())
    if lxml_version != xmlsec_version:
        raise Libxml2Mismatch(
            f"lxml uses libxml2 {lxml_version} but xmlsec uses {xmlsec_version}; "
            "reinstall both as wheels at the versions pinned in kit/pyproject.toml (uv sync)"
        )
