# Compiler flags shared by every project target. Third-party headers are
# included as SYSTEM so "no warnings" applies to Gauntlet's own code only.

add_library(gauntlet_flags INTERFACE)
target_compile_options(gauntlet_flags INTERFACE -Wall -Wextra)
if(GAUNTLET_WERROR)
  target_compile_options(gauntlet_flags INTERFACE -Werror)
endif()
# Project headers are included by their path from the repository root,
# e.g. #include "smtp/line_reader.h".
target_include_directories(gauntlet_flags INTERFACE ${PROJECT_SOURCE_DIR})

if(GAUNTLET_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

if(GAUNTLET_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "GAUNTLET_FUZZ needs clang (use the 'fuzz' preset)")
  endif()
  # Everything is instrumented for coverage except the standard library's
  # and Abseil's out-of-line code (fuzz/coverage_ignorelist.txt says why);
  # only fuzz executables link the libFuzzer main (see fuzz/CMakeLists.txt).
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined
                      -fno-omit-frame-pointer -fno-sanitize-recover=undefined
                      -fsanitize-coverage-ignorelist=${PROJECT_SOURCE_DIR}/fuzz/coverage_ignorelist.txt)
  add_link_options(-fsanitize=address,undefined)
endif()
