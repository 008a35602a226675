# Optional components of ckpt (ckpt::mpi, ckpt::eigen, ckpt::torch,
# ckpt::bridges, the Python module): each has a cache option CKPT_<NAME> =
# AUTO (build it when its dependency is found), ON (the dependency is
# required: configuring fails without it) or OFF. The core library ckpt
# never depends on them. Configure reports each component's outcome, so a
# missing dependency is never silent.
#
#   ckpt_component_begin(MPI "ckpt::mpi" "NewMpiCommunicator")
#   if(CKPT_MPI_WANTED)
#     find_package(MPI COMPONENTS CXX)
#     ckpt_component_end(MPI "${MPI_CXX_FOUND}" "MPI ${MPI_CXX_VERSION}"
#                        "libopenmpi-dev openmpi-bin")
#   endif()
#
# After ckpt_component_end, CKPT_<NAME>_ENABLED says whether to build it.

# Declares the option; sets CKPT_<NAME>_WANTED when the dependency should be
# looked for (not for OFF, nor for AUTO in a fuzz-only build unless the
# component passes FUZZ: it has fuzz targets of its own).
macro(ckpt_component_begin name target what)
  set(CKPT_${name} AUTO CACHE STRING
      "Build the optional ${target} component (${what}): AUTO (if its dependency is found), ON (required) or OFF")
  set_property(CACHE CKPT_${name} PROPERTY STRINGS AUTO ON OFF)
  set(CKPT_${name}_ENABLED OFF)
  set(CKPT_${name}_WANTED OFF)
  set(CKPT_${name}_TARGET "${target}")
  string(TOUPPER "${CKPT_${name}}" _ckpt_mode_${name})
  set(_ckpt_args_${name} ${ARGN})  # ARGN is no variable inside a macro
  if(_ckpt_mode_${name} STREQUAL "AUTO" AND CKPT_FUZZ AND
     NOT "FUZZ" IN_LIST _ckpt_args_${name})
    message(STATUS "ckpt: fuzz build: ${target} and its tests are not built")
  elseif(_ckpt_mode_${name} STREQUAL "AUTO" OR CKPT_${name})
    set(CKPT_${name}_WANTED ON)
  else()
    message(STATUS "ckpt: CKPT_${name}=${CKPT_${name}}: ${target} and its tests are not built")
  endif()
endmacro()

# Records whether the dependency was found (`found` true/false), reports it,
# and fails for ON without it. `found_what` names what was found; `packages`
# the Debian packages that provide it.
macro(ckpt_component_end name found found_what packages)
  if(${found})
    set(CKPT_${name}_ENABLED ON)
    message(STATUS "ckpt: ${found_what} found: building ${CKPT_${name}_TARGET}")
  elseif(_ckpt_mode_${name} STREQUAL "AUTO")
    message(STATUS "ckpt: ${found_what} not found: ${CKPT_${name}_TARGET} and its tests are not built (Debian: ${packages}; scripts/setup-deps.sh installs them)")
  else()
    message(FATAL_ERROR "ckpt: CKPT_${name}=${CKPT_${name}} but ${found_what} was not found; "
                        "install it (Debian: ${packages}) or configure with "
                        "-DCKPT_${name}=AUTO or OFF")
  endif()
endmacro()
