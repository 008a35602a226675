# Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
"""Builds and installs the Python module ckpt from the source tree, offline:

    pip install --no-build-isolation .

(Debian 12: python3-pip python3-setuptools python3-wheel pybind11-dev
python3-numpy, plus the C++ dependencies of scripts/setup-deps.sh; inside a
virtual environment made with --system-site-packages, or with
--break-system-packages, as Debian's pip requires for the system Python.)

The extension is built by CMake (target ckpt_python, -DCKPT_PYTHON=ON) in
build/python-pip, or in $CKPT_CMAKE_BUILD_DIR when set (an existing build
directory is reused, so CI installs what it already built). docs/python.md.
"""

import os
import shutil
import subprocess
import sys
import sysconfig

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = os.path.dirname(os.path.abspath(__file__))


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build_dir = os.environ.get("CKPT_CMAKE_BUILD_DIR",
                                   os.path.join(ROOT, "build", "python-pip"))
        configure = ["cmake", "-S", ROOT, "-B", build_dir, "-DCKPT_PYTHON=ON"]
        # A fresh directory is configured for this interpreter; an existing
        # one keeps its own (same Python version required: checked below).
        if not os.path.exists(os.path.join(build_dir, "CMakeCache.txt")):
            configure += ["-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release",
                          "-DCKPT_BUILD_TESTS=OFF", "-DCKPT_BUILD_SAMPLES=OFF",
                          "-DPython3_EXECUTABLE=" + sys.executable]
        subprocess.check_call(configure)
        subprocess.check_call(["cmake", "--build", build_dir, "--target",
                               "ckpt_python", "-j", str(os.cpu_count() or 1)])
        built = os.path.join(build_dir, "python", "ckpt")
        target = self.get_ext_fullpath(ext.name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        suffix = sysconfig.get_config_var("EXT_SUFFIX")
        name = [f for f in os.listdir(built) if f == "_ckpt" + suffix]
        if len(name) != 1:
            raise RuntimeError("no _ckpt%s in %s (configured for another "
                               "Python?)" % (suffix, built))
        shutil.copyfile(os.path.join(built, name[0]), target)


setup(
    name="ckpt",
    version="0.1.0",
    description="Read and write TensorFlow checkpoints without TensorFlow",
    license="Apache-2.0",
    python_requires=">=3.8",
    install_requires=["numpy"],
    packages=["ckpt"],
    package_dir={"ckpt": "lib/python/ckpt"},
    package_data={"ckpt": ["__init__.pyi", "py.typed"]},
    ext_modules=[Extension("ckpt._ckpt", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    zip_safe=False,
)
