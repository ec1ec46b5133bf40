/*
 * image_svg.c - SVG in the image family: recognised, never passed.
 *
 * An SVG is a document, not pixels: it can carry scripts, event handlers,
 * links and references to other files, and every renderer (browser, Office,
 * LibreOffice) runs or follows them.  The only safe way across is pixels,
 * so an SVG goes the way of every image, decode then encode again, and
 * this file is where the decoder sits: a document that refers to
 * anything outside itself is refused, any other is drawn by librsvg from
 * the bytes alone and comes out as a PNG.
 *
 * Recognising an SVG must not depend on libmagic, which calls an SVG with
 * a namespace prefix or a long prolog "text": the first element (or a
 * DOCTYPE named svg) of the XML is read with libxml2's push parser, which
 * stops there and loads nothing from the network; an entity bomb in a
 * DOCTYPE trips libxml2's amplification check, the sniff says "not SVG"
 * and the bytes go by their other type, none of which passes them as an
 * image (the containers drop what the image family cannot read).
 */
#include <libxml/parser.h>
#include <string.h>
#include <strings.h>

#include "image_codec.h"

/* The prolog (declaration, comments, DOCTYPE) read at most before the
 * first element: an SVG that hides its root further is no image to us
 * and goes by its other type, never passed as an image. */
#define SNIFF_WINDOW (256u * 1024u)
#define SNIFF_CHUNK 4096u

struct sniff {
	bool decided;
	bool svg;
};

static bool is_svg_name(const xmlChar *name)
{
	const char *colon;

	if (!name)
		return false;
	colon = strchr((const char *)name, ':');
	return strcasecmp(colon ? colon + 1 : (const char *)name, "svg") == 0;
}

static void on_subset(void *user, const xmlChar *name, const xmlChar *ext_id,
                      const xmlChar *sys_id)
{
	xmlParserCtxtPtr pc = user;
	struct sniff *s = pc->_private;

	(void)ext_id;
	(void)sys_id;
	if (!is_svg_name(name))
		return; /* the root element decides, whatever the DOCTYPE says */
	s->decided = true;
	s->svg = true;
	xmlStopParser(pc);
}

static void on_element(void *user, const xmlChar *local, const xmlChar *prefix,
                       const xmlChar *uri, int nns, const xmlChar **nss, int nattr,
                       int ndefaulted, const xmlChar **attrs)
{
	xmlParserCtxtPtr pc = user;
	struct sniff *s = pc->_private;

	(void)prefix, (void)uri, (void)nns, (void)nss, (void)nattr, (void)ndefaulted, (void)attrs;
	s->decided = true;
	s->svg = is_svg_name(local);
	xmlStopParser(pc);
}

/* Where the markup starts: past a UTF-8 BOM and white space.  The parser
 * is spared bytes that cannot be XML at all (most files it is asked about). */
static bool utf16_bom(const unsigned char *d, size_t len)
{
	return len >= 2 && ((d[0] == 0xfe && d[1] == 0xff) || (d[0] == 0xff && d[1] == 0xfe));
}

static bool may_be_xml(const unsigned char *d, size_t len)
{
	size_t i = 0;

	if (utf16_bom(d, len))
		return true; /* the parser decides */
	if (len >= 3 && memcmp(d, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len && (d[i] == ' ' || d[i] == '\t' || d[i] == '\r' || d[i] == '\n'))
		i++;
	return i < len && d[i] == '<';
}

bool mg_svg_sniff(const unsigned char *d, size_t len)
{
	xmlSAXHandler sax;
	struct sniff s = { false, false };
	xmlParserCtxtPtr pc;
	size_t off = 0, window = len < SNIFF_WINDOW ? len : SNIFF_WINDOW;

	if (!d || !may_be_xml(d, len))
		return false;
	memset(&sax, 0, sizeof(sax));
	sax.initialized = XML_SAX2_MAGIC;
	sax.internalSubset = on_subset;
	sax.startElementNs = on_element;
	/* the first bytes go with the creation: from them (a BOM) the parser
	 * settles the encoding, which then wins over the declaration, as it
	 * does in a browser */
	off = window < 4 ? window : 4;
	pc = xmlCreatePushParserCtxt(&sax, NULL, (const char *)d, (int)off, NULL);
	if (!pc)
		return false;
	pc->_private = &s;
	/* the handlers get the parser context (no user data), to stop it */
	xmlCtxtUseOptions(pc, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	while (!s.decided && off < window) {
		size_t n = window - off < SNIFF_CHUNK ? window - off : SNIFF_CHUNK;

		if (xmlParseChunk(pc, (const char *)d + off, (int)n, 0) != 0 || pc->disableSAX)
			break;
		off += n;
	}
	if (!s.decided && off == len && !pc->disableSAX)
		xmlParseChunk(pc, NULL, 0, 1); /* the end: what the parser held back */
	if (pc->myDoc)
		xmlFreeDoc(pc->myDoc); /* what the parser built for a DOCTYPE's entities */
	xmlFreeParserCtxt(pc);
	return s.decided && s.svg;
}

/* References outside the document refused first (image_svg_refs.c),
 * then the drawing rendered from the bytes alone (image_svg_raster.c). */
mg_status mg_svg_decode(mg_ctx *ctx, const unsigned char *data, size_t len, mg_image *img)
{
	mg_status st = mg_svg_check_refs(ctx, data, len);

	if (st == MG_OK)
		st = mg_svg_render(ctx, data, len, img);
	if (st == MG_OK)
		mg_report_removed(ctx, "SVG markup", "drawn into pixels: scripts, links, event "
		                  "handlers and metadata are not carried over");
	return st;
}
