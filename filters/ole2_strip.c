/*
 * ole2_strip.c - a legacy Office compound file written again without its
 * macros, embedded objects and signatures, before LibreOffice sees it
 * (policy pdf).  LibreOffice is also told never to run macros; removing
 * them first means a flaw in that setting has nothing to run.
 *
 * libgsf reads the original and writes the copy (its MS-OLE writer) in
 * memory: storages and streams are copied by name with their class ids,
 * bounded by the same walk limits as the reader.
 */
#include <gsf/gsf-infile-msole.h>
#include <gsf/gsf-output-memory.h>
#include <gsf/gsf-outfile-msole.h>
#include <string.h>

#include "ole2_int.h"

#define MAX_DEPTH 16
#define CHUNK 65536

static mg_status copy_dir(mg_ole *o, GsfInfile *dir, GsfOutfile *to, unsigned depth);

static mg_status copy_stream(mg_ole *o, GsfInput *in, GsfOutput *out)
{
	gsf_off_t left = gsf_input_size(in);
	guint8 buf[CHUNK];

	while (left > 0) {
		size_t n = left > CHUNK ? CHUNK : (size_t)left;

		if (!gsf_input_read(in, n, buf) || !gsf_output_write(out, n, buf))
			return mg_fail(o->ctx, MG_E_MALFORMED, "compound file stream cannot be copied");
		left -= (gsf_off_t)n;
	}
	return MG_OK;
}

static mg_status copy_child(mg_ole *o, GsfInput *child, const char *name, GsfOutfile *to,
                            unsigned depth)
{
	bool storage = GSF_IS_INFILE(child) && gsf_infile_num_children(GSF_INFILE(child)) >= 0;
	GsfOutput *out;
	mg_status st;
	guint8 clsid[16];

	if (mg_ole_drop_reason(name, storage, depth))
		return MG_OK; /* reported by the walk */
	out = gsf_outfile_new_child(to, name, storage);
	if (!out)
		return mg_fail(o->ctx, MG_E_INTERNAL, "compound file copy: no child %s", name);
	if (storage && GSF_IS_INFILE_MSOLE(child) &&
	    gsf_infile_msole_get_class_id(GSF_INFILE_MSOLE(child), clsid))
		gsf_outfile_msole_set_class_id(GSF_OUTFILE_MSOLE(out), clsid);
	st = storage ? copy_dir(o, GSF_INFILE(child), GSF_OUTFILE(out), depth + 1) :
	               copy_stream(o, child, out);
	if (!gsf_output_close(out) && st == MG_OK)
		st = mg_fail(o->ctx, MG_E_INTERNAL, "compound file copy: %s not written", name);
	g_object_unref(out);
	return st;
}

static mg_status copy_dir(mg_ole *o, GsfInfile *dir, GsfOutfile *to, unsigned depth)
{
	int n = gsf_infile_num_children(dir);
	mg_status st = MG_OK;

	if (depth > MAX_DEPTH)
		return mg_fail(o->ctx, MG_E_LIMIT_DEPTH, "compound file storages nested deeper than %d",
		               MAX_DEPTH);
	for (int i = 0; i < n && st == MG_OK; i++) {
		const char *name = gsf_infile_name_by_index(dir, i);
		GsfInput *child;

		if (!name || !(child = gsf_infile_child_by_index(dir, i)))
			continue;
		st = copy_child(o, child, name, to, depth);
		g_object_unref(child);
	}
	return st == MG_OK ? mg_check_deadline(o->ctx) : st;
}

mg_status mg_ole_strip(mg_ole *o, mg_buf *out)
{
	GsfOutput *mem = gsf_output_memory_new();
	GsfOutfile *ole = mem ? gsf_outfile_msole_new(mem) : NULL;
	mg_status st;
	guint8 clsid[16];

	if (!ole) {
		if (mem)
			g_object_unref(mem);
		return mg_fail(o->ctx, MG_E_INTERNAL, "compound file writer failed");
	}
	if (GSF_IS_INFILE_MSOLE(o->root) &&
	    gsf_infile_msole_get_class_id(GSF_INFILE_MSOLE(o->root), clsid))
		gsf_outfile_msole_set_class_id(GSF_OUTFILE_MSOLE(ole), clsid);
	st = copy_dir(o, o->root, ole, 0);
	if (!gsf_output_close(GSF_OUTPUT(ole)) && st == MG_OK)
		st = mg_fail(o->ctx, MG_E_INTERNAL, "compound file copy not written");
	if (st == MG_OK &&
	    mg_buf_append(out, gsf_output_memory_get_bytes(GSF_OUTPUT_MEMORY(mem)),
	                  (size_t)gsf_output_size(mem)) < 0)
		st = mg_fail(o->ctx, MG_E_LIMIT_SIZE, "compound file larger than max_output");
	g_object_unref(ole);
	g_object_unref(mem);
	return st;
}
