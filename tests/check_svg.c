/* check_svg.c - SVG never crosses: in OOXML (svgBlip beside the PNG
 * fallback, SVG parts under any name or type) and ODF an SVG picture is
 * drawn into a PNG part, renamed with its relationships, content types,
 * manifest and references; as an archive member, a mail attachment and on
 * its own it is drawn too; and every image part of a container goes
 * through the image family or is dropped. */
#include <archive.h>
#include <archive_entry.h>
#include <check.h>
#include <glib.h>
#include <gmime/gmime.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"
#include "testutil.h"
#include "testutil_zip.h"

/* referenced so that the filters are linked into this program */
extern const mg_filter mg_filter_ooxml, mg_filter_odf, mg_filter_image, mg_filter_archive;
extern const mg_filter mg_filter_mail, mg_filter_text;

/* ---- inputs the tests make ---- */

/* a 2x2 RGB PNG: the raster fallback */
static const unsigned char png2[] = {
	0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44,
	0x52, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x08, 0x02, 0x00, 0x00, 0x00, 0xfd,
	0xd4, 0x9a, 0x73, 0x00, 0x00, 0x00, 0x0e, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8,
	0xcf, 0xc0, 0xc0, 0x80, 0x84, 0x01, 0x23, 0xec, 0x03, 0xfd, 0x35, 0xd9, 0xdc, 0xfc, 0x00,
	0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
};

/* What must never come out, looked for without case in every member. */
static const char *const poison[] = {
	"<script", "onload", "onclick", "alert(", "svgBlip", "image/svg+xml", "javascript:",
	"<svg", "svg:svg", "foreignObject",
};

/* SVG spellings: plain, with a prolog and DOCTYPE, prefixed with a BOM,
 * script in CDATA with a foreignObject and a javascript: link. */
static const char *const svg_texts[] = {
	"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"2\" height=\"2\" onload=\"alert(1)\">"
	"<script>alert(2)</script><rect width=\"2\" height=\"2\"/></svg>",

	"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n<!-- Inkscape -->\n"
	"<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" "
	"\"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n"
	"<svg xmlns=\"http://www.w3.org/2000/svg\" onclick=\"alert(3)\"><script type=\"text/ecmascript\">"
	"<![CDATA[alert(4)]]></script></svg>",

	"\xef\xbb\xbf<svg:svg xmlns:svg=\"http://www.w3.org/2000/svg\" "
	"xmlns:xlink=\"http://www.w3.org/1999/xlink\"><svg:a xlink:href=\"javascript:alert(5)\">"
	"<svg:rect onload=\"alert(6)\" width=\"1\" height=\"1\"/></svg:a></svg:svg>",

	"  \n<svg xmlns=\"http://www.w3.org/2000/svg\"><foreignObject><body "
	"xmlns=\"http://www.w3.org/1999/xhtml\"><script>alert(7)</script></body></foreignObject></svg>",
};
#define NSVG (sizeof(svg_texts) / sizeof(svg_texts[0]))

/* The same SVG as UTF-16LE with a BOM (free it). */
static char *utf16le(const char *s, size_t *len)
{
	size_t n = strlen(s);
	char *out = malloc(2 * n + 2);

	out[0] = (char)0xff;
	out[1] = (char)0xfe;
	for (size_t i = 0; i < n; i++) {
		out[2 + 2 * i] = s[i];
		out[3 + 2 * i] = 0;
	}
	*len = 2 * n + 2;
	return out;
}

typedef tu_zip_entry entry;

/* An SVGZ: the SVG as a gzip stream. */
static unsigned char *gzip_of(const char *s, size_t *outlen)
{
	const entry e = { "drawing.svg", s, 0 };

	return tu_make_archive(ARCHIVE_FORMAT_RAW, ARCHIVE_FILTER_GZIP, &e, 1, outlen);
}

/* Checks every member: none named *.svg or *.svgz, none holding a poison
 * word; returns how many members hold a PNG. */
static int assert_zip_clean(const unsigned char *zip, size_t len, const char *what)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	int pngs = 0, members = 0;

	archive_read_support_format_zip(a);
	ck_assert_int_eq(archive_read_open_memory(a, zip, len), ARCHIVE_OK);
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);
		size_t n = (size_t)archive_entry_size(e), nl = strlen(name);
		char *buf = calloc(1, n + 1);

		ck_assert_int_eq(archive_read_data(a, buf, n), (la_ssize_t)n);
		ck_assert_msg(!(nl > 4 && strcasecmp(name + nl - 4, ".svg") == 0) &&
		              !(nl > 5 && strcasecmp(name + nl - 5, ".svgz") == 0),
		              "%s: member %s", what, name);
		for (size_t i = 0; i < sizeof(poison) / sizeof(poison[0]); i++)
			ck_assert_msg(!strcasestr(buf, poison[i]), "%s: %s holds '%s'", what, name,
			              poison[i]);
		ck_assert_msg(n < 2 || memcmp(buf, "\x1f\x8b", 2) != 0, "%s: gzip member %s", what, name);
		pngs += n >= 8 && memcmp(buf, "\x89PNG", 4) == 0;
		members++;
		free(buf);
	}
	archive_read_free(a);
	ck_assert_int_gt(members, 0);
	return pngs;
}

/* ---- OOXML packages with an SVG picture beside its PNG fallback ---- */

#define REL_NS "http://schemas.openxmlformats.org/package/2006/relationships"
#define RT "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
#define A_NS "xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" " \
	"xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\""
#define BLIP_SVG(png_id, svg_id) \
	"<a:blip r:embed=\"" png_id "\"><a:extLst>" \
	"<a:ext uri=\"{28A0092B-C50C-407E-A947-70E740481C1C}\"><a14:useLocalDpi " \
	"xmlns:a14=\"http://schemas.microsoft.com/office/drawing/2010/main\" val=\"0\"/></a:ext>" \
	"<a:ext uri=\"{96DAC541-7B7A-43D3-8B79-37D633B846F1}\"><asvg:svgBlip " \
	"xmlns:asvg=\"http://schemas.microsoft.com/office/drawing/2016/SVG/main\" r:embed=\"" \
	svg_id "\"/></a:ext></a:extLst></a:blip>"

