/* check_svg_raster.c - an SVG becomes a PNG of the size it asks for, in
 * its colours; one that refers to a file, a URL, a style sheet or an
 * XInclude is blocked, and neither the check nor librsvg alone touches
 * the file (inotify sees no open) or the server (no connection waits). */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <glib.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <unistd.h>

#include "image_codec.h"
#include "testutil.h"

extern const mg_filter mg_filter_image;

#define SVG_OPEN "<svg xmlns=\"http://www.w3.org/2000/svg\" " \
	"xmlns:xlink=\"http://www.w3.org/1999/xlink\" width=\"10\" height=\"10\">"

/* ---- helpers ---- */

static void png_of(const mg_result *res, mg_image *img)
{
	mg_policy *p = mg_policy_new();
	mg_ctx ctx = { 0 };

	ctx.policy = p;
	ck_assert_str_eq(res->out_type, "image/png");
	ck_assert_int_eq(mg_png_decode(&ctx, res->out, res->out_len, img), MG_OK);
	mg_policy_free(p);
}

/* One pixel as RGBA (an opaque drawing comes back as RGB). */
static const unsigned char *px(const mg_image *img, unsigned x, unsigned y)
{
	static unsigned char q[4];
	const unsigned char *p = img->pixels + ((size_t)y * img->width + x) * img->channels;

	ck_assert(img->channels == 3 || img->channels == 4);
	memcpy(q, p, 3);
	q[3] = img->channels == 4 ? p[3] : 255;
	return q;
}

static void assert_rgba(const mg_image *img, unsigned x, unsigned y, unsigned r, unsigned g,
                        unsigned b, unsigned a)
{
	const unsigned char *p = px(img, x, y);

	ck_assert_msg(p[0] == r && p[1] == g && p[2] == b && p[3] == a,
	              "pixel %u,%u is %u,%u,%u,%u, not %u,%u,%u,%u", x, y, p[0], p[1], p[2], p[3],
	              r, g, b, a);
}

static void draw(const char *svg, const char *name, mg_image *img)
{
	mg_result res;

	ck_assert_msg(tu_sanitize(svg, strlen(svg), name, MG_MODE_DEFAULT, &res) == MG_OK, "%s: %s",
	              svg, res.reason);
	ck_assert_int_eq(res.verdict, MG_VERDICT_SANITISED);
	ck_assert_str_eq(res.out_ext, "png");
	png_of(&res, img);
	mg_result_free(&res);
}

/* ---- ordinary logos ---- */

START_TEST(logo_size_and_colours)
{
	static const char logo[] =
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"120\" height=\"60\" "
		"onload=\"alert(1)\"><script>alert(2)</script>"
		"<defs><linearGradient id=\"g\"><stop offset=\"0\" stop-color=\"#00ff00\"/>"
		"<stop offset=\"1\" stop-color=\"#00ff00\"/></linearGradient></defs>"
		"<rect width=\"60\" height=\"60\" fill=\"#ff0000\"/>"
		"<circle cx=\"90\" cy=\"30\" r=\"20\" fill=\"url(#g)\"/>"
		"<text x=\"62\" y=\"58\" font-size=\"4\">\xe7\x84\xa1\xe5\xae\xb3</text></svg>";
	mg_image img = { 0 };

	draw(logo, "logo.svg", &img);
	ck_assert_uint_eq(img.width, 120);
	ck_assert_uint_eq(img.height, 60);
	assert_rgba(&img, 30, 30, 255, 0, 0, 255);  /* the square */
	assert_rgba(&img, 90, 30, 0, 255, 0, 255);  /* the circle, through its gradient */
	assert_rgba(&img, 119, 0, 0, 0, 0, 0);      /* the background stays transparent */
	mg_image_free(&img);
}
END_TEST

