/*
 * linked_filters.c - makes the services' workers carry every filter.
 *
 * The core's registry refers to each family's filter weakly (a family
 * whose file is missing is blocked), and a weak reference does not pull an
 * object out of a static library.  The service processes fork their
 * sandboxed workers from themselves, so the filters must be linked into
 * mugaid: the pipeline (item.c) refers to this table, which names every
 * filter that exists.
 */
#include "linked_filters.h"

#define LINK(sym) extern const struct mg_filter sym;
#if __has_include("mail.c")
LINK(mg_filter_mail)
#define F_MAIL &mg_filter_mail,
#else
#define F_MAIL
#endif
#if __has_include("text.c")
LINK(mg_filter_text)
#define F_TEXT &mg_filter_text,
#else
#define F_TEXT
#endif
#if __has_include("html.c")
LINK(mg_filter_html)
#define F_HTML &mg_filter_html,
#else
#define F_HTML
#endif
#if __has_include("xml.c")
LINK(mg_filter_xml)
#define F_XML &mg_filter_xml,
#else
#define F_XML
#endif
#if __has_include("pdf.c")
LINK(mg_filter_pdf)
#define F_PDF &mg_filter_pdf,
#else
#define F_PDF
#endif
#if __has_include("ooxml.c")
LINK(mg_filter_ooxml)
#define F_OOXML &mg_filter_ooxml,
#else
#define F_OOXML
#endif
#if __has_include("odf.c")
LINK(mg_filter_odf)
#define F_ODF &mg_filter_odf,
#else
#define F_ODF
#endif
#if __has_include("ole2.c")
LINK(mg_filter_ole2)
#define F_OLE2 &mg_filter_ole2,
#else
#define F_OLE2
#endif
#if __has_include("rtf.c")
LINK(mg_filter_rtf)
#define F_RTF &mg_filter_rtf,
#else
#define F_RTF
#endif
#if __has_include("image.c")
LINK(mg_filter_image)
#define F_IMAGE &mg_filter_image,
#else
#define F_IMAGE
#endif
#if __has_include("archive.c")
LINK(mg_filter_archive)
#define F_ARCHIVE &mg_filter_archive,
#else
#define F_ARCHIVE
#endif

const void *const mg_linked_filters[] = {
	F_MAIL F_TEXT F_HTML F_XML F_PDF F_OOXML F_ODF F_OLE2 F_RTF F_IMAGE F_ARCHIVE NULL
};

size_t mg_linked_filter_count(void)
{
	size_t n = 0;

	while (mg_linked_filters[n])
		n++;
	return n;
}
