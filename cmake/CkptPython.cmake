# Finds what the Python module `ckpt` (lib/python) needs: a Python 3
# interpreter that imports numpy, its development headers, and pybind11's
# CMake package (Debian: python3-dev python3-numpy pybind11-dev). pytest
# (python3-pytest) is needed for its tests only.
#
# Without -DPython3_EXECUTABLE=..., the first of `python3` on PATH and
# /usr/bin/python3 that imports numpy is used (a pyenv or venv python
# without numpy on PATH would otherwise hide Debian's).
#
# Sets CKPT_PYTHON_DEPS_FOUND, CKPT_PYTHON_DEPS_WHAT (for the report) and
# CKPT_PYTHON_HAVE_PYTEST.

set(CKPT_PYTHON_DEPS_FOUND FALSE)
set(CKPT_PYTHON_DEPS_WHAT "python3 with numpy, pybind11")
set(CKPT_PYTHON_HAVE_PYTEST FALSE)

if(NOT Python3_EXECUTABLE)
  find_program(ckpt_path_python3 NAMES python3 NO_CACHE)
  foreach(candidate IN ITEMS "${ckpt_path_python3}" /usr/bin/python3)
    if(candidate AND EXISTS "${candidate}")
      execute_process(COMMAND "${candidate}" -c "import numpy"
        RESULT_VARIABLE ckpt_numpy_rc OUTPUT_QUIET ERROR_QUIET TIMEOUT 60)
      if(ckpt_numpy_rc EQUAL 0)
        set(Python3_EXECUTABLE "${candidate}" CACHE FILEPATH
            "The Python interpreter of the ckpt module (imports numpy)")
        break()
      endif()
    endif()
  endforeach()
endif()

if(Python3_EXECUTABLE)
  find_package(Python3 3.8 COMPONENTS Interpreter Development.Module QUIET)
endif()
if(Python3_FOUND)
  set(PYBIND11_FINDPYTHON ON)
  find_package(pybind11 2.6 CONFIG QUIET)
  execute_process(COMMAND "${Python3_EXECUTABLE}" -c
                  "import numpy; print(numpy.__version__)"
    RESULT_VARIABLE ckpt_numpy_rc OUTPUT_VARIABLE ckpt_numpy_version
    OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET TIMEOUT 60)
  # pybind11 before 2.12 reads numpy 1's array descriptor layout: with
  # numpy 2 it would get item sizes wrong.
  if(pybind11_FOUND AND ckpt_numpy_rc EQUAL 0 AND
     ckpt_numpy_version VERSION_GREATER_EQUAL 2 AND
     pybind11_VERSION VERSION_LESS 2.12)
    set(ckpt_numpy_rc 1)
    set(CKPT_PYTHON_DEPS_WHAT
        "pybind11 >= 2.12 for numpy ${ckpt_numpy_version} (found pybind11 ${pybind11_VERSION})")
  endif()
  if(pybind11_FOUND AND ckpt_numpy_rc EQUAL 0)
    set(CKPT_PYTHON_DEPS_FOUND TRUE)
    set(CKPT_PYTHON_DEPS_WHAT
        "Python ${Python3_VERSION} (${Python3_EXECUTABLE}) with numpy ${ckpt_numpy_version}, pybind11 ${pybind11_VERSION}")
    execute_process(COMMAND "${Python3_EXECUTABLE}" -c "import pytest"
      RESULT_VARIABLE ckpt_pytest_rc OUTPUT_QUIET ERROR_QUIET TIMEOUT 60)
    if(ckpt_pytest_rc EQUAL 0)
      set(CKPT_PYTHON_HAVE_PYTEST TRUE)
    endif()
  endif()
endif()
