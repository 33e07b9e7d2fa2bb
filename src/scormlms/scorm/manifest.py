"""Parse and validate ``imsmanifest.xml`` for SCORM 1.2 and SCORM 2004 (2nd–4th editions).

:func:`parse_manifest` turns the manifest bytes into frozen dataclasses (:class:`Manifest`,
:class:`Organization`, :class:`Item`, :class:`Resource`). The XML is read with
``defusedxml`` and any DTD is refused, so entity expansion ("billion laughs") and external
entities (XXE) cannot run.

Elements are matched by local name, whatever prefix or namespace a package uses; the
``adlcp`` attributes are read in both the SCORM 1.2 (``adlcp_rootv1p2``) and the SCORM 2004
(``adlcp_v1p3``) namespaces.

A package that cannot be used raises :class:`~scormlms.scorm.errors.PackageError`:

========================  ===================================================================
``unsafe_xml``            the manifest has a DTD / entity declarations (refused on principle)
``malformed_xml``         the manifest is not well-formed XML (line and column given)
``manifest_too_complex``  elements nested deeper than any real manifest needs
``not_scorm``             the root element is not ``<manifest>``
``no_organizations``      no ``<organization>`` at all
``missing_resource``      an item's ``identifierref`` names no resource
``sco_without_href``      a resource marked as SCO has no ``href``
``missing_launch_file``   the launch file of a launchable item is not in the archive
``no_launchable_items``   the organization has nothing a learner could open
========================  ===================================================================

Problems that do not stop the package from working are returned in
:attr:`Manifest.warnings` (files listed but absent, an unknown ``schemaversion``, a
``default`` organization that names none …).
"""

from __future__ import annotations

import copy
import io
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any, Literal
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from scormlms.scorm import prerequisites as prereq
from scormlms.scorm.errors import PackageError

__all__ = [
    "MALFORMED_XML",
    "MANIFEST_TOO_COMPLEX",
    "MISSING_LAUNCH_FILE",
    "MISSING_RESOURCE",
    "NOT_SCORM",
    "NO_LAUNCHABLE_ITEMS",
    "NO_ORGANIZATIONS",
    "SCO_WITHOUT_HREF",
    "UNSAFE_XML",
    "HIDE_LMS_UI",
    "Item",
    "Manifest",
    "Organization",
    "Resource",
    "ScormType",
    "SharedDataMap",
    "Standard",
    "build_launch_url",
    "parse_manifest",
]

UNSAFE_XML = "unsafe_xml"
MALFORMED_XML = "malformed_xml"
MANIFEST_TOO_COMPLEX = "manifest_too_complex"
NOT_SCORM = "not_scorm"
NO_ORGANIZATIONS = "no_organizations"
MISSING_RESOURCE = "missing_resource"
SCO_WITHOUT_HREF = "sco_without_href"
MISSING_LAUNCH_FILE = "missing_launch_file"
NO_LAUNCHABLE_ITEMS = "no_launchable_items"

Standard = Literal["1.2", "2004"]
ScormType = Literal["sco", "asset"]

NS_XML = "http://www.w3.org/XML/1998/namespace"
NS_IMSCP_12 = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
NS_IMSCP_2004 = "http://www.imsglobal.org/xsd/imscp_v1p1"
NS_ADLCP_12 = "http://www.adlnet.org/xsd/adlcp_rootv1p2"
NS_ADLCP_2004 = "http://www.adlnet.org/xsd/adlcp_v1p3"
NS_IMSSS = "http://www.imsglobal.org/xsd/imsss"
NS_ADLSEQ = "http://www.adlnet.org/xsd/adlseq_v1p3"
NS_ADLNAV = "http://www.adlnet.org/xsd/adlnav_v1p3"

_XML_BASE = f"{{{NS_XML}}}base"
_MAX_DEPTH = 200  # real manifests nest a few dozen levels at most
_MAX_FILE_WARNINGS = 20

# metadata/schemaversion values required by each CAM book: SCORM 1.2 "1.2"; SCORM 2004
# 2nd ed. (CAM 1.3.1) "CAM 1.3"; 3rd ed. "2004 3rd Edition"; 4th ed. "2004 4th Edition".
_SCHEMAVERSIONS: dict[str, tuple[Standard, str | None]] = {
    "1.2": ("1.2", None),
    "cam 1.3": ("2004", "2nd"),
    "2004 3rd edition": ("2004", "3rd"),
    "2004 4th edition": ("2004", "4th"),
}
_NS_2004_MARKERS = frozenset({NS_ADLCP_2004, NS_IMSSS, NS_ADLSEQ, NS_ADLNAV})
_NS_12_MARKERS = frozenset({NS_ADLCP_12, NS_IMSCP_12})
# Namespaces whose elements are never the imsss sequencing children we look for.
_NOT_IMSSS = frozenset({NS_ADLSEQ, NS_ADLNAV, NS_ADLCP_2004, NS_ADLCP_12})