/* How the SVG part is named and declared in a variant. */
typedef struct svg_variant {
	const char *file;      /* name in the media folder */
	const char *types;     /* extra [Content_Types].xml entries */
	int body;              /* 0..NSVG-1: svg_texts; NSVG: UTF-16; NSVG+1: SVGZ */
	bool only_blip;        /* the SVG is the a:blip itself, no fallback */
} svg_variant;

static const svg_variant variants[] = {
	{ "image2.svg", "<Default Extension=\"svg\" ContentType=\"image/svg+xml\"/>", 0, false },
	{ "image2.svg", "<Default Extension=\"svg\" ContentType=\"image/svg+xml\"/>", 1, false },
	/* disguised as a PNG by name and declared type */
	{ "image2.png", "", 2, false },
	/* disguised as an ordinary XML part */
	{ "image2.xml", "", 3, false },
	{ "image2.svg", "<Default Extension=\"svg\" ContentType=\"image/svg+xml\"/>", NSVG, false },
	{ "image2.svgz", "<Default Extension=\"svgz\" ContentType=\"image/svg+xml\"/>", NSVG + 1,
	  false },
	/* the picture is the SVG alone: the picture loses its image */
	{ "image2.svg", "<Override PartName=\"/MEDIA/image2.svg\" ContentType=\"image/svg+xml\"/>", 0,
	  true },
};
#define NVARIANTS (sizeof(variants) / sizeof(variants[0]))

typedef struct app {
	const char *ext;
	const char *dir;       /* "word", "xl", "ppt" */
	const char *main_name, *main_type, *main_xml;
	const char *pic_part;  /* the part with the picture, its rels and content type */
	const char *pic_rels, *pic_type;
	const char *pic_open, *pic_close; /* around the blip */
	const char *media_prefix;         /* media folder relative to the picture part */
	const char *link_rel;             /* main part -> picture part, NULL: same part */
} app;

static const app apps[] = {
	{ "docx", "word", "word/document.xml",
	  "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml", NULL,
	  "word/document.xml", "word/_rels/document.xml.rels", NULL,
	  "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" " A_NS
	  "><w:body><w:p><w:r><w:t>Before the picture.</w:t></w:r></w:p><w:p><w:r><w:drawing>"
	  "<pic:pic xmlns:pic=\"http://schemas.openxmlformats.org/drawingml/2006/picture\"><pic:blipFill>",
	  "</pic:blipFill></pic:pic></w:drawing></w:r></w:p></w:body></w:document>", "media/", NULL },
	{ "xlsx", "xl", "xl/workbook.xml",
	  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
	  "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
	  "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets>"
	  "<sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>",
	  "xl/drawings/drawing1.xml", "xl/drawings/_rels/drawing1.xml.rels",
	  "application/vnd.openxmlformats-officedocument.drawing+xml",
	  "<xdr:wsDr xmlns:xdr=\"http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing\" "
	  A_NS "><xdr:oneCellAnchor><xdr:pic><xdr:blipFill>",
	  "</xdr:blipFill></xdr:pic></xdr:oneCellAnchor></xdr:wsDr>", "../media/", "sheet" },
	{ "pptx", "ppt", "ppt/presentation.xml",
	  "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
	  "<p:presentation xmlns:p=\"http://schemas.openxmlformats.org/presentationml/2006/main\" "
	  "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
	  "<p:sldIdLst><p:sldId id=\"256\" r:id=\"rId1\"/></p:sldIdLst></p:presentation>",
	  "ppt/slides/slide1.xml", "ppt/slides/_rels/slide1.xml.rels",
	  "application/vnd.openxmlformats-officedocument.presentationml.slide+xml",
	  "<p:sld xmlns:p=\"http://schemas.openxmlformats.org/presentationml/2006/main\" " A_NS
	  "><p:cSld><p:spTree><p:pic><p:blipFill>",
	  "</p:blipFill></p:pic></p:spTree></p:cSld></p:sld>", "../media/", "slide" },
};

/* The SVG body of a variant (free it). */
static unsigned char *variant_body(const svg_variant *v, size_t *len)
{
	if (v->body < (int)NSVG) {
		*len = strlen(svg_texts[v->body]);
		return (unsigned char *)strdup(svg_texts[v->body]);
	}
	if (v->body == (int)NSVG)
		return (unsigned char *)utf16le(svg_texts[0], len);
	return gzip_of(svg_texts[1], len);
}

/* The parts that lead from the main part to the picture part. */
static size_t link_parts(const app *a, entry *e, GString *main_rels)
{
	static const char sheet[] =
		"<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
		"xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
		"<sheetData/><drawing r:id=\"rId1\"/></worksheet>";
	static const char sheet_rels[] =
		"<Relationships xmlns=\"" REL_NS "\"><Relationship Id=\"rId1\" Type=\"" RT
		"drawing\" Target=\"../drawings/drawing1.xml\"/></Relationships>";

	if (!a->main_xml)
		return 0;
	e[0] = (entry){ a->main_name, a->main_xml, 0 };
	if (strcmp(a->ext, "xlsx") == 0) {
		/* workbook -> sheet -> drawing */
		g_string_printf(main_rels, "<Relationships xmlns=\"" REL_NS "\"><Relationship Id=\"rId1\" "
		                "Type=\"" RT "worksheet\" Target=\"worksheets/sheet1.xml\"/></Relationships>");
		e[1] = (entry){ "xl/_rels/workbook.xml.rels", main_rels->str, 0 };
		e[2] = (entry){ "xl/worksheets/sheet1.xml", sheet, 0 };
		e[3] = (entry){ "xl/worksheets/_rels/sheet1.xml.rels", sheet_rels, 0 };
		return 4;
	}
	g_string_printf(main_rels, "<Relationships xmlns=\"" REL_NS "\"><Relationship Id=\"rId1\" "
	                "Type=\"" RT "%s\" Target=\"%s\"/></Relationships>", a->link_rel,
	                strchr(a->pic_part, '/') + 1);
	e[1] = (entry){ "ppt/_rels/presentation.xml.rels", main_rels->str, 0 };
	return 2;
}

