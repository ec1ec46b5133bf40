#!/usr/bin/env python3
"""Writes a docx, an xlsx, a pptx and an odt into DIR, each showing TEXT and
a picture that is an SVG (with a script and event handlers) beside its PNG
fallback, the way Office 365 and LibreOffice save an SVG picture.

Usage: make_svg_office.py DIR TEXT"""
import struct
import sys
import zipfile
import zlib

RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_A = 'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'
NS_R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
SVG = ('<?xml version="1.0" encoding="UTF-8"?>\n'
       '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20" onload="alert(1)">'
       '<script>alert(2)</script><rect width="20" height="20" fill="red"/></svg>')


def png(w=20, h=20):
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    rows = b"".join(b"\x00" + b"\x00\x80\xff" * w for _ in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def blip(png_id, svg_id):
    return (f'<a:blip r:embed="{png_id}"><a:extLst><a:ext uri="{{96DAC541-7B7A-43D3-8B79-37D633B846F1}}">'
            '<asvg:svgBlip xmlns:asvg="http://schemas.microsoft.com/office/drawing/2016/SVG/main" '
            f'r:embed="{svg_id}"/></a:ext></a:extLst></a:blip>')


def rels(*triples):
    body = "".join(f'<Relationship Id="{i}" Type="{RT}{t}" Target="{g}"/>' for i, t, g in triples)
    return f'<Relationships xmlns="{PKG_RELS}">{body}</Relationships>'


def types(*overrides):
    body = "".join(f'<Override PartName="{p}" ContentType="{c}"/>' for p, c in overrides)
    return ('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Default Extension="png" ContentType="image/png"/>'
            f'<Default Extension="svg" ContentType="image/svg+xml"/>{body}</Types>')


def write(path, parts):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts:
            z.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), data)


def pic_xml(prefix, text_id):
    """A DrawingML picture (pic: in Word, xdr:/p: elsewhere)."""
    return (f'<{prefix}:pic><{prefix}:nvPicPr><{prefix}:cNvPr id="{text_id}" name="Picture"/>'
            f'<{prefix}:cNvPicPr/></{prefix}:nvPicPr><{prefix}:blipFill>{blip("rId7", "rId8")}'
            f'<a:stretch><a:fillRect/></a:stretch></{prefix}:blipFill><{prefix}:spPr>'
            '<a:xfrm><a:off x="0" y="0"/><a:ext cx="190500" cy="190500"/></a:xfrm>'
            f'<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></{prefix}:spPr></{prefix}:pic>')


def docx(path, text):
    doc = ('<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
           'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
           f'{NS_A} {NS_R} xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture">'
           f'<w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p><w:p><w:r><w:drawing>'
           '<wp:inline><wp:extent cx="190500" cy="190500"/><wp:docPr id="1" name="Picture"/>'
           '<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">'
           f'{pic_xml("pic", 1)}</a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>'
           '</w:body></w:document>')
    write(path, [
        ("[Content_Types].xml", types(("/word/document.xml", "application/vnd.openxmlformats-"
                                       "officedocument.wordprocessingml.document.main+xml"))),
        ("_rels/.rels", rels(("rId1", "officeDocument", "word/document.xml"))),
        ("word/document.xml", doc),
        ("word/_rels/document.xml.rels", rels(("rId7", "image", "media/image1.png"),
                                              ("rId8", "image", "media/image2.svg"))),
        ("word/media/image1.png", png()),
        ("word/media/image2.svg", SVG),
    ])