/* Units, a viewBox alone, no size at all. */
START_TEST(sizes_the_document_asks_for)
{
	static const struct {
		const char *svg;
		unsigned w, h;
	} cases[] = {
		{ "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1in\" height=\"0.5in\">"
		  "<rect width=\"100%\" height=\"100%\" fill=\"blue\"/></svg>", 96, 48 },
		{ "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 24 12\">"
		  "<rect width=\"24\" height=\"12\" fill=\"blue\"/></svg>", 1024, 512 },
		{ "<svg xmlns=\"http://www.w3.org/2000/svg\">"
		  "<rect width=\"100%\" height=\"100%\" fill=\"blue\"/></svg>", 300, 150 },
		{ "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100%\" viewBox=\"0 0 10 40\">"
		  "<rect width=\"10\" height=\"40\" fill=\"blue\"/></svg>", 256, 1024 },
		/* one side given: the other from the viewBox, as in a browser */
		{ "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"200\" viewBox=\"0 0 100 50\">"
		  "<rect width=\"100\" height=\"50\" fill=\"blue\"/></svg>", 200, 100 },
		{ "<svg xmlns=\"http://www.w3.org/2000/svg\" height=\"0.5in\" viewBox=\"0 0 100 50\">"
		  "<rect width=\"100\" height=\"50\" fill=\"blue\"/></svg>", 96, 48 },
	};
	mg_image img = { 0 };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		draw(cases[i].svg, "s.svg", &img);
		ck_assert_msg(img.width == cases[i].w && img.height == cases[i].h, "case %zu: %ux%u", i,
		              img.width, img.height);
		assert_rgba(&img, img.width / 2, img.height / 2, 0, 0, 255, 255);
		mg_image_free(&img);
	}
}
END_TEST

/* A picture embedded as a PNG data: URL is drawn with the rest. */
START_TEST(embedded_png_is_drawn)
{
	/* 1x1 opaque red PNG */
	static const char svg[] =
		SVG_OPEN "<image width=\"10\" height=\"10\" preserveAspectRatio=\"none\" "
		"href=\"data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4"
		"nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC\"/></svg>";
	mg_image img = { 0 };

	draw(svg, "e.svg", &img);
	ck_assert_uint_eq(img.width, 10);
	assert_rgba(&img, 5, 5, 255, 0, 0, 255);
	mg_image_free(&img);
}
END_TEST

/* An embedded picture goes through the image family's decoder first:
 * damaged, another format, or too large, and the SVG is blocked. */
START_TEST(embedded_pictures_checked)
{
	mg_policy *p = mg_policy_new();
	mg_ctx ctx = { 0 };
	mg_image big = { 0 };
	mg_buf png;
	mg_result res;
	char *b64, *svg;
	static const char *const bad[] = {
		/* a PNG signature and nothing after it */
		SVG_OPEN "<image width=\"1\" height=\"1\" href=\"data:image/png;base64,iVBORw0KGgo=\"/></svg>",
		/* a GIF under a PNG type */
		SVG_OPEN "<image width=\"1\" height=\"1\" href=\"data:image/png;base64,"
		"R0lGODlhAQABAAAAACw=\"/></svg>",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tu_sanitize(bad[i], strlen(bad[i]), "e.svg", MG_MODE_DEFAULT, &res);
		ck_assert_msg(res.status == MG_E_MALFORMED, "case %zu: %s", i, res.reason);
		mg_result_free(&res);
	}
	/* 5000x5000 grey: within the policy, over what gdk-pixbuf may hold */
	ctx.policy = p;
	ctx.report = json_object();
	ck_assert_int_eq(mg_image_alloc(&ctx, &big, 5000, 5000, 1), MG_OK);
	memset(big.pixels, 0x80, 5000u * 5000u);
	mg_buf_init(&png, 1u << 26);
	ck_assert_int_eq(mg_png_encode(&ctx, &big, &png), MG_OK);
	b64 = g_base64_encode(png.data, png.len);
	svg = g_strdup_printf(SVG_OPEN "<image width=\"10\" height=\"10\" "
	                      "href=\"data:image/png;base64,%s\"/></svg>", b64);
	tu_sanitize(svg, strlen(svg), "e.svg", MG_MODE_DEFAULT, &res);
	ck_assert_msg(res.status == MG_E_LIMIT_PIXELS, "%s", res.reason);
	ck_assert_ptr_nonnull(strstr(res.reason, "embedded picture of 5000x5000"));
	mg_result_free(&res);
	g_free(svg);
	g_free(b64);
	mg_buf_free(&png);
	mg_image_free(&big);
	json_decref(ctx.report);
	mg_policy_free(p);
}
END_TEST

/* ---- nothing outside the document is read ---- */

