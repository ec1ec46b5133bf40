#!/usr/bin/env python3
"""Office documents made at test time for the policy pdf tests.

make_office_docs.py DIR PORT writes into DIR:
  jp.rtf        Japanese and English text (made into .doc by the test)
  table.csv     a table (made into .xls by the test)
  slides.odp    one slide (made into .ppt by the test)
  text.sxw, table.sxc, slides.sxi
                StarOffice 1.x packages, with the DOCTYPEs real ones carry
  macro.odt     an ODT whose Basic macro runs on open: it writes
                DIR/macro-ran and puts MACRO RAN into the document
  long.sxw      about 1000 pages of text, so that no LibreOffice converts it
                within the tests' 1 s time limit, however fast the machine
  remote.sxw    a picture linked from http://127.0.0.1:PORT/remote.png
                (StarOffice: passed to LibreOffice as it is)
Each document's text is printed as NAME|TEXT, one a line.
"""
import os
import sys
import zipfile

OOO = {
    "office": "http://openoffice.org/2000/office",
    "text": "http://openoffice.org/2000/text",
    "table": "http://openoffice.org/2000/table",
    "draw": "http://openoffice.org/2000/drawing",
    "svg": "http://www.w3.org/2000/svg",
    "style": "http://openoffice.org/2000/style",
    "presentation": "http://openoffice.org/2000/presentation",
    "xlink": "http://www.w3.org/1999/xlink",
}
ODF = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
    "svg": "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0",
    "presentation": "urn:oasis:names:tc:opendocument:xmlns:presentation:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "script": "urn:oasis:names:tc:opendocument:xmlns:script:1.0",
    "xlink": "http://www.w3.org/1999/xlink",
    "ooo": "http://openoffice.org/2004/office",
}


def xmlns(ns):
    return " ".join('xmlns:%s="%s"' % kv for kv in ns.items())


def package(path, mimetype, files, manifest):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), mimetype)
        for name, data in files.items():
            z.writestr(name, data, zipfile.ZIP_DEFLATED)
        z.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)


def staroffice(path, kind, body):
    mimetype = "application/vnd.sun.xml." + kind
    cls = {"writer": "text", "calc": "spreadsheet", "impress": "presentation"}[kind]
    content = ('<?xml version="1.0" encoding="UTF-8"?>\n'
               '<!DOCTYPE office:document-content PUBLIC "-//OpenOffice.org//DTD '
               'OfficeDocument 1.0//EN" "office.dtd">\n'
               '<office:document-content %s office:class="%s" office:version="1.0">'
               '<office:body>%s</office:body></office:document-content>'
               % (xmlns(OOO), cls, body))
    manifest = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                '<!DOCTYPE manifest:manifest PUBLIC "-//OpenOffice.org//DTD Manifest 1.0//EN" '
                '"Manifest.dtd">\n'
                '<manifest:manifest xmlns:manifest="http://openoffice.org/2001/manifest">'
                '<manifest:file-entry manifest:media-type="%s" manifest:full-path="/"/>'
                '<manifest:file-entry manifest:media-type="text/xml" '
                'manifest:full-path="content.xml"/></manifest:manifest>' % mimetype)
    package(path, mimetype, {"content.xml": content}, manifest)


def odf_manifest(mimetype, entries):
    rows = "".join('<manifest:file-entry manifest:full-path="%s" manifest:media-type="%s"/>'
                   % e for e in entries)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest '
            'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
            'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
            'manifest:version="1.2" manifest:media-type="%s"/>%s</manifest:manifest>'
            % (mimetype, rows))


def odp(path, text):
    mimetype = "application/vnd.oasis.opendocument.presentation"
    content = ('<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content %s '
               'office:version="1.2"><office:body><office:presentation>'
               '<draw:page draw:name="p1"><draw:frame svg:x="2cm" svg:y="2cm" '
               'svg:width="20cm" svg:height="4cm"><draw:text-box><text:p>%s</text:p>'
               '</draw:text-box></draw:frame></draw:page></office:presentation></office:body>'
               '</office:document-content>' % (xmlns(ODF), text))
    package(path, mimetype, {"content.xml": content},
            odf_manifest(mimetype, [("content.xml", "text/xml")]))


