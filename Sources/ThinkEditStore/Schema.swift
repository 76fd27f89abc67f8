import GRDB

/// The run database's schema, one migration per released version. Migrations are append-only:
/// a released migration is never edited, a change is a new one.
enum Schema {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            // Every image the run knows, by the SHA-256 of its bytes. The file is
            // images/<first two hex>/<hash>.<format> under the work directory.
            try db.execute(sql: """
                CREATE TABLE image (
                    hash TEXT PRIMARY KEY NOT NULL,
                    format TEXT NOT NULL,
                    width INTEGER NOT NULL,
                    height INTEGER NOT NULL,
                    bytes INTEGER NOT NULL
                ) WITHOUT ROWID;

                CREATE TABLE pool_item (
                    seq INTEGER PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE,
                    task TEXT NOT NULL,
                    instruction TEXT NOT NULL,
                    image TEXT NOT NULL REFERENCES image(hash),
                    source TEXT,
                    meta TEXT
                );

                -- A trajectory of the think-while-edit loop, generated here or imported.
                CREATE TABLE trajectory (
                    seq INTEGER PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE,
                    task TEXT NOT NULL,
                    instruction TEXT NOT NULL,
                    source_image TEXT NOT NULL REFERENCES image(hash),
                    editor TEXT NOT NULL,
                    origin TEXT NOT NULL,            -- generated | imported
                    status TEXT NOT NULL,            -- pending | complete | failed
                    end_reason TEXT,                 -- stop | max_turns
                    stop_reasoning TEXT,
                    error_class TEXT,                -- why generation failed
                    error_message TEXT,
                    score_error_class TEXT,          -- why scoring failed (the turns stay unscored)
                    score_error_message TEXT
                );
                CREATE INDEX trajectory_status ON trajectory(status);

                -- One turn: instruction T_t, the expert's reasoning R_t, the edit I_t and its score.
                -- image is NULL while the expert's answer is committed but the edit is not yet.
                -- Sub-score columns have no declared type so that an integer score stays an integer.
                CREATE TABLE turn (
                    trajectory INTEGER NOT NULL REFERENCES trajectory(seq) ON DELETE CASCADE,
                    turn INTEGER NOT NULL,
                    instruction TEXT NOT NULL,
                    reasoning TEXT,
                    image TEXT REFERENCES image(hash),
                    seed INTEGER,
                    semantic,
                    quality,
                    overall REAL,
                    overall_given INTEGER,
                    sc_success,
                    sc_overedit,
                    semantic_reasoning TEXT,
                    pq_natural,
                    pq_artifacts,
                    quality_reasoning TEXT,
                    PRIMARY KEY (trajectory, turn)
                ) WITHOUT ROWID;

                -- What the filter stage decided for each trajectory (SPEC 2.4).
                CREATE TABLE curation (
                    trajectory INTEGER PRIMARY KEY REFERENCES trajectory(seq) ON DELETE CASCADE,
                    turns INTEGER NOT NULL,          -- n, before truncation
                    kept INTEGER NOT NULL,
                    drop_reason TEXT,
                    k INTEGER,
                    variance REAL,
                    first_overall REAL,
                    best_overall REAL,
                    min_overall REAL
                );

                -- Step samples from unroll (SPEC 2.5); turn is the sample's t.
                CREATE TABLE sample (
                    seq INTEGER PRIMARY KEY,
                    trajectory INTEGER NOT NULL REFERENCES trajectory(seq) ON DELETE CASCADE,
                    turn INTEGER NOT NULL,
                    kind TEXT NOT NULL,              -- refine | stop
                    critique_turn INTEGER NOT NULL,  -- the turn whose image is critiqued
                    result_turn INTEGER,             -- the turn whose score is result_score
                    UNIQUE (trajectory, turn)
                );

                -- Split membership (SPEC 2.6): each selected sample, with its split.
                CREATE TABLE split_member (
                    sample INTEGER PRIMARY KEY REFERENCES sample(seq) ON DELETE CASCADE,
                    split TEXT NOT NULL              -- sft | rl
                );

                -- Every run of a stage: its config fingerprint, status, counts and statistics (JSON).
                CREATE TABLE stage_run (
                    id INTEGER PRIMARY KEY,
                    stage TEXT NOT NULL,
                    fingerprint TEXT NOT NULL,
                    status TEXT NOT NULL,            -- running | done | failed | interrupted
                    started_at REAL NOT NULL,
                    finished_at REAL,
                    counts TEXT,
                    stats TEXT,
                    message TEXT
                );
                CREATE INDEX stage_run_stage ON stage_run(stage, id);

                -- The call journal: one row per model call attempt.
                CREATE TABLE call (
                    id INTEGER PRIMARY KEY,
                    stage TEXT NOT NULL,
                    backend TEXT NOT NULL,
                    kind TEXT NOT NULL,              -- edit | think | judge_semantic | judge_quality
                    trajectory INTEGER,
                    turn INTEGER,
                    request_hash TEXT NOT NULL,
                    attempt INTEGER NOT NULL,
                    outcome TEXT NOT NULL,           -- ok | error
                    error_class TEXT,
                    http_status INTEGER,
                    prompt_tokens INTEGER NOT NULL DEFAULT 0,
                    completion_tokens INTEGER NOT NULL DEFAULT 0,
                    cost REAL NOT NULL DEFAULT 0,
                    latency_ms REAL NOT NULL,
                    at REAL NOT NULL
                );

                -- Small run-wide values: the data version that curation fingerprints depend on.
                CREATE TABLE run_meta (
                    key TEXT PRIMARY KEY NOT NULL,
                    value TEXT NOT NULL
                ) WITHOUT ROWID;
                INSERT INTO run_meta(key, value) VALUES ('data_version', '0');
                """)
        }
        m.registerMigration("v2") { db in
            // What the editor reports it executed: the prompt (a server that polishes prompts
            // reports its rewrite) and the seed. NULL when the editor did not say.
            try db.execute(sql: """
                ALTER TABLE turn ADD COLUMN executed_prompt TEXT;
                ALTER TABLE turn ADD COLUMN executed_seed INTEGER;
                """)
        }
        m.registerMigration("v3") { db in
            // The part of a call's prompt tokens the provider served from its prompt cache
            // (usage.prompt_tokens_details.cached_tokens), priced apart; 0 when it did not say.
            try db.execute(sql: "ALTER TABLE call ADD COLUMN cached_prompt_tokens INTEGER NOT NULL DEFAULT 0")
        }
        m.registerMigration("v4") { db in
            // Batch mode's journal (docs/operations.md): each request file and how far it got, and
            // each request in it. A step is recorded before the next one starts, so a restarted
            // stage finds its batches and never sends the same requests twice.
            try db.execute(sql: """
                CREATE TABLE batch (
                    id INTEGER PRIMARY KEY,
                    stage TEXT NOT NULL,
                    backend TEXT NOT NULL,
                    model TEXT NOT NULL,
                    -- written | uploading | uploaded | creating | submitted | finished | downloaded | done
                    state TEXT NOT NULL,
                    file TEXT NOT NULL,              -- the request file, relative to the work directory
                    requests INTEGER NOT NULL,
                    bytes INTEGER NOT NULL,
                    input_file_id TEXT,
                    batch_id TEXT,
                    remote_status TEXT,              -- the provider's status when last seen
                    completed INTEGER NOT NULL DEFAULT 0,
                    failed INTEGER NOT NULL DEFAULT 0,
                    output_file_id TEXT,
                    error_file_id TEXT,
                    message TEXT,
                    turnaround_seconds REAL,         -- from creation to the end, as the provider reports
                    created_at REAL NOT NULL,
                    updated_at REAL NOT NULL
                );
                CREATE INDEX batch_open ON batch(stage, state);

                -- One request of a batch; custom_id is its kind, trajectory, turn and attempt.
                CREATE TABLE batch_request (
                    custom_id TEXT PRIMARY KEY NOT NULL,
                    batch INTEGER NOT NULL REFERENCES batch(id),
                    kind TEXT NOT NULL,
                    trajectory INTEGER NOT NULL,
                    turn INTEGER NOT NULL,
                    attempt INTEGER NOT NULL,        -- counts every request for this call
                    tries INTEGER NOT NULL,          -- counts those since the last retry-failed
                    state TEXT NOT NULL              -- sent | answered | failed | retried
                ) WITHOUT ROWID;
                CREATE INDEX batch_request_batch ON batch_request(batch, state);
                CREATE INDEX batch_request_work ON batch_request(trajectory, turn, kind);
                """)
        }
        m.registerMigration("v5") { db in
            // Settings records (SPEC §2.8): the settings that shaped a stage's model calls, as
            // canonical JSON named by its content. A trajectory names the generate record that made
            // it, a turn the score record it was judged under; kept = 1 once `--keep` accepted
            // work made with a record that is not the config's. Work made before settings were
            // recorded names `g-unrecorded` / `s-unrecorded`, so that it is never taken as current.
            try db.execute(sql: """
                CREATE TABLE settings (
                    id TEXT PRIMARY KEY NOT NULL,
                    stage TEXT NOT NULL,
                    json TEXT NOT NULL,
                    kept INTEGER NOT NULL DEFAULT 0
                ) WITHOUT ROWID;
                ALTER TABLE trajectory ADD COLUMN generate_settings TEXT REFERENCES settings(id);
                ALTER TABLE turn ADD COLUMN score_settings TEXT REFERENCES settings(id);
                CREATE INDEX trajectory_generate_settings ON trajectory(generate_settings);
                INSERT INTO settings(id, stage, json) VALUES ('g-unrecorded', 'generate', '{"recorded":false}'),
                                                             ('s-unrecorded', 'score', '{"recorded":false}');
                UPDATE trajectory SET generate_settings = 'g-unrecorded'
                    WHERE origin = 'generated' AND (status != 'pending' OR EXISTS (SELECT 1 FROM turn u WHERE u.trajectory = trajectory.seq));
                UPDATE turn SET score_settings = 's-unrecorded'
                    WHERE (sc_success IS NOT NULL OR pq_natural IS NOT NULL)
                      AND (SELECT origin FROM trajectory t WHERE t.seq = turn.trajectory) = 'generated';
                """)
        }
        return m
    }
}
