-- The console's sign-in: a password (argon2 PHC string) per user, and
-- sessions kept in the database so every host sharing it knows them. Only
-- the sha256 of a session's secret is stored, as for API tokens.
CREATE TABLE user_passwords (
    user_id       TEXT PRIMARY KEY REFERENCES users (id),
    password_hash TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

CREATE TABLE console_sessions (
    id_hash    TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX console_sessions_by_expiry ON console_sessions (expires_at);
