/*
 * ooxml_opc.h - an OOXML package understood: content types, relationships
 * and the decision for every part, shared by the cdr rebuild, the text
 * extraction and the XML disarming.
 *
 * A part is carried only when it is reached from the package root through
 * relationships that were kept, and it is a kind of part we understand: an
 * XML part of an allowed content type, or an image the image family
 * re-encodes (PNG, JPEG, GIF, BMP, TIFF, WebP; an SVG, whatever its
 * declared type, is drawn into a PNG and renamed).  Everything else
 * (VBA, ActiveX, OLE embeddings, macro sheets, custom UI, external
 * targets, metafiles, binary parts) is left behind and reported.
 */
#ifndef MUGAI_OOXML_OPC_H
#define MUGAI_OOXML_OPC_H

#include "ooxml_pkg.h"

typedef enum opc_kind {
	OPC_DROP = 0,   /* never carried */
	OPC_XML,        /* parsed, disarmed, serialised again */
	OPC_IMAGE,      /* re-encoded by the image filter */
	OPC_RELS,       /* a relationships part: rebuilt from the decisions */
	OPC_TYPES,      /* [Content_Types].xml: rebuilt */
} opc_kind;

typedef struct mg_rel {
	char *id;
	char *type;
	char *target;     /* as written */
	char *part;       /* the part it names, NULL when external or invalid */
	bool external;
	bool keep;
} mg_rel;

typedef struct mg_rels {
	mg_rel *v;
	size_t n;
	struct _GHashTable *ids;  /* Id -> position + 1 */
} mg_rels;

/* What the main part says the document is. */
typedef struct mg_ooxml_kind {
	const char *main_type;   /* declared content type of the main part */
	const char *clean_type;  /* its macro-free equivalent */
	const char *mime;        /* of the rebuilt package */
	const char *ext;
	char app;                /* 'w' Word, 'x' Excel, 'p' PowerPoint */
} mg_ooxml_kind;

typedef struct mg_opc_part {
	mg_part *src;
	char ctype[160];         /* content type, the main part's made macro-free */
	opc_kind kind;
	const char *why;         /* why a dropped part is dropped */
	bool reached;            /* carried */
	bool consumed;           /* a .rels part that was read */
	mg_rels rels;            /* its relationships with their decisions */
	mg_out image;            /* OPC_IMAGE in cdr: the re-encoded bytes */
	char *out_name;          /* new name when re-encoding changed the format */
} mg_opc_part;

typedef struct mg_opc {
	mg_pkg pkg;
	mg_opc_part *parts;      /* parallel to pkg.parts */
	mg_rels root;            /* _rels/.rels */
	mg_opc_part *main;
	const mg_ooxml_kind *kind;
	bool reencode_images;    /* cdr: images go through the image filter */
} mg_opc;

/* Reads the package, settles every part and relationship and reports what
 * is left behind.  reencode: run images through the image filter now. */
mg_status mg_opc_load(mg_ctx *ctx, const mg_item *item, bool reencode, mg_opc *opc);
void mg_opc_free(mg_opc *opc);
mg_opc_part *mg_opc_find(mg_opc *opc, const char *name);
/* The kept relationship of that id, or NULL. */
const mg_rel *mg_rels_kept(const mg_rels *rels, const char *id);
/* The part a kept relationship of that id leads to, or NULL. */
mg_opc_part *mg_opc_follow(mg_opc *opc, const mg_opc_part *from, const char *id);
/* The name of the relationships part of a part: "word/_rels/document.xml.rels". */
char *mg_opc_rels_name(const char *part);
/* The last segment of a relationship type URI ("officeDocument"). */
const char *mg_opc_short_type(const char *type);

/* ooxml_disarm.c: removes from one XML part what runs things or reaches
 * out (field codes, OLE objects, controls, macro bindings) and every
 * reference to a relationship that was not kept. */
mg_status mg_ooxml_disarm(mg_ctx *ctx, const char *part, xmlDocPtr doc, const mg_rels *rels);

/* ooxml_text.c: the document's text as UTF-8. */
mg_status mg_ooxml_text(mg_ctx *ctx, mg_opc *opc, mg_buf *out);

#endif