/* A package of app a with the SVG of variant v (free it). */
static unsigned char *make_ooxml(const app *a, const svg_variant *v, size_t *len)
{
	GString *types = g_string_new(NULL), *main_rels = g_string_new(NULL);
	GString *pic = g_string_new(NULL), *pic_rels = g_string_new(NULL);
	char *media_png = g_strdup_printf("%s/media/image1.png", a->dir);
	char *media_svg = g_strdup_printf("%s/media/%s", a->dir, v->file);
	char *up = g_ascii_strup(a->dir, -1), *dir_up = g_strdup_printf("\"/%s/MEDIA/", up);
	char *root_rels;
	size_t svg_len, n = 0;
	unsigned char *svg = variant_body(v, &svg_len), *zip;
	entry e[12];

	g_string_printf(types,
	                "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
	                "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
	                "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
	                "<Default Extension=\"png\" ContentType=\"image/png\"/>%s"
	                "<Override PartName=\"/%s\" ContentType=\"%s\"/>",
	                v->types, a->main_name, a->main_type);
	if (a->pic_type)
		g_string_append_printf(types, "<Override PartName=\"/%s\" ContentType=\"%s\"/>",
		                       a->pic_part, a->pic_type);
	g_string_append(types, "</Types>");
	/* an override in upper case: OPC compares part names without case */
	g_string_replace(types, "\"/MEDIA/", dir_up, 1);
	root_rels = g_strdup_printf("<Relationships xmlns=\"" REL_NS "\"><Relationship Id=\"rId1\" "
	                            "Type=\"" RT "officeDocument\" Target=\"%s\"/></Relationships>",
	                            a->main_name);
	g_string_printf(pic, "%s%s<a:stretch/>%s", a->pic_open,
	                v->only_blip ? "<a:blip r:embed=\"rId8\"/>" : BLIP_SVG("rId7", "rId8"),
	                a->pic_close);
	g_string_printf(pic_rels,
	                "<Relationships xmlns=\"" REL_NS "\">"
	                "<Relationship Id=\"rId7\" Type=\"" RT "image\" Target=\"%simage1.png\"/>"
	                "<Relationship Id=\"rId8\" Type=\"" RT "image\" Target=\"%s%s\"/>"
	                "</Relationships>",
	                a->media_prefix, a->media_prefix, v->file);
	e[n++] = (entry){ "[Content_Types].xml", types->str, 0 };
	e[n++] = (entry){ "_rels/.rels", root_rels, 0 };
	e[n++] = (entry){ a->pic_part, pic->str, 0 };
	e[n++] = (entry){ a->pic_rels, pic_rels->str, 0 };
	e[n++] = (entry){ media_png, png2, sizeof(png2) };
	e[n++] = (entry){ media_svg, svg, svg_len };
	n += link_parts(a, e + n, main_rels);
	zip = tu_make_zip(e, n, len);
	free(svg);
	g_free(root_rels);
	g_free(media_png);
	g_free(media_svg);
	g_free(dir_up);
	g_free(up);
	g_string_free(types, TRUE);
	g_string_free(main_rels, TRUE);
	g_string_free(pic, TRUE);
	g_string_free(pic_rels, TRUE);
	return zip;
}

static void assert_ooxml_clean(const app *a, const svg_variant *v, const mg_result *res,
                               const char *what)
{
	char *pic, *types, *rels, *name = g_strdup_printf("%s/media/%s", a->dir, v->file);
	char *drawn = g_strdup_printf("%s/media/image2.png", a->dir);
	bool svgz = v->body == (int)NSVG + 1; /* compressed: not read, dropped */

	ck_assert_msg(res->status == MG_OK, "%s: %s", what, res->reason);
	ck_assert_str_eq(res->out_ext, a->ext);
	/* the fallback PNG, and the SVG drawn into a PNG part */
	ck_assert_int_eq(assert_zip_clean(res->out, res->out_len, what), svgz ? 1 : 2);
	pic = tu_zip_get(res->out, res->out_len, a->pic_part, NULL);
	types = tu_zip_get(res->out, res->out_len, "[Content_Types].xml", NULL);
	rels = tu_zip_get(res->out, res->out_len, a->pic_rels, NULL);
	ck_assert_ptr_nonnull(pic);
	ck_assert_ptr_nonnull(types);
	ck_assert_ptr_nonnull(rels);
	if (strcmp(v->file, "image2.png") != 0)
		ck_assert_ptr_null(tu_zip_get(res->out, res->out_len, name, NULL));
	ck_assert_msg(!strstr(types, "image2.svg") && !strstr(types, "image2.xml"), "%s: %s", what,
	              types);
	ck_assert_msg(!strcasestr(pic, "96DAC541"), "%s: the SVG extension stays", what);
	ck_assert_ptr_nonnull(strstr(rels, "image1.png"));
	ck_assert_ptr_null(strstr(rels, "image2.svg"));
	ck_assert_ptr_null(strstr(rels, "image2.xml"));
	ck_assert_ptr_nonnull(strstr(types, "image1.png\" ContentType=\"image/png\""));
	if (svgz) {
		ck_assert_ptr_null(strstr(rels, "rId8"));
		ck_assert_msg(tu_report_has(res, "removed", v->file), "%s: removal not reported", what);
	} else {
		size_t n = 0;
		char *png = tu_zip_get(res->out, res->out_len, drawn, &n);

		ck_assert_msg(png && n > 8 && memcmp(png, "\x89PNG", 4) == 0, "%s: no %s", what, drawn);
		ck_assert_msg(strstr(rels, "Id=\"rId8\"") && strstr(rels, "image2.png"), "%s: %s", what,
		              rels);
		ck_assert_msg(strstr(types, "image2.png\" ContentType=\"image/png\"") ||
		              strstr(types, "Extension=\"png\" ContentType=\"image/png\""), "%s: %s",
		              what, types);
		free(png);
	}
	if (v->only_blip && !svgz) {
		/* the picture that was the SVG alone shows its drawing */
		ck_assert_msg(strstr(pic, "r:embed=\"rId8\"") != NULL, "%s: %s", what, pic);
	} else if (!v->only_blip) {
		/* the fallback stays shown; the other extension too; the svgBlip
		 * (which may only name an SVG) is gone */
		ck_assert_msg(strstr(pic, "r:embed=\"rId7\"") != NULL, "%s: %s", what, pic);
		ck_assert_ptr_nonnull(strstr(pic, "28A0092B"));
		ck_assert_msg(!strstr(pic, "rId8"), "%s: the svgBlip stays", what);
	}
	free(pic);
	free(types);
	free(rels);
	g_free(name);
	g_free(drawn);
}

