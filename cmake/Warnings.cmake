# Warnings are errors everywhere; third-party headers are included as system headers.
add_compile_options(
  -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wformat-security -Wstrict-prototypes
  -Wmissing-prototypes -Wpointer-arith -Wcast-qual -Wvla -Wundef -Wwrite-strings
  -Wno-unused-parameter
  -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fno-strict-aliasing)
