"""The till's HTTP face (protocol v1 under /api/pos/v1/): the calls, the device's bearer token, the
protocol's error shape and the snapshot, over the apps that do the work (pos, sales, catalog,
stock, beneficiaries)."""
