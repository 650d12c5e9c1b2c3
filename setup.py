"""Builds the optional C fast path of the draw (shuangsuiji/rules/draw/_fastpool.c).

If no compiler or OpenSSL headers are available the build is skipped and the pure Python
implementation is used: same results, slower on pools of millions.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "shuangsuiji.rules.draw._fastpool",
            sources=["shuangsuiji/rules/draw/_fastpool.c"],
            depends=["shuangsuiji/rules/draw/_sha256_block.h"],
            libraries=["crypto"],
            extra_compile_args=["-O3"],
            optional=True,
        )
    ]
)