static const char *const outside[] = {
	/* @D@: the directory of the local files, @P@: the local server's port */
	SVG_OPEN "<xi:include xmlns:xi=\"http://www.w3.org/2001/XInclude\" "
	"href=\"file://@D@/red.svg\"/></svg>",
	SVG_OPEN "<text y=\"9\"><xi:include xmlns:xi=\"http://www.w3.org/2001/XInclude\" "
	"parse=\"text\" href=\"@D@/secret.txt\"/></text></svg>",
	SVG_OPEN "<image width=\"10\" height=\"10\" href=\"file://@D@/red.svg\"/></svg>",
	SVG_OPEN "<image width=\"10\" height=\"10\" xlink:href=\"@D@/red.png\"/></svg>",
	SVG_OPEN "<image width=\"10\" height=\"10\" xlink:href=\"http://127.0.0.1:@P@/red.png\"/></svg>",
	SVG_OPEN "<use href=\"file://@D@/red.svg#r\"/></svg>",
	SVG_OPEN "<use xlink:href=\"red.svg#r\"/></svg>",
	SVG_OPEN "<use href=\"http://127.0.0.1:@P@/red.svg#r\"/></svg>",
	SVG_OPEN "<style>@import url(http://127.0.0.1:@P@/a.css);</style>"
	"<rect width=\"10\" height=\"10\"/></svg>",
	SVG_OPEN "<style>@import \"file://@D@/red.css\";</style><rect width=\"10\" height=\"10\"/></svg>",
	SVG_OPEN "<rect width=\"10\" height=\"10\" fill=\"url(file://@D@/red.svg#g)\"/></svg>",
	SVG_OPEN "<rect width=\"10\" height=\"10\" style=\"fill:url('http://127.0.0.1:@P@/x#g')\"/></svg>",
	SVG_OPEN "<style>rect{fill:\\75rl(http://127.0.0.1:@P@/x#g)}</style>"
	"<rect width=\"10\" height=\"10\"/></svg>",
	SVG_OPEN "<filter id=\"f\"><feImage href=\"http://127.0.0.1:@P@/f.png\"/></filter>"
	"<rect width=\"10\" height=\"10\" filter=\"url(#f)\"/></svg>",
	"<?xml-stylesheet href=\"http://127.0.0.1:@P@/s.css\" type=\"text/css\"?>" SVG_OPEN
	"<rect width=\"10\" height=\"10\"/></svg>",
	"<!DOCTYPE svg [<!ENTITY x SYSTEM \"file://@D@/secret.txt\">]>" SVG_OPEN
	"<text y=\"9\">&x;</text></svg>",
	"<!DOCTYPE svg SYSTEM \"file://@D@/red.dtd\">" SVG_OPEN "<text y=\"9\">&r;</text></svg>",
	"<!DOCTYPE svg [<!ENTITY u \"file://@D@/red.svg#r\">]>" SVG_OPEN
	"<use href=\"&u;\"/></svg>",
	SVG_OPEN "<image width=\"10\" height=\"10\" href=\"data:image/svg+xml,%3Csvg/%3E\"/></svg>",
};
#define NOUTSIDE (sizeof(outside) / sizeof(outside[0]))

struct trap {
	char dir[64];
	int watch;      /* inotify on dir: opens and reads */
	int server;     /* a listening socket on 127.0.0.1 */
	int port;
};

/* The case with the directory and the port put in (g_free it). */
static char *fill(const char *tmpl, const struct trap *t)
{
	GString *s = g_string_new(tmpl);
	char port[16];

	snprintf(port, sizeof(port), "%d", t->port);
	g_string_replace(s, "@D@", t->dir, 0);
	g_string_replace(s, "@P@", port, 0);
	return g_string_free(s, FALSE);
}

static void put(const char *dir, const char *name, const char *text)
{
	char *path = g_strdup_printf("%s/%s", dir, name);

	ck_assert(g_file_set_contents(path, text, -1, NULL));
	g_free(path);
}

static void trap_open(struct trap *t)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);

	snprintf(t->dir, sizeof(t->dir), "/tmp/mugai-svg-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(t->dir));
	put(t->dir, "red.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\">"
	                       "<rect id=\"r\" width=\"10\" height=\"10\" fill=\"red\"/>"
	                       "<linearGradient id=\"g\"><stop stop-color=\"red\"/></linearGradient>"
	                       "</svg>");
	put(t->dir, "secret.txt", "SECRET");
	put(t->dir, "red.css", "rect{fill:red}");
	put(t->dir, "red.dtd", "<!ENTITY r \"SECRET\">");
	t->watch = inotify_init1(IN_NONBLOCK);
	ck_assert_int_ge(t->watch, 0);
	ck_assert_int_ge(inotify_add_watch(t->watch, t->dir, IN_OPEN | IN_ACCESS), 0);
	t->server = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(t->server, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(t->server, 16), 0);
	ck_assert_int_eq(getsockname(t->server, (struct sockaddr *)&sa, &sl), 0);
	t->port = ntohs(sa.sin_port);
}