# Readable prefixes for Item.sequencing_xml instead of ns0/ns1.
for _prefix, _uri in (
    ("imsss", NS_IMSSS),
    ("adlseq", NS_ADLSEQ),
    ("adlnav", NS_ADLNAV),
    ("adlcp", NS_ADLCP_2004),
):
    ET.register_namespace(_prefix, _uri)


# --------------------------------------------------------------------------- data model


@dataclass(frozen=True, kw_only=True)
class Resource:
    """A ``<resource>``. ``href`` and ``files`` are already resolved against the
    ``xml:base`` of the manifest, ``<resources>`` and the resource (SCORM 2004 CAM,
    Content Packaging, ``xml:base`` attribute: bases combine outermost first, then the
    href)."""

    identifier: str
    type: str
    scorm_type: ScormType
    href: str | None
    base: str
    files: tuple[str, ...]
    dependencies: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class SharedDataMap:
    """An ``adlcp:map`` inside an item's ``adlcp:data`` (SCORM 2004 4th ed. CAM, shared data):
    the SCO sees the bucket ``target_id`` as ``adl.data``. Defaults from adlcp_v1p3.xsd
    (mapType): read true, write false."""

    target_id: str
    read_shared_data: bool = True
    write_shared_data: bool = False


@dataclass(frozen=True, kw_only=True)
class Item:
    """An ``<item>`` of the default organization, with its children.

    * ``launch_url``: the resource href (``xml:base`` applied) plus ``parameters``; ``None``
      when the item references no resource or one without href.
    * ``mastery_score``: SCORM 1.2 ``adlcp:masteryscore`` (0–100).
    * ``max_time_allowed``: 1.2 ``adlcp:maxtimeallowed`` (``HHHH:MM:SS``) or, for 2004,
      ``imsss:limitConditions@attemptAbsoluteDurationLimit`` (ISO 8601 duration).
    * ``completion_threshold``: 2004 3rd ed. ``adlcp:completionThreshold`` text, or the 4th
      ed. ``minProgressMeasure`` attribute when given; ``completed_by_measure`` and
      ``progress_weight`` are the 4th ed. attributes with their defaults (false, 1.0);
      ``completion_threshold_is_text`` says the threshold came in the 3rd ed. form (a decimal
      as the element's text), which has no ``completedByMeasure`` switch.
    * ``satisfied_by_measure`` / ``min_normalized_measure``: the primary objective's
      attribute and element (``None`` when absent; IMS SS default is 1.0, see
      :attr:`scaled_passing_score`).
    * ``rollup_*``: ``imsss:rollupRules`` attributes (IMS SS defaults: true, true, 1.0).
    * ``sequencing_xml``: the item's ``imsss:sequencing`` serialised, with an ``IDRef`` to
      ``imsss:sequencingCollection`` already merged in (local children win); ``""`` if none.
    * ``prerequisites`` / ``prerequisites_type``: SCORM 1.2 ``adlcp:prerequisites`` text and
      its ``type`` (``aicc_script`` when the attribute is missing: the only type the CAM
      defines); :mod:`scormlms.scorm.prerequisites` reads them.
    * ``hide_lms_ui``: the ``adlnav:presentation/navigationInterface/hideLMSUI`` values, in
      document order without repeats (SCORM 2004 CAM, ADL navigation extensions).
    * ``shared_data``: the ``adlcp:data/adlcp:map`` entries (SCORM 2004 4th ed. CAM).
    """

    identifier: str
    title: str
    children: tuple[Item, ...] = ()
    resource_id: str | None = None
    launch_url: str | None = None
    scorm_type: ScormType | None = None
    is_visible: bool = True
    parameters: str | None = None
    mastery_score: float | None = None
    data_from_lms: str | None = None
    max_time_allowed: str | None = None
    time_limit_action: str | None = None
    completion_threshold: float | None = None
    completed_by_measure: bool = False
    progress_weight: float = 1.0
    min_normalized_measure: float | None = None
    satisfied_by_measure: bool = False
    rollup_objective_satisfied: bool = True
    rollup_progress_completion: bool = True
    objective_measure_weight: float = 1.0
    primary_objective_id: str | None = None
    objective_ids: tuple[str, ...] = ()
    completion_set_by_content: bool = False
    objective_set_by_content: bool = False
    sequencing_xml: str = ""
    prerequisites: str = ""
    prerequisites_type: str = ""
    completion_threshold_is_text: bool = False
    hide_lms_ui: tuple[str, ...] = ()
    shared_data: tuple[SharedDataMap, ...] = ()

    @property
    def is_launchable(self) -> bool:
        return self.launch_url is not None

    @property
    def is_sco(self) -> bool:
        return self.scorm_type == "sco"

    @property
    def scaled_passing_score(self) -> float | None:
        """SCORM 2004 ``cmi.scaled_passing_score``: the primary objective's
        minNormalizedMeasure (default 1.0) when satisfiedByMeasure is true, else unset
        (SCORM 2004 RTE, cmi.scaled_passing_score; IMS SS objective description)."""
        if not self.satisfied_by_measure:
            return None
        return 1.0 if self.min_normalized_measure is None else self.min_normalized_measure


