"""The verifiable draw (公开可验证抽取规程, protocol version 1), in pure Python.

../../../docs/draw-protocol.md is the public contract; this package implements it bit for bit
and imports neither Django nor the apps, so `shuangsuiji draw verify` runs anywhere.
"""

PROTOCOL_VERSION = "1"
