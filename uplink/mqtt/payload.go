package mqtt

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"stampclock/queue"
)

// SchemaVersion is the version of the JSON payloads ("schema" field). It
// changes only when a field changes meaning or goes away; new optional
// fields keep the version.
const SchemaVersion = 1

// Payload is the JSON published for one record. Fields that do not apply to
// the record's kind are left out.
type Payload struct {
	Schema int `json:"schema"`
	// IdempotencyKey is "<device_id>:<seq>": the same record always has the
	// same key, so consumers drop a redelivery by it.
	IdempotencyKey string     `json:"idempotency_key"`
	DeviceID       string     `json:"device_id"`
	Seq            uint64     `json:"seq"`
	Kind           queue.Kind `json:"kind"`
	// At is when the record was made (RFC 3339, UTC).
	At          time.Time `json:"at"`
	ClockSynced bool      `json:"clock_synced"`
	UID         string    `json:"uid,omitempty"`
	Email       string    `json:"email,omitempty"`
	// Action is "start" or "stop" (punch).
	Action string `json:"action,omitempty"`
	// Start, End, StartSeq and StopSeq describe an entry.
	Start    time.Time `json:"start,omitzero"`
	End      time.Time `json:"end,omitzero"`
	StartSeq uint64    `json:"start_seq,omitempty"`
	StopSeq  uint64    `json:"stop_seq,omitempty"`
	// Event and Detail describe an event; Detail also says why a
	// retraction withdraws its record.
	Event  string `json:"event,omitempty"`
	Detail string `json:"detail,omitempty"`
	// Retracts is, on a retraction, the seq of the record withdrawn.
	Retracts uint64 `json:"retracts,omitempty"`
	// SiteEntry is the site-wide id of an entry of shifts across
	// terminals.
	SiteEntry string `json:"site_entry,omitempty"`
}

// IdempotencyKey returns the key of record seq on device.
func IdempotencyKey(device string, seq uint64) string {
	return device + ":" + strconv.FormatUint(seq, 10)
}

// NewPayload returns the payload for rec made on device.
func NewPayload(device string, rec queue.Record) Payload {
	return Payload{
		Schema:         SchemaVersion,
		IdempotencyKey: IdempotencyKey(device, rec.Seq),
		DeviceID:       device,
		Seq:            rec.Seq,
		Kind:           rec.Kind,
		At:             rec.At.UTC(),
		ClockSynced:    rec.ClockSynced,
		UID:            rec.UID,
		Email:          rec.Email,
		Action:         rec.Action,
		Start:          utc(rec.Start),
		End:            utc(rec.End),
		StartSeq:       rec.StartSeq,
		StopSeq:        rec.StopSeq,
		Event:          rec.Event,
		Detail:         rec.Detail,
		Retracts:       rec.Retracts,
		SiteEntry:      rec.SiteEntry,
	}
}

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC()
}

// Topics names the topics of one device.
type Topics struct {
	Prefix, Device string
}

// Record returns the topic for records of kind k: <prefix>/<device>/<kind>.
func (t Topics) Record(k queue.Kind) (string, error) {
	switch k {
	case queue.KindPunch, queue.KindEntry, queue.KindEvent, queue.KindRetract:
		return t.Prefix + "/" + t.Device + "/" + string(k), nil
	}
	return "", fmt.Errorf("mqtt: record kind %q has no topic", k)
}

// Status returns the retained status topic: <prefix>/<device>/status.
func (t Topics) Status() string { return t.Prefix + "/" + t.Device + "/status" }

// Seen returns the retained last-seen topic: <prefix>/<device>/seen, the
// latest online status, which the Last Will does not replace.
func (t Topics) Seen() string { return t.Prefix + "/" + t.Device + "/seen" }

// encode returns the topic and JSON payload of rec.
func (t Topics) encode(rec queue.Record) (string, []byte, error) {
	topic, err := t.Record(rec.Kind)
	if err != nil {
		return "", nil, err
	}
	data, err := json.Marshal(NewPayload(t.Device, rec))
	if err != nil {
		return "", nil, fmt.Errorf("mqtt: encode seq %d: %w", rec.Seq, err)
	}
	return topic, data, nil
}
