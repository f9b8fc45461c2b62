// Package webhook is a strict fake of a receiver of stampclock's webhook
// uplink, written from the README's "Webhook uplink" section and the
// record object of deploy/mqtt-schema.json alone (not from our client or
// its own test receiver), so that running the client against it checks
// the client's reading of the document against a second, independent one.
//
// It receives on one path of a loopback httptest server (HTTPS by default;
// Options.PlainHTTP for plain HTTP) and, in this order:
//
//   - answers 404 for another path and 405 (Allow: POST) for another
//     method; a GET or HEAD is stampctl check's probe and not a violation;
//   - demands Content-Type application/json (else 415; a charset
//     parameter is allowed only as utf-8) and a body of at most 1 MiB
//     (else 413);
//   - verifies X-Stampclock-Signature over the exact bytes received, in
//     constant time, before parsing anything (missing or malformed
//     signing headers 401, a wrong signature 403);
//   - refuses an X-Stampclock-Timestamp more than Options.Tolerance
//     (default 300 s) away from Options.Now, either way (403);
//   - demands a User-Agent stampclock/<version> (400);
//   - demands exactly one Idempotency-Key (400), a body that is one JSON
//     object in UTF-8 with unique member names (400), a valid record
//     (422) whose idempotency_key equals the header (422);
//   - stores each key once: a repeat answers Options.Status again and is
//     listed by Duplicates; a repeat with a different body keeps the first
//     and is also a Violation.
//
// Every refusal and conflict is listed by Violations with its reason and
// logged to the test. Faults (down, delays, dropped requests, answers
// dropped after the record was stored, any status with headers such as
// 429 with Retry-After, or 409) come from the embedded fault.Injector.
//
// # Readings of the document
//
// Where the README or the schema leaves room, the fake takes the strictest
// reasonable reading; each one is listed here with the words it rests on.
//
//   - Statuses for refusals are not given. The README lists how the client
//     treats answers: 401 and 403 "a wrong secret", retried; "any other
//     4xx sends the record to the dead letters". The fake answers 401 for
//     missing or unreadable signing headers and 403 for a wrong signature
//     or a timestamp outside the window, so a terminal with a wrong secret
//     or clock keeps its records; everything wrong with the record itself
//     is 400 or 422, a dead letter.
//   - "reject a timestamp more than a few minutes off": the README's
//     verifier uses 300 s and abs(), so the window is symmetric and a
//     timestamp exactly 300 s off is accepted.
//   - "Unix seconds": the fake demands plain decimal digits without sign,
//     leading zeros or spaces. The README's verifier uses Python's int(),
//     which would also take " 12", "+12" or "1_2".
//   - "sha256= + hex HMAC-SHA256": the hex case is not given. The README's
//     verifier compares the whole header with hexdigest(), which is
//     lower-case: upper-case hex is refused.
//   - "<timestamp>.<body>": the timestamp is the header's text exactly as
//     sent, the body the exact bytes received (no re-encoding).
//   - The secret is "the first line" of secret_file: the fake takes
//     Options.Secret as the bytes of that line without its line end; the
//     README does not say whether surrounding spaces or a "\r" belong to it.
//   - A repeat under the same key: the README requires "the same key on
//     every attempt" but not the same body bytes. The fake compares the
//     JSON content (member order and spacing aside); a different content is
//     a client bug, answered with Options.ConflictStatus (default the
//     success status, as a receiver that only looks at the key would).
//   - The README does not say what a receiver should answer while the same
//     key is still being processed, beyond the client retrying a 409; the
//     fake handles requests one at a time and never answers 409 unless
//     injected.
//   - The body is "the record object" of the schema, which allows unknown
//     members ("Unknown JSON fields are to be ignored"): the fake ignores
//     them but keeps them in Record.Members.
//   - Required: schema, idempotency_key, device_id, seq, kind, at,
//     clock_synced; per kind (the schema's if/then): punch action; entry
//     start and end; event event; retract retracts and start. A member
//     with JSON null is refused (no member's type admits null).
//   - "schema": {"const": 1}: any JSON number equal to 1 (1.0 too, as JSON
//     Schema compares numbers by value). "integer" likewise admits 3.0;
//     a string holding a number is refused.
//   - idempotency_key must match ^[^/+#]+:[1-9][0-9]*$ and equal
//     device_id + ":" + seq in decimal. device_id has no constraint of its
//     own; through the key it must be non-empty and free of / + #. A
//     device_id holding ":" makes the key ambiguous to split; the fake
//     never splits it, it builds it from the two members.
//   - Times (at, start, end): format date-time is RFC 3339 (a 'T' or 't',
//     fraction allowed, the date and time must exist; no leap second 60)
//     and the schema's description says "Times are RFC 3339 in UTC": an
//     offset other than Z or +00:00 is refused.
//   - Members are refused on kinds their description does not name
//     (422): action "punch only"; start on entries, missing_stop events
//     and retracts; end on entries and retracts (and, not refused, on a
//     missing_stop); start_seq on entries and missing_stop events;
//     stop_seq on entries; event "event only"; retracts "retract only";
//     detail on events and retracts; site_entry on entries, missing_stop
//     events and retracts. uid and email go on every kind. (The schema
//     said "entry only" for start, end and start_seq until running our
//     client against this fake showed that a missing_stop event carries
//     the open shift's start and start_seq; the document was corrected.)
//   - uid: the schema has no pattern on the record's uid, only the
//     description "badge UID, upper-case hex": the fake demands
//     ^[0-9A-F]+$ (as the site_badge object's pattern says), so an empty
//     uid is refused.
//   - start_seq and stop_seq have no minimum in the schema: any integer.
//   - retracts: at least 1 and, since it is the seq of an earlier record
//     of this device and seqs increase, below the record's own seq. When
//     the fake holds the withdrawn record (<device_id>:<retracts>), it must
//     be "an entry or a missing_stop event", and "email, start and end
//     repeat that record's": each present in both or in neither, times the
//     same instant (else 422). A retract arriving before the record it
//     withdraws is not checked: the README promises no order.
//   - An entry whose end is before its start is refused; the schema does
//     not say so.
//   - site_entry must match <origin>:<seq>-<origin>:<seq> or
//     <origin>:<seq>-missing with origins free of / + #. As origins may
//     hold "-" and ":", the form cannot always be split; the fake does not.
//   - email has no format in the schema: any string.
//   - The README names no receiving path, and no CA option for the
//     webhook: the fake receives on Options.Path (default /stampclock from
//     the example URL) and offers Client and CertificatePEM.
//   - The success answer's status and body are not given ("2xx
//     delivered"): 200 with an empty body, or Options.Status.
package webhook