START_TEST(ooxml_svg_dropped_png_kept)
{
	const app *a = &apps[_i / NVARIANTS];
	const svg_variant *v = &variants[_i % NVARIANTS];
	char what[128], fname[32], *in_pic;
	size_t len;
	unsigned char *zip = make_ooxml(a, v, &len);
	mg_result res;

	snprintf(what, sizeof(what), "%s with %s (variant %d)", a->ext, v->file, _i % (int)NVARIANTS);
	snprintf(fname, sizeof(fname), "picture.%s", a->ext);
	/* the input does carry what must go */
	in_pic = tu_zip_get(zip, len, a->pic_part, NULL);
	ck_assert(strstr(in_pic, "svgBlip") || v->only_blip);
	ck_assert_ptr_nonnull(strstr(in_pic, "rId8"));
	free(in_pic);
	tu_sanitize(zip, len, fname, MG_MODE_DEFAULT, &res);
	assert_ooxml_clean(a, v, &res, what);
	mg_result_free(&res);
	free(zip);
}
END_TEST

START_TEST(ooxml_svg_reason_names_svg)
{
	size_t len;
	unsigned char *zip = make_ooxml(&apps[0], &variants[0], &len);
	mg_result res;

	ck_assert_int_eq(tu_sanitize(zip, len, "a.docx", MG_MODE_DEFAULT, &res), MG_OK);
	ck_assert(tu_report_has(&res, "removed", "SVG picture (the raster picture kept)"));
	/* the SVG part went through the image family: drawn by librsvg */
	ck_assert_ptr_nonnull(strstr(res.report_json, "decoded SVG image"));
	mg_result_free(&res);
	free(zip);
}
END_TEST

START_TEST(ooxml_svg_behind_long_prolog_blocks)
{
	GString *s = g_string_new("<?xml version=\"1.0\"?><!--");
	size_t len;
	unsigned char *zip;
	mg_result res;

	for (int i = 0; i < 300 * 1024 / 64; i++)
		g_string_append(s, "padding padding padding padding padding padding padding padd");
	g_string_append(s, "--><svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>");
	ck_assert(!mg_svg_sniff((const unsigned char *)s->str, s->len));
	{
		/* an ordinary XML part the document reaches by a custom relationship */
		static const char types[] =
			"<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
			"<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
			"<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
			"<Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>"
			"</Types>";
		static const char root[] =
			"<Relationships xmlns=\"" REL_NS "\"><Relationship Id=\"rId1\" Type=\"" RT
			"officeDocument\" Target=\"word/document.xml\"/></Relationships>";
		static const char doc[] =
			"<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">"
			"<w:body><w:p><w:r><w:t>x</w:t></w:r></w:p></w:body></w:document>";
		static const char doc_rels[] =
			"<Relationships xmlns=\"" REL_NS "\"><Relationship Id=\"rId5\" "
			"Type=\"http://example.com/custom\" Target=\"media/pic.xml\"/></Relationships>";
		entry e[] = {
			{ "[Content_Types].xml", types, 0 }, { "_rels/.rels", root, 0 },
			{ "word/document.xml", doc, 0 }, { "word/_rels/document.xml.rels", doc_rels, 0 },
			{ "word/media/pic.xml", s->str, s->len },
		};

		zip = tu_make_zip(e, sizeof(e) / sizeof(e[0]), &len);
		ck_assert_int_eq(tu_sanitize(zip, len, "a.docx", MG_MODE_DEFAULT, &res), MG_E_MALFORMED);
		ck_assert_ptr_null(res.out);
		ck_assert_ptr_nonnull(strstr(res.reason, "SVG"));
		mg_result_free(&res);
		free(zip);
	}
	g_string_free(s, TRUE);
}
END_TEST

/* An image relationship must lead to an image: an XML part that is not an
 * SVG but is shown as a picture is not carried. */
START_TEST(ooxml_image_relationship_to_xml_dropped)
{
	static const char types[] =
		"<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
		"<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
		"<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
		"<Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>"
		"</Types>";
	static const char root[] =
		"<Relationships xmlns=\"" REL_NS "\"><Relationship Id=\"rId1\" Type=\"" RT
		"officeDocument\" Target=\"word/document.xml\"/></Relationships>";
	static const char doc[] =
		"<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" " A_NS
		"><w:body><w:p><w:r><w:drawing><a:blip r:embed=\"rId5\"/></w:drawing></w:r></w:p>"
		"</w:body></w:document>";
	static const char doc_rels[] =
		"<Relationships xmlns=\"" REL_NS "\"><Relationship Id=\"rId5\" Type=\"" RT
		"image\" Target=\"media/pic.xml\"/></Relationships>";
	static const char xhtml[] =
		"<html xmlns=\"http://www.w3.org/1999/xhtml\"><body onload=\"alert(1)\"/></html>";
	entry e[] = {
		{ "[Content_Types].xml", types, 0 }, { "_rels/.rels", root, 0 },
		{ "word/document.xml", doc, 0 }, { "word/_rels/document.xml.rels", doc_rels, 0 },
		{ "word/media/pic.xml", xhtml, 0 },
	};
	size_t len;
	unsigned char *zip = tu_make_zip(e, sizeof(e) / sizeof(e[0]), &len);
	mg_result res;

	ck_assert_int_eq(tu_sanitize(zip, len, "a.docx", MG_MODE_DEFAULT, &res), MG_OK);
	assert_zip_clean(res.out, res.out_len, "image relationship to XML");
	ck_assert_ptr_null(tu_zip_get(res.out, res.out_len, "word/media/pic.xml", NULL));
	ck_assert(tu_report_has(&res, "removed", "not an image"));
	mg_result_free(&res);
	free(zip);
}
END_TEST

/* Other image types in media/: a BMP is re-encoded to PNG (and renamed),
 * EMF, WMF, EPS and an unknown binary declared as an image are dropped. */
