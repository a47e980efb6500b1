extension PostgresSchema {
    /// The log's hash chain (``LogChain``): `chain_hash` computes one link exactly as the Swift code does (texts as
    /// their UTF-8 bytes after a 4-byte length, integers as 8 bytes big-endian), the events written before it are
    /// chained in position order, `log_head` keeps the last hash, and triggers refuse to change or delete events.
    static let hashChain = """
        CREATE FUNCTION {s}.chain_hash(
            previous bytea, at_position bigint, event_id uuid, stream_name text, event_version bigint,
            event_type text, recorded bigint, event_data text, event_metadata text
        ) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT AS $$
            SELECT sha256(previous || int8send(at_position) || uuid_send(event_id)
                || int4send(octet_length(convert_to(stream_name, 'UTF8'))) || convert_to(stream_name, 'UTF8')
                || int8send(event_version)
                || int4send(octet_length(convert_to(event_type, 'UTF8'))) || convert_to(event_type, 'UTF8')
                || int8send(recorded)
                || int4send(octet_length(convert_to(event_data, 'UTF8'))) || convert_to(event_data, 'UTF8')
                || int4send(octet_length(convert_to(event_metadata, 'UTF8'))) || convert_to(event_metadata, 'UTF8'))
        $$;
        ALTER TABLE {s}.events ADD COLUMN hash bytea;
        ALTER TABLE {s}.log_head ADD COLUMN hash bytea NOT NULL DEFAULT '\\x0000000000000000000000000000000000000000000000000000000000000000';
        DO $$
        DECLARE
            previous bytea := '\\x0000000000000000000000000000000000000000000000000000000000000000';
            event record;
        BEGIN
            FOR event IN SELECT * FROM {s}.events ORDER BY position LOOP
                previous := {s}.chain_hash(previous, event.position, event.id, event.stream, event.version, event.type,
                    event.recorded_at, event.data, event.metadata);
                UPDATE {s}.events SET hash = previous WHERE position = event.position;
            END LOOP;
            UPDATE {s}.log_head SET hash = previous;
        END
        $$;
        CREATE FUNCTION {s}.refuse_changing_events() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'Evident events are never changed or deleted: the log is append-only';
        END
        $$;
        CREATE TRIGGER events_are_never_changed BEFORE UPDATE OR DELETE ON {s}.events
            FOR EACH ROW EXECUTE FUNCTION {s}.refuse_changing_events();
        CREATE TRIGGER events_are_never_truncated BEFORE TRUNCATE ON {s}.events
            FOR EACH STATEMENT EXECUTE FUNCTION {s}.refuse_changing_events();
        """

    /// The server-side function that commits a batch of appends in one statement (``PostgresAppendBatch``; see
    /// `docs/storage.md`, "Positions on PostgreSQL").
    ///
    /// It locks the one row of `log_head` (held until the end of the transaction: the statement's own, in
    /// autocommit), reads the batch's stream lengths and idempotency keys, then decides each append in order,
    /// against the stored data and the appends before it in the batch: replayed or in conflict by its key,
    /// refused by an expectation or the length limit, or written. It inserts the written appends' events and keys,
    /// moves the head and queues the notification. Refused appends write nothing.
    ///
    /// Each statement of a PL/pgSQL function takes a snapshot of its own (READ COMMITTED), so the look-ups after
    /// the lock see every batch committed before it was granted. PL/pgSQL keeps the plans of its statements for
    /// the session, so they are not planned afresh each time.
    ///
    /// The arrays describe the batch: its streams (with their categories) and keys once each, then per append (request), per stream
    /// append, and per event, in order. An expectation is a length, or -1 for any, -2 for no stream, -3 for a
    /// stream that exists. The answer has, per request, an outcome (0 written, 1 replayed, 2 key used by another
    /// append, 3 refused, 4 sealed with a destroyed subject key) with a detail (written: its first position;
    /// refused: the index of the stream append that failed, within the request) and the stored results of a
    /// replay; per stream append, the stream's length before it; and the head and the time the written events
    /// are recorded at.
    static let appendBatchFunction = appendBatch(
        lengthCheck: "current_length + append_event_counts[i] > maximum_length", checksSubjectKeys: false)

    /// System streams are not held to the length limit.
    private static let lengthCheckSparingSystemStreams =
        "(current_length + append_event_counts[i] > maximum_length "
        + "AND left(stream_categories[append_stream_slots[i]], 1) <> '$')"

    /// ``appendBatchFunction`` as migration v6 replaces it: system streams are not held to the length limit.
    static let appendBatchSparingSystemStreams =
        appendBatch(lengthCheck: lengthCheckSparingSystemStreams, checksSubjectKeys: false)
        .replacing("CREATE FUNCTION", with: "CREATE OR REPLACE FUNCTION")

    /// ``appendBatchSparingSystemStreams`` with two arguments more, as migration v9 adds it: the stored subject keys
    /// the appends' events are sealed with (`subject_key_ids`) and the requests that seal with them
    /// (`subject_key_requests`). It locks the keys that are live until the commit, so that a forgetting waits for
    /// the batch, and refuses each request that seals with a destroyed key. The function without them stays, for
    /// nodes of the version before until they are upgraded.
    static let appendBatchCheckingSubjectKeys = appendBatch(
        lengthCheck: lengthCheckSparingSystemStreams, checksSubjectKeys: true)

    private static func appendBatch(lengthCheck: String, checksSubjectKeys: Bool) -> String {
        """
        CREATE FUNCTION {s}.append_batch(
            stream_names text[],
            stream_categories text[],
            key_names text[],
            request_key_slots bigint[],
            request_fingerprints text[],
            request_append_counts bigint[],
            append_stream_slots bigint[],
            append_expected bigint[],
            append_event_counts bigint[],
            event_appends bigint[],
            event_ids uuid[],
            event_types text[],
            event_data text[],
            event_metadata text[],
            maximum_length bigint, -- NULL: no limit (a comparison with NULL is never true)
            now_ms bigint,
            channel text,\(checksSubjectKeys ? "\n    subject_key_requests bigint[],\n    subject_key_ids uuid[]," : "")
            OUT outcomes smallint[],
            OUT details bigint[],
            OUT lengths bigint[],
            OUT replays text[],
            OUT head_position bigint,
            OUT head_recorded_at bigint,
            OUT head_hash bytea
        ) LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
        DECLARE
            requests integer := cardinality(request_append_counts);
            appends integer := cardinality(append_stream_slots);
            stream_lengths bigint[];
            key_fingerprints text[];
            key_results text[];
            first_positions bigint[] := array_fill(0::bigint, ARRAY[appends]);
            first_events bigint[] := array_fill(0::bigint, ARRAY[appends]);
            new_keys text[] := '{}';
            new_fingerprints text[] := '{}';
            new_results text[] := '{}';
            items text[];
            next_append integer := 1;
            last_append integer;
            next_event bigint := 1;
            key_slot bigint;
            expected bigint;
            current_length bigint;
            added bigint;
            refused integer;
            written boolean := false;
            event_hashes bytea[];
            append_index bigint;\(checksSubjectKeys ? "\n    forgotten_requests bigint[] := '{}';" : "")
        BEGIN
            outcomes := array_fill(0::smallint, ARRAY[requests]);
            details := array_fill(0::bigint, ARRAY[requests]);
            lengths := array_fill(0::bigint, ARRAY[appends]);
            replays := array_fill(''::text, ARRAY[requests]);
            SELECT h.position, h.recorded_at, h.hash INTO head_position, head_recorded_at, head_hash
                FROM {s}.log_head h FOR UPDATE;
            head_recorded_at := greatest(now_ms, head_recorded_at);
            SELECT array_agg(coalesce(
                    (SELECT e.version FROM {s}.events e WHERE e.stream = u.name ORDER BY e.version DESC LIMIT 1), 0)
                    ORDER BY u.n)
                INTO stream_lengths FROM unnest(stream_names) WITH ORDINALITY AS u(name, n);
            IF cardinality(key_names) > 0 THEN
                SELECT array_agg(k.fingerprint ORDER BY u.n), array_agg(k.result ORDER BY u.n)
                    INTO key_fingerprints, key_results
                    FROM unnest(key_names) WITH ORDINALITY AS u(name, n)
                    LEFT JOIN {s}.idempotency_keys k ON k.key = u.name;
            END IF;\(checksSubjectKeys ? checkSubjectKeys : "")
            FOR r IN 1 .. requests LOOP
                last_append := next_append + request_append_counts[r] - 1;
                FOR i IN next_append .. last_append LOOP
                    first_events[i] := next_event;
                    next_event := next_event + append_event_counts[i];
                    lengths[i] := stream_lengths[append_stream_slots[i]];
                END LOOP;
                key_slot := request_key_slots[r];
                IF key_slot > 0 AND key_fingerprints[key_slot] IS NOT NULL THEN
                    IF key_fingerprints[key_slot] = request_fingerprints[r] THEN
                        outcomes[r] := 1;
                        replays[r] := key_results[key_slot];
                    ELSE
                        outcomes[r] := 2;
                    END IF;\(checksSubjectKeys ? "\n        ELSIF r = ANY(forgotten_requests) THEN\n            outcomes[r] := 4;" : "")
                ELSE
                    refused := NULL;
                    FOR i IN next_append .. last_append LOOP
                        expected := append_expected[i];
                        current_length := lengths[i];
                        IF NOT (expected = -1 OR (expected = -2 AND current_length = 0)
                                OR (expected = -3 AND current_length > 0) OR expected = current_length)
                            OR \(lengthCheck) THEN
                            refused := i - next_append;
                            EXIT;
                        END IF;
                    END LOOP;
                    IF refused IS NOT NULL THEN
                        outcomes[r] := 3;
                        details[r] := refused;
                    ELSE
                        details[r] := head_position + 1;
                        items := '{}';
                        FOR i IN next_append .. last_append LOOP
                            added := append_event_counts[i];
                            stream_lengths[append_stream_slots[i]] := lengths[i] + added;
                            IF added > 0 THEN
                                first_positions[i] := head_position + 1;
                                written := true;
                            END IF;
                            IF key_slot > 0 THEN
                                items := items || json_build_object(
                                    'stream', stream_names[append_stream_slots[i]], 'length', lengths[i] + added,
                                    'count', added, 'first_position', CASE WHEN added > 0 THEN head_position + 1 ELSE 0 END
                                )::text;
                            END IF;
                            head_position := head_position + added;
                        END LOOP;
                        IF key_slot > 0 THEN
                            key_fingerprints[key_slot] := request_fingerprints[r];
                            key_results[key_slot] := '[' || array_to_string(items, ',') || ']';
                            new_keys := new_keys || key_names[key_slot];
                            new_fingerprints := new_fingerprints || request_fingerprints[r];
                            new_results := new_results || key_results[key_slot];
                            written := true;
                        END IF;
                    END IF;
                END IF;
                next_append := last_append + 1;
            END LOOP;
            IF written THEN
                -- The chain, event by event in position order (the arrays hold the events in that order).
                event_hashes := array_fill(NULL::bytea, ARRAY[cardinality(event_ids)]);
                FOR e IN 1 .. cardinality(event_ids) LOOP
                    append_index := event_appends[e];
                    IF first_positions[append_index] > 0 THEN
                        head_hash := {s}.chain_hash(head_hash, first_positions[append_index] + (e - first_events[append_index]),
                            event_ids[e], stream_names[append_stream_slots[append_index]],
                            lengths[append_index] + 1 + (e - first_events[append_index]), event_types[e],
                            head_recorded_at, event_data[e], event_metadata[e]);
                        event_hashes[e] := head_hash;
                    END IF;
                END LOOP;
                -- One statement for the rows and the head: each statement of a function has a fixed cost.
                WITH new_events AS (
                    INSERT INTO {s}.events (position, id, stream, category, version, type, data, metadata, recorded_at, hash)
                    SELECT first_positions[e.a] + (e.n - first_events[e.a]), e.id,
                        stream_names[append_stream_slots[e.a]], stream_categories[append_stream_slots[e.a]],
                        lengths[e.a] + 1 + (e.n - first_events[e.a]), e.type, e.data, e.metadata, head_recorded_at,
                        event_hashes[e.n]
                    FROM unnest(event_appends, event_ids, event_types, event_data, event_metadata)
                        WITH ORDINALITY AS e(a, id, type, data, metadata, n)
                    WHERE first_positions[e.a] > 0
                ), new_idempotency_keys AS (
                    INSERT INTO {s}.idempotency_keys (key, fingerprint, result, recorded_at)
                    SELECT k.name, k.fingerprint, k.result, head_recorded_at
                    FROM unnest(new_keys, new_fingerprints, new_results) AS k(name, fingerprint, result)
                )
                UPDATE {s}.log_head SET position = head_position, recorded_at = head_recorded_at, hash = head_hash;
                PERFORM pg_notify(channel, head_position::text);
            END IF;
        END
        $$;
        """
    }

    /// What ``appendBatchCheckingSubjectKeys`` adds before deciding the requests: the live keys locked, and the
    /// requests that seal with a destroyed one.
    private static let checkSubjectKeys = """

                IF cardinality(subject_key_ids) > 0 THEN
                    PERFORM 1 FROM {s}.subject_keys WHERE key_id = ANY(subject_key_ids) AND material IS NOT NULL
                        FOR SHARE;
                    SELECT coalesce(array_agg(k.request), '{}') INTO forgotten_requests
                        FROM unnest(subject_key_requests, subject_key_ids) AS k(request, id)
                        WHERE NOT EXISTS (
                            SELECT 1 FROM {s}.subject_keys s WHERE s.key_id = k.id AND s.material IS NOT NULL);
                END IF;
        """
}