def xlsx(path, text):
    ct = "application/vnd.openxmlformats-officedocument.spreadsheetml."
    book = ('<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            f'{NS_R}><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
    sheet = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
             f'{NS_R}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>{text}</t></is></c>'
             '</row></sheetData><drawing r:id="rId1"/></worksheet>')
    drawing = ('<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" '
               f'{NS_A} {NS_R}><xdr:oneCellAnchor><xdr:from><xdr:col>1</xdr:col><xdr:colOff>0</xdr:colOff>'
               '<xdr:row>1</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:ext cx="190500" cy="190500"/>'
               f'{pic_xml("xdr", 2)}<xdr:clientData/></xdr:oneCellAnchor></xdr:wsDr>')
    write(path, [
        ("[Content_Types].xml", types(("/xl/workbook.xml", ct + "sheet.main+xml"),
                                      ("/xl/worksheets/sheet1.xml", ct + "worksheet+xml"),
                                      ("/xl/drawings/drawing1.xml",
                                       "application/vnd.openxmlformats-officedocument.drawing+xml"))),
        ("_rels/.rels", rels(("rId1", "officeDocument", "xl/workbook.xml"))),
        ("xl/workbook.xml", book),
        ("xl/_rels/workbook.xml.rels", rels(("rId1", "worksheet", "worksheets/sheet1.xml"))),
        ("xl/worksheets/sheet1.xml", sheet),
        ("xl/worksheets/_rels/sheet1.xml.rels", rels(("rId1", "drawing", "../drawings/drawing1.xml"))),
        ("xl/drawings/drawing1.xml", drawing),
        ("xl/drawings/_rels/drawing1.xml.rels", rels(("rId7", "image", "../media/image1.png"),
                                                     ("rId8", "image", "../media/image2.svg"))),
        ("xl/media/image1.png", png()),
        ("xl/media/image2.svg", SVG),
    ])


def pptx(path, text):
    ct = "application/vnd.openxmlformats-officedocument.presentationml."
    ns_p = 'xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"'
    tree = ('<p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr>'
            '<p:grpSpPr/>')
    pres = (f'<p:presentation {ns_p} {NS_R}><p:sldMasterIdLst><p:sldMasterId id="2147483648" '
            'r:id="rId2"/></p:sldMasterIdLst><p:sldIdLst><p:sldId id="256" r:id="rId1"/>'
            '</p:sldIdLst><p:sldSz cx="9144000" cy="6858000"/><p:notesSz cx="6858000" cy="9144000"/>'
            '</p:presentation>')
    master = (f'<p:sldMaster {ns_p} {NS_A} {NS_R}><p:cSld><p:spTree>{tree}</p:spTree></p:cSld>'
              '<p:clrMap bg1="lt1" tx1="dk1" bg2="lt2" tx2="dk2" accent1="accent1" accent2="accent2" '
              'accent3="accent3" accent4="accent4" accent5="accent5" accent6="accent6" hlink="hlink" '
              'folHlink="folHlink"/><p:sldLayoutIdLst><p:sldLayoutId id="2147483649" r:id="rId1"/>'
              '</p:sldLayoutIdLst></p:sldMaster>')
    layout = (f'<p:sldLayout {ns_p} {NS_A} {NS_R}><p:cSld><p:spTree>{tree}</p:spTree></p:cSld>'
              '</p:sldLayout>')
    slide = (f'<p:sld {ns_p} {NS_A} {NS_R}><p:cSld><p:spTree>{tree}'
             '<p:sp><p:nvSpPr><p:cNvPr id="2" name="Text"/><p:cNvSpPr txBox="1"/><p:nvPr/></p:nvSpPr>'
             '<p:spPr><a:xfrm><a:off x="457200" y="457200"/><a:ext cx="6000000" cy="900000"/></a:xfrm>'
             '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></p:spPr><p:txBody><a:bodyPr/>'
             f'<a:p><a:r><a:rPr lang="en-US"/><a:t>{text}</a:t></a:r></a:p></p:txBody></p:sp>'
             f'{pic_xml("p", 3)}</p:spTree></p:cSld></p:sld>')
    theme = ('<a:theme xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" name="T">'
             '<a:themeElements><a:clrScheme name="C">'
             + "".join(f'<a:{n}><a:srgbClr val="{v}"/></a:{n}>' for n, v in [
                 ("dk1", "000000"), ("lt1", "FFFFFF"), ("dk2", "1F497D"), ("lt2", "EEECE1"),
                 ("accent1", "4F81BD"), ("accent2", "C0504D"), ("accent3", "9BBB59"),
                 ("accent4", "8064A2"), ("accent5", "4BACC6"), ("accent6", "F79646"),
                 ("hlink", "0000FF"), ("folHlink", "800080")])
             + '</a:clrScheme><a:fontScheme name="F"><a:majorFont><a:latin typeface="Arial"/>'
             '<a:ea typeface=""/><a:cs typeface=""/></a:majorFont><a:minorFont><a:latin typeface="Arial"/>'
             '<a:ea typeface=""/><a:cs typeface=""/></a:minorFont></a:fontScheme>'
             '<a:fmtScheme name="S"><a:fillStyleLst><a:noFill/><a:noFill/><a:noFill/></a:fillStyleLst>'
             '<a:lnStyleLst><a:ln/><a:ln/><a:ln/></a:lnStyleLst><a:effectStyleLst><a:effectStyle>'
             '<a:effectLst/></a:effectStyle><a:effectStyle><a:effectLst/></a:effectStyle><a:effectStyle>'
             '<a:effectLst/></a:effectStyle></a:effectStyleLst><a:bgFillStyleLst><a:noFill/><a:noFill/>'
             '<a:noFill/></a:bgFillStyleLst></a:fmtScheme></a:themeElements></a:theme>')
    write(path, [
        ("[Content_Types].xml", types(("/ppt/presentation.xml", ct + "presentation.main+xml"),
                                      ("/ppt/slides/slide1.xml", ct + "slide+xml"),
                                      ("/ppt/slideMasters/slideMaster1.xml", ct + "slideMaster+xml"),
                                      ("/ppt/slideLayouts/slideLayout1.xml", ct + "slideLayout+xml"),
                                      ("/ppt/theme/theme1.xml",
                                       "application/vnd.openxmlformats-officedocument.theme+xml"))),
        ("_rels/.rels", rels(("rId1", "officeDocument", "ppt/presentation.xml"))),
        ("ppt/presentation.xml", pres),
        ("ppt/_rels/presentation.xml.rels", rels(("rId1", "slide", "slides/slide1.xml"),
                                                 ("rId2", "slideMaster", "slideMasters/slideMaster1.xml"))),
        ("ppt/slideMasters/slideMaster1.xml", master),
        ("ppt/slideMasters/_rels/slideMaster1.xml.rels",
         rels(("rId1", "slideLayout", "../slideLayouts/slideLayout1.xml"),
              ("rId2", "theme", "../theme/theme1.xml"))),
        ("ppt/slideLayouts/slideLayout1.xml", layout),
        ("ppt/slideLayouts/_rels/slideLayout1.xml.rels",
         rels(("rId1", "slideMaster", "../slideMasters/slideMaster1.xml"))),
        ("ppt/theme/theme1.xml", theme),
        ("ppt/slides/slide1.xml", slide),
        ("ppt/slides/_rels/slide1.xml.rels",
         rels(("rId1", "slideLayout", "../slideLayouts/slideLayout1.xml"),
              ("rId7", "image", "../media/image1.png"), ("rId8", "image", "../media/image2.svg"))),
        ("ppt/media/image1.png", png()),
        ("ppt/media/image2.svg", SVG),
    ])