START_TEST(ooxml_other_image_types)
{
	static const struct {
		const char *file, *type;
		const char *data;
		size_t len;
		bool kept;
		const char *why;
	} media[] = {
		{ "a.emf", "image/x-emf", "\x01\0\0\0\x6c\0\0\0 EMF records", 18, false, "metafile" },
		{ "b.wmf", "image/x-wmf", "\xd7\xcd\xc6\x9a\0\0 placeable", 16, false, "metafile" },
		{ "c.wmf", "image/x-wmf", "\x01\0\x09\0\0\x03 plain", 13, false, "metafile" },
		{ "d.eps", "image/x-eps", "%!PS-Adobe-3.0 EPSF-3.0\n", 0, false, "PostScript" },
		{ "e.bin", "image/x-unknown", "\x00\x01\x02\x03 opaque", 11, false, "does not read" },
		{ "f.bmp", "image/bmp", NULL, 0, true, NULL },
	};
	/* a 1x1 24-bit BMP */
	static const unsigned char bmp[] = {
		'B', 'M', 58, 0, 0, 0, 0, 0, 0, 0, 54, 0, 0, 0, 40, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0,
		1, 0, 24, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0x13, 0x0b, 0, 0, 0x13, 0x0b, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0x20, 0x40, 0x80, 0,
	};
	GString *types = g_string_new(
		"<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
		"<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
		"<Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>");
	GString *doc = g_string_new("<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" "
	                            A_NS "><w:body>");
	GString *rels = g_string_new("<Relationships xmlns=\"" REL_NS "\">");
	static const char root[] =
		"<Relationships xmlns=\"" REL_NS "\"><Relationship Id=\"rId1\" Type=\"" RT
		"officeDocument\" Target=\"word/document.xml\"/></Relationships>";
	entry e[4 + sizeof(media) / sizeof(media[0])];
	char names[sizeof(media) / sizeof(media[0])][64];
	size_t n = 0, len;
	unsigned char *zip;
	mg_result res;
	char *out_doc, *out_rels, *out_types;

	for (size_t i = 0; i < sizeof(media) / sizeof(media[0]); i++) {
		g_string_append_printf(types, "<Default Extension=\"%s\" ContentType=\"%s\"/>",
		                       strrchr(media[i].file, '.') + 1, media[i].type);
		g_string_append_printf(doc, "<w:p><w:r><w:drawing><a:blip r:embed=\"rId%zu\"/>"
		                       "</w:drawing></w:r></w:p>", i + 10);
		g_string_append_printf(rels, "<Relationship Id=\"rId%zu\" Type=\"" RT "image\" "
		                       "Target=\"media/%s\"/>", i + 10, media[i].file);
		snprintf(names[i], sizeof(names[i]), "word/media/%s", media[i].file);
		e[4 + i] = media[i].data ? (entry){ names[i], media[i].data, media[i].len }
		                         : (entry){ names[i], bmp, sizeof(bmp) };
	}
	g_string_append(types, "</Types>");
	g_string_append(doc, "</w:body></w:document>");
	g_string_append(rels, "</Relationships>");
	e[n++] = (entry){ "[Content_Types].xml", types->str, 0 };
	e[n++] = (entry){ "_rels/.rels", root, 0 };
	e[n++] = (entry){ "word/document.xml", doc->str, 0 };
	e[n++] = (entry){ "word/_rels/document.xml.rels", rels->str, 0 };
	n += sizeof(media) / sizeof(media[0]);
	zip = tu_make_zip(e, n, &len);
	ck_assert_msg(tu_sanitize(zip, len, "m.docx", MG_MODE_DEFAULT, &res) == MG_OK, "%s",
	              res.reason);
	out_doc = tu_zip_get(res.out, res.out_len, "word/document.xml", NULL);
	out_rels = tu_zip_get(res.out, res.out_len, "word/_rels/document.xml.rels", NULL);
	out_types = tu_zip_get(res.out, res.out_len, "[Content_Types].xml", NULL);
	for (size_t i = 0; i < sizeof(media) / sizeof(media[0]); i++) {
		char id[16];

		snprintf(id, sizeof(id), "\"rId%zu\"", i + 10);
		if (media[i].kept) {
			ck_assert_ptr_nonnull(strstr(out_doc, id));
			ck_assert_ptr_nonnull(strstr(out_rels, "media/f.png"));
			ck_assert_ptr_nonnull(strstr(out_types, "/word/media/f.png\" ContentType=\"image/png\""));
			ck_assert_ptr_null(tu_zip_get(res.out, res.out_len, names[i], NULL));
		} else {
			ck_assert_msg(!strstr(out_doc, id), "%s still referenced", media[i].file);
			ck_assert_ptr_null(tu_zip_get(res.out, res.out_len, names[i], NULL));
			ck_assert_msg(!strstr(out_types, media[i].type), "%s type stays", media[i].file);
			ck_assert_msg(tu_report_has(&res, "removed", media[i].why), "%s: no '%s'",
			              media[i].file, media[i].why);
		}
	}
	ck_assert_int_eq(assert_zip_clean(res.out, res.out_len, "other types"), 1);
	free(out_doc);
	free(out_rels);
	free(out_types);
	mg_result_free(&res);
	free(zip);
	g_string_free(types, TRUE);
	g_string_free(doc, TRUE);
	g_string_free(rels, TRUE);
}
END_TEST

/* Text mode says nothing of pictures, and never fails on an SVG. */
START_TEST(ooxml_text_mode_ignores_svg)
{
	size_t len;
	unsigned char *zip = make_ooxml(&apps[0], &variants[0], &len);
	mg_result res;

	ck_assert_int_eq(tu_sanitize(zip, len, "a.docx", MG_MODE_TEXT, &res), MG_OK);
	ck_assert(tu_contains(res.out, res.out_len, "Before the picture."));
	ck_assert(!tu_contains(res.out, res.out_len, "alert("));
	mg_result_free(&res);
	free(zip);
}
END_TEST

/* ---- ODF: a draw:frame with the SVG and its PNG replacement ---- */

#define ODT "application/vnd.oasis.opendocument.text"