@dataclass(frozen=True, kw_only=True)
class Organization:
    """The default ``<organization>``. ``objectives_global_to_system`` is
    ``adlseq:objectivesGlobalToSystem`` and ``shared_data_global_to_system`` is
    ``adlcp:sharedDataGlobalToSystem``: whether global objectives / shared data buckets are
    shared with other courses of the learner (true, the XSD default) or belong to this
    course only."""

    identifier: str
    title: str
    items: tuple[Item, ...]
    sequencing_xml: str = ""
    objectives_global_to_system: bool = True
    shared_data_global_to_system: bool = True


@dataclass(frozen=True, kw_only=True)
class Manifest:
    identifier: str
    title: str
    standard: Standard
    edition: str | None
    schema_version: str | None
    organization: Organization
    organizations_ids: tuple[str, ...]
    resources: dict[str, Resource]
    warnings: tuple[str, ...] = field(default=())

    def iter_items(self) -> Iterator[tuple[Item, int]]:
        """Every item of the organization, depth-first in document order, with its depth
        (0 for the organization's direct children)."""
        stack: list[tuple[Item, int]] = [(item, 0) for item in reversed(self.organization.items)]
        while stack:
            item, depth = stack.pop()
            yield item, depth
            stack.extend((child, depth + 1) for child in reversed(item.children))

    def launchable_items(self) -> list[Item]:
        return [item for item, _ in self.iter_items() if item.is_launchable]

    def get_item(self, identifier: str) -> Item | None:
        return next((item for item, _ in self.iter_items() if item.identifier == identifier), None)

    def to_json(self) -> dict[str, Any]:
        """A JSON-serialisable dict of everything parsed (for storing and debugging)."""
        data = _jsonable(self)
        assert isinstance(data, dict)
        return data