def macro_odt(path, flag, text):
    """An ODT that runs Standard.Module1.Main when it is opened."""
    mimetype = "application/vnd.oasis.opendocument.text"
    basic = ('Sub Main\n'
             '  Dim n As Integer\n'
             '  n = FreeFile\n'
             '  Open "%s" For Output As #n\n'
             '  Print #n, "ran"\n'
             '  Close #n\n'
             '  ThisComponent.getText().getEnd().setString("MACRO RAN")\n'
             'End Sub\n' % flag)
    module = ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE script:module PUBLIC '
              '"-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">\n'
              '<script:module xmlns:script="http://openoffice.org/2000/script" '
              'script:name="Module1" script:language="StarBasic">%s</script:module>'
              % basic.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;"))
    lb = ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE library:library PUBLIC '
          '"-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "library.dtd">\n'
          '<library:library xmlns:library="http://openoffice.org/2000/library" '
          'library:name="Standard" library:readonly="false" library:passwordprotected="false">'
          '<library:element library:name="Module1"/></library:library>')
    lc = ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE library:libraries PUBLIC '
          '"-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "libraries.dtd">\n'
          '<library:libraries xmlns:library="http://openoffice.org/2000/library" '
          'xmlns:xlink="http://www.w3.org/1999/xlink"><library:library library:name="Standard" '
          'library:link="false"/></library:libraries>')
    content = ('<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content %s '
               'office:version="1.2"><office:scripts><office:event-listeners>'
               '<script:event-listener script:language="ooo:script" script:event-name="dom:load" '
               'xlink:href="vnd.sun.star.script:Standard.Module1.Main?language=Basic&amp;'
               'location=document" xlink:type="simple"/></office:event-listeners></office:scripts>'
               '<office:body><office:text><text:p>%s</text:p></office:text></office:body>'
               '</office:document-content>' % (xmlns(ODF), text))
    files = {"content.xml": content, "Basic/script-lc.xml": lc,
             "Basic/Standard/script-lb.xml": lb, "Basic/Standard/Module1.xml": module}
    package(path, mimetype, files,
            odf_manifest(mimetype, [(n, "text/xml") for n in files]))


def main():
    out, port = sys.argv[1], int(sys.argv[2])
    os.makedirs(out, exist_ok=True)
    docs = {}

    jp = "無害化された文書の日本語テキスト"
    rtf_jp = "".join("\\u%d?" % ord(c) for c in jp)
    with open(os.path.join(out, "jp.rtf"), "w") as f:
        f.write("{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 IPAGothic;}}\\f0\\fs24 "
                "Generated legacy Word document\\par %s\\par}" % rtf_jp)
    docs["jp.rtf"] = "Generated legacy Word document|" + jp

    with open(os.path.join(out, "table.csv"), "w") as f:
        f.write("Item,Amount\nGenerated spreadsheet cell,42\n")
    docs["table.csv"] = "Generated spreadsheet cell"

    odp(os.path.join(out, "slides.odp"), "Generated presentation slide")
    docs["slides.odp"] = "Generated presentation slide"

    staroffice(os.path.join(out, "text.sxw"), "writer",
               "<text:p>StarOffice writer document</text:p>")
    docs["text.sxw"] = "StarOffice writer document"
    staroffice(os.path.join(out, "table.sxc"), "calc",
               '<table:table table:name="Sheet1"><table:table-row><table:table-cell>'
               "<text:p>StarOffice calc cell</text:p></table:table-cell></table:table-row>"
               "</table:table>")
    docs["table.sxc"] = "StarOffice calc cell"
    staroffice(os.path.join(out, "slides.sxi"), "impress",
               '<draw:page draw:name="page1"><draw:text-box svg:x="2cm" svg:y="2cm" '
               'svg:width="20cm" svg:height="4cm"><text:p>StarOffice impress slide</text:p>'
               "</draw:text-box></draw:page>")
    docs["slides.sxi"] = "StarOffice impress slide"

    staroffice(os.path.join(out, "long.sxw"), "writer",
               "".join("<text:p>Long StarOffice document, paragraph %d: %s</text:p>"
                       % (i, "lorem ipsum dolor sit amet " * 8) for i in range(20000)))
    docs["long.sxw"] = "Long StarOffice document, paragraph 0"

    macro_odt(os.path.join(out, "macro.odt"), os.path.join(out, "macro-ran"),
              "Document with an auto-run macro")
    docs["macro.odt"] = "Document with an auto-run macro"

    staroffice(os.path.join(out, "remote.sxw"), "writer",
               "<text:p>Document with a remote picture<draw:image draw:name=\"remote\" "
               "text:anchor-type=\"as-char\" svg:width=\"2cm\" svg:height=\"2cm\" "
               "xlink:href=\"http://127.0.0.1:%d/remote.png\" xlink:type=\"simple\" "
               "xlink:show=\"embed\" xlink:actuate=\"onLoad\"/></text:p>" % port)
    docs["remote.sxw"] = "Document with a remote picture"

    for name, text in docs.items():
        print("%s|%s" % (name, text))


if __name__ == "__main__":
    main()