def odt(path, text):
    mime = "application/vnd.oasis.opendocument.text"
    manifest = ('<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
                'manifest:version="1.3">'
                f'<manifest:file-entry manifest:full-path="/" manifest:version="1.3" manifest:media-type="{mime}"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                '<manifest:file-entry manifest:full-path="Pictures/a.svg" manifest:media-type="image/svg+xml"/>'
                '<manifest:file-entry manifest:full-path="Pictures/a.png" manifest:media-type="image/png"/>'
                '</manifest:manifest>')
    content = ('<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
               'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
               'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
               'xmlns:xlink="http://www.w3.org/1999/xlink" office:version="1.3"><office:body>'
               f'<office:text><text:p>{text}</text:p><text:p><draw:frame draw:name="I1" '
               'svg:width="0.5cm" svg:height="0.5cm" text:anchor-type="as-char">'
               '<draw:image xlink:href="Pictures/a.svg" xlink:type="simple"/>'
               '<draw:image xlink:href="Pictures/a.png" xlink:type="simple"/></draw:frame></text:p>'
               '</office:text></office:body></office:document-content>')
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype", (1980, 1, 1, 0, 0, 0)), mime)
        for name, data in [("META-INF/manifest.xml", manifest), ("content.xml", content),
                           ("Pictures/a.svg", SVG), ("Pictures/a.png", png())]:
            info = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)


if __name__ == "__main__":
    out, body = sys.argv[1], sys.argv[2]
    for make, ext in ((docx, "docx"), (xlsx, "xlsx"), (pptx, "pptx"), (odt, "odt")):
        make(f"{out}/svg-picture.{ext}", body)
