/*
 * bench_office.c - OOXML packages through the cdr filter (a new package
 * from parsed, disarmed parts), for bench/sections/office.sh.  With
 * --generate N OUT it writes a docx of N paragraphs instead (tables,
 * fields and hyperlinks among them), so the benchmark needs no large file
 * in the repository.
 *
 *   bench_office RUNS IN...           -> "packages=40 input_bytes=... seconds=0.21"
 *   bench_office --generate 4000 OUT.docx
 */
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

extern const mg_filter mg_filter_ooxml;
extern const mg_filter mg_filter_image;

#define W_NS "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" " \
	"xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\""

static const char types[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
	"<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
	"<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
	"<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
	"<Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>"
	"</Types>";

static const char root_rels[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
	"<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
	"<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/>"
	"</Relationships>";

static const char doc_rels[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
	"<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
	"<Relationship Id=\"rId9\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink\" Target=\"https://www.example.jp/\" TargetMode=\"External\"/>"
	"</Relationships>";

/* Paragraph i: minutes text, every 10th a hyperlink, every 25th a PAGE
 * field, every 50th a small table. */
static void paragraph(mg_buf *b, unsigned i)
{
	if (i % 50 == 49) {
		mg_buf_puts(b, "<w:tbl>");
		for (unsigned r = 0; r < 3; r++) {
			mg_buf_puts(b, "<w:tr>");
			for (unsigned c = 0; c < 4; c++)
				mg_buf_printf(b, "<w:tc><w:p><w:r><w:t>cell %u.%u.%u</w:t></w:r></w:p></w:tc>",
				              i, r, c);
			mg_buf_puts(b, "</w:tr>");
		}
		mg_buf_puts(b, "</w:tbl>");
	}
	mg_buf_printf(b, "<w:p><w:r><w:rPr><w:b/></w:rPr><w:t xml:space=\"preserve\">Item %u: </w:t></w:r>"
	              "<w:r><w:t>the committee reviewed case %u and agreed to follow up with "
	              "department %u by the end of the month.</w:t></w:r>",
	              i + 1, (i * 131) % 9973, i % 12 + 1);
	if (i % 10 == 9)
		mg_buf_puts(b, "<w:hyperlink r:id=\"rId9\"><w:r><w:t>details</w:t></w:r></w:hyperlink>");
	if (i % 25 == 24)
		mg_buf_puts(b, "<w:fldSimple w:instr=\" PAGE \"><w:r><w:t>1</w:t></w:r></w:fldSimple>");
	mg_buf_puts(b, "</w:p>");
}

static int add(struct archive *a, const char *name, const void *d, size_t len)
{
	struct archive_entry *e = archive_entry_new();
	int ok;

	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)len);
	ok = archive_write_header(a, e) == ARCHIVE_OK &&
	     archive_write_data(a, d, len) == (la_ssize_t)len;
	archive_entry_free(e);
	return ok ? 0 : -1;
}

static int generate(unsigned n, const char *out)
{
	struct archive *a = archive_write_new();
	mg_buf b;
	int rc = 1;

	mg_buf_init(&b, 1u << 30);
	mg_buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><w:document " W_NS
	                "><w:body>");
	for (unsigned i = 0; i < n; i++)
		paragraph(&b, i);
	mg_buf_puts(&b, "<w:sectPr/></w:body></w:document>");
	archive_write_set_format_zip(a);
	if (archive_write_open_filename(a, out) == ARCHIVE_OK &&
	    add(a, "[Content_Types].xml", types, strlen(types)) == 0 &&
	    add(a, "_rels/.rels", root_rels, strlen(root_rels)) == 0 &&
	    add(a, "word/_rels/document.xml.rels", doc_rels, strlen(doc_rels)) == 0 &&
	    add(a, "word/document.xml", b.data, b.len) == 0 && archive_write_close(a) == ARCHIVE_OK)
		rc = 0;
	else
		fprintf(stderr, "bench_office: cannot write %s: %s\n", out, archive_error_string(a));
	archive_write_free(a);
	mg_buf_free(&b);
	return rc;
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *d = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (d = malloc((size_t)n + 1)) && fread(d, 1, (size_t)n, f) != (size_t)n) {
		free(d);
		d = NULL;
	}
	*len = d ? (size_t)n : 0;
	fclose(f);
	return d;
}

int main(int argc, char **argv)
{
	mg_policy *p;
	mg_core *core;
	char *err = NULL;
	unsigned runs, packages = 0;
	size_t bytes = 0;
	double t0;

	if (argc == 4 && strcmp(argv[1], "--generate") == 0)
		return generate((unsigned)strtoul(argv[2], NULL, 10), argv[3]);
	if (argc < 3 || !(runs = (unsigned)strtoul(argv[1], NULL, 10)) || !mg_filter_ooxml.run ||
	    !mg_filter_image.run) {
		fprintf(stderr, "usage: bench_office RUNS IN... | --generate N OUT.docx\n");
		return 2;
	}
	p = mg_policy_new();
	if (!(core = mg_core_new(p, &err))) {
		fprintf(stderr, "bench_office: %s\n", err);
		return 1;
	}
	t0 = mg_now();
	for (int i = 2; i < argc; i++) {
		size_t len;
		unsigned char *d = slurp(argv[i], &len);

		if (!d) {
			fprintf(stderr, "bench_office: cannot read %s\n", argv[i]);
			return 1;
		}
		for (unsigned r = 0; r < runs; r++) {
			mg_input in = { d, len, argv[i], NULL, "bench", 0 };
			mg_result res;

			if (mg_sanitize(core, &in, MG_MODE_CDR, &res) != MG_OK) {
				fprintf(stderr, "bench_office: %s: %s\n", argv[i], res.reason);
				return 1;
			}
			mg_result_free(&res);
			packages++;
			bytes += len;
		}
		free(d);
	}
	printf("packages=%u input_bytes=%zu seconds=%.3f\n", packages, bytes, mg_now() - t0);
	mg_core_free(core);
	mg_policy_free(p);
	return 0;
}
