"""The only writers of stock, one module per job:

- :mod:`.ledger`: movements (one, or a batch for a till ticket) and the levels they change;
- :mod:`.lots`: lots coming in, lots thrown away, losses;
- :mod:`.inventory`: inventory counts;
- :mod:`.consistency`: levels brought back to their ledger.

Every function writes the movements and the denormalised levels they change
(``Product.stock_qty``, ``Lot.quantity``) in one transaction. The reads (a count's lines with
the ledger, the consistency check) are in :mod:`cabas.gestion.stock.selectors`.
"""

from cabas.gestion.stock.services.consistency import stock_levels_fix
from cabas.gestion.stock.services.inventory import (
    ScanResult,
    inventory_count_cancel,
    inventory_count_create,
    inventory_count_line_set,
    inventory_count_lot_line_set,
    inventory_count_scan,
    inventory_count_start,
    inventory_count_validate,
)
from cabas.gestion.stock.services.ledger import (
    MovedRow,
    MovementSpec,
    check_entry_quantity,
    stock_levels_lock,
    stock_movement_record,
    stock_movements_bulk_apply,
    stock_movements_bulk_record,
)
from cabas.gestion.stock.services.lots import loss_record, lot_dispose, lot_receive

__all__ = [
    "MovedRow",
    "MovementSpec",
    "ScanResult",
    "check_entry_quantity",
    "inventory_count_cancel",
    "inventory_count_create",
    "inventory_count_line_set",
    "inventory_count_lot_line_set",
    "inventory_count_scan",
    "inventory_count_start",
    "inventory_count_validate",
    "loss_record",
    "lot_dispose",
    "lot_receive",
    "stock_levels_fix",
    "stock_levels_lock",
    "stock_movement_record",
    "stock_movements_bulk_apply",
    "stock_movements_bulk_record",
]
