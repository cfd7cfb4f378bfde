"""Hangul HWPX and HWP 5 (issue 19): generated HWPX packages for the format, hand-built HWP 5 record
streams for the parser, and the real files of ../shared/corpus/hwp for both."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest

from core.ingest.errors import IngestError
from core.ingest.hwp import _hwp_section, _Sections, load_hwp, load_hwpx
from core.ingest.limits import LimitExceeded, ReadBudget, ReadLimits
from core.ingest.loaders import load
from core.ingest.sniff import sniff_kind

NS = ('xmlns:hs="http://www.hancom.co.kr/hwpml/2011/section" '
      'xmlns:hp="http://www.hancom.co.kr/hwpml/2011/paragraph"')
HEADER = ('<hh:head xmlns:hh="http://www.hancom.co.kr/hwpml/2011/head"><hh:styles>'
          '<hh:style id="0" type="PARA" name="바탕글" engName="Normal"/>'
          '<hh:style id="2" type="PARA" name="개요 1" engName="Outline 1"/>'
          '</hh:styles></hh:head>')


def p(text: str, style: int = 0, inner: str = "") -> str:
    return f'<hp:p styleIDRef="{style}"><hp:run><hp:t>{text}</hp:t>{inner}</hp:run></hp:p>'


def tbl(rows: list[list[str]]) -> str:
    cells = "".join("<hp:tr>" + "".join(f"<hp:tc><hp:subList>{p(c)}</hp:subList></hp:tc>" for c in row) + "</hp:tr>"
                    for row in rows)
    return f"<hp:tbl>{cells}</hp:tbl>"


def hwpx(*sections: str, header: str = HEADER, manifest: str = "<odf:manifest/>") -> bytes:
    """A HWPX package as Hangul writes one: mimetype first, header, sections, manifest."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/hwp+zip", zipfile.ZIP_STORED)
        archive.writestr("Contents/header.xml", header)
        for number, body in enumerate(sections):
            archive.writestr(f"Contents/section{number}.xml", f'<?xml version="1.0"?><hs:sec {NS}>{body}</hs:sec>')
        archive.writestr("META-INF/manifest.xml", manifest)
    return out.getvalue()


def test_hwpx_text_in_order_with_headings_and_tables_kept_with_their_header():
    data = hwpx(p("개요", style=2) + p("첫 문단입니다.") + p("표 앞", inner=tbl([["이름", "점수"], ["철수", "90"]]))
                + p("둘째 절", style=2), p("다음 구역의 문단."))
    assert sniff_kind("보고서.hwpx", data) == "hwpx"
    loaded = load("hwpx", data)
    assert [(page.heading, page.text, page.table) for page in loaded.pages] == [
        ("개요", "개요\n\n첫 문단입니다.\n\n표 앞", False),
        ("개요", "이름 | 점수\n철수 | 90", True),
        ("둘째 절", "둘째 절\n\n다음 구역의 문단.", False),
    ]
    assert loaded.page_count is None and all(page.number is None for page in loaded.pages)


def test_hwpx_line_breaks_tabs_and_a_framed_title_are_plain_text():
    data = hwpx(p("가<hp:lineBreak/>나<hp:tab/>다") + p("", inner=tbl([["공공데이터 제공 표준"]])))
    assert load_hwpx(data).pages[0].text == "가\n나\t다\n\n공공데이터 제공 표준"


