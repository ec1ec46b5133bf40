/*
 * check_runner.c - the main() of every Check test program.  Each
 * tests/check_<module>.c exports `Suite *mugai_suite(void)`; CMake links
 * one program per module so modules build and fail independently.
 */
#include <check.h>
#include <stdlib.h>

Suite *mugai_suite(void);

int main(void)
{
	SRunner *sr = srunner_create(mugai_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
