# FindNTL: Debian's libntl-dev ships no CMake configuration, so this module finds the header
# and the library and defines the imported target NTL::NTL (which brings GMP and threads).
include(FindPackageHandleStandardArgs)
find_path(NTL_INCLUDE_DIR NAMES NTL/ZZ.h)
find_library(NTL_LIBRARY NAMES ntl)
find_library(NTL_GMP_LIBRARY NAMES gmp)
if(NTL_INCLUDE_DIR AND EXISTS "${NTL_INCLUDE_DIR}/NTL/version.h")
  file(STRINGS "${NTL_INCLUDE_DIR}/NTL/version.h" _ntl_ver REGEX "define NTL_VERSION ")
  string(REGEX MATCH "[0-9]+\\.[0-9]+\\.[0-9]+" NTL_VERSION "${_ntl_ver}")
endif()
find_package_handle_standard_args(NTL
  REQUIRED_VARS NTL_LIBRARY NTL_INCLUDE_DIR NTL_GMP_LIBRARY
  VERSION_VAR NTL_VERSION)
if(NTL_FOUND AND NOT TARGET NTL::NTL)
  find_package(Threads REQUIRED)
  add_library(NTL::NTL UNKNOWN IMPORTED)
  set_target_properties(NTL::NTL PROPERTIES
    IMPORTED_LOCATION "${NTL_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${NTL_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "${NTL_GMP_LIBRARY};Threads::Threads")
endif()
mark_as_advanced(NTL_INCLUDE_DIR NTL_LIBRARY NTL_GMP_LIBRARY)
