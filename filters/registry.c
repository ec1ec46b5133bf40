/*
 * registry.c - the one table of format families.
 *
 * Each family's filter lives in its own file and defines mg_filter_<name>.
 * A family with no filter (unknown, executable) is blocked.
 */
#include <string.h>

#include "internal.h"

#define FAMILY_FILTER(sym) extern const mg_filter sym;
FAMILY_FILTER(mg_filter_mail)
FAMILY_FILTER(mg_filter_text)
FAMILY_FILTER(mg_filter_html)
FAMILY_FILTER(mg_filter_xml)
FAMILY_FILTER(mg_filter_pdf)
FAMILY_FILTER(mg_filter_ooxml)
FAMILY_FILTER(mg_filter_odf)
FAMILY_FILTER(mg_filter_ole2)
FAMILY_FILTER(mg_filter_rtf)
FAMILY_FILTER(mg_filter_image)
FAMILY_FILTER(mg_filter_archive)
FAMILY_FILTER(mg_filter_staroffice)

#define A(x) (1u << MG_ACT_##x)

static const struct family_entry {
	const char *name;
	const mg_filter *filter;
	unsigned allowed;     /* actions the policy may choose, block always included */
	mg_action safe_default;
} families[MG_FAM_COUNT] = {
	[MG_FAM_UNKNOWN]    = { "unknown",    NULL,              A(BLOCK), MG_ACT_BLOCK },
	[MG_FAM_MAIL]       = { "mail",       &mg_filter_mail,   A(REBUILD), MG_ACT_REBUILD },
	[MG_FAM_TEXT]       = { "text",       &mg_filter_text,   A(NORMALISE), MG_ACT_NORMALISE },
	[MG_FAM_HTML]       = { "html",       &mg_filter_html,   A(TEXT) | A(SAFE), MG_ACT_TEXT },
	[MG_FAM_XML]        = { "xml",        &mg_filter_xml,    A(TEXT), MG_ACT_TEXT },
	[MG_FAM_PDF]        = { "pdf",        &mg_filter_pdf,    A(FLATTEN) | A(TEXT), MG_ACT_FLATTEN },
	[MG_FAM_OOXML]      = { "ooxml",      &mg_filter_ooxml,  A(CDR) | A(PDF) | A(TEXT), MG_ACT_CDR },
	[MG_FAM_ODF]        = { "odf",        &mg_filter_odf,    A(CDR) | A(PDF) | A(TEXT), MG_ACT_CDR },
	[MG_FAM_OLE2]       = { "ole2",       &mg_filter_ole2,   A(PDF) | A(TEXT), MG_ACT_PDF },
	[MG_FAM_RTF]        = { "rtf",        &mg_filter_rtf,    A(PDF) | A(TEXT), MG_ACT_PDF },
	[MG_FAM_IMAGE]      = { "image",      &mg_filter_image,  A(REENCODE), MG_ACT_REENCODE },
	[MG_FAM_ARCHIVE]    = { "archive",    &mg_filter_archive, A(RECURSE), MG_ACT_RECURSE },
	[MG_FAM_EXECUTABLE] = { "executable", NULL,              A(BLOCK), MG_ACT_BLOCK },
	[MG_FAM_STAROFFICE] = { "staroffice", &mg_filter_staroffice, A(PDF) | A(TEXT), MG_ACT_PDF },
};

static const char *const action_names[MG_ACT_COUNT] = {
	[MG_ACT_BLOCK] = "block",       [MG_ACT_TEXT] = "text",
	[MG_ACT_FLATTEN] = "flatten",   [MG_ACT_CDR] = "cdr",
	[MG_ACT_REENCODE] = "reencode", [MG_ACT_RECURSE] = "recurse",
	[MG_ACT_REBUILD] = "rebuild",   [MG_ACT_NORMALISE] = "normalise",
	[MG_ACT_SAFE] = "safe",
	[MG_ACT_PDF] = "pdf",
};

const mg_filter *mg_filter_for(mg_family family)
{
	if ((unsigned)family >= MG_FAM_COUNT)
		return NULL;
	return families[family].filter;
}

const char *mg_family_name(mg_family f)
{
	return (unsigned)f < MG_FAM_COUNT ? families[f].name : "unknown";
}

int mg_family_parse(const char *s, mg_family *f)
{
	for (unsigned i = 0; i < MG_FAM_COUNT; i++)
		if (strcmp(s, families[i].name) == 0) {
			*f = (mg_family)i;
			return 0;
		}
	return -1;
}

bool mg_family_allows(mg_family f, mg_action a)
{
	if ((unsigned)f >= MG_FAM_COUNT || (unsigned)a >= MG_ACT_COUNT)
		return false;
	return a == MG_ACT_BLOCK || (families[f].allowed & (1u << a));
}

mg_action mg_family_default_action(mg_family f)
{
	return (unsigned)f < MG_FAM_COUNT ? families[f].safe_default : MG_ACT_BLOCK;
}

const char *mg_action_name(mg_action a)
{
	return (unsigned)a < MG_ACT_COUNT ? action_names[a] : "block";
}

int mg_action_parse(const char *s, mg_action *a)
{
	for (unsigned i = 0; i < MG_ACT_COUNT; i++)
		if (strcmp(s, action_names[i]) == 0) {
			*a = (mg_action)i;
			return 0;
		}
	return -1;
}
