# Owns: `cmake --install` of s2s and the CMake package it leaves behind:
#   bin/s2s, lib/libs2s_<part>.a, include/s2s/**, share/s2s/configs/*.yaml,
#   lib/cmake/s2s/{s2sConfig,s2sConfigVersion,s2sTargets}.cmake
# so that a consumer writes `find_package(s2s 0.1 REQUIRED)` and links `s2s::train` (or any other
# part of src/ that is a library: s2s::core, s2s::kernels, s2s::nn, s2s::model, s2s::config, ...).
# The libraries are static, so their imported dependencies (MPI, HDF5, OpenBLAS, yaml-cpp, spdlog,
# fmt, nlohmann_json, ZLIB, Threads, SentencePiece; CUDA and NCCL in a CUDA build) travel with them:
# s2sConfig.cmake finds each again (cmake/s2sConfig.cmake.in).
# Tested by tests/package (label `package`): install into a temporary prefix, build a consumer.
include(CMakePackageConfigHelpers)

set(S2S_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/s2s)
# Every part of src/ that became a library (s2s_add_part), plus the CUDA twins and the headers
# target: found from the tree, so a new part is installed without editing this list.
file(GLOB _s2s_part_dirs LIST_DIRECTORIES true RELATIVE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/src/*)
set(_s2s_export_targets)
foreach(_part headers cuda dist_nccl ${_s2s_part_dirs})
  if(TARGET s2s_${_part})
    set_target_properties(s2s_${_part} PROPERTIES EXPORT_NAME ${_part})  # s2s_train -> s2s::train
    list(APPEND _s2s_export_targets s2s_${_part})
  endif()
endforeach()

install(TARGETS ${_s2s_export_targets} EXPORT s2sTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})  # include dirs: $<INSTALL_INTERFACE> of each part
if(TARGET s2s)
  install(TARGETS s2s RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/s2s DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.h")
install(DIRECTORY ${PROJECT_SOURCE_DIR}/configs/ DESTINATION ${CMAKE_INSTALL_DATADIR}/s2s/configs
        FILES_MATCHING PATTERN "*.yaml")
install(EXPORT s2sTargets NAMESPACE s2s:: DESTINATION ${S2S_INSTALL_CMAKEDIR})

# Where the build found NCCL: a hint for the consumer's search, not a requirement.
set(S2S_NCCL_HINT "")
if(S2S_WITH_CUDA AND NCCL_LIBRARY)
  get_filename_component(S2S_NCCL_HINT "${NCCL_LIBRARY}" DIRECTORY)
endif()
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/s2sConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/s2sConfig.cmake
                              INSTALL_DESTINATION ${S2S_INSTALL_CMAKEDIR})
# 0.x: a minor version may break the API, so only the same major.minor is compatible.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/s2sConfigVersion.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/s2sConfig.cmake ${PROJECT_BINARY_DIR}/s2sConfigVersion.cmake
        DESTINATION ${S2S_INSTALL_CMAKEDIR})
