# Finds Gauntlet's dependencies: all of them are Debian 12 packages installed
# by scripts/install-deps.sh. wolfSSL ships no CMake config, so pkg-config.

find_package(PkgConfig REQUIRED)
pkg_check_modules(WOLFSSL REQUIRED IMPORTED_TARGET wolfssl)

find_package(absl REQUIRED)
find_package(Boost 1.74 REQUIRED)
find_package(Threads REQUIRED)
find_package(tomlplusplus REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(pugixml REQUIRED)
if(GAUNTLET_TESTS)
  find_package(GTest REQUIRED)
endif()
if(GAUNTLET_BENCH AND NOT GAUNTLET_FUZZ)
  find_package(benchmark REQUIRED)
endif()

# Header-only Boost (Asio, Beast) as a system include so its warnings stay out.
add_library(gauntlet_boost INTERFACE)
target_include_directories(gauntlet_boost SYSTEM INTERFACE ${Boost_INCLUDE_DIRS})
target_compile_definitions(gauntlet_boost INTERFACE BOOST_ASIO_NO_DEPRECATED)
target_link_libraries(gauntlet_boost INTERFACE Threads::Threads)
