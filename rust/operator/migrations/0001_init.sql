-- Operator progress. Every L1/L2 transaction is recorded after it is mined; on start the operator
-- reconciles this table against L1's counters (lastCommittedBatch/lastProvenBatch/lastExecutedBatch).

-- One row per sealed batch. `info` is the CommitBatchInfo (JSON) fixed at sealing time, so a
-- restarted operator commits exactly the same batch; `state` is sealed → committed → proven → executed.
CREATE TABLE batches (
    number      INTEGER PRIMARY KEY,
    first_block INTEGER NOT NULL,
    last_block  INTEGER NOT NULL,
    state       TEXT    NOT NULL,
    info        TEXT    NOT NULL,
    da_input    BLOB    NOT NULL,
    commit_tx   TEXT,
    prove_tx    TEXT,
    execute_tx  TEXT,
    error       TEXT,
    updated_at  INTEGER NOT NULL
);

-- Priority messages delivered to the L2 inbox (executePriorityMessage), by queue nonce.
CREATE TABLE priority_deliveries (
    nonce        INTEGER PRIMARY KEY,
    message_hash TEXT    NOT NULL,
    l2_tx        TEXT    NOT NULL
);

-- Transaction Roots imported into the L2 inbox.
CREATE TABLE imported_roots (
    root     TEXT    PRIMARY KEY,
    l2_tx    TEXT    NOT NULL,
    l2_block INTEGER NOT NULL
);

-- Cursors (e.g. the L1 block from which to scan PriorityMessageQueued logs).
CREATE TABLE progress (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