/* Nothing opened a file of the directory, nobody connected. */
static void trap_close(struct trap *t)
{
	char ev[4096];
	const char *names[] = { "red.svg", "secret.txt", "red.css", "red.dtd" };

	ck_assert_msg(read(t->watch, ev, sizeof(ev)) < 0 && errno == EAGAIN,
	              "a file next to the SVG was opened");
	ck_assert_msg(accept(t->server, NULL, NULL) < 0 && errno == EAGAIN,
	              "the local server was contacted");
	close(t->watch);
	close(t->server);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *p = g_strdup_printf("%s/%s", t->dir, names[i]);

		unlink(p);
		g_free(p);
	}
	rmdir(t->dir);
}

START_TEST(outside_references_are_blocked)
{
	struct trap t;

	trap_open(&t);
	for (size_t i = 0; i < NOUTSIDE; i++) {
		char *svg = fill(outside[i], &t);
		mg_result res;

		tu_sanitize(svg, strlen(svg), "x.svg", MG_MODE_DEFAULT, &res);
		ck_assert_msg(res.verdict == MG_VERDICT_BLOCKED, "case %zu passed: %s", i, svg);
		ck_assert_msg(res.status == MG_E_TYPE_BLOCKED, "case %zu: %s", i, res.reason);
		ck_assert_msg(strstr(res.reason, "outside itself"), "case %zu: %s", i, res.reason);
		ck_assert_ptr_null(res.out);
		mg_result_free(&res);
		g_free(svg);
	}
	trap_close(&t);
}
END_TEST

/* librsvg alone, without the check in front: no base URL, so it reads
 * nothing either, and nothing red (the outside drawings' colour) shows. */
START_TEST(renderer_alone_reads_nothing)
{
	mg_policy *p = mg_policy_new();
	struct trap t;

	trap_open(&t);
	for (size_t i = 0; i < NOUTSIDE; i++) {
		char *svg = fill(outside[i], &t);
		mg_ctx ctx = { 0 };
		mg_image img = { 0 };

		ctx.policy = p;
		ctx.report = json_object();
		if (mg_svg_render(&ctx, (const unsigned char *)svg, strlen(svg), &img) == MG_OK)
			for (unsigned y = 0; y < img.height; y++)
				for (unsigned x = 0; x < img.width; x++) {
					const unsigned char *q = px(&img, x, y);

					ck_assert_msg(!(q[0] > 128 && q[1] < 64 && q[3] > 128),
					              "case %zu: red at %u,%u", i, x, y);
				}
		mg_image_free(&img);
		json_decref(ctx.report);
		g_free(svg);
	}
	trap_close(&t);
	mg_policy_free(p);
}
END_TEST

/* ---- limits and damage ---- */

START_TEST(size_limits)
{
	static const char *const too_big[] = {
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"40000\" height=\"10\"/>",
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"20000\" height=\"20000\"/>",
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1e30\" height=\"1\"/>",
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100000cm\" height=\"1cm\"/>",
	};
	static const char big[] =
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"9000\" height=\"9000\">"
		"<rect width=\"9000\" height=\"9000\" fill=\"blue\"/></svg>";
	mg_policy *p = mg_policy_new();
	mg_result res;
	mg_image img = { 0 };
	char *err = NULL;

	for (size_t i = 0; i < sizeof(too_big) / sizeof(too_big[0]); i++) {
		tu_sanitize(too_big[i], strlen(too_big[i]), "b.svg", MG_MODE_DEFAULT, &res);
		ck_assert_msg(res.status == MG_E_LIMIT_PIXELS, "case %zu: %s", i, res.reason);
		ck_assert_int_eq(res.verdict, MG_VERDICT_BLOCKED);
		mg_result_free(&res);
	}
	/* within the policy's limits but not the renderer's memory: drawn smaller */
	tu_sanitize(big, strlen(big), "b.svg", MG_MODE_DEFAULT, &res);
	ck_assert_msg(res.status == MG_OK, "%s", res.reason);
	ck_assert(tu_report_has(&res, "actions", "drawn at 2048x2048"));
	png_of(&res, &img);
	ck_assert_uint_eq(img.width, 2048);
	assert_rgba(&img, 2047, 2047, 0, 0, 255, 255);
	mg_image_free(&img);
	mg_result_free(&res);
	/* the policy's own limits */
	ck_assert_int_eq(mg_policy_set(p, "max_dimension", "100", &err), 0);
	tu_sanitize_policy(p, big, strlen(big), "b.svg", MG_MODE_DEFAULT, &res);
	ck_assert_int_eq(res.status, MG_E_LIMIT_PIXELS);
	mg_result_free(&res);
	mg_policy_free(p);
}
END_TEST

