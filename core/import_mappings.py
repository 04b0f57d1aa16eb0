"""Remembered column mappings of roster imports: the only code that reads and writes them.

A mapping is kept per station and header row (its signature), so the next file with the
same columns is mapped as the last one was.
"""
import json

from core.roster_cells import cell_text
from core.roster_fields import FIELDS, recognise
from models import ImportMapping, db, utcnow


def mapping_keys(header):
    """The stored key of each column: its header text, '#2', '#3'... for a repeated header."""
    seen, keys = {}, []
    for text in header:
        text = cell_text(text)
        seen[text] = seen.get(text, 0) + 1
        keys.append(text if seen[text] == 1 else "%s#%d" % (text, seen[text]))
    return keys


def remembered_mapping(station, table):
    """The mapping saved by the last import of a file with the same header row, or None."""
    saved = ImportMapping.get_or_none((ImportMapping.station == station)
                                      & (ImportMapping.header_signature == table.signature))
    if saved is None:
        return None
    try:
        stored = json.loads(saved.mapping)
    except ValueError:
        return None
    return [stored.get(key) if stored.get(key) in FIELDS else None
            for key in mapping_keys(table.header)]


def mapping_for(station, table):
    """(mapping, remembered?): the remembered mapping, else the recognised headers."""
    remembered = remembered_mapping(station, table)
    if remembered is not None:
        return remembered, True
    return recognise(table.header), False


def save_mapping(station, table, mapping):
    """Remember the mapping for the next file with this header row (one transaction)."""
    stored = json.dumps(dict(zip(mapping_keys(table.header), mapping)), ensure_ascii=False)
    with db.atomic():
        saved = ImportMapping.get_or_none((ImportMapping.station == station)
                                          & (ImportMapping.header_signature == table.signature))
        if saved is None:
            ImportMapping.create(station=station, header_signature=table.signature,
                                 mapping=stored)
        elif saved.mapping != stored:
            saved.mapping, saved.updated_at = stored, utcnow()
            saved.save()