def test_hwpx_xml_bomb_is_refused():
    bomb = ('<?xml version="1.0"?><!DOCTYPE sec [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
            f'<hs:sec {NS}><hp:p><hp:run><hp:t>&b;</hp:t></hp:run></hp:p></hs:sec>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/hwp+zip")
        archive.writestr("Contents/section0.xml", bomb)
    with pytest.raises(IngestError, match="XML bomb"):
        load("hwpx", out.getvalue())


def test_hwpx_zip_bomb_is_refused_before_it_is_parsed():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/hwp+zip")
        with archive.open("Contents/section0.xml", "w", force_zip64=True) as part:
            for _ in range(20):
                part.write(b"\0" * (1024 * 1024))
    with pytest.raises(IngestError, match=r"refused: this \.hwpx file would expand to 20 MB .* ZIP bomb"):
        sniff_kind("report.hwpx", out.getvalue())


def test_hwpx_truncated_or_not_really_says_so():
    data = hwpx(p("문단"))
    with pytest.raises(IngestError, match="damaged"):
        sniff_kind("cut.hwpx", data[: len(data) // 2])
    with pytest.raises(IngestError, match=r"not a valid \.hwpx file"):
        sniff_kind("fake.hwpx", "한글 문서가 아닙니다".encode())
    plain_zip = io.BytesIO()
    with zipfile.ZipFile(plain_zip, "w") as archive:
        archive.writestr("a.txt", "x")
    with pytest.raises(IngestError, match="not a Word, PowerPoint, Excel or Hangul"):
        sniff_kind("fake.hwpx", plain_zip.getvalue())


def test_hwpx_password_protected_says_what_to_do():
    data = hwpx(p("비밀"), manifest="<odf:manifest><odf:encryption-data/></odf:manifest>")
    with pytest.raises(IngestError, match="password-protected; open it in Hangul"):
        load_hwpx(data)


def test_hwpx_huge_table_is_held_to_max_chars():
    data = hwpx(p("", inner=tbl([["열", "값"]] + [[f"행 {i}", "x" * 50] for i in range(200)])))
    with pytest.raises(LimitExceeded, match="max_chars"):
        load("hwpx", data, limits=ReadLimits(chars=5_000))


# HWP 5 records: a 32-bit header (tag, level, size), then the payload; text is UTF-16LE.
def record(tag: int, level: int, payload: bytes) -> bytes:
    return struct.pack("<I", tag | level << 10 | len(payload) << 20) + payload


def paragraph(text: str, level: int = 0, style: int = 0) -> bytes:
    header = struct.pack("<IIHB", len(text), 0, 0, style)
    return record(66, level, header) + record(67, level + 1, text.encode("utf-16-le"))


def table(rows: list[list[str]], level: int = 1) -> bytes:
    """A table control: its header, then per cell a list header (row at byte 10) and the cell's paragraph."""
    out = record(71, level, b" lbt" + bytes(40)) + record(77, level + 1, bytes(20))
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            out += record(72, level + 1, struct.pack("<HHIHH", 1, 0, 0, c, r) + bytes(20))
            out += paragraph(cell, level + 1)
    return out


def hwp_pages(body: bytes, limits: ReadLimits | None = None, outline: dict[int, int] | None = None) -> list:
    out = _Sections(ReadBudget(limits or ReadLimits()))
    _hwp_section(body, out, outline or {})
    return out.loaded("hwp").pages


def test_hwp5_paragraphs_tables_and_controls():
    tab = "\t".encode("utf-16-le") + bytes(14)  # an inline control: 8 code units
    body = (paragraph("개요", style=2) + record(66, 0, struct.pack("<IIHB", 3, 0, 0, 0))
            + record(67, 1, "앞".encode("utf-16-le") + tab + "뒤\r".encode("utf-16-le"))
            + paragraph("표 앞") + table([["이름", "점수"], ["영희", "95"]]) + paragraph("표 뒤"))
    pages = hwp_pages(body, outline={2: 1})
    assert [(page.heading, page.text, page.table) for page in pages] == [
        ("개요", "개요\n\n앞\t뒤\n\n표 앞", False),
        ("개요", "이름 | 점수\n영희 | 95", True),
        ("개요", "표 뒤", False),
    ]


def test_hwp5_a_record_cut_short_ends_the_stream_without_a_crash():
    body = paragraph("온전한 문단") + paragraph("잘린 문단")[:-3]
    assert [page.text for page in hwp_pages(body)] == ["온전한 문단"]


def test_hwp5_huge_table_is_held_to_max_chars():
    body = table([["열", "값"]] + [[f"행 {i}", "x" * 50] for i in range(200)])
    with pytest.raises(LimitExceeded, match="max_chars"):
        hwp_pages(body, ReadLimits(chars=5_000))


def test_a_text_file_named_hwp_is_refused():
    with pytest.raises(IngestError, match=r"not a valid \.hwp file"):
        sniff_kind("fake.hwp", "그냥 글입니다".encode())
    with pytest.raises(IngestError, match="Hangul 97 or older"):
        sniff_kind("old.hwp", b"HWP Document File V3.00 \x1a\x01\x02\x03\x04\x05" + bytes(100))


# The real files: HWPX from hwpxlib's tests, HWP 5 from hwplib's (../shared/corpus/hwp/README.md).
KNOWN_WORDS = {
    "hwpxlib_news-article_multipara.hwpx": ["김하성", "샌디에이고", "3점홈런"],
    "hwpxlib_press-release-mcst-2024.hwpx": ["문화체육관광부", "장미란 제2차관", "진천 국가대표 선수촌"],
    "hwpxlib_public-data-standard-transit-centers.hwpx": ["공공데이터 제공 표준", "대중교통환승센터", "환승센터명"],
    "hwpxlib_table.hwpx": ["C반 기말고사", "이름 | 국어 | 영어 | 수학", "개똥이 | 89 | 65 | 78"],
    "hwplib_extracting_ParaHead.hwp": ["16"],
    "hwplib_merging-cell.hwp": ["0,0 | 0,1 | 0,2", "6,0 | 6,1"],
    "hwplib_etc.hwp": ["가나다라", "ㅁㅁㅁ촘"],
}


@pytest.mark.parametrize("name", sorted(KNOWN_WORDS))
def test_corpus_hangul_files_load_with_their_text(corpus, name):
    data = (corpus / "hwp" / name).read_bytes()
    loaded = load(sniff_kind(name, data), data)
    text = "\n".join(page.text for page in loaded.pages)
    for words in KNOWN_WORDS[name]:
        assert words in text
    assert "\x00" not in text and loaded.page_count is None


def test_corpus_tables_keep_their_header_first(corpus):
    data = (corpus / "hwp" / "hwpxlib_public-data-standard-transit-centers.hwpx").read_bytes()
    tables = [page.text for page in load_hwpx(data).pages if page.table]
    assert tables[0].startswith("항목 | 내용\n")
    assert tables[1].startswith("NO | 항목명 | 구분 (필수/선택) | 설명")


def test_corpus_distribution_protected_hwp_gets_one_clear_sentence(corpus):
    data = (corpus / "hwp" / "hwplib_distribution.hwp").read_bytes()
    assert sniff_kind("distribution.hwp", data) == "hwp"
    with pytest.raises(IngestError, match=r"distribution-protected \(배포용 문서\).*ask its author"):
        load_hwp(data)


@pytest.mark.parametrize("name", ["hwplib_merging-cell.hwp", "hwpxlib_table.hwpx"])
def test_corpus_truncated_hangul_files_are_called_damaged(corpus, name):
    data = (corpus / "hwp" / name).read_bytes()[:3000]
    with pytest.raises(IngestError, match="damaged"):
        load(sniff_kind(name, data), data)


def test_corpus_hwpx_is_searchable_after_ingest(corpus, app):
    [result] = app.ingest_paths([corpus / "hwp" / "hwpxlib_news-article_multipara.hwpx"])
    assert result.ok, result.message
    assert result.chunks >= 1 and result.pages is None
