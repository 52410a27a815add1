-- Relayer state. Portable between SQLite and PostgreSQL: hashes and addresses are 0x-hex TEXT,
-- wei amounts are decimal TEXT, times are unix milliseconds (BIGINT).

-- Every outbox message of every configured hyperchain (withdrawals too: a batch's messages
-- tree covers them, so rebuilding it needs them).
CREATE TABLE messages (
    hash TEXT PRIMARY KEY,
    source_chain_id BIGINT NOT NULL,
    destination_chain_id BIGINT NOT NULL,
    nonce BIGINT NOT NULL,
    sender TEXT NOT NULL,
    recipient TEXT NOT NULL,
    value TEXT NOT NULL,
    fee TEXT NOT NULL,
    payload TEXT NOT NULL,
    source_block BIGINT NOT NULL,
    state TEXT NOT NULL,
    reason TEXT,
    -- source batch (set when its batch is found executed on L1)
    batch_number BIGINT,
    leaf_index BIGINT,
    -- Transaction Root (leaf count) the proof is built against
    root TEXT,
    root_leaf_count BIGINT,
    proof TEXT,
    gas_estimate BIGINT,
    tx_hash TEXT,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL DEFAULT 0,
    claimed_by TEXT,
    lease_until BIGINT NOT NULL DEFAULT 0,
    fee_earned TEXT,
    discovered_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    confirmed_at BIGINT
);
CREATE UNIQUE INDEX messages_source_nonce ON messages (source_chain_id, nonce);
CREATE INDEX messages_destination_state ON messages (destination_chain_id, state);
CREATE INDEX messages_state ON messages (state);

-- Leaves of L1's Transaction Root tree, from `TransactionRootUpdated`, with the executed batch's
-- roots; `first_nonce`/`message_count` are the outbox nonces the batch's messages tree covers.
CREATE TABLE leaves (
    leaf_index BIGINT PRIMARY KEY,
    root TEXT NOT NULL,
    chain_id BIGINT NOT NULL,
    batch_number BIGINT NOT NULL,
    leaf TEXT NOT NULL,
    state_root TEXT NOT NULL,
    messages_root TEXT NOT NULL,
    l1_block BIGINT NOT NULL,
    l1_block_hash TEXT NOT NULL,
    first_nonce BIGINT,
    message_count BIGINT
);
CREATE INDEX leaves_root ON leaves (root);
CREATE INDEX leaves_chain_batch ON leaves (chain_id, batch_number);

-- Transaction Roots each destination inbox imported (`TransactionRootImported`).
CREATE TABLE imported_roots (
    chain_id BIGINT NOT NULL,
    root TEXT NOT NULL,
    l2_block BIGINT NOT NULL,
    PRIMARY KEY (chain_id, root)
);

-- Signed delivery transactions, persisted before they are broadcast.
CREATE TABLE submissions (
    tx_hash TEXT PRIMARY KEY,
    chain_id BIGINT NOT NULL,
    signer TEXT NOT NULL,
    nonce BIGINT NOT NULL,
    raw_tx TEXT NOT NULL,
    message_count BIGINT NOT NULL,
    status TEXT NOT NULL,
    instance TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX submissions_status ON submissions (chain_id, status);

-- Log-scanning cursors: last block fully indexed, per source.
CREATE TABLE cursors (
    name TEXT PRIMARY KEY,
    block BIGINT NOT NULL
);