static unsigned char *make_odt(const char *svg_name, const void *svg, size_t svg_len,
                               size_t *len)
{
	char *content = g_strdup_printf(
		"<office:document-content xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" "
		"xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" "
		"xmlns:draw=\"urn:oasis:names:tc:opendocument:xmlns:drawing:1.0\" "
		"xmlns:xlink=\"http://www.w3.org/1999/xlink\" "
		"xmlns:loext=\"urn:org:documentfoundation:names:experimental:office:xmlns:loext:1.0\" "
		"office:version=\"1.3\"><office:body><office:text><text:p>Before the picture.</text:p>"
		"<text:p><draw:frame draw:name=\"I1\"><draw:image xlink:href=\"%s\" xlink:type=\"simple\" "
		"loext:mime-type=\"image/svg+xml\"/><draw:image xlink:href=\"Pictures/fallback.png\" "
		"xlink:type=\"simple\"/></draw:frame></text:p></office:text></office:body>"
		"</office:document-content>",
		svg_name);
	char *manifest = g_strdup_printf(
		"<manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\" "
		"manifest:version=\"1.3\">"
		"<manifest:file-entry manifest:full-path=\"/\" manifest:media-type=\"" ODT "\"/>"
		"<manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/>"
		"<manifest:file-entry manifest:full-path=\"%s\" manifest:media-type=\"image/svg+xml\"/>"
		"<manifest:file-entry manifest:full-path=\"Pictures/fallback.png\" manifest:media-type=\"image/png\"/>"
		"</manifest:manifest>",
		svg_name);
	entry e[] = {
		{ "mimetype", ODT, 0 },
		{ "META-INF/manifest.xml", manifest, 0 },
		{ "content.xml", content, 0 },
		{ svg_name, svg, svg_len },
		{ "Pictures/fallback.png", png2, sizeof(png2) },
	};
	unsigned char *zip = tu_make_zip(e, sizeof(e) / sizeof(e[0]), len);

	g_free(content);
	g_free(manifest);
	return zip;
}

START_TEST(odt_svg_dropped_png_kept)
{
	static const char *const names[] = { "Pictures/a.svg", "Pictures/b.png", "Pictures/c",
		                             "Pictures/d.svgz", "Pictures/e.svg" };
	/* what each comes out as: drawn into a PNG under a PNG name; the
	 * compressed one (not read) dropped */
	static const char *const drawn[] = { "Pictures/a.png", "Pictures/b.png", "Pictures/c.png",
		                             NULL, "Pictures/e.png" };
	const char *name = names[_i];
	size_t svg_len, len;
	unsigned char *svg = _i == 3 ? gzip_of(svg_texts[0], &svg_len)
	                   : _i == 4 ? (unsigned char *)utf16le(svg_texts[1], &svg_len)
	                             : (unsigned char *)strdup(svg_texts[_i]);
	unsigned char *zip;
	mg_result res;
	char *content, *manifest;

	if (_i < 3)
		svg_len = strlen((const char *)svg);
	zip = make_odt(name, svg, svg_len, &len);
	ck_assert_msg(tu_sanitize(zip, len, "p.odt", MG_MODE_DEFAULT, &res) == MG_OK, "%s: %s", name,
	              res.reason);
	ck_assert_str_eq(res.out_ext, "odt");
	ck_assert_int_eq(assert_zip_clean(res.out, res.out_len, name), drawn[_i] ? 2 : 1);
	if (!drawn[_i] || strcmp(drawn[_i], name) != 0)
		ck_assert_ptr_null(tu_zip_get(res.out, res.out_len, name, NULL));
	content = tu_zip_get(res.out, res.out_len, "content.xml", NULL);
	manifest = tu_zip_get(res.out, res.out_len, "META-INF/manifest.xml", NULL);
	ck_assert_ptr_nonnull(strstr(content, "Pictures/fallback.png"));
	ck_assert_ptr_nonnull(strstr(content, "Before the picture."));
	ck_assert_ptr_nonnull(strstr(manifest, "Pictures/fallback.png"));
	if (drawn[_i]) {
		char *want = g_strdup_printf("xlink:href=\"%s\"", drawn[_i]);
		char *listed = g_strdup_printf("manifest:full-path=\"%s\" manifest:media-type=\"image/png\"",
		                              drawn[_i]);
		size_t n = 0;
		char *png = tu_zip_get(res.out, res.out_len, drawn[_i], &n);

		ck_assert_msg(png && n > 8 && memcmp(png, "\x89PNG", 4) == 0, "%s", drawn[_i]);
		ck_assert_msg(strstr(content, want) != NULL, "%s: %s", name, content);
		ck_assert_msg(strstr(manifest, listed) != NULL, "%s: %s", name, manifest);
		ck_assert_ptr_nonnull(strstr(content, "loext:mime-type=\"image/png\""));
		ck_assert_ptr_nonnull(strstr(res.report_json, "decoded SVG image"));
		free(png);
		g_free(want);
		g_free(listed);
	} else {
		ck_assert_ptr_null(strstr(content, name));
		ck_assert_ptr_null(strstr(manifest, name));
		ck_assert(tu_report_has(&res, "removed", name));
	}
	free(content);
	free(manifest);
	mg_result_free(&res);
	free(zip);
	free(svg);
}
END_TEST

/* ---- archives, mail, and SVG on its own ---- */

