# ctest install/consumer_project, run with `cmake -P`:
#   1. cmake --install <CKPT_BINARY_DIR> --prefix <WORK_DIR>/prefix
#   2. configure <CONSUMER_SOURCE_DIR> with -DCMAKE_PREFIX_PATH=<prefix>
#      (find_package(ckpt REQUIRED) + ckpt::ckpt), same compiler as the main
#      build, sanitizers when the main build used them
#   3. build it
#   4. run it (it writes and reads back a bundle in a temp dir)
# Any failing step stops the test with FATAL_ERROR and its output.
#
# Inputs (-D): CKPT_BINARY_DIR CONSUMER_SOURCE_DIR WORK_DIR CXX_COMPILER
#              optional BUILD_TYPE GENERATOR CKPT_SANITIZE.
cmake_minimum_required(VERSION 3.25)

foreach(var CKPT_BINARY_DIR CONSUMER_SOURCE_DIR WORK_DIR CXX_COMPILER)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "run_consumer.cmake: -D${var}=... is required")
  endif()
endforeach()
# An empty BUILD_TYPE (a build configured without CMAKE_BUILD_TYPE) installs
# and builds the consumer without a configuration as well: the exported
# per-configuration file is then ckptTargets-noconfig.cmake.
set(config_args)
if(BUILD_TYPE)
  set(config_args --config "${BUILD_TYPE}")
endif()
if(NOT CKPT_SANITIZE)
  set(CKPT_SANITIZE OFF)
endif()

set(prefix "${WORK_DIR}/prefix")
set(build "${WORK_DIR}/build")

# run_step(<name> <command...>): runs the command, fails with its output.
function(run_step name)
  string(JOIN " " shown ${ARGN})
  message(STATUS "[${name}] ${shown}")
  execute_process(COMMAND ${ARGN}
    RESULT_VARIABLE rc
    OUTPUT_VARIABLE out
    ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "[${name}] failed (${rc}):\n"
                        "--- stdout ---\n${out}\n--- stderr ---\n${err}")
  endif()
  set(step_output "${out}${err}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

# 1. install
run_step(install "${CMAKE_COMMAND}" --install "${CKPT_BINARY_DIR}"
         --prefix "${prefix}" ${config_args})
foreach(f include/ckpt/bundle_writer.h include/ckpt/bundle_reader.h
          lib/cmake/ckpt/ckptConfig.cmake lib/cmake/ckpt/ckptConfigVersion.cmake
          lib/cmake/ckpt/ckptTargets.cmake lib/cmake/ckpt/FindLZ4.cmake)
  if(NOT EXISTS "${prefix}/${f}")
    file(GLOB_RECURSE installed RELATIVE "${prefix}" "${prefix}/*")
    string(REPLACE ";" "\n  " installed "${installed}")
    message(FATAL_ERROR "[install] ${prefix}/${f} is missing; installed:\n"
                        "  ${installed}")
  endif()
endforeach()

# 2. configure the consumer against the installed package only
set(configure_args -S "${CONSUMER_SOURCE_DIR}" -B "${build}"
  "-DCMAKE_PREFIX_PATH=${prefix}"
  "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}"
  "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}"
  "-DCKPT_SANITIZE=${CKPT_SANITIZE}"
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
  -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF)
if(GENERATOR)
  list(APPEND configure_args -G "${GENERATOR}")
endif()
run_step(configure "${CMAKE_COMMAND}" ${configure_args})
# find_package must have used the package just installed.
string(REGEX MATCH "ckpt_DIR=([^\n]*)" found_line "${step_output}")
set(found_dir "${CMAKE_MATCH_1}")
file(REAL_PATH "${prefix}/lib/cmake/ckpt" want_dir)
if(found_dir)
  file(REAL_PATH "${found_dir}" found_dir)
endif()
if(NOT found_dir STREQUAL want_dir)
  message(FATAL_ERROR "[configure] expected ckpt_DIR=${want_dir},"
                      " got '${found_dir}':\n${step_output}")
endif()

# 3. build
run_step(build "${CMAKE_COMMAND}" --build "${build}" ${config_args})

# 4. run
find_program(app NAMES app PATHS "${build}" "${build}/${BUILD_TYPE}"
             NO_DEFAULT_PATH REQUIRED)
run_step(run "${app}")
message(STATUS "[run] ${step_output}")
# The adapters' programs: required when the installed ckpt has the
# component (its export file is there).
foreach(pair "app_eigen=Eigen" "app_torch=Torch")
  string(REPLACE "=" ";" pair "${pair}")
  list(GET pair 0 extra)
  list(GET pair 1 component)
  if(NOT EXISTS "${prefix}/lib/cmake/ckpt/ckpt${component}Targets.cmake")
    message(STATUS "[run] ${extra}: ckpt was built without it")
    continue()
  endif()
  find_program(${extra}_path NAMES ${extra} PATHS "${build}"
               "${build}/${BUILD_TYPE}" NO_DEFAULT_PATH REQUIRED)
  run_step(run "${${extra}_path}")
  message(STATUS "[run] ${step_output}")
endforeach()
message(STATUS "install/consumer_project: OK")