def _jsonable(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        out = {f.name: _jsonable(getattr(value, f.name)) for f in fields(value)}
        if isinstance(value, Item):
            out["is_launchable"] = value.is_launchable
        return out
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


# --------------------------------------------------------------------------- XML helpers


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _ns(tag: object) -> str:
    return tag[1:].split("}", 1)[0] if isinstance(tag, str) and tag.startswith("{") else ""


def _children(el: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in el if _local(c.tag) == name]


def _child(el: ET.Element | None, name: str) -> ET.Element | None:
    if el is None:
        return None
    return next((c for c in el if _local(c.tag) == name), None)


def _child_ci(el: ET.Element, name: str) -> ET.Element | None:
    """Case-insensitive local-name match, for the adlcp elements that authoring tools spell
    in different cases (``masteryscore``, ``masteryScore``)."""
    name = name.casefold()
    return next((c for c in el if _local(c.tag).casefold() == name), None)


def _seq_child(el: ET.Element | None, name: str) -> ET.Element | None:
    """A child of an imsss element: the imsss one if present, never an adlseq/adlcp one
    (``adlseq:objectives`` shares its local name with ``imsss:objectives``)."""
    if el is None:
        return None
    candidates = [c for c in el if _local(c.tag) == name and _ns(c.tag) not in _NOT_IMSSS]
    preferred = [c for c in candidates if _ns(c.tag) == NS_IMSSS]
    found = preferred or candidates
    return found[0] if found else None


def _text(el: ET.Element | None) -> str | None:
    if el is None or el.text is None:
        return None
    text = el.text.strip()
    return text or None


def _clean_title(el: ET.Element, fallback: str) -> str:
    title = _child(el, "title")
    text = "".join(title.itertext()) if title is not None else ""
    text = " ".join(text.split())
    return text or fallback


def _xs_bool(value: str | None, default: bool) -> bool:
    """xs:boolean: "true"/"1" and "false"/"0" (case-tolerant); anything else → default."""
    if value is None:
        return default
    v = value.strip().lower()
    if v in ("true", "1"):
        return True
    if v in ("false", "0"):
        return False
    return default


def _float(value: str | None, what: str, warnings: list[str]) -> float | None:
    if value is None or not value.strip():
        return None
    try:
        return float(value.strip())
    except ValueError:
        warnings.append(f"{what} is {value.strip()!r}, which is not a number; it is ignored.")
        return None


def _parse_xml(data: bytes) -> tuple[ET.Element, set[str]]:
    namespaces: set[str] = set()
    depth = 0
    try:
        events = SafeET.iterparse(
            io.BytesIO(data),
            events=("start", "end", "start-ns"),
            forbid_dtd=True,
            forbid_entities=True,
            forbid_external=True,
        )
        for event, payload in events:
            if event == "start-ns":
                namespaces.add(payload[1])
            elif event == "start":
                depth += 1
                if depth > _MAX_DEPTH:
                    raise PackageError(
                        MANIFEST_TOO_COMPLEX,
                        f"imsmanifest.xml nests elements more than {_MAX_DEPTH} levels deep.",
                    )
            else:
                depth -= 1
        root = events.root
    except DefusedXmlException as exc:
        raise PackageError(
            UNSAFE_XML,
            "imsmanifest.xml contains a DTD or entity declaration (<!DOCTYPE …>/<!ENTITY …>); "
            "these are refused because they can read server files or exhaust memory "
            f"({type(exc).__name__}). Remove the DOCTYPE from the manifest.",
        ) from exc
    except ET.ParseError as exc:
        line, column = exc.position
        reason = str(exc).split(":")[0]
        raise PackageError(
            MALFORMED_XML,
            f"imsmanifest.xml is not well-formed XML: {reason} (line {line}, column {column + 1}).",
        ) from exc
    if root is None:  # pragma: no cover - iterparse always sets it after a full parse
        raise PackageError(MALFORMED_XML, "imsmanifest.xml is empty.")
    for el in root.iter():
        if ns := _ns(el.tag):
            namespaces.add(ns)
        namespaces.update(_ns(a) for a in el.attrib if _ns(a))
    return root, namespaces


# --------------------------------------------------------------------------- URLs


def _is_absolute(ref: str) -> bool:
    parts = urlsplit(ref)
    return bool(parts.scheme or parts.netloc) or ref.startswith("/")


def _normalise_path(path: str) -> str:
    """Resolve ``.`` and ``..`` segments of a relative path; a ``..`` that climbs above the
    package root is kept so that it can never match an archive file."""
    if not path:
        return path
    out: list[str] = []
    segments = path.split("/")
    for seg in segments:
        if seg in ("", "."):
            continue
        if seg == ".." and out and out[-1] != "..":
            out.pop()
        else:
            out.append(seg)
    result = "/".join(out)
    if path.endswith("/") and result:
        result += "/"
    return result


def _join_base(outer: str, inner: str | None) -> str:
    """Combine two ``xml:base`` values (outer first). A base is always a folder here: a
    missing trailing slash is added, a deliberate leniency for hand-written manifests."""
    if inner is None or not inner.strip():
        return outer
    inner = inner.strip()
    if not inner.endswith("/"):
        inner += "/"
    if _is_absolute(inner) or not outer:
        return inner
    if _is_absolute(outer):
        return urljoin(outer, inner)
    return _normalise_path(outer + inner)


def _resolve_href(base: str, href: str) -> str:
    """Apply the combined ``xml:base`` to an href. Backslashes in the path of a relative
    href become slashes, as browsers do for http(s) URLs and as the extractor does for
    archive names."""
    href = href.strip()
    if _is_absolute(href):
        return href
    parts = urlsplit(href)
    path = parts.path.replace("\\", "/")
    if _is_absolute(path):  # "\\x" was hiding an absolute path
        return urlunsplit(("", "", path, parts.query, parts.fragment))
    if _is_absolute(base):
        return urljoin(base, urlunsplit(("", "", path, parts.query, parts.fragment)))
    return urlunsplit(("", "", _normalise_path(base + path), parts.query, parts.fragment))


def build_launch_url(href: str, parameters: str | None) -> str:
    """Append an item's ``parameters`` to its resource href.

    SCORM 2004 CAM, Content Packaging, ``<item>`` element, ``parameters`` attribute
    (the same rule is used for SCORM 1.2 items): ignore a leading ``?`` or ``&``; a
    parameter starting with ``#`` is dropped
    when the href already has a fragment and appended as is otherwise; else join with
    ``&`` when the href already has a ``?``, with ``?`` when it has none.
    """
    if not parameters:
        return href
    params = parameters.strip()
    while params[:1] in ("?", "&"):
        params = params[1:]
    if not params:
        return href
    if params.startswith("#"):
        return href if "#" in href else href + params
    fragment = ""
    if "#" in href:  # the query goes before an existing fragment
        href, fragment = href.split("#", 1)
        fragment = "#" + fragment
    joiner = "&" if "?" in href else "?"
    return f"{href}{joiner}{params}{fragment}"


def _archive_path(url: str) -> str | None:
    """The archive file a relative URL points at (query/fragment dropped, %-decoded);
    ``None`` for a full URL to another site. A server-absolute path ("/x.html") is kept:
    it never matches an archive file."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return None
    path = unquote(parts.path)
    if path.startswith("/"):
        return path
    return unicodedata.normalize("NFC", _normalise_path(path))


# --------------------------------------------------------------------------- parsing


def _detect_standard(
    root: ET.Element, namespaces: set[str], warnings: list[str]
) -> tuple[Standard, str | None, str | None]:
    version = _text(_child(_child(root, "metadata"), "schemaversion"))
    if version is not None:
        known = _SCHEMAVERSIONS.get(" ".join(version.lower().split()))
        if known is not None:
            return known[0], known[1], version
        warnings.append(
            f"metadata/schemaversion {version!r} is not a SCORM version this LMS knows "
            "('1.2', 'CAM 1.3', '2004 3rd Edition', '2004 4th Edition'); the version was "
            "guessed from the XML namespaces."
        )
    else:
        warnings.append(
            "imsmanifest.xml has no metadata/schemaversion; the SCORM version was guessed "
            "from the XML namespaces."
        )
    if namespaces & _NS_2004_MARKERS:
        return "2004", None, version
    if namespaces & _NS_12_MARKERS:
        return "1.2", None, version
    if _ns(root.tag) == NS_IMSCP_2004:
        return "2004", None, version
    warnings.append("No SCORM namespace found either; the package is treated as SCORM 1.2.")
    return "1.2", None, version


def _scorm_type(el: ET.Element, warnings: list[str], ident: str) -> ScormType:
    raw: str | None = None
    for ns in (NS_ADLCP_2004, NS_ADLCP_12):
        for name in ("scormType", "scormtype"):
            raw = raw or el.get(f"{{{ns}}}{name}")
    if raw is None:
        raw = next((v for k, v in el.attrib.items() if _local(k).casefold() == "scormtype"), None)
    if raw is None:
        # SCORM 2004 CAM, <resource> adlcp:scormType: treated as an asset when absent.
        return "asset"
    value = raw.strip().lower()
    if value in ("sco", "asset"):
        return "sco" if value == "sco" else "asset"
    warnings.append(
        f"Resource {ident!r} has adlcp:scormType {raw!r} (expected 'sco' or 'asset'); it is "
        "treated as an asset."
    )
    return "asset"


def _parse_resources(
    root: ET.Element, manifest_base: str, warnings: list[str]
) -> dict[str, Resource]:
    resources: dict[str, Resource] = {}
    container = _child(root, "resources")
    if container is None:
        return resources
    base = _join_base(manifest_base, container.get(_XML_BASE))
    for el in _children(container, "resource"):
        ident = (el.get("identifier") or "").strip()
        if not ident:
            warnings.append("A <resource> has no identifier attribute; it is ignored.")
            continue
        if ident in resources:
            warnings.append(f"Resource identifier {ident!r} is used twice; the first is kept.")
            continue
        rbase = _join_base(base, el.get(_XML_BASE))
        raw_href = (el.get("href") or "").strip()
        files = tuple(
            _resolve_href(rbase, f.get("href", ""))
            for f in _children(el, "file")
            if (f.get("href") or "").strip()
        )
        deps = tuple(
            ref
            for d in _children(el, "dependency")
            if (ref := (d.get("identifierref") or "").strip())
        )
        resource = Resource(
            identifier=ident,
            type=(el.get("type") or "").strip(),
            scorm_type=_scorm_type(el, warnings, ident),
            href=_resolve_href(rbase, raw_href) if raw_href else None,
            base=rbase,
            files=files,
            dependencies=deps,
        )
        if resource.scorm_type == "sco" and resource.href is None:
            raise PackageError(
                SCO_WITHOUT_HREF,
                f'The resource {ident!r} is a SCO (adlcp:scormType="sco") but has no href, '
                "so there is nothing to launch.",
            )
        resources[ident] = resource
    for resource in resources.values():
        for dep in resource.dependencies:
            if dep not in resources:
                warnings.append(
                    f"Resource {resource.identifier!r} depends on {dep!r}, which is not defined."
                )
    return resources


def _sequencing_collection(root: ET.Element) -> dict[str, ET.Element]:
    collection = _seq_child(root, "sequencingCollection")
    if collection is None:
        return {}
    return {
        ident: seq
        for seq in _children(collection, "sequencing")
        if (ident := (seq.get("ID") or "").strip())
    }


def _effective_sequencing(
    seq: ET.Element | None, collection: dict[str, ET.Element], warnings: list[str], owner: str
) -> ET.Element | None:
    """Resolve ``IDRef``: the referenced ``imsss:sequencing`` of the sequencingCollection
    is the starting point and the item's own children replace children of the same kind
    (SCORM 2004 CAM, <imsss:sequencingCollection>: local definitions take precedence)."""
    if seq is None:
        return None
    ref = (seq.get("IDRef") or "").strip()
    if not ref:
        return seq
    shared = collection.get(ref)
    if shared is None:
        warnings.append(
            f"{owner} refers to sequencing {ref!r}, which imsss:sequencingCollection does not "
            "define; only its own sequencing is used."
        )
        return seq
    merged = ET.Element(seq.tag, {k: v for k, v in shared.attrib.items() if k != "ID"})
    merged.attrib.update({k: v for k, v in seq.attrib.items() if k != "IDRef"})
    local_tags = {c.tag for c in seq}
    merged.extend(copy.deepcopy(c) for c in shared if c.tag not in local_tags)
    merged.extend(copy.deepcopy(c) for c in seq)
    return merged


def _serialise(el: ET.Element | None) -> str:
    if el is None:
        return ""
    clone = copy.deepcopy(el)
    clone.tail = None
    return ET.tostring(clone, encoding="unicode")


@dataclass
class _Context:
    resources: dict[str, Resource]
    collection: dict[str, ET.Element]
    warnings: list[str]
    standard: Standard


def _parse_item(el: ET.Element, ctx: _Context) -> Item:
    warnings = ctx.warnings
    ident = (el.get("identifier") or "").strip()
    label = f"Item {ident!r}" if ident else "An item without identifier"
    ref = (el.get("identifierref") or "").strip() or None
    resource: Resource | None = None
    if ref is not None:
        resource = ctx.resources.get(ref)
        if resource is None:
            raise PackageError(
                MISSING_RESOURCE,
                f"The item {ident!r} refers to the resource {ref!r} (identifierref), but "
                "imsmanifest.xml defines no resource with that identifier.",
            )
    parameters = el.get("parameters")
    launch_url = None
    if resource is not None:
        if resource.href is not None:
            launch_url = build_launch_url(resource.href, parameters)
        else:
            warnings.append(
                f"{label} refers to resource {resource.identifier!r}, which has no href; it "
                "cannot be launched."
            )

    # adlcp extensions of <item>: SCORM 1.2 CAM (masteryscore, maxtimeallowed,
    # timelimitaction, datafromlms) and SCORM 2004 CAM (dataFromLMS, timeLimitAction).
    mastery = _float(_text(_child_ci(el, "masteryscore")), f"{label} masteryscore", warnings)
    data_from_lms = _text(_child_ci(el, "dataFromLMS"))
    max_time = _text(_child_ci(el, "maxtimeallowed"))
    time_action = _text(_child_ci(el, "timeLimitAction"))
    prerequisites, prerequisites_type = _prerequisites(el, ctx, label)

    # adlcp:completionThreshold: SCORM 2004 3rd ed. CAM gives a decimal as element text;
    # 4th ed. CAM an empty element with attributes completedByMeasure (default false),
    # minProgressMeasure (default 1.0) and progressWeight (default 1.0).
    threshold = None
    threshold_is_text = False
    completed_by_measure = False
    progress_weight = 1.0
    ct = _child_ci(el, "completionThreshold")
    if ct is not None:
        what = f"{label} completionThreshold"
        if ct.get("minProgressMeasure") is not None:
            threshold = _float(ct.get("minProgressMeasure"), what, warnings)
        else:
            threshold = _float(_text(ct), what, warnings)
            threshold_is_text = threshold is not None
        completed_by_measure = _xs_bool(ct.get("completedByMeasure"), False)
        weight = _float(ct.get("progressWeight"), f"{what} progressWeight", warnings)
        progress_weight = 1.0 if weight is None else weight

    seq = _effective_sequencing(_seq_child(el, "sequencing"), ctx.collection, warnings, label)
    limit = _seq_child(seq, "limitConditions")
    if max_time is None and limit is not None:
        max_time = (limit.get("attemptAbsoluteDurationLimit") or "").strip() or None
    objectives = _seq_child(seq, "objectives")
    primary = _seq_child(objectives, "primaryObjective")
    primary_id = (primary.get("objectiveID") or "").strip() or None if primary is not None else None
    objective_ids = [primary_id] if primary_id else []
    if objectives is not None:
        objective_ids += [
            oid
            for o in _children(objectives, "objective")
            if (oid := (o.get("objectiveID") or "").strip())
        ]
    satisfied_by_measure = False
    min_measure = None
    if primary is not None:
        satisfied_by_measure = _xs_bool(primary.get("satisfiedByMeasure"), False)
        min_measure = _float(
            _text(_seq_child(primary, "minNormalizedMeasure")),
            f"{label} minNormalizedMeasure",
            warnings,
        )
    # imsss:deliveryControls (IMS SS 5.1.8): whether the SCO sets its own completion and
    # objective status; both default false, and then the LMS sets them as the attempt ends.
    delivery = _seq_child(seq, "deliveryControls")
    rollup = _seq_child(seq, "rollupRules")
    weight_text = rollup.get("objectiveMeasureWeight") if rollup is not None else None
    measure_weight = _float(weight_text, f"{label} objectiveMeasureWeight", warnings)

    return Item(
        identifier=ident,
        title=_clean_title(el, ident),
        children=tuple(_parse_item(c, ctx) for c in _children(el, "item")),
        resource_id=ref,
        launch_url=launch_url,
        scorm_type=resource.scorm_type if resource is not None else None,
        is_visible=_xs_bool(el.get("isvisible"), True),
        parameters=parameters,
        mastery_score=mastery,
        data_from_lms=data_from_lms,
        max_time_allowed=max_time,
        time_limit_action=time_action,
        completion_threshold=threshold,
        completed_by_measure=completed_by_measure,
        progress_weight=progress_weight,
        min_normalized_measure=min_measure,
        satisfied_by_measure=satisfied_by_measure,
        rollup_objective_satisfied=_xs_bool(
            rollup.get("rollupObjectiveSatisfied") if rollup is not None else None, True
        ),
        rollup_progress_completion=_xs_bool(
            rollup.get("rollupProgressCompletion") if rollup is not None else None, True
        ),
        objective_measure_weight=1.0 if measure_weight is None else measure_weight,
        primary_objective_id=primary_id,
        objective_ids=tuple(objective_ids),
        completion_set_by_content=_xs_bool(
            delivery.get("completionSetByContent") if delivery is not None else None, False
        ),
        objective_set_by_content=_xs_bool(
            delivery.get("objectiveSetByContent") if delivery is not None else None, False
        ),
        sequencing_xml=_serialise(seq),
        prerequisites=prerequisites,
        prerequisites_type=prerequisites_type,
        completion_threshold_is_text=threshold_is_text,
        hide_lms_ui=_hide_lms_ui(el, label, warnings),
        shared_data=_shared_data(el, label, warnings),
    )


# adlnav_v1p3.xsd, hideLMSUIType.
HIDE_LMS_UI = ("abandon", "continue", "exit", "previous", "suspendAll", "exitAll", "abandonAll")


def _hide_lms_ui(el: ET.Element, label: str, warnings: list[str]) -> tuple[str, ...]:
    """``adlnav:presentation/adlnav:navigationInterface/adlnav:hideLMSUI`` (SCORM 2004 CAM,
    ADL navigation extensions): the LMS controls the SCO asks to hide while it is shown."""
    interface = _child(_child(el, "presentation"), "navigationInterface")
    found: list[str] = []
    for hide in _children(interface, "hideLMSUI") if interface is not None else []:
        value = _text(hide) or ""
        if value not in HIDE_LMS_UI:
            warnings.append(
                f"{label} asks to hide {value!r} (adlnav:hideLMSUI), which is not one of "
                f"{', '.join(HIDE_LMS_UI)}; it is ignored."
            )
        elif value not in found:
            found.append(value)
    return tuple(found)


def _shared_data(el: ET.Element, label: str, warnings: list[str]) -> tuple[SharedDataMap, ...]:
    """``adlcp:data/adlcp:map`` (SCORM 2004 4th ed. CAM): the shared data buckets of the
    item's SCO, with the adlcp_v1p3.xsd defaults (readSharedData true, writeSharedData false)."""
    data = _child(el, "data")
    maps: list[SharedDataMap] = []
    for entry in _children(data, "map") if data is not None else []:
        target = (entry.get("targetID") or "").strip()
        if not target:
            warnings.append(f"{label} has an adlcp:map without targetID; it is ignored.")
            continue
        maps.append(
            SharedDataMap(
                target_id=target,
                read_shared_data=_xs_bool(entry.get("readSharedData"), True),
                write_shared_data=_xs_bool(entry.get("writeSharedData"), False),
            )
        )
    return tuple(maps)


def _local_attr(el: ET.Element, name: str) -> str | None:
    """An attribute by local name, whatever its namespace prefix (``adlseq:``/``adlcp:``)."""
    return next((v for k, v in el.attrib.items() if _local(k) == name), None)


def _prerequisites(el: ET.Element, ctx: _Context, label: str) -> tuple[str, str]:
    """``adlcp:prerequisites`` of a SCORM 1.2 item (SCORM 1.2 CAM 2.3.2.5.1): its text and
    type. SCORM 2004 has no such element (its sequencing rules took its place): ignored."""
    found = _child_ci(el, "prerequisites")
    text = _text(found)
    if found is None or text is None:
        return "", ""
    if ctx.standard != "1.2":
        ctx.warnings.append(
            f"{label} has adlcp:prerequisites, which SCORM 2004 does not define (it uses "
            "sequencing rules); they are ignored."
        )
        return "", ""
    kind = (found.get("type") or "").strip() or prereq.SCRIPT_TYPE
    if kind.casefold() == prereq.SCRIPT_TYPE:
        return text, prereq.SCRIPT_TYPE
    ctx.warnings.append(
        f"{label} has prerequisites of type {kind!r}; only {prereq.SCRIPT_TYPE!r} is defined "
        "(SCORM 1.2 CAM), so they are not enforced."
    )
    return text, kind


def _pick_organization(root: ET.Element, warnings: list[str]) -> tuple[ET.Element, list[str]]:
    container = _child(root, "organizations")
    orgs = _children(container, "organization") if container is not None else []
    if not orgs:
        raise PackageError(
            NO_ORGANIZATIONS,
            "imsmanifest.xml has no <organization> inside <organizations>, so there is no "
            "course structure to show.",
        )
    ids = [(o.get("identifier") or "").strip() for o in orgs]
    assert container is not None
    default = (container.get("default") or "").strip()
    if default:
        for org, ident in zip(orgs, ids, strict=True):
            if ident == default:
                return org, ids
        warnings.append(
            f"<organizations default={default!r}> matches no organization; the first one "
            f"({ids[0]!r}) is used."
        )
    return orgs[0], ids


def _check_files(
    manifest_items: list[Item],
    resources: dict[str, Resource],
    files: Collection[str],
    warnings: list[str],
) -> None:
    available = {unicodedata.normalize("NFC", f) for f in files}
    folded = {f.casefold(): f for f in available}
    launch_paths: set[str] = set()
    for item in manifest_items:
        resource = resources[item.resource_id or ""]
        assert resource.href is not None
        path = _archive_path(resource.href)
        if path is None:
            warnings.append(
                f"Item {item.identifier!r} launches the external address {resource.href!r}."
            )
            continue
        if path not in available:
            hint = ""
            if path.casefold() in folded:
                hint = f" (the archive has {folded[path.casefold()]!r}; names are case-sensitive)"
            raise PackageError(
                MISSING_LAUNCH_FILE,
                f"The item {item.identifier!r} launches {path!r} (resource "
                f"{resource.identifier!r}), but the archive has no such file{hint}.",
            )
        launch_paths.add(path)
    missing: list[str] = []
    for resource in resources.values():
        for listed in resource.files:
            path = _archive_path(listed)
            if path and path not in available and path not in launch_paths:
                missing.append(f"{path} (resource {resource.identifier!r})")
    for entry in missing[:_MAX_FILE_WARNINGS]:
        warnings.append(f"The manifest lists {entry}, but the archive has no such file.")
    if len(missing) > _MAX_FILE_WARNINGS:
        warnings.append(f"… and {len(missing) - _MAX_FILE_WARNINGS} more listed files are missing.")


def _prerequisite_warnings(manifest: Manifest) -> list[str]:
    """An expression that cannot be enforced is the staff's to know about, not a failed
    import: the item stays launchable (scormlms.scorm.prerequisites, "broken expression")."""
    known = [item.identifier for item, _ in manifest.iter_items()]
    found = []
    for item, _ in manifest.iter_items():
        if item.prerequisites and item.prerequisites_type == prereq.SCRIPT_TYPE:
            why = prereq.problem(item.prerequisites, known)
            if why is not None:
                found.append(
                    f"Item {item.identifier!r} has the prerequisites {item.prerequisites!r}, "
                    f"which are not enforced: {why}."
                )
    return found


def parse_manifest(data: bytes, files: Collection[str] | None = None) -> Manifest:
    """Parse ``imsmanifest.xml`` and validate it.

    ``files`` is the archive's file list (posix paths relative to the package root, as
    :func:`scormlms.scorm.package.extract_package` returns them) used to check that launch
    files exist; ``None`` skips every file check. Raises :class:`PackageError`.
    """
    root, namespaces = _parse_xml(data)
    if _local(root.tag) != "manifest":
        raise PackageError(
            NOT_SCORM,
            f"The root element of imsmanifest.xml is <{_local(root.tag)}>, not <manifest>; "
            "this is not an IMS/SCORM content package manifest.",
        )
    warnings: list[str] = []
    standard, edition, schema_version = _detect_standard(root, namespaces, warnings)
    manifest_base = _join_base("", root.get(_XML_BASE))
    resources = _parse_resources(root, manifest_base, warnings)
    org_el, org_ids = _pick_organization(root, warnings)
    ctx = _Context(resources, _sequencing_collection(root), warnings, standard)
    org_id = (org_el.get("identifier") or "").strip()
    organization = Organization(
        identifier=org_id,
        title=_clean_title(org_el, org_id),
        items=tuple(_parse_item(el, ctx) for el in _children(org_el, "item")),
        sequencing_xml=_serialise(
            _effective_sequencing(
                _seq_child(org_el, "sequencing"), ctx.collection, warnings, "The organization"
            )
        ),
        # adlseq_v1p3.xsd and adlcp_v1p3.xsd: both attributes default to true.
        objectives_global_to_system=_xs_bool(_local_attr(org_el, "objectivesGlobalToSystem"), True),
        shared_data_global_to_system=_xs_bool(
            _local_attr(org_el, "sharedDataGlobalToSystem"), True
        ),
    )
    identifier = (root.get("identifier") or "").strip()
    manifest = Manifest(
        identifier=identifier,
        title=organization.title or identifier,
        standard=standard,
        edition=edition,
        schema_version=schema_version,
        organization=organization,
        organizations_ids=tuple(org_ids),
        resources=resources,
        warnings=(),
    )
    launchable = manifest.launchable_items()
    if not launchable:
        raise PackageError(
            NO_LAUNCHABLE_ITEMS,
            f"The organization {org_id!r} has no item that points to a resource with an "
            "href, so a learner would have nothing to open.",
        )
    if files is not None:
        _check_files(launchable, resources, files, warnings)
    warnings.extend(_prerequisite_warnings(manifest))
    return Manifest(
        identifier=identifier,
        title=manifest.title,
        standard=standard,
        edition=edition,
        schema_version=schema_version,
        organization=organization,
        organizations_ids=tuple(org_ids),
        resources=resources,
        warnings=tuple(warnings),
    )
