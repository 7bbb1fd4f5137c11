"""The local engine: this process streams the input batch by batch.

A file goes straight to ``attrib.api.sketch_table``. A folder of part files is
streamed part after part through the same kernel (``attrib.api.sketch_frames``), so
that it gives the sketch one file holding all the parts' rows would give, apart from
the input facts (see ``attrib.engines.inputs``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from attrib import api
from attrib.engines.inputs import FolderReader, is_folder
from attrib.sketch import Sketch, SketchParams
from attrib.tokens import CaseKey


class LocalEngine:
    """Sketch in this process with bounded memory (about two batches)."""

    name = "local"

    def sketch(
        self,
        path: Path,
        key: CaseKey,
        params: SketchParams,
        *,
        kind: str,
        meta: dict[str, Any],
        mapping: Mapping[str, str] | None = None,
        sheet: str | None = None,
        exact: bool,
        max_rows: int | None = None,
        batch_rows: int | None = None,
        progress: bool = False,
    ) -> Sketch:
        """Sketch a file or a folder of part files (see ``attrib.engines.Engine``)."""
        path = Path(path)
        if not is_folder(path):
            return api.sketch_table(path, key, params, kind=kind, meta=meta, mapping=mapping,
                                    sheet=sheet, exact=exact, max_rows=max_rows,
                                    batch_rows=batch_rows, progress=progress)
        reader = FolderReader(path, batch_rows=batch_rows or api.DEFAULT_BATCH_ROWS,
                              sheet=sheet, max_rows=max_rows)
        merged, columns, quality = api.sketch_frames(
            reader.batches(), key, params, kind=kind, mapping=mapping, exact=exact,
            label=str(path))
        return merged.with_meta(**meta, **api._table_meta(reader.info(), columns, quality))