START_TEST(archive_svg_members_drawn)
{
	size_t gz_len, u16_len, len;
	unsigned char *gz = gzip_of(svg_texts[0], &gz_len);
	char *u16 = utf16le(svg_texts[3], &u16_len);
	const entry e[] = {
		{ "pics/a.svg", svg_texts[0], 0 },
		{ "pics/logo.png", svg_texts[1], 0 },   /* SVG under a PNG name */
		{ "pics/c.svgz", gz, gz_len },
		{ "pics/d.svg", u16, u16_len },
		{ "pics/e", svg_texts[2], 0 },
		{ "pics/real.png", png2, sizeof(png2) },
		{ "notes.txt", "meeting at ten\n", 0 },
	};
	/* every SVG member comes out as a PNG under a PNG name */
	static const char *const drawn[] = { "pics/a.png", "pics/logo.png", "pics/d.png",
		                             "pics/e.png", "pics/real.png" };
	unsigned char *zip = tu_make_zip(e, sizeof(e) / sizeof(e[0]), &len);
	mg_result res;
	char *notes;

	ck_assert_msg(tu_sanitize(zip, len, "pics.zip", MG_MODE_DEFAULT, &res) == MG_OK, "%s",
	              res.reason);
	ck_assert_int_eq(assert_zip_clean(res.out, res.out_len, "zip"), 5);
	notes = tu_zip_get(res.out, res.out_len, "notes.txt", NULL);
	ck_assert_ptr_nonnull(notes);
	ck_assert_ptr_nonnull(strstr(notes, "meeting at ten"));
	free(notes);
	for (size_t i = 0; i < sizeof(drawn) / sizeof(drawn[0]); i++) {
		size_t n = 0;
		char *m = tu_zip_get(res.out, res.out_len, drawn[i], &n);

		ck_assert_msg(m && n > 8 && memcmp(m, "\x89PNG", 4) == 0, "%s", drawn[i]);
		free(m);
	}
	for (size_t i = 0; i < 5; i++)
		if (strcmp(e[i].name, "pics/logo.png") != 0)
			ck_assert_ptr_null(tu_zip_get(res.out, res.out_len, e[i].name, NULL));
	ck_assert_ptr_nonnull(strstr(res.report_json, "SVG markup")); /* the members' reports */
	mg_result_free(&res);
	free(zip);
	free(gz);
	free(u16);
}
END_TEST

START_TEST(svg_on_its_own_is_drawn)
{
	size_t len = strlen(svg_texts[_i % NSVG]);
	const char *names[] = { "a.svg", "a.png", "a.txt", NULL };
	unsigned char *data = (unsigned char *)strdup(svg_texts[_i % NSVG]);
	mg_result res;

	if (_i >= (int)NSVG * 3) {
		free(data);
		data = _i % 2 ? gzip_of(svg_texts[_i % NSVG], &len)
		              : (unsigned char *)utf16le(svg_texts[_i % NSVG], &len);
	}
	tu_sanitize(data, len, names[_i / NSVG % 4], MG_MODE_DEFAULT, &res);
	/* pixels only, whatever the name; an SVGZ is a gzip holding one */
	ck_assert_msg(res.verdict == MG_VERDICT_SANITISED, "variant %d: %s", _i, res.reason);
	ck_assert_str_eq(res.out_type, _i == (int)NSVG * 3 + 1 ? "application/zip" : "image/png");
	if (_i != (int)NSVG * 3 + 1)
		ck_assert_mem_eq(res.out, "\x89PNG", 4);
	for (size_t i = 0; i < sizeof(poison) / sizeof(poison[0]); i++)
		ck_assert_msg(!tu_contains(res.out, res.out_len, poison[i]), "variant %d: '%s'", _i,
		              poison[i]);
	ck_assert_ptr_nonnull(strstr(res.report_json, "SVG markup"));
	mg_result_free(&res);
	free(data);
}
END_TEST

/* Documents that mention SVG are not SVGs. */
START_TEST(svg_lookalikes_are_not_svg)
{
	static const char *const not_svg[] = {
		"<html><body><svg onload=\"x\"/></body></html>",
		"<?xml version=\"1.0\"?><doc>an <svg/> inside</doc>",
		"plain text that says <svg> in the middle",
		"",
		"<",
		"<svgx/>",
	};
	static const char *const svg[] = {
		"<svg/>", "<SVG/>", "<!DOCTYPE svg>", "<!DOCTYPE html><svg/>",
		"<!DOCTYPE svg><notsvg/>", /* fails closed: the DOCTYPE says SVG */
		"<?xml version=\"1.0\"?>\n<!DOCTYPE x [ <!ENTITY a \"aaaaaaaaaa\"> <!ENTITY b "
		"\"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"> <!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\"> ]>"
		"<svg x=\"&c;&c;&c;&c;\"/>",
		"<x:svg xmlns:x=\"http://www.w3.org/2000/svg\"/>",
	};
	GString *laughs = g_string_new("<?xml version=\"1.0\"?><!DOCTYPE svg [<!ENTITY l0 \"lol\">");
	mg_result res;

	/* a billion laughs before the root: never expanded to the end, and
	 * whatever the sniff says, the bytes never pass as an image */
	for (int i = 1; i < 10; i++) {
		g_string_append_printf(laughs, "<!ENTITY l%d \"", i);
		for (int k = 0; k < 10; k++)
			g_string_append_printf(laughs, "&l%d;", i - 1);
		g_string_append(laughs, "\">");
	}
	g_string_append(laughs, "]><svg a=\"&l9;\"/>");
	ck_assert(mg_svg_sniff((const unsigned char *)laughs->str, laughs->len));
	ck_assert_int_ne(tu_sanitize(laughs->str, laughs->len, "l.svg", MG_MODE_DEFAULT, &res), MG_OK);
	mg_result_free(&res);
	g_string_replace(laughs, "DOCTYPE svg", "DOCTYPE lolz", 1);
	ck_assert_int_ne(tu_sanitize(laughs->str, laughs->len, "l.svg", MG_MODE_DEFAULT, &res), MG_OK);
	mg_result_free(&res);
	g_string_free(laughs, TRUE);

	for (size_t i = 0; i < sizeof(not_svg) / sizeof(not_svg[0]); i++)
		ck_assert_msg(!mg_svg_sniff((const unsigned char *)not_svg[i], strlen(not_svg[i])),
		              "%s", not_svg[i]);
	for (size_t i = 0; i < sizeof(svg) / sizeof(svg[0]); i++)
		ck_assert_msg(mg_svg_sniff((const unsigned char *)svg[i], strlen(svg[i])), "%s", svg[i]);
	ck_assert_str_eq(mg_image_format((const unsigned char *)svg[0], strlen(svg[0])), "SVG");
	ck_assert_str_eq(mg_image_format(png2, sizeof(png2)), "PNG");
	ck_assert_ptr_null(mg_image_format((const unsigned char *)not_svg[0], strlen(not_svg[0])));
	/* HTML with inline SVG stays HTML, turned to text */
	ck_assert_int_eq(tu_sanitize(not_svg[0], strlen(not_svg[0]), "p.html", MG_MODE_DEFAULT,
	                             &res), MG_OK);
	ck_assert_str_eq(res.out_ext, "txt");
	mg_result_free(&res);
	ck_assert_int_eq(tu_sanitize(not_svg[2], strlen(not_svg[2]), "t.txt", MG_MODE_DEFAULT,
	                             &res), MG_OK);
	mg_result_free(&res);
}
END_TEST

