"""Sketches: FracMinHash containment sketches, datasketch fingerprints, the file format."""

from attrib.sketch.core import (
    SCHEMA,
    Sketch,
    SketchParams,
    build_sketch,
    encode,
    from_bytes,
    merge_sketches,
    to_bytes,
    write_sketch,
)

__all__ = ["SCHEMA", "Sketch", "SketchParams", "build_sketch", "encode", "from_bytes",
           "merge_sketches", "to_bytes", "write_sketch"]
