# AddressSanitizer + UndefinedBehaviorSanitizer for the second test pass in CI.
if(MUGAI_SANITIZE)
  set(_san -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  add_compile_options(${_san} -U_FORTIFY_SOURCE)
  add_link_options(${_san})
endif()
if(MUGAI_FUZZ)
  # Every object is instrumented for coverage; the harnesses add -fsanitize=fuzzer at link time.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -U_FORTIFY_SOURCE)
  add_link_options(-fsanitize=address,undefined)
endif()
