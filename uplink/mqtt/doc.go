// Package mqtt delivers the queue's records to an MQTT broker with
// github.com/eclipse/paho.mqtt.golang.
//
// Every record is published as JSON (schema version SchemaVersion, described
// by deploy/mqtt-schema.json) to <prefix>/<device_id>/punch, …/entry or
// …/event, with idempotency_key "<device_id>:<seq>" so consumers can drop
// redeliveries. A retained <prefix>/<device_id>/status message says whether
// the terminal is online, with its queue depth per uplink, last delivery,
// last error, clock state, reader health and store alarm; a retained Last
// Will replaces it with {"online":false,"reason":"connection_lost"} when the
// connection dies. Every online status also goes, retained, to
// <prefix>/<device_id>/seen, which the Will leaves alone, so the last time
// the terminal was heard of survives it (package fleet reads both). With
// Options.HomeAssistantPrefix the client also announces the status to Home
// Assistant (MQTT discovery) on every connect.
//
// Delivery is at least once and the bbolt queue is the source of truth. A
// record counts as delivered only on positive evidence: with ConfirmBroker
// (the default) its PUBACK (or PUBCOMP for QoS 2), its paho token completed
// without error on the same connection it was published on; with
// ConfirmConsumer, after that, a consumer's Ack of its key on
// <prefix>/<device_id>/ack. A PUBACK only says the broker took the record
// over: whether consumers get it depends on the broker's persistence and
// queue limits, which ConfirmConsumer does not rely on. paho itself is used with a clean session,
// no automatic reconnect and an in-memory store that is never relied on:
// every connection is a fresh paho client, and anything unconfirmed when a
// connection ends stays pending in the queue and is published again, with
// the same idempotency key, after the next connect.
//
// Client.SendStream keeps up to Options.Window publishes outstanding at
// once, so a backlog drains at the broker's pace rather than one round trip
// per record, and answers each record as soon as it is confirmed; the
// uplink.Runner settles those answers in small group commits, so a crash
// costs at most the window and the answers not yet committed.
//
// The package does not retry or back off (uplink.Runner does; Options.OnConnect
// lets it end a backoff when the broker is back), subscribes only to the ack
// topic (ConfirmConsumer), and does not buffer records itself. An in-process
// broker for tests is in package mqtttest.
package mqtt