/* Every part's decoded content, joined (free it). */
static void part_content(GMimeObject *parent, GMimeObject *part, gpointer data)
{
	GMimeDataWrapper *w;
	GMimeStream *s;
	GByteArray *b;

	(void)parent;
	if (!GMIME_IS_PART(part) || !(w = g_mime_part_get_content(GMIME_PART(part))))
		return;
	s = g_mime_stream_mem_new();
	g_mime_data_wrapper_write_to_stream(w, s);
	b = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(s));
	g_string_append_len(data, (const char *)b->data, (gssize)b->len);
	g_string_append_c(data, '\n');
	g_object_unref(s);
}

static char *mail_b64(const void *d, size_t len)
{
	gchar *b = g_base64_encode(d, len);
	GString *s = g_string_new(NULL);

	for (size_t i = 0, n = strlen(b); i < n; i += 76)
		g_string_append_printf(s, "%.76s\r\n", b + i);
	g_free(b);
	return g_string_free(s, FALSE);
}

START_TEST(mail_svg_attachments_drawn)
{
	size_t gz_len;
	unsigned char *gz = gzip_of(svg_texts[0], &gz_len);
	char *a1 = mail_b64(svg_texts[0], strlen(svg_texts[0]));
	char *a2 = mail_b64(svg_texts[2], strlen(svg_texts[2]));
	char *a3 = mail_b64(gz, gz_len);
	char *a4 = mail_b64(png2, sizeof(png2));
	char *mail = g_strdup_printf(
		"From: a@example.jp\r\nTo: b@example.lg.jp\r\nSubject: pictures\r\n"
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"B\"\r\n\r\n"
		"--B\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nSee the pictures.\r\n"
		"--B\r\nContent-Type: image/svg+xml; name=\"chart.svg\"\r\n"
		"Content-Disposition: attachment; filename=\"chart.svg\"\r\n"
		"Content-Transfer-Encoding: base64\r\n\r\n%s"
		"--B\r\nContent-Type: image/png; name=\"logo.png\"\r\n"
		"Content-Disposition: inline; filename=\"logo.png\"\r\nContent-ID: <logo>\r\n"
		"Content-Transfer-Encoding: base64\r\n\r\n%s"
		"--B\r\nContent-Type: image/svg+xml\r\n"
		"Content-Disposition: attachment; filename=\"map.svgz\"\r\n"
		"Content-Transfer-Encoding: base64\r\n\r\n%s"
		"--B\r\nContent-Type: image/png; name=\"real.png\"\r\n"
		"Content-Disposition: attachment; filename=\"real.png\"\r\n"
		"Content-Transfer-Encoding: base64\r\n\r\n%s"
		"--B--\r\n",
		a1, a2, a3, a4);
	char *err = NULL;
	mg_policy *p = mg_policy_new();
	mg_core *core = mg_core_new(p, &err);
	mg_input in = { (const unsigned char *)mail, strlen(mail), "m.eml", NULL, NULL, 1 };
	mg_result res;
	GMimeStream *s;
	GMimeParser *parser;
	GMimeMessage *m;
	GString *all = g_string_new(NULL);

	ck_assert_int_eq(mg_sanitize(core, &in, MG_MODE_DEFAULT, &res), MG_OK);
	s = g_mime_stream_mem_new_with_buffer((const char *)res.out, res.out_len);
	parser = g_mime_parser_new_with_stream(s);
	m = g_mime_parser_construct_message(parser, NULL);
	ck_assert_ptr_nonnull(m);
	g_mime_message_foreach(m, part_content, all);
	for (size_t i = 0; i < sizeof(poison) / sizeof(poison[0]); i++)
		ck_assert_msg(!strcasestr(all->str, poison[i]), "mail holds '%s'", poison[i]);
	ck_assert(!tu_contains(all->str, all->len, "\x1f\x8b"));
	ck_assert(tu_contains(all->str, all->len, "See the pictures."));
	ck_assert(tu_contains(all->str, all->len, "\x89PNG")); /* real.png stays */
	/* the notice names each removal */
	ck_assert(tu_contains(all->str, all->len, "chart.svg"));
	ck_assert(tu_contains(all->str, all->len, "logo.png"));
	ck_assert(tu_contains(all->str, all->len, "map.svgz"));
	/* the SVG attachments are drawn into PNGs */
	ck_assert_ptr_nonnull(strstr(res.report_json, "decoded SVG image"));
	ck_assert_ptr_nonnull(strstr(res.report_json, "SVG markup"));
	g_object_unref(m);
	g_object_unref(parser);
	g_object_unref(s);
	g_string_free(all, TRUE);
	mg_result_free(&res);
	mg_core_free(core);
	mg_policy_free(p);
	g_free(mail);
	g_free(a1);
	g_free(a2);
	g_free(a3);
	g_free(a4);
	free(gz);
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("svg");
	TCase *tc = tcase_create("svg");

	tcase_add_loop_test(tc, ooxml_svg_dropped_png_kept, 0,
	                    (int)(NVARIANTS * sizeof(apps) / sizeof(apps[0])));
	tcase_add_test(tc, ooxml_svg_reason_names_svg);
	tcase_add_test(tc, ooxml_svg_behind_long_prolog_blocks);
	tcase_add_test(tc, ooxml_image_relationship_to_xml_dropped);
	tcase_add_test(tc, ooxml_other_image_types);
	tcase_add_test(tc, ooxml_text_mode_ignores_svg);
	tcase_add_loop_test(tc, odt_svg_dropped_png_kept, 0, 5);
	tcase_add_test(tc, archive_svg_members_drawn);
	tcase_add_loop_test(tc, svg_on_its_own_is_drawn, 0, (int)NSVG * 3 + 2);
	tcase_add_test(tc, svg_lookalikes_are_not_svg);
	tcase_add_test(tc, mail_svg_attachments_drawn);
	suite_add_tcase(s, tc);
	return s;
}
