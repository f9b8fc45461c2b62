// Package webhook is the webhook uplink: every record (punch, entry,
// event) is POSTed as JSON, the MQTT payload schema (deploy/mqtt-schema.json),
// to one configured HTTPS URL, for n8n, Node-RED, Power Automate or a
// company's own endpoint.
//
// Each request is signed: HMAC-SHA256 with the shared secret over
// "<timestamp>.<body>", the timestamp (Unix seconds, when the request was
// made) in TimestampHeader and "sha256=<hex>" in SignatureHeader, so a
// receiver can reject forged and replayed requests (Verify). The record's
// "<device_id>:<seq>" is the IdempotencyHeader: a record whose answer was
// lost is sent again with the same key and the receiver stores it once.
// That resend is the reconcile: a webhook receiver has nothing to query.
//
// A 2xx answer confirms the record; the rest is classified by uplink/rest
// (429, 409, 401, 403 retried; 408 and 5xx retried as maybe stored; other
// 4xx dead-lettered). The package does not queue or retry by itself: the
// uplink runner does, with the uplink's own pending set.
package webhook
