# AddressSanitizer + UndefinedBehaviorSanitizer for the second test pass in CI.
if(MUGAI_SANITIZE)
  set(_san -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  add_compile_options(${_san} -U_FORTIFY_SOURCE)
  add_link_options(${_san})
endif()
if(MUGAI_FUZZ)
  # Every object is instrumented for coverage; the harnesses add -fsanitize=fuzzer at link time.
  # Undefined behaviour aborts, so libFuzzer keeps the input and the run fails, as for a crash.
  set(_fuzz_san -fsanitize=address,undefined -fno-sanitize-recover=undefined)
  add_compile_options(-fsanitize=fuzzer-no-link ${_fuzz_san} -fno-omit-frame-pointer -U_FORTIFY_SOURCE)
  add_link_options(${_fuzz_san})
endif()
