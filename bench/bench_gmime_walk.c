/*
 * bench_gmime_walk.c - the floor for the mail core: gmime alone parsing
 * every file of a directory and walking every part, its content decoded
 * (transfer encoding undone) into a null stream.  No sanitising, no
 * report, no output message: what any parser-based core must pay.
 *
 *   bench_gmime_walk DIR [ROUNDS]
 *
 * Prints "items=N bytes=B seconds=S per_s=R mb_s=M parts=P" like
 * bench_mail, for bench/sections/mail.sh.  Files are read before the
 * clock starts.
 */
#include <dirent.h>
#include <gmime/gmime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct file {
	char *data;
	size_t len;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int load(const char *dir, struct file **files, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t cap = 0;

	*files = NULL;
	*n = 0;
	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL) {
		char path[4096];
		gchar *data;
		gsize len;

		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (e->d_name[0] == '.' || !g_file_get_contents(path, &data, &len, NULL))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 256;
			*files = realloc(*files, cap * sizeof(**files));
		}
		(*files)[*n].data = data;
		(*files)[*n].len = len;
		(*n)++;
	}
	closedir(d);
	return 0;
}

/* Every leaf's content decoded; a nested message walked too. */
static void visit(GMimeObject *parent, GMimeObject *o, gpointer user)
{
	unsigned *parts = user;

	(void)parent;
	(*parts)++;
	if (GMIME_IS_PART(o)) {
		GMimeDataWrapper *w = g_mime_part_get_content(GMIME_PART(o));
		GMimeStream *null = g_mime_stream_null_new();

		if (w)
			g_mime_data_wrapper_write_to_stream(w, null);
		g_object_unref(null);
	} else if (GMIME_IS_MESSAGE_PART(o)) {
		GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(o));

		if (m)
			g_mime_message_foreach(m, visit, user);
	}
}

static unsigned walk(const struct file *f)
{
	GMimeStream *s = g_mime_stream_mem_new_with_buffer(f->data, f->len);
	GMimeParser *p = g_mime_parser_new_with_stream(s);
	GMimeMessage *m = g_mime_parser_construct_message(p, NULL);
	unsigned parts = 0;

	if (m) {
		g_mime_message_foreach(m, visit, &parts);
		g_object_unref(m);
	}
	g_object_unref(p);
	g_object_unref(s);
	return parts;
}

int main(int argc, char **argv)
{
	struct file *files;
	size_t n, bytes = 0;
	unsigned rounds = argc > 2 ? (unsigned)atoi(argv[2]) : 1, parts = 0;
	double t0, secs;

	if (argc < 2) {
		fprintf(stderr, "usage: bench_gmime_walk DIR [ROUNDS]\n");
		return 1;
	}
	g_mime_init();
	if (load(argv[1], &files, &n) < 0 || n == 0) {
		fprintf(stderr, "bench_gmime_walk: nothing to run in %s\n", argv[1]);
		return 1;
	}
	if (rounds == 0)
		rounds = 1;
	t0 = now();
	for (unsigned r = 0; r < rounds; r++)
		for (size_t i = 0; i < n; i++) {
			parts += walk(&files[i]);
			bytes += files[i].len;
		}
	secs = now() - t0;
	printf("items=%zu bytes=%zu seconds=%.3f per_s=%.1f mb_s=%.2f parts=%u\n", n * rounds, bytes,
	       secs, (double)(n * rounds) / secs, (double)bytes / secs / 1048576.0, parts);
	for (size_t i = 0; i < n; i++)
		g_free(files[i].data);
	free(files);
	g_mime_shutdown();
	return 0;
}