START_TEST(damaged_and_hostile)
{
	static const char *const malformed[] = {
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><rect",
		"<svg xmlns=\"http://www.w3.org/2000/svg\"><g></svg>",
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"0\" height=\"10\"/>",
	};
	GString *laughs = g_string_new("<?xml version=\"1.0\"?><!DOCTYPE svg [<!ENTITY a0 \"lol\">");
	GString *flat = g_string_new("<!DOCTYPE svg [<!ENTITY a \"");
	mg_result res;

	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		tu_sanitize(malformed[i], strlen(malformed[i]), "m.svg", MG_MODE_DEFAULT, &res);
		ck_assert_msg(res.status == MG_E_MALFORMED, "case %zu: %s", i, res.reason);
		ck_assert_int_eq(res.verdict, MG_VERDICT_BLOCKED);
		mg_result_free(&res);
	}
	/* billion laughs: refused, quickly enough to be here at all */
	for (int i = 1; i < 10; i++)
		g_string_append_printf(laughs, "<!ENTITY a%d \"&a%d;&a%d;&a%d;&a%d;&a%d;&a%d;&a%d;"
		                       "&a%d;&a%d;&a%d;\">", i, i - 1, i - 1, i - 1, i - 1, i - 1,
		                       i - 1, i - 1, i - 1, i - 1, i - 1);
	g_string_append(laughs, "]><svg xmlns=\"http://www.w3.org/2000/svg\"><text>&a9;</text></svg>");
	tu_sanitize(laughs->str, laughs->len, "l.svg", MG_MODE_DEFAULT, &res);
	ck_assert_int_eq(res.verdict, MG_VERDICT_BLOCKED);
	mg_result_free(&res);
	/* one flat entity of 64 KiB used 4096 times: past the expansion budget */
	for (int i = 0; i < 65536; i++)
		g_string_append_c(flat, 'x');
	g_string_append(flat, "\">]><svg xmlns=\"http://www.w3.org/2000/svg\"><g class=\"");
	for (int i = 0; i < 4096; i++)
		g_string_append(flat, "&a;");
	g_string_append(flat, "\"/></svg>");
	tu_sanitize(flat->str, flat->len, "f.svg", MG_MODE_DEFAULT, &res);
	ck_assert_int_eq(res.verdict, MG_VERDICT_BLOCKED);
	ck_assert_int_eq(res.status, MG_E_LIMIT_RATIO);
	mg_result_free(&res);
	g_string_free(laughs, TRUE);
	g_string_free(flat, TRUE);
}
END_TEST

/* Illustrator's flat entities (namespace names) are fine. */
START_TEST(flat_entities_are_drawn)
{
	static const char svg[] =
		"<?xml version=\"1.0\"?>\n<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" "
		"\"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\" [\n"
		"<!ENTITY ns_svg \"http://www.w3.org/2000/svg\">\n"
		"<!ENTITY fill \"#0000ff\">\n]>\n"
		"<svg xmlns=\"&ns_svg;\" width=\"8\" height=\"8\"><rect width=\"8\" height=\"8\" "
		"fill=\"&fill;\"/></svg>";
	static const char https_dtd[] =
		"<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" "
		"\"https://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"8\" height=\"8\"/>";
	mg_image img = { 0 };

	draw(svg, "ai.svg", &img);
	ck_assert_uint_eq(img.width, 8);
	assert_rgba(&img, 4, 4, 0, 0, 255, 255);
	mg_image_free(&img);
	/* the W3C's DTD named (never loaded), over https too */
	draw(https_dtd, "w3c.svg", &img);
	ck_assert_uint_eq(img.width, 8);
	mg_image_free(&img);
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("svg_raster");
	TCase *tc = tcase_create("core");

	(void)mg_filter_image;
	tcase_add_test(tc, logo_size_and_colours);
	tcase_add_test(tc, sizes_the_document_asks_for);
	tcase_add_test(tc, embedded_png_is_drawn);
	tcase_add_test(tc, embedded_pictures_checked);
	tcase_add_test(tc, outside_references_are_blocked);
	tcase_add_test(tc, renderer_alone_reads_nothing);
	tcase_add_test(tc, size_limits);
	tcase_add_test(tc, damaged_and_hostile);
	tcase_add_test(tc, flat_entities_are_drawn);
	suite_add_tcase(s, tc);
	return s;
}
