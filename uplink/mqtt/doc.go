// Package mqtt delivers the queue's records to an MQTT broker with
// github.com/eclipse/paho.mqtt.golang.
//
// Every record is published as JSON (schema version SchemaVersion, described
// by deploy/mqtt-schema.json) to <prefix>/<device_id>/punch, …/entry or
// …/event, with idempotency_key "<device_id>:<seq>" so consumers can drop
// redeliveries. A retained <prefix>/<device_id>/status message says whether
// the terminal is online, with its queue depth per uplink, last delivery,
// last error and clock state; a retained Last Will replaces it with
// {"online":false} when the connection dies.
//
// Delivery is at least once and the bbolt queue is the source of truth. A
// record counts as delivered only on positive evidence of its PUBACK (or
// PUBCOMP for QoS 2): its paho token completed without error on the same
// connection it was published on. paho itself is used with a clean session,
// no automatic reconnect and an in-memory store that is never relied on:
// every connection is a fresh paho client, and anything unconfirmed when a
// connection ends stays pending in the queue and is published again, with
// the same idempotency key, after the next connect.
//
// Client.SendBatch keeps up to Options.Window publishes outstanding at once,
// so a backlog drains at the broker's pace rather than one round trip per
// record; the uplink.Runner calls it with one claimed batch at a time and
// settles the batch in one commit.
//
// The package does not retry or back off (uplink.Runner does), does not
// subscribe to anything, and does not buffer records itself. An in-process
// broker for tests is in package mqtttest.
package mqtt
